"""Collecting the owner's samples: alignment with the label, the store's modes, the refusals.

Real shipped model, real photos from ../shared (skipped with the reason when absent) and generated
scenes that carry their ground truth.
"""

from __future__ import annotations

import json
import os
import stat

import cv2
import numpy as np
import pytest
from conftest import SHARED, one_error_line

import train_model
from vision import config
from vision.samples import (
    MIN_PER_CLASS,
    SAMPLES_JSON,
    Sample,
    collect_image,
    load_samples,
    normalize,
    save_samples,
)
from vision.sources import load_image
from vision.synth.scene import render_scene
from vision.types import Box

DEV2 = SHARED / "real_photos_dev2"


def _photo(name: str):
    path = DEV2 / name
    if not path.exists():
        pytest.skip(f"real photo {path} not found")
    return load_image(path)


def _assert_patches_are_what_the_model_read(classifier, samples):
    """Each stored patch is the one the model saw for its box: it reads back as the reading did."""
    probs = classifier.probabilities(np.stack([s.patch for s in samples]))[:, : config.NUM_CLASSES]
    for s, p in zip(samples, probs):
        if s.read == "1" and int(np.argmax(p)) == 7:  # a flagged 1 beside crossed 7s: the model's 1-or-7
            assert float(p[1] + p[7]) == pytest.approx(s.confidence, abs=1e-5)
            continue
        assert config.CLASSES[int(np.argmax(p))] == s.read or s.read == config.REJECT_CHAR
        assert float(p.max()) == pytest.approx(s.confidence, abs=1e-5)


def test_real_photo_keeps_what_lines_up_and_stores_the_true_label(classifier):
    # "8-5/(3x2)-6+9+7+7-1+1": the "/" is a mark, and parts 5 from 3; the flagged 1s read as 1s
    # beside the writer's crossed 7s.
    got = collect_image(_photo("11_IMG_20211215_224308.jpg"), "8 5 3 2 6 9 7 7 1 1", classifier, "11.jpg")
    assert [s.char for s in got.kept] == list("8532697711") and got.dropped == []
    xs = [s.box.x for s in got.kept]
    assert xs == sorted(xs)  # reading order along the line
    _assert_patches_are_what_the_model_read(classifier, got.kept)
    # A sheet of 50 digits whose 5 with a faint top bar reads as a 3: the sample keeps the label.
    label = "6 5 4 3 2 1 1 0/5 4 3 2 1 1 7 8/9 0 9 9 2 4 5 3/4 5 3 2 1 7 8 0/6 6 9 7 0 3 3 1/2 7 8 1 5 9 7 2/8 8"
    got = collect_image(_photo("25_test4.jpg"), label, classifier, "25.jpg")
    assert "".join(s.char for s in got.kept) == label.replace(" ", "").replace("/", "") and got.dropped == []
    relabelled = [(s.read, s.char) for s in got.kept if s.read != s.char]
    assert relabelled == [("3", "5")]  # the label, not the reading
    _assert_patches_are_what_the_model_read(classifier, got.kept)


def test_real_photo_with_a_wrong_row_count_keeps_nothing(classifier):
    got = collect_image(_photo("13_IMG_8851.JPG"), "1572", classifier, "13.jpg")  # the photo has two rows
    assert got.kept == [] and got.dropped_chars == 4 and "rows" in got.dropped[0]


def _scene(mnist, seed: int, n: int = 8, rows: int = 2):
    (_, _), (x_test, y_test) = mnist
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(x_test), n, replace=False)
    return render_scene(list(x_test[idx]), [str(v) for v in y_test[idx]], rng, rows=rows)


def test_generated_scene_samples_sit_on_their_true_boxes(mnist, classifier):
    scene = _scene(mnist, 3)
    got = collect_image(scene.frame, "/".join(scene.lines), classifier, "scene.png")
    assert len(got.kept) == len(scene.chars) and got.dropped == []
    for s, truth in zip(got.kept, scene.chars):
        assert s.char == truth.char and s.box.iou(truth.box) >= 0.5
    _assert_patches_are_what_the_model_read(classifier, got.kept)


def test_generated_scene_row_that_does_not_line_up_is_dropped(mnist, classifier):
    scene = _scene(mnist, 4)
    label = f"{scene.lines[0]}/{scene.lines[1]}7"  # one character too many in row 2
    got = collect_image(scene.frame, label, classifier, "scene.png")
    assert [s.char for s in got.kept] == list(scene.lines[0])
    [why] = got.dropped  # row 2 as one group whose count differs, or as a row: either way all of it
    assert why.startswith("row 2") and got.dropped_chars == len(scene.lines[1]) + 1


def test_store_is_private_and_never_overwrites(tmp_path):
    old = os.umask(0o022)
    try:
        patch = np.zeros((28, 28), np.uint8)
        patch[6:22, 12:16] = 255
        samples = [Sample("1", patch, "photo.jpg", Box(5, 6, 7, 8), "7", 0.9)] * 2
        folder = tmp_path / "digit-locker" / "samples"  # the user data folder does not exist yet
        written = save_samples(folder, samples) + save_samples(folder, samples[:1])
    finally:
        os.umask(old)
    assert len(set(written)) == 3  # the same box twice is "-2", "-3", never a replaced file
    for path in [folder.parent, folder, folder / "1"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in [*written, folder / SAMPLES_JSON]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    index = json.loads((folder / SAMPLES_JSON).read_text())["samples"]
    assert len(index) == 3 and index[f"1/{written[0].name}"]["source"] == "photo.jpg"
    assert index[f"1/{written[0].name}"]["label"] == "1" and index[f"1/{written[0].name}"]["read"] == "7"
    stored = cv2.imread(str(written[0]), cv2.IMREAD_UNCHANGED)
    assert stored.shape == (28, 28) and stored.dtype == np.uint8 and np.array_equal(stored, patch)
    x, y, names = load_samples(folder)
    assert x.shape == (3, 28, 28) and list(y) == [1, 1, 1] and names[0].startswith("1/")


def test_other_sizes_are_laid_out_as_live_crops():
    crop = np.full((60, 40), 230, np.uint8)  # dark ink on light paper, not 28x28
    cv2.line(crop, (20, 8), (20, 52), 30, 5)
    patch = normalize(crop)
    assert patch.shape == (28, 28) and patch[14, 14] > 128 and patch[0, 0] == 0  # white ink on black, centred


def _refusal(capsys, *argv) -> str:
    assert train_model.main([str(a) for a in argv]) == 2
    return one_error_line(capsys.readouterr().err)


def _store(folder, counts: dict[str, int]):
    for c, n in counts.items():
        (folder / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            cv2.imwrite(str(folder / c / f"{i}.png"), np.zeros((28, 28), np.uint8))
    return folder


def test_fine_tune_refusals_are_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert "no samples" in _refusal(capsys, "--fine-tune", tmp_path / "empty", "--out", tmp_path / "o")
    assert "no sample folder" in _refusal(capsys, "--fine-tune", tmp_path / "missing", "--out", tmp_path / "o")
    odd = _store(tmp_path / "odd", {"1": 3, "Q": 3})
    assert "unknown class folders Q" in _refusal(capsys, "--fine-tune", odd, "--out", tmp_path / "o")
    few = _store(tmp_path / "few", {"1": MIN_PER_CLASS, "2": MIN_PER_CLASS - 1})
    line = _refusal(capsys, "--fine-tune", few, "--out", tmp_path / "o")
    assert f"class 2 has {MIN_PER_CLASS - 1} samples" in line
    bad = _store(tmp_path / "bad", {"3": 3})
    (bad / "3" / "broken.png").write_bytes(b"\x89PNG not really")
    assert "cannot read sample image" in _refusal(capsys, "--fine-tune", bad, "--out", tmp_path / "o")
    good = _store(tmp_path / "good", {"4": 3})
    assert "shipped models/" in _refusal(capsys, "--fine-tune", good, "--out", config.MODELS_DIR)


def test_collect_refusals_are_one_line_and_exit_2(tmp_path, capsys):
    photo = tmp_path / "p.png"
    cv2.imwrite(str(photo), np.full((40, 40, 3), 255, np.uint8))
    assert "--label" in _refusal(capsys, "--collect", photo, "--samples", tmp_path / "s")
    assert "outside 0-9 and K" in _refusal(capsys, "--collect", photo, "--label", "12A", "--samples", tmp_path / "s")
    _refusal(capsys, "--collect", tmp_path / "nope.jpg", "--label", "12", "--samples", tmp_path / "s")
    assert "labels.tsv" in _refusal(capsys, "--collect", tmp_path, "--samples", tmp_path / "s")


def test_collect_cli_stores_a_photo(tmp_path, capsys):
    path = DEV2 / "17_capture.jpg"
    if not path.exists():
        pytest.skip(f"real photo {path} not found")
    assert train_model.main(["--collect", str(path), "--label", "4285", "--samples", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "17_capture.jpg: kept 4, dropped 0" in out and "kept 4 of 4 characters" in out
    assert sorted(p.parent.name for p in tmp_path.glob("*/*.png")) == ["2", "4", "5", "8"]
