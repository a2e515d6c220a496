"""Data sets for training and evaluation: MNIST, handwritten letters (for K), synthetic K.

Nothing here downloads by itself except Keras' own MNIST loader on a connected machine. Files are
validated on load so a corrupt or wrongly shaped file gives one clear :class:`DatasetError` line.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from vision.config import K_HOLDOUT_FRACTION, MNIST_FILENAME, PATCH_SIZE, SEED

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
    for candidate in (path, os.environ.get(MNIST_ENV), keras_cache_dir() / MNIST_FILENAME):
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
        f"MNIST not found: put mnist.npz at {keras_cache_dir() / MNIST_FILENAME}, "
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
    if rows.shape[1] != 1 + PATCH_SIZE * PATCH_SIZE:
        raise DatasetError(f"{path}: rows have {rows.shape[1]} columns, expected 785")
    if rows.min() < 0 or rows.max() > 255:
        raise DatasetError(f"{path}: pixel values outside 0..255")
    x = rows[:, 1:].reshape(-1, PATCH_SIZE, PATCH_SIZE).astype(np.uint8)
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
    if x.ndim != 3 or x.shape[1:] != (PATCH_SIZE, PATCH_SIZE):
        raise DatasetError(f"{path}: {name} has shape {x.shape}, expected (N, 28, 28)")
    if y.ndim != 1 or len(y) != len(x):
        raise DatasetError(f"{path}: {len(x)} images but labels of shape {y.shape}")
    if not (np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)):
        raise DatasetError(f"{path}: expected integer arrays, got {x.dtype} / {y.dtype}")


def split_k_holdout(x_k: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Fixed split of the real K images: ``(train, holdout)``, holdout = 20%, never trained on.

    The split is a permutation drawn from ``seed`` over the images in file order, so the same
    file always yields the same hold-out.
    """
    order = np.random.default_rng(seed).permutation(len(x_k))
    n_hold = int(np.ceil(len(x_k) * K_HOLDOUT_FRACTION))
    return x_k[order[n_hold:]], x_k[order[:n_hold]]


def synth_k(n: int, seed: int = SEED) -> np.ndarray:
    """``n`` synthetic handwritten K patches, uint8 (n, 28, 28), white on black, MNIST layout.

    Each K is three strokes with random geometry (stem height, where and at which angles the
    arms meet it, whether they touch), thickness, slant and a smooth elastic distortion.
    """
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    out = np.zeros((n, PATCH_SIZE, PATCH_SIZE), np.uint8)
    for i in range(n):
        out[i] = to_mnist(_elastic(_k_strokes(rng), rng))
    return out


def _k_strokes(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """One K drawn with cv2 polylines on a size x size canvas (white on black)."""
    import cv2

    img = np.zeros((size, size), np.uint8)
    top, bottom = rng.uniform(8, 18), rng.uniform(78, 88)
    stem_x = rng.uniform(24, 40)
    joint_y = rng.uniform(0.4, 0.62) * (bottom - top) + top
    joint_x = stem_x + rng.uniform(-1, 10)  # arms may meet the stem or stop short of it
    arm_top = (rng.uniform(60, 84), top + rng.uniform(-4, 8))
    leg_end = (rng.uniform(62, 88), bottom + rng.uniform(-6, 4))
    leg_start_y = joint_y + rng.uniform(-4, 10)  # the leg may start on the upper arm
    leg_start_x = joint_x + (leg_start_y - joint_y) * -0.3 + rng.uniform(0, 6)
    thickness = int(rng.integers(4, 12))
    strokes = [
        [(stem_x + rng.uniform(-4, 4), top), (stem_x, bottom)],
        [arm_top, ((arm_top[0] + joint_x) / 2 + rng.uniform(-3, 3), (arm_top[1] + joint_y) / 2), (joint_x, joint_y)],
        [(leg_start_x, leg_start_y), leg_end],
    ]
    for pts in strokes:
        cv2.polylines(img, [np.int32(pts)], False, 255, thickness, cv2.LINE_AA)
    slant = rng.uniform(-0.35, 0.35)
    mat = np.float32([[1, slant, -slant * size / 2], [0, 1, 0]])
    return cv2.warpAffine(img, mat, (size, size))


def _elastic(img: np.ndarray, rng: np.random.Generator, alpha: float = 6.0, sigma: float = 9.0) -> np.ndarray:
    """Smooth random displacement field (Simard et al. 2003) so strokes wobble like handwriting."""
    import cv2

    h, w = img.shape
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    scale = alpha / max(1e-6, float(np.abs(np.stack([dx, dy])).max()))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + dx * scale, gy + dy * scale, cv2.INTER_LINEAR)


def clutter_patches(n: int, seed: int = SEED) -> np.ndarray:
    """``n`` patches of things that are not characters, laid out as the segmenter hands them over.

    What survives the segmenter's shape filters in cluttered frames is mostly solid: wedges where
    a shadow or the desk meets the paper's edge, fingertips, smudges, and dashes. Drawn here
    procedurally (fast, no data set needed) and passed through the same ``to_mnist``.
    """
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    makers = (_wedge, _fingertip, _smudge, _dash)
    out = np.zeros((n, PATCH_SIZE, PATCH_SIZE), np.uint8)
    for i in range(n):
        canvas = makers[i % len(makers)](rng)
        out[i] = to_mnist(_elastic(canvas, rng, alpha=3.0))
    return out


def _wedge(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A filled triangle at least a third as wide as tall: paper corner against desk or shadow."""
    import cv2

    img = np.zeros((size, size), np.uint8)
    h = rng.uniform(30, 58)
    base = min(58.0, h * rng.uniform(0.35, 1.2))
    x0, y0 = rng.uniform(2, size - 2 - base + 1e-6), rng.uniform(2, size - h - 2 + 1e-6)
    pts = [(x0, y0 + h), (x0 + base, y0 + h), (x0 + rng.uniform(0, base), y0)]
    if rng.random() < 0.5:
        pts = [(x, 2 * y0 + h - y) for x, y in pts]  # pointing down
    cv2.fillPoly(img, [np.int32(pts)], int(rng.integers(150, 256)))
    return img


def _fingertip(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A filled half ellipse with soft shading: a fingertip or thumb entering the view."""
    import cv2

    img = np.zeros((size, size), np.uint8)
    axes = (int(rng.uniform(10, 28)), int(rng.uniform(14, 30)))
    cv2.ellipse(img, (size // 2, size // 2), axes, float(rng.uniform(0, 360)), 0, 180, 255, -1)
    shade = np.linspace(rng.uniform(0.4, 1.0), 1.0, size, dtype=np.float32)[None, :]
    return (img * shade).astype(np.uint8)


def _smudge(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A solid irregular blob with a grainy texture: a smear, a stain, a shadow's corner."""
    import cv2

    img = np.zeros((size, size), np.uint8)
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 9))))
    radii = rng.uniform(8, 26, len(angles))
    pts = np.stack([size / 2 + radii * np.cos(angles), size / 2 + radii * np.sin(angles)], axis=1)
    cv2.fillPoly(img, [np.int32(pts)], 255)
    grain = rng.uniform(0.55, 1.0, img.shape).astype(np.float32)
    return (img * grain).astype(np.uint8)


def _dash(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A short thick near-horizontal stroke: a dash, an underline, a fragment of a ruled line."""
    import cv2

    img = np.zeros((size, size), np.uint8)
    length, angle = rng.uniform(28, 60), rng.uniform(-0.35, 0.35)
    dx, dy = length / 2 * np.cos(angle), length / 2 * np.sin(angle)
    c = size / 2
    cv2.line(img, (int(c - dx), int(c - dy)), (int(c + dx), int(c + dy)), 255, int(rng.integers(3, 9)))
    return img


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, streamed (data sets and model files are recorded in the model card)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = [
    "DatasetError", "LETTER_K", "clutter_patches", "find_mnist", "load_letters", "load_mnist",
    "sha256_file", "split_k_holdout", "synth_k",
]
