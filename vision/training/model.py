"""The classifier network, the model it starts from, its evaluation figures, and export to LiteRT.

Imports Keras/TensorFlow inside functions only, so ``import vision.training.model`` stays cheap and
the live app never loads TensorFlow through this module on the LiteRT path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vision import config
from vision.classifier import ModelError


def build_model(dropout: float = config.DROPOUT):
    """Compact CNN: uint8-range 28x28x1 input -> 12 softmax scores (0-9, K, not-a-character).

    Scaling to [0, 1] is the first layer, so training and serving cannot disagree about it.
    A light full-resolution stem, one strided convolution and depthwise-separable blocks keep
    it near 2.9 M multiply-adds per patch (the earlier plain-conv net took 9.5 M): a frame's
    characters cost about a millisecond through LiteRT on two CPU cores.
    """
    import keras
    from keras import layers

    def bn_relu(x):
        x = layers.BatchNormalization(momentum=config.BN_MOMENTUM)(x)
        return layers.ReLU()(x)

    def conv(x, filters: int, kernel: int = 3, strides: int = 1):
        return bn_relu(layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x))

    def separable(x, filters: int):
        x = bn_relu(layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x))
        return conv(x, filters, 1)

    inputs = keras.Input((config.PATCH_SIZE, config.PATCH_SIZE, 1), name="patch")
    x = layers.Rescaling(1.0 / 255.0)(inputs)
    x = conv(x, 16)  # 28x28: thin strokes and small loops are seen at full resolution
    x = conv(x, 32, strides=2)  # 14x14
    x = separable(x, 64)
    x = layers.MaxPooling2D()(x)  # 7x7
    x = separable(x, 128)
    x = separable(x, 128)
    x = layers.MaxPooling2D()(x)  # 3x3
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = bn_relu(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(config.NUM_OUTPUTS, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="digit_locker_cnn")


@dataclass
class Evaluation:
    """Accuracy figures that go into the model card and the ``--evaluate`` table."""

    mnist_accuracy: float
    per_class_accuracy: dict[str, float]
    mnist_called_k: int
    mnist_called_reject: int = 0
    k_recall: float | None = None
    k_precision: float | None = None
    k_holdout_size: int = 0
    other_letters_called_k: float | None = None
    confusion: list[list[int]] = field(default_factory=list)
    marks_rejected: dict[str, float] | None = None  # per kind of fresh operator / box piece

    @property
    def marks_rejected_all(self) -> float | None:
        """Share of all fresh marks rejected (the kinds are drawn in equal numbers)."""
        return float(np.mean(list(self.marks_rejected.values()))) if self.marks_rejected else None

    def table(self) -> str:
        rows = [f"MNIST test accuracy      {self.mnist_accuracy * 100:7.2f} %"]
        rows += [f"  class {c:<2}               {a * 100:7.2f} %" for c, a in self.per_class_accuracy.items()]
        rows.append(f"MNIST test called K      {self.mnist_called_k:7d} of 10000")
        rows.append(f"MNIST test rejected      {self.mnist_called_reject:7d} of 10000")
        if self.k_recall is not None:
            rows.append(f"K recall (hold-out {self.k_holdout_size:3d})  {self.k_recall * 100:7.2f} %")
            rows.append(f"K precision              {self.k_precision * 100:7.2f} %")
        if self.other_letters_called_k is not None:
            rows.append(f"unseen letters called K  {self.other_letters_called_k * 100:7.2f} %")
        if self.marks_rejected:
            rows.append(f"fresh marks rejected     {self.marks_rejected_all * 100:7.2f} %")
            rows += [f"  {kind:<22} {share * 100:7.2f} %" for kind, share in self.marks_rejected.items()]
        return "\n".join(rows)


def evaluate_predictions(
    y_test: np.ndarray,
    pred_test: np.ndarray,
    pred_k: np.ndarray | None = None,
    pred_other_letters: np.ndarray | None = None,
    pred_marks: dict[str, np.ndarray] | None = None,
) -> Evaluation:
    """Metrics from predicted class indices: MNIST test, real K hold-out, other letters, marks.

    ``pred_marks`` maps a mark kind (operator or box piece, never trained on) to its predictions.
    """
    confusion = np.zeros((config.NUM_OUTPUTS, config.NUM_OUTPUTS), np.int64)
    np.add.at(confusion, (y_test.astype(int), pred_test.astype(int)), 1)
    per_class = {
        config.CLASSES[c]: float(np.mean(pred_test[y_test == c] == c)) for c in range(10) if np.any(y_test == c)
    }
    called_k = int(np.sum(pred_test == config.K_INDEX))
    rejected = int(np.sum(pred_test == config.REJECT_INDEX))
    ev = Evaluation(float(np.mean(pred_test == y_test)), per_class, called_k, rejected, confusion=confusion.tolist())
    if pred_k is not None and len(pred_k):
        tp = int(np.sum(pred_k == config.K_INDEX))
        np.add.at(confusion, (np.full(len(pred_k), config.K_INDEX), pred_k.astype(int)), 1)
        ev.confusion = confusion.tolist()
        ev.k_recall, ev.k_holdout_size = tp / len(pred_k), len(pred_k)
        ev.k_precision = tp / (tp + called_k) if tp + called_k else 0.0
    if pred_other_letters is not None and len(pred_other_letters):
        ev.other_letters_called_k = float(np.mean(pred_other_letters == config.K_INDEX))
    if pred_marks:
        ev.marks_rejected = {kind: float(np.mean(p == config.REJECT_INDEX)) for kind, p in pred_marks.items()}
    return ev


def export_tflite(model, path) -> None:
    """Write the LiteRT (.tflite) twin of a Keras model, float32, batch dimension dynamic."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    Path(path).write_bytes(converter.convert())


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
