"""The web app's API through Flask's test client, with the shipped model and a lock file in tmp_path.

Every endpoint with good and bad input, the CSRF and Origin rule, the masking of live sessions
(no typed character and no PIN in any body, header or log line), the lock shared with the
command line, serialized classifier calls under threads, and ``recognize_live.py --web``.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import socket
import struct
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import one_error_line, run_cli

from vision import config
from vision.lockstore import Lock
from vision.synth.demo import demo_frames, demo_schedule
from vision.web import app as web
from vision.web.clients import Clients

PHOTO = "niraj-dudani_1.jpeg"  # one row, 1280x960
WRONG_PIN = "5803"
NEW_PIN = "2580"


# --- Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "lock.json"


@pytest.fixture
def app(classifier, lock_path: Path):
    return web.create_app(classifier, lock_path)


class Api:
    """A test client that sends the CSRF token and keeps every reply, for the masking checks."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.token = self.client.get("/api/token").get_json()["csrf"]
        self.replies: list = []

    def post(self, path: str, headers: dict | None = None, **kw):
        reply = self.client.post(path, headers={"X-CSRF-Token": self.token} | (headers or {}), **kw)
        self.replies.append(reply)
        return reply

    def get(self, path: str):
        reply = self.client.get(path)
        self.replies.append(reply)
        return reply

    def everything(self) -> str:
        """Every body and header sent back so far, as one text."""
        return "\n".join(f"{r.headers}\n{r.get_data(as_text=True)}" for r in self.replies)


@pytest.fixture
def api(app) -> Api:
    return Api(app)


def encode(frame: np.ndarray, ext: str = ".jpg") -> bytes:
    ok, data = cv2.imencode(ext, frame)
    assert ok
    return data.tobytes()


def row_frame(pin: str) -> np.ndarray:
    """The demo's frame with ``pin`` written as one row, fully in view."""
    start, end, text = demo_schedule(pin)[-2]
    assert text == pin
    for i, frame in enumerate(demo_frames(pin, loop=False)):
        if i == (start + end) // 2:
            return frame
    raise AssertionError("demo ended early")


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (its pixel data is one byte)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def one_line_error(reply, status: int, *needles: str) -> str:
    assert reply.status_code == status, (reply.status_code, reply.get_data(as_text=True))
    assert reply.mimetype == "application/json"
    text = reply.get_data(as_text=True)
    assert text.count("\n") <= 1 and text.strip().count("\n") == 0, text
    message = json.loads(text)["error"]
    for needle in needles:
        assert needle in message, message
    return message


@pytest.fixture(scope="module")
def photo(real_photos: Path) -> tuple[bytes, str]:
    rows = [line.split("\t") for line in (real_photos / "labels.tsv").read_text().splitlines()[1:]]
    label = next(r[1] for r in rows if r[0] == PHOTO)
    return (real_photos / PHOTO).read_bytes(), label


# --- /api/read ---------------------------------------------------------------------------------


def test_read_a_real_photo_multipart_and_raw(api: Api, photo) -> None:
    data, label = photo
    multipart = api.post("/api/read", data={"image": (io.BytesIO(data), "photo.jpg")})
    raw = api.post("/api/read", data=data, content_type="image/jpeg")
    for reply in (multipart, raw):
        assert reply.status_code == 200, reply.get_data(as_text=True)
        out = reply.get_json()
        assert out["lines"] == [label]
        assert (out["width"], out["height"]) == (1280, 960) and out["ms"] > 0
        assert out["polarity"] == "dark" and out["frame"] == 0
        assert "".join(d["char"] for d in out["detections"]) == label
        for d in out["detections"]:
            assert len(d["probabilities"]) == config.NUM_CLASSES and 0 <= d["reject"] <= 1
            assert math.isclose(sum(d["probabilities"]) + d["reject"], 1.0, abs_tol=0.01)
            assert d["probabilities"][config.CLASSES.index(d["char"])] == max(d["probabilities"])
            x, y, w, h = d["box"]
            assert 0 <= x and x + w <= 1280 and 0 <= y and y + h <= 960
    assert multipart.get_json()["detections"] == raw.get_json()["detections"]
    assert raw.headers["Cache-Control"] == "no-store" and raw.headers["X-Content-Type-Options"] == "nosniff"


def test_read_a_blank_canvas_reads_nothing_and_polarity_is_checked(api: Api) -> None:
    blank = encode(np.full((200, 400, 3), 255, np.uint8), ".png")
    out = api.post("/api/read", data=blank, content_type="image/png").get_json()
    assert out["lines"] == [] and out["detections"] == [] and (out["width"], out["height"]) == (400, 200)
    light = api.post("/api/read?polarity=light", data=encode(row_frame(config.DEMO_PIN)))
    assert light.status_code == 200 and light.get_json()["polarity"] == "light"
    one_line_error(api.post("/api/read?polarity=purple", data=blank), 400, "polarity")


def test_read_refuses_bad_input_with_one_json_line(api: Api, app) -> None:
    one_line_error(api.post("/api/read"), 400, "no image")
    one_line_error(api.post("/api/read", data={"other": (io.BytesIO(b"x"), "x.png")}), 400, "no image")
    one_line_error(api.post("/api/read", data=b"hello, not an image", content_type="text/plain"), 400, "not a PNG")
    one_line_error(api.post("/api/read", data=b"\x89PNG\r\n\x1a\n" + b"\0" * 40), 400, "PNG")
    tiny = encode(np.full((4, 4, 3), 255, np.uint8), ".png")
    one_line_error(api.post("/api/read", data=tiny), 400, "too small")
    one_line_error(api.post("/api/read", data=png_header(30000, 30000)), 413, "megapixels", "limit")
    one_line_error(api.post("/api/read", data=b"\xff" * (10 * 2**20 + 1)), 413, "10 MB")
    too_big = {"image": (io.BytesIO(b"\0" * (10 * 2**20 + 1)), "big.png")}
    one_line_error(api.post("/api/read", data=too_big), 413, "10 MB")


def test_the_pixel_limit_is_the_one_given(classifier, lock_path: Path) -> None:
    api = Api(web.create_app(classifier, lock_path, max_pixels=100 * 100))
    one_line_error(api.post("/api/read", data=encode(np.zeros((101, 100, 3), np.uint8), ".png")), 413, "0.01")


def test_routes_methods_and_pages_answer_json_errors(classifier, lock_path: Path, tmp_path: Path) -> None:
    static, pages = tmp_path / "static", tmp_path / "templates"
    static.mkdir()
    pages.mkdir()
    (pages / "index.html").write_text("<!doctype html><title>index</title>")
    (static / "common.js").write_text("// js")
    api = Api(web.create_app(classifier, lock_path, static_dir=static, template_dir=pages))
    assert api.get("/").status_code == 200 and b"index" in api.replies[-1].data
    assert api.get("/static/common.js").status_code == 200
    assert api.get("/").headers["X-Frame-Options"] == "DENY"
    one_line_error(api.get("/live"), 404, "not found")  # the page's template is missing
    one_line_error(api.get("/nowhere"), 404, "not found")
    one_line_error(api.post("/api/nowhere"), 404, "not found")  # a 404 even without the token
    one_line_error(api.client.post("/api/nowhere"), 404, "not found")
    one_line_error(api.get("/api/read"), 405, "use POST")
    one_line_error(api.post("/api/token"), 405, "use GET")
    one_line_error(api.client.put("/api/lock"), 405, "use GET")


# --- CSRF and Origin ---------------------------------------------------------------------------


def test_posts_need_the_token_and_this_origin(api: Api, app) -> None:
    blank = encode(np.full((50, 50, 3), 255, np.uint8), ".png")
    for path in ("/api/read", "/api/unlock", "/api/lock/pin", "/api/live/start", "/api/live/frame", "/api/live/action"):
        message = one_line_error(api.client.post(path, data=blank), 403)
        assert message == web.CSRF_ERROR
        one_line_error(api.client.post(path, data=blank, headers={"X-CSRF-Token": "wrong"}), 403, "CSRF")
        foreign = {"Origin": "http://evil.example:8000"}
        one_line_error(api.post(path, data=blank, headers=foreign), 403, "another origin")
        one_line_error(api.post(path, data=blank, headers={"Origin": "null"}), 403, "another origin")
    same = api.post("/api/read", data=blank, headers={"Origin": "http://localhost"})
    assert same.status_code == 200
    other = web.create_app(app.extensions["digit_locker"].model, api_lock_path(app))
    assert Api(other).token != api.token  # a token per server start


def test_a_loopback_server_answers_only_to_loopback_names(classifier, lock_path: Path) -> None:
    client = web.create_app(classifier, lock_path, trusted_hosts=web.LOOPBACK_HOSTS).test_client()
    assert client.get("/api/token", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    # DNS rebinding: another site's name pointed at 127.0.0.1 would be same-origin with its page.
    rebound = client.get("/api/token", headers={"Host": "evil.example:8000"})
    one_line_error(rebound, 400, "answers only as localhost or 127.0.0.1")


def api_lock_path(app) -> Path:
    return app.extensions["digit_locker"].lock_path


# --- The lock: /api/lock, /api/lock/pin, /api/unlock ------------------------------------------


def test_set_and_change_the_pin(api: Api, lock_path: Path) -> None:
    assert api.get("/api/lock").get_json() == {
        "has_pin": False,
        "pin_length": None,
        "failures": 0,
        "state": "no_pin",
        "retry_after": 0,
    }
    one_line_error(api.post("/api/lock/pin", json={"pin": "1234"}), 400, "straight run")
    one_line_error(api.post("/api/lock/pin", json={"pin": "12"}), 400, "4 to 8")
    one_line_error(api.post("/api/lock/pin", json={"pin": 2580}), 400, "'pin'")
    one_line_error(api.post("/api/lock/pin", data="[1]", content_type="application/json"), 400, "JSON object")
    one_line_error(api.post("/api/lock/pin", data="{", content_type="application/json"), 400, "JSON object")
    ok = api.post("/api/lock/pin", json={"pin": config.DEMO_PIN.lower()})
    assert ok.status_code == 200 and ok.get_json() == {"ok": True, "pin_length": len(config.DEMO_PIN)}
    assert Lock.load(lock_path).check(config.DEMO_PIN, time.time()) == "granted"
    one_line_error(api.post("/api/lock/pin", json={"pin": NEW_PIN}), 400, "'current'")
    wrong = api.post("/api/lock/pin", json={"pin": NEW_PIN, "current": WRONG_PIN})
    one_line_error(wrong, 403, "current PIN is wrong")
    assert wrong.get_json()["state"] == "locked" and wrong.get_json()["retry_after"] == 0
    assert api.get("/api/lock").get_json()["failures"] == 1  # counted like any attempt
    weak = api.post("/api/lock/pin", json={"pin": "7777", "current": WRONG_PIN})
    one_line_error(weak, 400, "repeated")  # the new PIN is checked first: a typo costs no try
    assert Lock.load(lock_path).failures == 1
    changed = api.post("/api/lock/pin", json={"pin": NEW_PIN, "current": config.DEMO_PIN})
    assert changed.get_json() == {"ok": True, "pin_length": 4}
    lock = Lock.load(lock_path)
    assert lock.failures == 0 and lock.check(NEW_PIN, time.time()) == "granted"
    for pin in (NEW_PIN, config.DEMO_PIN, WRONG_PIN):
        assert pin not in api.everything()


def test_changing_the_pin_while_locked_out_is_refused(api: Api, lock_path: Path) -> None:
    lock = Lock(lock_path)
    lock.set_pin(config.DEMO_PIN)
    for _ in range(config.LOCKOUT_AFTER_FAILURES):
        lock.check(WRONG_PIN, time.time())
    reply = api.post("/api/lock/pin", json={"pin": NEW_PIN, "current": config.DEMO_PIN})
    one_line_error(reply, 403, "locked out")
    assert reply.get_json()["state"] == "locked_out" and 0 < reply.get_json()["retry_after"] <= 30
    status = api.get("/api/lock").get_json()
    assert status["state"] == "locked_out" and status["failures"] == 3 and status["has_pin"]
    assert Lock.load(lock_path).check(config.DEMO_PIN, time.time()) == "locked_out"


def test_a_disabled_lock_is_reset_only_from_the_command_line(api: Api, lock_path: Path) -> None:
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    data = json.loads(lock_path.read_text())
    data |= {"failures": config.DISABLE_AFTER_FAILURES, "disabled": True}
    lock_path.write_text(json.dumps(data))
    assert api.get("/api/lock").get_json()["state"] == "disabled"
    reply = api.post("/api/lock/pin", json={"pin": NEW_PIN, "current": config.DEMO_PIN})
    one_line_error(reply, 403, "disabled", "--set-pin")
    assert reply.get_json() | {"error": ""} == {"error": "", "state": "disabled", "retry_after": 0}
    unlock = api.post("/api/unlock", data=encode(row_frame(config.DEMO_PIN))).get_json()
    assert unlock == {"state": "disabled", "retry_after": 0}


def test_unlock_with_a_photo_of_the_pin(api: Api, lock_path: Path) -> None:
    right = encode(row_frame(config.DEMO_PIN))
    assert api.post("/api/unlock", data=right).get_json() == {"state": "no_pin", "retry_after": 0}
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    assert api.post("/api/unlock", data=right).get_json() == {"state": "granted", "retry_after": 0}
    blank = encode(np.full((200, 400, 3), 255, np.uint8), ".png")
    assert api.post("/api/unlock", data=blank).get_json() == {"state": "denied", "retry_after": 0}
    assert Lock.load(lock_path).failures == 0  # no row of the PIN's length: nothing was tried
    one_line_error(api.post("/api/unlock", data=b"not an image at all"), 400, "not a PNG")
    assert config.DEMO_PIN not in api.everything()


def test_wrong_photos_lock_out_and_the_count_is_shared_with_the_command_line(api: Api, lock_path: Path) -> None:
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    wrong = {"image": (io.BytesIO(encode(row_frame(WRONG_PIN))), "wrong.jpg")}
    assert api.post("/api/unlock", data=wrong).get_json() == {"state": "denied", "retry_after": 0}
    assert Lock.load(lock_path).failures == 1  # the web's failure is the command line's
    assert Lock.load(lock_path).check(WRONG_PIN, time.time()) == "denied"  # and the other way round
    assert api.get("/api/lock").get_json()["failures"] == 2
    third = api.post("/api/unlock", data=encode(row_frame(WRONG_PIN))).get_json()
    assert third["state"] == "denied" and 28 <= third["retry_after"] <= 30  # the lockout starts now
    out = api.post("/api/unlock", data=encode(row_frame(config.DEMO_PIN))).get_json()
    assert out["state"] == "locked_out" and 0 < out["retry_after"] <= 30  # even the right PIN waits
    assert Lock.load(lock_path).failures == 3
    assert not {"lines", "detections"} & set(out)
    for pin in (WRONG_PIN, config.DEMO_PIN):
        assert pin not in api.everything()


def test_an_unusable_lock_file_is_a_server_error_not_a_crash(api: Api, lock_path: Path, caplog) -> None:
    with pytest.raises(web.LockConfigError):
        lock_path.write_text("{broken")
        web.create_app(object(), lock_path)
    reply = api.get("/api/lock")
    one_line_error(reply, 503, "lock file")
    assert "corrupt" in caplog.text


# --- Live sessions -----------------------------------------------------------------------------


def start(api: Api, **body) -> str:
    reply = api.post("/api/live/start", json=body)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    out = reply.get_json()
    assert set(out["pin"]) >= {"length", "pin_length", "state", "mode", "progress", "candidate_box", "message"}
    return out["session"]


def send(api: Api, sid: str, frame: np.ndarray, t: float):
    return api.post(f"/api/live/frame?session={sid}&t={t!r}", data=encode(frame), content_type="image/jpeg")


def play(api: Api, sid: str, frames: Iterator[np.ndarray], t0: float, fps: float, step: int) -> Iterator[dict]:
    """Send every ``step``-th frame with its capture time; yields each reply."""
    for i, frame in enumerate(frames):
        if i % step == 0:
            reply = send(api, sid, frame, t0 + i / fps)
            assert reply.status_code == 200, reply.get_data(as_text=True)
            yield reply.get_json()


def assert_masked(out: dict) -> None:
    for d in out.get("detections", []):
        assert d["char"] in ("*", config.REJECT_CHAR) and "probabilities" not in d
    for line in out.get("lines", []):
        assert re.fullmatch(r"[* ?]*", line), line


def test_the_demo_pin_held_up_card_by_card_is_granted_masked(api: Api, lock_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    sid = start(api)
    states, lengths = [], []
    for out in play(api, sid, demo_frames(loop=False), 100.0, config.DEMO_FPS, 2):
        assert_masked(out)
        assert (out["width"], out["height"]) == (640, 480) and out["ms"] > 0
        states.append(out["pin"]["state"])
        lengths += [e["buffer_len"] for e in out["events"] if e["kind"] == "accepted"]
        if "granted" in states:
            break
    assert "granted" in states and lengths == [1, 2, 3, 4]
    assert Lock.load(lock_path).failures == 0
    text = api.everything() + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    assert config.DEMO_PIN not in text and " ".join(config.DEMO_PIN) not in text
    assert config.DEMO_PIN.encode().hex() not in text


def test_a_wrong_pin_shown_as_a_row_locks_out(api: Api, lock_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    sid = start(api, mode="row")
    first = demo_schedule(WRONG_PIN)[-3][0]  # the gap before the row, the row, the pause
    frames = [f for i, f in enumerate(demo_frames(WRONG_PIN, loop=False)) if i >= first]
    states, t0 = [], 0.0
    for _ in range(config.LOCKOUT_AFTER_FAILURES + 1):
        for out in play(api, sid, iter(frames), t0, config.DEMO_FPS, 3):
            assert_masked(out)
            states.append(out["pin"]["state"])
        t0 += len(frames) / config.DEMO_FPS
        if states[-1] == "locked_out":
            break
    assert "denied" in states and states[-1] == "locked_out"
    assert Lock.load(lock_path).failures == config.LOCKOUT_AFTER_FAILURES
    text = api.everything() + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    assert WRONG_PIN not in text and config.DEMO_PIN not in text


def test_live_actions_type_nothing_visible(api: Api, lock_path: Path, card_frame: np.ndarray) -> None:
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    sid = start(api, mode="sequential")
    typed = []
    for i in range(20):
        out = send(api, sid, card_frame, i / 10).get_json()
        assert_masked(out)
        typed += [e for e in out["events"] if e["kind"] == "accepted"]
    assert len(typed) == 1 and out["pin"]["length"] == 1
    assert out["pin"]["candidate_box"] is None  # latched: nothing more is being accepted
    action = api.post("/api/live/action", json={"session": sid, "action": "backspace", "t": 2.5}).get_json()
    assert action["pin"]["length"] == 0 and action["events"][0]["kind"] == "deleted"
    mode = api.post("/api/live/action", json={"session": sid, "action": "mode", "t": 2.6}).get_json()
    assert mode["pin"]["mode"] == "row"
    reset = api.post("/api/live/action", json={"session": sid, "action": "reset", "t": 2.7}).get_json()
    assert reset["events"][0]["kind"] == "reset"
    submit = api.post("/api/live/action", json={"session": sid, "action": "submit", "t": 2.8}).get_json()
    assert submit == {"pin": submit["pin"], "events": []}  # an empty buffer: nothing to check


def test_live_refuses_bad_requests(api: Api, app, card_frame: np.ndarray) -> None:
    sid = start(api)
    frame = encode(card_frame)
    one_line_error(api.post("/api/live/start", json={"mode": "diagonal"}), 400, "mode")
    one_line_error(send(api, "no-such-session", card_frame, 1.0), 404, "unknown")
    one_line_error(api.post(f"/api/live/frame?t=1&session={sid}", data=b"not an image"), 400, "not a PNG")
    one_line_error(api.post(f"/api/live/frame?session={sid}", data=frame), 400, "t must")
    one_line_error(api.post(f"/api/live/frame?session={sid}&t=nan", data=frame), 400, "finite")
    one_line_error(api.post(f"/api/live/frame?session={sid}&t=inf", data=frame), 400, "finite")
    one_line_error(api.post("/api/live/frame?t=1", data=frame), 400, "session")
    one_line_error(api.post(f"/api/live/frame?session={sid}&t=1", data=png_header(30000, 30000)), 413)
    assert send(api, sid, card_frame, 5.0).status_code == 200
    one_line_error(send(api, sid, card_frame, 4.0), 400, "backwards")
    assert send(api, sid, card_frame, 5.0).status_code == 200  # the same time again is fine
    with app.extensions["digit_locker"].clients.use(sid):  # a frame of this session in flight
        one_line_error(send(api, sid, card_frame, 6.0), 409, "still being read")
    assert send(api, sid, card_frame, 6.0).status_code == 200
    action = {"session": sid, "action": "reset", "t": 7.0}
    one_line_error(api.post("/api/live/action", json=action | {"action": "snapshot"}), 400, "action must")
    one_line_error(api.post("/api/live/action", json=action | {"action": ["reset"]}), 400, "action must")
    one_line_error(api.post("/api/live/action", json=action | {"t": "soon"}), 400, "t must")
    one_line_error(api.post("/api/live/action", json=action | {"t": True}), 400, "t must")
    one_line_error(api.post("/api/live/action", json=action | {"t": 1.0}), 400, "backwards")
    one_line_error(api.post("/api/live/action", json=action | {"session": "gone"}), 404, "unknown")
    one_line_error(api.post("/api/live/action", json=action | {"session": 7}), 400, "session")
    assert api.post("/api/live/action", json=action).status_code == 200


def test_a_key_press_waits_for_the_frame_in_flight(classifier, lock_path: Path) -> None:
    app = web.create_app(classifier, lock_path, clients=Clients(action_wait_s=0.5))
    api = Api(app)
    sid = start(api)
    held = app.extensions["digit_locker"].clients.use(sid)
    held.__enter__()
    reset = {"session": sid, "action": "reset", "t": 1.0}
    one_line_error(api.post("/api/live/action", json=reset), 409, "still being read")  # held past the wait
    threading.Timer(0.1, held.__exit__, (None, None, None)).start()
    reply = api.post("/api/live/action", json=reset)  # freed while it waits
    assert reply.status_code == 200 and reply.get_json()["events"][0]["kind"] == "reset"


def test_sessions_expire_when_idle_and_the_oldest_makes_room() -> None:
    now = [0.0]
    clients = Clients(max_sessions=2, idle_s=600, clock=lambda: now[0])
    a, b = clients.add(object()), clients.add(object())
    now[0] = 10.0
    with clients.use(a):
        pass  # a was used last: b is the one idle longest
    now[0] = 20.0
    c = clients.add(object())
    assert len(clients) == 2
    with pytest.raises(KeyError):
        clients.use(b).__enter__()
    now[0] = 615.0  # a idle for 605 s, c for 595 s
    with pytest.raises(KeyError):
        clients.use(a).__enter__()
    with clients.use(c):
        assert len(clients) == 1
    now[0] = 615.0 + 600
    assert len(clients) == 0


def test_a_live_session_sees_a_failure_the_command_line_counted(api: Api, lock_path: Path, card_frame) -> None:
    Lock.load(lock_path).set_pin(config.DEMO_PIN)
    sid = start(api)
    lock = Lock.load(lock_path)
    for _ in range(config.LOCKOUT_AFTER_FAILURES):
        lock.check(WRONG_PIN, time.time())
    out = send(api, sid, card_frame, 1.0).get_json()
    assert out["pin"]["state"] == "locked_out" and 0 < out["pin"]["lockout_remaining"] <= 30
    assert [e["kind"] for e in out["events"]] == ["locked_out"]


# --- Robustness --------------------------------------------------------------------------------


def test_an_unexpected_error_is_a_json_500_logged_without_the_body(api: Api, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError(f"boom {NEW_PIN}")

    monkeypatch.setattr(web, "read_frame", broken)
    reply = api.post("/api/read", data=encode(np.full((50, 50, 3), 255, np.uint8), ".png"))
    one_line_error(reply, 500, "internal error")
    assert "RuntimeError" in caplog.text and "POST /api/read" in caplog.text
    assert NEW_PIN not in caplog.text and NEW_PIN not in reply.get_data(as_text=True)


def test_four_threads_reading_at_once_get_identical_right_answers(app, photo) -> None:
    data, label = photo
    token = app.test_client().get("/api/token").get_json()["csrf"]
    results: list = [None] * 4
    barrier = threading.Barrier(4)

    def read(k: int) -> None:
        client = app.test_client()
        barrier.wait()
        replies = [client.post("/api/read", data=data, headers={"X-CSRF-Token": token}) for _ in range(3)]
        results[k] = [(r.status_code, r.get_json()["lines"], r.get_json()["detections"]) for r in replies]

    threads = [threading.Thread(target=read, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    flat = [r for rs in results for r in rs]
    assert len(flat) == 12 and all(code == 200 and lines == [label] for code, lines, _ in flat)
    assert all(dets == flat[0][2] for _, _, dets in flat)


# --- recognize_live.py --web -------------------------------------------------------------------


def test_web_serves_until_ctrl_c_and_its_request_log_holds_no_pin(capsys, monkeypatch, lock_path, caplog) -> None:
    from werkzeug.serving import BaseWSGIServer

    serve = BaseWSGIServer.serve_forever
    got: dict = {}

    def serve_then_interrupt(self) -> None:
        thread = threading.Thread(target=serve, args=(self,))
        thread.start()
        base = f"http://127.0.0.1:{self.port}"
        with urllib.request.urlopen(f"{base}/api/token", timeout=30) as reply:
            token = json.load(reply)["csrf"]
        body = json.dumps({"pin": NEW_PIN}).encode()
        headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/lock/pin", body, headers), timeout=30) as r:
            got["set"] = json.load(r)
        self.shutdown()
        thread.join()
        raise KeyboardInterrupt

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", serve_then_interrupt)
    caplog.set_level(logging.INFO)
    code, out, err = run_cli(capsys, "--web", "--port", "0", "--config", lock_path, "--verbose")
    assert code == 0 and "Traceback" not in err
    assert re.fullmatch(r"Digit Locker web app at http://127\.0\.0\.1:\d+/ \(Ctrl-C stops it\)\n", out), out
    assert got["set"] == {"ok": True, "pin_length": 4}
    assert Lock.load(lock_path).check(NEW_PIN, time.time()) == "granted"
    requests = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"POST /api/lock/pin HTTP/1.1" 200' in line for line in requests), requests
    assert NEW_PIN not in caplog.text + out + err


def test_web_logs_no_requests_unless_verbose(capsys, monkeypatch, lock_path: Path) -> None:
    from werkzeug.serving import BaseWSGIServer

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", lambda self: (_ for _ in ()).throw(KeyboardInterrupt))
    code, out, err = run_cli(capsys, "--web", "--port", "0", "--config", lock_path)
    assert code == 0 and err == "" and out.startswith("Digit Locker web app at http://127.0.0.1:")
    assert logging.getLogger("werkzeug").level == logging.WARNING


def test_web_off_localhost_warns_about_the_webcam(capsys, monkeypatch, lock_path: Path) -> None:
    from werkzeug.serving import BaseWSGIServer

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", lambda self: (_ for _ in ()).throw(KeyboardInterrupt))
    code, out, err = run_cli(capsys, "--web", "--host", "0.0.0.0", "--port", "0", "--config", lock_path)
    assert code == 0 and out.startswith("Digit Locker web app at http://0.0.0.0:")
    assert err == "note: the browser allows the webcam only over HTTPS or on localhost\n"


def test_web_on_a_port_in_use_or_with_a_bad_lock_file_is_one_line_and_exit_2(capsys, lock_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, out, err = run_cli(capsys, "--web", "--port", port, "--config", lock_path)
    assert code == 2 and out == ""
    one_error_line(err, f"cannot listen on 127.0.0.1:{port}", "in use")
    lock_path.write_text("{}")
    code, _, err = run_cli(capsys, "--web", "--port", "0", "--config", lock_path)
    assert code == 2
    one_error_line(err, "corrupt")


def test_every_page_renders_on_the_one_base_with_nav_and_its_script(api: Api) -> None:
    for path, script in (("/", None), ("/photo", "photo"), ("/draw", "draw"), ("/live", "live"), ("/lock", "lock")):
        reply = api.get(path)
        html = reply.data.decode()
        assert reply.status_code == 200 and reply.mimetype == "text/html", path
        assert html.count('<nav aria-label="Pages">') == 1 and html.rstrip().endswith("</html>"), path
        assert '<script src="/static/common.js"></script>' in html and "{%" not in html
        if script:
            assert f'<script src="/static/{script}.js"></script>' in html
