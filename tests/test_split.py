"""Touching characters: candidate cuts, the classifier's choice, and a touching pair read end to end."""

from __future__ import annotations

import cv2
import numpy as np

from vision import config
from vision.split import best_guess, choose, cut_columns, part_ranges, too_wide_to_keep
from vision.synth.glyphs import hershey_glyph


def _probs(char: int | None, p: float = 0.99) -> np.ndarray:
    """Probabilities for one patch: ``char`` (a class index) at ``p``, or "not a character"."""
    out = np.full(config.NUM_OUTPUTS, (1 - p) / (config.NUM_OUTPUTS - 1), np.float32)
    out[config.REJECT_INDEX if char is None else char] = p
    return out


def test_the_cut_lies_where_two_blobs_touch():
    own = np.zeros((60, 100), np.uint8)
    cv2.circle(own, (25, 30), 22, 255, 5)
    cv2.circle(own, (72, 30), 22, 255, 5)  # the rings touch around column 48
    cuts = cut_columns(own, 60.0)
    assert cuts and any(abs(c[0] - 48) <= 3 for c in cuts if len(c) == 1)
    assert part_ranges(own, min(cuts, key=lambda c: abs(c[0] - 48)), 60.0) is not None


def test_no_cut_leaves_a_sliver_as_a_character():
    own = np.zeros((60, 100), np.uint8)
    cv2.line(own, (5, 5), (95, 5), 255, 4)  # a long bar on top
    cv2.line(own, (50, 5), (50, 58), 255, 4)  # and one stem: a T
    for cut in cut_columns(own, 60.0):
        parts = part_ranges(own, cut, 60.0)
        assert parts is None or all(b - a >= 0.25 * 60 for a, b in parts)


def test_a_crop_wide_as_two_characters_is_cut_at_its_best_guess():
    """Two bold digits run into each other read as no character as a whole: wider than
    SPLIT_WIDE, the crop is cut at its best cut even when one part is doubtful."""
    assert too_wide_to_keep(_probs(None, 0.9), width=config.SPLIT_WIDE + 0.1)
    assert not too_wide_to_keep(_probs(0, 0.9), width=config.SPLIT_WIDE + 0.1)  # a wide 0 stays whole
    assert too_wide_to_keep(_probs(0, 0.9), width=config.SPLIT_GUESS_WIDTH + 0.1)
    options = [np.stack([_probs(6, 0.6), _probs(1, 0.7)]), np.stack([_probs(7, 0.95), _probs(1, 0.8)])]
    assert best_guess(options) == 1
    assert best_guess([np.stack([_probs(None), _probs(1, 0.6)])]) is None  # nothing sure in it: grain, a scribble


def test_choose_prefers_a_sure_cut_to_an_unsure_whole():
    assert choose(_probs(0, 0.6), [np.stack([_probs(9), _probs(0)])], width=1.6) == 0
    assert choose(_probs(0, 0.99), [np.stack([_probs(1), _probs(1)])], width=1.2) is None  # a sure wide 0 stays


def test_a_crop_barely_wider_than_a_character_stays_whole_unless_the_cut_is_sure():
    """An 8 whose bottom a rule cut off reads 0.46 as an 8, and its halves 0.91 as 6, 0.86 as 3."""
    eight = _probs(8, 0.46)
    assert choose(eight, [np.stack([_probs(6, 0.91), _probs(3, 0.86)])], width=1.1) is None
    assert choose(eight, [np.stack([_probs(9, 0.99), _probs(0, 0.99)])], width=1.05) == 0  # "90"


def test_a_non_character_part_counts_but_a_cut_into_nothing_does_not():
    plus_seven = np.stack([_probs(None), _probs(7)])
    assert choose(_probs(None, 0.7), [plus_seven], width=1.6) == 0
    assert choose(_probs(None, 0.7), [np.stack([_probs(None), _probs(None)])], width=1.6) is None


def test_two_touching_digits_read_as_two(classifier, rng):
    from vision.pipeline import read_frame

    frame = np.full((240, 320), 235, np.uint8)
    glyphs = []
    for ch in "90":
        g = hershey_glyph(ch, rng, 64)
        ys, xs = np.nonzero(g)
        glyphs.append(cv2.resize(g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], (44, 80)))
    canvas = np.zeros_like(frame)
    canvas[80:160, 110:154] = glyphs[0]
    canvas[80:160, 150:194] = np.maximum(canvas[80:160, 150:194], glyphs[1])  # 4 px of overlap
    frame = cv2.subtract(frame, (canvas.astype(np.float32) * 0.8).astype(np.uint8))
    result = read_frame(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), classifier)
    assert "".join(result.lines) == "90"
    assert len(result.detections) == 2
