"""recognize_live.py in-process: image mode's JSON contract on real photos, --set-pin, and every
error path (one line on stderr, the documented exit code, never a traceback).

The window loop is driven through a fake ``open_window`` that presses keys; the only lines left
untested are the three OpenCV calls inside ``recognize_live.Window``.
"""

from __future__ import annotations

import io
import json
import os
import stat
import time
from pathlib import Path
from typing import Self

import cv2
import numpy as np
import pytest
from conftest import FakeCapture
from conftest import one_error_line as _one_error_line
from conftest import run_cli as _run

import recognize_live
import vision.sources
from vision import config
from vision.lockstore import Lock, Verdict
from vision.session import Action
from vision.sources import open_source

PHOTO = "niraj-dudani_1.jpeg"  # one row, label 7899777743
NEW_PIN = "2580"


@pytest.fixture(scope="module")
def photo_gray(real_photos: Path) -> np.ndarray:
    """The photo as grey levels, shrunk so the variants below stay quick."""
    image = cv2.imread(str(real_photos / PHOTO), cv2.IMREAD_GRAYSCALE)
    return cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


# --- image mode --------------------------------------------------------------------------------


def _check_contract(result: dict, shape: tuple[int, ...]) -> None:
    h, w = shape[:2]
    assert isinstance(result["frame"], int)
    assert isinstance(result["lines"], list) and all(isinstance(s, str) for s in result["lines"])
    for d in result["detections"]:
        assert d["char"] in config.CLASSES or d["char"] == config.REJECT_CHAR
        assert isinstance(d["confidence"], float) and 0.0 <= d["confidence"] <= 1.0
        x, y, bw, bh = d["box"]
        assert all(isinstance(v, int) for v in d["box"])
        assert 0 <= x and 0 <= y and bw > 0 and bh > 0 and x + bw <= w and y + bh <= h
        assert 0 <= d["row"] < len(result["lines"])
    # Lines are the detections' characters in reading order (a space marks a gap).
    assert "".join(result["lines"]).replace(" ", "") == "".join(d["char"] for d in result["detections"])
    rows = [d["row"] for d in result["detections"]]
    assert rows == sorted(rows)


def test_image_mode_prints_one_json_object_per_photo(real_photos: Path, capsys) -> None:
    code, out, err = _run(capsys, "--source", real_photos / PHOTO, "--headless", "--json")
    assert code == 0, err
    [line] = out.splitlines()
    result = json.loads(line)
    assert result["frame"] == 0 and result["source"] == PHOTO
    _check_contract(result, cv2.imread(str(real_photos / PHOTO)).shape)
    assert len(result["lines"]) == 1  # one written row
    assert 6 <= len(result["detections"]) <= 14  # ten digits; accuracy is tested elsewhere


def test_folder_source_reads_every_image_in_name_order(real_photos: Path, capsys) -> None:
    images = [p for p in real_photos.iterdir() if p.suffix.lower() in config.IMAGE_EXTENSIONS]
    code, out, err = _run(capsys, "--source", real_photos, "--headless", "--json")
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["frame"] for r in results] == list(range(len(images)))
    assert sorted(r["source"] for r in results) == sorted(p.name for p in images)
    for r in results:
        _check_contract(r, cv2.imread(str(real_photos / r["source"])).shape)


def test_max_frames_stops_a_folder_early(real_photos: Path, capsys) -> None:
    code, out, _ = _run(capsys, "--source", real_photos, "--headless", "--json", "--max-frames", "2")
    assert code == 0 and len(out.splitlines()) == 2


def test_text_mode_prints_name_and_rows(real_photos: Path, capsys) -> None:
    code, out, err = _run(capsys, "--source", real_photos / PHOTO, "--headless")
    assert code == 0, err
    [line] = out.splitlines()
    name, reading = line.split(": ", 1)
    assert name == PHOTO and reading and set(reading) <= set(config.CLASSES) | {"?", " ", "/"}


@pytest.mark.parametrize("variant", ["gray", "bgra", "gray16", "bgr16"])
def test_unusual_png_formats_are_read(variant: str, photo_gray: np.ndarray, tmp_path: Path, capsys) -> None:
    bgr = cv2.cvtColor(photo_gray, cv2.COLOR_GRAY2BGR)
    image = {
        "gray": photo_gray,
        "bgra": cv2.cvtColor(photo_gray, cv2.COLOR_GRAY2BGRA),
        "gray16": photo_gray.astype(np.uint16) * 257,
        "bgr16": bgr.astype(np.uint16) * 257,
    }[variant]
    path = tmp_path / f"{variant}.png"
    assert cv2.imwrite(str(path), image)
    code, out, err = _run(capsys, "--source", path, "--headless", "--json")
    assert code == 0, err
    result = json.loads(out)
    _check_contract(result, image.shape)
    assert len(result["detections"]) >= 6


def test_image_mode_with_a_window_shows_each_image_until_q(real_photos: Path, monkeypatch, capsys) -> None:
    window = FakeWindow([Action.QUIT])
    monkeypatch.setattr(recognize_live, "open_window", lambda: window)
    code, out, err = _run(capsys, "--source", real_photos, "--json")
    assert code == 0, err
    assert len(out.splitlines()) == 1 and window.waits == [0] and window.closed


# --- bad input ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path, capsys) -> None:
    code, out, err = _run(capsys, "--source", tmp_path / "nope.jpg", "--headless")
    assert code == 2 and out == ""
    _one_error_line(err, "nope.jpg")


@pytest.mark.parametrize(
    ("name", "content"),
    [("garbage.png", b"\x89PNG not really" * 20), ("empty.png", b""), ("random.jpg", os.urandom(500))],
)
def test_unreadable_image(name: str, content: bytes, tmp_path: Path, capsys) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = _run(capsys, "--source", path, "--headless", "--json")
    assert code == 2 and out == ""
    _one_error_line(err, name)


def test_one_pixel_image(tmp_path: Path, capsys) -> None:
    path = tmp_path / "dot.png"
    cv2.imwrite(str(path), np.zeros((1, 1, 3), np.uint8))
    code, out, err = _run(capsys, "--source", path, "--headless")
    assert code == 2 and out == ""
    _one_error_line(err, "too small")


def test_folder_without_images(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("no images here")
    code, _, err = _run(capsys, "--source", tmp_path, "--headless")
    assert code == 2
    _one_error_line(err, "no images")


@pytest.mark.parametrize("argv", [["--max-frames", "-1"], ["--hold", "-0.5"], ["--mode", "diagonal"]])
def test_bad_flags_are_usage_errors(argv: list[str], capsys) -> None:
    code, _, err = _run(capsys, "--source", "demo", "--headless", *argv)
    assert code == 2 and "usage:" in err


def test_help_exits_zero(capsys) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and "Keys (window)" in out


# --- model faults ------------------------------------------------------------------------------


def test_missing_model(capsys, real_photos: Path) -> None:
    code, out, err = _run(capsys, "--source", real_photos / PHOTO, "--headless", "--model", "nope.tflite")
    assert code == 2 and out == ""
    _one_error_line(err, "nope.tflite", "git checkout", "train_model.py")


def test_corrupt_model(tmp_path: Path, capsys, real_photos: Path) -> None:
    model = tmp_path / "broken.tflite"
    model.write_bytes(b"TFL3" + os.urandom(2000))
    code, out, err = _run(capsys, "--source", real_photos / PHOTO, "--headless", "--model", model)
    assert code == 2 and out == ""
    _one_error_line(err, "broken.tflite", "train_model.py")


# --- camera faults -----------------------------------------------------------------------------


def test_camera_that_cannot_open(capsys) -> None:
    code, out, err = _run(capsys, "--source", "97", "--headless")
    assert code == 2 and out == ""
    _one_error_line(err, "camera 97", "--source demo")


def test_camera_that_stops_mid_run(tmp_path: Path, monkeypatch, capsys) -> None:
    camera = FakeCapture(n_frames=5, fps=100.0)  # a few frames, then nothing (unplugged mid-run)
    monkeypatch.setattr(
        vision.sources,
        "open_source",
        lambda spec, **kw: open_source(spec, capture_factory=lambda i: camera, camera_retry_s=0.3, **kw),
    )
    path = tmp_path / "lock.json"
    Lock(path).set_pin(NEW_PIN)
    before = path.read_bytes()
    code, _, err = _run(capsys, "--source", "0", "--headless", "--config", path)
    assert code == 1
    _one_error_line(err, "camera 0")
    assert camera.released.is_set()
    assert path.read_bytes() == before  # the lock file is intact


# --- lock file in live mode --------------------------------------------------------------------


def test_corrupt_lock_file_stops_live_mode(tmp_path: Path, capsys) -> None:
    path = tmp_path / "lock.json"
    path.write_text("{not json")
    code, out, err = _run(capsys, "--source", "demo", "--headless", "--config", path, "--max-frames", "1")
    assert code == 2 and out == ""
    _one_error_line(err, str(path), "corrupt")
    assert path.read_text() == "{not json"


def test_no_pin_set_says_how_to_set_one(tmp_path: Path, capsys) -> None:
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    if not writer.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG .avi")
    for _ in range(3):
        writer.write(np.full((120, 160, 3), 200, np.uint8))
    writer.release()
    code, out, err = _run(capsys, "--source", video, "--headless", "--json", "--config", tmp_path / "none.json")
    assert code == 0, err
    assert config.SET_PIN_COMMAND in err
    frames = [json.loads(line) for line in out.splitlines()]
    assert len(frames) == 3 and all(f["pin"]["state"] == "no_pin" for f in frames)


# --- --set-pin ---------------------------------------------------------------------------------


def _set_pin(capsys, monkeypatch, path: Path, answers: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    return _run(capsys, "--set-pin", "--config", path)


def test_set_pin_stores_only_a_salted_hash(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "sub" / "lock.json"
    code, out, err = _set_pin(capsys, monkeypatch, path, f"{NEW_PIN}\n{NEW_PIN}\n")
    assert code == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert NEW_PIN not in text and NEW_PIN not in out + err
    assert "scrypt" in json.loads(text)["kdf"]["name"]
    assert Lock.load(path).check(NEW_PIN, time.time()) is Verdict.GRANTED


def test_set_pin_accepts_lower_case_k(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "lock.json"
    code, _, err = _set_pin(capsys, monkeypatch, path, "27k4\n27K4\n")
    assert code == 0, err
    assert Lock.load(path).check("27K4", time.time()) is Verdict.GRANTED


@pytest.mark.parametrize(
    ("answers", "needle"),
    [
        (f"{NEW_PIN}\n2581\n", "differ"),
        ("1234\n1234\n", "straight run"),
        ("7777\n7777\n", "repeated"),
        ("12\n12\n", "4 to 8"),
        ("12a4\n12a4\n", "0-9"),
        ("", "no PIN"),
        (f"{NEW_PIN}\n", "no PIN"),
    ],
)
def test_set_pin_refuses(answers: str, needle: str, tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "lock.json"
    code, out, err = _set_pin(capsys, monkeypatch, path, answers)
    assert code == 2 and not path.exists()
    _one_error_line(err, needle)
    assert NEW_PIN not in out + err


def test_set_pin_keeps_a_corrupt_file_untouched(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "lock.json"
    path.write_bytes(b'{"version": 1, "kdf": ')
    code, _, err = _set_pin(capsys, monkeypatch, path, f"{NEW_PIN}\n{NEW_PIN}\n")
    assert code == 2
    _one_error_line(err, "corrupt")
    assert path.read_bytes() == b'{"version": 1, "kdf": '


def test_set_pin_replaces_an_existing_pin(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "lock.json"
    Lock(path).set_pin("9K31")
    code, _, err = _set_pin(capsys, monkeypatch, path, f"{NEW_PIN}\n{NEW_PIN}\n")
    assert code == 0, err
    lock = Lock.load(path)
    assert lock.check("9K31", time.time()) is Verdict.DENIED
    assert lock.check(NEW_PIN, time.time()) is Verdict.GRANTED


# --- window mode -------------------------------------------------------------------------------


def test_no_display_falls_back_to_headless_and_says_so(monkeypatch, capsys, real_photos: Path) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    code, out, err = _run(capsys, "--source", real_photos / PHOTO)
    assert code == 0 and out.strip()  # the reading is printed as in --headless
    assert err.strip() == "note: no display found, running headless (pass --headless to skip this note)"


class FakeWindow:
    """Stands in for recognize_live.Window: records what it is shown, presses scripted keys."""

    def __init__(self, actions: list[Action | None]) -> None:
        self.actions = list(actions)
        self.shapes: list[tuple[int, ...]] = []
        self.waits: list[int] = []
        self.closed = False

    def show(self, image: np.ndarray, wait_ms: int) -> Action | None:
        self.shapes.append(image.shape)
        self.waits.append(wait_ms)
        return self.actions.pop(0) if self.actions else None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


def test_window_loop_applies_keys_and_quits(tmp_path: Path, monkeypatch, capsys) -> None:
    keys = [
        None,
        Action.TOGGLE_HELP,
        Action.TOGGLE_DEBUG,
        Action.SNAPSHOT,
        Action.TOGGLE_MODE,
        Action.CYCLE_POLARITY,
        Action.RESET,
        Action.QUIT,
    ]
    window = FakeWindow(keys)
    monkeypatch.setattr(recognize_live, "open_window", lambda: window)
    code, out, err = _run(capsys, "--source", "demo", "--snapshots", tmp_path, "--max-frames", "100")
    assert code == 0, err
    assert len(window.shapes) == len(keys) and window.closed  # stopped at q, not at --max-frames
    h, w = window.shapes[0][:2]
    assert window.shapes[2] == (h, w, 3) and window.shapes[3][1] > w  # debug view after d
    assert all(0 < ms <= 1000 / config.DEMO_FPS for ms in window.waits)  # the demo plays at its pace
    for message in ("snapshot saved", "entry mode: row", "polarity: dark", "PIN entry cleared"):
        assert message in out
    assert config.DEMO_PIN not in out + err
    assert len(list(tmp_path.glob("snapshot-*.png"))) >= 1


def test_window_loop_reports_key_events_in_the_next_json_frame(monkeypatch, capsys) -> None:
    window = FakeWindow([Action.TOGGLE_MODE, Action.QUIT])
    monkeypatch.setattr(recognize_live, "open_window", lambda: window)
    code, out, err = _run(capsys, "--source", "demo", "--json")
    assert code == 0, err
    frames = [json.loads(line) for line in out.splitlines()]  # every line is one frame
    assert [f["frame"] for f in frames] == [0, 1]
    assert [e["kind"] for e in frames[1]["events"]] == ["mode"] and frames[1]["pin"]["mode"] == "row"


def test_a_personal_model_is_used_and_said_at_start_unless_no_personal(tmp_path: Path, monkeypatch, capsys) -> None:
    import shutil

    from vision.classifier import personal_model_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    frame = tmp_path / "card.png"
    cv2.imwrite(str(frame), np.full((120, 160, 3), 255, np.uint8))
    code, _, err = _run(capsys, "--source", frame, "--headless")
    assert code == 0 and "personal" not in err  # none yet: the shipped model, silently
    personal = personal_model_path()
    personal.parent.mkdir(parents=True)
    shutil.copy(config.MODELS_DIR / "digit_locker.tflite", personal)
    code, _, err = _run(capsys, "--source", frame, "--headless")
    assert code == 0 and f"using your personal model {personal}" in err
    code, _, err = _run(capsys, "--source", frame, "--headless", "--no-personal")
    assert code == 0 and "personal model" not in err
