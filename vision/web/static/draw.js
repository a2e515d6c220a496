// Draw: a white pad with black ink for mouse, touch and pen (Pointer Events). Strokes are kept
// so Undo can redraw without the last one. The pad is read ~300 ms after the ink last changed
// (and on "Read now"); a blank pad is never sent: there is nothing to read, so no guess either.
"use strict";

(function () {
  const { api, el, clearError } = window.DL;
  const $ = (id) => document.getElementById(id);
  const CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K"];
  const DEBOUNCE_MS = 300;
  const strokes = []; // [{width, points: [[x, y], ...]}], in canvas pixels
  let active = null; // the stroke under the pointer
  let timer = 0;
  let inFlight = false;
  let again = false; // the ink changed while a read was in flight
  let version = 0; // bumped on every change: a reply for older ink is not shown

  const pad = () => $("pad");

  function redraw() {
    const c = pad();
    const ctx = c.getContext("2d");
    ctx.fillStyle = "#fff"; // white paper, or toBlob gives ink on a transparent background
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const s of strokes) {
      ctx.lineWidth = s.width;
      if (s.points.length === 1) {
        const [x, y] = s.points[0];
        ctx.beginPath();
        ctx.arc(x, y, s.width / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(...s.points[0]);
      for (const p of s.points.slice(1)) ctx.lineTo(...p);
      ctx.stroke();
    }
    $("pad-hint").hidden = strokes.length > 0;
    $("undo").disabled = strokes.length === 0;
    $("clear").disabled = strokes.length === 0;
  }

  function point(e) {
    const c = pad();
    const r = c.getBoundingClientRect();
    return [((e.clientX - r.left) * c.width) / r.width, ((e.clientY - r.top) * c.height) / r.height];
  }

  function changed() {
    version++;
    redraw();
    clearTimeout(timer);
    if (strokes.length === 0) {
      showBlank();
      return;
    }
    if ($("auto").checked) timer = setTimeout(read, DEBOUNCE_MS);
  }

  function showBlank() {
    $("rows").textContent = "Draw something";
    $("summary").textContent = "";
    $("chars").replaceChildren();
    clearError();
  }

  function down(e) {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    pad().setPointerCapture(e.pointerId);
    active = { width: Number($("width").value), points: [point(e)] };
    strokes.push(active);
    changed();
  }

  function move(e) {
    if (!active) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) active.points.push(point(ev));
    changed();
  }

  function up() {
    if (!active) return;
    active = null;
    changed();
  }

  function blob() {
    return new Promise((resolve) => pad().toBlob(resolve, "image/png"));
  }

  async function read() {
    clearTimeout(timer);
    if (strokes.length === 0) {
      showBlank();
      return;
    }
    if (inFlight) {
      again = true; // one read at a time; the newest ink is read when this one returns
      return;
    }
    inFlight = true;
    const mine = version;
    try {
      const png = await blob();
      const reply = await api("/api/read", { body: png, headers: { "Content-Type": "image/png" } });
      if (mine === version) show(reply);
    } catch (_) {
      // api() has shown the error line
    } finally {
      inFlight = false;
      if (again || mine !== version) {
        again = false;
        if (strokes.length && !active) read();
      }
    }
  }

  function bars(d) {
    const list = el("ul", { class: "bars", "aria-label": `class probabilities for character read as ${d.char}` });
    const probs = d.probabilities || [];
    const top = probs.indexOf(Math.max(...probs));
    const rows = probs.map((p, i) => [CLASSES[i], p, i === top ? "top" : ""]);
    if (d.reject !== undefined) rows.push(["not a char", d.reject, "reject"]);
    for (const [name, p, cls] of rows) {
      const bar = el("span", { class: "bar" }, el("span", { style: `width: ${(100 * p).toFixed(1)}%` }));
      list.append(el("li", { class: cls }, el("span", { text: name }), bar, el("span", { class: "val", text: `${Math.round(100 * p)}%` })));
    }
    return list;
  }

  function show(reply) {
    const lines = reply.lines.filter((l) => l.trim() !== "");
    $("rows").textContent = lines.length ? lines.join("\n") : "Nothing read: write bigger or darker";
    const n = reply.detections.length;
    $("summary").textContent = n
      ? `${n} character${n === 1 ? "" : "s"}, read in ${Math.round(reply.ms)} ms. "?" means not sure.`
      : "";
    const cards = reply.detections.map((d, i) =>
      el("div", { class: "char-card" },
        el("div", {}, el("span", { class: "big", text: d.char }),
          el("span", { class: "muted", text: `  #${i + 1}, ${Math.round(100 * d.confidence)}% sure` })),
        bars(d))
    );
    $("chars").replaceChildren(...cards);
  }

  function setUp() {
    const c = pad();
    c.addEventListener("pointerdown", down);
    c.addEventListener("pointermove", move);
    c.addEventListener("pointerup", up);
    c.addEventListener("pointercancel", up);
    $("width").addEventListener("input", (e) => ($("width-value").textContent = e.target.value));
    $("undo").addEventListener("click", () => {
      strokes.pop();
      changed();
    });
    $("clear").addEventListener("click", () => {
      strokes.length = 0;
      changed();
    });
    $("read").addEventListener("click", read);
    redraw();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
