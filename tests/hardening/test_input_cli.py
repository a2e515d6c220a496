"""Bad input through the CLI (issue 10, items 5, 7, 8, 11 and 12): what a user or an attacker
passes as --source or --model ends in one line and the documented exit code, and third-party
libraries (FFmpeg, TensorFlow) add nothing to stderr.

The subprocess tests run the real CLI, so lines C++ code writes straight to file descriptor 2 are
seen too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import FakeCapture
from conftest import one_error_line as _one_error_line
from conftest import run_cli as _main

import vision.sources
from hardening.test_input_decode import _write_gif, png_bomb  # tests/ is on sys.path under pytest
from vision import config

pytestmark = pytest.mark.hardening
ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 180.0


def _card(path: Path, digit: str = "7") -> Path:
    image = np.full((120, 160, 3), 255, np.uint8)
    cv2.putText(image, digit, (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
    cv2.imwrite(str(path), image)
    return path


# --- --source rules ------------------------------------------------------------------------------


def test_empty_source_is_an_error_not_the_working_directory(capsys) -> None:
    for spec in ("", "   "):
        code, out, _ = _main(capsys, f"--source={spec}", "--headless")
        assert code == 2 and out == ""


def test_twenty_digit_source_is_one_line(capsys) -> None:
    code, _, err = _main(capsys, "--source", "12345678901234567890", "--headless")
    assert code == 2
    _one_error_line(err, "12345678901234567890", f"0-{config.MAX_CAMERA_INDEX}")


def test_a_folder_named_like_a_camera_is_the_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "2024").mkdir()
    (tmp_path / "0").mkdir()
    _card(tmp_path / "2024" / "card.png")
    _card(tmp_path / "0" / "zero.png", "3")
    monkeypatch.chdir(tmp_path)
    code, out, err = _main(capsys, "--source", "2024", "--headless")
    assert (code, out) == (0, "card.png: 7\n"), err
    code, out, err = _main(capsys, "--source", "0", "--headless")  # a folder named 0 beats camera 0
    assert (code, out) == (0, "zero.png: 3\n"), err


def test_a_camera_index_without_such_a_path_is_still_a_camera(monkeypatch, capsys, tmp_path: Path) -> None:
    asked = []

    real = vision.sources.open_source
    monkeypatch.setattr(
        vision.sources,
        "open_source",
        lambda spec, **kw: real(spec, capture_factory=lambda i: asked.append(i) or FakeCapture(opened=False), **kw),
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = _main(capsys, "--source", "7", "--headless")
    assert code == 2 and asked == [7]
    _one_error_line(err, "cannot open camera 7")


def test_a_long_or_odd_path_is_one_line(capsys) -> None:
    for spec in ("a" * 5000, "bad\nname.png", "~nosuchuser_xyz/x.png"):
        code, _, err = _main(capsys, "--source", spec, "--headless")
        assert code == 2
        assert len(_one_error_line(err)) < 200


# --- images: bombs, GIFs --------------------------------------------------------------------------


def test_a_decoding_bomb_is_refused_fast(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(25_000, 25_000, depth=16))
    start = time.perf_counter()
    code, out, err = _main(capsys, "--source", path, "--headless")
    assert time.perf_counter() - start < 5.0  # the model is loaded first; decoding took 53 s
    assert code == 2 and out == ""
    _one_error_line(err, "bomb.png", "25000x25000 is 625.0 megapixels", "--max-pixels")


def test_max_pixels_option_sets_the_limit(tmp_path: Path, capsys) -> None:
    path = _card(tmp_path / "card.png")
    code, _, err = _main(capsys, "--source", path, "--headless", "--max-pixels", 160 * 120 - 1)
    assert code == 2
    _one_error_line(err, "160x120", "over the limit")
    code, out, _ = _main(capsys, "--source", path, "--headless", "--max-pixels", 160 * 120)
    assert (code, out) == (0, "card.png: 7\n")


def test_an_animated_gif_shows_a_reading_per_frame(tmp_path: Path, capsys) -> None:
    """It was read as a video: no readings are printed headless, and 5 fps frames never type."""
    path = tmp_path / "pin.gif"
    _write_gif(path, "2704")
    code, out, err = _main(capsys, "--source", path, "--headless")
    assert code == 0, err
    assert out.splitlines() == ["pin.gif[0]: 2", "pin.gif[1]: 7", "pin.gif[2]: 0", "pin.gif[3]: 4"]
    code, out, _ = _main(capsys, "--source", path, "--headless", "--json")
    assert [json.loads(line)["lines"] for line in out.splitlines()] == [["2"], ["7"], ["0"], ["4"]]


# --- model faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("backend", "model"), [("keras", config.MODEL_TFLITE), ("litert", config.MODEL_KERAS)])
def test_backend_and_model_file_must_agree(backend: str, model: Path, tmp_path: Path, capsys) -> None:
    code, out, err = _main(
        capsys, "--source", _card(tmp_path / "c.png"), "--headless", "--backend", backend, "--model", model
    )
    assert code == 2 and out == ""
    _one_error_line(err, f"the {backend} backend cannot read", model.name)


def test_a_corrupt_keras_model_names_the_file(tmp_path: Path, capsys) -> None:
    pytest.importorskip("keras")
    model = tmp_path / "broken.keras"
    model.write_bytes(b"PK\x03\x04 not a zip at all")
    code, _, err = _main(capsys, "--source", _card(tmp_path / "c.png"), "--headless", "--model", model)
    assert code == 2
    _one_error_line(err, "broken.keras", "not a valid Keras model")


# --- third-party lines on stderr (subprocess) -----------------------------------------------------


def _run(tmp_path: Path, *args: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OPENCV_"))}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    argv = [sys.executable, str(ROOT / "recognize_live.py"), "--headless", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=RUN_TIMEOUT_S)


def test_a_broken_video_gives_only_our_line(tmp_path: Path) -> None:
    """FFmpeg printed '[mov,mp4,...] moov atom not found' above our error."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000))
    proc = _run(tmp_path, "--source", path)
    assert proc.returncode == 2
    _one_error_line(proc.stderr, "clip.mp4")


def test_the_keras_path_gives_no_tensorflow_lines(tmp_path: Path) -> None:
    """TensorFlow printed absl, oneDNN and CUDA lines (five or more) before the first reading."""
    pytest.importorskip("keras")
    proc = _run(tmp_path, "--source", _card(tmp_path / "card.png"), "--backend", "keras")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "card.png: 7\n"
    assert proc.stderr == ""
