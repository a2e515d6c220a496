"""Every tunable number of Digit Locker, named, with its unit or the reason it has its value.

Image-processing thresholds are relative (to the frame or to the characters found) wherever a
fixed pixel count would break between a 320x240 webcam and a 4032x3024 phone photo.
"""

from __future__ import annotations

from pathlib import Path

# --- Classes and model files -------------------------------------------------------------
CLASSES: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K")
K_INDEX = 10
NUM_CLASSES = len(CLASSES)
REJECT_CHAR = "?"  # shown for a character the classifier is not confident about

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR.parent / "models"
MODEL_KERAS = MODELS_DIR / "digit_locker.keras"
MODEL_TFLITE = MODELS_DIR / "digit_locker.tflite"
MODEL_CARD = MODELS_DIR / "model_card.json"

# --- Patch layout (the model's input contract) -----------------------------------------
PATCH_SIZE = 28  # MNIST side, pixels
FIT_SIZE = 20  # MNIST digits were fitted in 20x20 keeping aspect, then centred by mass
PREPROCESS_VERSION = 1  # bump when to_mnist changes; recorded in the model card

# --- Training ---------------------------------------------------------------------------
SEED = 1234
K_HOLDOUT_FRACTION = 0.2  # fixed share of real K images never trained on
MNIST_FILENAME = "mnist.npz"
