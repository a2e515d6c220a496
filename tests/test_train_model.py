"""train_model.py end to end on a small subset: it trains, exports, reloads and beats chance."""

import json

import numpy as np
import pytest

import train_model
from vision import config
from vision.classifier import Classifier
from vision.synth.symbols import MARK_KINDS
from vision.training.datasets import sha256_file


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, mnist, mnist_path, letters):
    out = tmp_path_factory.mktemp("model")
    args = ["--subset", "3000", "--epochs", "2", "--out", str(out), "--verbose", "0"]
    if mnist_path is not None:
        args += ["--mnist", str(mnist_path)]
    assert train_model.main(args) == 0
    return out


def test_short_run_saves_reloads_and_beats_chance(small_run, mnist):
    (_, _), (x_test, y_test) = mnist
    for name in ("digit_locker.keras", "digit_locker.tflite"):
        clf = Classifier(small_run / name)
        pred = np.argmax(clf.probabilities(x_test[:2000]), axis=1)
        assert np.mean(pred == y_test[:2000]) > 0.6  # chance is 1/11
    card = json.loads((small_run / "model_card.json").read_text())
    assert card["classes"] == list(config.CLASSES)
    assert card["evaluation"]["litert_keras_agreement_mnist_test"] >= 0.999
    assert (small_run / "training_curves.png").stat().st_size > 0
    assert (small_run / "confusion_matrix.png").stat().st_size > 0
    assert "handwritten operators" in card["reject_examples"] and card["init_from"] is None
    assert set(card["evaluation"]["marks_rejected"]) == set(MARK_KINDS)  # fresh marks, per kind


def test_init_continues_from_a_model(small_run, mnist, mnist_path, tmp_path):
    (_, _), (x_test, y_test) = mnist
    start = small_run / "digit_locker.keras"
    args = ["--init", str(start), "--subset", "1000", "--epochs", "1", "--out", str(tmp_path), "--verbose", "0"]
    if mnist_path is not None:
        args += ["--mnist", str(mnist_path)]
    assert train_model.main(args) == 0
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["init_from"] == {"path": start.name, "sha256": sha256_file(start)}
    assert card["learning_rate"].startswith("continued from --init")
    pred = np.argmax(Classifier(tmp_path / "digit_locker.tflite").probabilities(x_test[:2000]), axis=1)
    assert np.mean(pred == y_test[:2000]) > 0.6  # it still reads digits after continuing


def test_unloadable_init_model_is_one_line_and_exit_2(tmp_path, mnist_path, capsys):
    if mnist_path is None:
        pytest.skip("needs a local MNIST file")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 broken")
    args = ["--mnist", str(mnist_path), "--init", str(bad), "--subset", "500", "--out", str(tmp_path)]
    assert train_model.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --init") and "\n" not in err


def test_evaluate_prints_the_table(small_run, mnist_path, capsys):
    args = ["--evaluate", "--model", str(small_run / "digit_locker.tflite")]
    if mnist_path is not None:
        args += ["--mnist", str(mnist_path)]
    assert train_model.main(args) == 0
    out = capsys.readouterr().out
    assert "MNIST test accuracy" in out and "K recall" in out


def test_corrupt_data_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"garbage")
    assert train_model.main(["--mnist", str(bad), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err


def test_wrong_shaped_letters_are_refused(tmp_path, mnist_path, capsys):
    if mnist_path is None:
        pytest.skip("needs a local MNIST file")
    bad = tmp_path / "letters.npz"
    np.savez(bad, x=np.zeros((3, 20, 20), np.uint8), y=np.zeros(3, np.uint8))
    assert train_model.main(["--mnist", str(mnist_path), "--letters", str(bad), "--epochs", "1"]) == 2
    assert "expected (N, 28, 28)" in capsys.readouterr().err
