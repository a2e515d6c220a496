"""Elastic warps of the generators: strokes wobble like handwriting, not like a printer.

Two fields for now, as they came from vision/scenes.py (Hershey glyphs) and vision/data.py
(training patches); the next change makes them one.
"""

from __future__ import annotations

import cv2
import numpy as np


def elastic_warp(image: np.ndarray, rng: np.random.Generator, amplitude: float, grid: int) -> np.ndarray:
    """uint8 HxW ``image`` displaced by a smooth random field: a new array of the same shape.

    Each displacement component is a ``grid`` x ``grid`` lattice of standard-normal values, scaled
    by ``amplitude`` (px, its standard deviation) and interpolated cubically over the image: a
    few control points per side make a wobble, many a scribble. Two draws from ``rng``, x then y.
    """
    h, w = image.shape
    dx, dy = (
        cv2.resize(rng.standard_normal((grid, grid)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        * amplitude
        for _ in range(2)
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(image, xs + dx, ys + dy, cv2.INTER_LINEAR)


def simard_warp(img: np.ndarray, rng: np.random.Generator, alpha: float = 6.0, sigma: float = 9.0) -> np.ndarray:
    """Smooth random displacement field (Simard et al. 2003) so strokes wobble like handwriting."""
    h, w = img.shape
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    scale = alpha / max(1e-6, float(np.abs(np.stack([dx, dy])).max()))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + dx * scale, gy + dy * scale, cv2.INTER_LINEAR)
