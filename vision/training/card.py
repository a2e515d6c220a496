"""The model files and their card: .keras, .tflite, plots and ``model_card.json``, and its tables.

The card says what a model learned from (data sets and their hashes, the K hold-out rule, the
reject examples, the schedule, the fine-tune's samples) and how it scored, measured on the LiteRT
twin the app runs. Keras, TensorFlow and matplotlib are imported inside the functions that use them.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vision import config
from vision.classifier import Classifier
from vision.samples import class_counts
from vision.synth.symbols import MARK_KINDS, mark_patches
from vision.training.datasets import sha256_file
from vision.training.model import Evaluation, evaluate_predictions, export_tflite

if TYPE_CHECKING:  # fit writes cards, so the card knows its types only for the checker
    from vision.training.fit import FitConfig, TrainData


def evaluate(classifier, data: TrainData, seed: int) -> Evaluation:
    """The evaluation table's figures; the marks are drawn from a seed training never uses."""
    pred = lambda x: np.argmax(classifier.probabilities(x), axis=1) if len(x) else np.zeros(0, int)  # noqa: E731
    marks = {
        kind: pred(mark_patches(kind, config.EVAL_MARKS_PER_KIND, seed + config.EVAL_MARK_SEED)) for kind in MARK_KINDS
    }
    return evaluate_predictions(
        data.y_test, pred(data.x_test), pred(data.x_k_holdout), pred(data.x_other_letters), marks
    )


def export(model, history: dict, data: TrainData, cfg: FitConfig, seconds: float) -> dict:
    """Write .keras, .tflite, plots and model_card.json to ``cfg.out``; returns the card."""
    keras_path, tflite_path = cfg.out / config.MODEL_KERAS.name, cfg.out / config.MODEL_TFLITE.name
    model.save(keras_path)
    export_tflite(model, tflite_path)
    keras_clf, lite_clf = Classifier(keras_path), Classifier(tflite_path)
    ev = evaluate(lite_clf, data, cfg.seed)
    agree = float(
        np.mean(np.argmax(keras_clf.probabilities(data.x_test), 1) == np.argmax(lite_clf.probabilities(data.x_test), 1))
    )
    card = model_card(model, ev, data, cfg, seconds, agree, len(history["loss"]))
    write(card, cfg.out)
    plot_curves(history, cfg.out / "training_curves.png")
    plot_confusion(np.array(ev.confusion), cfg.out / "confusion_matrix.png")
    return card


def write(card: dict, out: Path) -> None:
    (out / config.MODEL_CARD.name).write_text(json.dumps(card, indent=2) + "\n")


def model_card(
    model, ev: Evaluation, data: TrainData, cfg: FitConfig, seconds: float, agree: float, epochs: int
) -> dict:
    """The card of a model just written to ``cfg.out`` (its files are hashed, so write them first)."""
    keras_path, tflite_path = cfg.out / config.MODEL_KERAS.name, cfg.out / config.MODEL_TFLITE.name
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
            "seed": cfg.seed,
            "size": len(data.x_k_holdout),
            "rule": "vision.training.datasets.split_k_holdout: first 20% of a seeded permutation of the K images",
        },
        "evaluation": asdict(ev) | {"litert_keras_agreement_mnist_test": agree, "model_evaluated": "tflite"},
        "parameters": int(model.count_params()),
        "init_from": None if cfg.init is None else {"path": cfg.init.name, "sha256": sha256_file(cfg.init)},
        "learning_rate": lr_text(cfg),
        "epochs_run": epochs,
        "epochs_max": cfg.epochs,
        "seed": cfg.seed,
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


def lr_text(cfg: FitConfig) -> str:
    start, peak, alpha, warmup = cfg.schedule()
    kind = "continued from --init" if cfg.init is not None else "from scratch"
    return f"{kind}: Adam, {warmup:.0%} warm-up {start:g} -> {peak:g}, then cosine to {alpha * peak:g}"


def reject_examples_text(kept: int) -> str:
    """What the "not a character" output was trained on, for the model card."""
    operators = " ".join(k for k in MARK_KINDS if len(k) == 1)
    pieces = ", ".join(k for k in MARK_KINDS if len(k) > 1)
    return (
        f"{config.CLUTTER_EXAMPLES} procedural clutter patches + {config.OPERATOR_EXAMPLES} handwritten operators "
        f"({operators}) + {config.STRUCTURE_EXAMPLES} printed box/table pieces ({pieces}; operators and pieces get "
        f"{config.MARK_TILT} of the rotation/shear augmentation and loss weight {config.MARK_WEIGHT}) + "
        f"{config.PAIR_EXAMPLES} runs of 2-3 touching MNIST training digits + letters "
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


def evaluate_table(card: dict) -> str:
    """What a training run prints: the evaluation table, LiteRT/Keras agreement and the time taken."""
    ev = {k: v for k, v in card["evaluation"].items() if k in Evaluation.__dataclass_fields__}
    agree = card["evaluation"]["litert_keras_agreement_mnist_test"]
    return (
        f"{Evaluation(**ev).table()}\nLiteRT/Keras agreement  {agree * 100:7.2f} %\n"
        f"training time            {card['training_seconds']:7.1f} s\nwrote {config.MODEL_CARD.name} and models"
    )


# --- the personal model's part of the card ------------------------------------------------------------


def held_out_figures(classifier, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy on the held-out samples and, per class, "errors/count" (what it read instead)."""
    pred = np.argmax(classifier.probabilities(x), axis=1)
    per_class = {}
    for c in np.unique(y):
        wrong = pred[(y == c) & (pred != c)]
        names = "".join(sorted(config.CLASSES[p] if p < config.NUM_CLASSES else "-" for p in wrong))
        per_class[config.CLASSES[c]] = f"{len(wrong)}/{int(np.sum(y == c))}" + (f" ({names})" if names else "")
    return {"accuracy": float(np.mean(pred == y)), "count": len(y), "per_class_errors": per_class}


def fine_tune_section(
    cfg: FitConfig, samples: Path, y: np.ndarray, held: np.ndarray, before: tuple[dict, Evaluation], after: dict
) -> dict:
    """``card["fine_tune"]``: the samples (per class, held out), the base model, and the held-out
    figures and MNIST/K evaluation of the base model (``before``) beside the personal one's."""
    held_before, ev_before = before
    return {
        "samples": len(y),
        "samples_folder": str(samples),
        "per_class": class_counts(y),
        "held_out_per_class": class_counts(y[held]),
        "base_model": {"path": str(cfg.init), "sha256": sha256_file(cfg.init)},
        "replay_digits": cfg.subset,
        "out": str(cfg.out),
        "held_out_before": held_before,
        "held_out_after": after,
        "mnist_before": ev_before.mnist_accuracy,
        "k_recall_before": ev_before.k_recall,
    }


def fine_tune_table(card: dict) -> str:
    """What a fine-tune prints: the base model beside the personal one on what matters to the owner."""
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
