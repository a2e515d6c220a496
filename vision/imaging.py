"""Decode image files safely, and the one rule that turns any decoded array into BGR uint8.

A compressed image can declare far more pixels than its size suggests (a 1.2 MB PNG of 30000x30000
took 3.6 GB and 13 s to decode), and OpenCV allocates them all before anything can look at the
result. So :func:`read_header` reads the width and height from the header of the formats the app
accepts (PNG, JPEG, GIF, BMP, WebP, TIFF), and :func:`decode` refuses an image over the pixel
limit before OpenCV allocates anything. A file of any other format is refused rather than decoded
blind, since its size cannot be known in advance.

Usage:
    frames = decode(np.fromfile(path, np.uint8), max_pixels)   # raw arrays; a GIF gives each frame
    bgr = to_bgr(frames[0])                                     # BGR uint8 HxWx3
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config

FORMATS = "PNG, JPEG, GIF, BMP, WebP or TIFF"
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers; C4/C8/CC are tables


class ImageError(Exception):
    """An image cannot be decoded, is over the pixel limit, or is no image; one line for users."""


class ImageTooLargeError(ImageError):
    """The header declares more pixels than the limit allows; nothing was decoded."""


@dataclass(frozen=True)
class Header:
    """What a file's header says: its format, canvas size and (GIF only) number of frames."""

    format: str
    width: int
    height: int
    frames: int = 1

    @property
    def pixels(self) -> int:
        return self.width * self.height


# --- Headers -----------------------------------------------------------------------------------


def read_header(data: bytes | np.ndarray) -> Header:
    """Format and size from the first bytes of an image file; ImageError if it is none we accept.

    Only the header is parsed (for a GIF, the block structure too, to count frames and find frames
    larger than the canvas); no pixel data is touched and nothing is copied.
    """
    d = memoryview(data).cast("B") if isinstance(data, np.ndarray) else memoryview(data)
    for magic, parse in _PARSERS:
        if bytes(d[: len(magic)]) == magic:
            try:
                header = parse(d)
            except (struct.error, IndexError, ValueError):
                raise ImageError(f"damaged {_name(magic)} header") from None
            if header.width <= 0 or header.height <= 0:
                raise ImageError(f"empty image ({header.width}x{header.height})")
            return header
    raise ImageError(f"not a {FORMATS} image")


def _name(magic: bytes) -> str:
    return next(name for m, name in _NAMES if magic.startswith(m))


def _png(d: memoryview) -> Header:
    if d[12:16] != b"IHDR":
        raise ValueError("IHDR is not the first chunk")
    w, h = struct.unpack_from(">II", d, 16)
    return Header("png", w, h)


def _jpeg(d: memoryview) -> Header:
    """Walk the marker segments to the first frame header (SOFn), skipping EXIF and the like."""
    pos = 2
    while pos + 4 <= len(d):
        if d[pos] != 0xFF:
            raise ValueError("not a marker")
        marker = d[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
        elif marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            break
        elif marker in _JPEG_SOF:
            h, w = struct.unpack_from(">HH", d, pos + 5)
            return Header("jpeg", w, h)
        else:
            pos += 2 + int.from_bytes(d[pos + 2 : pos + 4], "big")
    raise ValueError("no frame header")


def _gif(d: memoryview) -> Header:
    """Logical screen size, widened to any frame that reaches past it, and the frame count."""
    width, height = struct.unpack_from("<HH", d, 6)
    pos, frames = 13 + _gif_table(d[10]), 0
    while pos < len(d) and d[pos] != 0x3B:  # 0x3B: trailer
        if d[pos] == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(d, pos + 2)
        elif d[pos] == 0x2C:  # image descriptor, local colour table, LZW code size, sub-blocks
            x, y, w, h, flags = struct.unpack_from("<HHHHB", d, pos + 1)
            width, height, frames = max(width, x + w), max(height, y + h), frames + 1
            pos = _skip_sub_blocks(d, pos + 11 + _gif_table(flags))
        else:
            break  # garbage after the last frame: decoders stop here too
    return Header("gif", width, height, max(frames, 1))


def _gif_table(flags: int) -> int:
    """Bytes of the colour table a GIF flags byte announces."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(d: memoryview, pos: int) -> int:
    while pos < len(d):
        size = d[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _bmp(d: memoryview) -> Header:
    (dib,) = struct.unpack_from("<I", d, 14)
    w, h = struct.unpack_from("<HH" if dib == 12 else "<ii", d, 18)  # OS/2 headers use 16 bits
    return Header("bmp", abs(w), abs(h))  # negative height: rows stored top-down


def _webp(d: memoryview) -> Header:
    if d[8:12] != b"WEBP":
        raise ValueError("RIFF but not WebP")
    chunk = d[12:16]
    if chunk == b"VP8 ":  # lossy: 14-bit sizes after the start code
        w, h = struct.unpack_from("<HH", d, 26)
        return Header("webp", w & 0x3FFF, h & 0x3FFF)
    if chunk == b"VP8L":  # lossless: 14-bit width-1 and height-1 packed after the signature
        (bits,) = struct.unpack_from("<I", d, 21)
        return Header("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":  # extended: 24-bit canvas width-1 and height-1
        w = int.from_bytes(d[24:27], "little") + 1
        h = int.from_bytes(d[27:30], "little") + 1
        return Header("webp", w, h)
    raise ValueError("unknown WebP chunk")


def _tiff(d: memoryview) -> Header:
    """ImageWidth (256) and ImageLength (257) of the first IFD, classic or BigTIFF."""
    end = "<" if d[:2] == b"II" else ">"
    big = struct.unpack_from(end + "H", d, 2)[0] == 43
    count_fmt, entry, value_at = ("Q", 20, 12) if big else ("H", 12, 8)
    (offset,) = struct.unpack_from(end + ("Q" if big else "I"), d, 8 if big else 4)
    (count,) = struct.unpack_from(end + count_fmt, d, offset)
    pos, size = offset + (8 if big else 2), {}
    for _ in range(min(count, 4096)):
        tag, kind = struct.unpack_from(end + "HH", d, pos)
        if tag in (256, 257):
            fmt = {3: "H", 4: "I", 16: "Q"}[kind]  # SHORT, LONG, LONG8; KeyError -> damaged
            size[tag] = struct.unpack_from(end + fmt, d, pos + value_at)[0]
        pos += entry
    return Header("tiff", size[256], size[257])


_PARSERS: tuple[tuple[bytes, Callable[[memoryview], Header]], ...] = (
    (b"\x89PNG\r\n\x1a\n", _png),
    (b"\xff\xd8", _jpeg),
    (b"GIF87a", _gif),
    (b"GIF89a", _gif),
    (b"BM", _bmp),
    (b"RIFF", _webp),
    (b"II*\x00", _tiff),
    (b"MM\x00*", _tiff),
    (b"II+\x00", _tiff),
    (b"MM\x00+", _tiff),
)
_NAMES = ((b"\x89PNG", "PNG"), (b"\xff\xd8", "JPEG"), (b"GIF", "GIF"), (b"BM", "BMP"), (b"RIFF", "WebP"))
_NAMES += ((b"II", "TIFF"), (b"MM", "TIFF"))


# --- Decoding ----------------------------------------------------------------------------------


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """ImageTooLargeError when width x height is over the limit (images and video frames alike)."""
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{width}x{height} is {width * height / 1e6:.1f} megapixels, over the limit of "
            f"{max_pixels / 1e6:g} (raise it with --max-pixels)"
        )


def decode(data: np.ndarray, max_pixels: int = config.MAX_IMAGE_PIXELS) -> list[np.ndarray]:
    """Encoded bytes (uint8 1-D) -> the decoded arrays, as OpenCV gives them (any depth, alpha kept).

    One array, except for an animated GIF: every frame, as many as fit in ``max_pixels`` together
    (a frame is read like a photo, so the whole animation is held at once). JPEGs are decoded
    with ANYCOLOR|ANYDEPTH, which applies the EXIF orientation that IMREAD_UNCHANGED ignores
    (phone photos would arrive sideways); JPEG has no alpha to lose.
    """
    header = read_header(data)
    check_pixels(header.width, header.height, max_pixels)
    if header.format == "gif" and header.frames > 1:
        count = min(header.frames, max(1, max_pixels // header.pixels))
        ok, animation = cv2.imdecodeanimation(data, 0, count)
        if ok and animation.frames:
            return list(animation.frames)
    flags = cv2.IMREAD_UNCHANGED
    if header.format == "jpeg":
        flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    image = cv2.imdecode(data, flags)
    if image is None:
        raise ImageError(f"cannot decode this {header.format.upper()} file: damaged or unsupported")
    return [image]


# --- To BGR uint8 ------------------------------------------------------------------------------


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> BGR uint8 HxWx3, so every later stage sees one format.

    Accepts gray HxW or HxWx1, BGR HxWx3 and BGRA HxWx4 in bool, integer or float depths. Alpha
    is composited onto white rather than dropped: a drawing on a transparent background is
    usually dark ink whose transparent pixels are stored as black, and dropping alpha would turn
    it into black ink on black. Depths are mapped by :func:`to_uint8`. Returns the input itself
    (no copy) when it is already contiguous BGR uint8. Raises ImageError for empty, too small
    (< MIN_IMAGE_SIDE), non-image shapes or non-numeric pixel types.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.size == 0:
        raise ImageError(f"not an image: array of shape {image.shape}")
    if image.dtype.kind not in "buif":  # bool, unsigned, signed, float
        raise ImageError(f"not an image: pixels of type {image.dtype}")
    h, w = image.shape[:2]
    if min(h, w) < config.MIN_IMAGE_SIDE:
        raise ImageError(f"image too small: {w}x{h}")
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels not in (1, 3, 4):
        raise ImageError(f"unsupported image with {channels} channels")
    if channels == 4:
        return _composite_on_white(to_uint8(image[..., :3]), _alpha_u8(image[..., 3]))
    out = to_uint8(image if channels == 3 else image.reshape(h, w))
    if channels == 1:
        return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(out)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Map any depth to uint8 (the project's one rule; no float64 copies of large images).

    uint16 is scaled by the image's own maximum, not shifted right by 8: 10- and 12-bit sensors
    store values up to 1023/4095 in uint16, which ``>> 8`` would turn nearly black. The scaling
    runs in OpenCV straight to uint8 (a 25000x25000 16-bit PNG took 11 GB through float64).
    Floats in [0, 1] are the usual normalised convention (x 255); floats or other integers
    already in [0, 255] are kept; anything else is stretched min..max. NaN and inf become 0.
    """
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.view(np.uint8) * np.uint8(255)
    if image.dtype == np.uint16:
        peak = int(image.max())
        if not peak:
            return np.zeros(image.shape, np.uint8)
        return cv2.convertScaleAbs(np.ascontiguousarray(image), alpha=255.0 / peak)
    with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf, then 0
        data = np.nan_to_num(image.astype(np.float32), copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(data.min()), float(data.max())
    if np.issubdtype(image.dtype, np.floating) and lo >= 0.0 and hi <= 1.0:
        data *= 255.0
    elif lo < 0.0 or hi > 255.0:
        data = (data - lo) * np.float32(255.0 / (hi - lo)) if hi > lo else np.zeros_like(data)
    return np.clip(np.rint(data, out=data), 0, 255, out=data).astype(np.uint8)


def _alpha_u8(alpha: np.ndarray) -> np.ndarray:
    """Alpha channel -> uint8 0..255, judged by its dtype's full scale (not the image's)."""
    if alpha.dtype == np.bool_:
        return alpha.view(np.uint8) * np.uint8(255)
    if alpha.dtype == np.uint8:
        return alpha
    if np.issubdtype(alpha.dtype, np.integer):
        unit = np.clip(alpha.astype(np.float32) / np.float32(np.iinfo(alpha.dtype).max), 0.0, 1.0)
    else:
        # Clipped before the float32 cast (float64 alpha beyond float32's range would overflow);
        # past 256 every value ends at full alpha anyway.
        unit = np.clip(np.nan_to_num(alpha, nan=1.0, posinf=1.0, neginf=0.0), -1.0, 256.0).astype(np.float32)
        unit = np.clip(unit / 255.0 if unit.max() > 1.0 else unit, 0.0, 1.0)
    return np.rint(unit * 255.0).astype(np.uint8)


def _composite_on_white(bgr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend uint8 BGR over a white page with uint8 alpha, in uint16 (255 * 255 fits)."""
    a = alpha.astype(np.uint16)[..., None]
    out = bgr.astype(np.uint16) * a
    out += (255 - a) * 255 + 127  # + 127: round the division below to nearest
    out //= 255
    return np.ascontiguousarray(out.astype(np.uint8))
