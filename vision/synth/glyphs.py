"""Characters drawn from nothing: Hershey-font digits, K and operators, and synthetic K patches.

``hershey_glyph`` gives the project varied handwriting-like glyphs with no third-party data (tests,
the benchmark, the demo); ``synth_k`` gives training patches of K, the one letter of the PIN
alphabet, in the MNIST layout. Glyphs are uint8 white ink on black.
"""

from __future__ import annotations

import cv2
import numpy as np

from vision import config
from vision.preprocess import to_mnist
from vision.synth import tuning
from vision.synth.warp import elastic_warp

OPERATORS = "+-x/()="  # handwritten arithmetic hershey_glyph also draws: never a char of the PIN alphabet
_GLYPH_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
# A synthetic K's wobble on its 96 px canvas: displacement std (px) and control points per side.
# A control point every ~19 px bends the strokes of a ~70 px K without kinking them; this matches
# the Simard et al. (2003) field the shipped model was trained on (sigma 9 px, 6 px at most).
_K_WOBBLE = (2.0, 5)


def hershey_glyph(char: str, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A handwriting-like uint8 white-on-black glyph of ``char`` ("0"-"9", "K" or an operator).

    Drawn with a random OpenCV Hershey font and stroke width, then slanted, turned a little and
    warped by a smooth random field, so the project has varied glyphs with no third-party data.
    A char's longer side is ``size`` pixels, cropped to its ink. An operator (OPERATORS) is drawn
    as in a ``size``-pixel-tall line of digits and keeps its own size, so a minus is a short dash:
    its height over ``size`` is its height relative to the digits beside it.
    """
    if char not in config.CLASSES and char not in OPERATORS:
        raise ValueError(f"no glyph for {char!r}; classes are {config.CLASSES}, operators {OPERATORS}")
    font = int(rng.choice(_GLYPH_FONTS))
    thickness = max(1, round(size * rng.uniform(*tuning.GLYPH_THICKNESS_RANGE)))
    # Hershey zeros are slashed, unlike handwritten ones: draw a letter O, narrowed to a digit's
    # width.
    canvas = _draw_hershey("O" if char == "0" else char, font, thickness, size)
    canvas = _roughen(canvas, rng, size, tuning.GLYPH_ZERO_WIDTH if char == "0" else 1.0)
    x, y, w, h = cv2.boundingRect((canvas > 25).astype(np.uint8))
    crop = canvas[y : y + h, x : x + w]
    if char in OPERATORS:
        return crop.copy()
    scale = size / max(w, h)
    out_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(crop, out_size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _draw_hershey(char: str, font: int, thickness: int, size: int) -> np.ndarray:
    """uint8 (3*size)^2 canvas with ``char`` drawn about ``size`` tall, white on black, centred."""
    side = 3 * size
    (_, unit_h), _ = cv2.getTextSize(char, font, 1.0, 1)
    scale = size / max(unit_h, 1)
    (tw, th), _ = cv2.getTextSize(char, font, scale, thickness)
    canvas = np.zeros((side, side), np.uint8)
    cv2.putText(canvas, char, ((side - tw) // 2, (side + th) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    return _thin_to(canvas, thickness)


def _thin_to(canvas: np.ndarray, thickness: int) -> np.ndarray:
    """Erode strokes down to about ``thickness`` pixels: OpenCV 5 draws its fonts bold whatever
    thickness it is given, and a pen stroke is far thinner than that."""
    ink = canvas > 127
    dist = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)
    width = 4.0 * float(dist[ink].mean()) if ink.any() else 0.0  # a band w wide: mean distance w/4
    k = int(min(width - thickness, 0.5 * width)) // 2 * 2 + 1  # keep the thin parts of a glyph
    if k < 3:
        return canvas
    return cv2.erode(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def _roughen(canvas: np.ndarray, rng, size: int, x_scale: float = 1.0) -> np.ndarray:
    """Narrow, slant, turn and elastically warp a uint8 glyph canvas: a hand, not a printer."""
    side = canvas.shape[0]
    shear = rng.uniform(-tuning.GLYPH_SHEAR_RANGE, tuning.GLYPH_SHEAR_RANGE)
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-1, 1) * tuning.GLYPH_ROTATION_DEG, 1.0)
    c = side / 2
    shear_m = np.array([[x_scale, -shear, c * (1 - x_scale + shear)], [0, 1, 0], [0, 0, 1]])
    affine = turn @ shear_m
    canvas = cv2.warpAffine(canvas, affine, (side, side), flags=cv2.INTER_LINEAR)
    return elastic_warp(canvas, rng, tuning.GLYPH_ELASTIC_ALPHA * size, tuning.GLYPH_ELASTIC_GRID)


def synth_k(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` synthetic handwritten K patches, uint8 (n, 28, 28), white on black, MNIST layout.

    Each K is three strokes with random geometry (stem height, where and at which angles the
    arms meet it, whether they touch), thickness, slant and a smooth elastic distortion.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    for i in range(n):
        out[i] = to_mnist(elastic_warp(_k_strokes(rng), rng, *_K_WOBBLE))
    return out


def _k_strokes(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """One K drawn with cv2 polylines on a size x size canvas (white on black)."""
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
