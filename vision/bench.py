"""Benchmark of the live loop: time per stage, LiteRT against the usual ``model.predict``, cold start.

Frames are generated scenes of Hershey glyphs (fixed seed, dark ink, mild gradient and noise) at
640x480 and 1280x720 holding 1, 6 and 20 characters. Each configuration pre-renders a few frames
and loops over them. Every iteration runs the live app's own session (``LiveSession.step``, then
``render``: the code the window, headless runs and the web app run) twice on the same frame, in
alternating order so neither side profits from warm caches: once with our LiteRT classifier and
once with the approach of typical webcam-digit projects, the Keras model's
``model.predict(batch, verbose=0)`` called once per frame on the frame's batch of patches. The
segmentation code, the patches, the PIN update and the overlay are the same; only classification
differs, and the run checks that both sides saw identical patches. As in the live app, each frame
is read at the size the previous frame's characters allow (``pipeline.live_side``); the table
shows the median long side frames were read at. Stages are timed from outside: the read's own
stages from ``FrameResult.timings_ms``, "PIN update" as the rest of the step, "overlay" as render.

Usage:
    python -m vision.bench                          # full run, readable tables
    python -m vision.bench --json                   # one JSON object, to compare runs over time
    python -m vision.bench --quick                  # smoke run: few iterations, one cold start
    python -m vision.bench --model /tmp/m1/digit_locker.tflite   # Keras twin: same name, .keras

Targets are printed beside the figures, never asserted: machines are noisy.
Exit codes: 0 ok, 1 failure while running (a cold-start child failed), 2 bad usage or missing model.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vision import config
from vision.entry import PinEntry
from vision.evaluate import read_labels
from vision.lockstore import Lock
from vision.pipeline import ProbabilityModel, read_frame
from vision.session import LiveSession
from vision.sources import load_image
from vision.synth.glyphs import hershey_glyph
from vision.synth.scene import render_scene
from vision.types import FrameResult

ROOT = config.PACKAGE_DIR.parent
DATA = Path(os.environ.get("DIGIT_LOCKER_DATA", ROOT.parent / "shared" / "datasets"))
DEFAULT_PHOTOS = DATA / "real_photos_dev"
DEFAULT_PAGES = DATA / "real_photos_dev2"  # structured paper: the photos that cost most to read

SIZES: tuple[tuple[int, int], ...] = ((640, 480), (1280, 720))
CHAR_COUNTS: tuple[int, ...] = (1, 6, 20)
SEED = 2024
SCENE_STYLE = {"polarity": "dark", "gradient": 0.3, "noise": 2.0}  # a lit desk, a decent webcam
FULL = {"iterations": 60, "frames": 10, "cold_runs": 3}
QUICK = {"iterations": 4, "frames": 2, "cold_runs": 1}
BENCH_PIN = "27K4"
PHOTO_REPEATS = {False: 3, True: 1}  # reads per photo (the best counts), full and quick runs

# (key in the per-frame timings, label in the table); keys up to "rows" come from FrameResult.
STAGES: tuple[tuple[str, str], ...] = (
    ("threshold", "threshold"),
    ("contours", "contours+filters"),
    ("normalize", "normalization"),
    ("classify", "classification"),
    ("rows", "row grouping"),
    ("pin", "PIN update"),
    ("overlay", "overlay drawing"),
    ("total", "total"),
)

# Targets from the issue: (name, unit, limit, True when the value must stay at or below the limit).
TARGET_TOTAL_MS = {(640, 480): 5.0, (1280, 720): 12.0}  # median total with 6 characters
TARGET_TOTAL_CHARS = 6
TARGET_SPEEDUP = 10.0
TARGET_BATCH10_MS = 1.0  # the model's own target: a batch of 10 patches in about 1 ms
TARGET_COLD_S = 1.0
TARGET_RSS_MB = 200.0
TARGET_PHOTO_MS = 30.0  # median time to read one photo of real_photos_dev2 (structured paper)


class BenchError(RuntimeError):
    """A benchmark step could not run (a cold-start child failed)."""


class PredictReference:
    """The usual webcam-digit classifier: Keras ``model.predict(batch, verbose=0)`` once per frame.

    Fed the same uint8 patches as ours, cast to float32 the same way (the model rescales inside).
    """

    def __init__(self, path: Path):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        self.model = keras.saving.load_model(path, compile=False)
        self.keras_version = keras.__version__

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        if len(patches) == 0:  # such projects skip predict when no contour survived
            return np.zeros((0, config.NUM_OUTPUTS), np.float32)
        x = patches.astype(np.float32)[..., None]
        return np.asarray(self.model.predict(x, verbose=0), np.float32)


# --- Frames and the timed loop ----------------------------------------------------------------


def make_frames(size: tuple[int, int], n_chars: int, count: int, seed: int = SEED) -> list[np.ndarray]:
    """``count`` BGR uint8 frames of ``size`` (w, h), each with ``n_chars`` random characters."""
    rng = np.random.default_rng([seed, size[0], size[1], n_chars])
    frames = []
    for _ in range(count):
        labels = [config.CLASSES[i] for i in rng.integers(0, config.NUM_CLASSES, n_chars)]
        glyphs = [hershey_glyph(c, rng) for c in labels]
        frames.append(render_scene(glyphs, labels, rng, size=size, **SCENE_STYLE).frame)
    return frames


def new_session(classifier: ProbabilityModel) -> LiveSession:
    """The live app's own session, on an in-memory lock as the demo uses; frames change every
    iteration, so no character is held long enough to be typed and every update is the ordinary
    per-frame one."""
    return LiveSession(classifier, PinEntry(Lock.in_memory(BENCH_PIN)))


READ_STAGES = ("threshold", "contours", "normalize", "classify", "rows")  # read_frame's own timings


def live_step(session: LiveSession, frame: np.ndarray, index: int) -> tuple[FrameResult, dict[str, float]]:
    """One frame through the session the app runs (read and PIN entry, then the window image)
    -> (FrameResult, ms per stage). The session reads each frame at the size the previous
    frame's characters need (pipeline.live_side), as live; "pin" is the step's time beyond the
    read itself."""
    t0 = time.perf_counter()
    result, _ = session.step(frame, index, index / config.DEMO_FPS)
    t1 = time.perf_counter()
    session.render()
    t2 = time.perf_counter()
    read = sum(result.timings_ms.get(k, 0.0) for k in READ_STAGES)
    step = (t1 - t0) * 1e3
    ms = dict(result.timings_ms, pin=max(0.0, step - read), overlay=(t2 - t1) * 1e3, total=(t2 - t0) * 1e3)
    return result, ms


def _timed_ms(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t0) * 1e3


def stats(values: list[float]) -> dict[str, float]:
    """Median and 95th percentile of a list of milliseconds."""
    arr = np.asarray(values, np.float64)
    return {"median": float(np.median(arr)), "p95": float(np.percentile(arr, 95))}


def _ratio(slow: float, fast: float) -> float | None:
    return slow / fast if fast > 0 and math.isfinite(slow / fast) else None


@dataclass
class Contenders:
    """The classifiers compared on the same frames."""

    ours: ProbabilityModel  # LiteRT
    reference: ProbabilityModel  # model.predict per frame
    keras_call: ProbabilityModel  # our Keras fallback: one direct model call, no predict loop


def bench_config(frames: list[np.ndarray], c: Contenders, iterations: int) -> dict:
    """Time ``iterations`` frames after one untimed pass over ``frames`` (every batch size seen)."""
    ours_ms: dict[str, list[float]] = {key: [] for key, _ in STAGES}
    ref_ms: dict[str, list[float]] = {"classify": [], "total": []}
    keras_ms, found, sides, same = [], [], [], 0
    ours, theirs = new_session(c.ours), new_session(c.reference)
    warmup = len(frames)
    for i in range(warmup + iterations):
        frame = frames[i % len(frames)]
        if i % 2:  # alternate who goes first, so neither side always runs on warm caches
            ref, ref_t = live_step(theirs, frame, i)
            res, t = live_step(ours, frame, i)
        else:
            res, t = live_step(ours, frame, i)
            ref, ref_t = live_step(theirs, frame, i)
        k = _timed_ms(c.keras_call.probabilities, res.patches)
        if not np.array_equal(res.patches, ref.patches):  # also: both read the frame at one size
            raise BenchError("the reference saw different patches: the comparison would be unfair")
        if i < warmup:
            continue
        for key, values in ours_ms.items():
            values.append(t[key])
        for key, values in ref_ms.items():
            values.append(ref_t[key])
        keras_ms.append(k)
        found.append(len(res.detections))
        sides.append(res.process_side)
        same += res.lines == ref.lines
    return _config_summary(ours_ms, ref_ms, keras_ms, found, same) | {"process_side_median": float(np.median(sides))}


def _config_summary(ours_ms, ref_ms, keras_ms, found, same) -> dict:
    stages = {key: stats(v) for key, v in ours_ms.items()}
    reference = {key: stats(v) for key, v in ref_ms.items()}
    total, ref_total = stages["total"]["median"], reference["total"]["median"]
    return {
        "stages": stages,
        "fps": 1000.0 / total,
        "chars_found_median": float(np.median(found)),
        "reference": reference | {"fps": 1000.0 / ref_total},
        "keras_call": {"classify": stats(keras_ms)},
        "speedup": {
            "classify": _ratio(reference["classify"]["median"], stages["classify"]["median"]),
            "total": _ratio(ref_total, total),
        },
        "readings_same_as_reference": {"same": int(same), "of": len(found)},
    }


def run_configs(c: Contenders, iterations: int, n_frames: int, seed: int = SEED) -> list[dict]:
    """Every size x character count; each entry holds its ``size`` [w, h] and ``chars``."""
    out = []
    for size in SIZES:
        for n in CHAR_COUNTS:
            frames = make_frames(size, n, n_frames, seed)
            out.append(
                {"size": list(size), "chars": n, "frames": n_frames, "iterations": iterations}
                | bench_config(frames, c, iterations)
            )
    return out


# --- Cold start -------------------------------------------------------------------------------


# A fresh, small interpreter launches each child and reaps it with os.wait4. Linux carries the peak
# RSS across fork and exec, so a child forked straight from this process (hundreds of MB once
# TensorFlow is loaded) would report our peak, not its own.
_LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
if hasattr(os, "wait4"):
    _, status, usage = os.wait4(p.pid, 0)
    rc, kib = os.waitstatus_to_exitcode(status), usage.ru_maxrss
    p.returncode = rc
    kib = kib / 1024 if sys.platform == "darwin" else kib
else:
    rc, kib = p.wait(), None
print(json.dumps({"seconds": time.perf_counter() - t0, "rc": rc, "maxrss_kib": kib}))
"""


def batch10_ms(classifier: ProbabilityModel, iterations: int) -> dict[str, float]:
    """Median and p95 ms to classify one batch of 10 patches (the model's own speed target)."""
    patches = make_patches(10)
    classifier.probabilities(patches)  # the first call of a batch size builds its interpreter
    return stats([_timed_ms(classifier.probabilities, patches) for _ in range(max(20, iterations))])


def make_patches(n: int, seed: int = SEED) -> np.ndarray:
    """``n`` MNIST-style patches of generated glyphs, the model's real input."""
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    return np.stack([to_mnist(hershey_glyph(config.CLASSES[i % config.NUM_CLASSES], rng)) for i in range(n)])


def cold_start(model: Path, backend: str, runs: int) -> dict:
    """Seconds from launching ``recognize_live.py --source demo --headless --max-frames 1`` to its
    exit, and that child's own peak RSS (its ``ru_maxrss``), averaged over ``runs``."""
    cmd = [
        sys.executable,
        str(ROOT / "recognize_live.py"),
        "--source",
        "demo",
        "--headless",
        "--max-frames",
        "1",
        "--model",
        str(model),
        "--backend",
        backend,
    ]
    seconds, rss = [], []
    for _ in range(runs):
        s, mb = _launch(cmd)
        seconds.append(s)
        rss.append(mb)
    known = [m for m in rss if m is not None]
    return {
        "backend": backend,
        "model": str(model),
        "runs": runs,
        "seconds": float(np.mean(seconds)),
        "seconds_runs": seconds,
        "peak_rss_mb": float(np.mean(known)) if known else None,
        "peak_rss_mb_runs": rss,
    }


def _launch(cmd: list[str]) -> tuple[float, float | None]:
    with tempfile.TemporaryFile() as err:
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *cmd], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, check=False
        )
        err.seek(0)
        errors = err.read().decode(errors="replace").strip().splitlines()
    try:
        out = json.loads(done.stdout)
    except ValueError:
        out = {"rc": done.returncode}
    if done.returncode != 0 or out["rc"] != 0:
        tail = errors[-1] if errors else "no output"
        raise BenchError(f"{' '.join(cmd[1:])} exited with {out['rc']}: {tail}")
    kib = out["maxrss_kib"]
    return out["seconds"], None if kib is None else kib / 1024


# --- Readings on real photos ------------------------------------------------------------------


def compare_readings(folder: Path, ours: ProbabilityModel, keras: ProbabilityModel) -> dict:
    """Lines read by both classifiers on every labelled photo of ``folder`` (skipped if absent)."""
    if not (folder / "labels.tsv").is_file():
        return {"folder": str(folder), "skipped": f"no labels.tsv in {folder}"}
    rows = read_labels(folder)
    diffs = []
    for row in rows:
        image = load_image(folder / row["file"])
        a, b = read_frame(image, ours).lines, read_frame(image, keras).lines
        if a != b:
            diffs.append({"file": row["file"], "litert": list(a), "keras": list(b)})
    return {"folder": str(folder), "photos": len(rows), "identical": len(rows) - len(diffs), "differences": diffs}


def photo_times(folder: Path, classifier: ProbabilityModel, repeats: int) -> dict:
    """Milliseconds to read each labelled photo of ``folder`` as image mode does (decoded
    beforehand: decoding a 12-megapixel JPEG is the codec's time, not the reader's)."""
    if not (folder / "labels.tsv").is_file():
        return {"folder": str(folder), "skipped": f"no labels.tsv in {folder}"}
    per_photo = {}
    for row in read_labels(folder):
        image = load_image(folder / row["file"])
        per_photo[row["file"]] = min(_timed_ms(read_frame, image, classifier) for _ in range(repeats))
    worst = max(per_photo, key=per_photo.get)
    values = sorted(per_photo.values())
    return {
        "folder": str(folder),
        "photos": len(values),
        "median_ms": float(np.median(values)),
        "worst_ms": values[-1],
        "worst_file": worst,
        "per_photo_ms": per_photo,
    }


def format_photo_times(times: dict) -> str:
    if "skipped" in times:
        return f"photo reading: skipped ({times['skipped']})"
    return (
        f"photo reading ({times['folder']}, {times['photos']} photos, decoded beforehand, best of "
        f"repeats): median {times['median_ms']:.1f} ms, worst {times['worst_ms']:.1f} ms ({times['worst_file']})"
    )


# --- Report -------------------------------------------------------------------------------------


def machine_info(model: Path, keras_model: Path, keras_version: str) -> dict:
    import importlib.metadata

    from vision.training.datasets import sha256_file

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or _cpu_model(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "ai_edge_litert": version("ai-edge-litert"),
        "tensorflow": version("tensorflow"),
        "keras": keras_version,
        "model": str(model),
        "model_sha256": sha256_file(model),
        "keras_model": str(keras_model),
    }


def _cpu_model() -> str:
    """platform.processor() is empty on most Linux systems; /proc/cpuinfo names the CPU."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _config(report: dict, size: tuple[int, int], chars: int) -> dict | None:
    return next((c for c in report["configs"] if tuple(c["size"]) == size and c["chars"] == chars), None)


def evaluate_targets(report: dict) -> list[dict]:
    """Each target of the issue with the measured value and whether it is met (never asserted)."""
    rows = []
    for size, limit in TARGET_TOTAL_MS.items():
        cfg = _config(report, size, TARGET_TOTAL_CHARS)
        value = cfg["stages"]["total"]["median"] if cfg else None
        rows.append(_target(f"median total {size[0]}x{size[1]}, {TARGET_TOTAL_CHARS} chars", "ms", value, limit, True))
    typical = [c for c in report["configs"] if c["chars"] == TARGET_TOTAL_CHARS]
    for part in ("classify", "total"):
        ratios = [c["speedup"][part] for c in typical if c["speedup"][part] is not None]
        value = min(ratios) if ratios else None
        name = f"speed-up vs predict, {part}, {TARGET_TOTAL_CHARS} chars (worse size)"
        rows.append(_target(name, "x", value, TARGET_SPEEDUP, False))
    batch = report.get("batch10_ms", {}).get("median")
    rows.append(_target("classify a batch of 10 patches, LiteRT", "ms", batch, TARGET_BATCH10_MS, True))
    photos = report.get("photo_times", {})
    rows.append(
        _target("median time to read a photo of structured paper", "ms", photos.get("median_ms"), TARGET_PHOTO_MS, True)
    )
    lite = report["cold_start"].get("litert") or {}
    rows.append(_target("cold start, LiteRT", "s", lite.get("seconds"), TARGET_COLD_S, True))
    rows.append(_target("peak RSS, LiteRT", "MB", lite.get("peak_rss_mb"), TARGET_RSS_MB, True))
    return rows


def _target(name: str, unit: str, value: float | None, limit: float, at_most: bool) -> dict:
    met = None if value is None else (value <= limit if at_most else value >= limit)
    return {"name": name, "unit": unit, "value": value, "limit": limit, "at_most": at_most, "met": met}


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def _label(cfg: dict) -> str:
    return f"{cfg['size'][0]}x{cfg['size'][1]} {cfg['chars']}ch"


def format_stages(report: dict) -> str:
    cfgs = report["configs"]
    head = f"{'ms per frame, median / p95':<28}" + "".join(f"{_label(c):>16}" for c in cfgs)
    lines = [head]
    for key, name in STAGES:
        cells = "".join(f"{_fmt(c['stages'][key]['median']):>8} /{_fmt(c['stages'][key]['p95']):>6}" for c in cfgs)
        lines.append(f"{name:<28}{cells}")
    lines.append(f"{'frames per second':<28}" + "".join(f"{c['fps']:>16.0f}" for c in cfgs))
    lines.append(f"{'characters read (median)':<28}" + "".join(f"{c['chars_found_median']:>16.0f}" for c in cfgs))
    lines.append(f"{'read at long side (median)':<28}" + "".join(f"{c['process_side_median']:>16.0f}" for c in cfgs))
    return "\n".join(lines)


def format_reference(report: dict) -> str:
    lines = [
        "Classification and total per frame, median ms: ours (LiteRT) vs model.predict once per frame;",
        "same frames, same patches. 'keras call' is a direct model(x) call (our Keras fallback).",
        (
            f"{'config':<16}{'ours':>8}{'predict':>10}{'speed-up':>10}{'keras call':>12}"
            f"{'total ours':>12}{'predict':>10}{'speed-up':>10}{'same reading':>14}"
        ),
    ]
    for c in report["configs"]:
        agree = c["readings_same_as_reference"]
        lines.append(
            f"{_label(c):<16}{c['stages']['classify']['median']:>8.2f}{c['reference']['classify']['median']:>10.2f}"
            f"{_fmt(c['speedup']['classify'], '.1f') + 'x':>10}{c['keras_call']['classify']['median']:>12.2f}"
            f"{c['stages']['total']['median']:>12.2f}{c['reference']['total']['median']:>10.2f}"
            f"{_fmt(c['speedup']['total'], '.1f') + 'x':>10}{agree['same']:>9}/{agree['of']:<4}"
        )
    return "\n".join(lines)


def format_cold(report: dict) -> str:
    lines = [
        "Cold start: recognize_live.py --source demo --headless --max-frames 1 (launch to exit)",
        f"{'backend':<10}{'seconds':>10}{'peak RSS MB':>14}{'runs':>6}",
    ]
    for name, cold in report["cold_start"].items():
        lines.append(f"{name:<10}{cold['seconds']:>10.2f}{_fmt(cold['peak_rss_mb'], '.0f'):>14}{cold['runs']:>6}")
    return "\n".join(lines)


def format_readings(readings: dict) -> str:
    if "skipped" in readings:
        return f"real photos: skipped ({readings['skipped']})"
    text = f"real photos: readings identical on {readings['identical']}/{readings['photos']} photos (LiteRT vs Keras)"
    for d in readings["differences"]:
        text += f"\n  {d['file']}: litert {' / '.join(d['litert'])!r}  keras {' / '.join(d['keras'])!r}"
    return text


def format_targets(targets: list[dict]) -> str:
    lines = [f"{'target':<54}{'measured':>13}{'limit':>12}  met"]
    for t in targets:
        bound = ("<= " if t["at_most"] else ">= ") + format(t["limit"], "g")
        verdict = "n/a" if t["met"] is None else ("yes" if t["met"] else "NO")
        lines.append(f"{t['name']:<54}{_fmt(t['value']) + ' ' + t['unit']:>13}{bound + ' ' + t['unit']:>12}  {verdict}")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    m = report["machine"]
    load = _fmt(m["load_average_1m"])
    head = (
        f"Digit Locker benchmark - model {m['model']}\n"
        f"{m['processor'] or m['machine']}, {m['cpu_count']} CPUs, load {load}; python {m['python']}, "
        f"numpy {m['numpy']}, opencv {m['opencv']}, ai-edge-litert {m['ai_edge_litert']}, "
        f"keras {m['keras']}\n"
        f"{report['iterations']} frames timed per config, looping over {report['frames']} generated "
        f"frames (seed {report['seed']}, dark ink, gradient + noise), polarity auto"
    )
    parts = [
        head,
        format_stages(report),
        format_reference(report),
        format_cold(report),
        format_readings(report["readings"]),
        format_photo_times(report["photo_times"]),
        format_targets(report["targets"]),
    ]
    return "\n\n".join(parts)


# --- CLI ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m vision.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", type=Path, default=config.MODEL_TFLITE, help="LiteRT model (default: the shipped one)")
    p.add_argument(
        "--keras-model", type=Path, help="Keras twin for the reference (default: --model with the .keras suffix)"
    )
    p.add_argument("--iterations", type=int, help=f"frames timed per config (default {FULL['iterations']})")
    p.add_argument("--frames", type=int, help=f"generated frames per config (default {FULL['frames']})")
    p.add_argument("--cold-runs", type=int, help=f"cold starts averaged per backend (default {FULL['cold_runs']})")
    p.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS, help="real photo folder with labels.tsv")
    p.add_argument(
        "--pages",
        type=Path,
        default=DEFAULT_PAGES,
        help="photos of structured paper whose reading time is measured (labels.tsv)",
    )
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--quick", action="store_true", help="smoke run: few iterations, one cold start")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.keras_model is None:
        args.keras_model = args.model.with_suffix(".keras")
    if args.model.suffix != ".tflite":
        p.error(f"--model must be a .tflite file, got {args.model}")
    return args


def run(args: argparse.Namespace) -> dict:
    """The whole benchmark as one JSON-ready dict; raises ModelError or BenchError."""
    from vision.classifier import Classifier

    ours = Classifier(args.model)
    keras_call = Classifier(args.keras_model)
    reference = PredictReference(args.keras_model)
    configs = run_configs(Contenders(ours, reference, keras_call), args.iterations, args.frames, args.seed)
    report = {
        "machine": machine_info(args.model, args.keras_model, reference.keras_version),
        "iterations": args.iterations,
        "frames": args.frames,
        "seed": args.seed,
        "quick": args.quick,
        "configs": configs,
        "cold_start": {
            "litert": cold_start(args.model, "litert", args.cold_runs),
            "keras": cold_start(args.keras_model, "keras", args.cold_runs),
        },
        "readings": compare_readings(args.photos, ours, keras_call),
        "batch10_ms": batch10_ms(ours, args.iterations),
        "photo_times": photo_times(args.pages, ours, PHOTO_REPEATS[args.quick]),
    }
    report["targets"] = evaluate_targets(report)
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from vision.classifier import ModelError

    try:
        report = run(args)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
