"""Secrecy: no front end ever shows, logs or writes the PIN or the characters typed.

Every front end runs as a real process (so whatever any library writes to stdout or stderr is
seen) with a real lock file set through ``--set-pin``: headless live with and without --json, in
sequential and row mode, image mode with --json, the window under Xvfb with snapshots taken, and
--set-pin itself. The demo source types its cards, 2 7 K 4, into a lock whose PIN is either
those characters (granted) or another PIN, K9K3 (denied). Then stdout, stderr, every JSON object,
the log lines (--verbose) and every file the runs left behind (names; contents unless an image)
are searched for the PIN and for the typed sequence, in clear, spaced out, in hex and in base64.
Image mode reads photos and prints what it reads, so the demo's characters appear there: that
run is the check that the search finds them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
import test_window  # tests/ is on sys.path under pytest's default import mode

from vision import config
from vision.synth.demo import demo_frames, demo_schedule

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "recognize_live.py"
TYPED = config.DEMO_PIN  # what the demo's cards spell, one by one and then as a row
OTHER_PIN = "K9K3"  # a lock PIN the demo never types
LOOP = demo_schedule()[-1][1]  # frames in one loop of the demo
RUN_TIMEOUT_S = 180.0
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
SNAPSHOT_KEY_TIMES_S = (3.0, 6.0, 9.0)  # after the window appears: while cards are typed
# Salts and hashes in a file are long base64 or hex runs; by chance one may hold "k9K3" somewhere
# (about 1 in 10^5): the spaced-out search skips them (the hex and base64 searches do not).
ENCODED_RUN = re.compile(r"[A-Za-z0-9+/=]{16,}")
display = test_window.display  # the Xvfb fixture


def _spaced(secret: str) -> re.Pattern[str]:
    """The secret in clear or split by up to four non-alphanumerics ("2 7 K 4", '["2", "7", ...'), any case."""
    return re.compile(r"[^0-9A-Za-z]{0,4}".join(re.escape(c) for c in secret), re.IGNORECASE)


def _encoded(secret: str) -> list[re.Pattern[str]]:
    raw = secret.encode()
    return [re.compile(re.escape(raw.hex()), re.IGNORECASE), re.compile(re.escape(base64.b64encode(raw).decode()[:-2]))]


def _find(text: str, secrets: tuple[str, ...], spaced_text: str | None = None) -> list[str]:
    """Where any secret appears; ``spaced_text`` (default ``text``) is what the spaced search reads."""
    hits = []
    for secret in secrets:
        for pattern, where in [(_spaced(secret), spaced_text or text)] + [(p, text) for p in _encoded(secret)]:
            hits += [
                f"{pattern.pattern!r}: {where[max(0, m.start() - 40) : m.end() + 40]!r}"
                for m in pattern.finditer(where)
            ]
    return hits


def assert_secret_free(text: str, where: str, secrets: tuple[str, ...], spaced_text: str | None = None) -> None:
    found = _find(text, secrets, spaced_text)
    assert not found, f"{where} shows a secret: {found[:3]}"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A private HOME and working folder: everything a run writes lands under it."""
    (tmp_path / "work").mkdir()
    return tmp_path


def _env(home: Path, display_name: str | None = None) -> dict[str, str]:
    drop = ("DISPLAY", "WAYLAND_DISPLAY", "QT_LOGGING_RULES", "XDG_CONFIG_HOME")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    if display_name:
        env |= {"DISPLAY": display_name, "QT_QPA_PLATFORM": "xcb"}
    return env


def _run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(APP), *args], cwd=home / "work", env=_env(home), input=stdin,
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip


def _set_pin(home: Path, name: str, pin: str) -> Path:
    path = home / "config" / name
    done = _run(home, "--set-pin", "--config", str(path), stdin=f"{pin}\n{pin}\n")
    assert done.returncode == 0, done.stderr
    assert_secret_free(done.stdout + done.stderr, "--set-pin's output", (pin,))
    return path


def assert_files_secret_free(home: Path, secrets: tuple[str, ...]) -> list[Path]:
    """Every file under ``home``: its name, and its bytes unless it is an image; returns them."""
    files = [p for p in home.rglob("*") if p.is_file()]
    for path in files:
        assert_secret_free(str(path.relative_to(home)), "a file name", secrets)
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            text = path.read_bytes().decode("latin-1")
            assert_secret_free(text, f"file {path.name}", secrets, spaced_text=ENCODED_RUN.sub(" ", text))
    return files


def _live_json(stdout: str) -> list[dict]:
    frames = [json.loads(line) for line in stdout.splitlines()]
    for f in frames:
        assert {d["char"] for d in f["detections"]} <= {"*", config.REJECT_CHAR}
        assert all(set(line) <= {"*", config.REJECT_CHAR, " "} for line in f["lines"])
    return frames


def test_set_pin_never_echoes_what_was_typed(home: Path) -> None:
    path = _set_pin(home, "lock.json", OTHER_PIN)
    for weak in ("1111", "4567", "K9K3K9K3K9"):
        done = _run(home, "--set-pin", "--config", str(path), stdin=f"{weak}\n{weak}\n")
        assert done.returncode == 2, done.stdout
        assert_secret_free(done.stdout + done.stderr, f"refusing {weak}", (weak, OTHER_PIN))
    done = _run(home, "--set-pin", "--config", str(path), stdin="5K8K\n5K8X\n")
    assert done.returncode == 2
    assert_secret_free(done.stdout + done.stderr, "a mismatch", ("5K8K", "5K8X", OTHER_PIN))
    assert_files_secret_free(home, (OTHER_PIN, "5K8K"))


@pytest.mark.parametrize(
    ("lock_pin", "extra", "verdict"),
    [
        (OTHER_PIN, ["--verbose"], "denied"),
        (TYPED, ["--json"], "granted"),
        (OTHER_PIN, ["--json", "--verbose"], "denied"),
        (TYPED, ["--json", "--mode", "row", "--verbose"], "granted"),
    ],
    ids=["text-denied", "json-granted", "json-denied", "row-json-granted"],
)
def test_headless_live_runs_keep_pin_and_typed_characters_secret(
    home: Path, lock_pin: str, extra: list[str], verdict: str
) -> None:
    lock = _set_pin(home, "lock.json", lock_pin)
    done = _run(home, "--source", "demo", "--headless", "--config", str(lock), "--max-frames", str(LOOP), *extra)
    assert done.returncode == 0, done.stderr
    secrets = (lock_pin, TYPED)
    assert_secret_free(done.stdout, "stdout", secrets)
    assert_secret_free(done.stderr, "stderr (notes and log lines)", secrets)
    if "--json" in extra:
        kinds = [e["kind"] for f in _live_json(done.stdout) for e in f["events"]]
    else:
        kinds = [line.split(": ")[1] for line in done.stdout.splitlines() if line.startswith("frame ")]
    assert verdict in kinds, kinds  # the PIN really was typed and checked
    assert_files_secret_free(home, secrets)


def test_image_mode_prints_readings_but_never_the_lock_pin(home: Path) -> None:
    """The search's own check: image mode reads the demo's row, so TYPED is found in its output."""
    lock = _set_pin(home, "lock.json", OTHER_PIN)
    start, end, text = demo_schedule()[-2]
    assert text == TYPED
    frame = next(f for i, f in enumerate(demo_frames(loop=False)) if i == (start + end) // 2)
    photo = home / "work" / "row.png"
    cv2.imwrite(str(photo), frame)
    done = _run(home, "--source", str(photo), "--headless", "--json", "--config", str(lock), "--verbose")
    assert done.returncode == 0, done.stderr
    assert _find(done.stdout, (TYPED,)), done.stdout  # a photo's reading is the point of image mode
    assert_secret_free(done.stdout + done.stderr, "image mode's output", (OTHER_PIN,))
    assert_files_secret_free(home, (OTHER_PIN,))


def test_the_window_and_its_snapshots_keep_the_secret(home: Path, display: str) -> None:
    lock = _set_pin(home, "lock.json", TYPED)
    app = subprocess.Popen(
        [sys.executable, str(APP), "--source", "demo", "--config", str(lock), "--max-frames", str(LOOP)],
        cwd=home / "work", env=_env(home, display), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    env = _env(home, display)
    try:
        window = test_window._wait_for_window(app, env)
        shown = time.monotonic()
        for at in SNAPSHOT_KEY_TIMES_S:
            time.sleep(max(0.0, shown + at - time.monotonic()))
            test_window._xdotool(env, "windowfocus", "--sync", window)
            test_window._xdotool(env, "key", "s")
        out, err = app.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, err
    assert "granted" in out and "snapshot saved" in out, out
    assert_secret_free(out, "the window's stdout", (TYPED,))
    assert_secret_free(err, "the window's stderr", (TYPED,))
    files = assert_files_secret_free(home, (TYPED,))
    assert any(p.parent.name == "snapshots" for p in files), files  # the default folder, in the cwd
