"""Fault injection into streams (issue 10, item 6): fake captures deliver bad frames, raise, stall
and change size; one bad frame must not end a session, a run of them or a hung read must end it
with one clear line (exit 1 in the CLI).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeCapture
from conftest import run_cli as _main

import vision.sources
from vision import config
from vision.sources import SourceError, open_source

pytestmark = pytest.mark.hardening
GOOD = np.full((48, 64, 3), 200, np.uint8)
TINY = np.zeros((4, 4, 3), np.uint8)
TWO_CHANNELS = np.zeros((48, 64, 2), np.uint8)


def _camera(script: list[object], **kw) -> vision.sources.FrameSource:
    """A camera slower than its consumer, so the newest-frame hand-over drops none."""
    capture = FakeCapture(script, fps=40.0)
    return open_source("0", capture_factory=lambda i: capture, camera_retry_s=0.3, **kw)


def _levels(frames: Iterator[np.ndarray]) -> list[int]:
    return [int(f[0, 0, 0]) for f in frames]


def _good(level: int, shape: tuple[int, ...] = (48, 64, 3)) -> np.ndarray:
    return np.full(shape, level, np.uint8)


def test_bad_camera_frames_are_skipped_and_counted(caplog) -> None:
    script = [_good(1), TINY, TWO_CHANNELS, _good(2), np.zeros((48, 64), np.float32), _good(3)]
    script.insert(3, RuntimeError("driver hiccup"))
    with caplog.at_level(logging.WARNING, logger="vision.sources"):
        src = _camera(script)
        got = []
        with pytest.raises(SourceError, match="stopped delivering"):
            for frame in src:
                got.append(int(frame[0, 0, 0]))
    assert got == [1, 2, 0, 3]  # a gray float frame (all zeros) is usable
    assert src._guard.skipped == 2  # the 4x4 and the two-channel frame; the raise is a failed read
    [warning] = [r for r in caplog.records if "skipped an unusable frame" in r.message]
    assert "image too small: 4x4" in warning.message and "1 skipped so far" in warning.message


def test_a_run_of_bad_frames_ends_the_stream() -> None:
    script = [GOOD] + [TINY] * (config.MAX_BAD_FRAMES_IN_A_ROW + 5)
    src = _camera(script)
    with pytest.raises(SourceError, match=rf"camera 0: {config.MAX_BAD_FRAMES_IN_A_ROW} unusable frames in a row"):
        for _ in src:
            pass
    assert src.closed


def test_frames_over_the_pixel_limit_are_skipped() -> None:
    big = np.zeros((100, 100, 3), np.uint8)
    src = _camera([_good(1), big, _good(2)], max_pixels=64 * 64)
    got = []
    with pytest.raises(SourceError):
        for frame in src:
            got.append(frame.shape)
    assert got == [(48, 64, 3), (48, 64, 3)] and src._guard.skipped == 1


def test_size_changes_are_frames_like_any_other() -> None:
    script = [_good(1), _good(2, (240, 320, 3)), _good(3, (30, 40)), _good(4, (480, 640, 4))]
    src = _camera(script)
    shapes = []
    with pytest.raises(SourceError):
        for frame in src:
            shapes.append(frame.shape)
    assert shapes == [(48, 64, 3), (240, 320, 3), (30, 40, 3), (480, 640, 3)]


def test_a_hung_read_ends_the_stream_with_one_line() -> None:
    capture = FakeCapture([GOOD, GOOD, "stall"])
    src = open_source("0", capture_factory=lambda i: capture, camera_retry_s=5.0, camera_stall_s=0.3)
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"camera 0 stopped responding: a read has not returned for 0.3 s") as info:
        for _ in src:
            pass
    assert time.monotonic() - start < 0.3 + config.CAMERA_JOIN_TIMEOUT_S + 2.0
    assert "\n" not in str(info.value)
    capture.release()  # lets the abandoned thread finish


def test_demo_frames_are_guarded_too() -> None:
    def frames() -> Iterator[np.ndarray]:
        yield from (TINY, _good(1), TWO_CHANNELS, _good(2))

    with open_source("demo", demo_factory=frames) as src:
        assert _levels(iter(src)) == [1, 2]


# --- video files: a fake VideoCapture behind a real path ----------------------------------------


@pytest.fixture
def fake_video(tmp_path: Path, monkeypatch) -> Callable[[list[object]], str]:
    def make(script: list[object]) -> str:
        path = tmp_path / "clip.avi"
        path.write_bytes(b"not read: the capture is fake")
        monkeypatch.setattr(vision.sources.cv2, "VideoCapture", lambda *a: FakeCapture(script, fps=1e4))
        return str(path)

    return make


def test_video_skips_bad_frames_and_raising_reads(fake_video) -> None:
    spec = fake_video([TINY, _good(1), RuntimeError("decoder"), TWO_CHANNELS, _good(2), "end", _good(9)])
    with open_source(spec) as src:
        assert _levels(iter(src)) == [1, 2]  # "end" is the end of the file
        assert src._guard.skipped == 3


def test_video_of_only_bad_frames_fails_at_open(fake_video) -> None:
    spec = fake_video([TINY] * (config.MAX_BAD_FRAMES_IN_A_ROW + 1))
    with pytest.raises(SourceError, match="unusable frames in a row .*image too small: 4x4"):
        open_source(spec)


def test_video_declaring_a_frame_over_the_limit_fails_at_open(tmp_path: Path, monkeypatch) -> None:
    class Huge(FakeCapture):
        def get(self, prop: int) -> float:
            return {
                vision.sources.cv2.CAP_PROP_FRAME_WIDTH: 40000.0,
                vision.sources.cv2.CAP_PROP_FRAME_HEIGHT: 30000.0,
            }.get(prop, 0.0)

    capture = Huge([GOOD])
    monkeypatch.setattr(vision.sources.cv2, "VideoCapture", lambda *a: capture)
    path = tmp_path / "huge.mkv"
    path.write_bytes(b"x")
    with pytest.raises(SourceError, match="40000x30000 is 1200.0 megapixels"):
        open_source(str(path))
    assert capture.reads == 0 and capture.released.is_set()  # refused before decoding a frame


# --- through the CLI: exit codes and one line ------------------------------------------------------


def _patch_camera(monkeypatch, capture: FakeCapture, stall_s: float = config.CAMERA_STALL_S) -> None:
    real = vision.sources.open_source
    monkeypatch.setattr(
        vision.sources,
        "open_source",
        lambda spec, **kw: real(
            spec, capture_factory=lambda i: capture, camera_retry_s=0.3, camera_stall_s=stall_s, **kw
        ),
    )


def test_cli_survives_bad_frames_and_size_changes(monkeypatch, capsys, tmp_path: Path) -> None:
    script = [_good(200), TINY, _good(200, (240, 320, 3)), TWO_CHANNELS, _good(200, (120, 160)), _good(200)] * 3
    _patch_camera(monkeypatch, FakeCapture(script, fps=200.0))
    code, out, err = _main(capsys, "--source", "0", "--headless", "--json", "--config", str(tmp_path / "lock.json"))
    assert code == 1  # the scripted camera then stops delivering
    assert out.count("\n") >= 3
    assert err.strip().splitlines()[-1] == "error: camera 0 stopped delivering frames"


def test_cli_stops_after_a_run_of_bad_frames(monkeypatch, capsys, tmp_path: Path) -> None:
    _patch_camera(monkeypatch, FakeCapture([GOOD] + [TWO_CHANNELS] * 100, fps=1000.0))
    code, _, err = _main(capsys, "--source", "0", "--headless", "--config", str(tmp_path / "lock.json"))
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: camera 0: 30 unusable frames in a row")


def test_cli_ends_a_hung_camera_with_one_line(monkeypatch, capsys, tmp_path: Path) -> None:
    capture = FakeCapture([GOOD, GOOD, "stall"], fps=100.0)
    _patch_camera(monkeypatch, capture, stall_s=0.3)
    code, _, err = _main(capsys, "--source", "0", "--headless", "--config", str(tmp_path / "lock.json"))
    capture.release()
    assert code == 1
    assert err.strip().splitlines()[-1] == "error: camera 0 stopped responding: a read has not returned for 0.3 s"
