"""Shared fixtures: the real data sets (skipped with the reason when absent) and the shipped model.

Data comes from ``../shared/datasets`` beside the checkout (CI and development machines), from
``$DIGIT_LOCKER_MNIST`` / Keras' cache, or from Keras' own download on a connected machine.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGIT_LOCKER_DATA", ROOT.parent / "shared" / "datasets"))
LETTERS = SHARED / "handwritten_az_sample.npz"
REAL_PHOTOS = SHARED / "real_photos_dev"


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) from the first place that has it."""
    from vision.training.datasets import DatasetError, load_mnist

    local = SHARED / "mnist.npz"
    try:
        return load_mnist(local if local.exists() else None)
    except DatasetError as exc:
        pytest.skip(f"MNIST not available here: {exc}")


@pytest.fixture(scope="session")
def mnist_path(mnist) -> Path | None:
    local = SHARED / "mnist.npz"
    return local if local.exists() else None


@pytest.fixture(scope="session")
def letters():
    from vision.training.datasets import load_letters

    if not LETTERS.exists():
        pytest.skip(f"handwritten letters not found at {LETTERS}")
    return load_letters(LETTERS)


@pytest.fixture(scope="session")
def real_photos() -> Path:
    if not (REAL_PHOTOS / "labels.tsv").exists():
        pytest.skip(f"real photo dev set not found at {REAL_PHOTOS}")
    return REAL_PHOTOS


@pytest.fixture(scope="session")
def classifier():
    """The shipped model through the live app's default path (LiteRT when installed)."""
    from vision.classifier import Classifier

    return Classifier()


@pytest.fixture(scope="session")
def keras_classifier():
    from vision.classifier import Classifier

    return Classifier(backend="keras")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


class ReadsAs:
    """Stand-in model: every patch is ``char`` at full confidence (no model load, no TensorFlow)."""

    def __init__(self, char: str) -> None:
        from vision import config

        self.index = config.CLASSES.index(char)

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        from vision import config

        probs = np.zeros((len(patches), config.NUM_OUTPUTS), np.float32)
        probs[:, self.index] = 1.0
        return probs


class ReadsTwo(ReadsAs):
    """Every patch is a "2" at full confidence."""

    def __init__(self) -> None:
        super().__init__("2")


def numbered_frame(i: int, shape: tuple[int, int, int] = (48, 64, 3)) -> np.ndarray:
    """A black frame whose first two bytes carry ``i``, so tests can tell frames apart."""
    frame = np.zeros(shape, np.uint8)
    frame[0, 0, 0], frame[0, 0, 1] = i % 256, i // 256
    return frame


def frame_number(frame: np.ndarray) -> int:
    return int(frame[0, 0, 0]) + 256 * int(frame[0, 0, 1])


class FakeCapture:
    """cv2.VideoCapture stand-in that takes 1/``fps`` s per read and reports that rate.

    Reads follow ``script`` first: an array is a frame, an exception is raised, "stall" blocks
    until released (a driver stuck inside read()), "end" is a failed read. Then ``n_frames``
    frames from ``numbered_frame``, then failed reads forever. ``opened=False``: a camera that
    does not open (none on a test machine).
    """

    def __init__(self, script=(), n_frames: int = 0, fps: float = 500.0, opened: bool = True) -> None:
        self.script, self.n_frames, self.fps, self.opened = list(script), n_frames, fps, opened
        self.reads = self.produced = self.release_count = 0
        self.released = threading.Event()
        self.read_threads: set[str] = set()

    def isOpened(self) -> bool:
        return self.opened and not self.released.is_set()

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.read_threads.add(threading.current_thread().name)
        time.sleep(1.0 / self.fps)
        self.reads += 1
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, np.ndarray):
                return True, step
            if isinstance(step, BaseException):
                raise step
            if step == "stall":
                self.released.wait()  # never returns a frame
            return False, None
        if self.produced < self.n_frames:
            self.produced += 1
            return True, numbered_frame(self.produced - 1)
        return False, None

    def release(self) -> None:
        self.release_count += 1
        self.released.set()

    def get(self, prop: int) -> float:
        import cv2

        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0


class CountsBatches:
    """Wraps a model (ReadsTwo, the shipped one) and records the size of every batch it classifies."""

    def __init__(self, model) -> None:
        self.model = model
        self.batches: list[int] = []

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        self.batches.append(len(patches))
        return self.model.probabilities(patches)


class FakeClock:
    """Stand-in for ``time.time`` (or a frame clock): it reads ``t`` and moves only when told to,
    so holds and lockouts run without sleeping."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="session")
def card_frame() -> np.ndarray:
    """A demo frame with the first PIN card fully in view (a snapshot then has patches too)."""
    from vision import config
    from vision.synth.demo import demo_frames, demo_schedule

    start, end, text = demo_schedule()[1]
    assert text == config.DEMO_PIN[0]
    for i, frame in enumerate(demo_frames(loop=False)):
        if i == (start + end) // 2:
            return frame
    raise AssertionError("demo ended early")


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    """``recognize_live.main`` in-process -> (exit code, stdout, stderr); never a traceback."""
    import recognize_live

    code = recognize_live.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def one_error_line(err: str, *needles: str) -> str:
    """The one ``error: ...`` line a refusal prints on stderr, holding every needle."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def read_condition_scene(classifier, mnist, name: str, seed: int, sizes: tuple[int, int]) -> tuple[str, str]:
    """(truth, reading) of one generated scene of condition ``name``: ``sizes`` (low, high
    exclusive) MNIST test digits drawn by a ``seed`` stream, as the regression tests pin them."""
    from vision.pipeline import read_frame
    from vision.synth.conditions import render_condition

    _, (x, y) = mnist
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(x), size=int(rng.integers(*sizes)), replace=False)
    scene = render_condition(name, list(x[idx]), [str(int(v)) for v in y[idx]], rng)
    result = read_frame(scene.frame, classifier)
    return "".join(c.char for c in scene.chars), "".join(d.char for d in result.detections)


def condition_eval_scene(mnist, name: str, seed: int, index: int):
    """Scene ``index`` (0-based) of condition ``name`` as ``python -m vision.conditions_eval
    --seed SEED`` draws it (the scenes before it are drawn and dropped: one stream per condition)."""
    from vision.conditions_eval import _CHARS_PER_SCENE, CONDITIONS
    from vision.synth.conditions import render_condition

    _, (x, y) = mnist
    rng = np.random.default_rng((seed, CONDITIONS.index(name)))
    low, high = _CHARS_PER_SCENE[name]
    for _ in range(index + 1):
        idx = rng.choice(len(x), size=int(rng.integers(low, high + 1)), replace=False)
        scene = render_condition(name, list(x[idx]), [str(int(v)) for v in y[idx]], rng)
    return scene


def read_eval_scene(classifier, mnist, name: str, seed: int, index: int) -> tuple[str, str]:
    """(truth, reading) of ``condition_eval_scene``'s scene, read as the eval reads it."""
    from vision.pipeline import read_frame

    scene = condition_eval_scene(mnist, name, seed, index)
    reading = "".join(d.char for d in read_frame(scene.frame, classifier).detections)
    return "".join(c.char for c in scene.chars), reading
