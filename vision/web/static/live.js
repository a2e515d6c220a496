// Live: webcam frames -> 640 px wide JPEG -> POST /api/live/frame, one request in flight at a
// time. While a frame is being read, the next camera frame is taken and encoded, and it is sent
// the moment the reply comes: at most one frame waits, a newer one is never queued behind it
// (a slow read drops the frames in between). Key actions are sent between frames, and a frame
// taken before an action is dropped, so the session's times never go backwards. The server masks every reading: boxes come back as "*" (or "?"), the buffer as a
// count, so nothing here ever knows a typed character.
"use strict";

(function () {
  const { api, el, stateText, showError, clearError } = window.DL;
  const $ = (id) => document.getElementById(id);
  const WIDTH = 640; // what the reader needs; bigger frames only cost upload and decode time
  const JPEG_QUALITY = 0.8;
  const KEYS = { r: "reset", R: "reset", Backspace: "backspace", Enter: "submit", m: "mode", M: "mode" };

  let session = null;
  let stream = null;
  let running = false;
  let mode = "sequential";
  const actions = []; // pressed while a frame was in flight: sent before the next frame
  const grab = document.createElement("canvas");
  const stats = { frames: 0, times: [], fps: 0, ms: 0, encodeMs: 0, roundTripMs: 0, pin: null }; // read by the bench (vision/web/bench.py)
  window.liveStats = stats;

  function now() {
    return performance.now() / 1000;
  }

  function cameraProblem(e) {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return `The browser allows the webcam only over HTTPS or on localhost, and this page is at ${location.origin}. ` +
        "Open it as http://localhost:PORT on the machine running the server, or serve it over HTTPS.";
    }
    switch (e && e.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "Camera access was refused. Allow the camera for this site in the browser's settings, then reload.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No camera was found. Plug one in and reload, or use the Photo or Draw page.";
      case "NotReadableError":
      case "AbortError":
        return "The camera is busy or failed to start (is another program using it?). Close that and reload.";
      default:
        return `The camera could not be started (${e ? e.message || e.name : "unknown error"}).`;
    }
  }

  function placeholder(text) {
    const p = $("placeholder");
    p.textContent = text;
    p.hidden = !text;
  }

  async function startSession(note) {
    const reply = await api("/api/live/start", { json: { mode } });
    session = reply.session;
    showPin(reply.pin, note ? [{ message: note }] : []);
  }

  async function startCamera() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error("insecure"), { name: "InsecureContext" });
    }
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    for (const track of stream.getVideoTracks()) {
      track.addEventListener("ended", () => {
        stop();
        placeholder("The camera stopped sending pictures (unplugged, or taken by another program).");
      });
    }
    const video = $("video");
    video.srcObject = stream;
    await video.play();
  }

  async function start() {
    placeholder("Starting the camera...");
    try {
      await startCamera();
    } catch (e) {
      const msg = cameraProblem(e);
      placeholder(msg);
      showError(msg);
      $("camera").textContent = "Start camera";
      return;
    }
    try {
      if (!session) await startSession();
    } catch (_) {
      placeholder("Could not start a session with the server (see the error above).");
      return;
    }
    placeholder("");
    $("camera").textContent = "Stop camera";
    running = true;
    shown = taken = 0; // a new stream counts its frames from 0
    watchFrames();
    nextFrame();
  }

  function stop() {
    running = false;
    waiting = null;
    waitingNext = null;
    ready = null;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    $("video").srcObject = null;
    clearOverlay();
    placeholder("Camera stopped.");
    $("camera").textContent = "Start camera";
  }

  // The camera's newest frame number, kept by a callback that runs once per new video frame.
  let shown = 0;
  let taken = 0; // the frame number last sent
  let waiting = null; // step() waiting for a frame newer than the one taken
  let waitingNext = null; // prepare() waiting for a frame newer than the one taken
  let ready = null; // Promise of the next frame, taken while the previous one was being read

  function watchFrames() {
    const video = $("video");
    if (!video.requestVideoFrameCallback) return;
    const tick = (_, meta) => {
      shown = meta.presentedFrames;
      if (waitingNext && shown > taken) {
        const go = waitingNext;
        waitingNext = null;
        go();
      }
      if (waiting && (ready || shown > taken)) {
        const go = waiting;
        waiting = null;
        go();
      }
      if (stream) video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
  }

  // Read the newest frame at once if the camera has one we have not sent, else wait for it:
  // the same picture is never read twice, and no time is lost waiting when a read was slow.
  function nextFrame() {
    if (!running) return;
    if (ready) step(); // taken while the last one was read: send it now
    else if (!$("video").requestVideoFrameCallback) requestAnimationFrame(() => step());
    else if (shown > taken) step();
    else waiting = step;
  }

  // Take the next frame as soon as the camera has a new one, while the current one is read.
  function prepare() {
    if (!$("video").requestVideoFrameCallback) return; // no frame numbers: take it after the reply
    const go = () => {
      if (running) ready = capture();
    };
    if (shown > taken) go();
    else waitingNext = go;
  }

  function capture() {
    const video = $("video");
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (!vw || !vh) return null;
    const w = Math.min(WIDTH, vw);
    grab.width = w;
    grab.height = Math.round((vh * w) / vw);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    const t = now();
    taken = shown;
    return new Promise((resolve) => grab.toBlob((b) => resolve(b && { blob: b, t }), "image/jpeg", JPEG_QUALITY));
  }

  async function step() {
    if (!running) return;
    try {
      if (actions.length) {
        ready = null; // taken before the action: its time would go backwards
        waitingNext = null;
        while (actions.length) await sendAction(actions.shift());
      }
      const t0 = performance.now();
      const pending = ready;
      ready = null;
      const shot = await (pending || capture());
      const t1 = performance.now();
      if (shot && running) {
        prepare();
        const url = `/api/live/frame?session=${encodeURIComponent(session)}&t=${shot.t.toFixed(4)}`;
        const reply = await api(url, { body: shot.blob, headers: { "Content-Type": "image/jpeg" }, quiet: true });
        clearError("/api/live/frame");
        stats.encodeMs = t1 - t0;
        stats.roundTripMs = performance.now() - t1;
        countFrame(reply);
        drawBoxes(reply);
        showPin(reply.pin, reply.events);
      }
    } catch (e) {
      if (e.status === 404) {
        session = null; // dropped after being idle, or the server restarted
        try {
          await startSession("The server had forgotten this page (idle, or restarted): new session, empty buffer.");
        } catch (_) { /* shown by api() */ }
      } else if (e.status !== 409) {
        showError(e.message, "/api/live/frame");
        await new Promise((r) => setTimeout(r, 1000)); // do not hammer a failing server
      }
    }
    nextFrame();
  }

  function countFrame(reply) {
    const t = performance.now();
    stats.frames++;
    stats.ms = reply.ms;
    stats.pin = reply.pin; // masked: counts and state only
    stats.times.push(t);
    while (stats.times.length && t - stats.times[0] > 2000) stats.times.shift();
    const n = stats.times.length;
    stats.fps = n > 1 ? ((n - 1) * 1000) / (stats.times[n - 1] - stats.times[0]) : 0;
    $("fps").textContent = `${stats.fps.toFixed(1)} frames/s read`;
    $("ms").textContent = `${Math.round(reply.ms)} ms a frame`;
    $("size").textContent = `${reply.width} x ${reply.height} px`;
  }

  function clearOverlay() {
    const c = $("overlay");
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
  }

  // The overlay canvas has the frame's own size and is scaled like the video (object-fit: contain).
  function drawBoxes(reply) {
    const c = $("overlay");
    if (c.width !== reply.width || c.height !== reply.height) {
      c.width = reply.width;
      c.height = reply.height;
    }
    const ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.lineWidth = 3;
    ctx.font = "bold 22px system-ui, sans-serif";
    for (const d of reply.detections) {
      const [x, y, w, h] = d.box;
      ctx.strokeStyle = d.char === "?" ? "#ff9100" : "#00e676";
      ctx.strokeRect(x, y, w, h);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fillText(d.char, x + 4, y > 26 ? y - 6 : y + h + 22);
    }
    const pin = reply.pin || {};
    if (pin.candidate_box && pin.progress !== null && pin.progress !== undefined) {
      const [x, y, w, h] = pin.candidate_box;
      ctx.strokeStyle = "#ffd600";
      ctx.lineWidth = 5;
      ctx.strokeRect(x - 4, y - 4, w + 8, h + 8);
      ctx.fillStyle = "#ffd600";
      ctx.fillRect(x - 4, y + h + 8, (w + 8) * pin.progress, 8);
    }
  }

  function showPin(pin, events) {
    if (!pin) return;
    const total = pin.pin_length || 0;
    const typed = "*".repeat(pin.length);
    const missing = total > pin.length ? "_".repeat(total - pin.length) : "";
    $("buffer").textContent = typed + missing || "\u00a0";
    const typedText = pin.length
      ? `${pin.length} character${pin.length === 1 ? "" : "s"} typed${total ? ` of ${total}` : ""}`
      : "Nothing typed";
    if ($("typed").textContent !== typedText) $("typed").textContent = typedText;
    const state = $("state");
    const text = stateText(pin.state, pin.lockout_remaining);
    if (state.textContent !== text) state.textContent = text;
    state.className = `state ${pin.state}`;
    state.dataset.state = pin.state;
    if ($("message").textContent !== pin.message) $("message").textContent = pin.message;
    mode = pin.mode || mode;
    $("mode-name").textContent = mode;
    for (const ev of events || []) {
      const list = $("events");
      list.prepend(el("li", { text: ev.message }));
      while (list.children.length > 6) list.lastChild.remove();
    }
  }

  async function sendAction(action) {
    const reply = await api("/api/live/action", { json: { session, action, t: now() } });
    showPin(reply.pin, reply.events);
  }

  // While frames flow, actions wait for the frame in flight; otherwise they go at once.
  function act(action) {
    if (!session) return;
    if (running) actions.push(action);
    else sendAction(action).catch(() => {});
  }

  function setUp() {
    for (const a of ["reset", "backspace", "submit", "mode"]) {
      $(a).addEventListener("click", (e) => {
        act(a);
        if (e.detail > 0) e.currentTarget.blur(); // clicked: give Enter back to "submit"
      });
    }
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, select, textarea")) return;
      const action = KEYS[e.key];
      if (!action) return;
      if (e.key === "Enter" && e.target.closest("button")) return; // Enter on a button clicks it
      e.preventDefault();
      act(action);
    });
    $("camera").addEventListener("click", () => (running || stream ? stop() : start()));
    window.addEventListener("pagehide", stop);
    start();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
