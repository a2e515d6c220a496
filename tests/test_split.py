"""Touching characters: candidate cuts, the classifier's choice, and a touching pair read end to end."""

from __future__ import annotations

import cv2
import numpy as np
from conftest import read_eval_scene

from vision import config
from vision.split import (
    SplitLattice,
    best_guess,
    choose,
    cut_points,
    max_parts,
    part_mask,
    part_spans,
    seam_paths,
    too_wide_to_keep,
)
from vision.synth.glyphs import hershey_glyph


def _probs(char: int | None, p: float = 0.99) -> np.ndarray:
    """Probabilities for one patch: ``char`` (a class index) at ``p``, or "not a character"."""
    out = np.full(config.NUM_OUTPUTS, (1 - p) / (config.NUM_OUTPUTS - 1), np.float32)
    out[config.REJECT_INDEX if char is None else char] = p
    return out


def _lattice(points: tuple[int, ...], spans: list[tuple[int, int]], parts: int = 2) -> SplitLattice:
    return SplitLattice(0, points, tuple(spans), tuple(range(len(spans))), (), (), parts)


def _pair(left: np.ndarray, right: np.ndarray) -> tuple[SplitLattice, np.ndarray]:
    """A crop cut once: two parts, their probabilities."""
    return _lattice((0, 50, 100), [(0, 1), (1, 2)]), np.stack([left, right])


def test_the_cut_lies_where_two_blobs_touch():
    own = np.zeros((60, 100), np.uint8)
    cv2.circle(own, (25, 30), 22, 255, 5)
    cv2.circle(own, (72, 30), 22, 255, 5)  # the rings touch around column 48
    cuts = cut_points(own, 60.0)
    assert any(abs(c - 48) <= 3 for c in cuts)
    points = [0, *cuts, 100]
    at = next(i for i, c in enumerate(points) if abs(c - 48) <= 3)
    spans = part_spans(own, points, 60.0)
    assert (0, at) in spans and (at, len(points) - 1) in spans


def test_no_cut_leaves_a_sliver_as_a_character():
    own = np.zeros((60, 100), np.uint8)
    cv2.line(own, (5, 5), (95, 5), 255, 4)  # a long bar on top
    cv2.line(own, (50, 5), (50, 58), 255, 4)  # and one stem: a T
    points = [0, *cut_points(own, 60.0), 100]
    for i, j in part_spans(own, points, 60.0):
        assert points[j] - points[i] >= 0.25 * 60


def test_a_chain_of_five_touching_digits_is_cut_into_five():
    """Five rings in a row, touching: the lattice holds the cut into five, and the chain of the
    five sure parts beats every chain holding a sure scribble of two rings."""
    own = np.zeros((60, 250), np.uint8)
    for k in range(5):
        cv2.circle(own, (25 + 48 * k, 30), 22, 255, 5)
    points = [0, *cut_points(own, 60.0), 250]
    assert max_parts(250 / 60) >= 5
    seams = [next(i for i, c in enumerate(points) if abs(c - (48 + 48 * k)) <= 3) for k in range(4)]
    chain = [(a, b) for a, b in zip([0, *seams], [*seams, len(points) - 1])]
    spans = part_spans(own, points, 60.0)
    assert set(chain) <= set(spans)
    probs = np.stack([_probs(0) if s in chain else _probs(None, 0.999) for s in spans])
    lattice = _lattice(tuple(points), spans, max_parts(250 / 60))
    pick = choose(_probs(None), lattice, probs, width=250 / 60)
    assert pick is not None and [spans[k] for k in pick] == chain


def test_a_crop_wide_as_two_characters_is_cut_at_its_best_guess():
    """Two bold digits run into each other read as no character as a whole: wider than
    SPLIT_WIDE, the crop is cut at its best cut even when one part is doubtful."""
    assert too_wide_to_keep(_probs(None, 0.9), width=config.SPLIT_WIDE + 0.1)
    assert not too_wide_to_keep(_probs(0, 0.9), width=config.SPLIT_WIDE + 0.1)  # a wide 0 stays whole
    assert too_wide_to_keep(_probs(0, 0.9), width=config.SPLIT_GUESS_WIDTH + 0.1)
    # Two ways to cut: at column 40 (a doubtful 6 and 1) or at 60 (a sure 7 and a doubtful 1).
    lattice = _lattice((0, 40, 60, 100), [(0, 1), (1, 3), (0, 2), (2, 3)])
    probs = np.stack([_probs(6, 0.6), _probs(1, 0.7), _probs(7, 0.95), _probs(1, 0.8)])
    assert best_guess(_probs(None), lattice, probs) == [2, 3]
    assert best_guess(_probs(None), *_pair(_probs(None), _probs(1, 0.6))) is None  # nothing sure: grain
    # A sure single character (a 5 with a long flag) is never cut into a doubtful extra digit.
    assert best_guess(_probs(5), *_pair(_probs(5, 0.86), _probs(5))) is None


def test_a_forced_cut_must_read_characters_across_most_of_the_crop():
    """Faint texture cut finely holds a sure-looking piece: a narrow sure 8 beside a wide
    scribble is no reading."""
    lattice = _lattice((0, 20, 100), [(0, 1), (1, 2)])
    assert best_guess(_probs(None), lattice, np.stack([_probs(8), _probs(None)])) is None
    assert best_guess(_probs(None), lattice, np.stack([_probs(None), _probs(8)])) == [0, 1]


def test_a_sure_wide_character_is_not_cut_into_its_stem_and_itself():
    """A 5 whose bar runs far left reads 1.00 as a 5 at 1.5 char heights wide; its stem reads
    as a sure 1 and the rest as a sure 5. Read this surely, it stays one character."""
    assert choose(_probs(5, 0.999), *_pair(_probs(1), _probs(5)), width=1.5) is None
    assert choose(_probs(5, 0.95), *_pair(_probs(1), _probs(5)), width=1.5) == [0, 1]  # "15" run together


def test_choose_prefers_a_sure_cut_to_an_unsure_whole():
    assert choose(_probs(0, 0.6), *_pair(_probs(9), _probs(0)), width=1.6) == [0, 1]
    assert choose(_probs(0, 0.99), *_pair(_probs(1), _probs(1)), width=1.2) is None  # a sure wide 0 stays


def test_a_crop_barely_wider_than_a_character_stays_whole_unless_the_cut_is_sure():
    """An 8 whose bottom a rule cut off reads 0.46 as an 8, and its halves 0.91 as 6, 0.86 as 3."""
    eight = _probs(8, 0.46)
    assert choose(eight, *_pair(_probs(6, 0.91), _probs(3, 0.86)), width=1.1) is None
    assert choose(eight, *_pair(_probs(9, 0.99), _probs(0, 0.99)), width=1.05) == [0, 1]  # "90"


def test_a_crop_read_as_no_character_gives_way_to_a_cut_into_characters():
    """A "70" run together reads 0.997 as no character (the model is trained to read touching
    digits so); its halves read 0.9 as 7 and as 0. The whole scores nothing, so the cut wins;
    halves read less surely than SPLIT_PART_CONFIDENCE_UNREAD do not."""
    scribble = _probs(None, 0.997)
    assert choose(scribble, *_pair(_probs(7, 1.0), _probs(0, 1.0)), width=1.27) == [0, 1]
    assert choose(scribble, *_pair(_probs(7, 0.9), _probs(0, 0.9)), width=1.27) == [0, 1]
    assert choose(scribble, *_pair(_probs(7, 0.6), _probs(0, 0.6)), width=1.27) is None


def test_a_cut_into_characters_surer_than_the_whole_wins_even_within_the_margin():
    """A "98" run together, 1.24 heights wide, reads 0.994 as an 8; its parts read 0.9999 as a 9
    and an 8. No margin over 0.994 can be beaten, yet the cut reads surer than the whole."""
    sure = _pair(_probs(9, 0.9999), _probs(8, 0.9999))
    assert choose(_probs(8, 0.994), *sure, width=1.24) == [0, 1]
    assert choose(_probs(8, 0.994), *sure, width=1.1) is None  # barely wider than a character
    assert choose(_probs(8, 0.9999), *sure, width=1.24) is None  # the whole as sure as its parts
    assert choose(_probs(8, 0.994), *_pair(_probs(9, 0.99), _probs(8, 0.9999)), width=1.24) is None


def test_a_cut_wins_only_when_every_part_is_a_character():
    """A part read as no character scores nothing (SPLIT_MARK_PART 0): a cut that leaves a
    sliver of a digit as "no character" loses to one that reads every part."""
    assert choose(_probs(None, 0.7), *_pair(_probs(9), _probs(7)), width=1.6) == [0, 1]
    assert choose(_probs(None, 0.7), *_pair(_probs(None), _probs(7)), width=1.6) is None
    assert choose(_probs(None, 0.7), *_pair(_probs(None), _probs(None)), width=1.6) is None


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


def test_a_chain_of_touching_digits_reads_every_digit(classifier):
    """Five glyphs each overlapping the next by 4 px: one or two components, read as five
    digits in each of five renderings (cuts tried one or two at a time read none of them)."""
    from vision.pipeline import read_frame

    for seed in range(5):
        rng = np.random.default_rng(seed)
        frame = np.full((240, 400), 235, np.uint8)
        canvas = np.zeros_like(frame)
        for k, ch in enumerate("40712"):
            g = hershey_glyph(ch, rng, 64)
            ys, xs = np.nonzero(g)
            g = cv2.resize(g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], (44, 80))
            x = 80 + 40 * k
            canvas[80:160, x : x + 44] = np.maximum(canvas[80:160, x : x + 44], g)
        frame = cv2.subtract(frame, (canvas.astype(np.float32) * 0.8).astype(np.uint8))
        result = read_frame(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), classifier)
        assert "".join(result.lines) == "40712", seed


def test_a_cut_winds_between_overlapping_digits():
    """An L whose foot reaches under the next character's ring: every column between them
    crosses ink, the cut's path goes down beside the ring and under it, and each part holds
    exactly one of the two."""
    left, right = np.zeros((60, 100), np.uint8), np.zeros((60, 100), np.uint8)
    cv2.line(left, (20, 5), (20, 55), 255, 3)
    cv2.line(left, (20, 55), (60, 55), 255, 3)  # the foot, under the ring
    cv2.circle(right, (72, 25), 15, 255, 3)
    own = cv2.bitwise_or(left, right)
    points = [0, 52, 100]
    assert all(np.count_nonzero(own[:, c]) for c in range(40, 62))  # no straight cut parts them
    paths = seam_paths(own, points, 60.0)
    assert np.array_equal(part_mask(own, paths, 0, 1), left)
    assert np.array_equal(part_mask(own, paths, 1, 2), right)


def test_bold_digits_run_into_each_other_are_cut(classifier, mnist):
    """A bold "368" whose strokes merge where the digits overlap keeps 20% of its ink after the
    erosion that tells pen strokes from smudges: it was never cut, and being too wide for one
    character, not read at all. A shadow or a smudge keeps far more than 30%."""
    from vision.pipeline import read_frame
    from vision.synth.conditions import render_condition

    _, (x, y) = mnist
    rng = np.random.default_rng(25)  # one bold number of three touching digits
    idx = rng.choice(len(x), size=3, replace=False)
    scene = render_condition("touching", list(x[idx]), [str(int(v)) for v in y[idx]], rng)
    result = read_frame(scene.frame, classifier)
    assert "".join(d.char for d in result.detections) == "".join(c.char for c in scene.chars) == "368"


def test_digits_read_as_a_scribble_are_cut_into_less_sure_parts(classifier, mnist):
    """The "534" of a "5344" run together reads as no character, and its best cut's 3 and 4
    read 0.7-0.9: at the 0.9 a cut of a readable crop needs, the whole number was lost but its
    last 4 (three edits). Only the 5, overlapping the 3, is still lost."""
    from vision.evaluate import digits_only, edit_distance

    truth, reading = read_eval_scene(classifier, mnist, "touching", 0, 9)
    assert truth == "534472727"
    assert edit_distance(digits_only(reading), truth) <= 1, reading


def test_a_digit_and_two_narrow_ones_run_together_are_cut_in_three(classifier, mnist):
    """A "191" run together is 1.3 character heights wide: a crop holds one character per 0.4 of
    its height (a 1 is narrow), so the cut into 1, 9 and 1 is tried. The 18th "touching" scene
    of seed 2 had lost the number."""
    assert max_parts(1.3) == 3
    truth, reading = read_eval_scene(classifier, mnist, "touching", 2, 17)
    assert reading == truth == "396380191"
