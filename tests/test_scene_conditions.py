"""Scenes of named conditions: their ground truth is true and their condition is really there.

Glyphs come from hershey_glyph (no data set needed); only the scoring tests read scenes of MNIST
digits with the shipped model, and they check the result's shape, not its accuracy.
"""

from __future__ import annotations

import functools
import itertools

import cv2
import numpy as np
import pytest

from vision.conditions_eval import main, score_conditions
from vision.evaluate import digits_only
from vision.synth.conditions import CONDITIONS, render_condition
from vision.synth.glyphs import OPERATORS, hershey_glyph
from vision.synth.scene import Scene

SEEDS = range(6)
DIGITS = "0123456789"


@functools.cache
def _scene(name: str, seed: int, labels: str | None = None) -> Scene:
    rng = np.random.default_rng(seed)
    if labels is None:
        labels = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(4, 9))))
    glyphs = [hershey_glyph(c, rng) for c in labels]
    return render_condition(name, glyphs, list(labels), rng)


def _scenes(name: str) -> list[Scene]:
    return [_scene(name, seed) for seed in SEEDS]


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _char_height(scene: Scene) -> int:
    return int(np.median([c.box.h for c in scene.chars]))


def _paper_and_ink(frame: np.ndarray, box, skip: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(median colour of a ring around ``box``, the box's pixels), both float (N, C); pixels in
    ``skip`` (printed lines) are left out of both."""
    pad = max(3, box.h // 4)
    y0, x0 = max(box.y - pad, 0), max(box.x - pad, 0)
    ring = np.ones(frame.shape[:2], bool)
    ring[:y0] = ring[box.y2 + pad :] = False
    ring[:, :x0] = ring[:, box.x2 + pad :] = False
    inside = np.zeros(frame.shape[:2], bool)
    inside[box.y : box.y2, box.x : box.x2] = True
    ring &= ~inside
    if skip is not None:
        ring &= ~skip
        inside &= ~skip
    pixels = frame.reshape(-1, frame.shape[2] if frame.ndim == 3 else 1).astype(np.float32)
    return np.median(pixels[ring.ravel()], axis=0), pixels[inside.ravel()]


def _structure_near(scene: Scene) -> np.ndarray | None:
    if scene.structure is None:
        return None
    return cv2.dilate(scene.structure, np.ones((3, 3), np.uint8)) > 0


def _box_mask(shape, box, grow: int = 0, shrink: float = 0.0) -> np.ndarray:
    mask = np.zeros(shape[:2], bool)
    dx, dy = round(shrink * box.w), round(shrink * box.h)
    mask[max(box.y - grow + dy, 0) : box.y2 + grow - dy, max(box.x - grow + dx, 0) : box.x2 + grow - dx] = True
    return mask


# --- Every condition -----------------------------------------------------------------------


@pytest.mark.parametrize("name", CONDITIONS)
def test_truth_is_the_digits_and_their_boxes_hold_ink(name):
    for seed in SEEDS:
        scene = _scene(name, seed)
        h, w = scene.frame.shape[:2]
        assert scene.frame.dtype == np.uint8 and scene.frame.shape[2] == 3
        assert scene.polarity == "dark"
        text = "".join(c.char for c in scene.chars)
        assert set(text) <= set(DIGITS) and text
        assert digits_only("".join(scene.lines)) == text
        assert len(scene.lines) == len({c.row for c in scene.chars})
        printed = _structure_near(scene)
        for c in scene.chars:
            b = c.box
            assert b.w > 0 and b.h > 0 and 0 <= b.x and b.x2 <= w and 0 <= b.y and b.y2 <= h, (seed, c)
            paper, ink = _paper_and_ink(scene.frame, b, printed)
            strongest = np.percentile(np.abs(ink - paper).max(axis=1), 95)
            assert strongest > 30, (name, seed, c, strongest)  # ink, not paper, under the box


@pytest.mark.parametrize("name", [n for n in CONDITIONS if n != "operators"])
def test_the_chars_are_the_labels_in_reading_order(name):
    labels = "27405"
    scene = _scene(name, 3, labels)
    assert "".join(c.char for c in scene.chars) == labels
    rows = [c.row for c in scene.chars]
    assert rows == sorted(rows)


@pytest.mark.parametrize("name", CONDITIONS)
def test_same_seed_same_scene(name):
    rng_a, rng_b, rng_c = (np.random.default_rng(s) for s in (11, 11, 12))
    glyphs = [hershey_glyph(c, np.random.default_rng(0)) for c in "3815"]
    a, b, c = (render_condition(name, glyphs, list("3815"), r) for r in (rng_a, rng_b, rng_c))
    assert np.array_equal(a.frame, b.frame) and a.chars == b.chars and a.lines == b.lines
    assert not (a.frame.shape == c.frame.shape and np.array_equal(a.frame, c.frame))


def test_bad_requests_raise():
    rng = np.random.default_rng(0)
    glyphs = [hershey_glyph(c, rng) for c in "12"]
    with pytest.raises(ValueError):
        render_condition("crumpled", glyphs, ["1", "2"], rng)
    with pytest.raises(ValueError):
        render_condition("ruled", glyphs, ["1"], rng)
    with pytest.raises(ValueError):
        render_condition("ruled", glyphs, ["1", "+"], rng)  # operators only where they are the point
    with pytest.raises(ValueError):
        score_conditions(None, np.zeros((1, 28, 28), np.uint8), np.zeros(1), 1, names=["crumpled"])


# --- What each condition shows --------------------------------------------------------------


def _dark_components(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """Labels and stats of the dark marks: pixels well below the paper around them (black-hat)."""
    size = (_char_height(scene) // 3) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    dark = (cv2.morphologyEx(_gray(scene.frame), cv2.MORPH_BLACKHAT, kernel) > 12).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    return labels, stats


def _main_component(labels: np.ndarray, box) -> int:
    values, counts = np.unique(labels[box.y : box.y2, box.x : box.x2], return_counts=True)
    counts[values == 0] = 0
    return int(values[np.argmax(counts)])


def test_ruled_rules_join_each_row_into_one_page_wide_mark():
    joined = rows = margins = 0
    for scene in _scenes("ruled"):
        labels, stats = _dark_components(scene)
        width = scene.frame.shape[1]
        for r in range(len(scene.lines)):
            ids = {_main_component(labels, c.box) for c in scene.chars if c.row == r}
            rows += 1
            joined += len(ids) == 1 and stats[ids.pop(), 2] > 0.5 * width  # one mark with a long rule
        f = scene.frame.astype(np.int32)
        pink = ((f[..., 2] - f[..., 0] > 25) & (f[..., 2] - f[..., 1] > 25)).astype(np.uint8)
        _, _, pink_stats, _ = cv2.connectedComponentsWithStats(pink, connectivity=8)
        margins += bool(len(pink_stats) > 1 and pink_stats[1:, 3].max() > 0.5 * scene.frame.shape[0])
    assert joined >= 0.75 * rows
    assert margins >= len(SEEDS) / 2  # a red margin line down the page (unless it falls outside)


def test_squared_grid_crosses_every_char():
    for scene in _scenes("squared"):
        assert scene.structure is not None
        gray = _gray(scene.frame).astype(np.float32)
        lines = (scene.structure > 0) & ~np.any([_box_mask(gray.shape, c.box, 3) for c in scene.chars], axis=0)
        assert np.median(gray[lines]) < np.median(gray) - 5  # the printed grid is darker than the paper
        for c in scene.chars:
            assert scene.structure[c.box.y : c.box.y2, c.box.x : c.box.x2].any(), c
        rows_hit = np.nonzero(scene.structure.any(axis=1))[0]
        assert rows_hit.max() - rows_hit.min() > 0.8 * scene.frame.shape[0]  # the whole page, not a patch
        assert 0.01 < scene.structure.mean() / 255 < 0.4  # thin lines, not a wash


def test_boxes_surround_the_digits_and_some_touch_an_edge():
    touching = total = 0
    for scene in _scenes("boxes"):
        assert scene.structure is not None
        printed = scene.structure > 0
        for c in scene.chars:
            assert not printed[_box_mask(printed.shape, c.box, shrink=0.3)].any(), c  # a box, not a line through
            left = printed[c.box.y : c.box.y2, max(c.box.x - c.box.h, 0) : c.box.x]
            right = printed[c.box.y : c.box.y2, c.box.x2 : c.box.x2 + c.box.h]
            assert left.any() and right.any(), c  # box sides beside every digit
            touching += printed[_box_mask(printed.shape, c.box, grow=2)].any()
            total += 1
    assert 0 < touching < total  # some digits meet a box edge, not all


def test_table_rules_cut_some_digits_and_cells_part_numbers():
    cut, spaced = 0, 0
    for scene in _scenes("table"):
        assert scene.structure is not None
        ys, xs = np.nonzero(scene.structure)
        h = _char_height(scene)
        assert np.ptp(xs) > 2 * h and np.ptp(ys) > 2 * h  # a grid of rules around the numbers
        cut += any(scene.structure[_box_mask(scene.structure.shape, c.box, shrink=0.15)].any() for c in scene.chars)
        spaced += any(" " in line for line in scene.lines)
    assert cut >= 1 and spaced >= 1


def test_operators_are_written_but_are_no_chars():
    for seed in SEEDS:
        scene = _scene("operators", seed)
        assert all(c.char in DIGITS for c in scene.chars)
        assert any(" " in line for line in scene.lines)  # an operator between two numbers
        labels, stats = _dark_components(scene)
        boxes = np.any([_box_mask(labels.shape, c.box, 1) for c in scene.chars], axis=0)
        h = _char_height(scene)
        outside = (labels > 0) & ~boxes & (stats[labels, 4] > 0.05 * h * h)
        assert outside.sum() > 0.02 * h * h, seed  # the operators' ink lies outside every digit's box


def test_given_operators_are_left_out_of_the_truth():
    scene = _scene("operators", 2, "4x(2+2)")
    assert scene.lines == ("4 2 2",)
    assert "".join(c.char for c in scene.chars) == "422"
    scene = _scene("operators", 5, "28-10+5/2=6")
    assert "".join(c.char for c in scene.chars) == "2810526"
    assert " ".join(scene.lines).split() == ["28", "10", "5", "2", "6"]


@pytest.mark.parametrize("op", OPERATORS)
def test_hershey_draws_operators_smaller_than_digits(op):
    rng = np.random.default_rng(0)
    glyph = hershey_glyph(op, rng, 64)
    assert glyph.dtype == np.uint8 and glyph.max() > 200
    assert glyph.shape[0] <= 80 and glyph.shape[1] <= 64  # drawn as beside 64 px digits
    if op in "+-x=":
        assert glyph.shape[0] < 48  # no taller than most of a digit


def test_touching_digits_touch_within_a_number_and_numbers_stand_apart():
    merged = pairs = 0
    for seed in SEEDS:
        scene = _scene("touching", seed)
        h = _char_height(scene)
        labels, _ = _dark_components(scene)
        chars = iter(scene.chars)
        for line in scene.lines:
            numbers = [[next(chars) for _ in word] for word in line.split()]
            for number in numbers:
                for a, b in itertools.pairwise(number):
                    assert b.box.x - a.box.x2 <= 0.1 * h, (seed, line)  # touching or overlapping
                    merged += _main_component(labels, a.box) == _main_component(labels, b.box)
                    pairs += 1
            for a, b in itertools.pairwise(numbers):
                assert b[0].box.x - a[-1].box.x2 > 0.4 * h, (seed, line)
        assert any(len(word) > 1 for line in scene.lines for word in line.split())
    assert merged >= pairs / 3  # the ink itself runs together, not only the boxes


def test_small_writing_is_10_to_15_px_tall():
    for scene in _scenes("small"):
        assert scene.frame.shape[:2] in ((607, 455), (480, 640))
        assert len(scene.lines) >= 2
        for c in scene.chars:
            assert 10 <= c.box.h <= 15, c


def test_coloured_ink_keeps_less_contrast_in_gray_than_in_its_colour():
    faint = 0
    for scene in _scenes("colour"):
        gray = _gray(scene.frame)[:, :, None]
        skip = _structure_near(scene)
        for c in scene.chars:
            paper_bgr, ink_bgr = _paper_and_ink(scene.frame, c.box, skip)
            paper_g, ink_g = _paper_and_ink(gray, c.box, skip)
            in_colour = np.percentile((paper_bgr - ink_bgr).max(axis=1), 95)
            in_gray = np.percentile(paper_g[0] - ink_g[:, 0], 95)
            assert in_gray < in_colour, c
            faint += in_gray < 0.5 * in_colour
    assert faint > 0  # orange and yellow pens nearly vanish in gray


def _skin(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.int32)
    return (f[..., 2] - f[..., 0] > 45) & (f[..., 2] - f[..., 1] > 20) & (f[..., 2] > 90)


def _card(scene: Scene) -> np.ndarray:
    """uint8 mask of the bright card: the largest component above Otsu's threshold, skin left out."""
    _, bright = cv2.threshold(_gray(scene.frame), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright[_skin(scene.frame)] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    return (labels == 1 + int(np.argmax(stats[1:, 4]))).astype(np.uint8)


def test_desk_is_a_card_on_dark_textured_wood():
    for scene in _scenes("desk"):
        card = _card(scene)
        assert 0.25 < card.mean() < 0.75
        border = np.concatenate([card[0], card[-1], card[:, 0], card[:, -1]])
        assert border.mean() < 0.02  # the card's edges are in view
        gray = _gray(scene.frame).astype(np.float32)
        kernel = np.ones((9, 9), np.uint8)
        desk, inner = cv2.erode(1 - card, kernel) > 0, cv2.erode(card, kernel) > 0
        inner &= ~np.any([_box_mask(gray.shape, c.box, 5) for c in scene.chars], axis=0)
        assert gray[desk].mean() < gray[inner].mean() - 60
        assert gray[desk].std() / gray[desk].mean() > 2 * gray[inner].std() / gray[inner].mean()  # grain
        for c in scene.chars:
            assert card[c.box.y + c.box.h // 2, c.box.x : c.box.x2].any()  # the digits are on the card


def test_fingers_hold_the_card_edge_and_leave_the_digits_clear():
    for scene in _scenes("fingers"):
        skin = _skin(scene.frame)
        assert skin.sum() > 0.002 * skin.size
        for c in scene.chars:
            assert not skin[c.box.y : c.box.y2, c.box.x : c.box.x2].any(), c
        hull = cv2.convexHull(cv2.findNonZero(_card(scene)))
        on_card = np.zeros(skin.shape, np.uint8)
        cv2.fillConvexPoly(on_card, hull, 1)
        h = _char_height(scene)
        assert (skin & (on_card > 0)).sum() > 0.1 * h * h  # over the card...
        assert (skin & (on_card == 0)).sum() > 0.1 * h * h  # ...from outside it


# --- Scoring with the shipped model --------------------------------------------------------


def test_score_conditions_reads_every_condition(mnist, classifier):
    _, (x_test, y_test) = mnist
    seen = []
    scores = score_conditions(
        classifier, x_test, y_test, per_condition=2, seed=1, visit=lambda *args: seen.append(args)
    )
    assert list(scores) == list(CONDITIONS)
    assert [(name, i) for name, i, _, _ in seen] == [(n, i) for n in CONDITIONS for i in range(2)]
    for name, s in scores.items():
        truth = [digits_only("".join(scene.lines)) for n, _, scene, _ in seen if n == name]
        assert s.scenes == 2 and s.chars == sum(map(len, truth)) >= 6
        assert 0 <= s.edits <= s.chars and 0 <= s.boxes_found <= s.chars
        assert 0.0 <= s.char_accuracy <= 1.0 and 0.0 <= s.box_recall <= 1.0
    again = score_conditions(classifier, x_test, y_test, per_condition=2, seed=1, names=["desk"])
    assert again["desk"] == scores["desk"]  # a condition's scenes do not depend on the others


def test_cli_prints_a_table_and_saves_the_frames(mnist_path, tmp_path, capsys):
    args = ["--per-condition", "1", "--only", "ruled,fingers", "--save", str(tmp_path)]
    assert main(args + (["--mnist", str(mnist_path)] if mnist_path else [])) == 0
    out = capsys.readouterr().out
    assert "ruled" in out and "fingers" in out and "char acc" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fingers_000.png", "ruled_000.png"]
    with pytest.raises(SystemExit):
        main(["--only", "crumpled"])


# Characters read per condition on the 30 scenes of seeds 0 and 1 (``python -m vision.conditions_eval
# --seed N``, the shipped model), measured when these floors were set; each floor sits 1.5 points
# (3-4 characters) below, so a change that loses a few characters of one condition fails here.
# Readings are deterministic for one model and code. At the first session's start (before structure
# removal, cuts, colour, polarity by region and the skin rule) the reader read 52.4% in all.
MEASURED = {
    0: {
        "ruled": 0.992, "squared": 0.992, "boxes": 0.897, "table": 0.976, "operators": 0.890,
        "touching": 0.864, "small": 0.981, "colour": 0.989, "desk": 0.984, "fingers": 0.977, "form": 0.839,
    },
    1: {
        "ruled": 0.988, "squared": 0.991, "boxes": 0.892, "table": 0.945, "operators": 0.917,
        "touching": 0.834, "small": 0.988, "colour": 0.981, "desk": 0.970, "fingers": 0.986, "form": 0.901,
    },
}  # fmt: skip


@pytest.mark.parametrize("seed", sorted(MEASURED))
def test_the_reader_reads_each_condition(mnist, classifier, seed):
    _, (x_test, y_test) = mnist
    scores = score_conditions(classifier, x_test, y_test, per_condition=30, seed=seed)
    floors = MEASURED[seed]
    low = {n: round(s.char_accuracy, 3) for n, s in scores.items() if s.char_accuracy < floors[n] - 0.015}
    assert not low, low
    assert sum(s.chars - s.edits for s in scores.values()) / sum(s.chars for s in scores.values()) >= 0.9
