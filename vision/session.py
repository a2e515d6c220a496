"""The live locker session: frames in, readings + PIN state + overlay out. No window code here.

``LiveSession`` is driven by ``recognize_live.py`` both headless and with a window, and by the web
app (one per browser client); it holds what changes between frames (PIN entry, polarity setting,
debug view, FPS) and turns key actions into state changes, so each front end is a few lines.
``choose_lock`` is the policy every front end shares: the user's lock, or the demo's own PIN.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from vision import config
from vision.entry import Event, PinEntry
from vision.lockstore import Lock, default_config_path
from vision.overlay import Hud, debug_view, draw
from vision.pipeline import ProbabilityModel, live_side, read_frame
from vision.teach import TaughtSample, Teacher, TeachView
from vision.types import Detection, EntryMode, FrameResult, Polarity

POLARITY_CYCLE = tuple(Polarity)
DEMO_NOTE = "demo: the built-in demo PIN unlocks, not yours"
DEMO_SCREEN_NOTE = "DEMO: the built-in demo PIN unlocks (set yours: --set-pin)"
NO_PIN_NOTE = "no PIN set: reading only"


@dataclass(frozen=True)
class LockChoice:
    """The PIN entry a run uses and the one line to tell the user about it ("" when nothing)."""

    entry: PinEntry
    note: str
    demo: bool  # checked against the built-in demo PIN, never the user's lock


def choose_lock(
    demo_source: bool,
    config_path: Path | None,
    mode: EntryMode | str = EntryMode.SEQUENTIAL,
    hold_s: float = config.PIN_HOLD_S,
) -> LockChoice:
    """The real lock from ``config_path`` (default: the user's config folder), or the demo's.

    The demo uses its own in-memory demo PIN unless ``config_path`` names a file with a PIN: a
    looping demo must never throttle the user's real lock. The demo PIN itself is never shown or
    printed (the cards on screen spell it). Raises LockConfigError for an unusable lock file.
    """
    if demo_source and config_path is None:
        return LockChoice(PinEntry(Lock.in_memory(config.DEMO_PIN), mode=mode, hold_s=hold_s), DEMO_NOTE, True)
    lock = Lock.load(config_path or default_config_path())
    if not lock.has_pin and demo_source:
        return LockChoice(PinEntry(Lock.in_memory(config.DEMO_PIN), mode=mode, hold_s=hold_s), DEMO_NOTE, True)
    return LockChoice(PinEntry(lock, mode=mode, hold_s=hold_s), "" if lock.has_pin else NO_PIN_NOTE, False)


class Action(enum.Enum):
    RESET = "reset"
    BACKSPACE = "backspace"
    SUBMIT = "submit"
    TOGGLE_MODE = "mode"
    CYCLE_POLARITY = "polarity"
    TOGGLE_DEBUG = "debug"
    SNAPSHOT = "snapshot"
    TOGGLE_HELP = "help"
    TEACH = "teach"
    CANCEL = "cancel"  # Esc: leaves teaching, else quits
    QUIT = "quit"


_KEYS = {
    ord("r"): Action.RESET,
    8: Action.BACKSPACE,
    127: Action.BACKSPACE,
    13: Action.SUBMIT,
    10: Action.SUBMIT,
    ord("m"): Action.TOGGLE_MODE,
    ord("p"): Action.CYCLE_POLARITY,
    ord("d"): Action.TOGGLE_DEBUG,
    ord("s"): Action.SNAPSHOT,
    ord("h"): Action.TOGGLE_HELP,
    ord("c"): Action.TEACH,
    ord("q"): Action.QUIT,
    27: Action.CANCEL,
    # X11 keysyms, which the GTK back-end (and Qt, for keys without an ASCII code) returns.
    0xFF08: Action.BACKSPACE,
    0xFF8D: Action.SUBMIT,
}


def action_for_key(key: int) -> Action | None:
    """Map a key code from the window (-1: no key) to an action; unknown keys give None."""
    if key < 0:
        return None
    key &= 0xFFFF  # GTK adds modifier bits above the keysym
    if key in _KEYS:
        return _KEYS[key]
    if 65 <= key <= 90:  # caps lock should not break hotkeys; only ASCII: 0xFF52 (Up) is no "R"
        return _KEYS.get(key + 32)
    return None


@dataclass
class LiveSession:
    """One run of the live locker over a frame source."""

    classifier: ProbabilityModel
    entry: PinEntry
    polarity: Polarity | str = Polarity.AUTO
    debug: bool = False
    show_help: bool = False
    demo_note: str = ""
    # Writes a snapshot (frame index, frame, patches) and returns the files: the front end's, so
    # that no file is written from here (recognize_live.py passes vision.snapshots.save_snapshot).
    save_snapshot: Callable[[int, np.ndarray, np.ndarray | None], list[Path]] | None = None
    fps: float = 0.0
    _last_tick: float | None = field(default=None, repr=False)
    _last: FrameResult | None = field(default=None, repr=False)
    _frame: np.ndarray | None = field(default=None, repr=False)
    _now: float = field(default=0.0, repr=False)
    _notice: str = field(default="", repr=False)  # a snapshot's on-screen note, until _notice_until
    _notice_until: float = field(default=0.0, repr=False)
    teacher: Teacher | None = field(default=None, repr=False)  # set while teaching (the c key)
    taught: list[TaughtSample] = field(default_factory=list, repr=False)  # taken, not yet saved by the front end

    def step(self, frame: np.ndarray, index: int, now: float) -> tuple[FrameResult, list[Event]]:
        """Read one frame and feed the PIN entry; ``now`` is the frame's time in seconds."""
        side = live_side(frame.shape, self._last)
        result = read_frame(frame, self.classifier, self.polarity, index, max_side=side)
        if self.teacher is not None:  # samples never come from PIN entry: it is not fed at all
            events = self._teach(result, now)
        else:
            events = self.entry.update(result.detections, result.lines, now)
        self._last, self._frame, self._now = result, frame, now
        self._tick()
        return result, events

    def handle(self, action: Action, now: float) -> list[Event]:
        """Apply a hotkey action (QUIT is the caller's, see ``quits``); returns the events it caused."""
        if action is Action.TEACH:
            return self._start_teaching(now)
        if action is Action.CANCEL:
            return self._stop_teaching()
        if self.teacher is not None and action in (Action.RESET, Action.BACKSPACE, Action.SUBMIT, Action.TOGGLE_MODE):
            return []  # no PIN entry while teaching
        if action is Action.RESET:
            return self.entry.reset(now)
        if action is Action.BACKSPACE:
            return self.entry.backspace(now)
        if action is Action.SUBMIT:
            return self.entry.submit(now)
        if action is Action.TOGGLE_MODE:
            return [self._note("mode", f"entry mode: {self.entry.toggle_mode()}")]
        if action is Action.CYCLE_POLARITY:
            self.polarity = POLARITY_CYCLE[(POLARITY_CYCLE.index(Polarity(self.polarity)) + 1) % len(POLARITY_CYCLE)]
            return [self._note("polarity", f"polarity: {self.polarity}")]
        if action is Action.SNAPSHOT:
            return [self._save_snapshot()]
        if action is Action.TOGGLE_DEBUG:
            self.debug = not self.debug
        elif action is Action.TOGGLE_HELP:
            self.show_help = not self.show_help
        return []

    def quits(self, action: Action | None) -> bool:
        """Whether ``action`` ends the run: q always, Esc unless it is leaving teaching."""
        return action is Action.QUIT or (action is Action.CANCEL and self.teacher is None)

    def take_taught(self) -> list[TaughtSample]:
        """The samples taken since the last call, for the front end to store."""
        out, self.taught = self.taught, []
        return out

    def _start_teaching(self, now: float) -> list[Event]:
        if self.teacher is not None:
            return []
        events = self.entry.reset(now)  # nothing typed stays around while the cards go up
        self.teacher = Teacher()
        n = self.teacher.view.total
        return events + [self._note("teach", f"teaching: {n} characters, asked one at a time; Esc leaves")]

    def _stop_teaching(self) -> list[Event]:
        if self.teacher is None:
            return []
        taken, self.teacher = self.teacher.view.taken, None
        return [self._note("teach", f"teaching ended: {taken} sample{'' if taken == 1 else 's'} taken")]

    def _teach(self, result: FrameResult, now: float) -> list[Event]:
        sample = self.teacher.update(result.detections, result.detection_patches, now)
        if sample is None:
            return []
        self.taught.append(sample)
        view = self.teacher.view
        return [self._note("taught", f"taught {sample.label} ({view.taken}/{view.total})")]

    def render(self) -> np.ndarray:
        """The window image for the last frame: video + overlay (+ the debug view beside it).

        Each box shows what was read there, as the video beside it shows the card itself: the
        user must see what the camera reads. What was typed (the buffer) is only ever masked.
        """
        if self._frame is None or self._last is None:
            raise RuntimeError("render() before the first step()")
        result = self._last
        image = draw(self._frame, result.detections, self.hud())
        if not self.debug or result.mask is None or result.patches is None:
            return image
        # Patches come in segmentation order and include dropped ones: no label can be matched.
        side = debug_view(result.mask, result.patches, [""] * len(result.patches), image.shape[0])
        return np.hstack([image, side])

    def hud(self) -> Hud:
        view = self.entry.view
        teach = self.teacher.view if self.teacher is not None else None
        return Hud(
            mode=view.mode,
            polarity=self.polarity,
            polarity_used=self._last.polarity if self._last else "dark",
            buffer_len=view.buffer_len,
            pin_length=view.pin_length,
            candidate_progress=teach.progress if teach else view.candidate_progress,
            candidate_box=teach.box if teach else view.candidate_box,
            state=view.state,
            lockout_remaining=view.lockout_remaining,
            fps=self.fps,
            message=self._hud_message(view.message, teach),
            show_help=self.show_help,
            demo_note=self.demo_note,
            teach_prompt=_teach_prompt(teach) if teach else "",
        )

    def _hud_message(self, entry_message: str, teach: TeachView | None) -> str:
        if self._now < self._notice_until:
            return self._notice
        return teach.message if teach else entry_message

    def snapshot(self) -> list[Path]:
        """Save the current frame and the patches the model saw through ``save_snapshot``.

        Returns the files written; raises OSError when they cannot be written.
        """
        if self._frame is None or self._last is None:
            raise RuntimeError("snapshot() before the first step()")
        if self.save_snapshot is None:
            raise OSError("this front end keeps no snapshots")
        return self.save_snapshot(self._last.index, self._frame, self._last.patches)

    def _save_snapshot(self) -> Event:
        """snapshot() as an event and an on-screen note: a full disk must not end the session."""
        try:
            paths = self.snapshot()
        except (OSError, cv2.error) as exc:
            self._show("snapshot failed (see the terminal)")
            return self._note("snapshot", f"snapshot failed: {exc}")
        self._show(f"snapshot saved to {paths[0].parent}/ (private)")
        what = "frame and patches" if len(paths) > 1 else "frame"
        return self._note("snapshot", f"snapshot saved: {paths[0]} ({what}; owner-only, shows the typed characters)")

    def _show(self, notice: str) -> None:
        """Put ``notice`` on screen in place of the lock's message for a few seconds of video."""
        self._notice, self._notice_until = notice, self._now + config.SNAPSHOT_NOTICE_S

    def _note(self, kind: str, message: str) -> Event:
        return Event(kind, self.entry.view.buffer_len, message)

    def _tick(self) -> None:
        t = time.perf_counter()
        if self._last_tick is not None and t > self._last_tick:
            inst = 1.0 / (t - self._last_tick)
            self.fps = inst if self.fps == 0 else (1 - config.FPS_SMOOTHING) * self.fps + config.FPS_SMOOTHING * inst
        self._last_tick = t


def _teach_prompt(view: TeachView) -> str:
    if view.finished:
        return f"TEACH done ({view.taken}/{view.total})"
    return f"TEACH {view.taken + 1}/{view.total}: write {view.asked}"


def masked_detections(detections: tuple[Detection, ...]) -> list[Detection]:
    """Detections with the character hidden, for everything the live locker shows or prints."""
    return [
        Detection(
            config.MASK_CHAR if d.char != config.REJECT_CHAR else d.char,
            d.confidence,
            d.box,
            d.row,
            d.col,
            d.gap_before,
        )
        for d in detections
    ]


def live_json(result: FrameResult, locker: PinEntry, events: list[Event]) -> dict:
    """The image-mode JSON contract with characters masked, plus PIN length/state and events."""
    out = result.to_json()
    out["detections"] = [d.to_json() for d in masked_detections(result.detections)]
    out["lines"] = [
        "".join(c if c in (" ", config.REJECT_CHAR) else config.MASK_CHAR for c in line) for line in result.lines
    ]
    view = locker.view
    out["pin"] = {
        "length": view.buffer_len,
        "pin_length": view.pin_length,
        "state": view.state,
        "mode": view.mode,
        "progress": None if view.candidate_progress is None else round(view.candidate_progress, 3),
        "candidate_box": view.candidate_box.as_list() if view.candidate_box else None,
        "lockout_remaining": math.ceil(view.lockout_remaining),
        "message": view.message,
    }
    out["events"] = [e.to_json() for e in events]
    return out
