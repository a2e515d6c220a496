"""Digit Locker: read handwritten digits and K from camera frames.

Importing this package is cheap: no TensorFlow, no model loading. The classifier is
loaded lazily by :mod:`vision.classifier`.
"""

__all__ = ["config", "types"]
