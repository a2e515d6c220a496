"""Decoding hardening (issue 10, items 5 and 12): sizes read from headers, decoding bombs refused
before anything is allocated, one cheap uint8 rule, every frame of an animated GIF, and a fuzz of
the decode path and read_frame with arrays of any shape, depth and size.

The bombs are tiny files whose headers declare huge images, built by hand, so the suite needs no
large file and a regression (decoding first) would show as a slow test or a memory error.
"""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ReadsTwo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vision import config, imaging
from vision.imaging import ImageError, ImageTooLargeError, read_header
from vision.pipeline import read_frame
from vision.sources import FrameGuard, SourceError, open_source, read_frames

pytestmark = pytest.mark.hardening
BOMB_SIDE = 30_000  # 900 megapixels: the 8-bit PNG bomb took 13 s and 3.6 GB to decode
REFUSE_S = 1.0  # refusing reads a header: far below the seconds a decode takes


# --- hand-built headers --------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, depth: int = 8) -> bytes:
    """A PNG header declaring width x height gray pixels, with a few rows of zeros as data."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + width * depth // 8) * 4)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def jpeg_bomb(width: int, height: int) -> bytes:
    """SOI, an APP0 segment to walk past, then a baseline frame header declaring the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def gif_bomb(width: int, height: int) -> bytes:
    """A 16x16 logical screen whose one frame reaches to width x height (decoders grow the canvas)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 16, 16, 0, 0, 0)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b"\x3b"


def bmp_bomb(width: int, height: int) -> bytes:
    dib = struct.pack("<IiiHHIIiiII", 40, width, -height, 1, 24, 0, 0, 0, 0, 0, 0)  # top-down rows
    return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + dib


def webp_bomb(width: int, height: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def tiff_bomb(width: int, height: int) -> bytes:
    entries = struct.pack("<HHII", 256, 4, 1, width) + struct.pack("<HHII", 257, 4, 1, height)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 2) + entries + b"\x00" * 4


BOMBS = {"png": png_bomb, "jpeg": jpeg_bomb, "gif": gif_bomb, "bmp": bmp_bomb, "webp": webp_bomb, "tiff": tiff_bomb}


@pytest.mark.parametrize("fmt", BOMBS)
def test_headers_give_the_declared_size(fmt: str) -> None:
    header = read_header(BOMBS[fmt](1234, 567))
    assert (header.format, header.width, header.height) == (fmt, 1234, 567)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp", ".tiff", ".gif"])
def test_headers_of_files_opencv_writes(ext: str) -> None:
    ok, buf = cv2.imencode(ext, np.zeros((37, 53, 3), np.uint8))
    assert ok
    header = read_header(buf)
    assert (header.width, header.height, header.frames) == (53, 37, 1)


@pytest.mark.parametrize("fmt", BOMBS)
def test_bombs_are_refused_before_decoding(fmt: str, tmp_path: Path) -> None:
    side = BOMB_SIDE if fmt != "webp" else 16_000  # VP8X sizes stop at 2^24, but plain VP8 at 16383
    path = tmp_path / f"bomb.{fmt}"
    path.write_bytes(BOMBS[fmt](side, side))
    assert path.stat().st_size < 2000
    start = time.perf_counter()
    with pytest.raises(SourceError, match=rf"{side}x{side} is [\d.]+ megapixels, over the limit of 50"):
        open_source(str(path))
    assert time.perf_counter() - start < REFUSE_S


def test_the_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), np.full((100, 200, 3), 255, np.uint8))
    with pytest.raises(SourceError, match="200x100 is 0.0 megapixels, over the limit of 0.01"):
        read_frames(path, max_pixels=10_000)
    assert read_frames(path, max_pixels=20_000)[0].shape == (100, 200, 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a PNG, JPEG, GIF, BMP, WebP or TIFF"),
        (b"P6\n30000 30000\n255\n", "not a PNG"),  # a format OpenCV reads but whose size we do not
        (b"\x89PNG\r\n\x1a\n", "damaged PNG header"),
        (b"\xff\xd8\xff\xe0\x00\x10JF", "damaged JPEG header"),
        (b"GIF89a\x10", "damaged GIF header"),
        (b"II*\x00\xff\xff\xff\x7f", "damaged TIFF header"),
        (png_bomb(0, 10), "empty image"),
    ],
)
def test_unsized_or_damaged_headers_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        imaging.decode(np.frombuffer(data, np.uint8))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", *(b[:8] for b in (png_bomb(9, 9), jpeg_bomb(9, 9)))]))
def test_random_bytes_never_raise_anything_but_image_error(data: bytes, prefix: bytes) -> None:
    try:
        frames = imaging.decode(np.frombuffer(prefix + data, np.uint8), max_pixels=10_000)
    except ImageError:
        return
    assert frames and all(isinstance(f, np.ndarray) for f in frames)


# --- one uint8 rule, without float64 copies ------------------------------------------------------


def test_16_bit_conversion_makes_no_float_copy() -> None:
    """The 25000x25000 16-bit PNG bomb took 11 GB through float64; now the scaling runs in OpenCV."""
    image = np.full((2000, 2000), 4095, np.uint16)
    image[0, 0] = 0
    tracemalloc.start()
    out = imaging.to_uint8(image)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.dtype == np.uint8 and out.max() == 255 and out.min() == 0
    assert peak < image.nbytes  # a float64 copy would be 4x the image


def test_16_bit_scaling_matches_the_documented_rule() -> None:
    image = (np.arange(4096, dtype=np.uint16) * 16).reshape(64, 64)
    expected = np.rint(image * (255.0 / image.max())).astype(np.uint8)
    np.testing.assert_array_equal(imaging.to_uint8(image), expected)


# --- animated GIF: every frame ----------------------------------------------------------------------


def _write_gif(path: Path, digits: str) -> None:
    frames = []
    for d in digits:
        frame = np.full((120, 160, 3), 255, np.uint8)
        cv2.putText(frame, d, (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
        frames.append(frame)
    animation = cv2.Animation()
    animation.frames, animation.durations, animation.loop_count = frames, [200] * len(frames), 0
    if not cv2.imwriteanimation(str(path), animation):
        pytest.skip("this OpenCV build cannot write GIF")


def test_animated_gif_gives_every_frame_named(tmp_path: Path) -> None:
    path = tmp_path / "pin.gif"
    _write_gif(path, "2704")
    assert read_header(path.read_bytes()).frames == 4
    with open_source(str(path)) as src:
        assert src.kind == "image"  # read like photos, so each frame's reading is printed
        names = []
        for frame in src:
            assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8
            names.append(src.current_name)
    assert names == ["pin.gif[0]", "pin.gif[1]", "pin.gif[2]", "pin.gif[3]"]


def test_animated_gif_frames_are_read_with_the_real_model(tmp_path: Path, classifier) -> None:
    path = tmp_path / "pin.gif"
    _write_gif(path, "2704")
    readings = ["".join(read_frame(f, classifier).lines) for f in open_source(str(path))]
    assert readings == ["2", "7", "0", "4"]


def test_animated_gif_is_cut_to_the_pixel_limit(tmp_path: Path) -> None:
    path = tmp_path / "long.gif"
    _write_gif(path, "0123456789")
    frames = read_frames(path, max_pixels=3 * 120 * 160)  # all frames are held at once: 3 fit
    assert len(frames) == 3


def test_gifs_in_a_folder_are_read(tmp_path: Path) -> None:
    _write_gif(tmp_path / "a.gif", "12")
    cv2.imwrite(str(tmp_path / "b.png"), np.full((40, 40, 3), 255, np.uint8))
    with open_source(str(tmp_path)) as src:
        assert [src.current_name for _ in src] == ["a.gif[0]", "a.gif[1]", "b.png"]


# --- fuzz: any array -> BGR uint8 or the module's error; read_frame takes every BGR result --------
# ReadsTwo (conftest) keeps every patch as a confident "2", so the rows and boxes are exercised too.


DTYPES = st.sampled_from(
    [np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.uint32, np.float16, np.float32, np.float64, bool]
)
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
    st.tuples(st.integers(1, 90), st.integers(1, 90)),
    st.tuples(st.integers(1, 90), st.integers(1, 90), st.sampled_from([1, 2, 3, 4, 5])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(DTYPES, SHAPES, elements={"allow_nan": True, "allow_infinity": True}))
def test_any_array_becomes_a_bgr_frame_or_an_image_error(image: np.ndarray) -> None:
    try:
        frame = imaging.to_bgr(image)
    except ImageError:
        return
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.shape[:2] == image.shape[:2] and frame.flags.c_contiguous
    result = read_frame(frame, ReadsTwo())
    h, w = frame.shape[:2]
    assert all(0 <= d.box.x < d.box.x2 <= w and 0 <= d.box.y < d.box.y2 <= h for d in result.detections)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.sampled_from([None, 1, 3, 4]),
    st.sampled_from([np.uint8, np.uint16, np.float32]),
    st.integers(0, 2**32 - 1),
)
def test_stream_frames_up_to_the_limit(h: int, w: int, channels: int | None, dtype, seed: int) -> None:
    """A stream's guard gives BGR uint8 for a usable frame and None (counted) for any other."""
    shape = (h, w) if channels is None else (h, w, channels)
    image = (np.random.default_rng(seed).random(shape) * 255).astype(dtype)
    guard = FrameGuard("fuzz", max_pixels=200 * 200, max_bad=10**6)
    frame = guard.check(image)
    usable = min(h, w) >= config.MIN_IMAGE_SIDE and h * w <= 200 * 200
    assert (frame is not None) == usable and guard.skipped == (not usable)
    if frame is not None:
        assert frame.shape == (h, w, 3) and frame.dtype == np.uint8
        read_frame(frame, ReadsTwo())


def test_too_large_error_is_an_image_error() -> None:
    with pytest.raises(ImageTooLargeError):
        imaging.check_pixels(10_000, 10_000, config.MAX_IMAGE_PIXELS)
