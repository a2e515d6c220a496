"""What a personal model buys on real writers: before/after, split by photo (issue 12).

Usage:
    python -m vision.personal_eval [--data ../shared/datasets] [--epochs 6] [--replay 8000] [--json]

For each writer of the development photos: collect samples (``vision.samples``) from some of the
writer's photos, fine-tune the shipped model on them (``train_model.py --fine-tune``, in-process),
and read the writer's OTHER photos with the shipped and with the personal model, scored by
``vision.evaluate`` (reading accuracy of whole photos), plus the per-class errors on the
characters of those photos that line up with their labels. Photos are never split into patches:
a writer with one photo cannot be split and is listed as such. A writer with several photos is
split into two folds (odd and even photos), so each photo is held out once.

Then one personal model fine-tuned on everything that lines up in ``real_photos_dev2`` (a few
hundred samples of several writers) is checked for what it must not lose: MNIST test, K recall
(hold-out), and the reading of ``real_photos_dev`` (never trained on here), against the shipped
model. The hidden photos are never read. Takes about five minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vision import config

DEFAULT_DATA = config.PACKAGE_DIR.parent.parent / "shared" / "datasets"
DEV, DEV2 = "real_photos_dev", "real_photos_dev2"
MULTI_PHOTO = {"math-solver (simepavlic)": (DEV2, "simepavlic/math-solver")}  # writer -> (set, repo)
SINGLE_PHOTO = {  # writer -> (set, its one photo); TGtony's three scans are three writers
    "TGtony writer 1 (test1)": (DEV2, "23_test1.jpg"),
    "TGtony writer 2 (test3)": (DEV2, "24_test3.jpg"),
    "TGtony writer 3 (test4)": (DEV2, "25_test4.jpg"),
    "PhotoMath grid (agnimish)": (DEV2, "28_5.jpeg"),
    "pavitrakumar78 sheet": (DEV, "pavitrakumar78_custom_train_digits.jpg"),
}


@dataclass
class Fold:
    writer: str
    train_photos: list[str]
    test_photos: list[str]
    samples: dict[str, int] = field(default_factory=dict)  # per class, after the minimum
    left_out: dict[str, int] = field(default_factory=dict)  # classes under MIN_PER_CLASS
    chars: int = 0
    shipped: float = 0.0  # reading accuracy of the held-out photos
    personal: float | None = None  # None: nothing to fine-tune on
    class_errors: dict[str, str] = field(default_factory=dict)  # "shipped -> personal" per class
    note: str = ""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding real_photos_dev(2) and mnist.npz")
    p.add_argument("--epochs", type=int, help="fine-tune epochs (default: train_model's)")
    p.add_argument("--replay", type=int, help="MNIST digits replayed (default: train_model's)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--keep", type=Path, help="keep the samples and models here (default: a temporary folder)")
    return p


def _rows(folder: Path) -> dict[str, dict[str, str]]:
    from vision.evaluate import read_labels

    return {r["file"]: r for r in read_labels(folder)}


def fine_tune(store: Path, out: Path, args: argparse.Namespace) -> dict:
    """``train_model.py --fine-tune store --out out`` in-process (its table kept off stdout)."""
    import train_model

    argv = ["--fine-tune", str(store), "--out", str(out), "--verbose", "0"]
    mnist = args.data / "mnist.npz"
    argv += ["--mnist", str(mnist)] if mnist.exists() else []
    argv += ["--epochs", str(args.epochs)] if args.epochs else []
    argv += ["--replay", str(args.replay)] if args.replay else []
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        code = train_model.main(argv)
    if code != 0:
        raise RuntimeError(f"fine-tuning {store} failed (exit {code}): {log.getvalue()[-300:]}")
    return json.loads((out / config.MODEL_CARD.name).read_text())


def _store(samples, folder: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Save the samples of classes with at least MIN_PER_CLASS; (kept, left out) per class."""
    from vision.samples import MIN_PER_CLASS, save_samples

    counts = Counter(s.char for s in samples)
    keep = {c: n for c, n in counts.items() if n >= MIN_PER_CLASS}
    left = {c: n for c, n in counts.items() if n < MIN_PER_CLASS}
    if keep:
        save_samples(folder, [s for s in samples if s.char in keep])
    return dict(sorted(keep.items())), dict(sorted(left.items()))


def _collect(folder: Path, files: list[str], classifier) -> list:
    from vision.samples import collect_folder

    return [s for got in collect_folder(folder, classifier, files) for s in got.kept]


def _reading(folder: Path, rows: dict, files: list[str], classifier) -> tuple[float, int]:
    """(reading accuracy, label characters) of ``files`` as ``vision.evaluate`` scores them."""
    from vision.evaluate import read_row, summarize
    from vision.sources import load_image

    scores = [read_row(load_image(folder / f), rows[f], classifier).score for f in files]
    stats = summarize(scores)["all"]
    return stats["char_accuracy"], stats["chars"]


def _class_errors(samples, shipped, personal) -> dict[str, str]:
    """Per class of the aligned held-out characters: "errors/count" with each model."""
    if not samples:
        return {}
    x = np.stack([s.patch for s in samples])
    truth = np.array([s.char for s in samples])
    out = {}
    for c in sorted(set(truth)):
        mask = truth == c
        wrong = [int(np.sum(_read(m, x[mask]) != c)) for m in (shipped, personal)]
        out[c] = f"{wrong[0]}->{wrong[1]}/{int(mask.sum())}"
    return out


def _read(classifier, x: np.ndarray) -> np.ndarray:
    probs = classifier.probabilities(x)
    return np.array([config.CLASSES[i] if i < config.NUM_CLASSES else "-" for i in np.argmax(probs, axis=1)])


def run_fold(fold: Fold, folder: Path, rows: dict, work: Path, shipped, args) -> tuple[Fold, dict | None]:
    from vision.classifier import Classifier

    samples = _collect(folder, fold.train_photos, shipped)
    store = work / "samples"
    fold.samples, fold.left_out = _store(samples, store)
    fold.shipped, fold.chars = _reading(folder, rows, fold.test_photos, shipped)
    held = _collect(folder, fold.test_photos, shipped)
    if not fold.samples:
        fold.note = "no class has enough samples: nothing to fine-tune"
        fold.class_errors = _class_errors(held, shipped, shipped)
        return fold, None
    card = fine_tune(store, work / "model", args)
    personal = Classifier(work / "model" / config.MODEL_TFLITE.name)
    fold.personal, _ = _reading(folder, rows, fold.test_photos, personal)
    fold.class_errors = _class_errors(held, shipped, personal)
    return fold, card


def writer_folds(data: Path) -> list[tuple[Fold, Path]]:
    folds = []
    for writer, (subset, repo) in MULTI_PHOTO.items():
        folder = data / subset
        photos = sorted(f for f, r in _rows(folder).items() if r.get("repo") == repo)
        odd, even = photos[0::2], photos[1::2]
        folds += [(Fold(writer, odd, even), folder), (Fold(writer, even, odd), folder)]
    return folds


def checks(card: dict, personal_path: Path, data: Path, shipped) -> dict:
    """What the personal model must keep: MNIST, K recall, and reading real_photos_dev."""
    from vision.classifier import Classifier
    from vision.evaluate import score_folder, summarize

    ft = card["fine_tune"]
    before, after = ft["held_out_before"], ft["held_out_after"]
    dev = {}
    for name, clf in (("shipped", shipped), ("personal", Classifier(personal_path))):
        dev[name] = summarize(score_folder(data / DEV, clf))["all"]["char_accuracy"]
    return {
        "samples": ft["samples"],
        "training_seconds": card["training_seconds"],
        "epochs_run": card["epochs_run"],
        "mnist": {"shipped": ft["mnist_before"], "personal": card["evaluation"]["mnist_accuracy"]},
        "k_recall": {"shipped": ft["k_recall_before"], "personal": card["evaluation"]["k_recall"]},
        "real_photos_dev": dev,
        "held_out_samples": {"shipped": before["accuracy"], "personal": after["accuracy"]},
    }


def evaluate_all(args: argparse.Namespace, work: Path) -> dict:
    from vision.classifier import Classifier

    shipped = Classifier()
    folds, cards = [], []
    for i, (fold, folder) in enumerate(writer_folds(args.data)):
        fold, card = run_fold(fold, folder, _rows(folder), work / f"fold{i}", shipped, args)
        folds.append(fold)
        cards.append(card)
    singles = {}
    for writer, (subset, photo) in SINGLE_PHOTO.items():
        acc, chars = _reading(args.data / subset, _rows(args.data / subset), [photo], shipped)
        singles[writer] = {"photo": photo, "chars": chars, "shipped": acc}
    pooled_store = work / "pooled" / "samples"
    samples = _collect(args.data / DEV2, list(_rows(args.data / DEV2)), shipped)
    kept, left = _store(samples, pooled_store)
    card = fine_tune(pooled_store, work / "pooled" / "model", args)
    pooled = checks(card, work / "pooled" / "model" / config.MODEL_TFLITE.name, args.data, shipped)
    pooled.update(per_class=kept, left_out=left)
    fold_checks = [
        None if c is None else {"mnist": c["evaluation"]["mnist_accuracy"], "k_recall": c["evaluation"]["k_recall"]}
        for c in cards
    ]
    return {"folds": [asdict(f) for f in folds], "fold_checks": fold_checks, "single_photo": singles, "pooled": pooled}


def _pct(v: float | None) -> str:
    return "   -  " if v is None else f"{v * 100:5.1f}%"


def format_report(result: dict) -> str:
    lines = [
        "Held-out photos of each writer (split by photo; reading accuracy as vision.evaluate scores it)",
        f"{'writer':<27}{'trained on':<24}{'held out':<20}{'chars':>6}{'shipped':>9}{'personal':>9}",
    ]
    for f, chk in zip(result["folds"], result["fold_checks"]):
        trained = f"{len(f['train_photos'])} photos, {sum(f['samples'].values())} samples"
        held = f"{len(f['test_photos'])} photos"
        lines.append(
            f"{f['writer']:<27}{trained:<24}{held:<20}{f['chars']:>6}{_pct(f['shipped']):>9}{_pct(f['personal']):>9}"
        )
        errs = ", ".join(f"{c}: {e}" for c, e in f["class_errors"].items() if not e.startswith("0->0"))
        lines.append(f"    classes learned {_classes(f['samples'])}; left out (< 3 samples) {_classes(f['left_out'])}")
        lines.append(f"    per-class errors on aligned held-out characters (shipped->personal/count): {errs or 'none'}")
        if chk:
            lines.append(f"    this model: MNIST {chk['mnist'] * 100:.2f}%, K recall {_pct(chk['k_recall']).strip()}")
        if f["note"]:
            lines.append(f"    {f['note']}")
    for writer, s in result["single_photo"].items():
        note = "one photo: cannot be split by photo"
        lines.append(f"{writer:<27}{note:<44}{s['chars']:>6}{_pct(s['shipped']):>9}{'':>9}")
    p = result["pooled"]
    lines += [
        "",
        f"Personal model on all of {DEV2} that lines up ({p['samples']} samples, {p['epochs_run']} epochs, "
        f"{p['training_seconds']:.0f} s of training): what it must keep",
        f"{'':<36}{'shipped':>9}{'personal':>9}",
        f"{'MNIST test':<36}{p['mnist']['shipped'] * 100:8.2f}%{p['mnist']['personal'] * 100:8.2f}%",
        f"{'K recall (hold-out)':<36}{_pct(p['k_recall']['shipped']):>9}{_pct(p['k_recall']['personal']):>9}",
        f"{DEV + ' reading':<36}{_pct(p['real_photos_dev']['shipped']):>9}{_pct(p['real_photos_dev']['personal']):>9}",
        f"{'its held-out samples':<36}{_pct(p['held_out_samples']['shipped']):>9}"
        f"{_pct(p['held_out_samples']['personal']):>9}",
        f"    classes learned {_classes(p['per_class'])}; left out {_classes(p['left_out'])}",
    ]
    return "\n".join(lines)


def _classes(counts: dict[str, int]) -> str:
    return " ".join(f"{c}x{n}" for c, n in counts.items()) or "none"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not (args.data / DEV2 / "labels.tsv").exists() or not (args.data / DEV / "labels.tsv").exists():
        print(f"error: {args.data} holds no {DEV}/labels.tsv and {DEV2}/labels.tsv", file=sys.stderr)
        return 2
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        result = evaluate_all(args, work)
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=1) if args.json else f"{format_report(result)}\ntook {result['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
