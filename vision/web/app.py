"""The web app: pages, and a JSON API over ``read_frame``, ``LiveSession`` and the lock file.

Every reply of ``/api/...`` is one line of JSON; every error is ``{"error": "<one line>"}`` with a
4xx status (5xx only for a server-side fault such as an unusable lock file). State-changing
requests are POSTs that must carry the per-start token from ``GET /api/token`` in
``X-CSRF-Token`` and, when the browser sends an ``Origin``, come from this server's own origin.

The live endpoints are masked exactly like the command line's live output (``live_json``):
what was typed, or is being read in a live box, never leaves the server. PINs travel only in
JSON bodies, never in URLs, so the request log cannot hold one; bodies are never logged.

The classifier is shared by every request thread, and LiteRT's interpreter is not thread-safe,
so its calls are serialized (the rest of a frame's reading runs in parallel).
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, SecurityError

from vision import config
from vision.entry import PinEntry, pin_row
from vision.imaging import ImageError, ImageTooLargeError, decode, to_bgr
from vision.lockstore import Lock, LockConfigError, Verdict, WeakPinError, default_config_path, validate_pin
from vision.pipeline import ProbabilityModel, read_frame
from vision.session import Action, LiveSession, choose_lock, live_json
from vision.types import EntryMode, FrameResult, Polarity
from vision.web.clients import BadTime, Clients, SessionBusy, UnknownSession

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"  # css and js
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"  # the pages, on one base.html
PAGES = {"/": "index.html", "/photo": "photo.html", "/draw": "draw.html", "/live": "live.html", "/lock": "lock.html"}
LIVE_ACTIONS = {a.value: a for a in (Action.RESET, Action.BACKSPACE, Action.SUBMIT, Action.TOGGLE_MODE)}
# The loopback names a request's Host may carry (trusted_hosts): werkzeug's check reads the name
# before the first ":", so a bracketed IPv6 host ("[::1]:8000") can never match and ::1 is left out.
LOOPBACK_HOSTS = [h for h in config.LOOPBACK_HOSTS if ":" not in h]
CSRF_HEADER = "X-CSRF-Token"
CSRF_ERROR = "missing or wrong CSRF token; reload the page"
_EMPTY = FrameResult(index=0, detections=(), lines=(), polarity=str(Polarity.DARK))  # pin view without a frame
_HTTP_ERRORS = {
    404: "not found",
    405: "method not allowed",
    413: f"request body over {config.WEB_MAX_BODY_BYTES // 2**20} MB",
}


class ApiError(Exception):
    """A refusal the client should see: HTTP status, one-line message, and extra JSON fields."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


class SerializedModel:
    """One classifier shared by request threads, one call at a time (LiteRT is not thread-safe)."""

    def __init__(self, model: ProbabilityModel) -> None:
        self._model, self._lock = model, threading.Lock()

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._model.probabilities(patches)


@dataclass
class WebState:
    """What every request shares: the model, the lock file's path, the options, the sessions."""

    model: SerializedModel
    lock_path: Path
    hold_s: float
    mode: EntryMode
    max_pixels: int
    csrf: str
    clients: Clients


def create_app(
    classifier: ProbabilityModel,
    config_path: Path | None = None,
    *,
    hold_s: float = config.PIN_HOLD_S,
    mode: EntryMode | str = EntryMode.SEQUENTIAL,
    max_pixels: int = config.MAX_IMAGE_PIXELS,
    static_dir: Path = STATIC_DIR,
    template_dir: Path = TEMPLATE_DIR,
    clients: Clients | None = None,
    trusted_hosts: list[str] | None = None,
) -> Flask:
    """The Flask app over ``classifier`` (loaded once by the caller) and the lock file.

    ``config_path`` is the lock file as the window app takes it (default: the user's config
    folder). It is read now, so an unusable file raises LockConfigError before serving.
    ``trusted_hosts``: the only names a request's Host may carry (any port), e.g. LOOPBACK_HOSTS
    for a server on 127.0.0.1, so that a page of another site whose name was pointed at this
    machine (DNS rebinding) cannot read the token; None accepts any Host.
    """
    lock_path = Path(config_path) if config_path is not None else default_config_path()
    Lock.load(lock_path)
    app = Flask(__name__, static_folder=str(static_dir), static_url_path="/static", template_folder=str(template_dir))
    app.config["MAX_CONTENT_LENGTH"] = config.WEB_MAX_BODY_BYTES
    app.config["TRUSTED_HOSTS"] = trusted_hosts
    app.json.compact = True
    app.extensions["digit_locker"] = WebState(
        SerializedModel(classifier),
        lock_path,
        hold_s,
        EntryMode(mode),
        max_pixels,
        secrets.token_urlsafe(config.WEB_CSRF_TOKEN_BYTES),
        clients or Clients(),
    )
    for rule, page in PAGES.items():
        app.add_url_rule(rule, f"page_{page.split('.')[0]}", _page(page), methods=["GET"])
    for rule, view, methods in _API:
        app.add_url_rule(rule, view.__name__, view, methods=methods)
    app.before_request(_check_origin_and_token)
    app.after_request(_headers)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(LockConfigError, _lock_error)
    app.register_error_handler(UnknownSession, lambda _: _error(404, "unknown or expired session; start a new one"))
    app.register_error_handler(SessionBusy, lambda _: _error(409, "a frame for this session is still being read"))
    app.register_error_handler(BadTime, lambda exc: _error(400, str(exc)))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def _state() -> WebState:
    return current_app.extensions["digit_locker"]


def _page(name: str):
    def page() -> str:
        try:
            return render_template(name)
        except TemplateNotFound:
            abort(404)

    return page


# --- Requests in, errors out -----------------------------------------------------------------


def _check_origin_and_token() -> None:
    """Refuse a state-changing request without this server's token or from another origin.

    Routing errors go first, so a POST to an unknown route is a 404, not a 403.
    """
    if request.routing_exception is not None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
        raise ApiError(403, "request from another origin refused")
    token = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(token.encode("utf-8", "replace"), _state().csrf.encode()):
        raise ApiError(403, CSRF_ERROR)


def _headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": " ".join(message.split())} | extra), status


def _api_error(exc: ApiError) -> tuple[Response, int]:
    return _error(exc.status, exc.message, **exc.extra)


def _lock_error(exc: LockConfigError) -> tuple[Response, int]:
    log.error("%s", exc)
    return _error(503, "the lock file cannot be used; see the server's terminal")


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    message = _HTTP_ERRORS.get(status, exc.name)
    if isinstance(exc, SecurityError) and current_app.config["TRUSTED_HOSTS"]:
        message = f"this server answers only as {' or '.join(current_app.config['TRUSTED_HOSTS'])}"
    if status == 405 and isinstance(getattr(exc, "valid_methods", None), list):
        message += f": use {' or '.join(m for m in exc.valid_methods if m not in ('HEAD', 'OPTIONS'))}"
    return _error(status, message)


def _unexpected(exc: Exception) -> tuple[Response, int]:
    """A bug: logged with where it happened, but neither its message nor the request body
    (either could hold what was typed)."""
    where = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    log.error("unexpected %s in %s %s\n%s", type(exc).__name__, request.method, request.path, where)
    return _error(500, "internal error; see the server's log")


def _image() -> tuple[np.ndarray, float]:
    """The request's image as BGR uint8, and when reading it started (perf_counter seconds).

    A multipart form's ``image`` field, or else the raw body.
    """
    started = time.perf_counter()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        data = upload.read() if upload is not None else b""
    else:
        data = request.get_data(cache=False)
    if not data:
        raise ApiError(400, "no image: send it as the multipart field 'image' or as the request body")
    try:
        frames = decode(np.frombuffer(data, np.uint8), _state().max_pixels)
        return to_bgr(frames[0]), started
    except ImageTooLargeError as exc:
        raise ApiError(413, str(exc)) from None
    except ImageError as exc:
        raise ApiError(400, str(exc)) from None


def _polarity() -> str:
    value = request.args.get("polarity", Polarity.AUTO)
    if value not in tuple(Polarity):
        raise ApiError(400, f"polarity must be one of {', '.join(Polarity)}")
    return value


def _json_body() -> dict[str, Any]:
    """The JSON object sent (an empty body is an empty object); 400 for anything else."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _seconds(value: Any) -> float:
    """A client's ``t``: a finite number of seconds (a JSON number, or a query string's text)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        t = float(value)
    except (TypeError, ValueError):
        raise ApiError(400, "t must be the frame's time in seconds") from None
    if not math.isfinite(t):
        raise ApiError(400, "t must be a finite number of seconds")
    return t


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1e3, 1)


# --- Reading ---------------------------------------------------------------------------------


def api_token() -> Response:
    return jsonify({"csrf": _state().csrf})


def api_read() -> Response:
    """The command line's image-mode object, with each detection's class probabilities."""
    frame, started = _image()
    result = read_frame(frame, _state().model, _polarity())
    h, w = frame.shape[:2]
    return jsonify(result.to_json(probabilities=True) | {"width": w, "height": h, "ms": _ms(started)})


# --- The lock --------------------------------------------------------------------------------


def _load_lock() -> Lock:
    """A fresh Lock per request: it re-reads the file, and checks take the OS lock themselves."""
    return Lock.load(_state().lock_path)


def _lock_state(lock: Lock, wall: float) -> dict[str, Any]:
    blocked = lock.blocked(wall)
    return {
        "state": "locked" if blocked is None else str(blocked),
        "retry_after": math.ceil(lock.lockout_remaining(wall)),
    }


def api_unlock() -> Response:
    """Submit the photo's PIN row as an attempt; the reply says only the verdict.

    The candidate is the row that row entry would type (``pin_row``). A photo without one is
    denied without counting a failure: nothing was tried against the PIN.
    """
    frame, _ = _image()
    result = read_frame(frame, _state().model, _polarity())
    lock, wall = _load_lock(), time.time()
    verdict = lock.blocked(wall)
    if verdict is None:
        row = pin_row(result.lines, lock.pin_length)
        verdict = Verdict.DENIED if row is None else lock.check("".join(result.lines[row].split()), wall)
    return jsonify({"state": str(verdict), "retry_after": math.ceil(lock.lockout_remaining(time.time()))})


def api_lock() -> Response:
    lock = _load_lock()
    return jsonify(
        {"has_pin": lock.has_pin, "pin_length": lock.pin_length, "failures": lock.failures}
        | _lock_state(lock, time.time())
    )


def api_set_pin() -> Response:
    """Set a PIN; changing one needs the current PIN, checked (and counted) like any attempt.

    The new PIN is validated first, so a typo in it never costs a try.
    """
    body = _json_body()
    pin, current = body.get("pin"), body.get("current")
    if not isinstance(pin, str):
        raise ApiError(400, "send the new PIN as the JSON field 'pin'")
    try:
        pin = validate_pin(pin)
    except WeakPinError as exc:
        raise ApiError(400, str(exc)) from None
    lock = _load_lock()
    if lock.has_pin:
        if not isinstance(current, str) or not current:
            raise ApiError(400, "a PIN is set: send it as the JSON field 'current' to change it")
        wall = time.time()
        verdict = lock.check(current, wall)
        if verdict is not Verdict.GRANTED:
            raise ApiError(403, _refusal(verdict), **_lock_state(lock, time.time()))
    lock.set_pin(pin)
    return jsonify({"ok": True, "pin_length": lock.pin_length})


def _refusal(verdict: Verdict) -> str:
    if verdict is Verdict.LOCKED_OUT:
        return "locked out after too many wrong PINs; try again later"
    if verdict is Verdict.DISABLED:
        return f"the lock is disabled after too many wrong PINs; set a new PIN with `{config.SET_PIN_COMMAND}`"
    return "the current PIN is wrong"


# --- Live sessions ---------------------------------------------------------------------------


def _pin_json(entry: PinEntry, events: list) -> dict[str, Any]:
    out = live_json(_EMPTY, entry, events)
    return {"pin": out["pin"], "events": out["events"]}


def api_live_start() -> Response:
    body = _json_body()
    state = _state()
    mode = body.get("mode", state.mode)
    if mode not in tuple(EntryMode):
        raise ApiError(400, f"mode must be one of {', '.join(EntryMode)}")
    choice = choose_lock(False, state.lock_path, mode, state.hold_s)
    sid = state.clients.add(LiveSession(state.model, choice.entry))
    return jsonify({"session": sid, "pin": _pin_json(choice.entry, [])["pin"]})


def api_live_frame() -> Response:
    """One frame of a live session, masked like the command line's live JSON."""
    t = _seconds(request.args.get("t"))
    with _client(request.args.get("session")) as client:
        client.check_time(t)
        frame, started = _image()
        result, events = client.live.step(frame, client.frames, t)
        client.frames, client.t = client.frames + 1, t
    h, w = frame.shape[:2]
    return jsonify(live_json(result, client.live.entry, events) | {"width": w, "height": h, "ms": _ms(started)})


def api_live_action() -> Response:
    body = _json_body()
    action = LIVE_ACTIONS.get(body.get("action")) if isinstance(body.get("action"), str) else None
    if action is None:
        raise ApiError(400, f"action must be one of {', '.join(LIVE_ACTIONS)}")
    t = _seconds(body.get("t"))
    with _client(body.get("session"), _state().clients.action_wait_s) as client:
        client.check_time(t)
        events = client.live.handle(action, t)
        client.t = t
        return jsonify(_pin_json(client.live.entry, events))


def _client(sid: Any, wait_s: float = 0.0):
    """The session for this request, held until the reply is built (UnknownSession: 404,
    SessionBusy: 409)."""
    if not isinstance(sid, str) or not sid:
        raise ApiError(400, "give the session id from /api/live/start")
    return _state().clients.use(sid, wait_s)


_API = (
    ("/api/token", api_token, ["GET"]),
    ("/api/read", api_read, ["POST"]),
    ("/api/unlock", api_unlock, ["POST"]),
    ("/api/lock", api_lock, ["GET"]),
    ("/api/lock/pin", api_set_pin, ["POST"]),
    ("/api/live/start", api_live_start, ["POST"]),
    ("/api/live/frame", api_live_frame, ["POST"]),
    ("/api/live/action", api_live_action, ["POST"]),
)
