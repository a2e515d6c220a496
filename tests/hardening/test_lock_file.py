"""Hardening of the lock file loader (issue 10, items 2 and 3): every number bounded at load, only
regular files opened, symlinks written through, loose permissions warned about, and each refusal
one line that says how to recover, mapped by the CLI to exit 2.

Real files throughout; locks hash with the cheap FAST cost, passed explicitly.
"""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import recognize_live
from vision import config
from vision.lockstore import Lock, LockConfigError, ScryptParams, Verdict, lockout_duration

ROOT = Path(__file__).resolve().parents[2]
FAST = ScryptParams(n=2**10, r=1, p=1)
PIN, WRONG = "7K39", "7K93"
T0 = 1_700_000_000.0


def make_file(path: Path) -> dict:
    """A valid lock file at ``path``; returns its JSON."""
    Lock(path, kdf=FAST).set_pin(PIN)
    return json.loads(path.read_text())


def refused(path: Path) -> str:
    """The one-line LockConfigError that loading ``path`` gives."""
    with pytest.raises(LockConfigError) as info:
        Lock.load(path, kdf=FAST)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# --- item 2: every number bounded at load --------------------------------------------------

KDF = {"name": "scrypt", "n": 2**10, "r": 1, "p": 1, "dklen": 32}
OUT_OF_RANGE = [
    ("failures", 9999),
    ("failures", config.DISABLE_AFTER_FAILURES + 1),
    ("failures", 10**400),
    ("lockout_until", 10**400),
    ("lockout_until", 1e308),
    ("lockout_until", -1),
    ("lockout_until", config.LOCK_MAX_EPOCH_S + 1),
    ("pin_length", 9),
    ("pin_length", True),
    ("version", True),
    ("kdf", KDF | {"n": 2**20, "r": 16}),  # 2 GiB: used to fail only at the first check
    ("kdf", KDF | {"n": 2**20, "p": 16}),  # about a minute per check
    ("kdf", KDF | {"n": 2**18, "r": 8, "p": 2}),  # within each bound, over the total work
    ("kdf", KDF | {"n": 2**30}),
    ("kdf", KDF | {"n": 1000}),  # not a power of two
    ("kdf", KDF | {"n": 2}),  # below SCRYPT_N_MIN
    ("kdf", KDF | {"r": 0}),
    ("kdf", KDF | {"p": 10**400}),
    ("kdf", KDF | {"dklen": 10**6}),
    ("kdf", KDF | {"maxmem": 2**40}),  # unknown parameter
    ("kdf", KDF | {"name": "argon2"}),
    ("kdf", {k: v for k, v in KDF.items() if k != "r"}),
    ("salt", "AAAA"),  # 3 bytes
    ("salt", "A" * 10**5),
    ("hash", "AAAA"),
    ("extra", 1),  # unknown field
]


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE)
def test_out_of_range_number_is_refused_at_load(tmp_path: Path, field: str, value: object) -> None:
    path = tmp_path / "lock.json"
    data = make_file(path)
    path.write_text(json.dumps(data | {field: value}))
    before = path.read_bytes()
    assert "corrupt" in refused(path)
    assert path.read_bytes() == before  # never 'repaired'


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_lockout_is_refused(tmp_path: Path, literal: str) -> None:
    path = tmp_path / "lock.json"
    data = make_file(path)
    path.write_text(
        json.dumps(data | {"lockout_until": 0}).replace('"lockout_until": 0', f'"lockout_until": {literal}')
    )
    assert "lockout_until" in refused(path)


def test_the_largest_allowed_values_load_and_never_overflow(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    data = make_file(path)
    top = data | {"failures": config.DISABLE_AFTER_FAILURES, "lockout_until": config.LOCK_MAX_EPOCH_S}
    path.write_text(json.dumps(top))
    lock = Lock.load(path, kdf=FAST)
    assert lock.lockout_remaining(0.0) == lockout_duration(config.DISABLE_AFTER_FAILURES)
    assert lock.check(PIN, T0) is Verdict.LOCKED_OUT
    assert lockout_duration(10**400) == lockout_duration(config.DISABLE_AFTER_FAILURES)  # no OverflowError


def test_the_cost_cap_admits_four_times_the_default() -> None:
    assert ScryptParams(n=2**18, r=8, p=1).work == config.SCRYPT_MAX_WORK
    with pytest.raises(ValueError, match="cost too high"):
        ScryptParams(n=2**18, r=8, p=2)


def test_json_nested_100000_deep_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert "larger than" in refused(path)


def test_json_nested_deeper_than_python_recursion_within_the_size_limit(tmp_path: Path) -> None:
    """Python's default limit (1000) is what a user's run has; a test run may have raised it (the
    libraries some other tests import do), so the default is set here for the test's length."""
    depth = (config.LOCK_FILE_MAX_BYTES - 20) // 2
    path = tmp_path / "lock.json"
    path.write_text('{"kdf": ' + "[" * depth + "]" * depth + "}")
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        assert depth > sys.getrecursionlimit()
        assert "nested too deeply" in refused(path)
    finally:
        sys.setrecursionlimit(before)


def test_corrupt_file_says_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    path.write_text("{not json")
    message = refused(path)
    assert str(path) in message and "delete it" in message and config.SET_PIN_COMMAND in message


def _set_pin_cli(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("2580\n2580\n"))
    code = recognize_live.main(["--set-pin", "--config", str(path)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE[:6] + OUT_OF_RANGE[10:12])
def test_cli_maps_an_out_of_range_file_to_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], field: str, value: object
) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(make_file(path) | {field: value}))
    code, err = _set_pin_cli(path, monkeypatch, capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: lock file") and "Traceback" not in err


def test_live_mode_maps_an_overflowing_failure_count_to_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(make_file(path) | {"failures": 9999}))
    code = recognize_live.main(["--source", "demo", "--headless", "--config", str(path), "--max-frames", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "corrupt" in err


# --- item 3: only regular files, symlinks written through, loose modes warned about ---------


def _load_in_thread(path: Path) -> BaseException | None:
    """Load in a thread so a regression that blocks on open() fails the test instead of hanging it."""
    box: list[BaseException | None] = [None]

    def run() -> None:
        try:
            Lock.load(path, kdf=FAST)
        except BaseException as exc:  # handed to the test thread
            box[0] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), f"loading {path} blocked"
    return box[0]


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "lock.json"
    os.mkfifo(fifo)
    exc = _load_in_thread(fifo)
    assert isinstance(exc, LockConfigError) and "a FIFO" in str(exc)
    with pytest.raises(LockConfigError, match="FIFO"):
        Lock(fifo, kdf=FAST).set_pin(PIN)  # not replaced by a regular file either
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_cli_refuses_a_fifo_with_exit_2_and_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "lock.json"
    os.mkfifo(fifo)
    cmd = [sys.executable, str(ROOT / "recognize_live.py"), "--set-pin", "--config", str(fifo)]
    done = subprocess.run(cmd, input="2580\n2580\n", capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: lock file {fifo} is a FIFO, not a regular file; give a file with --config"
    ]


@pytest.mark.parametrize(("make", "kind"), [("folder", "a folder"), ("device", "a character device")])
def test_folder_and_device_are_refused(tmp_path: Path, make: str, kind: str) -> None:
    if make == "folder":
        path = tmp_path / "lock.json"
        path.mkdir()
    else:
        path = Path(os.devnull)
    assert kind in refused(path)


def test_symlink_is_followed_and_written_through(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "lock.json"
    target.parent.mkdir()
    make_file(target)
    link = tmp_path / "cfg" / "lock.json"
    link.parent.mkdir()
    link.symlink_to(target)
    lock = Lock.load(link, kdf=FAST)
    assert lock.check(WRONG, T0) is Verdict.DENIED
    lock.set_pin("2580")
    assert link.is_symlink() and link.resolve() == target  # the link survives every write
    assert Lock.load(target, kdf=FAST).check("2580", T0) is Verdict.GRANTED
    assert (target.parent / ("lock.json" + config.LOCK_SUFFIX)).exists()  # one OS lock per real file
    assert not (link.parent / ("lock.json" + config.LOCK_SUFFIX)).exists()


def test_dangling_symlink_is_no_pin_and_set_pin_creates_the_target(tmp_path: Path) -> None:
    link, target = tmp_path / "lock.json", tmp_path / "real" / "lock.json"
    link.symlink_to(target)
    lock = Lock.load(link, kdf=FAST)
    assert not lock.has_pin
    lock.set_pin(PIN)
    assert link.is_symlink() and target.is_file()


def test_symlink_loop_is_one_line(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    assert "cannot read lock file" in refused(a)


def test_world_writable_file_is_warned_about_once_and_made_private_by_the_next_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lock.json"
    make_file(path)
    path.chmod(0o666)
    caplog.set_level(logging.WARNING, logger="vision.lockstore")
    lock = Lock.load(path, kdf=FAST)
    lock.refresh()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "writable by others (mode 0666)" in warnings[0] and "chmod 600" in warnings[0]
    assert lock.check(WRONG, T0) is Verdict.DENIED
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli_shows_the_permission_warning(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    make_file(path)
    path.chmod(0o664)
    cmd = [sys.executable, str(ROOT / "recognize_live.py"), "--set-pin", "--config", str(path)]
    done = subprocess.run(cmd, input="2580\n2580\n", capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"WARNING lock file {path} is writable by others (mode 0664)")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_new_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "lock.json"
    Lock(path, kdf=FAST).set_pin(PIN)
    lock_sibling = path.with_name(path.name + config.LOCK_SUFFIX)
    for p in (path, lock_sibling):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
