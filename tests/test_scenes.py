"""Synthetic scenes: the frames look right and the ground truth they carry is true.

Glyphs come from hershey_glyph (MNIST is not available here); other tests paste MNIST digits.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from vision import config
from vision.synth import tuning
from vision.synth.demo import demo_frames, demo_schedule
from vision.synth.glyphs import hershey_glyph
from vision.synth.scene import Scene, render_scene

SIZES = [(320, 240), (640, 480), (1920, 1080)]


def _scene(labels: str, seed: int = 0, **kwargs) -> Scene:
    rng = np.random.default_rng(seed)
    glyphs = [hershey_glyph(ch, rng) for ch in labels]
    return render_scene(glyphs, list(labels), rng, **kwargs)


def _gray(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float32).mean(axis=2)


def _inside_any(mask: np.ndarray, scene: Scene, pad: int = 0) -> np.ndarray:
    inside = np.zeros_like(mask, dtype=bool)
    for c in scene.chars:
        b = c.box
        inside[max(b.y - pad, 0) : b.y2 + pad, max(b.x - pad, 0) : b.x2 + pad] = True
    return inside


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_frame_is_bgr_uint8_of_the_requested_size(size, polarity):
    scene = _scene("27K4", size=size, polarity=polarity, noise=3, blur=0.7, gradient=0.6)
    assert scene.frame.shape == (size[1], size[0], 3)
    assert scene.frame.dtype == np.uint8
    assert scene.polarity == polarity
    assert [c.char for c in scene.chars] == list("27K4")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"tilt_deg": 45, "curve": 1.0},
        {"perspective": 1.0, "tilt_deg": -20, "rows": 2},
        {"distractors": True, "gradient": 1.0, "blur": 1.5, "noise": 8, "curve": 0.5},
    ],
)
def test_boxes_lie_inside_the_frame(size, options):
    scene = _scene("0123456789K", seed=3, size=size, **options)
    for c in scene.chars:
        assert c.box.w > 0 and c.box.h > 0
        assert 0 <= c.box.x and c.box.x2 <= size[0]
        assert 0 <= c.box.y and c.box.y2 <= size[1]


@pytest.mark.parametrize("polarity", ["dark", "light"])
@pytest.mark.parametrize("options", [{}, {"tilt_deg": 25, "curve": 0.6}, {"perspective": 1.0, "rows": 3}])
def test_boxes_hold_all_the_ink(polarity, options):
    # With no light, blur, noise or distractors the surface varies by a few grey levels only:
    # every pixel far from the page's median is ink, and it must all sit inside the truth boxes,
    # and every box must hold such ink.
    scene = _scene("4K19", seed=7, polarity=polarity, **options)
    gray = _gray(scene.frame)
    away = gray - np.median(gray) if polarity == "light" else np.median(gray) - gray
    ink = away > 40
    assert ink.sum() > 0
    assert ink[~_inside_any(ink, scene, pad=1)].sum() == 0
    for c in scene.chars:
        b = c.box
        assert away[b.y : b.y2, b.x : b.x2].max() > 60
    empty = _scene("", seed=7, polarity=polarity, **options)
    assert empty.chars == () and empty.lines == ()
    bare = _gray(empty.frame)
    assert (np.abs(bare - np.median(bare)) <= 40).all()  # the same threshold finds no ink on a bare page


@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_boxes_show_ink_contrast_and_do_not_overlap(polarity):
    scene = _scene(
        "0123456789K", seed=11, polarity=polarity, distractors=True, gradient=0.8, noise=4,
        blur=0.8,
    )  # fmt: skip
    gray = _gray(scene.frame)
    sign = 1.0 if polarity == "light" else -1.0  # ink is brighter than the board, darker than paper
    for c in scene.chars:
        b, pad = c.box, max(3, c.box.h // 6)
        inside = gray[b.y : b.y2, b.x : b.x2]
        ring = gray[max(b.y - pad, 0) : b.y2 + pad, max(b.x - pad, 0) : b.x2 + pad].copy()
        ring[pad : pad + b.h, pad : pad + b.w] = np.nan
        strongest_ink = np.percentile(sign * inside, 95)
        assert strongest_ink - np.nanmedian(sign * ring) > 40, c
    for a, b in itertools.combinations([c.box for c in scene.chars], 2):
        assert a.x2 <= b.x or b.x2 <= a.x or a.y2 <= b.y or b.y2 <= a.y, (a, b)


def test_gaps_between_chars_scale_with_char_height():
    scene = _scene("12345678", seed=5, rows=1)
    boxes = [c.box for c in scene.chars]
    height = np.median([b.h for b in boxes])
    for left, right in itertools.pairwise(boxes):
        assert right.x - left.x2 >= 0.2 * height


@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_distractors_never_touch_the_chars(polarity):
    options = {"polarity": polarity, "perspective": 0.5, "tilt_deg": 10}
    plain = _scene("0123456789", seed=2, **options)
    busy = _scene("0123456789", seed=2, distractors=True, **options)
    assert busy.chars == plain.chars
    changed = np.abs(_gray(busy.frame) - _gray(plain.frame)) > 3
    assert changed.sum() > 0.01 * changed.size  # the distractors are there
    assert changed[_inside_any(changed, plain)].sum() == 0


def test_rows_read_in_label_order():
    scene = _scene("012345678", seed=4, rows=3)
    assert scene.lines == ("012", "345", "678")
    assert [c.row for c in scene.chars] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    for row in range(3):
        xs = [c.box.x for c in scene.chars if c.row == row]
        assert xs == sorted(xs)
    row_ys = [np.mean([c.box.center[1] for c in scene.chars if c.row == r]) for r in range(3)]
    assert row_ys == sorted(row_ys)


def test_auto_rows_keep_every_char_in_order():
    labels = "0123456789K0123456789K"
    scene = _scene(labels, seed=9, size=(320, 240))
    assert "".join(scene.lines) == labels
    assert len(scene.lines) > 1
    pitch = np.diff([np.mean([c.box.center[1] for c in scene.chars if c.row == r])
                     for r in range(len(scene.lines))])  # fmt: skip
    height = np.median([c.box.h for c in scene.chars])
    assert pitch.min() >= 1.3 * height


def test_tilted_row_boxes_follow_the_tilted_line():
    scene = _scene("2719K4", seed=6, rows=1, tilt_deg=30)
    centres = np.array([c.box.center for c in scene.chars])
    slope, intercept = np.polyfit(centres[:, 0], centres[:, 1], 1)
    assert math.degrees(math.atan(-slope)) == pytest.approx(30, abs=5)  # rises to the right
    residuals = centres[:, 1] - (slope * centres[:, 0] + intercept)
    assert np.abs(residuals).max() < 0.3 * np.median([c.box.h for c in scene.chars])
    assert list(centres[:, 0]) == sorted(centres[:, 0])


def test_char_height_is_honoured():
    scene = _scene("5", seed=1, char_height=100)
    assert scene.chars[0].box.h == pytest.approx(100, rel=0.15)


def test_same_seed_same_scene():
    a = _scene("27K4", seed=8, distractors=True, noise=5, gradient=0.7)
    b = _scene("27K4", seed=8, distractors=True, noise=5, gradient=0.7)
    c = _scene("27K4", seed=9, distractors=True, noise=5, gradient=0.7)
    assert np.array_equal(a.frame, b.frame) and a.chars == b.chars
    assert not np.array_equal(a.frame, c.frame)


@pytest.mark.parametrize(
    "kwargs",
    [{"polarity": "grey"}, {"tilt_deg": 60}, {"rows": 5}],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        _scene("123", **kwargs)


def test_mismatched_or_blank_glyphs_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        render_scene([hershey_glyph("1", rng)], ["1", "2"], rng)
    with pytest.raises(ValueError):
        render_scene([np.zeros((28, 28), np.uint8)], ["1"], rng)


def test_accepts_mnist_shaped_glyphs():
    rng = np.random.default_rng(0)
    glyph = np.zeros((28, 28), np.uint8)
    glyph[4:24, 12:16] = 255  # a "1" the way MNIST frames it: 20 px tall inside 28x28
    scene = render_scene([glyph, glyph], ["1", "1"], rng, size=(640, 480))
    assert scene.lines == ("11",)
    assert all(c.box.h > 3 * c.box.w for c in scene.chars)


@pytest.mark.parametrize("char", config.CLASSES)
def test_hershey_glyph_is_a_cropped_white_on_black_char(char):
    rng = np.random.default_rng(0)
    for size in (28, 64):
        glyph = hershey_glyph(char, rng, size)
        assert glyph.dtype == np.uint8 and glyph.ndim == 2
        assert max(glyph.shape) == size
        assert glyph.max() > 200
        touched = glyph > 0  # cropped to the ink: every border row and column holds some
        assert touched[0].any() and touched[-1].any()
        assert touched[:, 0].any() and touched[:, -1].any()
        assert 0.1 < (glyph > 127).mean() < 0.8


def test_hershey_glyph_varies_and_rejects_other_chars():
    rng = np.random.default_rng(1)
    shapes = {hershey_glyph("7", rng).tobytes() for _ in range(5)}
    assert len(shapes) == 5
    with pytest.raises(ValueError):
        hershey_glyph("A", rng)


# --- Demo ----------------------------------------------------------------------------------


def test_demo_pin_is_not_trivial():
    pin = config.DEMO_PIN
    assert all(ch in config.CLASSES for ch in pin) and len(set(pin)) > 1
    digits = [int(ch) for ch in pin if ch.isdigit()]
    steps = {b - a for a, b in itertools.pairwise(digits)}
    assert not (len(digits) == len(pin) and len(steps) == 1)


@pytest.mark.parametrize("pin", [config.DEMO_PIN, "1123"])
def test_demo_schedule_shows_each_char_then_the_row(pin):
    schedule = demo_schedule(pin, config.DEMO_FPS)
    assert schedule[0][0] == 0
    assert all(a[1] == b[0] for a, b in itertools.pairwise(schedule))  # back to back
    assert all(end > start for start, end, _ in schedule)
    texts = [text for _, _, text in schedule]
    assert [t for t in texts if t] == [*pin, pin]
    assert texts[0] == "" and texts[-1] == ""
    assert all(a == "" or b == "" for a, b in itertools.pairwise(texts))  # a gap between shows
    for start, end, text in schedule:
        if len(text) == 1:
            assert end - start == pytest.approx(tuning.DEMO_CARD_HOLD_S * config.DEMO_FPS, abs=1)
        elif text:
            assert end - start == pytest.approx(tuning.DEMO_ROW_HOLD_S * config.DEMO_FPS, abs=1)


@pytest.mark.parametrize("size", [(320, 240), (640, 480)])
@pytest.mark.parametrize("polarity", ["dark", "light"])
def test_demo_plays_one_loop_of_bgr_frames(size, polarity):
    frames = list(demo_frames(size=size, seed=3, polarity=polarity, loop=False))
    assert len(frames) == demo_schedule()[-1][1]
    assert all(f.shape == (size[1], size[0], 3) and f.dtype == np.uint8 for f in frames)


def test_demo_shows_cards_only_when_the_schedule_says():
    frames = list(demo_frames(seed=0, loop=False))
    schedule = demo_schedule()
    empty_mids = [frames[(s + e) // 2] for s, e, t in schedule if not t]
    shown_mids = [frames[(s + e) // 2] for s, e, t in schedule if t]
    blank = _gray(empty_mids[0])
    for frame in empty_mids[1:]:
        assert np.abs(_gray(frame) - blank).mean() < 3  # only sensor noise differs
    for frame in shown_mids:
        assert np.abs(_gray(frame) - blank).mean() > 10


def test_demo_is_deterministic_and_loops():
    n = demo_schedule()[-1][1]
    a = list(itertools.islice(demo_frames(seed=5), n + 30))
    b = list(itertools.islice(demo_frames(seed=5), n + 30))
    other = next(itertools.islice(demo_frames(seed=6), 40, None))
    assert len(a) == n + 30
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert np.array_equal(a[n + 29], a[29])
    assert not np.array_equal(a[40], other)


def test_demo_rejects_bad_arguments_when_called():
    with pytest.raises(ValueError):
        demo_frames(pin="12A4")
    with pytest.raises(ValueError):
        demo_frames(polarity="grey")
    with pytest.raises(ValueError):
        demo_schedule("", 30.0)
