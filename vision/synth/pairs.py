"""Touching digits as "not a character": two or three MNIST training digits run together.

A crop of two touching digits must not read as one digit: the reader then keeps the whole
instead of cutting it (``vision.split``). Trained as "not a character", the whole reads as no
character and the cut whose parts read surely wins. Only crops at least SPLIT_MIN_WIDTH as wide
as they are tall are drawn: narrower ones the reader never tries to cut.
"""

from __future__ import annotations

import cv2
import numpy as np

from vision import config
from vision.preprocess import to_mnist

_HEIGHT = 40  # px: the digits' drawing height before fitting
_SIZE = (0.9, 1.1)  # each digit's height over _HEIGHT
_GAP = (-0.2, 0.02)  # x _HEIGHT between one digit's ink box and the next's (negative: overlap)
_DROP = (-0.08, 0.08)  # x _HEIGHT: a digit sits this much above or below its neighbour
_GROUP = ((2, 3), (0.8, 0.2))  # digits per crop and their odds


def touching_patches(digits: np.ndarray, n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` uint8 (28, 28) patches, each two or three of ``digits`` (uint8 (N, 28, 28), white on
    black) run together as a quick hand writes a number, fitted like any crop."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    i = 0
    while i < n:
        k = int(rng.choice(_GROUP[0], p=_GROUP[1]))
        canvas = _run_together([_ink(digits[j], rng) for j in rng.integers(0, len(digits), k)], rng)
        ys, xs = np.nonzero(canvas)
        if xs.max() - xs.min() + 1 < config.SPLIT_MIN_WIDTH * (ys.max() - ys.min() + 1):
            continue
        out[i] = to_mnist(canvas)
        i += 1
    return out


def _ink(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit's ink box, scaled to a random height near _HEIGHT."""
    x, y, w, h = cv2.boundingRect(digit)
    scale = _HEIGHT * rng.uniform(*_SIZE) / h
    return cv2.resize(digit[y : y + h, x : x + w], (max(1, round(w * scale)), max(1, round(h * scale))))


def _run_together(glyphs: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    pad = _HEIGHT
    canvas = np.zeros((3 * _HEIGHT, sum(g.shape[1] for g in glyphs) + 2 * pad), np.uint8)
    x = pad
    for g in glyphs:
        top = pad + round(rng.uniform(*_DROP) * _HEIGHT) + (_HEIGHT - g.shape[0]) // 2
        region = canvas[top : top + g.shape[0], x : x + g.shape[1]]
        np.maximum(region, g, out=region)
        x += g.shape[1] + round(rng.uniform(*_GAP) * _HEIGHT)
    return canvas
