"""Draw detections and the locker state over a frame, and build the debug view.

Pure drawing: every function takes arrays and returns a NEW BGR uint8 image; nothing here opens
a window (imshow/waitKey live in recognize_live.py). The HUD carries only the length of the
PIN buffer, never its characters, so the overlay cannot leak a PIN even by mistake: the buffer
is drawn as "*" for each entered character and "_" for each one still missing (Hershey fonts
are ASCII-only, hence no bullets).

Text scales with the frame (see :func:`_style`) so it stays legible from 320x240 to 1920x1080.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config
from vision.types import Box, Detection, EntryMode, EntryState, Polarity

FONT = cv2.FONT_HERSHEY_SIMPLEX

HELP_KEYS: tuple[tuple[str, str], ...] = (
    ("r", "reset the PIN buffer"),
    ("Backspace", "delete the last character"),
    ("Enter", "submit the PIN"),
    ("m", "mode: sequential / row"),
    ("p", "polarity: auto / dark / light"),
    ("d", "debug view (mask and patches)"),
    ("s", "save a snapshot"),
    ("c", "teach it your handwriting (asks for each character)"),
    ("h", "show / hide this help"),
    ("Esc", "leave teaching, else quit"),
    ("q", "quit"),
)
HINT = "r reset  Bksp delete  Enter submit  m mode  p polarity  d debug  s snap  c teach  h help  q quit"
HINT_SHORT = "h help  q quit"  # when HINT cannot fit the frame's width even at the smallest scale

MODES = tuple(EntryMode)
POLARITIES = tuple(Polarity)
STATES = tuple(EntryState)


@dataclass(frozen=True)
class Hud:
    """What the overlay shows besides detections. Deliberately holds no PIN characters.

    ``polarity`` is the user's setting; ``polarity_used`` what the segmenter chose this frame
    (they differ only under "auto"). ``candidate_progress`` in [0, 1] is how far the character
    in ``candidate_box`` is towards being accepted. ``lockout_remaining`` is in seconds.
    """

    mode: str = "sequential"
    polarity: str = "auto"
    polarity_used: str = "dark"
    buffer_len: int = 0
    pin_length: int | None = None
    candidate_progress: float | None = None
    candidate_box: Box | None = None
    state: str = "locked"
    lockout_remaining: float = 0.0
    fps: float = 0.0
    message: str = ""
    show_help: bool = False
    demo_note: str = ""
    teach_prompt: str = ""  # set while teaching: replaces the lock banner and the PIN line

    def __post_init__(self) -> None:
        """Reject typos at construction, where a test sees them, not as a wrong banner live."""
        for name, value, allowed in (
            ("mode", self.mode, MODES),
            ("polarity", self.polarity, POLARITIES),
            ("polarity_used", self.polarity_used, POLARITIES[1:]),
            ("state", self.state, STATES),
        ):
            if value not in allowed:
                raise ValueError(f"Hud.{name} must be one of {allowed}, got {value!r}")
        if self.buffer_len < 0 or (self.pin_length is not None and self.pin_length < 0):
            raise ValueError("Hud.buffer_len and Hud.pin_length cannot be negative")


@dataclass(frozen=True)
class _Style:
    """Font metrics for one frame size."""

    scale: float
    thickness: int
    line_h: int  # height of one text line including padding, pixels
    pad: int
    ascent: int  # baseline offset below the line's top padding, same for every string


def _style(shape: tuple[int, ...]) -> _Style:
    """Scale text with the frame: the short side relative to 480 px, floored for small frames."""
    h, w = shape[:2]
    ref = min(h, w * config.OVERLAY_TEXT_ASPECT)  # a wide frame should not get text too long for its width
    scale = max(config.OVERLAY_MIN_FONT_SCALE, config.OVERLAY_FONT_SCALE * ref / config.OVERLAY_REF_HEIGHT)
    return _metrics(scale, _thickness(scale))


def _thickness(scale: float) -> int:
    return max(1, round(scale * config.OVERLAY_THICKNESS_PER_SCALE))


@functools.lru_cache(maxsize=config.OVERLAY_METRICS_CACHE)
def _metrics(scale: float, thickness: int) -> _Style:
    """Line box of a Hershey font: ascent from "Ag", descent from the baseline, plus padding."""
    (_, text_h), base = cv2.getTextSize("Ag", FONT, scale, thickness)
    pad = max(config.OVERLAY_MIN_PAD_PX, round(text_h * config.OVERLAY_PAD_FRAC))
    return _Style(scale, thickness, text_h + base + 2 * pad, pad, text_h)


def confidence_color(conf: float) -> tuple[int, int, int]:
    """BGR colour from red (0) through yellow (0.5) to green (1); out-of-range values clamp."""
    t = min(1.0, max(0.0, float(conf))) if math.isfinite(conf) else 0.0
    return _color_at(round(t, 2))  # a hundredth is finer than the eye (and the label) can tell


@functools.lru_cache(maxsize=config.OVERLAY_COLOR_CACHE)
def _color_at(t: float) -> tuple[int, int, int]:
    mid = config.OVERLAY_COLOR_MID_AT
    lo, hi, u = (
        (config.COLOR_LOW_CONF, config.COLOR_MID_CONF, t / mid)
        if t < mid
        else (config.COLOR_MID_CONF, config.COLOR_HIGH_CONF, (t - mid) / (1.0 - mid))
    )
    return tuple(round(a + (b - a) * u) for a, b in zip(lo, hi, strict=True))  # type: ignore[return-value]


def masked_buffer(buffer_len: int, pin_length: int | None) -> str:
    """ "* * _ _": one "*" per entered character, "_" per missing one (one cursor if length unknown)."""
    missing = 1 if pin_length is None else max(0, pin_length - buffer_len)
    return " ".join(config.MASK_CHAR * buffer_len + config.MASK_SLOT_CHAR * missing)


def banner(hud: Hud) -> tuple[str, tuple[int, int, int]]:
    """The lock banner text and its colour for the HUD's state."""
    if hud.state == "locked_out":
        seconds = max(0, math.ceil(hud.lockout_remaining))
        return f"LOCKED OUT {seconds} s", config.COLOR_DENIED
    return {
        "locked": ("LOCKED", config.COLOR_LOCKED),
        "granted": ("ACCESS GRANTED", config.COLOR_GRANTED),
        "denied": ("ACCESS DENIED", config.COLOR_DENIED),
        "disabled": ("DISABLED - set PIN again", config.COLOR_DENIED),
        "no_pin": ("NO PIN SET - run --set-pin", config.COLOR_LOCKED),
    }[hud.state]


def draw(frame: np.ndarray, detections: Sequence[Detection], hud: Hud) -> np.ndarray:
    """Frame (BGR uint8 HxWx3) -> new annotated image of the same shape; the input is untouched."""
    out = frame.copy()
    st = _style(out.shape)
    for det in detections:
        _draw_detection(out, det, st)
    if hud.candidate_box is not None:
        _draw_candidate(out, hud.candidate_box, hud.candidate_progress, st)
    _draw_top(out, hud, st)
    _draw_bottom(out, hud, st)
    if hud.show_help:
        _draw_help(out, st)
    return out


def _draw_detection(out: np.ndarray, det: Detection, st: _Style) -> None:
    """Box coloured by confidence (grey for a rejected "?") with "char conf" on a dark tag."""
    rejected = det.char == config.REJECT_CHAR
    color = config.COLOR_REJECT if rejected else confidence_color(det.confidence)
    b = det.box
    cv2.rectangle(out, (b.x, b.y), (b.x2 - 1, b.y2 - 1), color, st.thickness)
    label = f"{det.char} {det.confidence:.2f}"
    text_color = config.COLOR_REJECT_TEXT if rejected else color
    tw = _width(label, st.scale, st.thickness)
    y0 = b.y - st.line_h if b.y >= st.line_h else b.y2  # above the box unless at the top edge
    _text_on_bar(out, label, (b.x, y0), tw + 2 * st.pad, text_color, st)


def _draw_candidate(out: np.ndarray, box: Box, progress: float | None, st: _Style) -> None:
    """Highlight the character being accepted and show a progress bar just below its box."""
    grow = st.thickness * config.CANDIDATE_GROW  # outside the detection's own box so both stay visible
    cv2.rectangle(
        out,
        (box.x - grow, box.y - grow),
        (box.x2 - 1 + grow, box.y2 - 1 + grow),
        config.COLOR_CANDIDATE,
        st.thickness * config.CANDIDATE_THICKNESS,
    )
    if progress is None:
        return
    h, w = out.shape[:2]
    bar_h = max(config.PROGRESS_BAR_MIN_PX, st.line_h // config.PROGRESS_BAR_LINE_DIV)
    bar_w = max(box.w + 2 * grow, st.line_h * config.PROGRESS_BAR_MIN_LINES)
    x0 = min(max(0, box.x - grow), max(0, w - bar_w))
    y0 = min(box.y2 + grow + st.pad, h - bar_h)
    filled = round(bar_w * min(1.0, max(0.0, progress)))
    _darken(out, x0, y0, x0 + bar_w, y0 + bar_h)
    if filled:
        cv2.rectangle(out, (x0, y0), (x0 + filled - 1, y0 + bar_h - 1), config.COLOR_CANDIDATE, -1)
    cv2.rectangle(out, (x0, y0), (x0 + bar_w - 1, y0 + bar_h - 1), config.COLOR_TEXT, 1)


def _draw_top(out: np.ndarray, hud: Hud, st: _Style) -> None:
    """Top bar: banner left, FPS/polarity/mode right; below it the masked PIN and any message."""
    w = out.shape[1]
    _darken(out, 0, 0, w, 2 * st.line_h)
    text, color = (hud.teach_prompt, config.COLOR_CANDIDATE) if hud.teach_prompt else banner(hud)
    banner_end = _put(out, text, (st.pad, 0), color, st)
    polarity = f"{hud.polarity_used} (auto)" if hud.polarity == "auto" else hud.polarity
    stats = f"{hud.fps:4.1f} fps  {polarity}  {hud.mode}"
    _put(out, stats, (banner_end + 2 * st.pad, 0), config.COLOR_TEXT, st, right=w - st.pad, align_right=True)
    message_x = st.pad  # while teaching the message takes the PIN line's place
    if not hud.teach_prompt:
        line2 = f"PIN  {masked_buffer(hud.buffer_len, hud.pin_length)}"
        message_x = _put(out, line2, (st.pad, st.line_h), config.COLOR_TEXT, st) + 3 * st.pad
    if hud.message:
        _put(out, hud.message, (message_x, st.line_h), config.COLOR_LOCKED, st, right=w - st.pad)


def _draw_bottom(out: np.ndarray, hud: Hud, st: _Style) -> None:
    """Hotkey hint on the last line; the demo note, if any, on the line above it."""
    h, w = out.shape[:2]
    hint_w = _width(HINT, config.OVERLAY_MIN_FONT_SCALE, 1)
    hint = HINT if hint_w <= w - 2 * st.pad else HINT_SHORT
    rows = [(hint, config.COLOR_TEXT)]
    if hud.demo_note:
        rows.insert(0, (hud.demo_note, config.COLOR_LOCKED))
    top = h - len(rows) * st.line_h
    _darken(out, 0, top, w, h)
    for i, (text, color) in enumerate(rows):
        _put(out, text, (st.pad, top + i * st.line_h), color, st, right=w - st.pad)


def _draw_help(out: np.ndarray, st: _Style) -> None:
    """A centred dark panel of keys and what they do, in two columns (the font is proportional)."""
    h, w = out.shape[:2]
    key_w = max(_width(k, st.scale, st.thickness) for k, _ in HELP_KEYS) + 3 * st.pad
    text_w = max(_width(t, st.scale, st.thickness) for _, t in HELP_KEYS)
    pw, ph = key_w + text_w + 4 * st.pad, len(HELP_KEYS) * st.line_h + 2 * st.pad
    x0, y0 = max(0, (w - pw) // 2), max(0, (h - ph) // 2)
    _darken(out, x0, y0, x0 + pw, y0 + ph, alpha=config.OVERLAY_PANEL_ALPHA)
    for i, (key, text) in enumerate(HELP_KEYS):
        y = y0 + st.pad + i * st.line_h
        _put(out, key, (x0 + 2 * st.pad, y), config.COLOR_LOCKED, st)
        _put(out, text, (x0 + 2 * st.pad + key_w, y), config.COLOR_TEXT, st, right=x0 + pw - st.pad)


def _darken(out: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = config.OVERLAY_BAR_ALPHA) -> None:
    """Darken a clipped rectangle in place: a semi-transparent black bar behind text."""
    h, w = out.shape[:2]
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = out[y0:y1, x0:x1]
        cv2.convertScaleAbs(roi, dst=roi, alpha=1.0 - alpha)


def _text_on_bar(
    out: np.ndarray, text: str, org: tuple[int, int], width: int, color: tuple[int, int, int], st: _Style
) -> None:
    """One line of text on its own dark bar; ``org`` is the bar's top-left corner."""
    x, y = org
    _darken(out, x, y, x + width, y + st.line_h)
    _put(out, text, (x + st.pad, y), color, st)


@functools.lru_cache(maxsize=config.OVERLAY_WIDTH_CACHE)
def _width(text: str, scale: float, thickness: int) -> int:
    return cv2.getTextSize(text, FONT, scale, thickness)[0][0]


def _put(
    out: np.ndarray,
    text: str,
    top_left: tuple[int, int],
    color: tuple[int, int, int],
    st: _Style,
    right: int | None = None,
    align_right: bool = False,
) -> int:
    """putText placed by the top-left of its line box (not OpenCV's baseline); returns its end x.

    With ``right`` the text is shrunk (down to OVERLAY_MIN_FIT_SCALE) to fit between
    ``top_left`` and ``right`` - long lines on narrow frames stay whole - and ``align_right``
    puts it against ``right``.
    """
    x, y = top_left
    scale, thickness = st.scale, st.thickness
    tw = _width(text, scale, thickness)
    if right is not None:
        room = right - x
        # Glyph sizes are quantised, so shrink in steps until the rendered width really fits.
        while tw > room and scale > config.OVERLAY_MIN_FIT_SCALE:
            scale = max(config.OVERLAY_MIN_FIT_SCALE, min(scale * room / tw, scale - config.OVERLAY_FIT_STEP))
            thickness = _thickness(scale)
            tw = _width(text, scale, thickness)
        if align_right:
            x = max(x, right - tw)
    baseline = y + st.pad + st.ascent
    cv2.putText(out, text, (x, baseline), FONT, scale, color, thickness, cv2.LINE_AA)
    return x + tw


def debug_view(mask: np.ndarray, patches: np.ndarray, labels: Sequence[str], height: int) -> np.ndarray:
    """Mask beside the classifier's inputs: what segmentation saw and what the model was fed.

    ``mask`` HxW uint8 0/255 (white ink), ``patches`` (N, 28, 28) uint8, one label per patch.
    Returns BGR uint8 of the given height: the mask scaled to ``height`` (nearest neighbour, so
    single-pixel gaps stay visible), a gap, then a column-major grid of upscaled patches with
    their label under each. Tiles shrink when ``height`` is too small for DEBUG_TILE_PX.
    """
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"mask must be a non-empty HxW array, got shape {mask.shape}")
    if len(labels) != len(patches):
        raise ValueError(f"{len(patches)} patches but {len(labels)} labels")
    height = max(config.DEBUG_MIN_HEIGHT_PX, int(height))
    mh, mw = mask.shape
    mask_w = max(1, round(mw * height / mh))
    left = cv2.resize(_to_u8_mask(mask), (mask_w, height), interpolation=cv2.INTER_NEAREST)
    gap = np.full((height, config.DEBUG_SEPARATOR_PX, 3), config.DEBUG_SEPARATOR_GREY, np.uint8)
    return np.hstack([cv2.cvtColor(left, cv2.COLOR_GRAY2BGR), gap, _patch_grid(patches, labels, height)])


def _to_u8_mask(mask: np.ndarray) -> np.ndarray:
    """Mask -> uint8 0/255 for display: any non-zero pixel is ink. Not an image conversion
    (``vision.imaging.to_uint8``): a mask has no grey levels. A uint8 mask is taken as 0/255."""
    return np.where(mask > 0, 255, 0).astype(np.uint8) if mask.dtype != np.uint8 else mask


def _patch_grid(patches: np.ndarray, labels: Sequence[str], height: int) -> np.ndarray:
    """Grid of upscaled patches, label strip under each, filling columns top to bottom."""
    tile = min(config.DEBUG_TILE_PX, max(config.PATCH_SIZE // 2, int(height * config.DEBUG_TILE_SHARE)))
    st = _metrics(max(config.DEBUG_MIN_LABEL_SCALE, tile / config.DEBUG_LABEL_TILE_PX), 1)
    cell_h = tile + st.line_h
    rows = max(1, height // cell_h)
    cols = max(1, math.ceil(len(patches) / rows))
    grid = np.full((height, cols * tile, 3), config.DEBUG_GRID_GREY, np.uint8)
    for i, (patch, label) in enumerate(zip(patches, labels, strict=True)):
        x, y = (i // rows) * tile, (i % rows) * cell_h
        big = cv2.resize(np.asarray(patch, np.uint8), (tile, tile), interpolation=cv2.INTER_NEAREST)
        grid[y : y + tile, x : x + tile] = big[..., None]
        cv2.rectangle(grid, (x, y), (x + tile - 1, y + tile - 1), config.DEBUG_TILE_BORDER, 1)
        color = config.COLOR_REJECT_TEXT if label == config.REJECT_CHAR else config.COLOR_GRANTED
        _put(grid, label, (x + st.pad, y + tile), color, st)
    if not len(patches):
        _put(grid, "none", (2, 2), config.COLOR_TEXT, st)
    return grid
