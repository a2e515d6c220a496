"""The live app's LiteRT path never imports TensorFlow or Keras, and it reads what Keras reads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from vision.evaluate import read_labels
from vision.pipeline import read_frame
from vision.sources import read_image

ROOT = Path(__file__).resolve().parent.parent
LIVE_APP = textwrap.dedent(
    """
    import sys

    import numpy as np

    import recognize_live, vision.pipeline, vision.live, vision.classifier, vision.sources
    import vision.overlay, vision.pin, vision.segment, vision.scenes
    from vision.config import NUM_OUTPUTS

    clf = vision.classifier.Classifier()
    probs = clf.probabilities(np.zeros((5, 28, 28), np.uint8))
    assert clf.backend == "litert", clf.backend
    assert probs.shape == (5, NUM_OUTPUTS), probs.shape
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
    print(" ".join(heavy[:10]))
    """
)


def test_live_app_modules_and_litert_classifier_do_not_import_tensorflow():
    done = subprocess.run([sys.executable, "-c", LIVE_APP], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"imported on the LiteRT path: {done.stdout.strip()}"


def test_litert_and_keras_read_the_same_lines_on_real_photos(real_photos, classifier, keras_classifier):
    assert classifier.backend == "litert"
    rows = read_labels(real_photos)
    differ = []
    for row in rows:
        image = read_image(real_photos / row["file"])
        lite, ker = read_frame(image, classifier).lines, read_frame(image, keras_classifier).lines
        if lite != ker:
            differ.append(f"{row['file']}: litert {lite} keras {ker}")
    assert not differ, f"{len(differ)}/{len(rows)} photos read differently:\n" + "\n".join(differ)
