// Read a photo: pick, drop or paste an image -> POST /api/read -> boxes drawn over the photo,
// each box's reading and confidence, the rows as text and the JSON; "Unlock with this photo"
// sends the same image to /api/unlock, which answers only with the lock's state.
"use strict";

(function () {
  const { api, el, stateText, showError } = window.DL;
  const $ = (id) => document.getElementById(id);
  let current = null; // the File or Blob being shown
  let seq = 0; // ignore a slow reply to an older photo

  function pct(x) {
    return `${(100 * x).toFixed(1)} %`;
  }

  function loadImage(blob) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(blob);
      const img = new Image();
      img.onload = () => resolve({ img, url });
      img.onerror = () => {
        URL.revokeObjectURL(url);
        reject(new Error("the browser cannot show this image"));
      };
      img.src = url;
    });
  }

  // Boxes come in the pixels of the image the server decoded (reply.width x reply.height).
  function drawBoxes(img, reply) {
    const canvas = $("photo");
    const w = reply.width || img.naturalWidth;
    const h = reply.height || img.naturalHeight;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0, w, h);
    const unit = Math.max(2, Math.round(Math.max(w, h) / 250)); // legible once scaled to the page
    ctx.lineWidth = unit;
    ctx.font = `bold ${8 * unit}px system-ui, sans-serif`;
    ctx.textBaseline = "bottom";
    reply.detections.forEach((d, i) => {
      const [x, y, bw, bh] = d.box;
      const sure = d.char !== "?";
      ctx.strokeStyle = sure ? "#00c853" : "#ff9100";
      ctx.strokeRect(x, y, bw, bh);
      const label = `${d.char} ${Math.round(100 * d.confidence)}%`;
      const tw = ctx.measureText(label).width + 2 * unit;
      const ty = y > 10 * unit ? y : y + bh + 10 * unit;
      ctx.fillStyle = sure ? "rgba(0, 120, 60, 0.85)" : "rgba(190, 90, 0, 0.85)";
      ctx.fillRect(x, ty - 9 * unit, tw, 9 * unit);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, x + unit, ty - unit / 2);
      canvas.dataset.boxes = String(i + 1);
    });
    if (!reply.detections.length) canvas.dataset.boxes = "0";
  }

  function showReading(reply) {
    const lines = reply.lines.filter((l) => l.trim() !== "");
    $("rows").textContent = lines.length ? lines.join("\n") : "Nothing read";
    const n = reply.detections.length;
    $("summary").textContent =
      `${n} character${n === 1 ? "" : "s"} in ${lines.length} row${lines.length === 1 ? "" : "s"}; ` +
      `${reply.polarity === "light" ? "light ink on dark" : "dark ink on light"}; ` +
      `${reply.width} x ${reply.height} px read in ${Math.round(reply.ms)} ms. "?" means not sure.`;
    const body = $("table");
    body.replaceChildren();
    reply.detections.forEach((d, i) => {
      body.append(
        el("tr", {}, el("td", { text: String(i + 1) }), el("td", { class: "mono", text: d.char }),
          el("td", { text: pct(d.confidence) }), el("td", { text: String(d.row + 1) }))
      );
    });
    $("json").textContent = JSON.stringify(reply, null, 2);
  }

  async function read(blob) {
    const mine = ++seq;
    current = blob;
    $("unlock").disabled = false;
    $("unlock-state").textContent = "";
    $("rows").textContent = "Reading...";
    $("result").hidden = false;
    let shown;
    try {
      shown = await loadImage(blob);
    } catch (e) {
      shown = null; // the server may still read a format the browser cannot show (TIFF)
    }
    const form = new FormData();
    form.append("image", blob, blob.name || "photo");
    const polarity = $("polarity").value;
    try {
      const reply = await api(`/api/read?polarity=${encodeURIComponent(polarity)}`, { body: form });
      if (mine !== seq) return;
      $("photo").hidden = !shown;
      if (shown) drawBoxes(shown.img, reply);
      showReading(reply);
      if (!shown) $("summary").textContent += " (This browser cannot show the format, so no boxes are drawn.)";
    } catch (e) {
      if (mine !== seq) return;
      $("result").hidden = true; // the error line says why
      $("unlock").disabled = true;
    } finally {
      if (shown) URL.revokeObjectURL(shown.url);
    }
  }

  async function unlock() {
    if (!current) return;
    const out = $("unlock-state");
    out.textContent = "Checking...";
    const form = new FormData();
    form.append("image", current, current.name || "photo");
    try {
      const reply = await api("/api/unlock", { body: form });
      out.replaceChildren(el("span", { class: `state ${reply.state}`, text: stateText(reply.state, reply.retry_after) }));
      out.dataset.state = reply.state;
    } catch (e) {
      out.textContent = "";
    }
  }

  function firstImage(items) {
    for (const f of items || []) if (f && f.type && f.type.startsWith("image/")) return f;
    return null;
  }

  function setUp() {
    const drop = $("drop");
    $("file").addEventListener("change", (e) => {
      if (e.target.files[0]) read(e.target.files[0]);
    });
    drop.addEventListener("dragover", (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const f = firstImage(e.dataTransfer.files);
      if (f) read(f);
      else showError("that was not an image file");
    });
    document.addEventListener("paste", (e) => {
      const items = [...(e.clipboardData ? e.clipboardData.items : [])].map((i) => i.getAsFile());
      const f = firstImage(items);
      if (f) read(f);
    });
    $("polarity").addEventListener("change", () => current && read(current));
    $("unlock").addEventListener("click", unlock);
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
