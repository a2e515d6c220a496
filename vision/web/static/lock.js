// Lock: shows GET /api/lock (PIN set or not, wrong tries, lockout) and sets or changes the PIN.
// Changing it needs the current PIN, which the server checks like any attempt (it can lock out).
"use strict";

(function () {
  const { api, el, stateText } = window.DL;
  const $ = (id) => document.getElementById(id);
  const PIN = /^[0-9K]{4,8}$/;
  let hasPin = false;
  let timer = 0;

  function show(lock) {
    hasPin = lock.has_pin;
    const state = $("state");
    state.textContent = lock.has_pin || lock.state !== "no_pin" ? stateText(lock.state, lock.retry_after) : "No PIN set yet";
    state.className = `state ${lock.state}`;
    state.dataset.state = lock.state;
    $("pin-info").textContent = lock.has_pin ? `set, ${lock.pin_length} characters` : "not set";
    $("failures").textContent = String(lock.failures);
    $("current-row").hidden = !lock.has_pin;
    $("current").required = lock.has_pin;
    $("set-h").textContent = lock.has_pin ? "Change the PIN" : "Set a PIN";
    $("save").textContent = lock.has_pin ? "Change PIN" : "Set PIN";
    clearTimeout(timer);
    if (lock.retry_after > 0) timer = setTimeout(refresh, 1000); // count the lockout down
  }

  async function refresh() {
    try {
      show(await api("/api/lock"));
    } catch (_) { /* shown by api() */ }
  }

  // kind: "ok" (saved), "bad" (refused) or "muted" (in progress)
  function say(text, kind) {
    $("result").replaceChildren(el("span", { class: kind, text }));
  }

  async function submit(e) {
    e.preventDefault();
    const pin = $("new-pin").value.trim().toUpperCase();
    const repeat = $("repeat").value.trim().toUpperCase();
    if (!PIN.test(pin)) return say("A PIN is 4 to 8 characters, each 0-9 or K.", "bad");
    if (pin !== repeat) return say("The two new PINs differ.", "bad");
    const body = { pin };
    if (hasPin) body.current = $("current").value.trim().toUpperCase();
    $("save").disabled = true;
    say("Saving (checking a PIN takes a moment)...", "muted");
    try {
      const reply = await api("/api/lock/pin", { json: body });
      $("pin-form").reset();
      say(`PIN saved (${reply.pin_length} characters).`, "ok");
    } catch (err) {
      say(err.message, "bad");
    } finally {
      $("save").disabled = false;
      refresh();
    }
  }

  function setUp() {
    $("pin-form").addEventListener("submit", submit);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
