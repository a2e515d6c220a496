"""Accuracy of the whole reader on a folder of labelled photos.

Usage:
    python -m vision.evaluate PATH [--invert] [--polarity auto|dark|light] [--model FILE] [--json]
    python -m vision.evaluate --synthetic 100     # generated scenes of MNIST test digits

PATH holds images and a ``labels.tsv`` with at least the columns ``file`` and ``label``
(optionally ``repo``, used to report per source). Label grammar: characters as written, a space
for a gap, ``/`` for a line break. Scoring compares the characters in reading order, spaces,
``/`` and ``-`` dropped: accuracy = 1 - edit distance / label length, summed over the folder.
``--invert`` scores inverted copies (light ink on dark) of the same images.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vision.sources import SourceError, read_image

_IGNORED = str.maketrans("", "", " /-")


@dataclass
class ImageScore:
    file: str
    source: str
    label: str
    read: str
    edits: int

    @property
    def accuracy(self) -> float:
        return max(0.0, 1.0 - self.edits / max(1, len(self.label)))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def digits_only(text: str) -> str:
    return text.translate(_IGNORED)


def read_labels(folder: Path) -> list[dict[str, str]]:
    path = folder / "labels.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"no labels.tsv in {folder}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or not {"file", "label"} <= set(rows[0]):
        raise ValueError(f"{path}: needs a header with the columns 'file' and 'label'")
    return rows


def score_folder(folder: Path, classifier, invert: bool = False, polarity: str = "auto") -> list[ImageScore]:
    """Read every labelled image once; one ImageScore per image."""
    from vision.pipeline import read_frame

    scores = []
    for row in read_labels(folder):
        image = read_image(folder / row["file"])
        if invert:
            image = 255 - image
        result = read_frame(image, classifier, polarity)
        label, read = digits_only(row["label"]), digits_only("".join(result.lines))
        source = row.get("repo") or row["file"].rsplit("_", 1)[0]
        scores.append(ImageScore(row["file"], source.split("/")[0], label, read, edit_distance(read, label)))
    return scores


@dataclass
class SyntheticScore:
    scenes: int
    chars: int
    edits: int
    boxes_found: int

    @property
    def char_accuracy(self) -> float:
        return 1 - self.edits / max(1, self.chars)

    @property
    def box_recall(self) -> float:
        return self.boxes_found / max(1, self.chars)


def synthetic_conditions(rng: np.random.Generator) -> dict:
    """One scene's conditions: both polarities, tilt, perspective, light, blur, noise, clutter."""
    return {
        "size": [(320, 240), (640, 480), (1280, 720)][rng.integers(3)],
        "polarity": "dark" if rng.random() < 0.5 else "light",
        "rows": int(rng.integers(1, 4)),
        "tilt_deg": float(rng.uniform(-30, 30)) if rng.random() < 0.5 else 0.0,
        "perspective": float(rng.uniform(0, 0.5)),
        "gradient": float(rng.uniform(0, 1)),
        "blur": float(rng.uniform(0, 1.2)),
        "noise": float(rng.uniform(0, 8)),
        "distractors": bool(rng.random() < 0.5),
        "curve": float(rng.uniform(0, 0.3)) if rng.random() < 0.3 else 0.0,
    }


def score_synthetic(
    classifier, digits: np.ndarray, labels: np.ndarray, scenes: int = 40, seed: int = 0
) -> SyntheticScore:
    """Read generated scenes of real handwritten digits; compare text and boxes to their truth."""
    from vision.pipeline import read_frame
    from vision.scenes import render_scene

    rng = np.random.default_rng(seed)
    total = SyntheticScore(0, 0, 0, 0)
    for _ in range(scenes):
        idx = rng.choice(len(digits), size=int(rng.integers(3, 13)), replace=False)
        scene = render_scene(list(digits[idx]), [str(int(v)) for v in labels[idx]], rng, **synthetic_conditions(rng))
        result = read_frame(scene.frame, classifier)
        truth = digits_only("".join(scene.lines))
        total.scenes += 1
        total.chars += len(truth)
        total.edits += min(len(truth), edit_distance(digits_only("".join(result.lines)), truth))
        boxes = [d.box for d in result.detections]
        total.boxes_found += sum(any(c.box.iou(b) >= 0.5 for b in boxes) for c in scene.chars)
    return total


def summarize(scores: list[ImageScore]) -> dict[str, dict[str, float]]:
    """Character accuracy overall and per source: 1 - total edits / total label length."""
    groups: dict[str, list[ImageScore]] = {"all": scores}
    for s in scores:
        groups.setdefault(s.source, []).append(s)
    out = {}
    for name, items in groups.items():
        chars = sum(len(s.label) for s in items)
        edits = sum(min(s.edits, len(s.label)) for s in items)
        exact = float(np.mean([s.read == s.label for s in items]))
        out[name] = {"images": len(items), "chars": chars, "char_accuracy": 1 - edits / max(1, chars), "exact": exact}
    return out


def format_table(summary: dict[str, dict[str, float]], title: str) -> str:
    lines = [title, f"{'source':<24}{'images':>7}{'chars':>7}{'char acc':>10}{'exact':>8}"]
    for name, s in summary.items():
        lines.append(
            f"{name[:23]:<24}{s['images']:>7}{s['chars']:>7}{s['char_accuracy'] * 100:>9.1f}%{s['exact'] * 100:>7.0f}%"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path, nargs="?", help="folder with images and labels.tsv")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="also read N generated scenes of MNIST test digits (needs MNIST)")
    p.add_argument("--mnist", type=Path, help="path to mnist.npz for --synthetic")
    p.add_argument("--invert", action="store_true", help="score light-on-dark (inverted) copies")
    p.add_argument("--polarity", default="auto", choices=("auto", "dark", "light"))
    p.add_argument("--model", type=Path, help="model file (.tflite or .keras); default: the shipped one")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--details", action="store_true", help="list every image with what was read")
    args = p.parse_args(argv)
    from vision.classifier import Classifier, ModelError
    from vision.data import DatasetError, load_mnist

    if args.folder is None and not args.synthetic:
        p.error("give a folder, --synthetic N, or both")
    try:
        classifier = Classifier(args.model)
        if args.synthetic:
            _, (x_test, y_test) = load_mnist(args.mnist)
            synth = score_synthetic(classifier, x_test, y_test, args.synthetic)
            print(f"synthetic scenes: {synth.scenes} scenes, {synth.chars} chars, char accuracy "
                  f"{synth.char_accuracy * 100:.1f}%, boxes found (IoU>=0.5) {synth.box_recall * 100:.1f}%")
        if args.folder is None:
            return 0
        scores = score_folder(args.folder, classifier, args.invert, args.polarity)
    except (ModelError, SourceError, FileNotFoundError, ValueError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = summarize(scores)
    if args.json:
        print(json.dumps({"summary": summary, "images": [asdict(s) for s in scores]}))
        return 0
    if args.details:
        for s in scores:
            print(f"{s.file[:32]:<33}{s.label[:24]:<25}{s.read[:24]:<25}{s.accuracy * 100:5.0f}%")
    print(format_table(summary, f"{args.folder} ({'inverted' if args.invert else 'as photographed'})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
