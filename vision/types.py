"""Small frozen dataclasses passed between the pipeline stages."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class Polarity(enum.StrEnum):
    """Which way the ink runs: the user's setting (AUTO lets the segmenter decide per frame)."""

    AUTO = "auto"
    DARK = "dark"  # dark ink on light paper
    LIGHT = "light"  # light ink (chalk) on a dark board


class EntryMode(enum.StrEnum):
    """How PIN entry types: one held card at a time, or a whole row at once."""

    SEQUENTIAL = "sequential"
    ROW = "row"


class EntryState(enum.StrEnum):
    """What the lock shows the user; JSON keeps the strings."""

    LOCKED = "locked"
    GRANTED = "granted"
    DENIED = "denied"
    LOCKED_OUT = "locked_out"
    DISABLED = "disabled"
    NO_PIN = "no_pin"


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in frame pixels: top-left corner, width and height (OpenCV order)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def x2(self) -> int:
        return self.x + self.w

    @property
    def y2(self) -> int:
        return self.y + self.h

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)

    def union(self, other: Box) -> Box:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.x2, other.x2) - x, max(self.y2, other.y2) - y)

    def iou(self, other: Box) -> float:
        """Intersection over union: how well two boxes of the same thing agree."""
        w = min(self.x2, other.x2) - max(self.x, other.x)
        h = min(self.y2, other.y2) - max(self.y, other.y)
        inter = max(0, w) * max(0, h)
        return inter / max(1, self.area + other.area - inter)

    def as_list(self) -> list[int]:
        return [int(self.x), int(self.y), int(self.w), int(self.h)]


@dataclass(frozen=True)
class Detection:
    """One character found in a frame. ``char`` is REJECT_CHAR when confidence is too low."""

    char: str
    confidence: float
    box: Box
    row: int
    col: int = 0
    gap_before: bool = False  # a clear gap separates it from the previous character in its row

    def to_json(self) -> dict:
        return {
            "char": self.char,
            "confidence": round(float(self.confidence), 4),
            "box": self.box.as_list(),
            "row": self.row,
        }


@dataclass(frozen=True)
class FrameResult:
    """Everything one frame produced; ``mask`` and ``patches`` feed the debug view."""

    index: int
    detections: tuple[Detection, ...]
    lines: tuple[str, ...]
    polarity: str  # "dark" (dark ink on light) or "light" (light ink on dark)
    make_mask: Callable[[], np.ndarray] | None = None  # builds the ink mask when the debug view asks
    patches: np.ndarray | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    char_height: float = 0.0  # typical character height, frame pixels (0 when nothing was read)
    process_side: int = 0  # the frame's long side as it was processed (after any downscaling)
    # (len(detections), NUM_OUTPUTS) float: each detection's class probabilities, reject last.
    probabilities: np.ndarray | None = None
    # (len(detections), 28, 28) uint8: the patch the model read for each detection, same order.
    detection_patches: np.ndarray | None = None

    @property
    def mask(self) -> np.ndarray | None:
        """The ink mask at processing resolution; built on demand (a full-frame pass otherwise
        spent on every frame for a view that is usually off)."""
        return self.make_mask() if self.make_mask is not None else None

    def to_json(self, probabilities: bool = False) -> dict:
        """The image-mode contract; ``probabilities`` adds each detection's class probabilities
        (``CLASSES`` order, then the "not a character" score) as ``probabilities``/``reject``."""
        detections = [d.to_json() for d in self.detections]
        if probabilities and self.probabilities is not None:
            for d, p in zip(detections, self.probabilities.tolist()):
                d["probabilities"] = [round(v, 4) for v in p[:-1]]
                d["reject"] = round(p[-1], 4)
        return {"frame": self.index, "lines": list(self.lines), "detections": detections, "polarity": self.polarity}
