"""Batched training augmentation that makes MNIST look like camera crops (TensorFlow ops).

Imported only by training: it pulls in TensorFlow. Each transform is drawn per image inside one
batched op, so augmentation costs little next to the training step on a 2-core CPU.
"""

from __future__ import annotations

import math

import tensorflow as tf

# Ranges chosen to cover what segmentation hands the model from real photos.
ROTATE_DEG = 14.0  # hand-held card or slanted writing
SHEAR = 0.3  # italic handwriting
SCALE = (0.8, 1.12)  # fit-to-20x20 is exact on MNIST, loose on camera crops
ASPECT = 0.12  # thin or wide writers
SHIFT_PX = 2.0  # centre of mass is never exact on noisy crops
P_DILATE, P_ERODE = 0.3, 0.12  # marker vs fine pen strokes
P_BINARIZE = 0.35  # live patches come from a binary ink mask
P_BLUR, BLUR_SIGMA = 0.3, 0.9
P_NOISE, NOISE_STD = 0.3, 18.0
P_FADE, FADE_MIN = 0.2, 0.6  # weak strokes


def _affine_params(n: int, tilt: tf.Tensor) -> tf.Tensor:
    """(n, 8) projective parameters mapping output pixels to input pixels around the centre.

    ``tilt`` (n,) scales each image's rotation and shear range (1 = full, 0 = upright).
    """
    u = lambda lo, hi: tf.random.uniform([n], lo, hi)  # noqa: E731
    angle = u(-ROTATE_DEG, ROTATE_DEG) * (math.pi / 180.0) * tilt
    shear = u(-SHEAR, SHEAR) * tilt
    scale = u(*SCALE)
    aspect = u(1.0 - ASPECT, 1.0 + ASPECT)
    sx, sy = 1.0 / (scale * aspect), aspect / scale
    cos, sin = tf.cos(angle), tf.sin(angle)
    a0, a1 = sx * cos, sx * (-sin + shear * cos)
    b0, b1 = sy * sin, sy * (cos + shear * sin)
    c = 14.0
    tx = c - a0 * c - a1 * c + u(-SHIFT_PX, SHIFT_PX)
    ty = c - b0 * c - b1 * c + u(-SHIFT_PX, SHIFT_PX)
    zeros = tf.zeros([n])
    return tf.stack([a0, a1, tx, b0, b1, ty, zeros, zeros], axis=1)


def _pick(x: tf.Tensor, y: tf.Tensor, p: float) -> tf.Tensor:
    """Per image: ``y`` with probability ``p``, else ``x``."""
    n = tf.shape(x)[0]
    mask = tf.cast(tf.random.uniform([n, 1, 1, 1]) < p, x.dtype)
    return mask * y + (1.0 - mask) * x


def _gaussian_kernel(sigma: float) -> tf.Tensor:
    r = tf.range(-2.0, 3.0)
    k = tf.exp(-(r**2) / (2 * sigma**2))
    k2 = tf.tensordot(k, k, axes=0)
    return tf.reshape(k2 / tf.reduce_sum(k2), [5, 5, 1, 1])


def augment_batch(images: tf.Tensor, tilt: tf.Tensor | None = None) -> tf.Tensor:
    """float32 (N, 28, 28, 1) in 0..255 -> the same batch, randomly distorted like camera crops.

    ``tilt`` (N,) float32 scales rotation and shear per image (default 1): marks whose angle is
    what sets them apart from a digit (a ``/`` from a 1) are drawn at their angles and kept there.
    """
    n = tf.shape(images)[0]
    tilt = tf.ones([n]) if tilt is None else tf.cast(tilt, tf.float32)
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=_affine_params(n, tilt),
        output_shape=[28, 28],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    dilated = tf.nn.max_pool2d(x, 3, 1, "SAME")
    x = _pick(x, 0.5 * x + 0.5 * dilated, P_DILATE)
    eroded = -tf.nn.max_pool2d(-x, 2, 1, "SAME")
    x = _pick(x, eroded, P_ERODE)
    threshold = tf.random.uniform([n, 1, 1, 1], 50.0, 170.0)
    binary = tf.cast(x > threshold, tf.float32) * 255.0
    binary = tf.nn.conv2d(binary, _gaussian_kernel(0.5), 1, "SAME")
    x = _pick(x, binary, P_BINARIZE)
    x = _pick(x, tf.nn.conv2d(x, _gaussian_kernel(BLUR_SIGMA), 1, "SAME"), P_BLUR)
    x = _pick(x, x * tf.random.uniform([n, 1, 1, 1], FADE_MIN, 1.0), P_FADE)
    noise = tf.random.normal(tf.shape(x), stddev=NOISE_STD)
    x = _pick(x, x + noise, P_NOISE)
    return tf.clip_by_value(x, 0.0, 255.0)
