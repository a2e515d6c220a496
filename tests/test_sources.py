"""Frame sources on real files written to tmp_path, and the camera reader with fake captures."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import FakeCapture, frame_number

from vision import config
from vision.sources import CameraReader, SourceError, load_image, open_source, to_bgr

# --- helpers ------------------------------------------------------------------------------


def _write_video(path: Path, n_frames: int = 12, fps: float = 15.0) -> list[int]:
    """MJPG .avi whose frame i is uniformly grey, brighter each frame; returns the levels."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG .avi")
    levels = [round(i * 250 / max(1, n_frames - 1)) for i in range(n_frames)]
    for level in levels:
        writer.write(np.full((48, 64, 3), level, np.uint8))
    writer.release()
    return levels


def _pattern(h: int = 40, w: int = 60) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = (255, 0, 0)
    img[h // 2 :, :] = (0, 0, 255)
    return img


# --- images and folders ---------------------------------------------------------------------


def test_png_image_yields_it_once(tmp_path: Path) -> None:
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), _pattern())
    with open_source(str(path)) as src:
        assert (src.kind, src.live, src.fps) == ("image", False, config.IMAGE_FPS)
        frames = list(src)
        assert src.current_name == "card.png"
    assert len(frames) == 1
    np.testing.assert_array_equal(frames[0], _pattern())
    assert src.closed


def test_jpg_image_decodes_close_to_original(tmp_path: Path) -> None:
    path = tmp_path / "card.JPG"  # extension matching is case-insensitive
    cv2.imwrite(str(path), _pattern())
    (frame,) = list(open_source(str(path)))
    assert frame.shape == (40, 60, 3) and frame.dtype == np.uint8
    assert np.abs(frame.astype(int) - _pattern()).mean() < 10


def test_jpeg_exif_orientation_is_applied(tmp_path: Path) -> None:
    """Phone photos store rotation in EXIF; IMREAD_UNCHANGED alone would leave them sideways."""
    ok, buf = cv2.imencode(".jpg", _pattern(40, 80))
    assert ok
    tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"
    payload = b"Exif\x00\x00" + tiff + b"\x00\x00\x00\x00"  # one IFD entry: Orientation = 6
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    path = tmp_path / "phone.jpg"
    path.write_bytes(buf.tobytes()[:2] + app1 + buf.tobytes()[2:])
    assert load_image(path).shape == (80, 40, 3)


def test_folder_skips_corrupt_files_in_natural_order(tmp_path: Path, caplog) -> None:
    for name, level in (("img10.png", 30), ("img2.png", 20), ("img1.jpg", 10)):
        cv2.imwrite(str(tmp_path / name), np.full((32, 32, 3), level, np.uint8))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG this is not really a png")
    (tmp_path / "notes.txt").write_text("ignored: not an image extension")
    names, levels = [], []
    with caplog.at_level(logging.WARNING, logger="vision.sources"), open_source(str(tmp_path)) as src:
        assert (src.kind, src.live) == ("folder", False)
        for frame in src:
            names.append(src.current_name)
            levels.append(round(frame.mean()))
    assert names == ["img1.jpg", "img2.png", "img10.png"]
    assert levels == [10, 20, 30]
    assert "broken.png" in caplog.text


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(SourceError, match="no images in folder"):
        open_source(str(tmp_path))


def test_folder_with_only_corrupt_images_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"garbage")
    (tmp_path / "b.jpg").write_bytes(b"")
    with pytest.raises(SourceError, match="no readable images"):
        open_source(str(tmp_path))


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder: .*nope.png"):
        open_source(str(tmp_path / "nope.png"))


def test_unreadable_image_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.png"
    path.write_bytes(b"not an image at all")
    with pytest.raises(SourceError, match="cannot read image"):
        open_source(str(path))
    with pytest.raises(SourceError, match="cannot read image"):
        load_image(tmp_path / "absent.png")


def test_one_pixel_image_is_too_small(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    cv2.imwrite(str(path), np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(SourceError, match="image too small: 1x1"):
        open_source(str(path))


# --- video and demo -------------------------------------------------------------------------


def test_video_file_frames_and_fps(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    levels = _write_video(path, fps=15.0)
    with open_source(str(path)) as src:
        assert (src.kind, src.live, src.current_name) == ("video", False, None)
        assert src.fps == pytest.approx(15.0)
        frames = list(src)
    assert len(frames) == len(levels)
    assert all(f.shape == (48, 64, 3) and f.dtype == np.uint8 for f in frames)
    assert [f.mean() for f in frames] == pytest.approx(levels, abs=3)


def test_non_video_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(SourceError, match="video"):
        open_source(str(path))


def test_demo_uses_factory_and_normalises_frames() -> None:
    closed = []

    def factory() -> Iterator[np.ndarray]:
        try:
            for level in (10, 20, 30):
                yield np.full((24, 32), level, np.uint8)  # gray: must come out BGR
        finally:
            closed.append(True)

    with open_source("demo", demo_factory=factory) as src:
        assert (src.kind, src.live) == ("demo", False)
        frames = list(src)
    assert [f.shape for f in frames] == [(24, 32, 3)] * 3
    assert [int(f[0, 0, 0]) for f in frames] == [10, 20, 30]
    assert closed == [True]


def test_demo_without_frames_is_an_error() -> None:
    with pytest.raises(SourceError, match="no frames"):
        open_source("demo", demo_factory=lambda: iter(()))


# --- camera -------------------------------------------------------------------------------


def test_digit_spec_opens_injected_camera() -> None:
    fake = FakeCapture(n_frames=10_000, fps=200.0)
    opened_with = []

    def factory(index: int) -> FakeCapture:
        opened_with.append(index)
        return fake

    with open_source("0", capture_factory=factory) as src:
        assert (src.kind, src.live, src.fps) == ("camera", True, 200.0)
        frame = next(iter(src))
        assert frame.shape == (48, 64, 3)
    assert opened_with == [0]
    assert not src.reader.alive and fake.release_count == 1
    assert "camera-0" in fake.read_threads  # read on the reader thread, not the caller's


def test_camera_that_cannot_open_names_index_and_suggests_demo() -> None:
    fake = FakeCapture(opened=False)
    with pytest.raises(SourceError, match=r"cannot open camera 3\b.*--source demo"):
        open_source("3", capture_factory=lambda i: fake)
    assert fake.release_count == 1


def test_camera_that_opens_but_never_delivers_fails_at_open() -> None:
    fake = FakeCapture(n_frames=0)
    with pytest.raises(SourceError, match="camera 0 opened but delivered no frames"):
        open_source("0", capture_factory=lambda i: fake, camera_retry_s=0.2)
    assert fake.release_count == 1


def test_reader_hands_newest_frame_to_slow_consumer() -> None:
    fake = FakeCapture(n_frames=10_000, fps=500.0)  # a frame every 2 ms, consumer takes one every 30 ms
    reader = CameraReader(fake, retry_s=1.0).start()
    frames = reader.frames()
    taken = []
    for _ in range(6):
        time.sleep(0.03)
        produced_before = fake.produced
        taken.append((frame_number(next(frames)), produced_before))
    reader.close()
    indices = [i for i, _ in taken]
    for index, produced_before in taken:
        assert index >= produced_before - 2  # the newest frame, not one queued long ago
    assert all(b - a > 1 for a, b in itertools.pairwise(indices))  # old ones dropped
    assert reader.frames_dropped > 0


def test_reader_close_joins_thread_and_releases_once() -> None:
    fake = FakeCapture(n_frames=10_000, fps=300.0)
    reader = CameraReader(fake).start()
    assert reader.wait_first(1.0)
    reader.close()
    reader.close()
    assert not reader.alive and reader.released and fake.release_count == 1
    assert len(list(reader.frames())) <= 1  # at most the frame left queued; then it ends, no hang


def test_breaking_out_of_iteration_stops_camera() -> None:
    fake = FakeCapture(n_frames=10_000, fps=300.0)
    src = open_source("0", capture_factory=lambda i: fake)
    for _ in src:
        break
    assert src.closed and not src.reader.alive and fake.release_count == 1


def test_camera_retries_then_raises_when_frames_stop() -> None:
    fake = FakeCapture(n_frames=5, fps=200.0)
    src = open_source("0", capture_factory=lambda i: fake, camera_retry_s=0.3)
    got = []
    with pytest.raises(SourceError, match="camera 0 stopped delivering frames"):
        for frame in src:
            got.append(frame_number(frame))
            last_frame_at = time.monotonic()
    waited = time.monotonic() - last_frame_at
    assert got and got[-1] == 4  # the last good frame still arrives before the error
    assert 0.25 <= waited < 0.3 + 2.0
    assert src.closed and not src.reader.alive and fake.release_count == 1


def test_reader_on_real_video_capture_delivers_last_frame_then_fails(tmp_path: Path) -> None:
    path = tmp_path / "camera_like.avi"
    levels = _write_video(path, n_frames=30)
    reader = CameraReader(cv2.VideoCapture(str(path)), retry_s=0.1).start()
    seen = []
    with pytest.raises(SourceError, match="stopped delivering"):
        for frame in reader.frames():
            seen.append(round(frame.mean()))
            time.sleep(0.01)
    reader.close()
    assert seen and abs(seen[-1] - levels[-1]) <= 3
    assert seen == sorted(seen)
    assert not reader.alive and reader.released


# --- to_bgr ---------------------------------------------------------------------------------


def test_to_bgr_gray_and_single_channel() -> None:
    gray = np.arange(100, dtype=np.uint8).reshape(10, 10)
    for image in (gray, gray[..., None]):
        out = to_bgr(image)
        assert out.shape == (10, 10, 3) and out.dtype == np.uint8
        np.testing.assert_array_equal(out[..., 0], gray)
        np.testing.assert_array_equal(out[..., 2], gray)


def test_to_bgr_keeps_bgr_uint8_without_copy() -> None:
    image = _pattern()
    assert to_bgr(image) is image


def test_to_bgr_composites_alpha_on_white() -> None:
    bgra = np.zeros((10, 10, 4), np.uint8)  # black everywhere ...
    bgra[:5, :, 3] = 255  # ... opaque in the top half, transparent below
    bgra[5:, :5, 3] = 128
    out = to_bgr(bgra)
    assert out.shape == (10, 10, 3)
    assert (out[:5] == 0).all()  # opaque ink stays black
    assert (out[5:, 5:] == 255).all()  # transparent becomes white paper
    assert (np.abs(out[5:, :5].astype(int) - 127) <= 1).all()


def test_to_bgr_uint16_scales_by_image_max() -> None:
    twelve_bit = (np.arange(100).reshape(10, 10) * 4095 // 99).astype(np.uint16)
    out = to_bgr(twelve_bit)
    assert out.dtype == np.uint8 and out.max() == 255 and out.min() == 0
    assert to_bgr(np.zeros((10, 10), np.uint16)).max() == 0


def test_to_bgr_float_ranges() -> None:
    unit = np.linspace(0.0, 1.0, 100, dtype=np.float32).reshape(10, 10)
    out = to_bgr(unit)
    assert (out.min(), out.max()) == (0, 255)
    wide = (unit * 1000.0 - 500.0).astype(np.float64)
    out = to_bgr(wide)
    assert (out.min(), out.max()) == (0, 255)
    nan = unit.copy()
    nan[0, 0] = np.nan
    assert to_bgr(nan)[0, 0, 0] == 0


def test_to_bgr_bool() -> None:
    mask = np.zeros((10, 10), bool)
    mask[2:5, 2:5] = True
    out = to_bgr(mask)
    assert set(np.unique(out)) == {0, 255} and (out[3, 3] == 255).all()


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((0, 10, 3), np.uint8), "not an image"),
        (np.zeros((10,), np.uint8), "not an image"),
        (np.zeros((10, 10, 3, 1), np.uint8), "not an image"),
        (np.zeros((10, 10, 2), np.uint8), "2 channels"),
        (np.zeros((4, 100), np.uint8), "image too small: 100x4"),
    ],
)
def test_to_bgr_rejects_non_images(image: np.ndarray, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        to_bgr(image)


# --- which source a spec names --------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "  ", "\t\n"])
def test_empty_spec_is_an_error_not_the_working_directory(spec: str) -> None:
    with pytest.raises(SourceError, match="the source is empty"):
        open_source(spec)


def test_existing_path_wins_over_a_camera_index(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "2024").mkdir()
    cv2.imwrite(str(tmp_path / "2024" / "a.png"), _pattern())
    monkeypatch.chdir(tmp_path)
    cameras = []
    with open_source("2024", capture_factory=lambda i: cameras.append(i) or FakeCapture(n_frames=10_000)) as src:
        assert src.kind == "folder"
    assert cameras == []


@pytest.mark.parametrize("spec", ["256", "12345678901234567890", "9" * 200], ids=["256", "20-digit", "200-digit"])
def test_camera_index_out_of_range_is_one_line(spec: str) -> None:
    with pytest.raises(SourceError, match=r"out of range \(0-255\)") as info:
        open_source(spec, capture_factory=lambda i: pytest.fail("no camera may be opened"))
    assert len(str(info.value)) < 200


def test_non_ascii_digits_are_no_camera() -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        open_source("\u0661\u0662", capture_factory=lambda i: pytest.fail("no camera may be opened"))
