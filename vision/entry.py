"""PIN entry: a state machine fed detections and the time, checked against a ``lockstore.Lock``.

Nothing here reads a clock on its own except ``PinEntry``'s injectable ``wall_clock``; every method
whose answer depends on time takes ``now``, so tests drive time without sleeping.
Two clocks, on purpose:

* ``now`` given to ``PinEntry.update`` / ``backspace`` / ``reset`` / ``submit`` is monotonic
  (``time.monotonic``): hold times and how long a verdict shows must not jump when the clock is set.
* Lock checks and lockouts use ``wall_clock()`` (``time.time``), because the lock file keeps the
  lockout across restarts and a monotonic clock starts again with the machine.

Someone watching a headless run sees only events, so the locker turns changes it did not cause
itself (a lockout running out, another process locking out or setting a PIN) into events too, and
repeats the time left of a lockout only at a few milestones (``LOCKOUT_NOTICE_AT_S``).

The PIN is never logged, printed, put in a repr, an event or a view: while typed it lives only in
``PinEntry._buffer``. (Python cannot wipe a string from memory; we only keep no reference longer than
needed.)
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vision import config
from vision.lockstore import Lock, Verdict, lockout_duration
from vision.types import Box, Detection, EntryMode, EntryState

log = logging.getLogger(__name__)

MODES: tuple[EntryMode, ...] = tuple(EntryMode)


# --- Entry state machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something the user should hear about: carries how many characters are typed, never which."""

    kind: str  # accepted, deleted, reset, submitted, granted, denied, locked_out, disabled, no_pin
    buffer_len: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "buffer_len": self.buffer_len, "message": self.message}


@dataclass(frozen=True)
class EntryView:
    """What the overlay draws; like Event it holds counts, never characters."""

    mode: EntryMode
    buffer_len: int
    pin_length: int | None
    candidate_progress: float | None  # 0..1 while a candidate is being held, else None
    state: EntryState
    lockout_remaining: float
    message: str
    # Where the candidate being held is: the card in sequential mode, the whole row in row mode.
    candidate_box: Box | None = None

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["candidate_box"] = self.candidate_box.as_list() if self.candidate_box else None
        return out


class _Hold:
    """Turns a per-frame candidate (a character or a whole row) into one acceptance per showing.

    A candidate is accepted once it has lasted ``hold_s`` seconds and ``hold_frames`` frames, then
    latched: it is not accepted again until no candidate has been seen for REARM_GAP_FRAMES frames
    and REARM_GAP_S seconds, or another candidate has been accepted. A shorter gap neither re-arms
    nor restarts the hold, so a one-frame "?" dropout is harmless; a different candidate restarts
    it.
    """

    def __init__(self, hold_s: float, hold_frames: int) -> None:
        self.hold_s, self.hold_frames = hold_s, hold_frames
        self.clear()

    def clear(self) -> None:
        self.key: str | None = None
        self.since = 0.0
        self.frames = 0
        self.latched: str | None = None
        self.last_seen = -math.inf
        self.gap_frames = 0

    def feed(self, key: str | None, now: float) -> str | None:
        """One frame's candidate (None: nothing usable); returns the key when it gets accepted."""
        if key is None:
            self._miss(now)
            return None
        self.last_seen, self.gap_frames = now, 0
        if key != self.key:
            self.key, self.since, self.frames = key, now, 0
        self.frames += 1
        if key == self.latched or self.frames < self.hold_frames or now - self.since < self.hold_s:
            return None
        self.latched = key
        return key

    def _miss(self, now: float) -> None:
        self.gap_frames += 1
        if self.gap_frames >= config.REARM_GAP_FRAMES and now - self.last_seen >= config.REARM_GAP_S:
            self.key, self.frames, self.latched = None, 0, None

    def progress(self, now: float) -> float | None:
        """Share of the hold done by the current candidate; None when nothing is to be typed."""
        if self.key is None or self.key == self.latched:
            return None
        by_time = (now - self.since) / self.hold_s if self.hold_s > 0 else 1.0
        return max(0.0, min(1.0, self.frames / self.hold_frames, by_time))


def held_card(detections: Sequence[Detection]) -> Detection | None:
    """In sequential entry the card held up is the largest character in view, and clearly so: a
    row of characters of one size (a PIN written as a row, a page) holds no card to type from,
    or its largest character would be typed."""
    if not detections:
        return None
    ranked = sorted(detections, key=lambda d: d.box.area, reverse=True)
    if len(ranked) > 1 and ranked[0].box.area < config.HELD_CARD_DOMINANCE * ranked[1].box.area:
        return None
    return ranked[0]


def pin_row(lines: Sequence[str], pin_length: int | None) -> int | None:
    """Index of the row that is typed as a whole PIN: the longest fully read row (no "?"; spaces
    between groups ignored) of length ``pin_length``, or of any valid PIN length when it is None.
    None when no row fits. Row entry and the web's unlock-with-a-photo share this rule."""
    rows = ["".join(line.split()) for line in lines]
    lo, hi = (pin_length, pin_length) if pin_length is not None else (config.PIN_MIN_LENGTH, config.PIN_MAX_LENGTH)
    ok = [i for i, r in enumerate(rows) if r and all(c in config.CLASSES for c in r) and lo <= len(r) <= hi]
    return max(ok, key=lambda i: len(rows[i])) if ok else None


class PinEntry:
    """The PIN buffer fed by recognitions, checked against a Lock.

    ``now`` arguments are monotonic seconds; lock checks use ``wall_clock()`` because lockouts
    persist across restarts. ``view`` describes the state as of the last ``now`` seen.
    """

    def __init__(
        self,
        lock: Lock,
        mode: EntryMode | str = EntryMode.SEQUENTIAL,
        pin_length: int | None = None,
        hold_s: float = config.PIN_HOLD_S,
        hold_frames: int = config.PIN_HOLD_FRAMES,
        min_confidence: float = config.PIN_MIN_CONFIDENCE,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {tuple(map(str, MODES))}, not {mode!r}")
        lo, hi = config.PIN_MIN_LENGTH, config.PIN_MAX_LENGTH
        if pin_length is not None and not lo <= pin_length <= hi:
            raise ValueError(f"pin_length must be {lo} to {hi}")
        if hold_s < 0 or hold_frames < 1:
            raise ValueError("hold_s must be >= 0 and hold_frames >= 1")
        self._lock, self._mode, self._pin_length = lock, EntryMode(mode), pin_length
        self._min_confidence = min_confidence
        self._wall_clock = wall_clock
        self._hold = _Hold(hold_s, hold_frames)
        self._buffer: list[str] = []  # the only place typed characters live
        self._candidate_box: Box | None = None
        self._now = 0.0
        self._result: Verdict | None = None
        self._result_until = -math.inf
        self._note = ""
        self._announced: Verdict | None = None  # the lock's refusal last reported, None: open
        self._started = False  # whether the first frame's state has been looked at
        self._notice = 0  # how many LOCKOUT_NOTICE_AT_S milestones the current lockout has passed

    @property
    def mode(self) -> EntryMode:
        return self._mode

    @property
    def pin_length(self) -> int | None:
        """Length that triggers an automatic check: the one given, else the stored PIN's."""
        return self._pin_length or self._lock.pin_length

    def update(self, detections: Sequence[Detection], lines: Sequence[str], now: float) -> list[Event]:
        """Feed one frame's detections and rows; input is ignored while locked out or disabled.

        The lock file is re-read when another process changed it, and what changed is reported.
        """
        self._now = now
        self._lock.refresh()
        events = self._announce(self._wall_clock())
        self._candidate_box = None
        if self._announced in (Verdict.LOCKED_OUT, Verdict.DISABLED):
            self._hold.clear()
            return events
        if self._mode is EntryMode.ROW:
            row = self._hold.feed(self._row_candidate(detections, lines), now)
            return events + (self._accept_row(row, now) if row else [])
        char = self._hold.feed(self._char_candidate(detections), now)
        return events + (self._accept_char(char, now) if char else [])

    def backspace(self, now: float) -> list[Event]:
        self._now = now
        if not self._buffer:
            return []
        self._buffer.pop()
        return [self._event("deleted", f"deleted character ({self._count()}): {self._mask()}")]

    def reset(self, now: float) -> list[Event]:
        self._now = now
        self._buffer.clear()
        return [self._event("reset", "PIN entry cleared")]

    def submit(self, now: float) -> list[Event]:
        """Check the buffer now (Enter), then clear it. An empty buffer is a no-op; one shorter than
        any valid PIN is denied without counting as a failure, as it reveals nothing."""
        self._now = now
        n = len(self._buffer)
        if n == 0:
            return []
        events = [self._event("submitted", f"submitted {n} characters: {self._mask()}")]
        wall = self._wall_clock()
        if n < config.PIN_MIN_LENGTH and self._lock.blocked(wall) is None:
            self._buffer.clear()
            text = f"too short: a PIN has at least {config.PIN_MIN_LENGTH} characters (not counted)"
            return events + [self._show(Verdict.DENIED, now, text)]
        verdict = self._lock.check("".join(self._buffer), wall)
        self._buffer.clear()
        return events + self._verdict_events(verdict, wall, now)

    def toggle_mode(self) -> EntryMode:
        """Switch sequential <-> row; the candidate being held is dropped, the buffer kept."""
        self._mode = EntryMode.ROW if self._mode is EntryMode.SEQUENTIAL else EntryMode.SEQUENTIAL
        self._hold.clear()
        self._candidate_box = None
        return self._mode

    @property
    def view(self) -> EntryView:
        wall = self._wall_clock()
        state = self._state(wall)
        progress = self._hold.progress(self._now)
        return EntryView(
            mode=self._mode,
            buffer_len=len(self._buffer),
            pin_length=self.pin_length,
            candidate_progress=progress,
            state=state,
            lockout_remaining=self._lock.lockout_remaining(wall),
            message=self._view_message(state, wall),
            candidate_box=self._candidate_box if progress is not None else None,
        )

    def __repr__(self) -> str:
        return f"PinEntry(mode={str(self._mode)!r}, buffer_len={len(self._buffer)}, pin_length={self.pin_length})"

    # -- helpers --

    def _char_candidate(self, detections: Sequence[Detection]) -> str | None:
        """The largest character, if it is confidently read; a large "?" hides smaller ones because
        the card being held up is the largest thing in view."""
        best = held_card(detections)
        if best is None or best.char not in config.CLASSES or best.confidence < self._min_confidence:
            return None
        self._candidate_box = best.box
        return best.char

    def _row_candidate(self, detections: Sequence[Detection], lines: Sequence[str]) -> str | None:
        """The row ``pin_row`` picks; its box is the union of that row's characters
        (``Detection.row`` indexes ``lines``)."""
        best = pin_row(lines, self.pin_length)
        if best is None:
            return None
        boxes = [d.box for d in detections if d.row == best]
        self._candidate_box = functools.reduce(Box.union, boxes) if boxes else None
        return "".join(lines[best].split())

    def _accept_char(self, char: str, now: float) -> list[Event]:
        """Type ``char``; a buffer at the PIN's length is checked at once. Without a PIN, a full
        buffer is 'checked' too, so a headless run says there is no PIN instead of falling silent."""
        self._buffer.append(char)
        events = [self._event("accepted", f"accepted character ({self._count()}): {self._mask()}")]
        if len(self._buffer) >= (self.pin_length or config.PIN_MAX_LENGTH):
            events += self.submit(now)
        return events

    def _accept_row(self, row: str, now: float) -> list[Event]:
        """A row is the whole PIN: it replaces the buffer and is checked at once."""
        self._buffer = list(row)
        events = [self._event("accepted", f"accepted row ({self._count()}): {self._mask()}")]
        return events + self.submit(now)

    def _verdict_events(self, verdict: Verdict, wall: float, now: float) -> list[Event]:
        if verdict is Verdict.GRANTED:
            return [self._show(verdict, now, "access granted")]
        if verdict is Verdict.NO_PIN:
            text = f"no PIN is set; set one with `{config.SET_PIN_COMMAND}`"
            return [self._show(verdict, now, text)]
        events = []
        if verdict is Verdict.DENIED:
            left = config.LOCKOUT_AFTER_FAILURES - self._lock.failures
            text = "wrong PIN"
            if left > 0:
                tries = "1 try" if left == 1 else f"{left} tries"
                text += f"; {tries} left before a {config.LOCKOUT_BASE_S:.0f} s lockout"
            events.append(self._show(verdict, now, text))
        news = self._announce(wall)
        if not news and verdict in (Verdict.LOCKED_OUT, Verdict.DISABLED):  # Enter while refused
            news = [self._event(str(verdict), self._view_message(str(verdict), wall))]
        return events + news

    # -- what changed without being typed --

    def _announce(self, wall: float) -> list[Event]:
        """An event when the lock's refusal changes (also at the first frame, unless the lock is
        open or has no PIN, which the front end says at start), and as a lockout's time left
        passes each LOCKOUT_NOTICE_AT_S milestone: enough for someone watching, not every frame."""
        blocked = self._lock.blocked(wall)
        prev, started = self._announced, self._started
        self._announced, self._started = blocked, True
        if blocked is Verdict.LOCKED_OUT:
            level = self._notice_level(wall)
            fresh = prev is not Verdict.LOCKED_OUT or not started or level > self._notice
            self._notice = level
            return [self._event("locked_out", self._lockout_text(wall))] if fresh else []
        if blocked is prev or (not started and blocked in (None, Verdict.NO_PIN)):
            return []
        if blocked is Verdict.DISABLED:
            text = f"disabled after {self._lock.failures} wrong PINs; set a new PIN with `{config.SET_PIN_COMMAND}`"
            return [self._event("disabled", text)]
        if blocked is Verdict.NO_PIN:
            return [self._event("no_pin", f"no PIN is set any more: run `{config.SET_PIN_COMMAND}`")]
        if prev is Verdict.LOCKED_OUT:
            nxt = lockout_duration(self._lock.failures + 1)
            return [self._event("ready", f"lockout over: enter the PIN (1 try before a {nxt:.0f} s lockout)")]
        return [self._event("ready", "a new PIN was set: enter it")]

    def _notice_level(self, wall: float) -> int:
        left = math.ceil(self._lock.lockout_remaining(wall))
        return sum(1 for mark in config.LOCKOUT_NOTICE_AT_S if left <= mark)

    def _lockout_text(self, wall: float) -> str:
        left = math.ceil(self._lock.lockout_remaining(wall))
        return f"locked out: {left} s left after {self._lock.failures} wrong PINs"

    def _state(self, wall: float) -> EntryState:
        blocked = self._lock.blocked(wall)
        if blocked in (Verdict.LOCKED_OUT, Verdict.DISABLED):
            return EntryState(blocked)
        if self._result is not None and self._now < self._result_until:
            return EntryState(self._result)
        return EntryState.NO_PIN if blocked is Verdict.NO_PIN else EntryState.LOCKED

    def _view_message(self, state: str, wall: float) -> str:
        if state == EntryState.LOCKED_OUT:
            return f"locked out: try again in {math.ceil(self._lock.lockout_remaining(wall))} s"
        if state == EntryState.DISABLED:
            return f"disabled after too many wrong PINs: run `{config.SET_PIN_COMMAND}`"
        if self._result is not None and self._now < self._result_until:
            return self._note
        if state == EntryState.NO_PIN:
            return f"no PIN set ({self._count()}): run `{config.SET_PIN_COMMAND}`"
        return f"enter PIN ({self._count()}): {self._mask()}"

    def _show(self, verdict: Verdict, now: float, message: str) -> Event:
        """Record a verdict to display for RESULT_SHOW_S and return its event."""
        self._result, self._result_until, self._note = verdict, now + config.RESULT_SHOW_S, message
        return self._event(str(verdict), message)

    def _event(self, kind: str, message: str) -> Event:
        log.info("%s", message)
        return Event(kind, len(self._buffer), message)

    def _count(self) -> str:
        n = len(self._buffer)
        return f"{n}/{self.pin_length}" if self.pin_length is not None else str(n)

    def _mask(self) -> str:
        return config.MASK_CHAR * len(self._buffer)
