// Shared by every page: marks the current page in the nav, and api(), the one way pages talk to
// the server: it adds the CSRF token to every POST and turns a JSON {"error": ...} reply into a
// visible error line (the element with id "error" on each page) and a thrown ApiError.
"use strict";

(function () {
  class ApiError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data || {};
    }
  }

  let tokenPromise = null;

  function token(refresh) {
    if (!tokenPromise || refresh) {
      tokenPromise = fetch("/api/token", { cache: "no-store" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new ApiError("could not get a CSRF token", r.status))))
        .then((d) => d.csrf)
        .catch((e) => {
          tokenPromise = null; // try again next time rather than fail forever
          throw e;
        });
    }
    return tokenPromise;
  }

  function errorLine() {
    return document.getElementById("error");
  }

  let errorFrom = null; // the API path whose failure the error line shows (null: the page's own)

  function showError(message, from = null) {
    const el = errorLine();
    if (!el) return;
    el.textContent = message;
    el.classList.add("shown");
    errorFrom = from;
  }

  // Without ``from`` the line is cleared; with it, only if it shows that path's failure, so a
  // status refresh that works does not hide why the request before it failed.
  function clearError(from) {
    const el = errorLine();
    if (!el || (from !== undefined && from !== errorFrom)) return;
    el.textContent = "";
    el.classList.remove("shown");
    errorFrom = null;
  }

  async function parse(response) {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : {};
    } catch (_) {
      return { error: `the server answered ${response.status} without JSON` };
    }
  }

  async function send(path, opts, csrf) {
    const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    let body = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, { method: opts.method || "GET", headers, body, cache: "no-store" });
    return { response, data: await parse(response) };
  }

  // api(path, {method, json, body, headers, quiet}) -> the reply's JSON; throws ApiError on 4xx/5xx
  // or a network failure. Unless quiet, the error is also shown in the page's error line.
  async function api(path, opts = {}) {
    const method = (opts.method || (opts.json !== undefined || opts.body !== undefined ? "POST" : "GET")).toUpperCase();
    opts = Object.assign({}, opts, { method });
    try {
      const needsToken = method !== "GET" && method !== "HEAD";
      let { response, data } = await send(path, opts, needsToken ? await token() : null);
      if (needsToken && response.status === 403 && /csrf/i.test(data.error || "")) {
        // The server restarted and has a new token: fetch it once and try again.
        ({ response, data } = await send(path, opts, await token(true)));
      }
      if (!response.ok) {
        throw new ApiError(data.error || `the server answered ${response.status}`, response.status, data);
      }
      if (!opts.quiet) clearError(path.split("?")[0]);
      return data;
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(`cannot reach the server (${e.message})`, 0);
      if (!opts.quiet) showError(err.message, path.split("?")[0]);
      throw err;
    }
  }

  function markNav() {
    const here = location.pathname.replace(/\/$/, "") || "/";
    for (const a of document.querySelectorAll("nav a")) {
      if (a.getAttribute("href") === here) a.setAttribute("aria-current", "page");
    }
  }

  // Text for a lock state, shared by the photo, live and lock pages.
  function stateText(state, retryAfter) {
    switch (state) {
      case "granted": return "Access granted: the locker is open";
      case "denied": return "Wrong PIN";
      case "locked_out": return `Locked out: ${retryAfter} s left`;
      case "disabled": return "Disabled after too many wrong PINs: set a new PIN with python recognize_live.py --set-pin";
      case "no_pin": return "No PIN set yet: set one on the Lock page";
      case "locked": return "Locked";
      default: return state;
    }
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  document.addEventListener("DOMContentLoaded", markNav);
  window.DL = { api, ApiError, showError, clearError, stateText, el };
})();
