"""The live locker: key mapping, LiveSession's reactions to keys, masked output, and the headless
app reading the demo PIN end to end with the shipped model.

Session unit tests use a stand-in classifier that reads every patch as "2" with full confidence,
so they test masking and state without depending on the model; the end-to-end tests run
``recognize_live.main`` on the demo source with the real model.
"""

from __future__ import annotations

import functools
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ReadsTwo

import recognize_live
from vision import config
from vision import session as livemod
from vision.entry import PinEntry
from vision.lockstore import Lock, Verdict
from vision.session import Action, LiveSession, action_for_key, live_json
from vision.session import masked_detections as masked
from vision.snapshots import save_snapshot
from vision.synth.demo import demo_schedule
from vision.types import Box, Detection

PIN_KEYS = {"length", "pin_length", "state", "mode", "progress", "candidate_box", "lockout_remaining", "message"}

# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "action"),
    [
        (ord("r"), Action.RESET),
        (ord("R"), Action.RESET),
        (8, Action.BACKSPACE),
        (127, Action.BACKSPACE),
        (0xFF08, Action.BACKSPACE),
        (13, Action.SUBMIT),
        (10, Action.SUBMIT),
        (0xFF8D, Action.SUBMIT),
        (ord("m"), Action.TOGGLE_MODE),
        (ord("M"), Action.TOGGLE_MODE),
        (ord("p"), Action.CYCLE_POLARITY),
        (ord("P"), Action.CYCLE_POLARITY),
        (ord("d"), Action.TOGGLE_DEBUG),
        (ord("D"), Action.TOGGLE_DEBUG),
        (ord("s"), Action.SNAPSHOT),
        (ord("S"), Action.SNAPSHOT),
        (ord("h"), Action.TOGGLE_HELP),
        (ord("H"), Action.TOGGLE_HELP),
        (ord("q"), Action.QUIT),
        (ord("Q"), Action.QUIT),
        (27, Action.CANCEL),
        (ord("c"), Action.TEACH),
        (ord("q") | 0x10000, Action.QUIT),  # GTK puts modifier state (here Shift) above bit 16
    ],
)
def test_every_hotkey_maps_to_its_action(key: int, action: Action) -> None:
    assert action_for_key(key) is action


@pytest.mark.parametrize("key", [-1, 0, ord("x"), ord("X"), ord("2"), ord("k"), 32, 0xFF52, 0xFF51, 0xFFFF])
def test_other_keys_do_nothing(key: int) -> None:
    # 0xFF52 is the Up arrow keysym: its low byte is "R", which must not reset the buffer.
    assert action_for_key(key) is None


# --- LiveSession with a stand-in classifier ----------------------------------------------------


@pytest.fixture
def session(tmp_path: Path) -> LiveSession:
    locker = PinEntry(Lock.in_memory(config.DEMO_PIN), hold_s=0.0, hold_frames=1)
    return LiveSession(ReadsTwo(), locker, save_snapshot=functools.partial(save_snapshot, tmp_path / "snaps"))


def _type_one(session: LiveSession, char: str = "2") -> None:
    """Hold up one card (a new character each time: the same one would need the card to leave)."""
    card = Detection(char, 0.99, Box(10, 10, 40, 60), 0)
    session.entry.update([card], [char], 0.0)
    assert session.entry.view.buffer_len == 1


def test_step_reads_the_frame_and_types_the_card(session: LiveSession, card_frame: np.ndarray) -> None:
    result, events = session.step(card_frame, 0, 0.0)
    assert result.detections and all(d.char == "2" for d in result.detections)
    assert [e.kind for e in events] == ["accepted"]
    assert session.entry.view.buffer_len == 1


def test_mode_key_toggles_entry_mode(session: LiveSession) -> None:
    events = session.handle(Action.TOGGLE_MODE, 0.0)
    assert session.entry.mode == "row" and events[0].message == "entry mode: row"
    session.handle(Action.TOGGLE_MODE, 0.0)
    assert session.entry.mode == "sequential"


def test_polarity_key_cycles_auto_dark_light(session: LiveSession) -> None:
    seen = [session.handle(Action.CYCLE_POLARITY, 0.0)[0].message for _ in range(3)]
    assert seen == ["polarity: dark", "polarity: light", "polarity: auto"]
    assert session.polarity == "auto"


def test_debug_and_help_keys_toggle(session: LiveSession) -> None:
    assert session.handle(Action.TOGGLE_DEBUG, 0.0) == [] and session.debug
    assert session.handle(Action.TOGGLE_HELP, 0.0) == [] and session.show_help
    session.handle(Action.TOGGLE_DEBUG, 0.0)
    session.handle(Action.TOGGLE_HELP, 0.0)
    assert not session.debug and not session.show_help


def test_backspace_reset_and_submit_edit_the_buffer(session: LiveSession) -> None:
    _type_one(session)
    assert [e.kind for e in session.handle(Action.BACKSPACE, 1.0)] == ["deleted"]
    assert session.entry.view.buffer_len == 0
    _type_one(session, "7")
    assert [e.kind for e in session.handle(Action.RESET, 1.0)] == ["reset"]
    assert session.entry.view.buffer_len == 0
    _type_one(session, "K")
    kinds = [e.kind for e in session.handle(Action.SUBMIT, 1.0)]
    assert kinds == ["submitted", str(Verdict.DENIED)]  # one character: too short, not counted


def test_render_is_the_frame_and_grows_a_debug_panel(session: LiveSession, card_frame: np.ndarray) -> None:
    with pytest.raises(RuntimeError):
        session.render()
    session.step(card_frame, 0, 0.0)
    plain = session.render()
    assert plain.shape == card_frame.shape and plain.dtype == np.uint8
    assert not np.array_equal(plain, card_frame)  # the overlay is drawn
    session.handle(Action.TOGGLE_DEBUG, 0.0)
    debug = session.render()
    assert debug.shape[0] == card_frame.shape[0] and debug.shape[1] > card_frame.shape[1]
    assert np.array_equal(debug[:, : card_frame.shape[1]], plain)


def test_render_labels_readings_but_never_the_buffer(session: LiveSession, card_frame: np.ndarray, monkeypatch) -> None:
    """Boxes show what the camera reads (the card is in the video anyway); the HUD gets the
    buffer's length only (tests/test_overlay.py checks it draws nothing but * and _ for it)."""
    drawn, huds = [], []
    real_draw = livemod.draw

    def spy(frame, detections, hud):
        drawn.extend(detections)
        huds.append(hud)
        return real_draw(frame, detections, hud)

    monkeypatch.setattr(livemod, "draw", spy)
    result, _ = session.step(card_frame, 0, 0.0)
    session.render()
    assert [d.char for d in drawn] == [d.char for d in result.detections]
    assert huds[0].buffer_len == session.entry.view.buffer_len


def test_demo_note_reaches_the_hud(tmp_path: Path) -> None:
    session = LiveSession(ReadsTwo(), PinEntry(Lock.in_memory(config.DEMO_PIN)), demo_note="DEMO: note")
    assert session.hud().demo_note == "DEMO: note"


def test_snapshot_names_hold_only_a_timestamp_and_frame_index(session: LiveSession, card_frame, tmp_path) -> None:
    session.step(card_frame, 42, 0.0)
    _type_one(session)
    events = session.handle(Action.SNAPSHOT, 0.0)
    assert [e.kind for e in events] == ["snapshot"] and "saved" in events[0].message
    names = sorted(p.name for p in (tmp_path / "snaps").iterdir())
    assert len(names) == 2, names
    for name in names:
        assert re.fullmatch(r"snapshot-\d{8}-\d{6}-000042(-patches)?\.png", name), name


def test_snapshot_failure_is_an_event_not_a_crash(tmp_path: Path, card_frame: np.ndarray) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = functools.partial(save_snapshot, blocker)
    session = LiveSession(ReadsTwo(), PinEntry(Lock.in_memory(config.DEMO_PIN)), save_snapshot=store)
    session.step(card_frame, 0, 0.0)
    events = session.handle(Action.SNAPSHOT, 0.0)
    assert [e.kind for e in events] == ["snapshot"] and "failed" in events[0].message


def test_live_json_masks_characters_and_reports_pin_state(session: LiveSession, card_frame) -> None:
    result, events = session.step(card_frame, 3, 0.0)
    out = live_json(result, session.entry, events)
    assert out["frame"] == 3
    assert out["detections"] and {d["char"] for d in out["detections"]} == {config.MASK_CHAR}
    assert all(set(line) <= {config.MASK_CHAR, " ", config.REJECT_CHAR} for line in out["lines"])
    assert out["pin"] == {
        "length": 1,
        "pin_length": len(config.DEMO_PIN),
        "state": "locked",
        "mode": "sequential",
        "progress": None,
        "candidate_box": None,
        "lockout_remaining": 0,
        "message": "enter PIN (1/4): *",
    }
    assert [e["kind"] for e in out["events"]] == ["accepted"]
    json.dumps(out)  # serialisable as is


def test_masked_detections_keep_rejects_boxes_and_rows() -> None:
    dets = (Detection("7", 0.9, Box(1, 2, 3, 4), 0), Detection("?", 0.4, Box(5, 6, 7, 8), 1))
    out = masked(dets)
    assert [d.char for d in out] == [config.MASK_CHAR, "?"]
    assert [(d.box, d.row, d.confidence) for d in out] == [(d.box, d.row, d.confidence) for d in dets]


# --- end to end: the headless app unlocks with the demo, never showing the PIN ------------------

LOOP = demo_schedule()[-1][1]  # frames in one loop of the demo: four cards, then the row
MASKED_EVENT = re.compile(
    r"frame \d+: (accepted: accepted (character|row) \(\d/\d\): \*+"
    r"|submitted: submitted \d characters: \*+"
    r"|granted: access granted"
    r"|deleted: .*: \**"
    r"|reset: PIN entry cleared"
    r"|denied: (wrong PIN.*|too short.*))"
)


def _no_pin_in(text: str) -> None:
    assert config.DEMO_PIN not in text
    assert config.DEMO_PIN.lower() not in text


def test_demo_unlocks_in_sequential_mode_with_the_demo_lock(capsys) -> None:
    code = recognize_live.main(["--source", "demo", "--headless", "--max-frames", str(LOOP)])
    out, err = capsys.readouterr()
    assert code == 0, err
    _no_pin_in(out + err)
    assert "demo PIN" in err  # says it is not the user's lock
    lines = out.splitlines()
    assert any(line.endswith("granted: access granted") for line in lines), out
    for line in lines:
        assert MASKED_EVENT.fullmatch(line), line  # every event is a masked one


def test_demo_unlocks_in_row_mode_with_a_real_lock_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "lock.json"
    Lock(path).set_pin(config.DEMO_PIN)
    argv = [
        "--source",
        "demo",
        "--headless",
        "--json",
        "--mode",
        "row",
        "--config",
        str(path),
        "--max-frames",
        str(LOOP),
    ]
    code = recognize_live.main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    _no_pin_in(out + err)
    assert "demo PIN" not in err  # the user's own lock is in use
    frames = [json.loads(line) for line in out.splitlines()]
    assert [f["frame"] for f in frames] == list(range(LOOP))
    for f in frames:
        assert {"frame", "lines", "detections", "pin", "events"} <= f.keys()
        assert {d["char"] for d in f["detections"]} <= {config.MASK_CHAR, config.REJECT_CHAR}
        assert all(set(line) <= {config.MASK_CHAR, config.REJECT_CHAR, " "} for line in f["lines"])
        assert set(f["pin"]) == PIN_KEYS and f["pin"]["mode"] == "row"
    kinds = [e["kind"] for f in frames for e in f["events"]]
    assert "granted" in kinds, kinds
    assert "denied" not in kinds
    lock = Lock.load(path)
    assert lock.failures == 0 and lock.check(config.DEMO_PIN, time.time()) is Verdict.GRANTED
