"""Teaching: the window asks for each character a few times and keeps the patch of the held card.

The owner writes the asked character on a card and holds it up; once the largest character in
view has stayed in place for ``config.TEACH_HOLD_S`` (and ``TEACH_HOLD_FRAMES`` frames) its 28x28 patch,
the exact input the model read, is taken with the *asked* label, whatever the model read: a
misread is exactly what the personal model should learn. The card must then be lowered before
the next character is taken, so one card is never taken twice.

Samples never come from PIN entry: while teaching, the session does not feed the PIN entry at
all, and teaching asks for characters in a shuffled order of its own, never a PIN.
Like the PIN entry, it is driven by ``now`` (seconds) so tests need no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vision import config
from vision.types import Box, Detection


@dataclass(frozen=True)
class TaughtSample:
    """One taken sample: the asked label and the model-input patch (uint8 28x28, white ink on black)."""

    label: str
    patch: np.ndarray
    box: Box
    at: float  # the frame's time, seconds (the session's clock)


@dataclass(frozen=True)
class TeachView:
    """What the overlay shows while teaching."""

    asked: str | None  # the character to hold up next, None when finished
    taken: int
    total: int
    progress: float | None  # 0..1 while a card is being held still
    box: Box | None
    message: str

    @property
    def finished(self) -> bool:
        return self.asked is None


class Teacher:
    """Asks for every class ``per_class`` times in a shuffled order and takes held cards."""

    def __init__(self, per_class: int = config.TEACH_PER_CLASS, seed: int | None = None) -> None:
        if per_class < 1:
            raise ValueError("per_class must be at least 1")
        order = list(config.CLASSES) * per_class
        np.random.default_rng(seed).shuffle(order)
        self._order, self._taken = order, 0
        self._since: float | None = None  # when the current card started being still
        self._frames = 0
        self._box: Box | None = None
        self._gone_since: float | None = None
        self._gone_frames = config.TEACH_GONE_FRAMES
        self._needs_gone = False  # the last taken card is still up
        self._confirm, self._confirm_until = "", -1.0
        self._now = 0.0

    @property
    def asked(self) -> str | None:
        return self._order[self._taken] if self._taken < len(self._order) else None

    def update(self, detections: Sequence[Detection], patches: np.ndarray | None, now: float) -> TaughtSample | None:
        """Feed one frame (detections with their patches, same order); returns a sample when one is taken."""
        self._now = now
        if self.asked is None:
            return None
        if not detections or patches is None or len(patches) != len(detections):
            self._card_gone(now)
            return None
        i = max(range(len(detections)), key=lambda k: detections[k].box.area)
        card = detections[i]
        self._gone_since, self._gone_frames = None, 0
        if self._needs_gone:
            return None
        if self._box is None or card.box.iou(self._box) < config.TEACH_STILL_IOU:
            self._since, self._frames = now, 0  # moved: start again
        self._box, self._frames = card.box, self._frames + 1
        if self._frames < config.TEACH_HOLD_FRAMES or now - self._since < config.TEACH_HOLD_S:
            return None
        return self._take(card.box, patches[i], now)

    @property
    def view(self) -> TeachView:
        total = len(self._order)
        progress = None
        if self._box is not None and not self._needs_gone and self._since is not None and self.asked is not None:
            by_time = (self._now - self._since) / config.TEACH_HOLD_S
            progress = max(0.0, min(1.0, by_time, self._frames / config.TEACH_HOLD_FRAMES))
        return TeachView(
            self.asked, self._taken, total, progress, self._box if progress is not None else None, self._message()
        )

    def _take(self, box: Box, patch: np.ndarray, now: float) -> TaughtSample:
        sample = TaughtSample(self.asked, np.array(patch, np.uint8), box, now)
        self._taken += 1
        self._needs_gone, self._box, self._since = True, None, None
        self._confirm, self._confirm_until = (
            f"got {sample.label} ({self._taken}/{len(self._order)})",
            now + config.TEACH_CONFIRM_S,
        )
        return sample

    def _card_gone(self, now: float) -> None:
        self._box, self._since, self._frames = None, None, 0
        if self._gone_since is None:
            self._gone_since = now
        self._gone_frames += 1
        if now - self._gone_since >= config.TEACH_GONE_S and self._gone_frames >= config.TEACH_GONE_FRAMES:
            self._needs_gone = False

    def _message(self) -> str:
        confirm = self._confirm if self._now < self._confirm_until else ""
        if self.asked is None:
            return f"done: {self._taken} samples taken; Esc leaves"
        if self._needs_gone:
            return f"{confirm}: lower the card" if confirm else "lower the card"
        step = f"hold up a {self.asked} and keep it still"
        return f"{confirm}; {step}" if confirm else step
