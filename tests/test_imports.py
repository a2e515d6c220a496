"""Neither the live app's LiteRT path nor importing the training CLI loads TensorFlow or Keras;
and LiteRT reads what Keras reads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIVE_APP = textwrap.dedent(
    """
    import sys

    import numpy as np

    import recognize_live, vision.pipeline, vision.session, vision.classifier, vision.sources
    import vision.overlay, vision.entry, vision.segment, vision.synth.demo
    from vision import config

    clf = vision.classifier.Classifier()
    probs = clf.probabilities(np.zeros((5, 28, 28), np.uint8))
    assert clf.backend == "litert", clf.backend
    assert probs.shape == (5, config.NUM_OUTPUTS), probs.shape
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
    print(" ".join(heavy[:10]))
    """
)


def test_live_app_modules_and_litert_classifier_do_not_import_tensorflow():
    done = subprocess.run(
        [sys.executable, "-c", LIVE_APP], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"imported on the LiteRT path: {done.stdout.strip()}"


def test_the_training_cli_imports_tensorflow_only_when_it_fits():
    code = (
        "import sys, train_model; print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"imported with train_model: {done.stdout.strip()}"


def test_litert_and_keras_read_the_same_lines_on_real_photos(real_photos, classifier, keras_classifier):
    from vision.bench import compare_readings

    assert classifier.backend == "litert" and keras_classifier.backend == "keras"
    result = compare_readings(real_photos, classifier, keras_classifier)
    assert result["photos"] == 36 and result["identical"] == result["photos"], result["differences"]
