"""Train, evaluate and export the Digit Locker classifier (digits 0-9 and K).

Usage:
    python train_model.py                         # full run: writes models/ (about 35 min, 2 CPU cores)
    python train_model.py --letters PATH          # real handwritten letters for K (.npz or A-Z CSV)
    python train_model.py --evaluate [--model P]  # print the evaluation table for any model
    python train_model.py --subset 2000 --epochs 1 --out /tmp/m   # a quick smoke run

Data: MNIST from ``--mnist PATH``, ``$DIGIT_LOCKER_MNIST``, Keras' cache (``~/.keras/datasets/mnist.npz``)
or Keras' own download. K from ``--letters`` (20% of the real K images are a fixed hold-out, never
trained on) or, without letters, from the built-in stroke synthesizer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vision import config
from vision.data import (
    LETTER_K,
    DatasetError,
    clutter_patches,
    load_letters,
    load_mnist,
    sha256_file,
    split_k_holdout,
    synth_k,
)

DEFAULT_LETTERS = Path(__file__).resolve().parent.parent / "shared" / "datasets" / "handwritten_az_sample.npz"
VAL_SIZE = 5000  # MNIST train digits held back for early stopping
K_SHARE = 0.055  # K is oversampled (fresh augmentation each time) to about half a digit class
SYNTH_K_WITH_LETTERS = 300  # a few synthetic K widen the style range beside the ~100 real ones
SYNTH_K_ALONE = 3000
CLUTTER = 2500  # "not a character" examples drawn procedurally (wedges, fingertips, smudges, dashes)
REJECT_SHARE = 0.075  # rejects per training digit, at most: enough to learn, never crowding digits out


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
    x_other_letters: np.ndarray  # letters never trained on (neither K nor reject examples)
    k_source: str
    datasets: dict


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mnist", type=Path, help="path to mnist.npz (Keras format)")
    p.add_argument("--letters", type=Path, help="handwritten A-Z letters (.npz with x,y or CSV)")
    p.add_argument("--no-letters", action="store_true", help="ignore letter data; synthesize K")
    p.add_argument("--epochs", type=int, default=22)  # the shipped model's run
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--subset", type=int, default=0, help="train on the first N MNIST digits (smoke runs)")
    p.add_argument("--seed", type=int, default=config.SEED)
    p.add_argument("--out", type=Path, default=config.MODELS_DIR, help="output folder (default models/)")
    p.add_argument("--evaluate", action="store_true", help="only evaluate --model (default: shipped)")
    p.add_argument("--model", type=Path, help="model to evaluate (.keras or .tflite)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="Keras progress output")
    return p.parse_args(argv)


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
    x_val, y_val = x_tr[:VAL_SIZE], y_tr[:VAL_SIZE]
    x_tr, y_tr = x_tr[VAL_SIZE:], y_tr[VAL_SIZE:]
    if args.subset:
        x_tr, y_tr = x_tr[: args.subset], y_tr[: args.subset]
    path = letters_path(args)
    empty = np.zeros((0, 28, 28), np.uint8)
    reject = clutter_patches(CLUTTER, args.seed)
    if path is not None:
        x_l, y_l = load_letters(path)
        k_train, k_hold = split_k_holdout(x_l[y_l == LETTER_K], args.seed)
        k_train = np.concatenate([k_train, synth_k(SYNTH_K_WITH_LETTERS, args.seed)])
        as_reject = np.isin(y_l, [ord(c) - ord("A") for c in config.REJECT_LETTERS])
        reject = np.concatenate([reject, x_l[as_reject]])
        others, k_source = x_l[~as_reject & (y_l != LETTER_K)], f"real letters ({path.name}) + synthetic strokes"
        datasets["letters"] = {"path": path.name, "sha256": sha256_file(path), "k_total": int(np.sum(y_l == LETTER_K))}
    else:
        k_train, k_hold, others = synth_k(SYNTH_K_ALONE, args.seed), empty, empty
        k_source = "synthetic strokes only (no letter data given)"
    keep = np.random.default_rng(args.seed).permutation(len(reject))[: int(REJECT_SHARE * len(x_tr))]
    return TrainData(x_tr, y_tr, x_val, y_val, x_te, y_te, k_train, k_hold, reject[keep], others, k_source, datasets)


def _describe(mnist_arg: Path | None) -> dict:
    from vision.data import find_mnist

    found = find_mnist(mnist_arg)
    if found is not None and found.exists():
        return {"path": found.name, "sha256": sha256_file(found)}
    return {"path": "keras.datasets.mnist download"}


def make_datasets(data: TrainData, batch: int, seed: int):
    """tf.data pipelines: digits + oversampled K + rejects, shuffled, batched, augmented per batch."""
    import tensorflow as tf

    from vision.augment import augment_batch

    n_k = int(round(len(data.x_train) * K_SHARE))
    k_train = data.x_k_train
    reps = int(np.ceil(n_k / len(k_train))) if len(k_train) else 0
    k_x = np.tile(k_train, (reps, 1, 1))[:n_k] if reps else k_train
    x = np.concatenate([data.x_train, k_x, data.x_reject])[..., None].astype(np.float32)
    y = np.concatenate([
        data.y_train,
        np.full(len(k_x), config.K_INDEX, np.uint8),
        np.full(len(data.x_reject), config.REJECT_INDEX, np.uint8),
    ]).astype(np.int32)
    train = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch)
        .map(lambda a, b: (augment_batch(a), b), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    val = tf.data.Dataset.from_tensor_slices(
        (data.x_val[..., None].astype(np.float32), data.y_val.astype(np.int32))
    ).batch(512)
    return train, val, len(x)


def distribution_strategy():
    """MirroredStrategy across several GPUs, the default strategy otherwise (same script)."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def train(data: TrainData, args: argparse.Namespace):
    """Fit with early stopping, best checkpoint and a cosine learning-rate schedule."""
    import keras

    from vision.modeling import build_model

    keras.utils.set_random_seed(args.seed)
    train_ds, val_ds, n = make_datasets(data, args.batch_size, args.seed)
    steps = int(np.ceil(n / args.batch_size)) * args.epochs
    with distribution_strategy().scope():
        model = build_model()
        lr = keras.optimizers.schedules.CosineDecay(
            1e-4, steps, alpha=0.02, warmup_target=2e-3, warmup_steps=max(1, steps // 20)
        )
        model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    args.out.mkdir(parents=True, exist_ok=True)
    best = args.out / "best_checkpoint.keras"
    callbacks = [
        keras.callbacks.EarlyStopping("val_accuracy", patience=5, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(best, monitor="val_accuracy", save_best_only=True),
    ]
    history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, callbacks=callbacks, verbose=args.verbose)
    best.unlink(missing_ok=True)  # restore_best_weights already holds it; keep models/ clean
    return model, history.history


def evaluate(classifier, data: TrainData):
    from vision.modeling import evaluate_predictions

    pred = lambda x: np.argmax(classifier.probabilities(x), axis=1) if len(x) else np.zeros(0, int)  # noqa: E731
    return evaluate_predictions(data.y_test, pred(data.x_test), pred(data.x_k_holdout), pred(data.x_other_letters))


def export(model, history: dict, data: TrainData, args: argparse.Namespace, seconds: float) -> dict:
    """Write .keras, .tflite, plots and model_card.json; returns the card."""
    from vision.classifier import Classifier
    from vision.modeling import export_tflite

    keras_path, tflite_path = args.out / config.MODEL_KERAS.name, args.out / config.MODEL_TFLITE.name
    model.save(keras_path)
    export_tflite(model, tflite_path)
    keras_clf, lite_clf = Classifier(keras_path), Classifier(tflite_path)
    ev = evaluate(lite_clf, data)
    agree = float(np.mean(
        np.argmax(keras_clf.probabilities(data.x_test), 1) == np.argmax(lite_clf.probabilities(data.x_test), 1)
    ))
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
        "reject_examples": f"{CLUTTER} procedural clutter patches + letters {config.REJECT_LETTERS} "
        "when letters are given",
        "input": {"shape": [None, 28, 28, 1], "dtype": "float32", "range": "0..255 (scaled inside the model)",
                  "polarity": "white ink on black", "layout": "fit in 20x20, centre of mass at (14, 14)"},
        "output": "softmax over classes",
        "preprocessing_version": config.PREPROCESS_VERSION,
        "k_source": data.k_source,
        "datasets": data.datasets,
        "k_holdout": {"fraction": config.K_HOLDOUT_FRACTION, "seed": args.seed, "size": len(data.x_k_holdout),
                      "rule": "vision.data.split_k_holdout: first 20% of a seeded permutation of the K images"},
        "evaluation": asdict(ev) | {"litert_keras_agreement_mnist_test": agree, "model_evaluated": "tflite"},
        "parameters": int(model.count_params()),
        "epochs_run": epochs,
        "epochs_max": args.epochs,
        "seed": args.seed,
        "training_seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
                     "numpy": np.__version__},
        "files": {p.name: sha256_file(p) for p in (keras_path, tflite_path)},
    }


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
        data = load_data(args)
        if args.evaluate:
            from vision.classifier import Classifier

            print(evaluate(Classifier(args.model), data).table())
            return 0
        print(f"training on {len(data.x_train)} digits, {len(data.x_k_train)} K ({data.k_source}), "
          f"{len(data.x_reject)} not-a-character examples")
        start = time.perf_counter()
        model, history = train(data, args)
        card = export(model, history, data, args, time.perf_counter() - start)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI turns model/IO failures into one line
        from vision.classifier import ModelError

        if isinstance(exc, (ModelError, OSError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    print(evaluate_table(card))
    return 0


def evaluate_table(card: dict) -> str:
    from vision.modeling import Evaluation

    ev = {k: v for k, v in card["evaluation"].items() if k in Evaluation.__dataclass_fields__}
    agree = card["evaluation"]["litert_keras_agreement_mnist_test"]
    return (f"{Evaluation(**ev).table()}\nLiteRT/Keras agreement  {agree * 100:7.2f} %\n"
            f"training time            {card['training_seconds']:7.1f} s\nwrote {config.MODEL_CARD.name} and models")


if __name__ == "__main__":
    sys.exit(main())
