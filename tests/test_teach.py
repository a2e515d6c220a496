"""Teaching: which card is taken, when, with which label; and that PIN entry never sees it."""

from __future__ import annotations

import numpy as np
import pytest

from vision import config
from vision.classifier import Classifier
from vision.entry import PinEntry
from vision.lockstore import Lock
from vision.session import Action, LiveSession
from vision.teach import Teacher
from vision.types import Box, Detection

DT = 1 / 15  # a 15 fps camera


def card(char: str = "?", x: int = 100, size: int = 80) -> Detection:
    return Detection(char, 0.4, Box(x, 50, size, size), row=0)


def patches_for(*dets: Detection) -> np.ndarray:
    """A distinct patch per detection (its index as the grey level) to check which was taken."""
    return np.stack([np.full((28, 28), 10 * (i + 1), np.uint8) for i in range(len(dets))])


def feed(teacher: Teacher, frames: int, *dets: Detection, t0: float = 0.0):
    taken, t = [], t0
    for _ in range(frames):
        sample = teacher.update(list(dets), patches_for(*dets) if dets else None, t)
        taken += [sample] if sample else []
        t += DT
    return taken, t


def test_asks_for_every_class_a_few_times_in_a_shuffled_order() -> None:
    teacher = Teacher(seed=1)
    order = list(teacher._order)
    assert sorted(order) == sorted(list(config.CLASSES) * config.TEACH_PER_CLASS)
    assert order != sorted(order)
    assert teacher.view.total == len(config.CLASSES) * config.TEACH_PER_CLASS


def test_takes_the_largest_card_once_it_is_still_with_the_asked_label() -> None:
    teacher = Teacher(seed=0)
    asked = teacher.asked
    small, big = card(x=0, size=20), card(x=100, size=80)
    early, t = feed(teacher, int(config.TEACH_HOLD_S / DT) - 2, small, big)
    assert early == [] and 0 < teacher.view.progress < 1 and teacher.view.box == big.box
    taken, t = feed(teacher, 4, small, big, t0=t)
    assert len(taken) == 1
    sample = taken[0]
    assert sample.label == asked  # the asked label, not the model's "?"
    assert sample.box == big.box and int(sample.patch[0, 0]) == 20  # the big card's own patch
    assert teacher.view.taken == 1 and teacher.asked is not None


def test_a_moving_card_is_not_taken() -> None:
    teacher = Teacher(seed=0)
    taken, t = [], 0.0
    for i in range(60):  # 4 s, but never still: it moves by more than half its width each frame
        sample = teacher.update([card(x=100 + 50 * (i % 2))], patches_for(card()), t)
        taken += [sample] if sample else []
        t += DT
    assert taken == []


def test_the_same_card_is_not_taken_twice_until_it_is_lowered() -> None:
    teacher = Teacher(seed=0)
    taken, t = feed(teacher, 60, card())  # held for 4 s
    assert len(taken) == 1 and "lower the card" in teacher.view.message
    _, t = feed(teacher, 10, t0=t)  # lowered
    again, _ = feed(teacher, 20, card(), t0=t)
    assert len(again) == 1 and teacher.view.taken == 2


def test_finishes_after_every_asked_character() -> None:
    teacher = Teacher(per_class=1, seed=0)
    t = 0.0
    for _ in config.CLASSES:
        _, t = feed(teacher, 20, card(), t0=t)
        _, t = feed(teacher, 10, t0=t)
    assert teacher.view.finished and teacher.view.taken == len(config.CLASSES)
    assert feed(teacher, 20, card(), t0=t)[0] == []


@pytest.fixture(scope="module")
def model() -> Classifier:
    return Classifier(None)


def test_session_teaches_from_real_frames_and_never_feeds_pin_entry(model, card_frame) -> None:
    session = LiveSession(model, PinEntry(Lock.in_memory(config.DEMO_PIN), hold_s=0.0, hold_frames=1))
    events = session.handle(Action.TEACH, 0.0)
    assert events[-1].kind == "teach" and session.teacher is not None
    asked = session.teacher.asked
    kinds, t = [], 0.0
    for i in range(30):
        _, ev = session.step(card_frame, i, t)
        kinds += [e.kind for e in ev]
        t += DT
    assert "accepted" not in kinds and session.entry.view.buffer_len == 0
    samples = session.take_taught()
    assert [s.label for s in samples] == [asked] and session.take_taught() == []
    result = session._last
    biggest = max(range(len(result.detections)), key=lambda k: result.detections[k].box.area)
    np.testing.assert_array_equal(samples[0].patch, result.detection_patches[biggest])
    assert session.hud().teach_prompt.startswith("TEACH 2/")
    session.render()  # the teaching overlay draws
    assert not session.quits(Action.CANCEL)  # Esc leaves teaching first
    assert session.handle(Action.CANCEL, t)[-1].message == "teaching ended: 1 sample taken"
    assert session.teacher is None and session.quits(Action.CANCEL) and session.quits(Action.QUIT)
