"""Digit Locker: read handwritten digits and K from a camera, video, photos or the built-in demo.

Usage:
    python recognize_live.py                          # webcam 0, window, PIN entry
    python recognize_live.py --source demo            # generated scene: no camera needed
    python recognize_live.py --source demo --headless --max-frames 300
    python recognize_live.py --source PHOTO --headless --json   # image mode: one JSON per image
    python recognize_live.py --set-pin                # store a new PIN (asked twice, hidden)
    python recognize_live.py --web                    # the web app at http://127.0.0.1:8000

Keys (window):
    r reset buffer   Backspace delete last   Enter submit   m sequential/row mode
    p polarity auto/dark/light   d debug view   s snapshot   h help   q quit
    c teach it your handwriting (asks for each character; Esc leaves teaching, else quits)

Exit codes: 0 ok, 1 failure while running (camera lost), 2 bad usage or missing input/model.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import getpass
import hmac
import json
import logging
import math
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

import cv2
import numpy as np

# The web app's Flask and werkzeug and the demo's scene generator are imported where they are
# used: a camera, image or --set-pin run never needs them.
from vision import config, sources
from vision.classifier import Classifier, ModelError, resolve_model
from vision.entry import Event, PinEntry
from vision.lockstore import Lock, LockConfigError, WeakPinError, default_config_path, normalize_pin, validate_pin
from vision.overlay import Hud, draw
from vision.pipeline import read_frame
from vision.samples import Sample, default_samples_dir, save_samples
from vision.session import DEMO_SCREEN_NOTE, Action, LiveSession, action_for_key, choose_lock, live_json
from vision.snapshots import save_snapshot
from vision.teach import TaughtSample
from vision.types import FrameResult

WINDOW = "Digit Locker"
log = logging.getLogger("digit_locker")


class NoDisplayError(Exception):
    """A window was asked for on a machine without a display."""


def _count(minimum: float, kind: type, maximum: float) -> Callable[[str], float]:
    """An argparse type for a finite number in [minimum, maximum]: inf, nan and 1e308 are refused
    (a --hold of inf or nan would silently never type anything)."""

    def parse(text: str):
        try:
            value = kind(text)
        except (ValueError, OverflowError):
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"not {what}: {text[:40]!r}") from None
        if not math.isfinite(value) or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum}, not {text[:40]!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--source",
        default="0",
        help=f"camera index (0-{config.MAX_CAMERA_INDEX}), video, image (PNG, JPEG, GIF, BMP, WebP, TIFF), "
        'folder, or "demo"; an existing file or folder wins over a camera index, so a folder named '
        "2024 is read (default 0)",
    )
    p.add_argument("--headless", action="store_true", help="no window: print readings and events")
    p.add_argument("--json", action="store_true", help="print one JSON object per processed frame")
    p.add_argument(
        "--max-frames",
        type=_count(0, int, config.MAX_FRAMES_OPTION),
        default=0,
        help="stop after N frames (0: until the end)",
    )
    p.add_argument(
        "--max-pixels",
        type=_count(config.MIN_PIXELS_LIMIT, int, config.MAX_PIXELS_CEILING),
        default=config.MAX_IMAGE_PIXELS,
        help="refuse images and video frames with more pixels, read from the header before decoding "
        f"(default {config.MAX_IMAGE_PIXELS})",
    )
    p.add_argument(
        "--model",
        type=Path,
        help="model file (.tflite or .keras); default: your personal model if you fine-tuned one, else the shipped one",
    )
    p.add_argument("--no-personal", action="store_true", help="use the shipped model even if a personal one exists")
    p.add_argument("--backend", default="auto", choices=("auto", "litert", "keras"))
    p.add_argument("--polarity", default="auto", choices=("auto", "dark", "light"))
    p.add_argument("--mode", default="sequential", choices=("sequential", "row"), help="PIN entry mode")
    p.add_argument(
        "--hold",
        type=_count(0.0, float, config.MAX_HOLD_S),
        default=config.PIN_HOLD_S,
        help=f"seconds a character must hold (0-{config.MAX_HOLD_S:g})",
    )
    p.add_argument("--config", type=Path, help="lock file (default: user config folder)")
    p.add_argument("--set-pin", action="store_true", help="store a new PIN and exit")
    p.add_argument("--web", action="store_true", help="serve the web app (photo, draw, live, lock pages)")
    p.add_argument("--host", default=config.WEB_HOST, help=f"address --web listens on (default {config.WEB_HOST})")
    p.add_argument(
        "--port",
        type=_count(0, int, 65535),
        default=config.WEB_PORT,
        help=f"port --web listens on (default {config.WEB_PORT})",
    )
    p.add_argument("--snapshots", type=Path, default=Path("snapshots"), help="folder for the s key")
    p.add_argument(
        "--samples",
        type=Path,
        help="folder for the handwriting samples the c key takes (default: samples/ beside the lock file)",
    )
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else 2
    _quiet_libraries(args.verbose)
    if args.set_pin:
        return set_pin(args)
    if args.web:
        return run_web(args)
    with contextlib.ExitStack() as stack:
        try:
            run = start(args, stack)
        except (ModelError, sources.SourceError, LockConfigError, WeakPinError, NoDisplayError, ValueError) as exc:
            return _fail(exc, 2)
        try:
            return run()
        except (sources.SourceError, LockConfigError) as exc:  # camera lost, lock file unwritable
            return _fail(exc, 1)
        except KeyboardInterrupt:  # Ctrl-C is how a headless camera run ends
            return 0
        except BrokenPipeError:  # `| head` stopped reading; the interpreter would complain at exit
            return _drop_stdout()


def start(args: argparse.Namespace, stack: contextlib.ExitStack) -> Callable[[], int]:
    """Open everything a run needs, failing before the first frame; returns the run itself."""
    window = None
    if not args.headless:
        try:
            window = stack.enter_context(open_window())
        except NoDisplayError:
            print("note: no display found, running headless (pass --headless to skip this note)", file=sys.stderr)
            args.headless = True
    classifier = load_classifier(args)
    if not args.verbose:
        sources.quiet_video_decoder()
    source = stack.enter_context(
        sources.open_source(args.source, demo_factory=_demo_factory(args), max_pixels=args.max_pixels)
    )
    if source.kind in ("image", "folder"):
        return functools.partial(run_images, source, classifier, args, window)
    return functools.partial(run_live, source, make_session(args, source.kind, classifier), args, window)


def load_classifier(args: argparse.Namespace):
    """--model, else the personal model (said at start) unless --no-personal, else the shipped one."""
    path, note = resolve_model(args.model, use_personal=not args.no_personal)
    if note:
        print(f"note: {note} (--no-personal: the shipped model)", file=sys.stderr)
    return Classifier(path, args.backend)


def _fail(exc: BaseException, code: int) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return code


def _drop_stdout() -> int:
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1


def _quiet_libraries(verbose: bool) -> None:
    """Our messages are one line; OpenCV's probing of camera back-ends prints a dozen more."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not verbose:
        # Qt (OpenCV's window) reads this when the first window opens: without it, each window
        # prints "QFontDatabase: Cannot find font directory" twice. A rule the user set wins.
        os.environ.setdefault("QT_LOGGING_RULES", config.QT_QUIET_LOGGING_RULES)
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


# --- Setting the PIN ---------------------------------------------------------------------


def set_pin(args: argparse.Namespace) -> int:
    """Ask for the PIN twice (hidden on a terminal, from stdin otherwise) and store its hash."""
    path = args.config or default_config_path()
    try:
        lock = Lock.load(path)  # a corrupt file stops us here, before it could be replaced
        first = validate_pin(_secret("New PIN (4-8 of 0-9 and K): "))
        second = normalize_pin(_secret("Repeat the PIN: "))
        if not hmac.compare_digest(first.encode(), second.encode()):
            return _fail(ValueError("the two PINs differ; nothing was changed"), 2)
        lock.set_pin(first)
    except (LockConfigError, WeakPinError, ValueError) as exc:
        return _fail(exc, 2)
    except KeyboardInterrupt:
        return _fail(ValueError("cancelled; nothing was changed"), 130)
    print(
        f"PIN set ({lock.pin_length} characters), stored as a salted scrypt hash in {path}; "
        "a running app uses it at its next check"
    )
    return 0


def _secret(prompt: str) -> str:
    try:
        line = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    except EOFError:
        line = ""
    if not line.strip():
        raise ValueError("no PIN given; nothing was changed")
    return line.strip()


# --- The web app -------------------------------------------------------------------------


def run_web(args: argparse.Namespace) -> int:
    """Serve the web app until Ctrl-C; the model is loaded once, before the first request."""
    from werkzeug.serving import make_server

    from vision.web.app import LOOPBACK_HOSTS, create_app

    # The request log is one line per request (30 a second from the live page): --verbose only.
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        app = create_app(
            load_classifier(args),
            args.config,
            hold_s=args.hold,
            mode=args.mode,
            max_pixels=args.max_pixels,
            trusted_hosts=LOOPBACK_HOSTS if args.host in LOOPBACK_HOSTS else None,  # no DNS rebinding
        )
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        listener = socket.create_server((args.host, args.port), family=family)
    except (ModelError, LockConfigError) as exc:
        return _fail(exc, 2)
    except OSError as exc:  # port in use, or an address this machine does not have
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        return _fail(ValueError(f"cannot listen on {args.host}:{args.port}: {why}"), 2)
    with listener:
        server = make_server(args.host, args.port, app, threaded=True, fd=listener.fileno())
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Digit Locker web app at http://{host}:{server.port}/ (Ctrl-C stops it)", flush=True)
    if args.host not in config.LOOPBACK_HOSTS:
        print("note: the browser allows the webcam only over HTTPS or on localhost", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


# --- Image mode --------------------------------------------------------------------------


def run_images(source: sources.FrameSource, classifier, args: argparse.Namespace, window: Window | None) -> int:
    """Image mode: read each image once; JSON lines or 'name: row / row' text."""
    for index, frame in enumerate(source):
        result = read_frame(frame, classifier, args.polarity, index)
        name = source.current_name or args.source
        if args.json:
            print(json.dumps(result.to_json() | {"source": name}), flush=True)
        else:
            print(f"{name}: {' / '.join(result.lines) if result.lines else '(nothing read)'}", flush=True)
        if window is not None:
            image = draw(frame, result.detections, Hud(polarity=args.polarity, polarity_used=result.polarity))
            if window.show(image, 0) in (Action.QUIT, Action.CANCEL):  # a still waits for a key
                break
        if args.max_frames and index + 1 >= args.max_frames:
            break
    return 0


# --- The live locker ---------------------------------------------------------------------


def make_session(args: argparse.Namespace, kind: str, classifier) -> LiveSession:
    choice = choose_lock(kind == "demo", args.config, args.mode, args.hold)
    if choice.note:
        print(f"{choice.note}; set your own with `{config.SET_PIN_COMMAND}`", file=sys.stderr)
    screen_note = DEMO_SCREEN_NOTE if choice.demo else ""
    store = functools.partial(save_snapshot, args.snapshots)
    return LiveSession(classifier, choice.entry, args.polarity, demo_note=screen_note, save_snapshot=store)


def run_live(source: sources.FrameSource, session: LiveSession, args: argparse.Namespace, window: Window | None) -> int:
    """Camera, video or demo: the PIN locker loop, headless or with a window.

    Files and the demo run on their own clock, so a hold of 0.4 s means 0.4 s of video however
    fast this machine is; a camera runs on the wall clock. Events a key caused are reported with
    the next frame, so --json stays one object per frame.
    """
    start, pending = time.monotonic(), []
    for index, frame in enumerate(source):
        tick = time.monotonic()
        now = tick - start if source.live else index / source.fps
        result, events = session.step(frame, index, now)
        if session.taught:
            events += save_taught(session.take_taught(), args.samples)
        report(args, result, session.entry, pending + events)
        pending = []
        if window is not None:
            action = window.show(session.render(), _wait_ms(source, tick))
            if session.quits(action):
                break
            pending = session.handle(action, now) if action is not None else []
        if args.max_frames and index + 1 >= args.max_frames:
            break
    return 0


def save_taught(taught: list[TaughtSample], folder: Path | None) -> list[Event]:
    """Store samples the teach mode took (owner-only files); a failure is reported, not fatal."""
    folder = folder or default_samples_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    samples = [Sample(t.label, t.patch, f"teach-{stamp}-{t.label}", t.box) for t in taught]
    try:
        paths = save_samples(folder, samples)
    except OSError as exc:
        return [Event("teach", 0, f"could not save the sample to {folder}: {exc}")]
    return [Event("teach", 0, f"sample saved: {p}") for p in paths]


def _wait_ms(source: sources.FrameSource, tick: float) -> int:
    """How long to wait for a key: as little as possible live, a file's own pace otherwise."""
    if source.live:
        return 1
    return max(1, int(1000 / source.fps - (time.monotonic() - tick) * 1000))


def report(args: argparse.Namespace, result: FrameResult, locker: PinEntry, events: list[Event]) -> None:
    """One JSON object per frame with --json, else one line per event; both masked."""
    if args.json:
        print(json.dumps(live_json(result, locker, events)), flush=True)
        return
    for e in events:
        print(f"frame {result.index}: {e.kind}: {e.message}", flush=True)


# --- The window: the only GUI code -------------------------------------------------------


class Window:
    """One OpenCV window; ``show`` draws an image and returns the action of the key pressed."""

    def __init__(self, cv2) -> None:
        self._cv2 = cv2
        self._shown = False

    def show(self, image: np.ndarray, wait_ms: int) -> Action | None:
        self._cv2.imshow(WINDOW, image)
        action = action_for_key(self._cv2.waitKeyEx(wait_ms))
        if self._shown and self._cv2.getWindowProperty(WINDOW, self._cv2.WND_PROP_VISIBLE) < 1:
            return Action.QUIT  # closed with the mouse
        self._shown = True
        return action

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cv2.destroyAllWindows()


def has_display() -> bool:
    """Whether a window can open: always on Windows and macOS, with X11 or Wayland on Linux."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_window() -> Window:
    """The window, or NoDisplayError (one line) when there is no display to open it on."""
    if not has_display():
        raise NoDisplayError("no display found; run with --headless (add --json for machine-readable output)")
    return Window(cv2)


def _demo_factory(args: argparse.Namespace) -> Callable[[], Iterator[np.ndarray]] | None:
    """Headless with no frame limit, the demo plays its script once instead of looping forever."""
    if not args.headless or args.max_frames:
        return None
    from vision.synth.demo import demo_frames

    return functools.partial(demo_frames, loop=False)


if __name__ == "__main__":
    sys.exit(main())
