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
import contextlib
import io
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

# TensorFlow and Keras (and vision.augment, written in TensorFlow) and matplotlib are imported
# where they are used: --help, --collect and usage errors never load them.
from vision import config
from vision.classifier import Classifier, ModelError, personal_model_path
from vision.data import LETTER_K, DatasetError, find_mnist, load_letters, load_mnist, sha256_file, split_k_holdout
from vision.modeling import Evaluation, build_model, evaluate_predictions, export_tflite
from vision.samples import (
    SampleError,
    class_counts,
    collect_folder,
    collect_image,
    default_samples_dir,
    load_samples,
    private_parents,
    save_samples,
)
from vision.sources import SourceError, load_image
from vision.synth.clutter import clutter_patches
from vision.synth.glyphs import synth_k
from vision.synth.symbols import MARK_KINDS, mark_patches, operator_patches, structure_patches

DEFAULT_LETTERS = Path(__file__).resolve().parent.parent / "shared" / "datasets" / "handwritten_az_sample.npz"


@dataclass
class TrainData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_k_train: np.ndarray
    x_k_holdout: np.ndarray
    x_reject: np.ndarray  # trained as "not a character"
    reject_is_mark: np.ndarray  # bool per reject: a drawn operator or box piece (config.MARK_TILT, config.MARK_WEIGHT)
    x_other_letters: np.ndarray  # letters never trained on (neither K nor reject examples)
    k_source: str
    datasets: dict


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
        args.subset = args.replay
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


def load_data(args: argparse.Namespace) -> TrainData:
    """MNIST + K (real letters with a fixed hold-out, or synthetic), split into train/val/test."""
    (x_tr, y_tr), (x_te, y_te) = load_mnist(args.mnist)
    datasets = {"mnist": _describe(args.mnist)}
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x_tr))
    x_tr, y_tr = x_tr[order], y_tr[order]
    x_val, y_val = x_tr[: config.MNIST_VAL_SIZE], y_tr[: config.MNIST_VAL_SIZE]
    x_tr, y_tr = x_tr[config.MNIST_VAL_SIZE :], y_tr[config.MNIST_VAL_SIZE :]
    if args.subset:
        x_tr, y_tr = x_tr[: args.subset], y_tr[: args.subset]
    path = letters_path(args)
    empty = np.zeros((0, 28, 28), np.uint8)
    reject, is_mark = synthetic_rejects(args.seed)
    if path is not None:
        x_l, y_l = load_letters(path)
        k_train, k_hold = split_k_holdout(x_l[y_l == LETTER_K], args.seed)
        k_train = np.concatenate([k_train, synth_k(config.SYNTH_K_WITH_LETTERS, args.seed)])
        as_reject = np.isin(y_l, [ord(c) - ord("A") for c in config.REJECT_LETTERS])
        reject = np.concatenate([reject, x_l[as_reject]])
        is_mark = np.concatenate([is_mark, np.zeros(int(as_reject.sum()), bool)])
        others, k_source = x_l[~as_reject & (y_l != LETTER_K)], f"real letters ({path.name}) + synthetic strokes"
        datasets["letters"] = {"path": path.name, "sha256": sha256_file(path), "k_total": int(np.sum(y_l == LETTER_K))}
    else:
        k_train, k_hold, others = synth_k(config.SYNTH_K_ALONE, args.seed), empty, empty
        k_source = "synthetic strokes only (no letter data given)"
    keep = np.random.default_rng(args.seed).permutation(len(reject))[: int(config.REJECT_SHARE * len(x_tr))]
    return TrainData(
        x_tr, y_tr, x_val, y_val, x_te, y_te, k_train, k_hold, reject[keep], is_mark[keep], others, k_source, datasets
    )


def synthetic_rejects(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Drawn "not a character" examples: ``(x uint8 (N,28,28), is_mark bool (N,))``.

    Clutter, then operators and box pieces (the marks): see config.MARK_TILT and config.MARK_WEIGHT for why
    marks are augmented and weighted apart.
    """
    clutter = clutter_patches(config.CLUTTER_EXAMPLES, seed)
    marks = np.concatenate(
        [
            operator_patches(config.OPERATOR_EXAMPLES, seed + config.OPERATOR_SEED),
            structure_patches(config.STRUCTURE_EXAMPLES, seed + config.STRUCTURE_SEED),
        ]
    )
    return np.concatenate([clutter, marks]), np.arange(len(clutter) + len(marks)) >= len(clutter)


def _describe(mnist_arg: Path | None) -> dict:
    found = find_mnist(mnist_arg)
    if found is not None and found.exists():
        return {"path": found.name, "sha256": sha256_file(found)}
    return {"path": "keras.datasets.mnist download"}


def make_datasets(data: TrainData, batch: int, seed: int):
    """tf.data pipelines: digits + oversampled K + rejects, shuffled, batched, augmented per batch."""
    import tensorflow as tf

    from vision.augment import augment_batch

    n_k = int(round(len(data.x_train) * config.K_SHARE))
    k_train = data.x_k_train
    reps = int(np.ceil(n_k / len(k_train))) if len(k_train) else 0
    k_x = np.tile(k_train, (reps, 1, 1))[:n_k] if reps else k_train
    x = np.concatenate([data.x_train, k_x, data.x_reject])[..., None].astype(np.float32)
    y = np.concatenate(
        [
            data.y_train,
            np.full(len(k_x), config.K_INDEX, np.uint8),
            np.full(len(data.x_reject), config.REJECT_INDEX, np.uint8),
        ]
    ).astype(np.int32)
    is_mark = np.concatenate([np.zeros(len(data.x_train) + len(k_x), bool), data.reject_is_mark])
    tilt = np.where(is_mark, config.MARK_TILT, 1.0).astype(np.float32)
    weight = np.where(is_mark, config.MARK_WEIGHT, 1.0).astype(np.float32)
    train = (
        tf.data.Dataset.from_tensor_slices((x, y, tilt, weight))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch)
        .map(lambda a, b, t, w: (augment_batch(a, t), b, w), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    val = tf.data.Dataset.from_tensor_slices(
        (data.x_val[..., None].astype(np.float32), data.y_val.astype(np.int32))
    ).batch(config.VAL_BATCH_SIZE)
    return train, val, len(x)


def distribution_strategy():
    """MirroredStrategy across several GPUs, the default strategy otherwise (same script)."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def train(
    data: TrainData, args: argparse.Namespace, monitor: str = "val_accuracy", patience: int = config.EARLY_STOP_PATIENCE
):
    """Fit with early stopping, best checkpoint and a cosine learning-rate schedule."""
    import keras

    keras.utils.set_random_seed(args.seed)
    train_ds, val_ds, n = make_datasets(data, args.batch_size, args.seed)
    steps = int(np.ceil(n / args.batch_size)) * args.epochs
    with distribution_strategy().scope():
        model = starting_model(args.init)
        model.compile(
            keras.optimizers.Adam(learning_rate(steps, fine_tune=args.init is not None)),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    args.out.mkdir(parents=True, exist_ok=True)
    best = args.out / "best_checkpoint.keras"
    callbacks = [
        keras.callbacks.EarlyStopping(monitor, patience=patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(best, monitor=monitor, save_best_only=True),
    ]
    # The datasets shuffle themselves, afresh each epoch; fit's own shuffle is for arrays (and warns).
    history = model.fit(
        train_ds, validation_data=val_ds, epochs=args.epochs, callbacks=callbacks, verbose=args.verbose, shuffle=False
    )
    best.unlink(missing_ok=True)  # restore_best_weights already holds it; keep models/ clean
    return model, history.history


def starting_model(init: Path | None):
    """A fresh network, or the one in ``init`` (a .keras file with the same 12 outputs) to continue."""
    if init is None:
        return build_model()
    import keras

    try:
        model = keras.models.load_model(init, compile=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"--init {init}: cannot load a Keras model ({exc})") from None
    if tuple(model.output_shape) != (None, config.NUM_OUTPUTS):
        raise ModelError(f"--init {init}: outputs {model.output_shape}, expected (None, {config.NUM_OUTPUTS})")
    return model


def lr_params(fine_tune: bool) -> tuple[float, float, float, float]:
    """(start, peak, alpha, warm-up share) of the schedule: from scratch, or continuing (--init)."""
    if fine_tune:
        return config.INIT_LR_START, config.INIT_LR_PEAK, config.INIT_LR_ALPHA, config.INIT_LR_WARMUP
    return config.LR_START, config.LR_PEAK, config.LR_ALPHA, config.LR_WARMUP


def learning_rate(steps: int, fine_tune: bool):
    """Linear warm-up to the peak, then a cosine down to alpha x peak at the last step."""
    import keras

    start, peak, alpha, warmup = lr_params(fine_tune)
    warmup_steps = max(1, int(steps * warmup))
    return keras.optimizers.schedules.CosineDecay(
        start, max(1, steps - warmup_steps), alpha=alpha, warmup_target=peak, warmup_steps=warmup_steps
    )


def evaluate(classifier, data: TrainData, seed: int):
    """The evaluation table's figures; the marks are drawn from a seed training never uses."""
    pred = lambda x: np.argmax(classifier.probabilities(x), axis=1) if len(x) else np.zeros(0, int)  # noqa: E731
    marks = {
        kind: pred(mark_patches(kind, config.EVAL_MARKS_PER_KIND, seed + config.EVAL_MARK_SEED)) for kind in MARK_KINDS
    }
    return evaluate_predictions(
        data.y_test, pred(data.x_test), pred(data.x_k_holdout), pred(data.x_other_letters), marks
    )


def export(model, history: dict, data: TrainData, args: argparse.Namespace, seconds: float) -> dict:
    """Write .keras, .tflite, plots and model_card.json; returns the card."""
    keras_path, tflite_path = args.out / config.MODEL_KERAS.name, args.out / config.MODEL_TFLITE.name
    model.save(keras_path)
    export_tflite(model, tflite_path)
    keras_clf, lite_clf = Classifier(keras_path), Classifier(tflite_path)
    ev = evaluate(lite_clf, data, args.seed)
    agree = float(
        np.mean(np.argmax(keras_clf.probabilities(data.x_test), 1) == np.argmax(lite_clf.probabilities(data.x_test), 1))
    )
    card = model_card(model, ev, data, args, seconds, agree, len(history["loss"]))
    (args.out / config.MODEL_CARD.name).write_text(json.dumps(card, indent=2) + "\n")
    plot_curves(history, args.out / "training_curves.png")
    plot_confusion(np.array(ev.confusion), args.out / "confusion_matrix.png")
    return card


def model_card(model, ev, data, args, seconds: float, agree: float, epochs: int) -> dict:
    keras_path, tflite_path = args.out / config.MODEL_KERAS.name, args.out / config.MODEL_TFLITE.name
    import keras
    import tensorflow as tf

    return {
        "name": "digit_locker_cnn",
        "classes": list(config.CLASSES),
        "outputs": list(config.CLASSES) + ["not a character"],
        "reject_examples": reject_examples_text(len(data.x_reject)),
        "input": {
            "shape": [None, 28, 28, 1],
            "dtype": "float32",
            "range": "0..255 (scaled inside the model)",
            "polarity": "white ink on black",
            "layout": "fit in 20x20, centre of mass at (14, 14)",
        },
        "output": "softmax over classes",
        "preprocessing_version": config.PREPROCESS_VERSION,
        "k_source": data.k_source,
        "datasets": data.datasets,
        "k_holdout": {
            "fraction": config.K_HOLDOUT_FRACTION,
            "seed": args.seed,
            "size": len(data.x_k_holdout),
            "rule": "vision.data.split_k_holdout: first 20% of a seeded permutation of the K images",
        },
        "evaluation": asdict(ev) | {"litert_keras_agreement_mnist_test": agree, "model_evaluated": "tflite"},
        "parameters": int(model.count_params()),
        "init_from": None if args.init is None else {"path": args.init.name, "sha256": sha256_file(args.init)},
        "learning_rate": lr_text(args.init is not None),
        "epochs_run": epochs,
        "epochs_max": args.epochs,
        "seed": args.seed,
        "training_seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
        "files": {p.name: sha256_file(p) for p in (keras_path, tflite_path)},
    }


def lr_text(fine_tune: bool) -> str:
    start, peak, alpha, warmup = lr_params(fine_tune)
    kind = "continued from --init" if fine_tune else "from scratch"
    return f"{kind}: Adam, {warmup:.0%} warm-up {start:g} -> {peak:g}, then cosine to {alpha * peak:g}"


def reject_examples_text(kept: int) -> str:
    """What the "not a character" output was trained on, for the model card."""
    operators = " ".join(k for k in MARK_KINDS if len(k) == 1)
    pieces = ", ".join(k for k in MARK_KINDS if len(k) > 1)
    return (
        f"{config.CLUTTER_EXAMPLES} procedural clutter patches + {config.OPERATOR_EXAMPLES} handwritten operators "
        f"({operators}) + {config.STRUCTURE_EXAMPLES} printed box/table pieces ({pieces}; operators and pieces get "
        f"{config.MARK_TILT} of the rotation/shear augmentation and loss weight {config.MARK_WEIGHT}) + letters "
        f"{config.REJECT_LETTERS} when letters are given; {kept} kept "
        f"(at most {config.REJECT_SHARE} per training digit)"
    )


def plot_curves(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.plot(history[key], label=f"train {key}")
        ax.plot(history[f"val_{key}"], label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusion(confusion: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (i, j), v in np.ndenumerate(confusion):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7)
    labels = [*config.CLASSES, "none"]  # "none": the not-a-character output
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true (MNIST test + K hold-out)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        if args.collect is not None:
            return collect(args)
        if args.fine_tune is not None:
            print(fine_tune_table(fine_tune(args)))
            return 0
        data = load_data(args)
        if args.evaluate:
            print(evaluate(Classifier(args.model), data, args.seed).table())
            return 0
        print(
            f"training on {len(data.x_train)} digits, {len(data.x_k_train)} K ({data.k_source}), "
            f"{len(data.x_reject)} not-a-character examples" + (f", starting from {args.init}" if args.init else "")
        )
        start = time.perf_counter()
        model, history = train(data, args)
        card = export(model, history, data, args, time.perf_counter() - start)
    except (DatasetError, SampleError, SourceError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI turns model/IO failures into one line
        if isinstance(exc, (ModelError, OSError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    print(evaluate_table(card))
    return 0


def evaluate_table(card: dict) -> str:
    ev = {k: v for k, v in card["evaluation"].items() if k in Evaluation.__dataclass_fields__}
    agree = card["evaluation"]["litert_keras_agreement_mnist_test"]
    return (
        f"{Evaluation(**ev).table()}\nLiteRT/Keras agreement  {agree * 100:7.2f} %\n"
        f"training time            {card['training_seconds']:7.1f} s\nwrote {config.MODEL_CARD.name} and models"
    )


# --- the personal model: collect the owner's characters, fine-tune on them ---------------------------


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


def split_holdout(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held-out): config.FT_HOLDOUT of each class, at least one, from a seeded shuffle."""
    rng = np.random.default_rng(seed)
    train_idx, held = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n = max(1, int(round(config.FT_HOLDOUT * len(idx))))
        held += idx[:n].tolist()
        train_idx += idx[n:].tolist()
    return np.asarray(sorted(train_idx), int), np.asarray(sorted(held), int)


def with_samples(data: TrainData, x: np.ndarray, y: np.ndarray, x_held: np.ndarray, y_held: np.ndarray, seed: int):
    """The replay with the owner's samples added, each class tiled to the same count so that
    together they make config.FT_USER_SHARE of the digits; early stopping watches the held-out ones."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = int(np.ceil(config.FT_USER_SHARE / (1 - config.FT_USER_SHARE) * len(data.x_train) / len(classes)))
    picks = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class) for c in classes])
    return replace(
        data,
        x_train=np.concatenate([data.x_train, x[picks]]),
        y_train=np.concatenate([data.y_train.astype(np.int64), y[picks]]),
        x_val=x_held,
        y_val=y_held.astype(np.int64),
    )


def refuse_shipped_folder(out: Path) -> None:
    if out.resolve() == config.MODELS_DIR.resolve():
        raise SampleError(f"--out {out} is the shipped models/ folder: a personal model never replaces it")


def fine_tune(args: argparse.Namespace) -> dict:
    """Fine-tune ``args.init`` (the shipped model) on the samples in ``args.fine_tune``; the card."""
    refuse_shipped_folder(args.out)
    private_parents(args.out)
    x, y, _ = load_samples(args.fine_tune)
    tr, held = split_holdout(y, args.seed)
    data = load_data(args)
    base = Classifier(_lite_twin(args.init))
    before = {"held_out": held_out_figures(base, x[held], y[held]), "evaluation": evaluate(base, data, args.seed)}
    data = with_samples(data, x[tr], y[tr], x[held], y[held], args.seed)
    print(
        f"fine-tuning {args.init} on {len(x)} samples ({len(held)} held out), {args.replay} MNIST digits, "
        f"{len(data.x_reject)} not-a-character examples replayed"
    )
    start = time.perf_counter()
    model, history = train(data, args, monitor="val_loss", patience=config.FT_PATIENCE)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter's "Saved artifact" listing, 60 lines
        card = export(model, history, data, args, time.perf_counter() - start)
    after = held_out_figures(Classifier(args.out / config.MODEL_TFLITE.name), x[held], y[held])
    card["fine_tune"] = {
        "samples": len(x),
        "samples_folder": str(args.fine_tune),
        "per_class": class_counts(y),
        "held_out_per_class": class_counts(y[held]),
        "base_model": {"path": str(args.init), "sha256": sha256_file(args.init)},
        "replay_digits": args.replay,
        "out": str(args.out),
        "held_out_before": before["held_out"],
        "held_out_after": after,
        "mnist_before": before["evaluation"].mnist_accuracy,
        "k_recall_before": before["evaluation"].k_recall,
    }
    (args.out / config.MODEL_CARD.name).write_text(json.dumps(card, indent=2) + "\n")
    return card


def _lite_twin(keras_path: Path) -> Path:
    twin = keras_path.with_suffix(".tflite")
    return twin if twin.is_file() else keras_path


def held_out_figures(classifier, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy on the held-out samples and, per class, "errors/count" (what it read instead)."""
    pred = np.argmax(classifier.probabilities(x), axis=1)
    per_class = {}
    for c in np.unique(y):
        wrong = pred[(y == c) & (pred != c)]
        names = "".join(sorted(config.CLASSES[p] if p < config.NUM_CLASSES else "-" for p in wrong))
        per_class[config.CLASSES[c]] = f"{len(wrong)}/{int(np.sum(y == c))}" + (f" ({names})" if names else "")
    return {"accuracy": float(np.mean(pred == y)), "count": len(y), "per_class_errors": per_class}


def fine_tune_table(card: dict) -> str:
    ft = card["fine_tune"]
    b, a = ft["held_out_before"], ft["held_out_after"]
    ev = card["evaluation"]
    k_before = "n/a" if ft["k_recall_before"] is None else f"{ft['k_recall_before'] * 100:.2f} %"
    k_after = "n/a" if ev.get("k_recall") is None else f"{ev['k_recall'] * 100:.2f} %"
    held = f"held-out samples ({b['count']})"
    rows = [
        f"{'':<28}{'shipped':>12}{'personal':>12}",
        f"{held:<28}{b['accuracy'] * 100:>10.1f} %{a['accuracy'] * 100:>10.1f} %",
        f"{'MNIST test':<28}{ft['mnist_before'] * 100:>10.2f} %{ev['mnist_accuracy'] * 100:>10.2f} %",
        f"{'K recall (hold-out)':<28}{k_before:>12}{k_after:>12}",
        "held-out errors per class (shipped -> personal): "
        + ", ".join(f"{c}: {b['per_class_errors'][c]} -> {a['per_class_errors'][c]}" for c in b["per_class_errors"]),
        f"fine-tuned on {ft['samples']} samples in {card['training_seconds']:.0f} s ({card['epochs_run']} epochs)",
        f"wrote {config.MODEL_TFLITE.name}, {config.MODEL_KERAS.name} and {config.MODEL_CARD.name} to {ft['out']}",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
