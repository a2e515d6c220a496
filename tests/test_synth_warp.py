"""The generators' one elastic warp: same shape and dtype, seeded, and only as strong as asked."""

import cv2
import numpy as np

from vision.synth.warp import elastic_warp


def _ring() -> np.ndarray:
    img = np.zeros((96, 96), np.uint8)
    cv2.circle(img, (48, 48), 30, 255, 6, cv2.LINE_AA)
    return img


def test_warp_keeps_shape_and_dtype_and_is_seeded():
    a = elastic_warp(_ring(), np.random.default_rng(3), 2.0, 5)
    b = elastic_warp(_ring(), np.random.default_rng(3), 2.0, 5)
    assert a.shape == (96, 96) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, _ring())


def test_zero_amplitude_moves_nothing_and_more_moves_more():
    assert np.array_equal(elastic_warp(_ring(), np.random.default_rng(0), 0.0, 5), _ring())
    moved = [np.abs(elastic_warp(_ring(), np.random.default_rng(1), a, 5).astype(int) - _ring()).sum() for a in (1, 4)]
    assert 0 < moved[0] < moved[1]
