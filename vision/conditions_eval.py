"""Read the generated scenes of each condition the reader fails on, and score them one by one.

The scenes come from ``vision.synth.conditions`` (ruled and squared paper, printed boxes, tables,
handwritten operators, touching digits, small writing, coloured ink, cards on a desk or in a hand,
printed score cards filled in by hand)
and carry their exact truth; each is read by ``vision.pipeline.read_frame`` and scored as
``vision.evaluate.score_synthetic`` scores its scenes, one score per condition.

Usage:
    python -m vision.conditions_eval [--per-condition 30] [--seed 0] [--only ruled,boxes]
                                     [--save DIR] [--mnist FILE] [--model FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from vision.evaluate import SyntheticScore, add_scene_score
from vision.synth.conditions import CONDITIONS, render_condition
from vision.synth.scene import Scene

_CHARS_PER_SCENE = {  # digits a scored scene holds, inclusive
    "ruled": (4, 12), "squared": (4, 12), "boxes": (4, 10), "table": (6, 16), "operators": (4, 10),
    "touching": (4, 9), "small": (8, 24), "colour": (4, 10), "desk": (3, 10), "fingers": (3, 6),
    "form": (4, 10),
}  # fmt: skip


def score_conditions(
    classifier,
    digits: np.ndarray,
    labels: np.ndarray,
    per_condition: int = 30,
    seed: int = 0,
    names: Sequence[str] = CONDITIONS,
    visit: Callable[[str, int, Scene, object], None] | None = None,
) -> dict[str, SyntheticScore]:
    """Read ``per_condition`` generated scenes of each condition; score text and boxes per condition.

    digits: uint8 (N, 28, 28) white-on-black test digits (MNIST), labels their (N,) values.
    Scored as ``score_synthetic``: digits-only edit distance, box recall at IoU >= 0.5 with any
    detection. Each condition draws from its own stream, so its figures do not depend on which
    others are scored. ``visit(name, i, scene, result)`` sees every scene read (to save it).
    """
    from vision.pipeline import read_frame

    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown conditions {unknown}; conditions are {CONDITIONS}")
    scores = {}
    for name in names:
        rng = np.random.default_rng((seed, CONDITIONS.index(name)))
        total = SyntheticScore(0, 0, 0, 0)
        for i in range(per_condition):
            low, high = _CHARS_PER_SCENE[name]
            idx = rng.choice(len(digits), size=int(rng.integers(low, high + 1)), replace=False)
            scene = render_condition(name, list(digits[idx]), [str(int(v)) for v in labels[idx]], rng)
            result = read_frame(scene.frame, classifier)
            add_scene_score(total, scene, result)
            if visit is not None:
                visit(name, i, scene, result)
        scores[name] = total
    return scores


def format_scores(scores: dict[str, SyntheticScore], seconds: float | None = None) -> str:
    """A table, one row per condition and one for all of them together."""
    fields = [f.name for f in dataclasses.fields(SyntheticScore)]
    every = SyntheticScore(*(sum(getattr(s, f) for s in scores.values()) for f in fields))
    rows = [f"{'condition':<12}{'scenes':>7}{'chars':>7}{'char acc':>10}{'box recall':>12}"]
    for name, s in [*scores.items(), ("all", every)]:
        rows.append(f"{name:<12}{s.scenes:>7}{s.chars:>7}{s.char_accuracy * 100:>9.1f}%{s.box_recall * 100:>11.1f}%")
    if seconds is not None:
        rows.append(f"({seconds:.1f} s)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--per-condition", type=int, default=30, metavar="N", help="scenes per condition")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", type=str, default=",".join(CONDITIONS), help="comma-separated conditions")
    p.add_argument("--save", type=Path, metavar="DIR", help="write each scene's frame as DIR/<condition>_<i>.png")
    p.add_argument("--mnist", type=Path, help="mnist.npz; default: ../shared/datasets beside the checkout")
    p.add_argument("--model", type=Path, help="model file (.tflite or .keras); default: the shipped one")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if args.per_condition < 1 or not set(names) <= set(CONDITIONS):
        p.error(f"--per-condition must be >= 1 and --only a subset of {','.join(CONDITIONS)}")
    from vision.classifier import Classifier, ModelError
    from vision.training.datasets import DatasetError, load_mnist

    try:
        classifier = Classifier(args.model)
        _, (x_test, y_test) = load_mnist(args.mnist or _shared_mnist())
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        scores = score_conditions(classifier, x_test, y_test, args.per_condition, args.seed, names, _saver(args.save))
    except (ModelError, DatasetError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_scores(scores, time.perf_counter() - start))
    return 0


def _shared_mnist() -> Path | None:
    """The MNIST copy in ../shared/datasets beside the checkout, when there is one."""
    path = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist.npz"
    return path if path.is_file() else None


def _saver(folder: Path | None) -> Callable[[str, int, Scene, object], None] | None:
    if folder is None:
        return None

    def save(name: str, i: int, scene: Scene, result) -> None:
        if not cv2.imwrite(str(folder / f"{name}_{i:03d}.png"), scene.frame):
            raise OSError(f"cannot write to {folder}")

    return save


if __name__ == "__main__":
    sys.exit(main())
