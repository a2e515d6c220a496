"""The shipped model: accuracy on real data, its LiteRT twin, and a model card that tells the truth."""

import json

import numpy as np
import pytest

from vision import config
from vision.classifier import Classifier, ModelError
from vision.data import LETTER_K, sha256_file, split_k_holdout


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads(config.MODEL_CARD.read_text())


def test_shipped_model_reaches_99_5_on_mnist_test(classifier, mnist):
    (_, _), (x_test, y_test) = mnist
    pred = np.argmax(classifier.probabilities(x_test), axis=1)
    assert np.mean(pred == y_test) >= 0.995
    assert np.sum(pred == config.K_INDEX) <= 10  # at most 0.1% of digits called K


def test_k_recall_on_the_hold_out(classifier, letters):
    x, y = letters
    _, hold = split_k_holdout(x[y == LETTER_K])
    pred = np.argmax(classifier.probabilities(hold), axis=1)
    assert np.mean(pred == config.K_INDEX) >= 0.95


def test_litert_agrees_with_keras(classifier, keras_classifier, mnist):
    (_, _), (x_test, _) = mnist
    assert classifier.backend == "litert" and keras_classifier.backend == "keras"
    a = np.argmax(classifier.probabilities(x_test), axis=1)
    b = np.argmax(keras_classifier.probabilities(x_test), axis=1)
    assert np.mean(a == b) >= 0.999


def test_model_card_agrees_with_the_files(card):
    assert card["classes"] == list(config.CLASSES)
    assert card["preprocessing_version"] == config.PREPROCESS_VERSION
    for name, digest in card["files"].items():
        assert sha256_file(config.MODELS_DIR / name) == digest
    assert set(card["files"]) == {config.MODEL_KERAS.name, config.MODEL_TFLITE.name}
    assert card["evaluation"]["mnist_accuracy"] >= 0.995  # the bar test_shipped_model_reaches_99_5 measures


def test_missing_or_corrupt_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Classifier(tmp_path / "nope.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(ModelError, match="cannot load"):
        Classifier(bad)
    bad_keras = tmp_path / "bad.keras"
    bad_keras.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ModelError, match="cannot load"):
        Classifier(bad_keras)


def test_one_call_per_batch_and_shapes(classifier):
    probs = classifier.probabilities(np.zeros((70, 28, 28), np.uint8))
    assert probs.shape == (70, config.NUM_OUTPUTS)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert classifier.probabilities(np.zeros((0, 28, 28), np.uint8)).shape == (0, config.NUM_OUTPUTS)
    with pytest.raises(ValueError):
        classifier.probabilities(np.zeros((2, 32, 32), np.uint8))
