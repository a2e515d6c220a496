"""Benchmark of the web app over real HTTP, and the screenshots of its pages.

Starts the app on a free localhost port with the shipped model and a throw-away lock file, then
measures what a user of each page waits for:

* ``/api/read`` round trips (urllib, one request at a time, median of N): a 1280 px wide
  generated photo (a ``vision.synth.scene`` scene sent as JPEG) and a 400x200 canvas PNG of drawn
  digits. Beside each, ``read_frame`` alone in-process on the same image, so the ratio shows what
  HTTP, decoding and JSON add.
* Frames per second the Live page gets read end to end in headless Chromium, whose fake camera
  plays the demo scene at 30 fps, 640x480: capture, downscale, JPEG, POST, read, reply, draw.
  Beside it, ``LiveSession.step`` alone in-process on the same frames.

Usage:
    python -m vision.web.bench                      # the table
    python -m vision.web.bench --quick              # fewer repeats, shorter live run
    python -m vision.web.bench --screenshots docs/  # also write web_photo/draw/live.png there

Figures are printed, never asserted: machines are noisy. Chromium is /usr/bin/chromium
(``--chromium``); without it, or without Playwright, the live figure is skipped with the reason.
Exit codes: 0 ok, 1 failure while running, 2 bad usage or missing model.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from vision import config

CHROMIUM = Path("/usr/bin/chromium")
CLIP_SIZE = (640, 480)
CLIP_FPS = 30
SEED = 7

# Handwriting for the drawing tests, the canvas benchmark and the Draw screenshot: each character
# is polylines in a unit box (x right, y down), drawn as strokes with the mouse or with OpenCV.
_RING = [(0.5 + 0.42 * math.sin(a * math.pi / 10), 0.5 - 0.5 * math.cos(a * math.pi / 10)) for a in range(21)]
DIGIT_STROKES: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_RING],
    "1": [[(0.35, 0.15), (0.55, 0.0), (0.55, 1.0)]],
    "2": [[(0.1, 0.25), (0.3, 0.04), (0.65, 0.02), (0.88, 0.22), (0.82, 0.48), (0.1, 1.0), (0.95, 1.0)]],
    "4": [[(0.6, 0.0), (0.05, 0.66), (0.95, 0.66)], [(0.62, 0.05), (0.62, 1.0)]],
    "7": [[(0.05, 0.05), (0.95, 0.05), (0.35, 1.0)]],
}


def stroke_paths(text: str, width: float, height: float) -> list[list[tuple[float, float]]]:
    """Polylines in pixels that write ``text`` in one centred row of a width x height area."""
    ch = 0.6 * height
    cw, gap = 0.55 * ch, 0.45 * ch
    x0 = (width - len(text) * cw - (len(text) - 1) * gap) / 2
    y0 = (height - ch) / 2
    return [
        [(x0 + i * (cw + gap) + px * cw, y0 + py * ch) for px, py in stroke]
        for i, char in enumerate(text)
        for stroke in DIGIT_STROKES[char]
    ]


def canvas_png(text: str, size: tuple[int, int] = (400, 200), pen: int = 12) -> bytes:
    """A white canvas of ``size`` (width, height) with ``text`` drawn in black strokes, as PNG."""
    image = np.full((size[1], size[0], 3), 255, np.uint8)
    for path in stroke_paths(text, *size):
        cv2.polylines(image, [np.int32(path)], False, (0, 0, 0), pen, cv2.LINE_AA)
    return cv2.imencode(".png", image)[1].tobytes()


def scene_photo(text: str = "40712", width: int = 1280, seed: int = SEED, char_height: int | None = None) -> np.ndarray:
    """A generated photo of handwriting on paper, BGR uint8, ``width`` wide at 4:3."""
    from vision.synth.glyphs import hershey_glyph
    from vision.synth.scene import render_scene

    rng = np.random.default_rng(seed)
    glyphs = [hershey_glyph(ch, rng) for ch in text]
    size = (width, width * 3 // 4)
    return render_scene(
        glyphs, list(text), rng, size, rows=1, gradient=0.3, noise=2.0, perspective=0.2, char_height=char_height
    ).frame


# --- A local server and a browser --------------------------------------------------------------


@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """Serve a WSGI ``app`` on a free 127.0.0.1 port in a daemon thread; yields its base URL."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request drowns the output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def write_y4m(path: Path, frames: Iterable[np.ndarray], fps: int = CLIP_FPS) -> int:
    """Write BGR frames as a Y4M clip Chromium's fake camera plays (C420jpeg); returns the count."""
    n = 0
    with open(path, "wb") as out:
        for frame in frames:
            if n == 0:
                h, w = frame.shape[:2]
                out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
            out.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
            n += 1
    return n


def demo_clip(path: Path, pin: str = config.DEMO_PIN, through_row: bool = False) -> int:
    """The demo scene holding up ``pin`` card by card, 640x480 at 30 fps, as a Y4M clip.

    It ends soon after the last card (sequential entry has typed the PIN by then) unless
    ``through_row``, which keeps the whole PIN written in one row as well.
    """
    return write_y4m(path, demo_clip_frames(pin, through_row))


def demo_clip_frames(pin: str = config.DEMO_PIN, through_row: bool = False) -> Iterator[np.ndarray]:
    """The frames of ``demo_clip``: BGR uint8 640x480."""
    from vision.synth.demo import demo_frames, demo_schedule

    schedule = [s for s in demo_schedule(pin, CLIP_FPS) if s[2]]
    end = schedule[-1][1] if through_row else schedule[len(pin) - 1][1] + CLIP_FPS // 3
    frames = demo_frames(pin, CLIP_SIZE, CLIP_FPS, seed=SEED, loop=False)
    return (f for _, f in zip(range(end), frames))


def chromium_args(clip: Path | None = None) -> list[str]:
    args = ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
    if clip is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ]
    return args


def launch(playwright, clip: Path | None = None, chromium: Path = CHROMIUM):
    """The system Chromium, headless; with ``clip`` its fake camera plays that Y4M file."""
    return playwright.chromium.launch(executable_path=str(chromium), args=chromium_args(clip))


def draw_with_mouse(page, text: str, selector: str = "#pad", steps: int = 6) -> None:
    """Write ``text`` on the canvas at ``selector`` with real mouse moves, stroke by stroke."""
    box = page.locator(selector).bounding_box()
    for path in stroke_paths(text, box["width"], box["height"]):
        x, y = path[0]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in path[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
        page.mouse.up()


# --- Measurements --------------------------------------------------------------------------------


def post(url: str, body: bytes, content_type: str, token: str) -> dict:
    import json

    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, "X-CSRF-Token": token}
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def csrf_token(base: str) -> str:
    import json

    with urllib.request.urlopen(f"{base}/api/token", timeout=10) as reply:
        return json.loads(reply.read())["csrf"]


def paired_medians(a, b, repeats: int) -> tuple[float, float]:
    """Median ms of ``a()`` and of ``b()``, called in turns (order alternating) so both see the
    same load on a shared machine; one warm-up call each first."""
    a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(repeats):
        for k in (0, 1) if i % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            (a, b)[k]()
            times[k].append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times[0]), statistics.median(times[1])


def read_round_trips(base: str, classifier, repeats: int) -> list[tuple[str, float, float]]:
    """(what, round trip median ms, in-process read_frame median ms) for a photo and a canvas."""
    from vision.pipeline import read_frame

    token = csrf_token(base)
    photo = cv2.imencode(".jpg", scene_photo(), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    canvas = canvas_png("47")
    rows = []
    for what, data, kind in (
        ("/api/read, 1280x960 photo (JPEG)", photo, "image/jpeg"),
        ("/api/read, 400x200 canvas (PNG)", canvas, "image/png"),
    ):
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        http, local = paired_medians(
            lambda d=data, k=kind: post(f"{base}/api/read", d, k, token),
            lambda f=frame: read_frame(f, classifier),
            repeats,
        )
        rows.append((what, http, local))
    return rows


def session_fps(classifier, frames: Sequence[np.ndarray], lock: Path) -> float:
    """Frames per second ``LiveSession.step`` reads alone, in-process, on the server's lock file,
    from the frames as the page's JPEG (quality 0.8) delivers them, at 30 fps clip times."""
    from vision.session import LiveSession, choose_lock

    def as_sent(frame: np.ndarray) -> np.ndarray:
        return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])[1], cv2.IMREAD_COLOR)

    jpeg = [as_sent(f) for f in frames]
    session = LiveSession(classifier, choose_lock(False, lock).entry)
    t0 = time.perf_counter()
    for i, frame in enumerate(jpeg):
        session.step(frame, i, i / CLIP_FPS)
    return len(jpeg) / (time.perf_counter() - t0)


LIVE_SAMPLES = "[liveStats.ms, liveStats.encodeMs, liveStats.roundTripMs]"


def live_fps(base: str, clip: Path, seconds: float, chromium: Path) -> dict[str, float]:
    """Frames/s the Live page got read over ``seconds`` after warm-up, and the medians of one
    frame's server read, how long the page waited for its JPEG (taken while the previous frame
    was read), and its HTTP round trip (ms)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw, clip, chromium)
        try:
            page = browser.new_page()
            page.goto(f"{base}/live")
            page.wait_for_function("window.liveStats && window.liveStats.frames >= 10", timeout=30_000)
            page.wait_for_timeout(1000)
            n0, t0 = page.evaluate("[liveStats.frames, performance.now()]")
            samples = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                page.wait_for_timeout(200)
                samples.append(page.evaluate(LIVE_SAMPLES))
            n1, t1 = page.evaluate("[liveStats.frames, performance.now()]")
            page.goto("about:blank")
        finally:
            browser.close()
    server, encode, round_trip = (statistics.median(column) for column in zip(*samples))
    return {"fps": (n1 - n0) / ((t1 - t0) / 1000), "server": server, "encode": encode, "round_trip": round_trip}


# --- Screenshots -----------------------------------------------------------------------------------


def screenshots(base: str, out: Path, clip: Path, chromium: Path) -> list[Path]:
    """PNG screenshots of the Photo, Draw and Live pages, from generated images only."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    photo = Path(tempfile.mkdtemp(prefix="dl-shot-")) / "photo.jpg"
    cv2.imwrite(str(photo), scene_photo("2047", 960, char_height=150))
    paths = [out / "web_photo.png", out / "web_draw.png", out / "web_live.png"]
    with sync_playwright() as pw:
        browser = launch(pw, clip, chromium)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.goto(f"{base}/photo")
            page.set_input_files("#file", str(photo))
            page.wait_for_selector("#photo[data-boxes]")
            page.screenshot(path=str(paths[0]), full_page=True)
            page.goto(f"{base}/draw")
            draw_with_mouse(page, "247")
            page.wait_for_function("document.querySelectorAll('.char-card').length >= 3")
            page.screenshot(path=str(paths[1]), full_page=True)
            page.goto(f"{base}/live")
            # The second card being held: one star typed, the hold bar filling under the card.
            held = "liveStats.pin && liveStats.pin.length === 1 && liveStats.pin.candidate_box"
            page.wait_for_function(f"{held} && liveStats.pin.progress > 0.4 && liveStats.pin.progress < 0.9")
            page.screenshot(path=str(paths[2]))
            page.goto("about:blank")
        finally:
            browser.close()
    for path in paths:
        _shrink_png(path)
    return paths


def _shrink_png(path: Path, step: int = 8) -> None:
    """Keep 256 / ``step`` levels a channel and re-encode at OpenCV's strongest PNG compression:
    the video's sensor noise otherwise makes a page screenshot ~450 KB; this one looks the same."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    cv2.imwrite(str(path), image // step * step + step // 2, [cv2.IMWRITE_PNG_COMPRESSION, 9])


# --- The command line ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m vision.web.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter live run")
    parser.add_argument("--screenshots", type=Path, metavar="DIR", help="also write the page screenshots here")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the browser (default: %(default)s)")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    return parser.parse_args(argv)


def machine() -> str:
    cpu = _cpu_model() or platform.processor() or "unknown CPU"
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{load}"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


def run(args: argparse.Namespace) -> int:
    from vision.classifier import Classifier
    from vision.lockstore import Lock
    from vision.web.app import create_app

    missing = _browser_missing(args.chromium)
    if args.screenshots and missing:
        print(f"error: --screenshots needs the browser: {missing}", file=sys.stderr)
        return 2
    classifier = Classifier(args.model)
    repeats = 5 if args.quick else 20
    with tempfile.TemporaryDirectory(prefix="dl-web-bench-") as tmp:
        clip = Path(tmp) / "demo.y4m"
        demo_clip(clip)
        lock = Path(tmp) / "lock.json"
        Lock.load(lock).set_pin(config.DEMO_PIN)  # the clip's PIN: it unlocks, nothing is throttled
        app = create_app(classifier, lock)
        with serve(app) as base:
            rows = read_round_trips(base, classifier, repeats)
            frames = list(demo_clip_frames())  # what the fake camera plays, one loop
            local_fps = session_fps(classifier, frames, lock)
            live = live_fps(base, clip, 4 if args.quick else 10, args.chromium) if not missing else None
            shots = screenshots(base, args.screenshots, clip, args.chromium) if args.screenshots else []
    print(format_report(rows, local_fps, live, missing))
    for path in shots:
        print(f"screenshot: {path} ({path.stat().st_size // 1024} KB)")
    return 0


def format_report(rows, local_fps: float, live: dict[str, float] | None, missing: str | None) -> str:
    lines = [
        f"Digit Locker web bench, {time.strftime('%Y-%m-%d')}, {machine()}",
        f"{'measure':<44}{'web':>10}{'in-process':>12}{'ratio':>7}",
    ]
    for what, http, local in rows:
        lines.append(f"{what:<44}{http:>8.1f}ms{local:>10.1f}ms{http / local:>7.2f}")
    if live is None:
        lines.append(f"live page frames/s: skipped ({missing})")
        return "\n".join(lines)
    fps = live["fps"]
    what = "live page frames/s (30 fps camera, 640x480)"
    lines.append(f"{what:<44}{fps:>10.1f}{local_fps:>12.1f}{fps / local_fps:>7.2f}")
    lines.append(
        "web: median HTTP round trip (photo, canvas); frames/s read end to end in Chromium (live).\n"
        "in-process: read_frame alone on the same image; LiveSession.step alone on the same frames.\n"
        f"live: {fps / CLIP_FPS:.0%} of the camera's frames read (target: 25 frames/s); medians a frame: "
        f"waiting for the JPEG in the page (taken during the previous read) {live['encode']:.1f} ms, "
        f"HTTP round trip {live['round_trip']:.1f} ms, "
        f"of which the server's read {live['server']:.1f} ms."
    )
    return "\n".join(lines)


def _browser_missing(chromium: Path) -> str | None:
    """Why the browser figures cannot be made here, or None."""
    if not chromium.exists():
        return f"{chromium} not found"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed (requirements-dev.txt)"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from vision.classifier import ModelError

    try:
        return run(args)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
