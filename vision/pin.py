"""PIN entry and lock: a state machine fed detections and the time, a salted slow hash, throttling.

Nothing here reads a clock on its own except ``Locker``'s injectable ``wall_clock``; every method
whose answer depends on time takes ``now``, so tests drive time without sleeping.
Two clocks, on purpose:

* ``now`` given to ``Locker.update`` / ``backspace`` / ``reset`` / ``submit`` is monotonic
  (``time.monotonic``): hold times and how long a verdict shows must not jump when the clock is set.
* The lockout is stored as wall-clock epoch seconds (``time.time``) because it must survive a
  restart, and a monotonic clock starts again with the machine.

Throttling of consecutive wrong PINs (saved to the lock file at each change, so restarting is no way
around it): failures 1-2 cost nothing; the 3rd locks out for 30 s; each further one doubles the
lockout (60, 120, ... 1920 s at the 9th), one attempt being allowed after each lockout ends; the
10th disables the lock until a new PIN is set with ``python recognize_live.py --set-pin``.
A correct PIN resets the count.

The PIN is never logged, printed, put in a repr, an event or a view: while typed it lives only in
``Locker._buffer``, and the lock keeps only its scrypt hash. (Python cannot wipe a string from
memory; we only keep no reference longer than needed.)
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import itertools
import json
import logging
import math
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from vision import config
from vision.types import Detection

log = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("sequential", "row")


class WeakPinError(ValueError):
    """The PIN is malformed or too easy to guess; the one-line message never holds the PIN."""


class LockConfigError(RuntimeError):
    """The lock file cannot be read, parsed or written. It is never overwritten to 'repair' it."""


class Verdict(StrEnum):
    """Outcome of ``Lock.check``; the last three are refusals that never look at the PIN."""

    GRANTED = "granted"
    DENIED = "denied"
    LOCKED_OUT = "locked_out"
    DISABLED = "disabled"
    NO_PIN = "no_pin"


# --- PIN rules and hashing -------------------------------------------------------------------


def validate_pin(pin: str) -> str:
    """Return ``pin`` normalised (``k`` -> ``K``) or raise WeakPinError.

    Length and alphabet are what the recognizer can type; a repeated character and a straight run
    are refused because they are the first guesses anyone tries.
    """
    if not isinstance(pin, str):
        raise WeakPinError("PIN must be text")
    pin = pin.replace("k", "K")
    lo, hi = config.PIN_MIN_LENGTH, config.PIN_MAX_LENGTH
    if not lo <= len(pin) <= hi:
        raise WeakPinError(f"PIN must have {lo} to {hi} characters, not {len(pin)}")
    if any(c not in config.PIN_ALPHABET for c in pin):
        raise WeakPinError("PIN may only use the digits 0-9 and the letter K")
    if len(set(pin)) == 1:
        raise WeakPinError("PIN must not be one character repeated")
    if _is_straight_run(pin):
        raise WeakPinError("PIN must not be a straight run of digits, up or down")
    return pin


def _is_straight_run(pin: str) -> bool:
    """True for 1234, 9876 and keypad wrap-arounds like 7890 or 2109 (0 follows 9 on a keypad)."""
    if not pin.isdigit():
        return False
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({1}, {9})


def lockout_duration(failures: int) -> float:
    """Seconds locked out after ``failures`` consecutive wrong PINs: 0 below the threshold, then
    LOCKOUT_BASE_S doubling with each further failure (30, 60, 120, ...)."""
    if failures < config.LOCKOUT_AFTER_FAILURES:
        return 0.0
    return config.LOCKOUT_BASE_S * 2.0 ** (failures - config.LOCKOUT_AFTER_FAILURES)


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/digit-locker/lock.json``, else ``~/.config/digit-locker/lock.json``.

    A relative XDG_CONFIG_HOME is ignored, as the XDG spec says, so the file never depends on the
    working directory.
    """
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / config.LOCK_DIR_NAME / config.LOCK_FILE_NAME


def _default_kdf() -> dict[str, Any]:
    return {
        "name": "scrypt",
        "n": config.SCRYPT_N,
        "r": config.SCRYPT_R,
        "p": config.SCRYPT_P,
        "dklen": config.SCRYPT_DKLEN,
    }


def _derive(pin: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    """scrypt hash of ``pin``; ``maxmem`` is sized from the parameters so a file's own kdf loads."""
    n, r, p = kdf["n"], kdf["r"], kdf["p"]
    maxmem = 128 * r * (n + p + 2) + 2**20
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=kdf["dklen"], maxmem=maxmem
    )


# --- Lock file state -------------------------------------------------------------------------


def _get(data: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """``data[key]`` checked against ``kind``; bool is refused where a number is expected."""
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"field {key!r} has the wrong type")
    return value


def _parse_kdf(kdf: Any) -> dict[str, Any]:
    """The file's scrypt parameters, bounded so a tampered file cannot demand gigabytes."""
    if _get(kdf, "name", str) != "scrypt":
        raise ValueError("unknown key derivation function")
    n, r, p, dklen = (_get(kdf, k, int) for k in ("n", "r", "p", "dklen"))
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ValueError("scrypt parameters out of range")
    if not 16 <= dklen <= 64:
        raise ValueError("scrypt hash length out of range")
    return {"name": "scrypt", "n": n, "r": r, "p": p, "dklen": dklen}


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class _LockState:
    """What the lock file holds. Salt and hash stay out of repr: they are not the PIN, but they are
    all an offline brute force needs."""

    kdf: dict[str, Any] = field(default_factory=_default_kdf)
    salt: bytes | None = field(default=None, repr=False)
    digest: bytes | None = field(default=None, repr=False)
    pin_length: int | None = None
    failures: int = 0
    lockout_until: float = 0.0
    disabled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "version": config.LOCK_FILE_VERSION,
            "kdf": self.kdf,
            "salt": base64.b64encode(self.salt or b"").decode("ascii"),
            "hash": base64.b64encode(self.digest or b"").decode("ascii"),
            "pin_length": self.pin_length,
            "failures": self.failures,
            "lockout_until": self.lockout_until,
            "disabled": self.disabled,
        }

    @classmethod
    def from_json(cls, data: Any) -> _LockState:
        """Parse and check every field; any surprise raises ValueError, KeyError or TypeError."""
        if _get(data, "version", int) != config.LOCK_FILE_VERSION:
            raise ValueError("unknown lock file version")
        kdf = _parse_kdf(_get(data, "kdf", dict))
        salt, digest = _b64(_get(data, "salt", str)), _b64(_get(data, "hash", str))
        if len(salt) < 8 or len(digest) != kdf["dklen"]:
            raise ValueError("salt or hash has the wrong length")
        pin_length = _get(data, "pin_length", int)
        if not config.PIN_MIN_LENGTH <= pin_length <= config.PIN_MAX_LENGTH:
            raise ValueError("pin_length out of range")
        failures = _get(data, "failures", int)
        until = float(_get(data, "lockout_until", (int, float)))
        if failures < 0 or not math.isfinite(until):
            raise ValueError("failures or lockout_until out of range")
        disabled = _get(data, "disabled", bool)
        return cls(kdf, salt, digest, pin_length, failures, until, disabled)


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON so that a crash or a full disk mid-write leaves the old file whole:
    a sibling temp file (mkstemp makes it 0600), fsync, then ``os.replace``."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0]


# --- Lock ------------------------------------------------------------------------------------


class Lock:
    """A PIN's scrypt hash and its throttling state, persisted to a JSON file when given a path."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        """An empty lock (no PIN). Use ``load`` to read an existing file."""
        self._path = Path(path) if path is not None else None
        self._state = _LockState()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Lock:
        """Read the lock file; a missing one gives a lock with no PIN (nothing is written yet).

        An unreadable or corrupt file raises LockConfigError and is left as it is: silently starting
        over would let anyone delete the throttling state by damaging the file.
        """
        lock = cls(path)
        assert lock._path is not None
        try:
            text = lock._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return lock
        except (OSError, ValueError) as exc:
            raise LockConfigError(f"cannot read lock file {path}: {_one_line(exc)}") from exc
        try:
            lock._state = _LockState.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise LockConfigError(f"lock file {path} is corrupt: {_one_line(exc)}") from exc
        return lock

    @classmethod
    def in_memory(cls, pin: str) -> Lock:
        """A lock with ``pin`` set and no file, for the demo; throttling works the same but is
        forgotten on exit."""
        lock = cls(None)
        lock.set_pin(pin)
        return lock

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def has_pin(self) -> bool:
        return self._state.digest is not None

    @property
    def pin_length(self) -> int | None:
        """Stored so the entry screen knows when to check automatically."""
        return self._state.pin_length

    @property
    def failures(self) -> int:
        return self._state.failures

    @property
    def disabled(self) -> bool:
        return self._state.disabled

    def set_pin(self, pin: str) -> None:
        """Validate and hash ``pin``, clear failures, lockout and disabled, then save.

        The new state is adopted only once saved, so a failed write keeps the old PIN working.
        """
        pin = validate_pin(pin)
        salt = secrets.token_bytes(config.PIN_SALT_BYTES)
        kdf = _default_kdf()
        old = self._state
        self._state = _LockState(kdf, salt, _derive(pin, salt, kdf), len(pin))
        try:
            self.save()
        except BaseException:
            self._state = old
            raise
        log.info("new PIN set; failures and lockout cleared")

    def blocked(self, now: float) -> Verdict | None:
        """Why a check at wall time ``now`` would be refused without looking at the PIN, or None."""
        if not self.has_pin:
            return Verdict.NO_PIN
        if self._state.disabled:
            return Verdict.DISABLED
        if self.lockout_remaining(now) > 0:
            return Verdict.LOCKED_OUT
        return None

    def lockout_remaining(self, now: float) -> float:
        """Seconds of lockout left at wall time ``now`` (0 when none; a disabled lock reports 0
        and says so through ``blocked``).

        Capped at the lockout's own length so a wall clock set backwards cannot lock for longer.
        """
        left = self._state.lockout_until - now
        return max(0.0, min(left, lockout_duration(self._state.failures)))

    def check(self, pin: str, now: float) -> Verdict:
        """Compare ``pin`` with the stored hash in constant time at wall time ``now``.

        While locked out, disabled or without a PIN, the hash is not even computed. Each change of
        the failure count is saved before returning.
        """
        refused = self.blocked(now)
        if refused is not None:
            return refused
        state = self._state
        assert state.salt is not None and state.digest is not None
        attempt = _derive(str(pin).replace("k", "K"), state.salt, state.kdf)
        if hmac.compare_digest(attempt, state.digest):
            self._record_success()
            return Verdict.GRANTED
        self._record_failure(now)
        return Verdict.DENIED

    def save(self) -> None:
        """Write the state atomically (file 0600, folder 0700); a no-op for an in-memory lock."""
        if self._path is None:
            return
        try:
            _write_atomic(self._path, self._state.to_json())
        except OSError as exc:
            raise LockConfigError(f"cannot write lock file {self._path}: {_one_line(exc)}") from exc

    def _record_success(self) -> None:
        if self._state.failures or self._state.lockout_until:
            self._state = dataclasses.replace(self._state, failures=0, lockout_until=0.0)
            self.save()
        log.info("PIN accepted")

    def _record_failure(self, now: float) -> None:
        """Count the failure in memory first, then save: a failing disk must not undo the count."""
        failures = self._state.failures + 1
        disabled = failures >= config.DISABLE_AFTER_FAILURES
        until = now + lockout_duration(failures)
        self._state = dataclasses.replace(
            self._state, failures=failures, lockout_until=until, disabled=disabled
        )
        self.save()
        if disabled:
            log.warning("wrong PIN: %d in a row, lock disabled until a new PIN is set", failures)
        else:
            log.warning(
                "wrong PIN: %d in a row, locked out for %.0f s",
                failures,
                lockout_duration(failures),
            )

    def __repr__(self) -> str:
        return (
            f"Lock(path={self._path}, has_pin={self.has_pin}, failures={self.failures}, "
            f"disabled={self.disabled})"
        )


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
class LockerView:
    """What the overlay draws; like Event it holds counts, never characters."""

    mode: str
    buffer_len: int
    pin_len: int | None
    candidate_progress: float | None  # 0..1 while a candidate is being held, else None
    state: str  # locked, granted, denied, locked_out, disabled, no_pin
    lockout_remaining: float
    message: str

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
        if (
            self.gap_frames >= config.REARM_GAP_FRAMES
            and now - self.last_seen >= config.REARM_GAP_S
        ):
            self.key, self.frames, self.latched = None, 0, None

    def progress(self, now: float) -> float | None:
        """Share of the hold done by the current candidate; None when nothing is to be typed."""
        if self.key is None or self.key == self.latched:
            return None
        by_time = (now - self.since) / self.hold_s if self.hold_s > 0 else 1.0
        return max(0.0, min(1.0, self.frames / self.hold_frames, by_time))


def held_card(detections: Sequence[Detection]) -> Detection | None:
    """In sequential entry the card held up is the largest character in view."""
    return max(detections, key=lambda d: d.box.area) if detections else None


class Locker:
    """The PIN buffer fed by recognitions, checked against a Lock.

    ``now`` arguments are monotonic seconds; lock checks use ``wall_clock()`` because lockouts
    persist across restarts. ``view`` describes the state as of the last ``now`` seen.
    """

    def __init__(
        self,
        lock: Lock,
        mode: str = "sequential",
        pin_length: int | None = None,
        hold_s: float = config.PIN_HOLD_S,
        hold_frames: int = config.PIN_HOLD_FRAMES,
        min_confidence: float = config.PIN_MIN_CONFIDENCE,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        lo, hi = config.PIN_MIN_LENGTH, config.PIN_MAX_LENGTH
        if pin_length is not None and not lo <= pin_length <= hi:
            raise ValueError(f"pin_length must be {lo} to {hi}")
        if hold_s < 0 or hold_frames < 1:
            raise ValueError("hold_s must be >= 0 and hold_frames >= 1")
        self._lock, self._mode, self._pin_length = lock, mode, pin_length
        self._min_confidence = min_confidence
        self._wall_clock = wall_clock
        self._hold = _Hold(hold_s, hold_frames)
        self._buffer: list[str] = []  # the only place typed characters live
        self._now = 0.0
        self._result: Verdict | None = None
        self._result_until = -math.inf
        self._note = ""

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def pin_len(self) -> int | None:
        """Length that triggers an automatic check: the one given, else the stored PIN's."""
        return self._pin_length or self._lock.pin_length

    def update(
        self, detections: Sequence[Detection], lines: Sequence[str], now: float
    ) -> list[Event]:
        """Feed one frame's detections and rows; input is ignored while locked out or disabled."""
        self._now = now
        if self._lock.blocked(self._wall_clock()) in (Verdict.LOCKED_OUT, Verdict.DISABLED):
            self._hold.clear()
            return []
        if self._mode == "row":
            row = self._hold.feed(self._row_candidate(lines), now)
            return self._accept_row(row, now) if row else []
        char = self._hold.feed(self._char_candidate(detections), now)
        return self._accept_char(char, now) if char else []

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

    def toggle_mode(self) -> str:
        """Switch sequential <-> row; the candidate being held is dropped, the buffer kept."""
        self._mode = "row" if self._mode == "sequential" else "sequential"
        self._hold.clear()
        return self._mode

    @property
    def view(self) -> LockerView:
        wall = self._wall_clock()
        state = self._state(wall)
        return LockerView(
            mode=self._mode,
            buffer_len=len(self._buffer),
            pin_len=self.pin_len,
            candidate_progress=self._hold.progress(self._now),
            state=state,
            lockout_remaining=self._lock.lockout_remaining(wall),
            message=self._view_message(state, wall),
        )

    def __repr__(self) -> str:
        return (
            f"Locker(mode={self._mode!r}, buffer_len={len(self._buffer)}, pin_len={self.pin_len})"
        )

    # -- helpers --

    def _char_candidate(self, detections: Sequence[Detection]) -> str | None:
        """The largest character, if it is confidently read; a large "?" hides smaller ones because
        the card being held up is the largest thing in view."""
        best = held_card(detections)
        if best is None or best.char not in config.CLASSES or best.confidence < self._min_confidence:
            return None
        return best.char

    def _row_candidate(self, lines: Sequence[str]) -> str | None:
        """The longest fully read row of a possible PIN length (spaces between groups ignored)."""
        rows = ["".join(line.split()) for line in lines]
        ok = [
            r for r in rows if r and all(c in config.CLASSES for c in r) and self._length_ok(len(r))
        ]
        return max(ok, key=len) if ok else None

    def _length_ok(self, n: int) -> bool:
        if self.pin_len is not None:
            return n == self.pin_len
        return config.PIN_MIN_LENGTH <= n <= config.PIN_MAX_LENGTH

    def _accept_char(self, char: str, now: float) -> list[Event]:
        if len(self._buffer) >= (self.pin_len or config.PIN_MAX_LENGTH):
            return []  # only reachable without a PIN length: the buffer is capped
        self._buffer.append(char)
        events = [self._event("accepted", f"accepted character ({self._count()}): {self._mask()}")]
        if self.pin_len is not None and len(self._buffer) >= self.pin_len:
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
            text = f"wrong PIN; {left} more before a lockout" if left > 0 else "wrong PIN"
            events.append(self._show(verdict, now, text))
        after = self._lock.blocked(wall)
        if after is Verdict.LOCKED_OUT:
            secs = self._lock.lockout_remaining(wall)
            text = f"locked out for {secs:.0f} s after {self._lock.failures} wrong PINs"
            events.append(self._event("locked_out", text))
        elif after is Verdict.DISABLED:
            text = (
                f"disabled after {self._lock.failures} wrong PINs; "
                f"set a new PIN with `{config.SET_PIN_COMMAND}`"
            )
            events.append(self._event("disabled", text))
        return events

    def _state(self, wall: float) -> str:
        blocked = self._lock.blocked(wall)
        if blocked in (Verdict.LOCKED_OUT, Verdict.DISABLED):
            return str(blocked)
        if self._result is not None and self._now < self._result_until:
            return str(self._result)
        return "no_pin" if blocked is Verdict.NO_PIN else "locked"

    def _view_message(self, state: str, wall: float) -> str:
        if state == "locked_out":
            return f"locked out: try again in {math.ceil(self._lock.lockout_remaining(wall))} s"
        if state == "disabled":
            return f"disabled after too many wrong PINs: run `{config.SET_PIN_COMMAND}`"
        if self._result is not None and self._now < self._result_until:
            return self._note
        if state == "no_pin":
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
        return f"{n}/{self.pin_len}" if self.pin_len is not None else str(n)

    def _mask(self) -> str:
        return "*" * len(self._buffer)
