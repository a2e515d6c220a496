"""Accuracy of the whole reader on a folder of labelled photos.

Usage:
    python -m vision.evaluate PATH [--invert] [--polarity auto|dark|light] [--model FILE]
                                   [--json] [--details] [--save-failures DIR]
    python -m vision.evaluate --synthetic 100     # generated scenes of MNIST test digits

PATH holds images and a ``labels.tsv`` with at least the columns ``file`` and ``label``. Optional
columns: ``repo`` (report per source), ``kind`` (``scatter`` is scored order-free), ``roi``
(``x0,y0,x1,y1`` boxes separated by ``;``: only those fields are read, each on its own, and the
readings are joined with ``/``), ``printed_digits`` (``yes``: a page full of printed digits,
listed and reported apart but left out of every other line), ``background`` and ``ink``
(reported per value, like ``kind``). Label grammar: characters as written, a space for a gap or
a left-out operator, ``/`` for a line break. Scoring drops spaces, ``/`` and ``-``; it compares the
characters in reading order (edit distance), or for ``kind=scatter`` as multisets (errors = the
larger of missing and extra), since the order of strewn numbers is a judgement call.
Accuracy = 1 - errors / label length, summed over the folder, errors capped per image at its
label length. ``--invert`` scores inverted copies (light ink on dark) of the same images.
``--save-failures DIR`` writes ``DIR/<stem>.png`` for every image not read exactly: the reader's
boxes and characters, the ROI boxes, and the label and the reading in a header bar.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from vision import config
from vision.sources import SourceError, load_image
from vision.types import Box, Detection

_IGNORED = str.maketrans("", "", " /-")
ORDERED, ORDER_FREE = "ordered", "order-free"
CONDITIONS = ("background", "ink", "kind")  # label columns reported per value
PRINTED = "printed pages (not in total)"
FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class ImageScore:
    """One image's score. ``label`` and ``read`` are digits only; ``text`` is the reading as the
    reader gave it (rows and ROI readings joined with ``/``). ``edits`` is uncapped."""

    file: str
    source: str
    label: str
    read: str
    edits: int
    kind: str = ""
    scoring: str = ORDERED
    printed: bool = False
    background: str = ""
    ink: str = ""
    rois: int = 0
    text: str = ""

    @property
    def accuracy(self) -> float:
        return max(0.0, 1.0 - self.edits / max(1, len(self.label)))

    @property
    def exact(self) -> bool:
        return self.edits == 0


@dataclass(frozen=True)
class ImageReading:
    """What reading one image produced: its score, the detections in image pixels, and the
    (margin-widened, clipped) ROI boxes that were read; feeds the failure picture."""

    score: ImageScore
    detections: tuple[Detection, ...]
    rois: tuple[Box, ...] = ()
    label_text: str = ""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def multiset_errors(label: str, read: str) -> int:
    """Order-free errors: the larger of characters missing and characters extra.

    A wrong digit counts once (one missing, one extra), as a substitution does in reading order.
    """
    want, got = Counter(digits_only(label)), Counter(digits_only(read))
    return max(sum((want - got).values()), sum((got - want).values()))


def score_text(label: str, read: str, order_free: bool = False) -> int:
    """Errors of ``read`` against ``label`` (spaces, ``/`` and ``-`` dropped), uncapped."""
    if order_free:
        return multiset_errors(label, read)
    return edit_distance(digits_only(read), digits_only(label))


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


def parse_rois(text: str, file: str = "") -> tuple[Box, ...]:
    """``"x0,y0,x1,y1;x0,y0,x1,y1"`` (stored-image pixels) -> Boxes; ``""`` -> no ROI.

    ValueError naming the file on anything else, so a typo in labels.tsv is not silently read
    as the whole page.
    """
    boxes = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            x0, y0, x1, y1 = (int(v) for v in part.split(","))
        except ValueError:
            raise ValueError(f"{file}: bad roi {part!r}: want x0,y0,x1,y1 in whole pixels") from None
        if x1 <= x0 or y1 <= y0:
            raise ValueError(f"{file}: bad roi {part!r}: x1 must exceed x0 and y1 exceed y0")
        boxes.append(Box(x0, y0, x1 - x0, y1 - y0))
    return tuple(boxes)


def crop_box(box: Box, shape: tuple[int, ...], file: str = "") -> Box:
    """The box widened by a small margin and clipped to an image of ``shape`` (H, W, ...)."""
    m = max(config.ROI_MIN_MARGIN, round(config.ROI_MARGIN * min(box.w, box.h)))
    h, w = shape[:2]
    x0, y0 = max(0, box.x - m), max(0, box.y - m)
    x1, y1 = min(w, box.x2 + m), min(h, box.y2 + m)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"{file}: roi {box.x},{box.y},{box.x2},{box.y2} lies outside the {w}x{h} image")
    return Box(x0, y0, x1 - x0, y1 - y0)


def read_folder(
    folder: Path, classifier, invert: bool = False, polarity: str = "auto"
) -> Iterator[tuple[np.ndarray, ImageReading]]:
    """Read every labelled image once, lazily: (the image as read, what reading it produced)."""
    for row in read_labels(folder):
        image = load_image(folder / row["file"])
        if invert:
            image = 255 - image
        yield image, read_row(image, row, classifier, polarity)


def score_folder(folder: Path, classifier, invert: bool = False, polarity: str = "auto") -> list[ImageScore]:
    """Read every labelled image once; one ImageScore per image."""
    return [reading.score for _, reading in read_folder(folder, classifier, invert, polarity)]


def read_row(image: np.ndarray, row: dict[str, str], classifier, polarity: str = "auto") -> ImageReading:
    """Read one image (BGR uint8 HxWx3) as its labels.tsv row asks: whole, or box by box."""
    file = row["file"]
    crops = tuple(crop_box(b, image.shape, file) for b in parse_rois(row.get("roi") or "", file))
    detections, text = _read_regions(image, crops, classifier, polarity)
    kind = (row.get("kind") or "").strip()
    order_free = kind == "scatter"
    source = row.get("repo") or file.rsplit("_", 1)[0]
    score = ImageScore(
        file,
        source.split("/")[0],
        digits_only(row["label"]),
        digits_only(text),
        score_text(row["label"], text, order_free),
        kind=kind,
        scoring=ORDER_FREE if order_free else ORDERED,
        printed=(row.get("printed_digits") or "").strip().lower() == "yes",
        background=(row.get("background") or "").strip(),
        ink=(row.get("ink") or "").strip(),
        rois=len(crops),
        text=text,
    )
    return ImageReading(score, detections, crops, row["label"])


def _read_regions(
    image: np.ndarray, crops: tuple[Box, ...], classifier, polarity: str
) -> tuple[tuple[Detection, ...], str]:
    """Detections (image pixels) and text, rows joined with "/": of the whole image, or of each
    crop on its own with the crops' readings joined with "/" (the label's grammar for ROIs)."""
    from vision.pipeline import read_frame

    if not crops:
        result = read_frame(image, classifier, polarity)
        return result.detections, "/".join(result.lines)
    detections: list[Detection] = []
    texts = []
    for c in crops:
        result = read_frame(np.ascontiguousarray(image[c.y : c.y2, c.x : c.x2]), classifier, polarity)
        detections += [replace(d, box=Box(d.box.x + c.x, d.box.y + c.y, d.box.w, d.box.h)) for d in result.detections]
        texts.append("/".join(result.lines))
    return tuple(detections), "/".join(texts)


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
    from vision.synth.scene import render_scene

    rng = np.random.default_rng(seed)
    total = SyntheticScore(0, 0, 0, 0)
    for _ in range(scenes):
        idx = rng.choice(len(digits), size=int(rng.integers(3, 13)), replace=False)
        scene = render_scene(list(digits[idx]), [str(int(v)) for v in labels[idx]], rng, **synthetic_conditions(rng))
        add_scene_score(total, scene, read_frame(scene.frame, classifier))
    return total


def add_scene_score(total: SyntheticScore, scene, result) -> None:
    """Add one generated scene's reading to ``total``: digits-only edit distance (capped at the
    truth's length) and the true boxes found at IoU >= config.BOX_MATCH_IOU by any detection."""
    truth = digits_only("".join(scene.lines))
    total.scenes += 1
    total.chars += len(truth)
    total.edits += min(len(truth), edit_distance(digits_only("".join(result.lines)), truth))
    boxes = [d.box for d in result.detections]
    total.boxes_found += sum(any(c.box.iou(b) >= config.BOX_MATCH_IOU for b in boxes) for c in scene.chars)


def group_scores(scores: list[ImageScore]) -> dict[str, dict[str, list[ImageScore]]]:
    """Section -> group name -> images: per source (with "all"), per condition value, and the
    printed pages, which sit only in their own section: they measure nothing a PIN reader does."""
    counted = [s for s in scores if not s.printed]
    sections: dict[str, dict[str, list[ImageScore]]] = {"source": {"all": counted}}
    for s in counted:
        sections["source"].setdefault(s.source, []).append(s)
    for column in CONDITIONS:
        groups: dict[str, list[ImageScore]] = {}
        for s in sorted(counted, key=lambda s: getattr(s, column)):
            if getattr(s, column):
                groups.setdefault(f"{column}={getattr(s, column)}", []).append(s)
        if groups:
            sections[column] = groups
    printed = [s for s in scores if s.printed]
    if printed:
        sections["printed_digits"] = {PRINTED: printed}
    return sections


def _stats(items: list[ImageScore]) -> dict[str, float]:
    chars = sum(len(s.label) for s in items)
    edits = sum(min(s.edits, len(s.label)) for s in items)
    exact = sum(s.exact for s in items) / max(1, len(items))
    return {"images": len(items), "chars": chars, "char_accuracy": 1 - edits / max(1, chars), "exact": exact}


def summarize_sections(scores: list[ImageScore]) -> dict[str, dict[str, dict[str, float]]]:
    """:func:`summarize`, kept in its sections (source, background, ink, kind, printed_digits)."""
    return {
        section: {name: _stats(items) for name, items in groups.items()}
        for section, groups in group_scores(scores).items()
    }


def summarize(scores: list[ImageScore]) -> dict[str, dict[str, float]]:
    """Character accuracy (1 - total errors / total label length) of every group, in one dict:
    "all" (printed pages left out), each source, "background=paper" and the like, and PRINTED."""
    return {name: stats for groups in summarize_sections(scores).values() for name, stats in groups.items()}


def format_table(summary: dict[str, dict[str, float]], title: str = "", heading: str = "source") -> str:
    lines = [title] if title else []
    lines.append(f"{heading:<30}{'images':>7}{'chars':>7}{'char acc':>10}{'exact':>8}")
    for name, s in summary.items():
        lines.append(
            f"{name[:29]:<30}{s['images']:>7}{s['chars']:>7}{s['char_accuracy'] * 100:>9.1f}%{s['exact'] * 100:>7.0f}%"
        )
    return "\n".join(lines)


def format_report(sections: dict[str, dict[str, dict[str, float]]], title: str) -> str:
    """One table per section of :func:`summarize_sections`, the first under ``title``."""
    tables = [
        format_table(groups, title if i == 0 else "", section) for i, (section, groups) in enumerate(sections.items())
    ]
    return "\n\n".join(tables)


def format_details(scores: list[ImageScore]) -> str:
    """One line per image: file, label, reading, accuracy, scoring mode, ROIs, printed mark."""
    lines = []
    for s in scores:
        marks = [s.scoring, f"roi x{s.rois}" if s.rois else "", "printed (not in total)" if s.printed else ""]
        head = f"{s.file[:32]:<33}{s.label[:24]:<25}{s.read[:24]:<25}{s.accuracy * 100:5.0f}%"
        lines.append(f"{head}  {', '.join(m for m in marks if m)}")
    return "\n".join(lines)


def draw_failure(image: np.ndarray, reading: ImageReading) -> np.ndarray:
    """BGR uint8 image -> a NEW BGR image at most config.FAILURE_SIDE px long: every detection's box
    with its character above it, the ROI boxes, and a header bar with the label and the reading."""
    scale = min(1.0, config.FAILURE_SIDE / max(image.shape[:2]))
    out = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    out = np.ascontiguousarray(out, dtype=np.uint8).copy()
    thick = max(1, round(max(out.shape[:2]) / 640))
    for box in reading.rois:
        _rectangle(out, box, scale, config.FAILURE_ROI_COLOR, thick)
    color = config.FAILURE_DETECTION_COLOR
    for det in reading.detections:
        x, y = _rectangle(out, det.box, scale, color, thick)
        cv2.putText(out, det.char, (x, max(12, y - 4)), FONT, 0.4 * thick + 0.2, color, thick, cv2.LINE_AA)
    return np.vstack([_header(reading, out.shape[1]), out])


def _rectangle(out: np.ndarray, box: Box, scale: float, color: tuple[int, int, int], thick: int) -> tuple[int, int]:
    x0, y0 = round(box.x * scale), round(box.y * scale)
    cv2.rectangle(out, (x0, y0), (round(box.x2 * scale) - 1, round(box.y2 * scale) - 1), color, thick)
    return x0, y0


def _header(reading: ImageReading, width: int) -> np.ndarray:
    """config.FAILURE_HEADER_PX x width dark bar: "label: ..." over "read: ..." (shrunk to fit the width)."""
    bar = np.full((config.FAILURE_HEADER_PX, width, 3), 32, np.uint8)
    s = reading.score
    texts = (f"label: {reading.label_text or s.label}", f"read: {s.text}   ({s.accuracy * 100:.0f}%, {s.scoring})")
    for i, text in enumerate(texts):
        (tw, _), _ = cv2.getTextSize(text, FONT, 0.5, 1)
        size = max(0.3, min(0.5, 0.5 * (width - 12) / max(1, tw)))
        cv2.putText(bar, text, (6, 17 + 20 * i), FONT, size, (255, 255, 255), 1, cv2.LINE_AA)
    return bar


def save_failure(folder: Path, image: np.ndarray, reading: ImageReading) -> Path:
    """Write :func:`draw_failure` to ``folder/<file stem>.png``; OSError if it cannot be written."""
    path = folder / f"{Path(reading.score.file).stem}.png"
    ok, data = cv2.imencode(".png", draw_failure(image, reading))
    if not ok:
        raise OSError(f"cannot encode a failure picture for {reading.score.file}")
    data.tofile(path)  # not cv2.imwrite: it cannot open non-ASCII paths on Windows
    return path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path, nargs="?", help="folder with images and labels.tsv")
    p.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="also read N generated scenes of MNIST test digits (needs MNIST)",
    )
    p.add_argument("--mnist", type=Path, help="path to mnist.npz for --synthetic")
    p.add_argument("--invert", action="store_true", help="score light-on-dark (inverted) copies")
    p.add_argument("--polarity", default="auto", choices=("auto", "dark", "light"))
    p.add_argument("--model", type=Path, help="model file (.tflite or .keras); default: the shipped one")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--details", action="store_true", help="list every image with what was read")
    p.add_argument(
        "--save-failures",
        type=Path,
        metavar="DIR",
        help="write DIR/<stem>.png with boxes and text for every image not read exactly",
    )
    return p


def _score(args: argparse.Namespace, classifier) -> list[ImageScore]:
    """Read the folder, saving a failure picture as each inexact image is read (not all kept)."""
    scores = []
    for image, reading in read_folder(args.folder, classifier, args.invert, args.polarity):
        scores.append(reading.score)
        if args.save_failures is not None and not reading.score.exact:
            save_failure(args.save_failures, image, reading)
    return scores


def _report(args: argparse.Namespace, scores: list[ImageScore]) -> str:
    sections = summarize_sections(scores)
    if args.json:
        images = [asdict(s) | {"accuracy": s.accuracy, "exact": s.exact} for s in scores]
        return json.dumps({"summary": summarize(scores), "sections": sections, "images": images})
    table = format_report(sections, f"{args.folder} ({'inverted' if args.invert else 'as photographed'})")
    return f"{format_details(scores)}\n{table}" if args.details else table


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    from vision.classifier import Classifier, ModelError
    from vision.training.datasets import DatasetError, load_mnist

    if args.folder is None and not args.synthetic:
        p.error("give a folder, --synthetic N, or both")
    try:
        if args.save_failures is not None:
            args.save_failures.mkdir(parents=True, exist_ok=True)
        classifier = Classifier(args.model)
        if args.synthetic:
            _, (x_test, y_test) = load_mnist(args.mnist)
            synth = score_synthetic(classifier, x_test, y_test, args.synthetic)
            print(
                f"synthetic scenes: {synth.scenes} scenes, {synth.chars} chars, char accuracy "
                f"{synth.char_accuracy * 100:.1f}%, boxes found (IoU>={config.BOX_MATCH_IOU:g}) "
                f"{synth.box_recall * 100:.1f}%"
            )
        if args.folder is None:
            return 0
        scores = _score(args, classifier)
    except (ModelError, SourceError, FileNotFoundError, ValueError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_report(args, scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
