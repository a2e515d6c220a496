"""Data sets for training and evaluation: MNIST and handwritten letters (for K), read and checked.

Nothing here downloads by itself except Keras' own MNIST loader on a connected machine. Files are
validated on load so a corrupt or wrongly shaped file gives one clear :class:`DatasetError` line.
What training draws rather than reads (synthetic K, clutter, operators, box pieces) is made in
``vision.synth``.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from vision import config

LETTER_K = 10  # index of K in A..Z letter data sets (0 = A)
MNIST_ENV = "DIGIT_LOCKER_MNIST"  # explicit path to mnist.npz, used by CI and tests


class DatasetError(Exception):
    """A data file is missing, unreadable or not shaped like the data set it claims to be."""


def keras_cache_dir() -> Path:
    """Where ``keras.datasets`` keeps downloads: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def find_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """The MNIST file to use: an explicit path, ``$DIGIT_LOCKER_MNIST``, or Keras' cache; else None."""
    for candidate in (path, os.environ.get(MNIST_ENV), keras_cache_dir() / config.MNIST_FILENAME):
        if candidate:
            return Path(candidate)
    return None


def load_mnist(path: str | os.PathLike | None = None, download: bool = True):
    """``((x_train, y_train), (x_test, y_test))`` as uint8, like ``keras.datasets.mnist.load_data``.

    A file already in Keras' cache is read directly: Keras' loader checks the hash of *its own*
    download and would delete an equivalent file that differs only in its zip container. With no
    file anywhere, Keras' standard loader downloads it (on a connected machine).
    """
    found = find_mnist(path)
    if found is not None and (found.exists() or path is not None or os.environ.get(MNIST_ENV)):
        return _read_mnist_npz(found)
    if not download:
        raise DatasetError(_missing_mnist_message())
    try:
        import keras

        return keras.datasets.mnist.load_data()
    except Exception as exc:  # no network, proxy, interrupted download...
        raise DatasetError(f"{_missing_mnist_message()} (download failed: {exc})") from None


def _missing_mnist_message() -> str:
    return (
        f"MNIST not found: put mnist.npz at {keras_cache_dir() / config.MNIST_FILENAME}, "
        f"or pass --mnist PATH, or set {MNIST_ENV}"
    )


def _read_mnist_npz(path: Path):
    arrays = _read_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        _check_images(x, y, path, f"x_{split}")
        if y.max(initial=0) > 9:
            raise DatasetError(f"{path}: y_{split} holds labels above 9; is this MNIST?")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_letters(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Handwritten A-Z letters -> ``(x uint8 (N,28,28), y uint8 (N,))`` with 0 = A ... 25 = Z.

    Reads our ``.npz`` (keys ``x``, ``y``) or the widely used "A-Z handwritten" CSV (label, then
    784 pixels per row, no header).
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"letters file not found: {path}")
    if path.suffix.lower() == ".csv":
        x, y = _read_letters_csv(path)
    else:
        arrays = _read_npz(path, ("x", "y"))
        x, y = arrays["x"], arrays["y"]
    _check_images(x, y, path, "x")
    if y.max(initial=0) > 25:
        raise DatasetError(f"{path}: letter labels must be 0..25 (A..Z), found {int(y.max())}")
    return x.astype(np.uint8), y.astype(np.uint8)


def _read_letters_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        rows = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: not a letters CSV (label + 784 pixels per row): {exc}") from None
    if rows.shape[1] != 1 + config.PATCH_SIZE * config.PATCH_SIZE:
        raise DatasetError(f"{path}: rows have {rows.shape[1]} columns, expected 785")
    if rows.min() < 0 or rows.max() > 255:
        raise DatasetError(f"{path}: pixel values outside 0..255")
    x = rows[:, 1:].reshape(-1, config.PATCH_SIZE, config.PATCH_SIZE).astype(np.uint8)
    return x, rows[:, 0].astype(np.uint8)


def _read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not path.exists():
        raise DatasetError(f"file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in keys if k not in f.files]
            if missing:
                raise DatasetError(f"{path}: missing arrays {missing}; found {sorted(f.files)}")
            return {k: np.asarray(f[k]) for k in keys}
    except DatasetError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"{path}: unreadable or corrupt .npz ({type(exc).__name__}: {exc})") from None


def _check_images(x: np.ndarray, y: np.ndarray, path: Path, name: str) -> None:
    if x.ndim != 3 or x.shape[1:] != (config.PATCH_SIZE, config.PATCH_SIZE):
        raise DatasetError(f"{path}: {name} has shape {x.shape}, expected (N, 28, 28)")
    if y.ndim != 1 or len(y) != len(x):
        raise DatasetError(f"{path}: {len(x)} images but labels of shape {y.shape}")
    if not (np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)):
        raise DatasetError(f"{path}: expected integer arrays, got {x.dtype} / {y.dtype}")


def split_k_holdout(x_k: np.ndarray, seed: int = config.SEED) -> tuple[np.ndarray, np.ndarray]:
    """Fixed split of the real K images: ``(train, holdout)``, holdout = 20%, never trained on.

    The split is a permutation drawn from ``seed`` over the images in file order, so the same
    file always yields the same hold-out.
    """
    order = np.random.default_rng(seed).permutation(len(x_k))
    n_hold = int(np.ceil(len(x_k) * config.K_HOLDOUT_FRACTION))
    return x_k[order[n_hold:]], x_k[order[:n_hold]]


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, streamed (data sets and model files are recorded in the model card)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = [
    "DatasetError",
    "LETTER_K",
    "find_mnist",
    "load_letters",
    "load_mnist",
    "sha256_file",
    "split_k_holdout",
]
