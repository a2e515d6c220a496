"""Paint into float32 BGR frames: surfaces, skin, light, lens and sensor, then back to uint8.

Shared by the scene renderer, its clutter, the conditions and the demo video, so a finger, a
shadow or sensor noise looks the same wherever it is drawn. Frames here are float32 HxWx3 BGR in
[0, 255] while they are painted (values may overshoot) and uint8 once :func:`clip_to_uint8` ends
the render.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vision.synth import tuning

SKIN_BGR = (120.0, 150.0, 205.0)
_NOISE_CHANNEL_SHIFT = 7919  # samples between the channels' noise: one RNG call serves all three


def smooth_noise(shape: tuple[int, int], cell: float, rng) -> np.ndarray:
    """float32 HxW noise of std about 1 that varies over ``cell`` pixels (cheap: upsampled)."""
    h, w = shape
    grid = (max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))
    small = rng.standard_normal(grid).astype(np.float32)
    if cell <= 16:
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    # Cubic straight from a tiny grid to full size is slow; via 1/8 size it looks the same.
    small = cv2.resize(small, (max(2, w // 8), max(2, h // 8)), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _illumination(size: tuple[int, int], gradient: float, rng) -> np.ndarray:
    """float32 HxW light field in (0, 1]: a smooth ramp, and a hard shadow band when strong."""
    w, h = size
    gw, gh = 16, 12
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    ramp = np.cos(theta) * xs / (gw - 1) + np.sin(theta) * ys / (gh - 1)
    ramp = ((ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)).astype(np.float32)
    field = cv2.resize(1 - 0.45 * gradient * ramp, (w, h), interpolation=cv2.INTER_LINEAR)
    if gradient > tuning.SCENE_SHADOW_GRADIENT:
        band = np.zeros((h, w), np.uint8)
        x_top, x_bottom = rng.uniform(0, w, 2)
        thick = rng.uniform(0.15, 0.35) * w
        quad = np.int32([[x_top, 0], [x_top + thick, 0], [x_bottom + thick, h], [x_bottom, h]])
        cv2.fillPoly(band, [quad], 255, cv2.LINE_AA)
        field *= 1 - (tuning.SCENE_SHADOW_DEPTH * gradient / 255) * band.astype(np.float32)
    return field


def finish(frame: np.ndarray, gradient: float, blur: float, noise: float, rng) -> None:
    """Light, lens blur and sensor noise, applied in place to float32 ``frame``."""
    size = (frame.shape[1], frame.shape[0])
    if gradient > 0:
        light = cv2.cvtColor(_illumination(size, gradient, rng), cv2.COLOR_GRAY2BGR)
        cv2.multiply(frame, light, dst=frame)
    if blur > 0:
        cv2.GaussianBlur(frame, (0, 0), blur, dst=frame)
    if noise > 0:
        cv2.add(frame, sensor_noise(frame.shape[:2], noise, rng), dst=frame)


def sensor_noise(shape: tuple[int, int], std: float, rng) -> np.ndarray:
    """float32 HxWx3 Gaussian noise of ``std``, reproducible from ``rng``.

    Drawn by OpenCV's RNG, seeded from ``rng``: it is 3-4x faster than numpy's, and noise is
    most of a scene's cost. One draw serves the three channels read at different offsets.
    """
    h, w = shape
    k = _NOISE_CHANNEL_SHIFT
    flat = np.empty(h * w + 2 * k, np.float32)
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.randn(flat, 0.0, float(std))
    return cv2.merge([flat[c * k : c * k + h * w].reshape(h, w) for c in range(3)])


def _to_uint8(frame: np.ndarray) -> np.ndarray:
    """float32 image -> uint8, rounded and saturated (clamped at 0 first: the next call takes abs)."""
    return cv2.convertScaleAbs(cv2.max(frame, 0.0))


def blend_mask(frame: np.ndarray, mask: np.ndarray, colour: np.ndarray, opacity: float) -> None:
    """Blend ``colour`` into float32 ``frame`` where uint8 ``mask`` is set (only those pixels)."""
    points = cv2.findNonZero(mask)  # a few thin strokes: far cheaper than a full-frame blend
    if points is None:
        return
    xs, ys = points.reshape(-1, 2).T
    a = (mask[ys, xs].astype(np.float32) * (opacity / 255))[:, None]
    frame[ys, xs] = frame[ys, xs] * (1 - a) + a * colour


def pt(p) -> tuple[int, int]:
    return round(p[0]), round(p[1])


def skin_shade(mask: np.ndarray, sigma: float, border: int = cv2.BORDER_DEFAULT) -> np.ndarray:
    """float32 HxW brightness of skin over float32 ``mask`` (0..1): darker at the edges, so a
    finger or a palm reads as round. ``sigma`` (px) is how far in the light rises; ``border`` is
    how the blur sees past the mask's box (cv2.BORDER_CONSTANT where the shape ends there)."""
    return 0.7 + 0.35 * cv2.GaussianBlur(mask, (0, 0), sigma, borderType=border)


def paint_skin(frame: np.ndarray, poly: np.ndarray, across: float) -> None:
    """Fill ``poly`` with skin in float32 ``frame``, in place, lit across ``across`` px."""
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return
    m = mask[y : y + h, x : x + w].astype(np.float32) / 255
    shade = skin_shade(m, max(across / 2, 1.0))
    roi = frame[y : y + h, x : x + w]
    roi *= 1 - m[:, :, None]
    roi += (m * shade)[:, :, None] * np.float32(SKIN_BGR)


def clip_to_uint8(frame: np.ndarray) -> np.ndarray:
    """float32 render -> uint8, rounded and saturated at 0 and 255.

    Not :func:`vision.imaging.to_uint8`, which maps a decoded image's range onto 0..255: a render
    is already in grey levels, and noise or light that overshoots them must clip, not rescale.
    (Clamped at 0 first: ``cv2.convertScaleAbs`` takes the absolute value.)
    """
    return cv2.convertScaleAbs(cv2.max(frame, 0.0))
