"""The shipped model: accuracy on real data, its LiteRT twin, and a model card that tells the truth."""

import json

import numpy as np
import pytest

from vision import config
from vision.classifier import Classifier, ModelError
from vision.training.datasets import LETTER_K, sha256_file, split_k_holdout


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


# --- the input contract and the backend (issue 10, item 8) -----------------------------------------


@pytest.fixture(scope="module")
def odd_models(tmp_path_factory) -> dict[str, object]:
    """Small models that break the contract in one way each, as .tflite files and one .keras."""
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    def tiny(shape: tuple[int, ...], outputs: int = config.NUM_OUTPUTS):
        return keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(outputs)])

    folder = tmp_path_factory.mktemp("odd_models")
    models = {"in32": tiny((32, 32, 1)), "flat784": tiny((784,)), "rgb": tiny((28, 28, 3))}
    models["out10"] = tiny((28, 28, 1), 10)
    paths = {}
    for name, model in models.items():
        paths[name] = folder / f"{name}.tflite"
        paths[name].write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    paths["in32.keras"] = folder / "in32.keras"
    models["in32"].save(paths["in32.keras"])
    return paths


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("in32", r"takes input \(-1, 32, 32, 1\) float32, expected \(N, 28, 28, 1\) float32"),
        ("flat784", r"takes input \(-1, 784\)"),
        ("rgb", r"takes input \(-1, 28, 28, 3\)"),
        ("out10", r"outputs \(10,\), expected 12 scores"),
        ("in32.keras", r"takes input \(None, 32, 32, 1\), expected \(N, 28, 28, 1\)"),
    ],
)
def test_a_model_with_the_wrong_input_or_output_is_a_model_error(odd_models, name: str, message: str):
    with pytest.raises(ModelError, match=message) as info:
        Classifier(odd_models[name])
    assert "\n" not in str(info.value)


def test_a_corrupt_keras_file_is_named_as_not_a_valid_model(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ModelError, match=r"cannot load model .*bad.keras: not a valid Keras model"):
        Classifier(bad)


@pytest.mark.parametrize(("backend", "model"), [("keras", config.MODEL_TFLITE), ("litert", config.MODEL_KERAS)])
def test_backend_never_switches_silently(backend, model):
    with pytest.raises(ModelError, match=f"the {backend} backend cannot read"):
        Classifier(model, backend)
    assert Classifier(model, "auto").backend == ("keras" if model.suffix == ".keras" else "litert")
