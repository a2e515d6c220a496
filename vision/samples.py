"""The owner's handwriting samples: collected from photos whose text is known, stored, loaded.

A sample is the 28x28 patch the model saw for one box of a real reading (``vision.pipeline``),
labelled with the character the label says is there, not the one the model read: a 1 the model
took for a 7 is stored as a 1, which is what fine-tuning needs. Only characters that line up with
the label without doubt are kept: the reading must have as many rows as the label, and a row as
many characters as its label row; when a row's count differs but its gap-separated groups are as
many as the label's, each group whose count matches is kept (an operator read as a 1 costs one
group, not the row). Everything else is dropped with the reason.

Store layout (Keras ``image_dataset_from_directory``): ``SAMPLES/<class>/<name>.png``, class
folders ``0``-``9`` and ``K``, each a uint8 28x28 grey PNG in the model's input polarity (white
ink on black), plus ``SAMPLES/samples.json`` saying where each came from. Folders are 0700 and
files 0600 (as snapshots: they show the owner's handwriting), never written over an older file.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from vision import config
from vision.preprocess import to_mnist
from vision.snapshots import encode_png, private_dir, write_private
from vision.types import Box, Detection

SAMPLES_JSON = "samples.json"  # provenance of every sample, beside the class folders
SAMPLES_DIR_NAME = "samples"  # in the user data folder, beside the lock file
MIN_PER_CLASS = 3  # a class with fewer samples is refused: too few to learn from or to hold one out
NAME_TRIES = 100  # "-2", "-3"... suffixes tried before giving up on a name
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class SampleError(ValueError):
    """A sample folder that cannot be used (missing, unknown class folder, unreadable image...)."""


@dataclass(frozen=True)
class Sample:
    """One collected character: its true label, the patch the model saw, and where it came from."""

    char: str
    patch: np.ndarray  # uint8 (28, 28), white ink on black
    source: str  # photo file name
    box: Box  # frame pixels of the photo
    read: str = ""  # what the shipped reader read there (may differ from ``char``: that is the point)
    confidence: float = 0.0


@dataclass
class Collected:
    """What collecting one photo gave: the samples kept and one line per dropped part."""

    source: str
    kept: list[Sample] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    dropped_chars: int = 0

    def summary(self) -> str:
        why = "; ".join(self.dropped)
        return f"{self.source}: kept {len(self.kept)}, dropped {self.dropped_chars}" + (f" ({why})" if why else "")


def default_samples_dir() -> Path:
    """The user data folder beside the lock file (``~/.config/digit-locker/samples``)."""
    from vision.lockstore import default_config_path

    return default_config_path().parent / SAMPLES_DIR_NAME


# --- reading a photo and lining it up with its label ------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One detection of a reading and the patch the model read it from."""

    detection: Detection
    patch: np.ndarray  # uint8 (28, 28)


def read_with_patches(image: np.ndarray, classifier, polarity: str = "auto") -> list[Pair]:
    """Read ``image`` (BGR uint8 HxWx3) with the real reader; each detection with its patch
    (``FrameResult.detection_patches``: the very patch the model read for that box)."""
    from vision.pipeline import read_frame

    result = read_frame(image, classifier, polarity)
    return [Pair(d, p) for d, p in zip(result.detections, result.detection_patches)]


def label_rows(label: str) -> list[list[str]]:
    """``"28 10/5"`` -> ``[["28", "10"], ["5"]]``: rows, each a list of gap-separated groups."""
    return [[g.replace("-", "") for g in row.split()] for row in label.split("/")]


def align(pairs: Sequence[Pair], label: str, source: str, collected: Collected | None = None) -> Collected:
    """Keep the characters of a reading that line up with ``label`` without doubt (module doc)."""
    out = collected or Collected(source)
    want = label_rows(label)
    if any(c not in config.CLASSES for row in want for g in row for c in g):
        raise SampleError(f"{source}: label {label!r} has characters outside 0-9 and K")
    read_rows: dict[int, list[Pair]] = {}
    for pair in pairs:
        read_rows.setdefault(pair.detection.row, []).append(pair)
    rows = [sorted(read_rows[r], key=lambda p: p.detection.col) for r in sorted(read_rows)]
    if len(rows) != len(want):
        out.dropped.append(f"read {len(rows)} rows, the label has {len(want)}")
        out.dropped_chars += sum(len("".join(r)) for r in want)
        return out
    for r, (got, groups) in enumerate(zip(rows, want)):
        _align_row(got, groups, r, source, out)
    return out


def _align_row(got, groups: list[str], r: int, source: str, out: Collected) -> None:
    text = "".join(groups)
    if len(got) == len(text):
        _keep(got, text, source, out)
        return
    read_groups = _groups(got)
    if len(read_groups) != len(groups):
        out.dropped.append(f"row {r + 1}: read {len(got)} characters, the label has {len(text)}")
        out.dropped_chars += len(text)
        return
    for g, (mine, theirs) in enumerate(zip(read_groups, groups)):
        if len(mine) == len(theirs):
            _keep(mine, theirs, source, out)
        else:
            read = "".join(p.detection.char for p in mine)
            out.dropped.append(f"row {r + 1} group {g + 1}: read {read!r}, the label has {theirs!r}")
            out.dropped_chars += len(theirs)


def _groups(got):
    groups = []
    for p in got:
        if p.detection.gap_before or not groups:
            groups.append([])
        groups[-1].append(p)
    return groups


def _keep(got, text: str, source: str, out: Collected) -> None:
    for p, char in zip(got, text):
        d = p.detection
        out.kept.append(Sample(char, p.patch.copy(), source, d.box, d.char, float(d.confidence)))


def collect_image(image: np.ndarray, label: str, classifier, source: str, roi: str = "") -> Collected:
    """Read one photo and keep what lines up with ``label``. ``roi`` as in labels.tsv: each box is
    read on its own (as ``vision.evaluate`` reads it) and takes one label row, or the whole label
    when there is one box."""
    from vision.evaluate import crop_box, parse_rois

    crops = [crop_box(b, image.shape, source) for b in parse_rois(roi, source)]
    if not crops:
        return align(read_with_patches(image, classifier), label, source)
    rows = label.split("/")
    if len(crops) != 1 and len(crops) != len(rows):
        out = Collected(source, dropped=[f"{len(crops)} roi boxes for {len(rows)} label rows"])
        out.dropped_chars = len(_chars(label))
        return out
    parts = [label] if len(crops) == 1 else rows
    out = Collected(source)
    for c, part in zip(crops, parts):
        pairs = read_with_patches(np.ascontiguousarray(image[c.y : c.y2, c.x : c.x2]), classifier)
        shifted = [Pair(_shift(p.detection, c), p.patch) for p in pairs]
        align(shifted, part, source, out)
    return out


def _shift(d: Detection, c: Box) -> Detection:
    from dataclasses import replace

    return replace(d, box=Box(d.box.x + c.x, d.box.y + c.y, d.box.w, d.box.h))


def collect_folder(folder: Path, classifier, files: Iterable[str] | None = None) -> list[Collected]:
    """Collect every photo of ``folder/labels.tsv`` (or only ``files`` of it).

    Scatter pages (their order is a judgement call) and pages full of printed digits are skipped
    with the reason: nothing on them lines up without doubt.
    """
    from vision.evaluate import read_labels
    from vision.sources import load_image

    wanted = None if files is None else set(files)
    out = []
    for row in read_labels(folder):
        if wanted is not None and row["file"] not in wanted:
            continue
        if (row.get("kind") or "").strip() == "scatter" or (row.get("printed_digits") or "").strip() == "yes":
            why = "scattered numbers" if row.get("kind") == "scatter" else "a page of printed digits"
            out.append(Collected(row["file"], dropped=[f"skipped: {why}"], dropped_chars=len(_chars(row["label"]))))
            continue
        image = load_image(folder / row["file"])
        out.append(collect_image(image, row["label"], classifier, row["file"], row.get("roi") or ""))
    return out


def _chars(label: str) -> str:
    return "".join("".join(r) for r in label_rows(label))


# --- the store ----------------------------------------------------------------------------------


def save_samples(folder: Path, samples: Sequence[Sample], now: float | None = None) -> list[Path]:
    """Write each sample to ``folder/<class>/<name>.png`` (0600, folders 0700) and record its
    origin in ``folder/samples.json``; returns the paths written. Names never replace a file."""
    private_parents(folder)
    private_dir(folder)
    index = read_index(folder)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    written = []
    for s in samples:
        sub = private_dir(folder / s.char)
        path = _write_new(sub, _stem(s), encode_png(s.patch))
        index[f"{s.char}/{path.name}"] = {
            "label": s.char,
            "read": s.read,
            "confidence": round(s.confidence, 4),
            "source": s.source,
            "box": s.box.as_list(),
            "time": stamp,
        }
        written.append(path)
    _write_index(folder, index)
    return written


def private_parents(folder: Path) -> None:
    """Create the missing folders above ``folder`` 0700 (the user data folder beside the lock
    file is private; ``mkdir(parents=True)`` would make it 0755 under the usual umask)."""
    missing = []
    for parent in Path(folder).absolute().parents:
        if parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        parent.mkdir(mode=config.SNAPSHOT_DIR_MODE, exist_ok=True)
        parent.chmod(config.SNAPSHOT_DIR_MODE)


def _stem(s: Sample) -> str:
    return f"{_SAFE.sub('_', Path(s.source).stem)[:40]}-x{s.box.x}y{s.box.y}"


def _write_new(folder: Path, stem: str, data: bytes) -> Path:
    for attempt in range(1, NAME_TRIES + 1):
        path = folder / (f"{stem}.png" if attempt == 1 else f"{stem}-{attempt}.png")
        try:
            write_private(path, data)
        except FileExistsError:
            continue
        return path
    raise SampleError(f"{NAME_TRIES} samples named {stem} already in {folder}")


def read_index(folder: Path) -> dict:
    path = folder / SAMPLES_JSON
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SampleError(f"{path}: not a samples index ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("samples"), dict):
        raise SampleError(f"{path}: not a samples index (no 'samples' object)")
    return data["samples"]


def _write_index(folder: Path, index: dict) -> None:
    """Replace ``samples.json`` whole: a new 0600 file renamed over the old one."""
    path = folder / SAMPLES_JSON
    tmp = folder / f".{SAMPLES_JSON}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    write_private(tmp, (json.dumps({"version": 1, "samples": index}, indent=1, sort_keys=True) + "\n").encode())
    os.replace(tmp, path)


# --- loading for fine-tuning ----------------------------------------------------------------------


def load_samples(folder: Path, min_per_class: int = MIN_PER_CLASS) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(x uint8 (N, 28, 28), y int (N,) class indices, names "<class>/<file>")`` of a store.

    SampleError (one line) for a missing folder, an unknown class folder, an unreadable image, no
    samples at all, or a class with fewer than ``min_per_class``. Images of other sizes (or dark
    ink on light) are laid out as live crops are (:func:`normalize`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SampleError(f"no sample folder at {folder}")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    unknown = [c for c in classes if c not in config.CLASSES]
    if unknown:
        raise SampleError(f"{folder}: unknown class folders {', '.join(unknown)} (expected 0-9 and K)")
    xs, ys, names = [], [], []
    for c in classes:
        files = sorted(p for p in (folder / c).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if 0 < len(files) < min_per_class:
            raise SampleError(
                f"{folder}: class {c} has {len(files)} sample{'s' if len(files) > 1 else ''}, fewer than "
                f"{min_per_class}: collect more or remove it"
            )
        for p in files:
            xs.append(normalize(_read_gray(p)))
            ys.append(config.CLASSES.index(c))
            names.append(f"{c}/{p.name}")
    if not xs:
        raise SampleError(f"{folder}: no samples (expected images in class folders 0-9 and K)")
    return np.stack(xs), np.asarray(ys, np.int64), names


def _read_gray(path: Path) -> np.ndarray:
    data = np.fromfile(path, np.uint8) if path.is_file() else np.zeros(0, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if img is None:
        raise SampleError(f"cannot read sample image {path}")
    return img


def normalize(gray: np.ndarray) -> np.ndarray:
    """Grey uint8 image -> uint8 (28, 28) patch in the model's input contract.

    A 28x28 image in white-on-black is taken as it is (what collecting writes). Any other is
    treated as a crop of writing: dark ink on a light border is inverted, the background below
    Otsu's threshold set to 0, and the ink laid out by ``to_mnist`` as live crops are.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if float(np.median(border)) > 127:
        gray = 255 - gray
    if gray.shape == (config.PATCH_SIZE, config.PATCH_SIZE):
        return gray
    level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return to_mnist(np.where(gray > level, gray, 0).astype(np.uint8))


def class_counts(y: np.ndarray) -> dict[str, int]:
    return {config.CLASSES[c]: int(np.sum(y == c)) for c in range(config.NUM_CLASSES) if np.any(y == c)}
