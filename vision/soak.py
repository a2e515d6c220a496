"""Soak run of the live session: memory and throughput over many frames (a tool, not a CI test).

Feeds the looping demo source through ``LiveSession`` exactly as the app does (read, PIN entry,
overlay, masked JSON) with the real model, on the demo's own clock, so the demo PIN is typed and
checked (a real scrypt check) once per loop. Each loop starts with the ``r`` key, as a person
would press it: the row at the end of a loop types a stray character that would otherwise shift
every later loop into wrong PINs and, after ten, a disabled lock that checks nothing.

Every ``--every`` frames it prints the resident memory (VmRSS) and the frames per second since the
last line; at the end the growth from the first line to the last, which is what a leak would show
(the first line comes after the model, the caches and the first loop of the demo are warm).

Usage:
    python -m vision.soak --frames 20000             # about 4 minutes on 2 cores
    python -m vision.soak --frames 2000 --every 200 --no-render

Exit codes: 0 ok, 2 bad usage or missing model.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
from pathlib import Path

from vision import config

DEFAULT_FRAMES = 20_000
DEFAULT_EVERY = 1_000
STATUS = Path("/proc/self/status")


def rss_mb() -> float:
    """Resident memory now, MiB; where /proc is missing, the peak so far (ru_maxrss) instead."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux


def soak(frames: int, every: int, render: bool, model: Path | None) -> list[dict]:
    """Run ``frames`` demo frames through a LiveSession; one row per ``every`` frames."""
    from vision.classifier import Classifier
    from vision.entry import PinEntry
    from vision.lockstore import Lock
    from vision.session import Action, LiveSession, live_json
    from vision.synth.demo import demo_frames, demo_schedule

    session = LiveSession(Classifier(model), PinEntry(Lock.in_memory(config.DEMO_PIN)))
    loop = demo_schedule()[-1][1]
    rows, granted, mark = [], 0, time.perf_counter()
    for index, frame in enumerate(itertools.islice(demo_frames(loop=True), frames)):
        if index % loop == 0:
            session.handle(Action.RESET, index / config.DEMO_FPS)
        result, events = session.step(frame, index, index / config.DEMO_FPS)
        json.dumps(live_json(result, session.entry, events))  # what --json prints, built and dropped
        granted += sum(e.kind == "granted" for e in events)
        if render:
            session.render()
        if (index + 1) % every == 0 or index + 1 == frames:
            now = time.perf_counter()
            done = index + 1 - (rows[-1]["frames"] if rows else 0)
            row = {"frames": index + 1, "rss_mb": round(rss_mb(), 1), "fps": round(done / (now - mark), 1)}
            rows.append(row | {"granted": granted})
            print(
                f"{row['frames']:>7} frames  RSS {row['rss_mb']:7.1f} MiB  {row['fps']:6.1f} frames/s  "
                f"unlocked {granted}x",
                flush=True,
            )
            mark = now
    return rows


def summary(rows: list[dict], seconds: float) -> str:
    """One line: overall throughput, and RSS growth from the first row (warm) to the last."""
    first, last = rows[0], rows[-1]
    peak = max(r["rss_mb"] for r in rows)
    growth = last["rss_mb"] - first["rss_mb"]
    return (
        f"{last['frames']} frames in {seconds:.0f} s: {last['frames'] / seconds:.1f} frames/s overall; "
        f"RSS {first['rss_mb']:.1f} MiB at frame {first['frames']}, {last['rss_mb']:.1f} MiB at the end "
        f"({growth:+.1f} MiB), peak {peak:.1f} MiB; unlocked {last['granted']}x"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m vision.soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--frames", type=int, default=DEFAULT_FRAMES, help=f"frames to run (default {DEFAULT_FRAMES})")
    p.add_argument("--every", type=int, default=DEFAULT_EVERY, help=f"print a line every N (default {DEFAULT_EVERY})")
    p.add_argument("--no-render", dest="render", action="store_false", help="skip the overlay (headless)")
    p.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="also print the rows as one JSON object at the end")
    args = p.parse_args(argv)
    if args.frames < 1 or args.every < 1:
        p.error("--frames and --every must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from vision.classifier import ModelError

    start = time.perf_counter()
    try:
        rows = soak(args.frames, args.every, args.render, args.model)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(rows, time.perf_counter() - start))
    if args.json:
        print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
