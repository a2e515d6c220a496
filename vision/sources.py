"""Frame sources: a camera index, a video file, an image, a folder of images, or "demo".

Usage:
    with open_source("0") as src:          # or "clip.avi", "photo.jpg", "photos/", "demo"
        for frame in src:                  # BGR uint8 HxWx3
            ...

Opening is eager, so a bad source fails inside :func:`open_source` with :class:`SourceError`
(never a silent fallback to another source); reading is lazy. A source is a one-shot stream:
it closes itself when iteration ends, and ``close()`` may be called any number of times.

A camera is read on its own thread (:class:`CameraReader`) that keeps only the newest frame, so
a consumer slower than the camera sees the present, not a growing backlog.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, Self

import cv2
import numpy as np

from vision import config

log = logging.getLogger(__name__)

_JPEG_MAGIC = b"\xff\xd8"


class SourceError(Exception):
    """A frame source cannot be opened or stopped delivering; the message is one line for users."""


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a camera reader needs; tests pass a fake."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...

    def isOpened(self) -> bool: ...


# --- Image normalisation ------------------------------------------------------------------


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> BGR uint8 HxWx3, so every later stage sees one format.

    Accepts gray HxW or HxWx1, BGR HxWx3 and BGRA HxWx4 in bool, uint8, uint16, float or other
    integer depths. Alpha is composited onto white rather than dropped: a drawing on a transparent
    background is usually dark ink whose transparent pixels are stored as black, and dropping
    alpha would turn it into black ink on black. Depths are mapped as :func:`_to_uint8` explains.
    Returns the input itself (no copy) when it is already contiguous BGR uint8.
    Raises SourceError for empty, too small (< MIN_IMAGE_SIDE) or non-image shapes.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.size == 0:
        raise SourceError(f"not an image: array of shape {image.shape}")
    h, w = image.shape[:2]
    if min(h, w) < config.MIN_IMAGE_SIDE:
        raise SourceError(f"image too small: {w}x{h}")
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels not in (1, 3, 4):
        raise SourceError(f"unsupported image with {channels} channels")
    if channels == 4:
        return _composite_on_white(_to_uint8(image[..., :3]), _alpha_unit(image[..., 3]))
    out = _to_uint8(image if channels == 3 else image.reshape(h, w))
    if channels == 1:
        return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(out)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Map any depth to uint8.

    uint16 is scaled by the image's own maximum, not shifted right by 8: 10- and 12-bit sensors
    store values up to 1023/4095 in uint16, which ``>> 8`` would turn nearly black. Floats in
    [0, 1] are the usual normalised convention (x 255); floats or other integers already in
    [0, 255] are kept; anything else is stretched min..max. NaN and inf become 0.
    """
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype == np.uint16:
        peak = int(image.max())
        return (image * (255.0 / peak)).round().astype(np.uint8) if peak else image.astype(np.uint8)
    data = np.nan_to_num(image.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(data.min()), float(data.max())
    if np.issubdtype(image.dtype, np.floating) and lo >= 0.0 and hi <= 1.0:
        data = data * 255.0
    elif lo < 0.0 or hi > 255.0:
        data = (data - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(data)
    return np.clip(data.round(), 0, 255).astype(np.uint8)


def _alpha_unit(alpha: np.ndarray) -> np.ndarray:
    """Alpha channel -> float32 in [0, 1], judged by its dtype's full scale (not the image's)."""
    if alpha.dtype == np.bool_:
        return alpha.astype(np.float32)
    if np.issubdtype(alpha.dtype, np.integer):
        return alpha.astype(np.float32) / float(np.iinfo(alpha.dtype).max)
    alpha = np.nan_to_num(alpha.astype(np.float32), nan=1.0)
    return np.clip(alpha / 255.0 if alpha.max() > 1.0 else alpha, 0.0, 1.0)


def _composite_on_white(bgr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend uint8 BGR over a white page with per-pixel alpha in [0, 1]."""
    a = alpha[..., None]
    out = bgr.astype(np.float32) * a + 255.0 * (1.0 - a)
    return np.ascontiguousarray(out.round().astype(np.uint8))


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file -> BGR uint8 HxWx3 (see :func:`to_bgr`); SourceError if unreadable.

    Decodes from bytes (np.fromfile + imdecode) because cv2.imread cannot open non-ASCII paths on
    Windows. JPEGs are decoded with ANYCOLOR|ANYDEPTH, which applies the EXIF orientation that
    IMREAD_UNCHANGED ignores (phone photos would arrive sideways) - JPEG has no alpha to lose.
    Other formats use IMREAD_UNCHANGED to keep alpha and 16-bit depth for :func:`to_bgr`.
    """
    path = Path(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise SourceError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    flags = cv2.IMREAD_UNCHANGED
    if data[:2].tobytes() == _JPEG_MAGIC:
        flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise SourceError(f"cannot read image {path}: not an image or unsupported format")
    return to_bgr(image)


# --- Sources ------------------------------------------------------------------------------


class FrameSource:
    """Iterable of BGR uint8 HxWx3 frames and a context manager; see the module docstring.

    ``fps`` is nominal (camera or video rate, or a pace for stills) so a viewer can pace
    non-live sources; ``current_name`` is the file name of the latest frame of an image or
    folder source (None for other kinds), for reports.
    """

    kind: str = ""
    live: bool = False

    def __init__(self, spec: str, fps: float) -> None:
        self.spec = spec
        self.fps = fps
        self.current_name: str | None = None
        self._closed = False

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._guarded()

    def _guarded(self) -> Iterator[np.ndarray]:
        """Close the source however iteration ends: exhausted, broken out of, or raised."""
        try:
            if not self._closed:
                yield from self._frames()
        finally:
            self.close()

    def _frames(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _release(self) -> None:
        """Free devices or files; called once by close()."""

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.spec!r} fps={self.fps:g}>"


class ImageSource(FrameSource):
    """One image file, read at open time and yielded once."""

    kind = "image"

    def __init__(self, spec: str, path: Path) -> None:
        super().__init__(spec, config.IMAGE_FPS)
        self._image = read_image(path)
        self._name = path.name

    def _frames(self) -> Iterator[np.ndarray]:
        self.current_name = self._name
        yield self._image


def _natural_key(path: Path) -> list[Any]:
    """Sort key that puts img2 before img10, as a person numbering photos expects."""
    parts = re.split(r"(\d+)", path.name.lower())
    return [int(p) if p.isdigit() else p for p in parts]


class FolderSource(FrameSource):
    """Images of one folder (not recursive) in natural name order; unreadable ones are skipped.

    The first readable image is read at open time so a folder with none fails eagerly; the rest
    are read lazily, since a folder of phone photos may not fit in memory at once.
    """

    kind = "folder"

    def __init__(self, spec: str, folder: Path) -> None:
        super().__init__(spec, config.IMAGE_FPS)
        exts = set(config.IMAGE_EXTENSIONS)
        files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts]
        if not files:
            names = ", ".join(config.IMAGE_EXTENSIONS)
            raise SourceError(f"no images in folder {folder} (looked for {names})")
        self._files = sorted(files, key=_natural_key)
        self._first: tuple[int, np.ndarray] | None = None
        for i, path in enumerate(self._files):
            image = _try_read(path)
            if image is not None:
                self._first = (i, image)
                break
        if self._first is None:
            raise SourceError(f"no readable images in folder {folder} ({len(files)} unreadable)")

    def _frames(self) -> Iterator[np.ndarray]:
        first_index, first_image = self._first  # type: ignore[misc]
        self._first = None  # let the first image be freed once shown
        self.current_name = self._files[first_index].name
        yield first_image
        for path in self._files[first_index + 1 :]:
            image = _try_read(path)
            if image is not None:
                self.current_name = path.name
                yield image


def _try_read(path: Path) -> np.ndarray | None:
    """read_image, but a bad file in a folder is a warning, not the end of the run."""
    try:
        return read_image(path)
    except SourceError as exc:
        log.warning("skipping %s", exc)
        return None


class VideoSource(FrameSource):
    """A video file via cv2.VideoCapture; opening reads the first frame to prove it decodes."""

    kind = "video"

    def __init__(self, spec: str, path: Path) -> None:
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open video {path}: not a video or no codec for it")
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            raise SourceError(f"cannot read video {path}: no decodable frame")
        super().__init__(spec, _reported_fps(cap))
        self._cap = cap
        self._first: np.ndarray | None = frame

    def _frames(self) -> Iterator[np.ndarray]:
        frame, self._first = self._first, None
        while frame is not None:
            yield to_bgr(frame)
            ok, frame = self._cap.read()
            if not ok:
                break

    def _release(self) -> None:
        self._cap.release()


def _reported_fps(cap: Any) -> float:
    """CAP_PROP_FPS when the backend reports a plausible value, else DEFAULT_FPS."""
    get = getattr(cap, "get", None)
    fps = float(get(cv2.CAP_PROP_FPS)) if get is not None else 0.0
    return fps if np.isfinite(fps) and 0.0 < fps <= 1000.0 else config.DEFAULT_FPS


class DemoSource(FrameSource):
    """Frames from a synthetic scene generator; the first is pulled at open time to check it."""

    kind = "demo"

    def __init__(self, spec: str, frames: Iterator[np.ndarray]) -> None:
        super().__init__(spec, config.DEMO_FPS)
        self._it = iter(frames)
        try:
            self._first: np.ndarray | None = to_bgr(next(self._it))
        except StopIteration:
            raise SourceError("demo scene produced no frames") from None

    def _frames(self) -> Iterator[np.ndarray]:
        first, self._first = self._first, None
        if first is not None:
            yield first
        for frame in self._it:
            yield to_bgr(frame)

    def _release(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


class CameraReader:
    """Reads a capture on a background thread and keeps only the newest frame.

    The hand-over queue holds one frame; the reader replaces an unconsumed frame instead of
    queueing behind it, so a slow consumer never builds latency. When ``read()`` fails for
    ``retry_s`` seconds the reader gives up and :meth:`frames` raises SourceError. The capture
    is released by the reader thread itself once it stops, because releasing a device while
    another thread is inside ``read()`` crashes some backends. Any object with cap-like
    ``read()/release()/isOpened()`` works, which is how tests run without a camera.
    """

    def __init__(self, capture: Capture, *, index: int = 0, retry_s: float = config.CAMERA_RETRY_S):
        self.index = index
        self.retry_s = retry_s
        self.frames_read = 0
        self.frames_dropped = 0
        self._cap = capture
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._failed = threading.Event()
        self._release_lock = threading.Lock()
        self._released = False
        self._thread = threading.Thread(target=self._run, name=f"camera-{index}", daemon=True)

    def start(self) -> CameraReader:
        self._thread.start()
        return self

    def _run(self) -> None:
        last_ok = time.monotonic()
        try:
            while not self._stop.is_set():
                frame = self._read_once()
                if frame is not None:
                    last_ok = time.monotonic()
                    self._put_newest(frame)
                elif time.monotonic() - last_ok > self.retry_s:
                    log.warning("camera %d delivered nothing for %.1f s", self.index, self.retry_s)
                    self._failed.set()
                    return
                else:
                    self._stop.wait(config.CAMERA_RETRY_INTERVAL_S)
        finally:
            self._release_capture()

    def _read_once(self) -> np.ndarray | None:
        """One read; a driver exception counts as a failed read so retrying still applies."""
        try:
            ok, frame = self._cap.read()
        except Exception as exc:  # noqa: BLE001 - any backend error is a dropped frame here
            log.debug("camera %d read raised %r", self.index, exc)
            return None
        if not ok or frame is None or frame.size == 0:
            return None
        self.frames_read += 1
        return frame

    def _put_newest(self, frame: np.ndarray) -> None:
        """Replace any unconsumed frame; with one producer the put below cannot find it full."""
        try:
            self._queue.get_nowait()
            self.frames_dropped += 1
        except queue.Empty:
            pass
        self._queue.put_nowait(frame)

    def wait_first(self, timeout: float) -> bool:
        """True once a frame is waiting (it stays queued for :meth:`frames`), False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.empty():
            if self._failed.is_set() or not self._thread.is_alive() or time.monotonic() > deadline:
                return not self._queue.empty()
            time.sleep(config.CAMERA_RETRY_INTERVAL_S)
        return True

    def frames(self) -> Iterator[np.ndarray]:
        """Newest frames until close(); SourceError once the camera stopped delivering."""
        while True:
            try:
                yield self._queue.get(timeout=config.CAMERA_POLL_S)
                continue
            except queue.Empty:
                pass
            if self._failed.is_set():
                raise SourceError(f"camera {self.index} stopped delivering frames")
            if self._stop.is_set() or not self._thread.is_alive():
                return

    def close(self) -> None:
        """Stop the thread, join it and release the device; safe to call more than once."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(config.CAMERA_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                log.warning("camera %d read is stuck; leaving it to release itself", self.index)
                return
        self._release_capture()

    def _release_capture(self) -> None:
        with self._release_lock:
            if not self._released:
                self._released = True
                self._cap.release()

    @property
    def released(self) -> bool:
        return self._released

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class CameraSource(FrameSource):
    """A live camera; the only source with ``live=True``."""

    kind = "camera"
    live = True

    def __init__(self, spec: str, index: int, capture: Capture, retry_s: float) -> None:
        if not capture.isOpened():
            capture.release()
            raise SourceError(
                f"cannot open camera {index}: no such device, or it is busy or not permitted; "
                "try --source demo or a video/image file"
            )
        super().__init__(spec, _reported_fps(capture))
        self.reader = CameraReader(capture, index=index, retry_s=retry_s).start()
        if not self.reader.wait_first(retry_s):
            self.reader.close()
            raise SourceError(
                f"camera {index} opened but delivered no frames in {retry_s:g} s; "
                "try --source demo or a video/image file"
            )

    def _frames(self) -> Iterator[np.ndarray]:
        for frame in self.reader.frames():
            yield to_bgr(frame)

    def _release(self) -> None:
        self.reader.close()


def open_source(
    spec: str,
    *,
    demo_factory: Callable[[], Iterator[np.ndarray]] | None = None,
    camera_retry_s: float = config.CAMERA_RETRY_S,
    capture_factory: Callable[[int], Capture] | None = None,
) -> FrameSource:
    """Open ``spec``: a camera index ("0"), "demo", a folder, an image file or a video file.

    Eager: the source is opened (and its first frame read) here, so a bad spec raises
    SourceError now rather than falling back to some other source. ``demo_factory`` defaults to
    ``vision.scenes.demo_frames``, imported only when needed; ``capture_factory`` (default
    cv2.VideoCapture) lets tests inject a fake camera.
    """
    spec = spec.strip()
    if spec.isdigit():
        factory = capture_factory if capture_factory is not None else cv2.VideoCapture
        return CameraSource(spec, int(spec), factory(int(spec)), camera_retry_s)
    if spec == "demo":
        if demo_factory is None:
            from vision.scenes import demo_frames as demo_factory
        return DemoSource(spec, demo_factory())
    path = Path(spec).expanduser()
    if path.is_dir():
        return FolderSource(spec, path)
    if path.is_file():
        if path.suffix.lower() in config.IMAGE_EXTENSIONS:
            return ImageSource(spec, path)
        return VideoSource(spec, path)
    raise SourceError(f"no such file or folder: {spec}")
