"""The one-line promise on stderr: a headless run prints only the app's own lines there.

Runs the real CLI in a subprocess, so what C++ libraries (OpenCV, Qt, LiteRT) write straight to
file descriptor 2 is seen too. The window is checked the same way in tests/test_window.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from vision.synth.demo import demo_frames

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "recognize_live.py"
RUN_TIMEOUT_S = 120.0
# What the app itself writes to stderr: its notes and errors, and its logging ("LEVEL message").
APP_LINE = re.compile(r"(note|demo|error|warning|no PIN set)[: ]|(DEBUG|INFO|WARNING|ERROR|CRITICAL) [^:]")
FRAMES = "40"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_LOGGING_RULES")}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run(
        [sys.executable, str(APP), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip


def assert_only_app_lines(err: str) -> None:
    foreign = [line for line in err.splitlines() if not APP_LINE.match(line)]
    assert not foreign, f"stderr lines that are not the app's own: {foreign}"


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_headless_demo_writes_only_its_own_note(tmp_path: Path, extra: list[str]) -> None:
    done = _run(tmp_path, "--source", "demo", "--headless", "--max-frames", FRAMES, *extra)
    assert done.returncode == 0, done.stderr
    assert_only_app_lines(done.stderr)
    assert len(done.stderr.splitlines()) == 1, done.stderr  # the demo's "not your PIN" note


def test_without_a_display_the_window_run_adds_one_note(tmp_path: Path) -> None:
    done = _run(tmp_path, "--source", "demo", "--max-frames", FRAMES)
    assert done.returncode == 0, done.stderr
    assert_only_app_lines(done.stderr)
    assert "no display found" in done.stderr


def test_image_mode_stderr_is_empty(tmp_path: Path) -> None:
    photo = tmp_path / "card.png"
    cv2.imwrite(str(photo), next(iter(demo_frames(loop=False))))
    for extra in ([], ["--json"]):
        done = _run(tmp_path, "--source", str(photo), "--headless", *extra)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""


def test_a_usage_error_is_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, "--source", str(tmp_path / "missing.png"), "--headless")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: "), done.stderr
