"""Overlay drawing on real frames: new images, box colours, banners, and no PIN characters."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from conftest import ReadsAs

from vision import config, overlay
from vision.overlay import (
    HELP_KEYS,
    HINT,
    Hud,
    confidence_color,
    debug_view,
    draw,
    masked_buffer,
)
from vision.types import Box, Detection

GREY = (128, 128, 128)


def _frame(w: int = 640, h: int = 480) -> np.ndarray:
    return np.full((h, w, 3), GREY, np.uint8)


BOX = Box(300, 200, 60, 90)


def _detection(char: str = "7", conf: float = 0.95, box: Box = BOX) -> Detection:
    return Detection(char=char, confidence=conf, box=box, row=0)


@pytest.fixture
def drawn_text(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[int, int], float, int]]:
    """Every string the overlay draws, with its origin, scale and thickness (drawing still happens)."""
    calls: list[tuple[str, tuple[int, int], float, int]] = []
    real_put = cv2.putText

    def spy(img, text, org, font, scale, color, thickness=1, *args, **kwargs):
        calls.append((text, tuple(org), scale, thickness))
        return real_put(img, text, org, font, scale, color, thickness, *args, **kwargs)

    monkeypatch.setattr(cv2, "putText", spy)
    return calls


def test_draw_returns_new_image_and_leaves_input_untouched() -> None:
    frame = _frame()
    before = frame.copy()
    hud = Hud(
        buffer_len=2,
        pin_length=4,
        candidate_progress=0.5,
        candidate_box=Box(300, 200, 60, 90),
        show_help=True,
        demo_note="DEMO - demo PIN 27K4",
        message="hello",
    )
    out = draw(frame, [_detection()], hud)
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert not np.shares_memory(out, frame)
    np.testing.assert_array_equal(frame, before)
    assert (out != frame).any()


def test_box_edge_takes_confidence_colour_and_inside_stays() -> None:
    box = Box(300, 200, 60, 90)
    out = draw(_frame(), [_detection(conf=0.95, box=box)], Hud())
    assert tuple(out[box.y + box.h // 2, box.x]) == confidence_color(0.95)  # left edge
    assert tuple(out[box.y2 - 1, box.x + box.w // 2]) == confidence_color(0.95)  # bottom edge
    assert tuple(out[box.y + box.h // 2, box.x + box.w // 2]) == GREY  # the character stays visible


def test_rejected_detection_is_grey() -> None:
    box = Box(100, 200, 50, 80)
    out = draw(_frame(), [_detection(char=config.REJECT_CHAR, conf=0.99, box=box)], Hud())
    assert tuple(out[box.y + box.h // 2, box.x]) == config.COLOR_REJECT


def test_confidence_color_runs_red_to_green() -> None:
    confs = np.linspace(0.0, 1.0, 21)
    colors = np.array([confidence_color(c) for c in confs])
    assert (np.diff(colors[:, 1]) >= 0).all()  # green grows
    assert (np.diff(colors[:, 2]) <= 0).all()  # red fades
    assert confidence_color(0.0) == config.COLOR_LOW_CONF
    assert confidence_color(1.0) == config.COLOR_HIGH_CONF
    assert confidence_color(0.5) == config.COLOR_MID_CONF
    assert confidence_color(-3.0) == config.COLOR_LOW_CONF
    assert confidence_color(7.0) == config.COLOR_HIGH_CONF
    assert confidence_color(float("nan")) == config.COLOR_LOW_CONF


def test_banners_differ_per_state(drawn_text) -> None:
    renders, texts = {}, {}
    for state in overlay.STATES:
        drawn_text.clear()
        renders[state] = draw(_frame(), [], Hud(state=state, lockout_remaining=22.3))
        texts[state] = drawn_text[0][0]
    for a, b in itertools.combinations(overlay.STATES, 2):
        assert texts[a] != texts[b]
        assert (renders[a] != renders[b]).any()
    assert texts["locked_out"] == "LOCKED OUT 23 s"
    assert texts["granted"] == "ACCESS GRANTED"
    assert "--set-pin" in texts["no_pin"]


def test_a_typed_character_reaches_the_hud_only_masked(card_frame, drawn_text) -> None:
    """A "9" (a character no HUD text holds) typed through the live session: the HUD it builds
    draws the count and stars, never the 9 (the boxes, drawn separately, show what the camera
    reads; here no detection is drawn)."""
    from vision.entry import PinEntry
    from vision.lockstore import Lock
    from vision.session import LiveSession

    session = LiveSession(ReadsAs("9"), PinEntry(Lock.in_memory("2745"), hold_s=0.0, hold_frames=1))
    _, events = session.step(card_frame, 0, 0.1)
    assert [e.kind for e in events] == ["accepted"]
    draw(card_frame, [], session.hud())
    texts = [text for text, *_ in drawn_text if "fps" not in text]  # the fps figure may hold a 9
    assert "PIN  * _ _ _" in texts
    assert any("(1/4)" in t and "*" in t for t in texts), texts
    assert not any("9" in t for t in texts), texts


def test_buffer_is_drawn_masked(drawn_text) -> None:
    draw(_frame(), [], Hud(buffer_len=3, pin_length=5, fps=0.0))
    pin_lines = [text for text, *_ in drawn_text if text.startswith("PIN")]
    assert len(pin_lines) == 1
    shown = pin_lines[0].removeprefix("PIN")
    assert set(shown) <= {"*", "_", " "}
    assert (shown.count("*"), shown.count("_")) == (3, 2)


def test_masked_buffer() -> None:
    assert masked_buffer(0, 4) == "_ _ _ _"
    assert masked_buffer(2, None) == "* * _"
    assert masked_buffer(5, 4) == "* * * * *"


def test_help_hint_and_demo_note_are_drawn(drawn_text) -> None:
    draw(_frame(), [], Hud(show_help=True, demo_note="DEMO - demo PIN 27K4"))
    texts = [text for text, *_ in drawn_text]
    assert HINT in texts and "DEMO - demo PIN 27K4" in texts
    assert all(key in texts and what in texts for key, what in HELP_KEYS)
    drawn_text.clear()
    draw(_frame(), [], Hud())
    assert not any(what in (t for t, *_ in drawn_text) for _, what in HELP_KEYS)


def test_candidate_progress_bar_fills_with_progress() -> None:
    box = Box(300, 150, 60, 90)
    empty = draw(_frame(), [], Hud(candidate_box=box, candidate_progress=0.0))
    full = draw(_frame(), [], Hud(candidate_box=box, candidate_progress=1.0))
    below = slice(box.y2 + 1, box.y2 + 40)
    filled_px = (full[below] == config.COLOR_CANDIDATE).all(axis=2).sum()
    empty_px = (empty[below] == config.COLOR_CANDIDATE).all(axis=2).sum()
    assert filled_px > empty_px + 100


@pytest.mark.parametrize(("w", "h"), [(320, 240), (640, 480), (1920, 1080)])
def test_hud_text_fits_the_frame_and_scales(w: int, h: int, drawn_text) -> None:
    hud = Hud(
        state="no_pin",
        fps=29.9,
        buffer_len=2,
        pin_length=6,
        message="K accepted",
        demo_note="DEMO - demo PIN 27K4",
        show_help=True,
    )
    draw(_frame(w, h), [], hud)
    for text, (x, y), scale, thickness in drawn_text:
        (tw, th), _ = cv2.getTextSize(text, overlay.FONT, scale, thickness)
        assert 0 <= x and x + tw <= w, text
        assert th <= y <= h, text
    banner_scale = drawn_text[0][2]
    assert banner_scale >= config.OVERLAY_MIN_FONT_SCALE
    if h == 1080:
        assert banner_scale > 2 * config.OVERLAY_FONT_SCALE


def test_hud_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="state"):
        Hud(state="open")
    with pytest.raises(ValueError, match="mode"):
        Hud(mode="grid")
    with pytest.raises(ValueError, match="negative"):
        Hud(buffer_len=-1)


def test_detection_at_frame_edge_does_not_fail() -> None:
    dets = [_detection(box=Box(0, 0, 40, 60)), _detection(box=Box(600, 420, 40, 60))]
    out = draw(_frame(), dets, Hud(candidate_box=Box(600, 420, 40, 60), candidate_progress=0.7))
    assert out.shape == (480, 640, 3)


def test_debug_view_shape_and_content() -> None:
    mask = np.zeros((480, 640), np.uint8)
    mask[100:300, 200:260] = 255
    patches = np.zeros((5, 28, 28), np.uint8)
    patches[:, 8:20, 12:16] = 255
    view = debug_view(mask, patches, ["1", "2", "?", "K", "4"], height=240)
    assert view.dtype == np.uint8 and view.ndim == 3 and view.shape[:2][0] == 240
    mask_w = 320  # 640 wide mask scaled to height 240
    assert view.shape[1] > mask_w + config.DEBUG_SEPARATOR_PX
    assert (view[100, 115] == 255).all()  # mask ink, scaled by 0.5
    assert (view[10, 10] == 0).all()


def test_debug_view_without_patches_and_bad_labels() -> None:
    mask = np.zeros((120, 160), np.uint8)
    assert debug_view(mask, np.zeros((0, 28, 28), np.uint8), [], height=120).shape[0] == 120
    with pytest.raises(ValueError, match="labels"):
        debug_view(mask, np.zeros((2, 28, 28), np.uint8), ["1"], height=120)
