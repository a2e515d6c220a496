"""Data sets for training and evaluation: MNIST, handwritten letters (for K), synthetic K.

Nothing here downloads by itself except Keras' own MNIST loader on a connected machine. Files are
validated on load so a corrupt or wrongly shaped file gives one clear :class:`DatasetError` line.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
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


def synth_k(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` synthetic handwritten K patches, uint8 (n, 28, 28), white on black, MNIST layout.

    Each K is three strokes with random geometry (stem height, where and at which angles the
    arms meet it, whether they touch), thickness, slant and a smooth elastic distortion.
    """
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
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


def clutter_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` patches of things that are not characters, laid out as the segmenter hands them over.

    What survives the segmenter's shape filters in cluttered frames is mostly solid: wedges where
    a shadow or the desk meets the paper's edge, fingertips, smudges, and dashes. Drawn here
    procedurally (fast, no data set needed) and passed through the same ``to_mnist``.
    """
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    makers = (_wedge, _fingertip, _smudge, _dash)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
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


# --- Handwritten operators and printed box pieces: "not a character" ---------------------------
#
# Geometry is drawn in unit-free coordinates (y down), then fitted so the mark's longer side spans
# MARK_EXTENT px of a MARK_CANVAS canvas: stroke thickness then relates to the mark's size the way
# _k_strokes' 4-12 px relate to its ~70 px K. The margin keeps thick strokes and the wobble inside.
MARK_CANVAS = 112
MARK_EXTENT = (50.0, 72.0)  # px: the longer side of the mark's stroke skeleton
PEN = (4, 12)  # px, handwritten strokes (as _k_strokes)
PRINTED = (3, 9)  # px, printed rules: thin next to the box they bound
DOT = (14, 26)  # px, the dots of a colon
SLASH_DEG = (50.0, 70.0)  # from vertical: measured, MNIST test 1s lean up to 45 (99th percentile 41)
ARC_DEG = (95.0, 140.0)  # span of a parenthesis' arc: flatter ones are bent 1s, wider ones hooked 7s
CROSS_AT = (0.4, 0.6)  # where the bar of a + crosses its stem: higher is a t-like 7
Strokes = list[np.ndarray]  # polylines, each (k, 2) float x, y


@dataclass(frozen=True)
class _MarkSpec:
    strokes: Callable[[np.random.Generator], Strokes]
    pen: tuple[int, int]  # stroke thickness range, px on the fitted mark
    slant: float  # largest shear (x shift per unit of height) applied on top of the geometry
    wobble: float  # elastic displacement, px: handwriting wobbles, printed rules barely


def _seg(p0, p1, bow: float = 0.0, n: int = 16) -> np.ndarray:
    """Stroke from p0 to p1, bent sideways by ``bow`` x its length at the middle."""
    p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    d = p1 - p0
    return p0 + t * d + 4.0 * bow * t * (1.0 - t) * np.array([-d[1], d[0]])


def _ray(deg: float, length: float, centre=(0.0, 0.0), along: float = 0.5, bow: float = 0.0) -> np.ndarray:
    """Straight (or bowed) stroke at ``deg`` from vertical (positive leans right) through ``centre``,
    which sits at fraction ``along`` of the stroke from its lower end."""
    a = np.radians(deg)
    up = np.array([np.sin(a), -np.cos(a)]) * length
    c = np.asarray(centre, np.float64)
    return _seg(c - up * along, c + up * (1.0 - along), bow)


def _turn(strokes: Strokes, deg: float) -> Strokes:
    a = np.radians(deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [s @ rot.T for s in strokes]


def _plus(rng: np.random.Generator) -> Strokes:
    """Stem and bar of similar length crossing near both middles (an open-top 4 or a t-like 7 is not)."""
    u = rng.uniform
    stem = _ray(u(-8, 8), 1.0, along=u(*CROSS_AT), bow=u(-0.05, 0.05))
    bar = _ray(90 + u(-8, 8), u(0.8, 1.25), along=u(*CROSS_AT), bow=u(-0.05, 0.05))
    return [stem, bar]


def _minus(rng: np.random.Generator) -> Strokes:
    return [_ray(90 + rng.uniform(-10, 10), 1.0, bow=rng.uniform(-0.06, 0.06))]


def _times(rng: np.random.Generator) -> Strokes:
    """Two diagonals crossing near their middles: no vertical stem, so neither a K nor a 4."""
    u = rng.uniform
    one = _ray(u(30, 60), 1.0, along=u(0.35, 0.65), bow=u(-0.08, 0.08))
    two = _ray(-u(30, 60), u(0.8, 1.25), along=u(0.35, 0.65), bow=u(-0.08, 0.08))
    return [one, two]


def _slash(rng: np.random.Generator) -> Strokes:
    return [_ray(rng.uniform(*SLASH_DEG), 1.0, bow=rng.uniform(-0.04, 0.04))]


def _paren(rng: np.random.Generator, side: float) -> Strokes:
    """An arc bulging left (side -1: "(") or right (+1: ")"), squashed and tilted a little."""
    half = np.radians(rng.uniform(*ARC_DEG)) / 2
    t = np.linspace(-half, half, 24)
    arc = np.stack([side * np.cos(t) * rng.uniform(0.8, 1.1), np.sin(t)], axis=1)
    return _turn([arc], rng.uniform(-12, 12))


def _equals(rng: np.random.Generator) -> Strokes:
    u = rng.uniform
    tilt, gap = 90 + u(-8, 8), u(0.25, 0.7)
    top = _ray(tilt, 1.0, bow=u(-0.05, 0.05))
    low = _ray(tilt + u(-4, 4), u(0.75, 1.0), centre=(u(-0.12, 0.12), gap), bow=u(-0.05, 0.05))
    return [top, low]


def _colon(rng: np.random.Generator) -> Strokes:
    """Two dots, one above the other: strokes of almost no length, drawn as their round caps."""
    low_x = rng.uniform(-0.15, 0.15)
    return [np.array([[x, y], [x + 0.01, y]]) for x, y in ((0.0, 0.0), (low_x, 1.0))]


def _hash(rng: np.random.Generator) -> Strokes:
    u = rng.uniform
    lean, dx, dy = u(5, 20), u(0.3, 0.5) / 2, u(0.3, 0.5) / 2
    stems = [_ray(lean + u(-3, 3), 1.0, centre=(x, 0.0), bow=u(-0.04, 0.04)) for x in (-dx, dx)]
    bars = [_ray(90 + u(-8, 8), u(0.8, 1.1), centre=(0.0, y), bow=u(-0.04, 0.04)) for y in (-dy, dy)]
    return stems + bars


def _asterisk(rng: np.random.Generator) -> Strokes:
    """Four crossing strokes (a + over an x), or three with one upright. Three with one lying flat
    would be a + with a diagonal: how MNIST writes many a 4."""
    k = int(rng.integers(3, 5))
    base = rng.uniform(0, 180) if k == 4 else rng.uniform(-10, 10)
    return [_ray(base + i * 180 / k + rng.uniform(-10, 10), rng.uniform(0.8, 1.0)) for i in range(k)]


def _corner(rng: np.random.Generator) -> Strokes:
    """A box corner with arms right+down, right+up or left+up. Never left+down: that is a 7's
    bar and stem to any reader, MNIST included."""
    sx, sy = [(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)][int(rng.integers(3))]  # arm directions, y down
    pts = np.array([[sx, 0.0], [0.0, 0.0], [0.0, sy * rng.uniform(0.4, 2.5)]])
    return _turn([pts], rng.uniform(-4, 4))


def _tee(rng: np.random.Generator) -> Strokes:
    """A T-junction of a horizontal rule, stem down or up. Not on a vertical rule: with its arm
    to the left or right that is a 4 without the diagonal, as MNIST writes some."""
    at = rng.uniform(0.3, 0.7)
    bar = _seg((0.0, 0.0), (1.0, 0.0))
    stem = _seg((at, 0.0), (at, rng.choice([-1.0, 1.0]) * rng.uniform(0.35, 0.9)))
    return _turn([bar, stem], rng.uniform(-4, 4))


def _junction(rng: np.random.Generator) -> Strokes:
    """Two table rules crossing: thin, straight, crossing near both middles."""
    one = _ray(rng.uniform(-4, 4), 1.0, along=rng.uniform(0.35, 0.65))
    two = _ray(90 + rng.uniform(-4, 4), rng.uniform(0.7, 1.4), along=rng.uniform(0.35, 0.65))
    return [one, two]


def _cell(rng: np.random.Generator) -> Strokes:
    """The U-shaped bottom of a form cell, wider than its sides are tall. Not the top: upside
    down it is a 7 with a hooked bar, which MNIST holds."""
    left, right = rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.9)
    pts = np.array([[0.0, -left], [0.0, 0.0], [1.0, 0.0], [1.0, -right]])
    return _turn([pts], rng.uniform(-4, 4))


def _box(rng: np.random.Generator) -> Strokes:
    """An empty cell outline, wider than tall (a tall narrow one would be a 0), sometimes broken."""
    h = rng.uniform(0.33, 0.9)
    ring = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, h], [0.0, h], [0.0, 0.0]])
    if rng.random() < 0.4:  # a gap in the top or bottom side, where the print or the mask broke
        cut = rng.uniform(0.15, 0.6)
        ring = np.array([[cut, 0.0], [1.0, 0.0], [1.0, h], [0.0, h], [0.0, 0.0], [cut - 0.12, 0.0]])
    return _turn([ring], rng.uniform(-4, 4))


def _rule(rng: np.random.Generator) -> Strokes:
    """A piece of a horizontal or slanted rule; near-vertical pieces are left out (they are 1s)."""
    return [_ray(90 + rng.uniform(-30, 30), 1.0)]


OPERATOR_KINDS: dict[str, _MarkSpec] = {
    "+": _MarkSpec(_plus, PEN, 0.25, 6.0),
    "-": _MarkSpec(_minus, PEN, 0.0, 6.0),
    "x": _MarkSpec(_times, PEN, 0.0, 6.0),
    "/": _MarkSpec(_slash, PEN, 0.0, 6.0),
    "(": _MarkSpec(lambda r: _paren(r, -1.0), PEN, 0.1, 6.0),
    ")": _MarkSpec(lambda r: _paren(r, 1.0), PEN, 0.1, 6.0),
    "=": _MarkSpec(_equals, PEN, 0.2, 6.0),
    ":": _MarkSpec(_colon, DOT, 0.3, 4.0),
    "#": _MarkSpec(_hash, PEN, 0.15, 6.0),
    "*": _MarkSpec(_asterisk, PEN, 0.0, 6.0),
}
STRUCTURE_KINDS: dict[str, _MarkSpec] = {
    "corner": _MarkSpec(_corner, PRINTED, 0.0, 2.0),
    "tee": _MarkSpec(_tee, PRINTED, 0.0, 2.0),
    "junction": _MarkSpec(_junction, PRINTED, 0.0, 2.0),
    "cell": _MarkSpec(_cell, PRINTED, 0.0, 2.0),
    "box": _MarkSpec(_box, PRINTED, 0.0, 2.0),
    "rule": _MarkSpec(_rule, PRINTED, 0.0, 2.0),
}
MARK_KINDS = {**OPERATOR_KINDS, **STRUCTURE_KINDS}


def operator_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` handwritten non-PIN marks, uint8 (n, 28, 28), white on black, MNIST layout.

    Cycles through ``+ - x / ( ) = : # *`` (a "×" is an x once fitted to 20 px). Without them the
    model reads the operators between digits (``4x(2+2)``) as 4, 7, 1 or 2. Left out on purpose:
    ``.`` (scaled to 20 px it is a filled disc, which ``clutter_patches`` already rejects as a
    smudge, or a 0) and ``,`` (a short tick, a 1 once scaled); the segmenter drops both by size.
    Geometry keeps clear of digits: ``/`` leans at least 50 degrees (MNIST 1s reach 45), the arc of
    a parenthesis spans 95-140 degrees (MNIST has bent 1s and hooked 7s either side), ``-`` and
    ``=`` stay near horizontal, an ``x`` has no vertical stem, a 3-stroke ``*`` has one upright.
    """
    return _marks(tuple(OPERATOR_KINDS), n, seed)


def structure_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` pieces of printed boxes and tables with no glyph inside, uint8 (n, 28, 28).

    Cycles through: an L corner (three orientations), a T-junction (two), a crossing of two rules,
    the U-shaped bottom of a cell, an empty cell outline, a horizontal or slanted rule piece.
    Forms and squared paper hand these to the classifier, which otherwise reads them as 1, 7 or 4.
    Left out as digits once fitted to 20 px: a lone vertical rule (a 1), a tall narrow outline (a 0),
    a corner opening down-left and the upside-down cell top (both 7s), a T on a vertical rule (a 4).
    """
    return _marks(tuple(STRUCTURE_KINDS), n, seed)


def mark_patches(kind: str, n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` patches of one kind from ``MARK_KINDS`` (for per-kind evaluation)."""
    if kind not in MARK_KINDS:
        raise ValueError(f"unknown mark kind {kind!r}; expected one of {sorted(MARK_KINDS)}")
    return _marks((kind,), n, seed)


def _marks(kinds: tuple[str, ...], n: int, seed: int) -> np.ndarray:
    from vision.preprocess import to_mnist

    rng = np.random.default_rng(seed)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    for i in range(n):
        spec = MARK_KINDS[kinds[i % len(kinds)]]
        out[i] = to_mnist(_elastic(_draw_mark(spec, rng), rng, alpha=spec.wobble))
    return out


def _draw_mark(spec: _MarkSpec, rng: np.random.Generator) -> np.ndarray:
    """Slant, fit and draw one mark's strokes on a MARK_CANVAS square canvas (white on black)."""
    import cv2

    strokes = spec.strokes(rng)
    slant = rng.uniform(-spec.slant, spec.slant)
    strokes = [s + np.stack([-slant * s[:, 1], np.zeros(len(s))], axis=1) for s in strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = rng.uniform(*MARK_EXTENT) / max(1e-6, float((hi - lo).max()))
    offset = MARK_CANVAS / 2 - scale * (lo + hi) / 2
    img = np.zeros((MARK_CANVAS, MARK_CANVAS), np.uint8)
    thickness = int(rng.integers(spec.pen[0], spec.pen[1] + 1))
    polylines = [np.int32(np.round(s * scale + offset)) for s in strokes]
    cv2.polylines(img, polylines, False, 255, thickness, cv2.LINE_AA)
    return img


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
    "MARK_KINDS",
    "OPERATOR_KINDS",
    "STRUCTURE_KINDS",
    "clutter_patches",
    "find_mnist",
    "load_letters",
    "load_mnist",
    "mark_patches",
    "operator_patches",
    "sha256_file",
    "split_k_holdout",
    "structure_patches",
    "synth_k",
]
