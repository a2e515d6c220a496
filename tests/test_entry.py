"""Tests for vision.lockstore and vision.entry: PIN rules, the lock file, throttling, entry.

Time is driven explicitly: ``Feed`` steps a monotonic clock by 1/8 s per frame (exact in binary
floating point, so hold thresholds are hit exactly) and ``FakeClock`` (conftest) stands in for ``time.time``.
Locks hash with the cheap ``FAST`` scrypt cost, passed explicitly; the default cost has its own
test in tests/hardening/test_lock_cost.py.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from conftest import FakeClock

from vision import config, lockstore
from vision.entry import Event, PinEntry
from vision.lockstore import (
    Lock,
    LockConfigError,
    ScryptParams,
    Verdict,
    WeakPinError,
    default_config_path,
    lockout_duration,
    validate_pin,
)
from vision.types import Box, Detection

PIN = "7K39"
WRONG = "7K93"
T0 = 1_700_000_000.0  # wall-clock epoch seconds
FAST = ScryptParams(n=2**10, r=1, p=1)  # well under a millisecond: tests only


def det(char: str, conf: float = 0.99, size: int = 60, x: int = 0) -> Detection:
    return Detection(char=char, confidence=conf, box=Box(x, 10, size, size), row=0)


class Feed:
    """Drives a PinEntry one frame per call at 8 frames/s."""

    DT = 0.125

    def __init__(self, locker: PinEntry) -> None:
        self.locker, self.t = locker, 0.0

    def frame(self, *dets: Detection, lines: tuple[str, ...] = ()) -> list[Event]:
        events = self.locker.update(list(dets), list(lines), self.t)
        self.t += self.DT
        return events

    def hold(self, char: str | None, frames: int, **kw: float) -> list[Event]:
        out: list[Event] = []
        for _ in range(frames):
            out += self.frame(det(char, **kw)) if char else self.frame()
        return out

    def row(self, line: str, frames: int) -> list[Event]:
        return [e for _ in range(frames) for e in self.frame(lines=(line,))]

    def type(self, text: str) -> list[Event]:
        """Hold each character long enough to type it, then lower the card long enough to re-arm."""
        out: list[Event] = []
        for c in text:
            out += self.hold(c, 5) + self.hold(None, 2)
        return out


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


@pytest.fixture
def lock(tmp_path: Path) -> Lock:
    lk = Lock.load(tmp_path / "cfg" / "lock.json", kdf=FAST)
    lk.set_pin(PIN)
    return lk


@pytest.fixture
def wall() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def locker(lock: Lock, wall: FakeClock) -> PinEntry:
    return PinEntry(lock, wall_clock=wall)


# --- validate_pin ----------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["7K39", "7k39", "2580", "K0K1", "13572468", "1243"])
def test_validate_pin_accepts_and_normalises_k(good: str) -> None:
    assert validate_pin(good) == good.upper()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "123",
        "7K3",
        "123456789",
        "7K39a",
        "12 4",
        "12-4",
        "1111",
        "KKKK",
        "kkkkk",
        "1234",
        "9876",
        "01234567",
        "76543210",
        "7890",
        "2109",
    ],
)
def test_validate_pin_refuses_short_long_foreign_and_trivial(bad: str) -> None:
    with pytest.raises(WeakPinError) as info:
        validate_pin(bad)
    message = str(info.value)
    assert "\n" not in message and message
    assert len(bad) < 4 or bad not in message


def test_weak_pin_error_is_a_value_error() -> None:
    assert issubclass(WeakPinError, ValueError)


def test_lockout_schedule_starts_at_30_s_and_doubles() -> None:
    assert [lockout_duration(f) for f in range(1, 7)] == [0, 0, 30, 60, 120, 240]


def test_default_config_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_config_path() == tmp_path / "xdg" / "digit-locker" / "lock.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_config_path() == tmp_path / "home" / ".config" / "digit-locker" / "lock.json"


# --- Lock: hashing and the file --------------------------------------------------------------


def test_missing_file_gives_a_lock_without_pin_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    lk = Lock.load(path)
    assert not lk.has_pin
    assert lk.check(PIN, T0) is Verdict.NO_PIN
    assert not path.exists()


def test_hash_round_trip_through_the_file(lock: Lock) -> None:
    assert lock.check(PIN, T0) is Verdict.GRANTED
    assert lock.check("7k39", T0) is Verdict.GRANTED  # lowercase k is the same character
    assert lock.check(WRONG, T0) is Verdict.DENIED
    reloaded = Lock.load(lock.path)
    assert reloaded.has_pin and reloaded.pin_length == 4
    assert reloaded.check(PIN, T0) is Verdict.GRANTED


def test_file_holds_neither_the_pin_nor_its_digits(lock: Lock) -> None:
    text = lock.path.read_text()
    assert PIN not in text and PIN.lower() not in text
    data = json.loads(text)
    assert len(base64.b64decode(data["salt"])) == 16
    assert len(base64.b64decode(data["hash"])) == 32
    assert data["kdf"] == {"name": "scrypt", "n": 2**10, "r": 1, "p": 1, "dklen": 32}
    readable = json.dumps({k: v for k, v in data.items() if k not in ("salt", "hash")})
    assert "739" not in readable and "7K" not in readable


def test_same_pin_gets_a_fresh_salt(tmp_path: Path) -> None:
    a, b = Lock.load(tmp_path / "a.json", kdf=FAST), Lock.load(tmp_path / "b.json", kdf=FAST)
    a.set_pin(PIN)
    b.set_pin(PIN)
    ja, jb = (json.loads(p.read_text()) for p in (a.path, b.path))
    assert ja["salt"] != jb["salt"] and ja["hash"] != jb["hash"]


def test_file_is_private(lock: Lock) -> None:
    assert stat.S_IMODE(os.stat(lock.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(lock.path.parent).st_mode) == 0o700


def test_failed_replace_leaves_old_file_and_old_pin(lock: Lock, monkeypatch: pytest.MonkeyPatch) -> None:
    before = lock.path.read_bytes()

    def boom(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lockstore.os, "replace", boom)
    with pytest.raises(LockConfigError, match="No space left"):
        lock.set_pin("2580")
    monkeypatch.undo()
    assert lock.path.read_bytes() == before
    assert _files(lock.path.parent) == [lock.path.name]  # temp file cleaned up
    assert lock.check(PIN, T0) is Verdict.GRANTED


def test_failed_dump_while_counting_leaves_old_file(lock: Lock, monkeypatch: pytest.MonkeyPatch) -> None:
    before = lock.path.read_bytes()

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(lockstore.json, "dump", boom)
    with pytest.raises(RuntimeError):
        lock.check(WRONG, T0)
    monkeypatch.undo()
    assert lock.path.read_bytes() == before
    assert lock.failures == 1  # counted in memory even though the save failed
    assert _files(lock.path.parent) == [lock.path.name]


def _files(folder: Path) -> list[str]:
    """The folder's files but the sibling the OS lock is taken on."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(config.LOCK_SUFFIX))


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b"{}", b'{"version": 1}', b"\xff\xfe\x00", b""],
)
def test_corrupt_file_raises_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "lock.json"
    path.write_bytes(content)
    with pytest.raises(LockConfigError) as info:
        Lock.load(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    "field, value",
    [
        ("salt", "%%%"),
        ("hash", "AAAA"),
        ("failures", -1),
        ("failures", "2"),
        ("disabled", 0),
        ("pin_length", 3),
        ("kdf", {"name": "md5"}),
        ("version", 99),
    ],
)
def test_tampered_field_is_corrupt(lock: Lock, field: str, value: object) -> None:
    data = json.loads(lock.path.read_text())
    data[field] = value
    lock.path.write_text(json.dumps(data))
    with pytest.raises(LockConfigError, match="corrupt"):
        Lock.load(lock.path)


# --- Lock: throttling ------------------------------------------------------------------------


def test_three_failures_lock_out_30_s_then_doubling(lock: Lock) -> None:
    now = T0
    assert [lock.check(WRONG, now) for _ in range(2)] == [Verdict.DENIED] * 2
    assert lock.lockout_remaining(now) == 0
    assert lock.check(WRONG, now) is Verdict.DENIED
    assert lock.lockout_remaining(now) == 30
    assert lock.check(PIN, now + 29) is Verdict.LOCKED_OUT  # even the right PIN
    now += 30
    assert lock.check(WRONG, now) is Verdict.DENIED
    assert lock.lockout_remaining(now) == 60
    now += 60
    assert lock.check(WRONG, now) is Verdict.DENIED
    assert lock.lockout_remaining(now) == 120
    now += 120
    assert lock.check(PIN, now) is Verdict.GRANTED
    assert lock.failures == 0 and lock.lockout_remaining(now) == 0


def test_locked_out_check_does_not_hash_or_count(lock: Lock, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        lock.check(WRONG, T0)

    def no_hash(*_: object) -> bytes:
        raise AssertionError("hash evaluated while locked out")

    monkeypatch.setattr(ScryptParams, "derive", no_hash)
    assert lock.check(WRONG, T0 + 10) is Verdict.LOCKED_OUT
    assert lock.failures == 3


def test_ten_failures_disable_until_a_new_pin(lock: Lock) -> None:
    now = T0
    for _ in range(10):
        assert lock.check(WRONG, now) is Verdict.DENIED
        now += lock.lockout_remaining(now)
    assert lock.disabled
    assert lock.check(PIN, now + 1e6) is Verdict.DISABLED
    lock.set_pin("2580")
    assert not lock.disabled and lock.failures == 0
    assert lock.check("2580", now) is Verdict.GRANTED


def test_restart_keeps_failures_lockout_and_disabled(lock: Lock) -> None:
    for _ in range(3):
        lock.check(WRONG, T0)
    again = Lock.load(lock.path)
    assert again.failures == 3 and again.lockout_remaining(T0 + 1) == 29
    assert again.check(PIN, T0 + 1) is Verdict.LOCKED_OUT
    now = T0 + 30
    for _ in range(7):
        again.check(WRONG, now)
        now += again.lockout_remaining(now)
    assert Lock.load(lock.path).check(PIN, now) is Verdict.DISABLED


def test_clock_set_backwards_cannot_stretch_lockout(lock: Lock) -> None:
    for _ in range(3):
        lock.check(WRONG, T0)
    assert lock.lockout_remaining(T0 - 86_400) == 30


def test_in_memory_lock_throttles_without_a_file(tmp_path: Path) -> None:
    lk = Lock.in_memory(PIN, kdf=FAST)
    assert lk.path is None and lk.has_pin
    for _ in range(3):
        lk.check(WRONG, T0)
    assert lk.check(PIN, T0) is Verdict.LOCKED_OUT
    with pytest.raises(WeakPinError):
        Lock.in_memory("1111")


# --- PinEntry: stable characters ---------------------------------------------------------------


def test_not_accepted_before_hold_s(locker: PinEntry) -> None:
    feed = Feed(locker)
    assert feed.hold("7", 4) == []  # 4 frames but only 0.375 s
    assert locker.view.candidate_progress == pytest.approx(0.375 / 0.4)
    assert kinds(feed.hold("7", 1)) == ["accepted"]  # 0.5 s
    assert locker.view.buffer_len == 1


def test_not_accepted_with_too_few_frames(lock: Lock, wall: FakeClock) -> None:
    locker = PinEntry(lock, hold_frames=3, wall_clock=wall)
    assert locker.update([det("7")], [], 0.0) == []
    assert locker.update([det("7")], [], 1.0) == []  # long enough, only 2 frames
    assert kinds(locker.update([det("7")], [], 1.05)) == ["accepted"]


def test_holding_a_card_types_it_once(locker: PinEntry) -> None:
    assert kinds(Feed(locker).hold("1", 40)) == ["accepted"]
    assert locker.view.buffer_len == 1
    assert locker.view.candidate_progress is None  # latched: nothing to type


def test_lowering_and_raising_types_it_again(tmp_path: Path, wall: FakeClock) -> None:
    lk = Lock.load(tmp_path / "lock.json", kdf=FAST)
    lk.set_pin("1170")
    feed = Feed(PinEntry(lk, wall_clock=wall))
    assert kinds(feed.hold("1", 5) + feed.hold(None, 2) + feed.hold("1", 5)) == ["accepted"] * 2
    assert kinds(feed.type("70"))[-1] == "granted"  # the buffer really was "11"


def test_one_dropout_frame_neither_rearms_nor_restarts(locker: PinEntry) -> None:
    feed = Feed(locker)
    assert kinds(feed.hold("1", 5) + feed.hold("?", 1) + feed.hold("1", 10)) == ["accepted"]
    feed2 = Feed(PinEntry(Lock.in_memory(PIN, kdf=FAST), wall_clock=FakeClock(T0)))
    # 0.5 s and 5 frames of "7" across a one-frame dropout still type it
    assert kinds(feed2.hold("7", 2) + feed2.hold(None, 1) + feed2.hold("7", 3)) == ["accepted"]


def test_flicker_to_another_char_restarts_hold_and_does_not_rearm(locker: PinEntry) -> None:
    feed = Feed(locker)
    assert feed.hold("7", 4) + feed.hold("1", 1) + feed.hold("7", 3) == []  # restarted by "1"
    assert kinds(feed.hold("7", 2)) == ["accepted"]
    assert feed.hold("1", 1) + feed.hold("7", 20) == []  # "7" stays latched


def test_switching_cards_types_double_characters_in_order(tmp_path: Path, wall: FakeClock) -> None:
    lk = Lock.load(tmp_path / "lock.json", kdf=FAST)
    lk.set_pin("K77K")
    feed = Feed(PinEntry(lk, wall_clock=wall))
    events = feed.type("K77K")
    assert kinds(events) == ["accepted"] * 4 + ["submitted", "granted"]


def test_reject_and_low_confidence_never_enter(locker: PinEntry) -> None:
    feed = Feed(locker)
    assert feed.hold("?", 20) == []
    assert feed.hold("7", 20, conf=0.5) == []
    # the largest box is the card held up: a large "?" hides a small clear "7"
    assert [e for _ in range(20) for e in feed.frame(det("?", size=90), det("7", size=30))] == []
    assert locker.view.buffer_len == 0


def test_largest_detection_is_the_candidate(lock: Lock, wall: FakeClock) -> None:
    feed = Feed(PinEntry(lock, wall_clock=wall))
    for c in PIN:
        events = [e for _ in range(5) for e in feed.frame(det("1", size=20), det(c, size=80, x=100))]
        events += feed.hold(None, 2)
    assert kinds(events)[-1] == "granted"


# --- PinEntry: editing and checking ------------------------------------------------------------


def test_backspace_and_reset(locker: PinEntry) -> None:
    feed = Feed(locker)
    feed.type("7K")
    events = locker.backspace(feed.t)
    assert kinds(events) == ["deleted"] and events[0].buffer_len == 1
    assert events[0].message == "deleted character (1/4): *"
    assert locker.backspace(feed.t) and locker.backspace(feed.t) == []
    feed.type("7K3")
    assert kinds(locker.reset(feed.t)) == ["reset"] and locker.view.buffer_len == 0
    assert kinds(feed.type(PIN))[-1] == "granted"  # backspace and reset left nothing behind


def test_auto_submit_at_pin_length_then_back_to_locked(locker: PinEntry) -> None:
    feed = Feed(locker)
    events = feed.type(PIN)
    assert kinds(events) == ["accepted"] * 4 + ["submitted", "granted"]
    assert [e.message for e in events[:4]][-1] == "accepted character (4/4): ****"
    assert events[-1].buffer_len == 0
    assert locker.view.state == "granted"
    feed.hold(None, int(config.RESULT_SHOW_S / Feed.DT) + 1)
    assert locker.view.state == "locked" and locker.view.buffer_len == 0


def test_early_submit(lock: Lock, wall: FakeClock) -> None:
    locker = PinEntry(lock, pin_length=8, wall_clock=wall)
    feed = Feed(locker)
    assert "submitted" not in kinds(feed.type(PIN))
    assert kinds(locker.submit(feed.t)) == ["submitted", "granted"]
    assert locker.submit(feed.t) == []  # empty buffer: nothing to check


def test_too_short_submit_is_denied_without_counting(locker: PinEntry, lock: Lock) -> None:
    feed = Feed(locker)
    feed.type("7K")
    events = locker.submit(feed.t)
    assert kinds(events) == ["submitted", "denied"] and "too short" in events[-1].message
    assert lock.failures == 0


def test_wrong_pin_is_denied_then_locked(locker: PinEntry, lock: Lock) -> None:
    feed = Feed(locker)
    events = feed.type(WRONG)
    assert kinds(events)[-2:] == ["submitted", "denied"]
    assert events[-1].message == "wrong PIN; 2 tries left before a 30 s lockout"
    assert lock.failures == 1 and locker.view.state == "denied"
    feed.hold(None, int(config.RESULT_SHOW_S / Feed.DT) + 1)
    assert locker.view.state == "locked"


def test_locker_lockout_ignores_input_until_it_ends(locker: PinEntry, wall: FakeClock) -> None:
    feed = Feed(locker)
    feed.type(WRONG)
    feed.type(WRONG)
    events = feed.type(WRONG)
    assert kinds(events)[-2:] == ["denied", "locked_out"]
    assert "30 s" in events[-1].message
    view = locker.view
    assert view.state == "locked_out" and view.lockout_remaining == 30
    assert view.message == "locked out: try again in 30 s"
    assert feed.type(PIN) == [] and locker.view.buffer_len == 0
    wall.t += 30
    assert locker.view.state == "locked"
    assert kinds(feed.type(PIN))[-1] == "granted"


def test_locker_reports_disabled(locker: PinEntry, lock: Lock, wall: FakeClock) -> None:
    for _ in range(9):
        lock.check(WRONG, wall.t)
        wall.t += lock.lockout_remaining(wall.t)
    events = Feed(locker).type(WRONG)
    assert kinds(events)[-2:] == ["denied", "disabled"]
    assert config.SET_PIN_COMMAND in events[-1].message
    assert locker.view.state == "disabled"


# --- PinEntry: row mode and no PIN -------------------------------------------------------------


def test_row_mode_accepts_a_stable_row_once(lock: Lock, wall: FakeClock) -> None:
    locker = PinEntry(lock, mode="row", wall_clock=wall)
    feed = Feed(locker)
    assert feed.row("7K?9", 10) == []  # a "?" spoils the row
    assert feed.row("7K391", 10) == []  # wrong length for this PIN
    assert feed.row(PIN, 4) == []  # not held long enough yet
    events = feed.row(PIN, 1)
    assert kinds(events) == ["accepted", "submitted", "granted"]
    assert feed.row(PIN, 20) == []  # held still: checked only once


def test_row_mode_prefers_the_longest_valid_row(wall: FakeClock) -> None:
    locker = PinEntry(Lock.in_memory("25801", kdf=FAST), mode="row", wall_clock=wall)
    feed = Feed(locker)
    events = [e for _ in range(5) for e in feed.frame(lines=("1357", "2580 1", "?"))]
    assert kinds(events) == ["accepted", "submitted", "granted"]


def test_toggle_mode_switches_and_drops_the_candidate(locker: PinEntry) -> None:
    feed = Feed(locker)
    feed.hold("7", 3)
    assert locker.toggle_mode() == "row" and locker.view.candidate_progress is None
    assert locker.toggle_mode() == "sequential"
    with pytest.raises(ValueError):
        PinEntry(locker._lock, mode="diagonal")


def test_without_pin_the_buffer_fills_and_submit_explains(tmp_path: Path, wall: FakeClock) -> None:
    locker = PinEntry(Lock.load(tmp_path / "lock.json"), wall_clock=wall)
    feed = Feed(locker)
    assert locker.view.state == "no_pin"
    events = feed.type("123456789")
    # a full buffer (PIN_MAX_LENGTH) is checked, which says there is no PIN, and typing goes on
    assert kinds(events) == ["accepted"] * 8 + ["submitted", "no_pin", "accepted"]
    assert "--set-pin" in events[-2].message and events[-1].buffer_len == 1
    events = locker.submit(feed.t)
    assert kinds(events) == ["submitted", "no_pin"]
    assert locker.view.state == "no_pin"
    assert not (tmp_path / "lock.json").exists()


# --- Secrecy ---------------------------------------------------------------------------------


def test_pin_never_appears_in_events_views_reprs_or_logs(
    lock: Lock, wall: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    locker = PinEntry(lock, pin_length=8, wall_clock=wall)
    feed = Feed(locker)
    texts: list[str] = []
    for c in PIN:
        for e in feed.hold(c, 5) + feed.hold(None, 2):
            texts += [e.message, repr(e), json.dumps(e.to_json())]
        texts += [repr(locker.view), json.dumps(locker.view.to_json()), repr(locker)]
    for e in locker.submit(feed.t) + feed.type(WRONG) + locker.submit(feed.t):
        texts += [e.message, repr(e), json.dumps(e.to_json())]
    texts += [repr(lock), repr(lock._state), repr(locker.view), caplog.text]
    blob = "\n".join(texts)
    assert "granted" in blob and "****" in blob
    for secret in (PIN, "7K3", "K39", "7K", "K9"):
        assert secret not in blob


def test_view_boxes_the_card_being_accepted_in_sequential_mode(locker: PinEntry) -> None:
    feed = Feed(locker)
    small, card = det("3", size=20, x=0), det("7", size=60, x=100)
    feed.frame(small, card)
    assert locker.view.candidate_box == card.box and 0 <= locker.view.candidate_progress < 1
    feed.frame()  # the card is lowered: nothing is being accepted, nothing is boxed
    assert locker.view.candidate_box is None


def test_view_boxes_the_whole_row_being_accepted_in_row_mode(wall: FakeClock) -> None:
    locker = PinEntry(Lock.in_memory("2580", kdf=FAST), mode="row", wall_clock=wall)
    row0 = [Detection(c, 0.99, Box(10 + 40 * i, 10, 30, 40), row=0, col=i) for i, c in enumerate("13")]
    row1 = [Detection(c, 0.99, Box(10 + 40 * i, 100, 30, 40 + i), row=1, col=i) for i, c in enumerate("2580")]
    Feed(locker).frame(*row0, *row1, lines=("13", "2580"))
    # the 4-character row is the candidate, not the largest single character or the other row
    assert locker.view.candidate_box == Box(10, 100, 150, 43)
    assert locker.view.to_json()["candidate_box"] == [10, 100, 150, 43]


def test_a_row_of_like_characters_holds_no_card_to_type(locker: PinEntry) -> None:
    """After a grant the demo shows the PIN as a row: sequential entry must not type its largest
    character (it did, and the next loop's PIN was then wrong)."""
    feed = Feed(locker)
    row = [det(c, size=60 + i, x=80 * i) for i, c in enumerate("27K4")]
    events = [e for _ in range(10) for e in feed.frame(*row)]
    assert kinds(events) == [] and locker.view.candidate_box is None
    card, specks = det("7", size=90, x=300), [det("1", size=40, x=10), det("2", size=50, x=500)]
    events = [e for _ in range(10) for e in feed.frame(card, *specks)]
    assert kinds(events) == ["accepted"]  # a card clearly the largest still types
