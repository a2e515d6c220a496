"""Character crop -> 28x28 patch laid out like an MNIST digit.

MNIST digits were fitted into a 20x20 box keeping their aspect ratio, then shifted so that the
centre of mass sits at the centre of the 28x28 image. Live crops must be laid out the same way or
accuracy collapses, so training data and camera crops both pass through :func:`to_mnist`.
"""

from __future__ import annotations

import cv2
import numpy as np

from vision import config
from vision.imaging import to_uint8

#: Strokes of a 20 px character look like MNIST's (about 2-3 px); the patch is slightly blurred
#: after resizing so a hard binary mask gets MNIST-like anti-aliased edges.
_PATCH_BLUR_SIGMA = 0.5


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """White-on-black uint8 crop (any HxW, 0 = background) -> uint8 (28, 28) MNIST-style patch.

    The ink's bounding box is fitted in 20x20 keeping its aspect ratio, then the patch is shifted
    so the centre of mass lands on (14, 14). An empty crop gives an all-zero patch.
    """
    if ink.ndim != 2:
        raise ValueError(f"to_mnist expects a 2-D crop, got shape {ink.shape}")
    ink = to_uint8(ink)  # bool, float or 16-bit crops by the project's one rule
    x, y, w, h = cv2.boundingRect(ink)  # of the non-zero pixels
    if w == 0 or h == 0:
        return np.zeros((config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    scale = config.FIT_SIZE / (h if h > w else w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink[y : y + h, x : x + w], (nw, nh), interpolation=interp)
    m = cv2.moments(small)  # of the uint8 image: a float N x 2 one would be read as N points
    m00 = m["m00"]
    if m00 <= 0:
        return np.zeros((config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    # One sub-pixel move places the fitted character with its centre of mass on the patch
    # centre (measured: MNIST's mean centre of mass is (14.0, 14.0)); blurring after moving
    # keeps the mass where it is, the kernel being symmetric.
    c = config.PATCH_SIZE / 2.0
    shift = np.array(((1.0, 0.0, c - m["m10"] / m00), (0.0, 1.0, c - m["m01"] / m00)), np.float32)
    patch = cv2.warpAffine(
        small.astype(np.float32), shift, (config.PATCH_SIZE, config.PATCH_SIZE), flags=cv2.INTER_LINEAR
    )
    patch = cv2.GaussianBlur(patch, (3, 3), _PATCH_BLUR_SIGMA)
    peak = cv2.minMaxLoc(patch)[1]
    if peak <= 0:
        return np.zeros((config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    return cv2.convertScaleAbs(patch, alpha=255.0 / max(1.0, peak))  # strokes peak at 255 whatever the ink
