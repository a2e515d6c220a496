"""The lock store: a PIN's salted scrypt hash and its throttling state, in a JSON file under an OS lock.

Throttling of consecutive wrong PINs (kept in the lock file, so restarting is no way around it):
failures 1-2 cost nothing; the 3rd locks out for 30 s; each further one doubles the lockout (60,
120, ... 1920 s at the 9th), one attempt being allowed after each lockout ends; the 10th disables
the lock until a new PIN is set with ``python recognize_live.py --set-pin``. A right PIN resets
the count. The lockout is stored as wall-clock epoch seconds because it must survive a restart;
every method whose answer depends on time takes ``now``, so tests drive time without sleeping.

Several processes may share one file (two windows, a headless run, the web page, ``--set-pin``).
Every check re-reads the file and writes it back under an exclusive ``flock`` on a sibling
``<file>.lock`` (the file itself is replaced by rename at each write, so a lock on it would guard
an inode nobody opens any more). The failure is written *before* the hash is compared: a crash,
a kill or a full disk can only cost the right PIN a count, never give a guess for free. So N
processes together get the same attempts as one, a PIN set elsewhere counts at the next check,
and no process clears another's lockout.

The file is trusted only as far as it is checked: every number is bounded at load (the scrypt
cost too, so a hostile file cannot demand gigabytes or a minute per check), only a regular file
is opened (a FIFO would block forever), and a symlink is followed and written through, so the
link survives. Anyone who can write the file or its folder controls the lock: see the README.

The PIN is never logged, printed or put in a repr; only its scrypt hash is kept.
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
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from vision import config

try:
    import fcntl
except ImportError:  # Windows: no flock; checks still re-read the file, but two at one instant can race
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_KEYS = frozenset({"version", "kdf", "salt", "hash", "pin_length", "failures", "lockout_until", "disabled"})
_KDF_KEYS = frozenset({"name", "n", "r", "p", "dklen"})
_B64_MAX_CHARS = 4 * math.ceil(max(config.PIN_SALT_MAX_BYTES, config.SCRYPT_DKLEN_MAX) / 3)


class WeakPinError(ValueError):
    """The PIN is malformed or too easy to guess; the one-line message never holds the PIN."""


class LockConfigError(RuntimeError):
    """The lock file cannot be read, parsed, locked or written. It is never overwritten to 'repair' it."""


class Verdict(StrEnum):
    """Outcome of ``Lock.check``; the last three are refusals that never look at the PIN."""

    GRANTED = "granted"
    DENIED = "denied"
    LOCKED_OUT = "locked_out"
    DISABLED = "disabled"
    NO_PIN = "no_pin"


# --- PIN rules and hashing -------------------------------------------------------------------


def normalize_pin(pin: str) -> str:
    """``pin`` as stored and compared: a typed lower-case ``k`` is the recognizer's ``K``."""
    return pin.replace("k", "K")


def validate_pin(pin: str) -> str:
    """Return ``pin`` normalised (``k`` -> ``K``) or raise WeakPinError.

    Length and alphabet are what the recognizer can type; a repeated character and a straight run
    are refused because they are the first guesses anyone tries.
    """
    if not isinstance(pin, str):
        raise WeakPinError("PIN must be text")
    pin = normalize_pin(pin)
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
    LOCKOUT_BASE_S doubling with each further failure (30, 60, 120, ...).

    The count is clamped at DISABLE_AFTER_FAILURES (the lock is disabled there anyway), so the
    doubling can never overflow, whatever a caller passes.
    """
    if failures < config.LOCKOUT_AFTER_FAILURES:
        return 0.0
    steps = min(failures, config.DISABLE_AFTER_FAILURES) - config.LOCKOUT_AFTER_FAILURES
    return config.LOCKOUT_BASE_S * 2.0**steps


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/digit-locker/lock.json``, else ``~/.config/digit-locker/lock.json``.

    A relative XDG_CONFIG_HOME is ignored, as the XDG spec says, so the file never depends on the
    working directory.
    """
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / config.LOCK_DIR_NAME / config.LOCK_FILE_NAME


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost of one check. Bounded on construction, so a file's own parameters can never
    demand more than SCRYPT_MAX_MEMORY_BYTES or SCRYPT_MAX_WORK (ValueError instead)."""

    n: int = config.SCRYPT_N
    r: int = config.SCRYPT_R
    p: int = config.SCRYPT_P
    dklen: int = config.SCRYPT_DKLEN

    def __post_init__(self) -> None:
        n, r, p = self.n, self.r, self.p
        if not (config.SCRYPT_N_MIN <= n <= config.SCRYPT_N_MAX and n & (n - 1) == 0):
            raise ValueError(f"scrypt n must be a power of two from {config.SCRYPT_N_MIN} to {config.SCRYPT_N_MAX}")
        if not (1 <= r <= config.SCRYPT_R_MAX and 1 <= p <= config.SCRYPT_P_MAX):
            raise ValueError(f"scrypt r must be 1-{config.SCRYPT_R_MAX} and p 1-{config.SCRYPT_P_MAX}")
        if 128 * n * r > config.SCRYPT_MAX_MEMORY_BYTES or self.work > config.SCRYPT_MAX_WORK:
            raise ValueError(f"scrypt cost too high (n={n}, r={r}, p={p}): a check would take too long")
        if not config.SCRYPT_DKLEN_MIN <= self.dklen <= config.SCRYPT_DKLEN_MAX:
            raise ValueError(f"scrypt hash length must be {config.SCRYPT_DKLEN_MIN}-{config.SCRYPT_DKLEN_MAX}")

    @property
    def memory_bytes(self) -> int:
        """What one derivation allocates (OpenSSL's own estimate, which ``maxmem`` is checked against)."""
        return 128 * self.r * (self.n + self.p + 2)

    @property
    def work(self) -> int:
        """n * r * p: time per check grows with it."""
        return self.n * self.r * self.p

    def derive(self, pin: str, salt: bytes) -> bytes:
        return hashlib.scrypt(
            pin.encode("utf-8"),
            salt=salt,
            n=self.n,
            r=self.r,
            p=self.p,
            dklen=self.dklen,
            maxmem=self.memory_bytes + 2**20,
        )

    def to_json(self) -> dict[str, Any]:
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "dklen": self.dklen}

    @classmethod
    def from_json(cls, kdf: Any) -> ScryptParams:
        if not isinstance(kdf, dict) or set(kdf) != _KDF_KEYS:
            raise ValueError(f"field 'kdf' must hold exactly {sorted(_KDF_KEYS)}")
        if kdf["name"] != "scrypt":
            raise ValueError("unknown key derivation function")
        return cls(*(_get(kdf, k, int) for k in ("n", "r", "p", "dklen")))


# --- Lock file state -------------------------------------------------------------------------


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """``data[key]`` checked against ``kind``; bool is refused where a number is expected."""
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"field {key!r} has the wrong type")
    return value


def _in_range(data: dict[str, Any], key: str, kind: type | tuple[type, ...], lo: float, hi: float) -> Any:
    """A number within [lo, hi], compared before any float conversion (10**400 must not overflow)."""
    value = _get(data, key, kind)
    if not lo <= value <= hi:  # also false for NaN
        raise ValueError(f"field {key!r} out of range ({lo:g} to {hi:g})")
    return value


def _b64(data: dict[str, Any], key: str, lo: int, hi: int) -> bytes:
    text = _get(data, key, str)
    if len(text) > _B64_MAX_CHARS:
        raise ValueError(f"field {key!r} is too long")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if not lo <= len(raw) <= hi:
        raise ValueError(f"field {key!r} has the wrong length")
    return raw


@dataclass(frozen=True)
class _LockState:
    """What the lock file holds. Salt and hash stay out of repr: they are not the PIN, but they are
    all an offline brute force needs."""

    kdf: ScryptParams = field(default_factory=ScryptParams)
    salt: bytes | None = field(default=None, repr=False)
    digest: bytes | None = field(default=None, repr=False)
    pin_length: int | None = None
    failures: int = 0
    lockout_until: float = 0.0
    disabled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "version": config.LOCK_FILE_VERSION,
            "kdf": self.kdf.to_json(),
            "salt": base64.b64encode(self.salt or b"").decode("ascii"),
            "hash": base64.b64encode(self.digest or b"").decode("ascii"),
            "pin_length": self.pin_length,
            "failures": self.failures,
            "lockout_until": self.lockout_until,
            "disabled": self.disabled,
        }

    @classmethod
    def from_json(cls, data: Any) -> _LockState:
        """Parse and bound every field; any surprise raises ValueError, KeyError or TypeError."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if set(data) != _FILE_KEYS:
            extra, missing = sorted(set(data) - _FILE_KEYS), sorted(_FILE_KEYS - set(data))
            raise ValueError(f"unexpected fields {extra}" if extra else f"missing fields {missing}")
        if _get(data, "version", int) != config.LOCK_FILE_VERSION:
            raise ValueError("unknown lock file version")
        kdf = ScryptParams.from_json(data["kdf"])
        salt = _b64(data, "salt", config.PIN_SALT_MIN_BYTES, config.PIN_SALT_MAX_BYTES)
        digest = _b64(data, "hash", kdf.dklen, kdf.dklen)
        pin_length = _in_range(data, "pin_length", int, config.PIN_MIN_LENGTH, config.PIN_MAX_LENGTH)
        failures = _in_range(data, "failures", int, 0, config.DISABLE_AFTER_FAILURES)
        until = float(_in_range(data, "lockout_until", (int, float), 0, config.LOCK_MAX_EPOCH_S))
        disabled = _get(data, "disabled", bool)
        return cls(kdf, salt, digest, pin_length, failures, until, disabled)


# --- The file on disk ------------------------------------------------------------------------

_Identity = tuple[int, int, int, int, int]
_RECOVER = f"to start over, delete it and run `{config.SET_PIN_COMMAND}`"  # said by every "corrupt"


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0]


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _identity(st: os.stat_result) -> _Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _stat_regular(real: Path, shown: Path) -> os.stat_result | None:
    """stat of the (resolved) lock file, None when missing; LockConfigError unless a regular file.

    stat never opens, so a FIFO or a device is refused without blocking on it.
    """
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockConfigError(f"cannot read lock file {shown}: {_one_line(exc)}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise LockConfigError(
            f"lock file {shown} is {_kind(st.st_mode)}, not a regular file; give a file with --config"
        )
    return st


def _read_bytes(real: Path, shown: Path) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes (at most LOCK_FILE_MAX_BYTES) and its stat, or None when it is missing."""
    if _stat_regular(real, shown) is None:
        return None
    try:
        fd = os.open(real, os.O_RDONLY | _OPEN_FLAGS)  # O_NONBLOCK: a FIFO swapped in since stat
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockConfigError(f"cannot read lock file {shown}: {_one_line(exc)}") from exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LockConfigError(f"lock file {shown} is {_kind(st.st_mode)}, not a regular file")
        raw = fh.read(config.LOCK_FILE_MAX_BYTES + 1)
    if len(raw) > config.LOCK_FILE_MAX_BYTES:
        raise LockConfigError(
            f"lock file {shown} is corrupt: larger than {config.LOCK_FILE_MAX_BYTES} bytes; {_RECOVER}"
        )
    return raw, st


def _parse(raw: bytes, shown: Path) -> _LockState:
    try:
        return _LockState.from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise LockConfigError(f"lock file {shown} is corrupt ({_one_line(exc)}); {_RECOVER}") from exc


def _write_atomic(real: Path, data: dict[str, Any]) -> os.stat_result:
    """Write ``data`` as JSON so that a crash or a full disk mid-write leaves the old file whole:
    a sibling temp file (mkstemp makes it 0600), fsync, then ``os.replace``. Returns the new stat."""
    real.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return os.stat(real)


@contextlib.contextmanager
def _exclusive(real: Path, shown: Path, wait_s: float) -> Iterator[None]:
    """Hold an exclusive flock on ``<file>.lock`` beside the resolved file; wait at most ``wait_s``."""
    lock_path = real.with_name(real.name + config.LOCK_SUFFIX)
    try:
        real.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o600)
    except OSError as exc:
        raise LockConfigError(f"cannot lock {shown}: {lock_path}: {_one_line(exc)}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LockConfigError(f"cannot lock {shown}: {lock_path} is not a regular file")
        _acquire(fd, shown, wait_s)
        yield
    finally:
        os.close(fd)  # releases the flock


def _acquire(fd: int, shown: Path, wait_s: float) -> None:
    if fcntl is None:
        log.debug("no flock on this platform: %s is not locked across processes", shown)
        return
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockConfigError(f"lock file {shown} is busy: another process held it for {wait_s:g} s") from None
            time.sleep(config.LOCK_POLL_S)
        except OSError as exc:
            raise LockConfigError(f"cannot lock {shown}: {_one_line(exc)}") from exc


# --- Lock ------------------------------------------------------------------------------------


class Lock:
    """A PIN's scrypt hash and its throttling state, persisted to a JSON file when given a path.

    ``kdf`` is the cost new hashes get (set_pin, and the re-hash of an older, cheaper file after a
    right PIN); a file is always checked with the parameters stored in it. Tests pass a cheap one.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        kdf: ScryptParams | None = None,
        wait_s: float = config.LOCK_WAIT_S,
    ) -> None:
        """An empty lock (no PIN). Use ``load`` to read an existing file."""
        self._path = Path(path) if path is not None else None
        self._kdf = kdf or ScryptParams()
        self._wait_s = wait_s
        self._state = _LockState(self._kdf)
        self._seen: _Identity | None = None  # the file version self._state was read from
        self._warned: set[_Identity] = set()

    @classmethod
    def load(cls, path: str | os.PathLike[str], kdf: ScryptParams | None = None) -> Lock:
        """Read the lock file; a missing one gives a lock with no PIN (nothing is written yet).

        An unreadable or corrupt file raises LockConfigError and is left as it is: silently starting
        over would let anyone delete the throttling state by damaging the file.
        """
        lock = cls(path, kdf)
        lock._reload()
        return lock

    @classmethod
    def in_memory(cls, pin: str, kdf: ScryptParams | None = None) -> Lock:
        """A lock with ``pin`` set and no file, for the demo; throttling works the same but is
        forgotten on exit."""
        lock = cls(None, kdf)
        lock.set_pin(pin)
        return lock

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def kdf(self) -> ScryptParams:
        """The cost of the stored hash (what a check costs now)."""
        return self._state.kdf

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

    def refresh(self) -> None:
        """Re-read the file if it changed on disk (another process checked or set a PIN).

        One stat when nothing changed, so a front end may call it every frame; ``check`` does not
        rely on it and always re-reads under the OS lock.
        """
        if self._path is None:
            return
        real = self._real()
        st = _stat_regular(real, self._path)
        if (None if st is None else _identity(st)) != self._seen:
            self._reload()

    def set_pin(self, pin: str) -> None:
        """Validate and hash ``pin``, clear failures, lockout and disabled, then save.

        No old PIN is asked for: whoever can run this can write the file anyway (see the README).
        The new state is adopted only once saved, so a failed write keeps the old PIN working.
        """
        pin = validate_pin(pin)
        salt = secrets.token_bytes(config.PIN_SALT_BYTES)
        new = _LockState(self._kdf, salt, self._kdf.derive(pin, salt), len(pin))
        if self._path is None:
            self._state = new
        else:
            real = self._real()
            _stat_regular(real, self._path)  # a FIFO or folder is refused, not replaced
            with _exclusive(real, self._path, self._wait_s):
                self._write(real, new)
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

        The file is re-read and written back under the OS lock, so the answer reflects every
        other process's checks and PIN changes. While locked out, disabled or without a PIN the
        hash is not even computed.
        """
        if self._path is None:
            return self._check_state(pin, now, None)
        self.refresh()
        if not self.has_pin:
            return Verdict.NO_PIN  # nothing to lock or write; a PIN set just now counts next time
        real = self._real()
        with _exclusive(real, self._path, self._wait_s):
            self._reload()
            return self._check_state(pin, now, real)

    # -- helpers --

    def _real(self) -> Path:
        """The file a symlink points to: written through, so the link survives."""
        assert self._path is not None
        return Path(os.path.realpath(self._path))

    def _reload(self) -> None:
        assert self._path is not None
        got = _read_bytes(self._real(), self._path)
        if got is None:
            self._state, self._seen = _LockState(self._kdf), None
            return
        raw, st = got
        self._state, self._seen = _parse(raw, self._path), _identity(st)
        self._warn_if_writable(st)

    def _warn_if_writable(self, st: os.stat_result) -> None:
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and _identity(st) not in self._warned:
            self._warned.add(_identity(st))
            log.warning(
                "lock file %s is writable by others (mode %04o): whoever can write it controls the lock; "
                "run chmod 600 on it",
                self._path,
                stat.S_IMODE(st.st_mode),
            )

    def _write(self, real: Path | None, state: _LockState) -> None:
        """Save ``state`` (nothing to save without a file), then adopt it."""
        if real is not None:
            assert self._path is not None
            try:
                self._seen = _identity(_write_atomic(real, state.to_json()))
            except OSError as exc:
                raise LockConfigError(f"cannot write lock file {self._path}: {_one_line(exc)}") from exc
        self._state = state

    def _check_state(self, pin: str, now: float, real: Path | None) -> Verdict:
        """The check proper, on freshly read state. The failure is saved before hashing: killing
        the process mid-check, or a disk that refuses writes, never gives a free guess."""
        refused = self.blocked(now)
        if refused is not None:
            return refused
        before = self._state
        assert before.salt is not None and before.digest is not None
        failures = before.failures + 1
        self._state = dataclasses.replace(  # counted in memory too, should the save below fail
            before,
            failures=failures,
            lockout_until=now + lockout_duration(failures),
            disabled=failures >= config.DISABLE_AFTER_FAILURES,
        )
        self._write(real, self._state)
        pin = normalize_pin(str(pin))
        if hmac.compare_digest(before.kdf.derive(pin, before.salt), before.digest):
            self._write(real, self._after_success(before, pin))
            log.info("PIN accepted")
            return Verdict.GRANTED
        self._log_failure(failures)
        return Verdict.DENIED

    def _after_success(self, before: _LockState, pin: str) -> _LockState:
        """Counts cleared; a hash cheaper than today's cost is redone at it while the PIN is here."""
        state = dataclasses.replace(before, failures=0, lockout_until=0.0, disabled=False)
        if before.kdf.work >= self._kdf.work:
            return state
        salt = secrets.token_bytes(config.PIN_SALT_BYTES)
        log.info("PIN re-hashed at the current scrypt cost (n=%d, r=%d, p=%d)", self._kdf.n, self._kdf.r, self._kdf.p)
        return dataclasses.replace(state, kdf=self._kdf, salt=salt, digest=self._kdf.derive(pin, salt))

    @staticmethod
    def _log_failure(failures: int) -> None:
        """Front ends report the events; the log says it once more, for --verbose and service logs."""
        if failures >= config.DISABLE_AFTER_FAILURES:
            log.warning("wrong PIN: %d in a row, lock disabled until a new PIN is set", failures)
        elif lockout_duration(failures) > 0:
            log.info("wrong PIN: %d in a row, locked out for %.0f s", failures, lockout_duration(failures))
        else:
            log.info(
                "wrong PIN: %d in a row, %d more before a lockout", failures, config.LOCKOUT_AFTER_FAILURES - failures
            )

    def __repr__(self) -> str:
        return f"Lock(path={self._path}, has_pin={self.has_pin}, failures={self.failures}, disabled={self.disabled})"
