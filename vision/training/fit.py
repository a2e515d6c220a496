"""Fitting the classifier: the data mix, the schedule, early stopping, and the owner's fine-tune.

Training from scratch, continuing from a model (``init``) and fine-tuning on the owner's samples are
one recipe under one :class:`FitConfig`; they differ only in its fields (``FitConfig.fine_tune``
gives the personal model's). Keras and TensorFlow (and ``vision.training.augment``, written in
TensorFlow) are imported inside the functions that fit, so reading a config costs nothing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from vision import config
from vision.classifier import Classifier
from vision.samples import SampleError, load_samples, private_parents
from vision.synth.clutter import clutter_patches
from vision.synth.glyphs import synth_k
from vision.synth.pairs import touching_patches
from vision.synth.symbols import operator_patches, structure_patches
from vision.training import card
from vision.training.datasets import LETTER_K, find_mnist, load_letters, load_mnist, sha256_file, split_k_holdout
from vision.training.model import starting_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitConfig:
    """What one fit reads, how long it runs and where it writes; the defaults train from scratch.

    ``init`` continues from a trained model with the gentler ``config.INIT_LR_*`` schedule.
    ``subset`` keeps the first N shuffled MNIST training digits (0: all): smoke runs, and the
    fine-tune's replay. ``monitor`` and ``patience`` drive early stopping: on the validation
    loss, as the validation accuracy of 5,000 digits ties for epochs (its steps are 0.02%) and
    stopped runs five epochs before the cosine schedule ended (99.41% on MNIST test).
    """

    out: Path = config.MODELS_DIR
    mnist: Path | None = None  # None: $DIGIT_LOCKER_MNIST, Keras' cache, or Keras' download
    letters: Path | None = None  # handwritten A-Z (.npz or CSV); None: K from the stroke synthesizer only
    init: Path | None = None
    epochs: int = config.EPOCHS
    batch_size: int = config.BATCH_SIZE
    subset: int = 0
    seed: int = config.SEED
    verbose: int = 1  # Keras progress output: 0, 1 or 2
    monitor: str = "val_loss"
    patience: int = config.EARLY_STOP_PATIENCE

    @classmethod
    def fine_tune(
        cls,
        out: Path,
        init: Path = config.MODEL_KERAS,
        replay: int = config.FT_REPLAY_DIGITS,
        epochs: int = config.FT_EPOCHS,
        **fields: Any,
    ) -> FitConfig:
        """The personal model's recipe: a few epochs from ``init`` on a replay of ``replay`` MNIST
        digits, stopping on the held-out samples' loss (accuracy on a few dozen is too coarse)."""
        return cls(
            out=out,
            init=init,
            subset=replay,
            epochs=epochs,
            monitor="val_loss",
            patience=config.FT_PATIENCE,
            **fields,
        )

    def schedule(self) -> tuple[float, float, float, float]:
        """(start, peak, alpha, warm-up share) of the learning rate: from scratch, or continuing."""
        if self.init is not None:
            return config.INIT_LR_START, config.INIT_LR_PEAK, config.INIT_LR_ALPHA, config.INIT_LR_WARMUP
        return config.LR_START, config.LR_PEAK, config.LR_ALPHA, config.LR_WARMUP


@dataclass
class TrainData:
    """The arrays one fit and its evaluation read, uint8 (N, 28, 28) patches with their labels.

    Digits are MNIST's split into train/validation/test; K and "not a character" are kept apart
    because the fit oversamples K and weights the marks (see :func:`make_datasets`).
    """

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


def load_data(cfg: FitConfig) -> TrainData:
    """MNIST + K (real letters with a fixed hold-out, or synthetic), split into train/val/test."""
    (x_tr, y_tr), (x_te, y_te) = load_mnist(cfg.mnist)
    datasets = {"mnist": _describe(cfg.mnist)}
    order = np.random.default_rng(cfg.seed).permutation(len(x_tr))
    x_tr, y_tr = x_tr[order], y_tr[order]
    x_val, y_val = x_tr[: config.MNIST_VAL_SIZE], y_tr[: config.MNIST_VAL_SIZE]
    x_tr, y_tr = x_tr[config.MNIST_VAL_SIZE :], y_tr[config.MNIST_VAL_SIZE :]
    if cfg.subset:
        x_tr, y_tr = x_tr[: cfg.subset], y_tr[: cfg.subset]
    empty = np.zeros((0, 28, 28), np.uint8)
    reject, is_mark = synthetic_rejects(cfg.seed)
    pairs = touching_patches(x_tr, config.PAIR_EXAMPLES, cfg.seed + config.PAIR_SEED)
    reject, is_mark = np.concatenate([reject, pairs]), np.concatenate([is_mark, np.zeros(len(pairs), bool)])
    if cfg.letters is not None:
        path = cfg.letters
        x_l, y_l = load_letters(path)
        k_train, k_hold = split_k_holdout(x_l[y_l == LETTER_K], cfg.seed)
        k_train = np.concatenate([k_train, synth_k(config.SYNTH_K_WITH_LETTERS, cfg.seed)])
        as_reject = np.isin(y_l, [ord(c) - ord("A") for c in config.REJECT_LETTERS])
        reject = np.concatenate([reject, x_l[as_reject]])
        is_mark = np.concatenate([is_mark, np.zeros(int(as_reject.sum()), bool)])
        others, k_source = x_l[~as_reject & (y_l != LETTER_K)], f"real letters ({path.name}) + synthetic strokes"
        datasets["letters"] = {"path": path.name, "sha256": sha256_file(path), "k_total": int(np.sum(y_l == LETTER_K))}
    else:
        k_train, k_hold, others = synth_k(config.SYNTH_K_ALONE, cfg.seed), empty, empty
        k_source = "synthetic strokes only (no letter data given)"
    keep = np.random.default_rng(cfg.seed).permutation(len(reject))[: int(config.REJECT_SHARE * len(x_tr))]
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

    from vision.training.augment import augment_batch

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
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x, y, tilt, weight))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch)
        .map(lambda a, b, t, w: (augment_batch(a, t), b, w), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    val = tf.data.Dataset.from_tensor_slices(
        (data.x_val[..., None].astype(np.float32), data.y_val.astype(np.int32))
    ).batch(config.VAL_BATCH_SIZE)
    return train_ds, val, len(x)


def distribution_strategy():
    """MirroredStrategy across several GPUs, the default strategy otherwise (same script)."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def fit_model(data: TrainData, cfg: FitConfig):
    """Fit with early stopping, best checkpoint and a cosine learning-rate schedule: (model, history)."""
    import keras

    keras.utils.set_random_seed(cfg.seed)
    train_ds, val_ds, n = make_datasets(data, cfg.batch_size, cfg.seed)
    steps = int(np.ceil(n / cfg.batch_size)) * cfg.epochs
    with distribution_strategy().scope():
        model = starting_model(cfg.init)
        model.compile(
            keras.optimizers.Adam(learning_rate(steps, cfg)), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    cfg.out.mkdir(parents=True, exist_ok=True)
    best = cfg.out / "best_checkpoint.keras"
    callbacks = [
        keras.callbacks.EarlyStopping(cfg.monitor, patience=cfg.patience, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(best, monitor=cfg.monitor, save_best_only=True),
    ]
    # The datasets shuffle themselves, afresh each epoch; fit's own shuffle is for arrays (and warns).
    history = model.fit(
        train_ds, validation_data=val_ds, epochs=cfg.epochs, callbacks=callbacks, verbose=cfg.verbose, shuffle=False
    )
    best.unlink(missing_ok=True)  # restore_best_weights already holds it; keep models/ clean
    return model, history.history


def learning_rate(steps: int, cfg: FitConfig):
    """Linear warm-up to the peak, then a cosine down to alpha x peak at the last step."""
    import keras

    start, peak, alpha, warmup = cfg.schedule()
    warmup_steps = max(1, int(steps * warmup))
    return keras.optimizers.schedules.CosineDecay(
        start, max(1, steps - warmup_steps), alpha=alpha, warmup_target=peak, warmup_steps=warmup_steps
    )


def train(data: TrainData, cfg: FitConfig) -> dict:
    """Fit on ``data`` and write the .keras and .tflite models, plots and card to ``cfg.out``; the card."""
    start = time.perf_counter()
    model, history = fit_model(data, cfg)
    return card.export(model, history, data, cfg, time.perf_counter() - start)


# --- the personal model: the shipped one fine-tuned on the owner's characters ------------------------


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


def fine_tune(cfg: FitConfig, samples: Path, announce: Callable[[str], None] = log.info) -> dict:
    """Fine-tune ``cfg.init`` (the shipped model) on the samples in ``samples``; the card.

    ``announce`` hears one line on what is about to be fitted (the CLI prints it).
    """
    refuse_shipped_folder(cfg.out)
    private_parents(cfg.out)
    x, y, _ = load_samples(samples)
    tr, held = split_holdout(y, cfg.seed)
    data = load_data(cfg)
    base = Classifier(_lite_twin(cfg.init))
    before = card.held_out_figures(base, x[held], y[held]), card.evaluate(base, data, cfg.seed)
    data = with_samples(data, x[tr], y[tr], x[held], y[held], cfg.seed)
    announce(
        f"fine-tuning {cfg.init} on {len(x)} samples ({len(held)} held out), {cfg.subset} MNIST digits, "
        f"{len(data.x_reject)} not-a-character examples replayed"
    )
    start = time.perf_counter()
    model, history = fit_model(data, cfg)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter's "Saved artifact" listing, 60 lines
        written = card.export(model, history, data, cfg, time.perf_counter() - start)
    after = card.held_out_figures(Classifier(cfg.out / config.MODEL_TFLITE.name), x[held], y[held])
    written["fine_tune"] = card.fine_tune_section(cfg, samples, y, held, before, after)
    card.write(written, cfg.out)
    return written


def _lite_twin(keras_path: Path) -> Path:
    twin = keras_path.with_suffix(".tflite")
    return twin if twin.is_file() else keras_path
