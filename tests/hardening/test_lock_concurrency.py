"""The lock under concurrency (issue 10, item 1), with real processes on a real file.

Each process loads the file before the others act, as a long-running app does, so state kept in
memory would show: extra guesses, an undone PIN change, a lockout cleared by another process.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vision import config, lockstore
from vision.entry import PinEntry
from vision.lockstore import Lock, LockConfigError, ScryptParams, Verdict

ROOT = Path(__file__).resolve().parents[2]
CTX = multiprocessing.get_context("fork")  # children inherit the test's imports: quick to start
FAST = ScryptParams(n=2**10, r=1, p=1)
PIN, WRONG, NEW = "7K39", "7K93", "25K80"
T0 = 1_700_000_000.0


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "lock.json"
    Lock(p, kdf=FAST).set_pin(PIN)
    return p


def _guess(path: Path, barrier, guesses: int, results) -> None:
    lock = Lock.load(path, kdf=FAST)  # loaded before anyone guessed
    barrier.wait()
    results.put([str(lock.check(WRONG, T0)) for _ in range(guesses)])


def test_parallel_processes_get_no_more_attempts_than_one(path: Path) -> None:
    procs, guesses = 4, 4
    barrier, results = CTX.Barrier(procs), CTX.Queue()
    workers = [CTX.Process(target=_guess, args=(path, barrier, guesses, results)) for _ in range(procs)]
    for w in workers:
        w.start()
    verdicts = [v for _ in workers for v in results.get(timeout=60)]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert verdicts.count("denied") == config.LOCKOUT_AFTER_FAILURES  # not 3 per process
    assert verdicts.count("locked_out") == procs * guesses - config.LOCKOUT_AFTER_FAILURES
    lock = Lock.load(path, kdf=FAST)
    assert lock.failures == config.LOCKOUT_AFTER_FAILURES and lock.lockout_remaining(T0) == config.LOCKOUT_BASE_S


def _lock_out(path: Path) -> None:
    lock = Lock.load(path, kdf=FAST)
    for _ in range(config.LOCKOUT_AFTER_FAILURES):
        lock.check(WRONG, T0)


def test_one_process_never_clears_another_ones_lockout(path: Path) -> None:
    stale = Lock.load(path, kdf=FAST)  # still believes failures == 0
    other = CTX.Process(target=_lock_out, args=(path,))
    other.start()
    other.join(60)
    assert other.exitcode == 0
    assert stale.check(PIN, T0 + 1) is Verdict.LOCKED_OUT  # even the right PIN
    assert Lock.load(path, kdf=FAST).failures == config.LOCKOUT_AFTER_FAILURES


def _set_pin_cli(path: Path, pin: str) -> None:
    cmd = [sys.executable, str(ROOT / "recognize_live.py"), "--set-pin", "--config", str(path)]
    done = subprocess.run(cmd, input=f"{pin}\n{pin}\n", capture_output=True, text=True, timeout=60, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("a running app uses it at its next check")


def test_pin_set_with_the_cli_counts_in_a_running_app_at_its_next_check(path: Path) -> None:
    running = Lock.load(path, kdf=FAST)
    locker = PinEntry(running, wall_clock=lambda: T0)
    _set_pin_cli(path, NEW)
    assert locker.update([], [], 0.0) == []
    assert locker.pin_length == len(NEW)  # the entry screen knows the new length at once
    assert running.check(PIN, T0) is Verdict.DENIED  # the old PIN no longer opens...
    assert Lock.load(path).check(NEW, T0) is Verdict.GRANTED  # ...and its write kept the new hash
    assert running.check(NEW, T0) is Verdict.GRANTED


def test_a_disabled_app_hears_of_a_pin_set_elsewhere(path: Path) -> None:
    lock, now = Lock.load(path, kdf=FAST), T0
    for _ in range(config.DISABLE_AFTER_FAILURES):
        lock.check(WRONG, now)
        now += lock.lockout_remaining(now)
    locker = PinEntry(Lock.load(path, kdf=FAST), wall_clock=lambda: now)
    assert [e.kind for e in locker.update([], [], 0.0)] == ["disabled"]
    _set_pin_cli(path, NEW)
    events = locker.update([], [], 0.1)
    assert [(e.kind, e.message) for e in events] == [("ready", "a new PIN was set: enter it")]


def _hold_os_lock(path: Path, held, release) -> None:
    fd = os.open(path.with_name(path.name + config.LOCK_SUFFIX), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    held.set()
    release.wait(60)
    os.close(fd)


def test_a_check_waits_for_another_process_and_gives_up_in_one_line(path: Path) -> None:
    held, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold_os_lock, args=(path, held, release))
    holder.start()
    assert held.wait(60)
    impatient = Lock(path, kdf=FAST, wait_s=0.2)
    with pytest.raises(LockConfigError, match="busy") as info:
        impatient.check(WRONG, T0)
    assert "\n" not in str(info.value)
    assert Lock.load(path, kdf=FAST).failures == 0  # a check that could not lock counted nothing
    threading.Timer(0.2, release.set).start()  # the other process finishes its check meanwhile
    assert Lock(path, kdf=FAST, wait_s=30).check(WRONG, T0) is Verdict.DENIED
    holder.join(60)
    assert Lock.load(path, kdf=FAST).failures == 1


def _killed_while_hashing(path: Path) -> None:
    def die(*_: object) -> bytes:
        os._exit(3)

    ScryptParams.derive = die  # this child only
    Lock.load(path, kdf=FAST).check(PIN, T0)


def test_a_check_killed_while_hashing_has_already_counted(path: Path) -> None:
    child = CTX.Process(target=_killed_while_hashing, args=(path,))
    child.start()
    child.join(60)
    assert child.exitcode == 3
    assert Lock.load(path, kdf=FAST).failures == 1  # killing the process after a guess frees no attempt


def test_a_disk_that_refuses_writes_answers_no_guess(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = path.read_bytes()

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    def never(*_: object) -> bytes:
        raise AssertionError("hashed although the failure could not be saved")

    monkeypatch.setattr(lockstore.os, "replace", full)
    monkeypatch.setattr(ScryptParams, "derive", never)
    lock = Lock.load(path, kdf=FAST)
    with pytest.raises(LockConfigError, match="No space left"):
        lock.check(PIN, T0)
    assert path.read_bytes() == before
