"""The one elastic warp of the generators: strokes wobble like handwriting, not like a printer.

Hershey glyphs, synthetic K, operator and box marks and clutter patches all pass through
:func:`elastic_warp`; each caller picks how far the strokes move and how smooth the field is.
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
