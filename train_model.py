"""Train, evaluate and export the Digit Locker classifier (digits 0-9 and K).

Usage:
    python train_model.py                         # full run: writes models/ (about 35 min, 2 CPU cores)
    python train_model.py --letters PATH          # real handwritten letters for K (.npz or A-Z CSV)
    python train_model.py --evaluate [--model P]  # print the evaluation table for any model
    python train_model.py --subset 2000 --epochs 1 --out /tmp/m   # a quick smoke run
    python train_model.py --init models/digit_locker.keras --out /tmp/m   # continue training (a few epochs)
    python train_model.py --collect PHOTO --label "27K4"   # keep the owner's characters as samples
    python train_model.py --collect FOLDER                 # every photo of FOLDER/labels.tsv
    python train_model.py --fine-tune [SAMPLES] [--out DIR]  # the personal model (about 2 min)

Data: MNIST from ``--mnist PATH``, ``$DIGIT_LOCKER_MNIST``, Keras' cache (``~/.keras/datasets/mnist.npz``)
or Keras' own download. K from ``--letters`` (20% of the real K images are a fixed hold-out, never
trained on) or, without letters, from the built-in stroke synthesizer. "Not a character" examples:
procedural clutter, handwritten operators and printed box pieces (``vision.synth``), and letters no
PIN character resembles.

Personal model: ``--collect`` stores the owner's characters (``vision.samples``) in the user data
folder beside the lock file (``--samples DIR`` elsewhere); ``--fine-tune`` starts from the shipped
model and trains a few epochs on those samples, freshly augmented and class-balanced, mixed with a
replay of MNIST, K and "not a character" examples so nothing else is forgotten, stopping early on
a held-out part of the samples. It writes to the user data folder's ``models/`` (never over the
shipped ``models/``), which the live app then uses (``vision.classifier.resolve_model``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Nothing imported here loads TensorFlow or Keras: vision.training imports them where it fits, so
# --help, --collect and usage errors never do.
from vision import config
from vision.classifier import Classifier, ModelError, personal_model_path
from vision.samples import SampleError, collect_folder, collect_image, default_samples_dir, save_samples
from vision.sources import SourceError, load_image
from vision.training.card import evaluate, evaluate_table, fine_tune_table
from vision.training.datasets import DatasetError
from vision.training.fit import FitConfig, fine_tune, load_data, train

DEFAULT_LETTERS = Path(__file__).resolve().parent.parent / "shared" / "datasets" / "handwritten_az_sample.npz"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mnist", type=Path, help="path to mnist.npz (Keras format)")
    p.add_argument("--letters", type=Path, help="handwritten A-Z letters (.npz with x,y or CSV)")
    p.add_argument("--no-letters", action="store_true", help="ignore letter data; synthesize K")
    p.add_argument(
        "--epochs",
        type=int,
        help=f"default {config.EPOCHS}, {config.INIT_EPOCHS} with --init, {config.FT_EPOCHS} with --fine-tune",
    )
    p.add_argument("--batch-size", type=int, default=config.BATCH_SIZE)
    p.add_argument("--subset", type=int, default=0, help="train on the first N MNIST digits (smoke runs)")
    p.add_argument("--seed", type=int, default=config.SEED)
    p.add_argument(
        "--out", type=Path, help="output folder (default models/; with --fine-tune the user data folder's models/)"
    )
    p.add_argument("--evaluate", action="store_true", help="only evaluate --model (default: shipped)")
    p.add_argument("--model", type=Path, help="model to evaluate (.keras or .tflite)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras progress output")
    p.add_argument(
        "--init",
        type=Path,
        metavar="MODEL.keras",
        help="start from this model's weights (continue training, lower learning rate) instead of from scratch",
    )
    p.add_argument("--collect", type=Path, metavar="PHOTO|FOLDER", help="store the characters of photos as samples")
    p.add_argument("--label", help="what the --collect photo shows, as in labels.tsv (e.g. '27K4', '12/34')")
    p.add_argument("--samples", type=Path, metavar="DIR", help="sample folder (default: the user data folder's)")
    p.add_argument(
        "--fine-tune",
        nargs="?",
        const="",
        type=str,
        metavar="SAMPLES",
        help="fine-tune the shipped model on samples (default: --samples or the user data folder's)",
    )
    p.add_argument(
        "--replay", type=int, default=config.FT_REPLAY_DIGITS, help="MNIST digits replayed while fine-tuning"
    )
    args = p.parse_args(argv)
    if args.fine_tune is not None:
        args.fine_tune = Path(args.fine_tune) if args.fine_tune else (args.samples or default_samples_dir())
        args.init = args.init or config.MODEL_KERAS
    if args.epochs is None:
        args.epochs = config.FT_EPOCHS if args.fine_tune else config.INIT_EPOCHS if args.init else config.EPOCHS
    if args.out is None:
        args.out = personal_models_dir() if args.fine_tune else config.MODELS_DIR
    return args


def personal_models_dir() -> Path:
    return personal_model_path().parent


def letters_path(args: argparse.Namespace) -> Path | None:
    if args.no_letters:
        return None
    if args.letters:
        return args.letters
    return DEFAULT_LETTERS if DEFAULT_LETTERS.exists() else None


def fit_config(args: argparse.Namespace) -> FitConfig:
    """The flags as the one config that training, continuing and fine-tuning share."""
    fields = {
        "out": args.out,
        "mnist": args.mnist,
        "letters": letters_path(args),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "verbose": args.verbose,
    }
    if args.fine_tune is not None:
        return FitConfig.fine_tune(init=args.init, replay=args.replay, **fields)
    return FitConfig(init=args.init, subset=args.subset, **fields)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return run(args)
    except (DatasetError, SampleError, SourceError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI turns model/IO failures into one line
        if isinstance(exc, (ModelError, OSError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise


def run(args: argparse.Namespace) -> int:
    """The mode the flags ask for: collect, fine-tune, evaluate, or train (from scratch or --init)."""
    if args.collect is not None:
        return collect(args)
    cfg = fit_config(args)
    if args.fine_tune is not None:
        print(fine_tune_table(fine_tune(cfg, args.fine_tune, announce=print)))
        return 0
    data = load_data(cfg)
    if args.evaluate:
        print(evaluate(Classifier(args.model), data, args.seed).table())
        return 0
    print(
        f"training on {len(data.x_train)} digits, {len(data.x_k_train)} K ({data.k_source}), "
        f"{len(data.x_reject)} not-a-character examples" + (f", starting from {args.init}" if args.init else "")
    )
    print(evaluate_table(train(data, cfg)))
    return 0


def collect(args: argparse.Namespace) -> int:
    """``--collect PHOTO --label TEXT`` or ``--collect FOLDER`` (its labels.tsv) into ``--samples``."""
    target, source = args.samples or default_samples_dir(), args.collect
    if source.is_dir():
        if args.label:
            raise SampleError("--label names one photo's text; a folder's labels come from its labels.tsv")
        results = collect_folder(source, Classifier())
    else:
        if not args.label:
            raise SampleError(f"--collect {source}: say what the photo shows with --label, e.g. --label 27K4")
        results = [collect_image(load_image(source), args.label, Classifier(), source.name)]
    kept = [s for r in results for s in r.kept]
    for r in results:
        print(r.summary())
    if kept:
        save_samples(target, kept)
    dropped = sum(r.dropped_chars for r in results)
    print(f"kept {len(kept)} of {len(kept) + dropped} characters; stored in {target} (owner-only files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
