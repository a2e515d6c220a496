"""Load the shipped model once and classify a whole frame's patches in one call.

The LiteRT (.tflite) path never imports TensorFlow: importing it alone costs seconds and hundreds of
megabytes, which a locker on small hardware cannot spare. The Keras model is the fallback when
LiteRT is not installed, or when a ``.keras`` file is asked for.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vision import config

log = logging.getLogger(__name__)

RESTORE_HINT = "restore it with `git checkout -- models/` or retrain with `python train_model.py`"


INPUT_CONTRACT = f"(N, {config.PATCH_SIZE}, {config.PATCH_SIZE}, 1) float32"  # what every model must take


class ModelError(Exception):
    """The model file is missing, corrupt, or does not follow the 28x28 -> 11 classes contract."""


def litert_available() -> bool:
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


class Classifier:
    """``probabilities(patches)``: uint8 (N, 28, 28) -> float32 (N, 12); backend 'litert' or 'keras'.

    Columns follow config.CLASSES (0-9, K) and then config.REJECT_INDEX (not a character).
    """

    def __init__(
        self, model_path: str | Path | None = None, backend: str = "auto", threads: int = config.CLASSIFIER_THREADS
    ):
        self.path, self.backend = _resolve(model_path, backend)
        if not self.path.is_file():
            raise ModelError(f"model file not found: {self.path}; {RESTORE_HINT}")
        self._threads = threads
        self._interpreters: dict[int, object] = {}
        self._keras = None
        if self.backend == "litert":
            self._model_bytes = self.path.read_bytes()
            self._interpreter(1)  # fail now, not on the first frame, if the file is corrupt
            self._check_contract()
            return
        with _quiet_native_stderr():  # TensorFlow's start-up lines, and its first call's
            self._keras = _load_keras(self.path)
            _check_keras_input(self._keras, self.path)
            self._check_contract()

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        """One model call for the whole batch of patches (split only above config.MAX_BATCH)."""
        if patches.ndim != 3 or patches.shape[1:] != (config.PATCH_SIZE, config.PATCH_SIZE):
            raise ValueError(f"patches must be (N, 28, 28), got {patches.shape}")
        if len(patches) == 0:
            return np.zeros((0, config.NUM_OUTPUTS), np.float32)
        x = patches.astype(np.float32)[..., None]
        chunks = [x[i : i + config.MAX_BATCH] for i in range(0, len(x), config.MAX_BATCH)]
        return np.concatenate([self._run(c) for c in chunks])

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self._keras is not None:
            return np.asarray(self._keras(x, training=False), np.float32)
        interp = self._interpreter(len(x))
        inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        return interp.get_tensor(out["index"]).copy()

    def _interpreter(self, batch: int):
        if batch not in self._interpreters:
            try:
                from ai_edge_litert.interpreter import Interpreter
            except ImportError:
                raise ModelError("the LiteRT backend needs ai-edge-litert: pip install ai-edge-litert") from None
            try:
                with _quiet_native_stderr():
                    interp = Interpreter(model_content=self._model_bytes, num_threads=self._threads)
                    _check_litert_input(interp.get_input_details(), self.path)
                    index = interp.get_input_details()[0]["index"]
                    interp.resize_tensor_input(index, [batch, config.PATCH_SIZE, config.PATCH_SIZE, 1])
                    interp.allocate_tensors()
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"cannot load model {self.path}: {_one_line(exc)}; {RESTORE_HINT}") from None
            self._interpreters[batch] = interp
        return self._interpreters[batch]

    def _check_contract(self) -> None:
        """One probe call: a model that takes the right input but fails or answers wrongly is
        refused at start, not on the first frame with a traceback."""
        try:
            probe = self.probabilities(np.zeros((1, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8))
        except (ValueError, RuntimeError, TypeError) as exc:
            raise ModelError(f"model {self.path} fails on a {INPUT_CONTRACT} input: {_one_line(exc)}") from None
        if probe.shape != (1, config.NUM_OUTPUTS):
            raise ModelError(f"model {self.path} outputs {probe.shape[1:]}, expected {config.NUM_OUTPUTS} scores")


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message (TensorFlow's run to a dozen), cut short."""
    text = str(exc).strip().splitlines()
    return (text[0][: config.MODEL_ERROR_MAX_CHARS] if text else "") or type(exc).__name__


def _check_litert_input(inputs: list[dict], path: Path) -> None:
    """ModelError unless the model has one float32 input of shape (N, 28, 28, 1)."""
    if len(inputs) != 1:
        raise ModelError(f"model {path} has {len(inputs)} inputs, expected one {INPUT_CONTRACT}")
    shape = tuple(int(d) for d in inputs[0].get("shape_signature", inputs[0]["shape"]))
    dtype = np.dtype(inputs[0]["dtype"])
    if len(shape) != 4 or shape[1:] != (config.PATCH_SIZE, config.PATCH_SIZE, 1) or dtype != np.float32:
        raise ModelError(f"model {path} takes input {shape} {dtype}, expected {INPUT_CONTRACT}")


def _check_keras_input(model, path: Path) -> None:
    """ModelError unless the Keras model has one input of shape (N, 28, 28, 1)."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise ModelError(f"model {path} has {len(inputs)} inputs, expected one {INPUT_CONTRACT}")
    shape = tuple(inputs[0].shape)
    if len(shape) != 4 or tuple(shape[1:]) != (config.PATCH_SIZE, config.PATCH_SIZE, 1):
        raise ModelError(f"model {path} takes input {shape}, expected {INPUT_CONTRACT}")


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ "INFO: Created TensorFlow Lite XNNPACK delegate" line LiteRT prints on
    every start, and TensorFlow's absl/oneDNN/CUDA lines (printed before its logging is set up,
    so no setting reaches them), so the CLIs' errors stay one line. Errors still arrive as
    Python exceptions. Left alone when this module logs at INFO (the CLIs' --verbose)."""
    if log.isEnabledFor(logging.INFO):
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # stderr replaced (tests, IDEs)
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _resolve(model_path: str | Path | None, backend: str) -> tuple[Path, str]:
    """The model file and the backend that reads it; a backend asked for that cannot read the
    file named is an error, never a silent switch to the other backend."""
    if backend not in ("auto", "litert", "keras"):
        raise ValueError(f"unknown backend {backend!r}")
    if model_path is not None:
        path = Path(model_path)
        implied = _SUFFIX_BACKENDS.get(path.suffix.lower())
        if backend != "auto" and implied not in (None, backend):
            raise ModelError(f"the {backend} backend cannot read {path}: a {path.suffix} file needs backend {implied}")
        return path, implied or (backend if backend != "auto" else "litert")
    if backend == "keras" or (backend == "auto" and not litert_available()):
        if backend == "auto":
            log.warning("ai-edge-litert is not installed: using the slower Keras model")
        return config.MODEL_KERAS, "keras"
    return config.MODEL_TFLITE, "litert"


_SUFFIX_BACKENDS = {".keras": "keras", ".h5": "keras", ".tflite": "litert"}


def _load_keras(path: Path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except ImportError:
        raise ModelError("the Keras backend needs TensorFlow: pip install tensorflow") from None
    for name in ("absl", "tensorflow", "keras"):  # their Python-side warnings, e.g. on load
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for a damaged zip/h5/config
        raise ModelError(
            f"cannot load model {path}: not a valid Keras model ({type(exc).__name__}); {RESTORE_HINT}"
        ) from None


# --- the personal model (fine-tuned on the owner's samples by train_model.py --fine-tune) ---------


def personal_model_path() -> Path:
    """Where ``train_model.py --fine-tune`` writes the personal model by default:
    ``~/.config/digit-locker/models/digit_locker.tflite`` (beside the lock file)."""
    from vision.lockstore import default_config_path

    return default_config_path().parent / config.PERSONAL_MODELS_DIR_NAME / config.MODEL_TFLITE.name


def resolve_model(explicit: Path | None, use_personal: bool = True) -> tuple[Path | None, str]:
    """The model a front end should load, and a one-line note to show at start ("" for none).

    ``explicit`` (``--model``) always wins. Otherwise the personal model when it exists and
    ``use_personal`` (``--no-personal`` turns it off), else None: the shipped model, as
    ``Classifier(None)`` picks it. The personal ``.tflite`` is taken when LiteRT is installed,
    its ``.keras`` twin otherwise.
    """
    if explicit is not None:
        return Path(explicit), ""
    if not use_personal:
        return None, ""
    path = personal_model_path()
    if not litert_available():
        path = path.with_name(config.MODEL_KERAS.name)
    if not path.is_file():
        return None, ""
    return path, f"using your personal model {path}{_fine_tuned_on(path)}"


def _fine_tuned_on(path: Path) -> str:
    """ " (fine-tuned on N samples)" from the model card beside ``path``, or "" when unreadable."""
    import json

    try:
        card = json.loads((path.parent / config.MODEL_CARD.name).read_text())
        return f" (fine-tuned on {int(card['fine_tune']['samples'])} samples)"
    except (OSError, ValueError, KeyError, TypeError):
        return ""
