"""Headless feedback about the lock (issue 10, item 12): someone watching the terminal hears of a
lockout when it starts (also one found at start-up or caused by another process), a few times as
it runs down and when it ends; never every frame, and never "locked out for 0 s".

The wall clock is injected and moves with the frames, so half a minute of lockout runs in no time.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import time
from pathlib import Path

import pytest
from conftest import FakeClock

import recognize_live
from vision import config
from vision.entry import Event, PinEntry
from vision.lockstore import Lock, ScryptParams
from vision.types import Box, Detection, FrameResult

CTX = multiprocessing.get_context("fork")
FAST = ScryptParams(n=2**10, r=1, p=1)
PIN, WRONG = "7K39", "7K93"
T0 = 1_700_000_000.0
FPS = 8


def locked_file(path: Path, failures: int, until: float, pin: str = PIN) -> Path:
    Lock(path, kdf=FAST).set_pin(pin)
    data = json.loads(path.read_text()) | {"failures": failures, "lockout_until": until}
    path.write_text(json.dumps(data))
    return path


def run(locker: PinEntry, clock: FakeClock, seconds: float, char: str | None = None) -> list[tuple[str, str]]:
    """Feed empty frames (or one held ``char``) for ``seconds``; the events as (kind, message)."""
    out: list[Event] = []
    for _ in range(round(seconds * FPS)):
        dets = [Detection(char, 0.99, Box(0, 0, 60, 60), 0)] if char else []
        out += locker.update(dets, [], clock.t)
        clock.advance(1 / FPS)
    return [(e.kind, e.message) for e in out]


def test_lockout_found_at_start_is_announced_counted_down_and_ended(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 2)
    locker = PinEntry(Lock.load(locked_file(tmp_path / "lock.json", 3, T0 + 30), kdf=FAST), wall_clock=clock)
    assert run(locker, clock, 40) == [
        ("locked_out", "locked out: 28 s left after 3 wrong PINs"),
        ("locked_out", "locked out: 10 s left after 3 wrong PINs"),
        ("ready", "lockout over: enter the PIN (1 try before a 60 s lockout)"),
    ]


def type_pin(locker: PinEntry, clock: FakeClock, pin: str) -> list[tuple[str, str]]:
    """Hold each character up long enough to type it, then lower the card."""
    return [e for c in pin for e in run(locker, clock, 0.625, c) + run(locker, clock, 0.25)]


def test_a_longer_lockout_is_announced_at_each_milestone_only(tmp_path: Path) -> None:
    lock = Lock.load(tmp_path / "lock.json", kdf=FAST)
    lock.set_pin(PIN)
    for _ in range(3):
        lock.check(WRONG, T0)
    clock = FakeClock(T0 + 30)  # the first lockout is over: one try before a 60 s one
    locker = PinEntry(lock, wall_clock=clock)
    events = type_pin(locker, clock, WRONG)
    assert events[-2:] == [("denied", "wrong PIN"), ("locked_out", "locked out: 60 s left after 4 wrong PINs")]
    assert run(locker, clock, 70) == [
        ("locked_out", "locked out: 30 s left after 4 wrong PINs"),
        ("locked_out", "locked out: 10 s left after 4 wrong PINs"),
        ("ready", "lockout over: enter the PIN (1 try before a 120 s lockout)"),
    ]


def test_first_and_second_wrong_pin_never_say_locked_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock(T0)
    lock = Lock.load(tmp_path / "lock.json", kdf=FAST)
    lock.set_pin(PIN)
    locker = PinEntry(lock, wall_clock=clock)
    events = type_pin(locker, clock, WRONG) + type_pin(locker, clock, WRONG)
    denied = [m for k, m in events if k == "denied"]
    assert denied == ["wrong PIN; 2 tries left before a 30 s lockout", "wrong PIN; 1 try left before a 30 s lockout"]
    said = " | ".join(m for _, m in events) + caplog.text
    assert "locked out" not in said and " 0 s" not in said


def _lock_out(path: Path) -> None:
    lock = Lock.load(path, kdf=FAST)
    for _ in range(3):
        lock.check(WRONG, T0)


def test_a_lockout_caused_by_another_process_is_announced(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    Lock(path, kdf=FAST).set_pin(PIN)
    clock = FakeClock(T0)
    locker = PinEntry(Lock.load(path, kdf=FAST), wall_clock=clock)
    assert run(locker, clock, 1) == []
    other = CTX.Process(target=_lock_out, args=(path,))
    other.start()
    other.join(60)
    assert run(locker, clock, 1) == [("locked_out", "locked out: 29 s left after 3 wrong PINs")]


def test_without_a_pin_a_full_buffer_says_so_and_typing_goes_on(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    locker = PinEntry(Lock.load(tmp_path / "none.json", kdf=FAST), wall_clock=clock)
    events = type_pin(locker, clock, "25K80136" + "9")
    assert events[-3:] == [
        ("submitted", "submitted 8 characters: ********"),
        ("no_pin", f"no PIN is set; set one with `{config.SET_PIN_COMMAND}`"),
        ("accepted", "accepted character (1): *"),
    ]


def test_report_prints_each_event_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    result = FrameResult(index=7, detections=(), lines=(), polarity="dark")
    locker = PinEntry(Lock.in_memory(PIN, kdf=FAST))
    events = [Event("locked_out", 0, "locked out: 28 s left after 3 wrong PINs")]
    recognize_live.report(argparse.Namespace(json=False), result, locker, events)
    assert capsys.readouterr().out == "frame 7: locked_out: locked out: 28 s left after 3 wrong PINs\n"


def test_a_locked_out_headless_run_says_so_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's symptom: a locked-out headless run printed nothing at all."""
    path = locked_file(tmp_path / "lock.json", 7, time.time() + 400, pin=config.DEMO_PIN)
    code = recognize_live.main(["--source", "demo", "--headless", "--config", str(path), "--max-frames", "40"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("frame 0: locked_out: locked out: ") and lines[0].endswith(" s left after 7 wrong PINs")
    assert config.DEMO_PIN not in out + err
