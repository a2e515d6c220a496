"""Digit Locker: read handwritten digits and K from a camera, video, photos or the built-in demo.

Usage:
    python recognize_live.py                          # webcam 0, window, PIN entry
    python recognize_live.py --source demo            # generated scene: no camera needed
    python recognize_live.py --source demo --headless --max-frames 300
    python recognize_live.py --source PHOTO --headless --json   # image mode: one JSON per image
    python recognize_live.py --set-pin                # store a new PIN (asked twice, hidden)

Keys (window):
    r reset buffer   Backspace delete last   Enter submit   m sequential/row mode
    p polarity auto/dark/light   d debug view   s snapshot   h help   q / Esc quit

Exit codes: 0 ok, 1 failure while running (camera lost), 2 bad usage or missing input/model.
"""

from __future__ import annotations

import argparse
import getpass
import hmac
import json
import logging
import sys
import time
from pathlib import Path

from vision import config as C

WINDOW = "Digit Locker"


class NoDisplayError(Exception):
    """A window was asked for on a machine without a display."""

log = logging.getLogger("digit_locker")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", default="0", help='camera index, video, image, folder or "demo" (default 0)')
    p.add_argument("--headless", action="store_true", help="no window: print readings and events")
    p.add_argument("--json", action="store_true", help="print one JSON object per processed frame")
    p.add_argument("--max-frames", type=int, default=0, help="stop after N frames (0: until the end)")
    p.add_argument("--model", type=Path, help="model file (.tflite or .keras); default: the shipped one")
    p.add_argument("--backend", default="auto", choices=("auto", "litert", "keras"))
    p.add_argument("--polarity", default="auto", choices=("auto", "dark", "light"))
    p.add_argument("--mode", default="sequential", choices=("sequential", "row"), help="PIN entry mode")
    p.add_argument("--hold", type=float, default=C.PIN_HOLD_S, help="seconds a character must hold")
    p.add_argument("--config", type=Path, help="lock file (default: user config folder)")
    p.add_argument("--set-pin", action="store_true", help="store a new PIN and exit")
    p.add_argument("--snapshots", type=Path, default=Path("snapshots"), help="folder for the s key")
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    from vision.classifier import Classifier, ModelError
    from vision.pin import LockConfigError, WeakPinError
    from vision.sources import SourceError, open_source

    try:
        if args.set_pin:
            return set_pin(args)
        classifier = Classifier(args.model, args.backend)
        source = open_source(args.source)
    except (ModelError, SourceError, LockConfigError, WeakPinError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with source:
        try:
            if not args.headless:
                _gui()  # fail before the first frame, not after it
            if source.kind in ("image", "folder"):
                return run_images(source, classifier, args)
            return run_live(source, classifier, args)
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except (LockConfigError, NoDisplayError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 0


def set_pin(args: argparse.Namespace) -> int:
    """Ask for the PIN twice (hidden on a terminal, from stdin otherwise) and store its hash."""
    from vision.pin import Lock, default_config_path

    path = args.config or default_config_path()
    lock = Lock.load(path)
    first, second = _secret("New PIN (4-8 of 0-9 and K): "), _secret("Repeat the PIN: ")
    if not hmac.compare_digest(first.encode(), second.encode()):
        print("error: the two PINs differ; nothing was changed", file=sys.stderr)
        return 2
    lock.set_pin(first)
    print(f"PIN set ({lock.pin_length} characters), stored as a salted scrypt hash in {path}")
    return 0


def _secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise ValueError("no PIN given on standard input")
    return line.strip()


def run_images(source, classifier, args: argparse.Namespace) -> int:
    """Image mode: read each image once; JSON lines or 'name: row / row' text."""
    from vision.overlay import Hud, draw
    from vision.pipeline import read_frame

    for index, frame in enumerate(source):
        result = read_frame(frame, classifier, args.polarity, index)
        name = source.current_name or args.source
        if args.json:
            print(json.dumps(result.to_json() | {"source": name}), flush=True)
        else:
            print(f"{name}: {' / '.join(result.lines) if result.lines else '(nothing read)'}", flush=True)
        if not args.headless:
            if _show(draw(frame, result.detections, Hud(polarity=args.polarity, polarity_used=result.polarity)), 0):
                break
        if args.max_frames and index + 1 >= args.max_frames:
            break
    return 0


def run_live(source, classifier, args: argparse.Namespace) -> int:
    """Camera, video or demo: the PIN locker loop, headless or with a window."""
    from vision.live import LiveSession, action_for_key

    session = LiveSession(classifier, make_locker(args, source.kind), args.polarity,
                          demo_note=_demo_note(args, source.kind), snapshot_dir=args.snapshots)
    if not args.headless:
        cv2 = _gui()
    start = time.monotonic()
    for index, frame in enumerate(source):
        tick = time.monotonic()
        # Files and the demo run on their own clock, so a hold of 0.4 s means 0.4 s of video
        # however fast this machine processes it; a camera runs on the wall clock.
        now = time.monotonic() - start if source.live else index / source.fps
        result, events = session.step(frame, index, now)
        _report(args, result, session.locker, events)
        if not args.headless:
            cv2.imshow(WINDOW, session.render())
            spent_ms = (time.monotonic() - tick) * 1000
            wait = 1 if source.live else max(1, int(1000 / source.fps - spent_ms))  # play files at their pace
            action = action_for_key(cv2.waitKeyEx(wait))
            if action is not None and action.value == "quit":
                break
            if action is not None:
                _report_events(args, session.handle(action, now))
        if args.max_frames and index + 1 >= args.max_frames:
            break
    if not args.headless:
        cv2.destroyAllWindows()
    return 0


def make_locker(args: argparse.Namespace, kind: str):
    """The real lock from the config file; the demo uses its demo PIN unless a PIN is set there."""
    from vision.pin import Lock, Locker, default_config_path

    if kind == "demo" and args.config is None:
        lock = Lock.in_memory(C.DEMO_PIN)  # a looping demo must never throttle the user's real lock
    else:
        lock = Lock.load(args.config or default_config_path())
        if not lock.has_pin and kind == "demo":
            lock = Lock.in_memory(C.DEMO_PIN)
        elif not lock.has_pin:
            print(f"no PIN set: reading only; set one with `{C.SET_PIN_COMMAND}`", file=sys.stderr)
    return Locker(lock, mode=args.mode, hold_s=args.hold)


def _demo_note(args: argparse.Namespace, kind: str) -> str:
    return f"DEMO - demo PIN {C.DEMO_PIN}" if kind == "demo" and args.config is None else ""


def _report(args: argparse.Namespace, result, locker, events) -> None:
    from vision.live import live_json

    if args.json:
        print(json.dumps(live_json(result, locker, events)), flush=True)
    else:
        _report_events(args, events, result.index)


def _report_events(args: argparse.Namespace, events, index: int | None = None) -> None:
    if args.json:
        for e in events:
            print(json.dumps({"event": e.to_json()}), flush=True)
        return
    for e in events:
        prefix = f"frame {index}: " if index is not None else ""
        print(f"{prefix}{e.kind}: {e.message}", flush=True)


def _gui():
    """OpenCV's window functions, or a one-line error when there is no display."""
    import os

    import cv2

    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise NoDisplayError("no display found; run with --headless (add --json for machine-readable output)")
    return cv2


def _show(image, wait_ms: int) -> bool:
    """Show an image; True when the user asked to quit."""
    from vision.live import Action, action_for_key

    cv2 = _gui()
    cv2.imshow(WINDOW, image)
    return action_for_key(cv2.waitKeyEx(wait_ms)) is Action.QUIT


if __name__ == "__main__":
    sys.exit(main())
