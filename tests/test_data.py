import numpy as np
import pytest

from vision import config
from vision.synth.glyphs import synth_k
from vision.synth.symbols import (
    MARK_KINDS,
    OPERATOR_KINDS,
    STRUCTURE_KINDS,
    mark_patches,
    operator_patches,
    structure_patches,
)
from vision.training.datasets import DatasetError, load_letters, load_mnist, split_k_holdout


def test_mnist_loads_with_the_keras_layout(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))


def test_letters_npz_and_csv_agree(letters, tmp_path):
    x, y = letters
    assert x.shape[1:] == (28, 28) and int(np.sum(y == 10)) == 124
    rows = np.concatenate([y[:20, None], x[:20].reshape(20, -1)], axis=1)
    csv = tmp_path / "az.csv"
    np.savetxt(csv, rows, fmt="%d", delimiter=",")
    x2, y2 = load_letters(csv)
    assert np.array_equal(x2, x[:20]) and np.array_equal(y2, y[:20])


def test_k_holdout_is_fixed_and_disjoint(letters):
    x, y = letters
    k = x[y == 10]
    train, hold = split_k_holdout(k)
    train2, hold2 = split_k_holdout(k)
    assert len(hold) == 25 and len(train) == 99
    assert np.array_equal(hold, hold2) and np.array_equal(train, train2)
    hold_set = {h.tobytes() for h in hold}
    assert not any(t.tobytes() in hold_set for t in train)


def test_synthetic_k_is_mnist_like():
    ks = synth_k(20, seed=3)
    assert ks.shape == (20, 28, 28) and ks.dtype == np.uint8
    assert all(k.max() > 200 for k in ks)
    assert len({k.tobytes() for k in ks}) == 20  # every one different


@pytest.mark.parametrize("make", [operator_patches, structure_patches])
def test_mark_patches_are_mnist_shaped_and_seeded(make):
    a, b, other = make(24, seed=5), make(24, seed=5), make(24, seed=6)
    assert a.shape == (24, 28, 28) and a.dtype == np.uint8
    assert np.array_equal(a, b)  # deterministic per seed
    assert not np.array_equal(a, other)
    assert len({p.tobytes() for p in a}) == 24


def test_operator_and_structure_kinds_are_split_and_complete():
    assert set(OPERATOR_KINDS) == set("+-x/()=:#*")
    assert set(STRUCTURE_KINDS) | set(OPERATOR_KINDS) == set(MARK_KINDS)
    with pytest.raises(ValueError, match="unknown mark kind"):
        mark_patches("?", 1)


@pytest.mark.parametrize("kind", list(MARK_KINDS))
def test_every_mark_kind_fills_the_20x20_fit(kind):
    for patch in mark_patches(kind, 12, seed=8):
        ys, xs = np.nonzero(patch > 40)
        assert patch.max() == 255
        assert 18 <= max(np.ptp(ys), np.ptp(xs)) + 1 <= 22  # the longer side fitted to 20 px, blur aside


def _lean_from_vertical(patch: np.ndarray) -> float:
    """Degrees between the ink's principal axis and the vertical (second moments of the patch)."""
    ys, xs = np.nonzero(patch > 40)
    cov = np.cov(np.stack([xs, ys]).astype(float))
    vx, vy = np.linalg.eigh(cov)[1][:, -1]
    return float(np.degrees(np.arctan2(abs(vx), abs(vy))))


@pytest.mark.parametrize("kind, least", [("/", 45.0), ("-", 70.0), ("rule", 55.0)])
def test_single_strokes_never_stand_up_like_a_1(kind, least):
    assert min(_lean_from_vertical(p) for p in mark_patches(kind, 60, seed=9)) >= least


def test_touching_digits_are_runs_of_two_or_three_wider_than_tall(mnist):
    """Touching-digit rejects: seeded, MNIST-shaped, each as wide as the reader's cuts need (at
    least SPLIT_MIN_WIDTH its height before fitting, so its longer side is the 20 px width)."""
    from vision.synth.pairs import touching_patches

    digits = mnist[0][0][:500]
    a, b = touching_patches(digits, 30, seed=3), touching_patches(digits, 30, seed=3)
    assert a.shape == (30, 28, 28) and a.dtype == np.uint8 and np.array_equal(a, b)
    for patch in a:
        ys, xs = np.nonzero(patch > 40)
        assert 18 <= np.ptp(xs) + 1 <= 22 and np.ptp(ys) <= np.ptp(xs) + 2  # blur aside


def test_shipped_model_reads_fresh_touching_digits_as_no_character(classifier, mnist):
    """Runs of MNIST test digits (never trained on) read as no character: the reader cuts them."""
    from vision.synth.pairs import touching_patches

    pred = np.argmax(classifier.probabilities(touching_patches(mnist[1][0], 400, seed=4321)), axis=1)
    assert np.mean(pred == config.REJECT_INDEX) >= 0.9  # 98.75% for the shipped model


def test_shipped_model_rejects_fresh_marks(classifier):
    """Operators and box pieces from a seed training never used are "not a character"."""
    for make in (operator_patches, structure_patches):
        pred = np.argmax(classifier.probabilities(make(400, seed=4321)), axis=1)
        assert np.mean(pred == config.REJECT_INDEX) >= 0.9


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "unreadable or corrupt"),
        (None, "missing arrays"),
        ("shape", "expected (N, 28, 28)"),
    ],
)
def test_bad_mnist_files_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "mnist.npz"
    if content is None:
        np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    elif content == "shape":
        z = np.zeros((2, 32, 32), np.uint8)
        np.savez(path, x_train=z, y_train=np.zeros(2, np.uint8), x_test=z, y_test=np.zeros(2, np.uint8))
    else:
        path.write_bytes(content)
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_mnist(path)
    assert "\n" not in str(info.value)


def test_missing_mnist_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("DIGIT_LOCKER_MNIST", raising=False)
    with pytest.raises(DatasetError, match="put mnist.npz at"):
        load_mnist(download=False)


def test_bad_letter_files(tmp_path):
    bad = tmp_path / "letters.csv"
    bad.write_text("1,2,3\n")
    with pytest.raises(DatasetError, match="785"):
        load_letters(bad)
    with pytest.raises(DatasetError, match="not found"):
        load_letters(tmp_path / "nope.npz")
