"""Frame sources: a camera index, a video file, an image, a folder of images, or "demo".

Usage:
    with open_source("0") as src:          # or "clip.avi", "photo.jpg", "photos/", "demo"
        for frame in src:                  # BGR uint8 HxWx3
            ...

Opening is eager, so a bad source fails inside :func:`open_source` with :class:`SourceError`
(never a silent fallback to another source); reading is lazy. A source is a one-shot stream:
it closes itself when iteration ends, and ``close()`` may be called any number of times.

Which source a spec names, in this order: an empty spec is an error; "demo" is the demo; an
existing file or folder is read (a folder named ``2024`` is that folder); a number from 0 to
MAX_CAMERA_INDEX is a camera; anything else is a missing file. Images are sized from their header
and refused over a pixel limit before they are decoded (see :mod:`vision.imaging`); an animated
GIF gives every frame, each read like a photo.

A video, camera or demo stream skips an unusable frame (too small, two channels, over the pixel
limit, a read that raised) with a counted warning, and stops only after MAX_BAD_FRAMES_IN_A_ROW
of them. A camera is read on its own thread (:class:`CameraReader`) that keeps only the newest
frame, so a consumer slower than the camera sees the present, not a growing backlog; a read that
never returns is noticed by the consumer after CAMERA_STALL_S.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, Self

import cv2
import numpy as np

from vision import config, imaging
from vision.imaging import ImageError

log = logging.getLogger(__name__)

_SHOWN_CHARS = 80  # a spec or file name longer than this is cut in messages, which stay one line


class SourceError(Exception):
    """A frame source cannot be opened or stopped delivering; the message is one line for users."""


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a camera reader needs; tests pass a fake."""

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...

    def isOpened(self) -> bool: ...


# --- Images ------------------------------------------------------------------------------


def _show(text: object) -> str:
    """A spec or path as it goes into a one-line message: control characters escaped, cut short."""
    text = str(text)
    cut = text[:_SHOWN_CHARS]
    return repr(cut)[1:-1] + ("..." if len(text) > _SHOWN_CHARS else "")


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> BGR uint8 HxWx3 (:func:`vision.imaging.to_bgr`), SourceError if none."""
    try:
        return imaging.to_bgr(image)
    except ImageError as exc:
        raise SourceError(str(exc)) from None


def read_frames(path: str | Path, max_pixels: int = config.MAX_IMAGE_PIXELS) -> list[np.ndarray]:
    """Decode an image file -> its BGR uint8 frames (one, or each frame of an animated GIF).

    Decodes from bytes (np.fromfile + imdecode) because cv2.imread cannot open non-ASCII paths on
    Windows. The header is checked against ``max_pixels`` before anything is decoded.
    SourceError if the file is unreadable, no image, or over the limit.
    """
    path = Path(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
        return [imaging.to_bgr(image) for image in imaging.decode(data, max_pixels)]
    except OSError as exc:
        raise SourceError(f"cannot read image {_show(path)}: {exc.strerror or exc}") from None
    except ImageError as exc:
        raise SourceError(f"cannot read image {_show(path)}: {exc}") from None


def load_image(path: str | Path, max_pixels: int = config.MAX_IMAGE_PIXELS) -> np.ndarray:
    """The first frame of :func:`read_frames`: BGR uint8 HxWx3."""
    return read_frames(path, max_pixels)[0]


def _named(path: Path, frames: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """Name each frame for reports: ``card.png``, or ``anim.gif[3]`` for frames of an animation."""
    if len(frames) == 1:
        return [(path.name, frames[0])]
    return [(f"{path.name}[{i}]", frame) for i, frame in enumerate(frames)]


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
    """One image file, read at open time; yields its frame (each frame, for an animated GIF)."""

    kind = "image"

    def __init__(self, spec: str, path: Path, max_pixels: int = config.MAX_IMAGE_PIXELS) -> None:
        super().__init__(spec, config.IMAGE_FPS)
        self._named = _named(path, read_frames(path, max_pixels))

    def _frames(self) -> Iterator[np.ndarray]:
        named, self._named = self._named, []
        for name, frame in named:
            self.current_name = name
            yield frame


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

    def __init__(self, spec: str, folder: Path, max_pixels: int = config.MAX_IMAGE_PIXELS) -> None:
        super().__init__(spec, config.IMAGE_FPS)
        self._max_pixels = max_pixels
        files = _image_files(folder)
        if not files:
            names = ", ".join(config.IMAGE_EXTENSIONS)
            raise SourceError(f"no images in folder {_show(folder)} (looked for {names})")
        self._files = sorted(files, key=_natural_key)
        self._first: tuple[int, list[tuple[str, np.ndarray]]] | None = None
        for i, path in enumerate(self._files):
            named = _try_read(path, max_pixels)
            if named:
                self._first = (i, named)
                break
        if self._first is None:
            raise SourceError(f"no readable images in folder {_show(folder)} ({len(files)} unreadable)")

    def _frames(self) -> Iterator[np.ndarray]:
        first_index, named = self._first  # type: ignore[misc]
        self._first = None  # let the first image be freed once shown
        for path in [None, *self._files[first_index + 1 :]]:
            named = named if path is None else _try_read(path, self._max_pixels)
            for name, frame in named:
                self.current_name = name
                yield frame


def _image_files(folder: Path) -> list[Path]:
    """The folder's files with an image extension; SourceError if it cannot be listed."""
    exts = set(config.IMAGE_EXTENSIONS)
    try:
        return [p for p in folder.iterdir() if p.suffix.lower() in exts and p.is_file()]
    except OSError as exc:
        raise SourceError(f"cannot read folder {_show(folder)}: {exc.strerror or exc}") from None


def _try_read(path: Path, max_pixels: int) -> list[tuple[str, np.ndarray]]:
    """read_frames, named; a bad file in a folder is a warning (and no frames), not the end."""
    try:
        return _named(path, read_frames(path, max_pixels))
    except SourceError as exc:
        log.warning("skipping %s", exc)
        return []


class FrameGuard:
    """Turns a stream's raw frames into BGR uint8 and skips the unusable ones.

    One bad frame (a 4x4 or 2-channel frame, one over the pixel limit, a read that raised) must
    not end a session, so it is counted and skipped; a warning is logged for the 1st, 10th,
    100th... so a flaky stream cannot flood the terminal. ``max_bad`` bad frames in a row mean
    the stream itself is broken: SourceError.
    """

    def __init__(self, label: str, max_pixels: int, max_bad: int = config.MAX_BAD_FRAMES_IN_A_ROW) -> None:
        self.label, self.max_pixels, self.max_bad = label, max_pixels, max_bad
        self.skipped = 0
        self._in_a_row = 0

    def check(self, frame: object) -> np.ndarray | None:
        """The frame as BGR uint8, or None (counted) when it is unusable."""
        try:
            image = np.asarray(frame)
            if image.ndim >= 2:
                imaging.check_pixels(image.shape[1], image.shape[0], self.max_pixels)
            bgr = imaging.to_bgr(image)
        except (ImageError, ValueError, TypeError) as exc:
            self.bad(str(exc) if isinstance(exc, ImageError) else f"not an image ({exc})")
            return None
        self._in_a_row = 0
        return bgr

    def bad(self, reason: str) -> None:
        """Count one unusable frame; SourceError once there were ``max_bad`` in a row."""
        self.skipped += 1
        self._in_a_row += 1
        if self._in_a_row >= self.max_bad:
            raise SourceError(f"{self.label}: {self._in_a_row} unusable frames in a row (last: {reason}); stopping")
        if str(self.skipped).rstrip("0") == "1":  # 1, 10, 100, ...
            log.warning("%s: skipped an unusable frame (%s); %d skipped so far", self.label, reason, self.skipped)


def _read_guarded(cap: Capture, guard: FrameGuard) -> tuple[bool, np.ndarray | None]:
    """One read of a file capture: (False, None) at the end, (True, None) for a skipped frame."""
    try:
        ok, frame = cap.read()
    except Exception as exc:  # noqa: BLE001 - any decoder error is one bad frame here
        guard.bad(f"read failed: {_show(exc)}")
        return True, None
    if not ok:
        return False, None
    return True, guard.check(frame)


class VideoSource(FrameSource):
    """A video file via cv2.VideoCapture; opening reads the first usable frame to prove it decodes.

    The frame size the container declares is checked against the pixel limit before any frame is
    decoded; each frame is checked again (a stream may change size).
    """

    kind = "video"

    def __init__(self, spec: str, path: Path, max_pixels: int = config.MAX_IMAGE_PIXELS) -> None:
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open video {_show(path)}: not a video or no codec for it")
        self._guard = FrameGuard(f"video {_show(path)}", max_pixels)
        try:
            _check_declared_size(cap, max_pixels)
            self._first = self._first_frame(cap, path)
        except ImageError as exc:
            cap.release()
            raise SourceError(f"cannot read video {_show(path)}: {exc}") from None
        except SourceError:
            cap.release()
            raise
        super().__init__(spec, _reported_fps(cap))
        self._cap = cap

    def _first_frame(self, cap: Capture, path: Path) -> np.ndarray:
        while True:
            more, frame = _read_guarded(cap, self._guard)
            if not more:
                raise SourceError(f"cannot read video {_show(path)}: no decodable frame")
            if frame is not None:
                return frame

    def _frames(self) -> Iterator[np.ndarray]:
        first, self._first = self._first, None
        if first is not None:
            yield first
        while True:
            more, frame = _read_guarded(self._cap, self._guard)
            if not more:
                return
            if frame is not None:
                yield frame

    def _release(self) -> None:
        self._cap.release()


def _check_declared_size(cap: Any, max_pixels: int) -> None:
    """ImageTooLargeError when the capture reports a frame size over the limit."""
    get = getattr(cap, "get", None)
    if get is not None:
        w, h = float(get(cv2.CAP_PROP_FRAME_WIDTH)), float(get(cv2.CAP_PROP_FRAME_HEIGHT))
        if np.isfinite(w * h) and w > 0 and h > 0:
            imaging.check_pixels(int(w), int(h), max_pixels)


def quiet_video_decoder() -> None:
    """Keep FFmpeg's own lines ("moov atom not found", decoder warnings) off stderr.

    For a front end that owns the terminal; effective when called before the first video opens,
    and a value the user set in OPENCV_FFMPEG_LOGLEVEL is kept. Errors still arrive as
    SourceError with one line.
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET


def _reported_fps(cap: Any) -> float:
    """CAP_PROP_FPS when the backend reports a plausible value, else DEFAULT_FPS."""
    get = getattr(cap, "get", None)
    fps = float(get(cv2.CAP_PROP_FPS)) if get is not None else 0.0
    return fps if np.isfinite(fps) and 0.0 < fps <= 1000.0 else config.DEFAULT_FPS


class DemoSource(FrameSource):
    """Frames from a synthetic scene generator; the first is pulled at open time to check it."""

    kind = "demo"

    def __init__(self, spec: str, frames: Iterator[np.ndarray], max_pixels: int = config.MAX_IMAGE_PIXELS) -> None:
        super().__init__(spec, config.DEMO_FPS)
        self._it = iter(frames)
        self._guard = FrameGuard("demo", max_pixels)
        self._first: np.ndarray | None = None
        for frame in self._it:
            self._first = self._guard.check(frame)
            if self._first is not None:
                break
        if self._first is None:
            raise SourceError("demo scene produced no frames")

    def _frames(self) -> Iterator[np.ndarray]:
        first, self._first = self._first, None
        if first is not None:
            yield first
        for frame in self._it:
            bgr = self._guard.check(frame)
            if bgr is not None:
                yield bgr

    def _release(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


class CameraReader:
    """Reads a capture on a background thread and keeps only the newest frame.

    The hand-over queue holds one frame; the reader replaces an unconsumed frame instead of
    queueing behind it, so a slow consumer never builds latency. When ``read()`` fails for
    ``retry_s`` seconds the reader gives up and :meth:`frames` raises SourceError; when one
    ``read()`` has not returned for ``stall_s`` (a hung driver), :meth:`frames` raises
    SourceError too, since the thread cannot be interrupted, only abandoned. The capture
    is released by the reader thread itself once it stops, because releasing a device while
    another thread is inside ``read()`` crashes some backends. Any object with cap-like
    ``read()/release()/isOpened()`` works, which is how tests run without a camera.
    """

    def __init__(
        self,
        capture: Capture,
        *,
        index: int = 0,
        retry_s: float = config.CAMERA_RETRY_S,
        stall_s: float = config.CAMERA_STALL_S,
    ):
        self.index = index
        self.retry_s = retry_s
        self.stall_s = stall_s
        self.frames_dropped = 0
        self._cap = capture
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._failed = threading.Event()
        self._release_lock = threading.Lock()
        self._released = False
        self._reading_since: float | None = None  # set while the thread is inside read()
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
        self._reading_since = time.monotonic()
        try:
            ok, frame = self._cap.read()
        except Exception as exc:  # noqa: BLE001 - any backend error is a dropped frame here
            log.debug("camera %d read raised %r", self.index, exc)
            return None
        finally:
            self._reading_since = None
        if not ok or frame is None or np.asarray(frame).size == 0:
            return None
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
        """Newest frames until close(); SourceError once the camera stopped delivering or hung."""
        while True:
            try:
                yield self._queue.get(timeout=config.CAMERA_POLL_S)
                continue
            except queue.Empty:
                pass
            if self._failed.is_set():
                raise SourceError(f"camera {self.index} stopped delivering frames")
            if self.stalled:
                raise SourceError(
                    f"camera {self.index} stopped responding: a read has not returned for {self.stall_s:g} s"
                )
            if self._stop.is_set() or not self._thread.is_alive():
                return

    @property
    def stalled(self) -> bool:
        """Whether the thread has been inside one read() for longer than ``stall_s``."""
        since = self._reading_since
        return since is not None and time.monotonic() - since > self.stall_s

    def close(self) -> None:
        """Stop the thread, join it and release the device; safe to call more than once."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(config.CAMERA_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                # INFO, not WARNING: the caller has already said the camera hung, in one line
                log.info("camera %d read is stuck; leaving it to release itself", self.index)
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

    def __init__(
        self,
        spec: str,
        index: int,
        capture: Capture,
        retry_s: float,
        stall_s: float = config.CAMERA_STALL_S,
        max_pixels: int = config.MAX_IMAGE_PIXELS,
    ) -> None:
        if not capture.isOpened():
            capture.release()
            raise SourceError(
                f"cannot open camera {index}: no such device, or it is busy or not permitted; "
                "try --source demo or a video/image file"
            )
        super().__init__(spec, _reported_fps(capture))
        self._guard = FrameGuard(f"camera {index}", max_pixels)
        self.reader = CameraReader(capture, index=index, retry_s=retry_s, stall_s=stall_s).start()
        if not self.reader.wait_first(retry_s):
            self.reader.close()
            raise SourceError(
                f"camera {index} opened but delivered no frames in {retry_s:g} s; "
                "try --source demo or a video/image file"
            )

    def _frames(self) -> Iterator[np.ndarray]:
        for frame in self.reader.frames():
            bgr = self._guard.check(frame)
            if bgr is not None:
                yield bgr

    def _release(self) -> None:
        self.reader.close()


def open_source(
    spec: str,
    *,
    demo_factory: Callable[[], Iterator[np.ndarray]] | None = None,
    camera_retry_s: float = config.CAMERA_RETRY_S,
    camera_stall_s: float = config.CAMERA_STALL_S,
    capture_factory: Callable[[int], Capture] | None = None,
    max_pixels: int = config.MAX_IMAGE_PIXELS,
) -> FrameSource:
    """Open ``spec``: "demo", a file or folder, or a camera index ("0"), in that order of rules.

    Eager: the source is opened (and its first frame read) here, so a bad spec raises
    SourceError now rather than falling back to some other source. An existing path wins over a
    camera index, so a folder named ``2024`` is read as that folder. ``demo_factory`` defaults to
    ``vision.synth.demo.demo_frames``, imported only when needed; ``capture_factory`` (default
    cv2.VideoCapture) lets tests inject a fake camera. ``max_pixels`` bounds every image and frame.
    """
    name = spec.strip()
    if not name:
        raise SourceError('the source is empty: give a camera index, a video, an image, a folder or "demo"')
    if name == "demo":
        if demo_factory is None:
            from vision.synth.demo import demo_frames as demo_factory
        return DemoSource(name, demo_factory(), max_pixels)
    path = _existing_path(spec) or _existing_path(name)
    if path is not None:
        return _open_path(spec, path, max_pixels)
    if name.isascii() and name.isdigit():
        index = _camera_index(name)
        factory = capture_factory if capture_factory is not None else cv2.VideoCapture
        return CameraSource(name, index, factory(index), camera_retry_s, camera_stall_s, max_pixels)
    raise SourceError(f"no such file or folder: {_show(name)}")


def _existing_path(spec: str) -> Path | None:
    """``spec`` as an existing path (``~`` expanded), or None; a name the OS refuses is an error."""
    try:
        path = Path(spec).expanduser()
        return path if path.exists() else None
    except RuntimeError:  # "~user" of an unknown user
        return None
    except OSError as exc:  # a name too long, say
        raise SourceError(f"cannot use source {_show(spec)}: {exc.strerror or exc}") from None


def _camera_index(digits: str) -> int:
    """A camera index from 0 to MAX_CAMERA_INDEX; SourceError (not an overflow in OpenCV) else."""
    if len(digits) > len(str(config.MAX_CAMERA_INDEX)) or int(digits) > config.MAX_CAMERA_INDEX:
        raise SourceError(
            f"no such file or folder: {_show(digits)}; and as a camera index it is out of range "
            f"(0-{config.MAX_CAMERA_INDEX})"
        )
    return int(digits)


def _open_path(spec: str, path: Path, max_pixels: int) -> FrameSource:
    if path.is_dir():
        return FolderSource(spec, path, max_pixels)
    if not path.is_file():
        raise SourceError(f"not a regular file or folder: {_show(path)} (a camera is given by its number)")
    if path.suffix.lower() in config.IMAGE_EXTENSIONS:
        return ImageSource(spec, path, max_pixels)
    return VideoSource(spec, path, max_pixels)
