import cv2
import numpy as np
import pytest

from vision.preprocess import to_mnist


def _center_of_mass(patch: np.ndarray) -> tuple[float, float]:
    m = cv2.moments(patch.astype(np.float32))
    return m["m10"] / m["m00"], m["m01"] / m["m00"]


@pytest.mark.parametrize("shape", [(200, 60), (30, 300), (7, 7), (1000, 800)])
def test_patch_shape_dtype_fit_and_centre(shape):
    crop = np.zeros(shape, np.uint8)
    h, w = shape
    cv2.ellipse(crop, (w // 3, h // 2), (max(1, w // 4), max(1, h // 3)), 20, 0, 360, 255, max(1, min(shape) // 8))
    patch = to_mnist(crop)
    assert patch.shape == (28, 28) and patch.dtype == np.uint8
    cx, cy = _center_of_mass(patch)
    assert abs(cx - 14) <= 1 and abs(cy - 14) <= 1
    ys, xs = np.nonzero(patch > 20)
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 <= 24  # fitted in 20x20 (+ blur, shift)
    assert patch.max() >= 200  # strokes peak near full white, like MNIST


def test_mnist_digits_survive_the_round_trip(mnist):
    """MNIST digits are already laid out this way: re-laying them out changes little."""
    (_, _), (x_test, _) = mnist
    for digit in x_test[:50]:
        again = to_mnist(digit)
        assert np.abs(again.astype(int) - digit).mean() < 25
        ys, xs = np.nonzero(again > 60)
        assert 16 <= max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 <= 22


def test_keeps_aspect_ratio():
    crop = np.zeros((100, 20), np.uint8)
    crop[:, 5:15] = 255
    ys, xs = np.nonzero(to_mnist(crop) > 128)
    assert ys.max() - ys.min() >= 3 * (xs.max() - xs.min())


def test_empty_and_odd_dtypes():
    assert not to_mnist(np.zeros((10, 10), np.uint8)).any()
    as_bool = to_mnist(np.eye(30, dtype=bool))
    as_float = to_mnist(np.eye(30, dtype=np.float32))
    as_u16 = to_mnist((np.eye(30) * 4000).astype(np.uint16))
    assert np.array_equal(as_bool, as_float) and np.array_equal(as_float, as_u16)
    with pytest.raises(ValueError):
        to_mnist(np.zeros((5, 5, 3), np.uint8))
