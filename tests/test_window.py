"""The real window under a virtual X server: key presses sent with xdotool reach the app.

Needs the ``Xvfb`` and ``xdotool`` programs (Debian/Ubuntu packages ``xvfb`` and ``xdotool``);
skipped with that reason where they are missing. Runs the app as a subprocess on the demo source
with the shipped model, so it also checks that the window opens at all with this OpenCV build.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vision import config

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "recognize_live.py"
START_TIMEOUT_S = 60.0  # model load and first frame on a slow CI machine
KEY_PAUSE_S = 0.4  # the demo shows a frame every 33 ms; leave the app time to see each key
TEACH_WATCH_S = 6.0  # long enough for the demo to hold a card still for the teach mode
# The app's own stderr lines (notes, errors, its logging); Qt's font warnings are none of them.
APP_LINE = re.compile(r"(note|demo|error|warning|no PIN set)[: ]|(DEBUG|INFO|WARNING|ERROR|CRITICAL) [^:]")


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb display, ":N"; stopped after the test."""
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install xvfb xdotool)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 10.0)
        number = os.read(read_fd, 16).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xvfb did not report a display number")
        yield f":{number}"
    finally:
        os.close(read_fd)
        server.terminate()
        server.wait(10)


def _xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["xdotool", *args], check=False, env=env, capture_output=True, text=True, timeout=20)
    return done.stdout.strip()


def _wait_for_window(app: subprocess.Popen, env: dict[str, str]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and app.poll() is None:
        found = _xdotool(env, "search", "--name", "^Digit Locker$")
        if found:
            return found.splitlines()[0]
        time.sleep(0.2)
    err = app.communicate(timeout=10)[1] if app.poll() is not None else ""
    pytest.fail(f"no window appeared (exit {app.poll()}): {err.strip()[-500:]}")


def _launch(display: str, cwd: Path, *args: str) -> tuple[subprocess.Popen, dict[str, str], str]:
    """The app on the demo source in a window on ``display``; returns it, its env and its focused window."""
    env = os.environ | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_LOGGING_RULES", None)  # the app's own default must keep Qt quiet
    app = subprocess.Popen(
        [sys.executable, str(APP), "--source", "demo", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        window = _wait_for_window(app, env)
        _xdotool(env, "windowfocus", "--sync", window)
    except BaseException:
        app.kill()
        app.communicate()
        raise
    return app, env, window


@pytest.mark.parametrize("quit_key", ["q", "Escape"])
def test_keys_reach_the_window_and_quit_exits_zero(quit_key: str, display: str, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    app, env, _ = _launch(display, tmp_path, "--snapshots", str(snaps))
    try:
        for key in ("h", "d", "m", "p", "r", "s", "BackSpace", "Return", "Up", quit_key):
            _xdotool(env, "key", key)
            time.sleep(KEY_PAUSE_S)
        out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err
    for message in ("entry mode: row", "polarity: dark", "PIN entry cleared", "snapshot saved"):
        assert message in out, out
    assert out.count("PIN entry cleared") == 1  # r did, the Up arrow (keysym 0xFF52) did not
    assert config.DEMO_PIN not in out + err
    assert [line for line in err.splitlines() if not APP_LINE.match(line)] == [], err  # no QFontDatabase lines
    shots = list(snaps.glob("snapshot-*.png"))
    assert shots and stat.S_IMODE(snaps.stat().st_mode) == config.SNAPSHOT_DIR_MODE
    assert {stat.S_IMODE(p.stat().st_mode) for p in shots} == {config.SNAPSHOT_FILE_MODE}


def test_teaching_in_the_window_stores_the_held_cards_and_esc_leaves_it(display: str, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    app, env, _ = _launch(display, tmp_path, "--samples", str(samples), "--no-personal")
    try:
        _xdotool(env, "key", "c")
        time.sleep(TEACH_WATCH_S)  # the demo holds up cards: some are still long enough to be taken
        _xdotool(env, "key", "Escape")  # leaves teaching, does not quit
        time.sleep(KEY_PAUSE_S)
        still_running = app.poll() is None
        _xdotool(env, "key", "q")
        out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err
    assert still_running, "Esc quit the app instead of leaving teaching"
    assert "teaching: 33 characters" in out and "teaching ended" in out, out
    saved = sorted(samples.glob("*/*.png"))
    assert saved and out.count("sample saved:") == len(saved), out
    assert {p.parent.name for p in saved} <= set(config.CLASSES)
    assert stat.S_IMODE(samples.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in saved} == {0o600}
    assert (samples / "samples.json").is_file()
    assert "accepted" not in out  # nothing was typed into the PIN while teaching
