"""Synthetic scenes that know their ground truth: handwriting pasted into a paper or board photo.

``render_scene`` pastes white-on-black glyphs (MNIST digits, or ``vision.synth.glyphs`` drawings)
into a paper or blackboard scene and returns the frame with the tight box of every character's
ink, so segmentation can be tested and benchmarked without a camera (the idea of OpenCV's
samples/python/tst_scene_render.py). A ``SceneStyle`` changes its layout, page and ink for the
named conditions of ``vision.synth.conditions``; the demo video pastes its cards from it.

Conventions: frames are BGR uint8 HxWx3; glyphs are uint8 white ink on black, any size; sizes are
(width, height) as in OpenCV; boxes are ``vision.types.Box`` in final frame pixels. Polarity
"dark" is dark ink on light paper, "light" is light chalk on a dark board.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vision.synth import tuning
from vision.synth.clutter import draw_finger, draw_page_distractors
from vision.synth.paint import clip_to_uint8, finish, smooth_noise
from vision.types import Box

POLARITIES = ("dark", "light")
_SHEET_PAD = 0.15  # share of the page's long side a sheet reaches past it: perspective pulls the page inward
_PRINT_THRESHOLD = 0.25  # printed-line opacity that counts as structure in Scene.structure
_CARD_SHADOW = (0.012, 0.018, 0.015, 0.45)  # a card's drop shadow: dx, dy, blur sigma (share of frame height), opacity


@dataclass(frozen=True)
class SceneChar:
    """One character of a scene: its label, the tight box of its ink (frame pixels), its row."""

    char: str
    box: Box
    row: int


@dataclass(frozen=True)
class Scene:
    """A rendered frame (BGR uint8 HxWx3) with its ground truth, chars in reading order.

    structure: uint8 HxW, 255 where a style printed lines (rules, grids, boxes) on the page; None
    when nothing was printed.
    """

    frame: np.ndarray
    chars: tuple[SceneChar, ...]
    lines: tuple[str, ...]
    polarity: str
    structure: np.ndarray | None = None


@dataclass(frozen=True)
class Slot:
    """A char placed in the text block, in char heights, before the block is scaled and rotated.

    Coordinates run from the block's centre: x along the rows, y down across them.
    """

    label: str
    row: int
    x: float
    y: float
    angle: float  # radians, counter-clockwise as seen: the row's tangent where it sits
    height: float  # jittered height, char heights
    width: float


@dataclass(frozen=True)
class Card:
    """A card or sheet smaller than the view, lying on (or held in front of) a backdrop.

    The text is laid out on the card; ``pose`` (3x3, card pixels -> frame pixels, before the
    scene's perspective) places it. ``backdrop`` is the float32 HxWx3 BGR frame seen around it.
    """

    size: tuple[int, int]
    pose: np.ndarray
    backdrop: np.ndarray


@dataclass(frozen=True)
class Sheet:
    """The page as a style's hooks see it: a canvas in which the rows of text run along +x.

    Printed structure is drawn axis-aligned in canvas pixels (about frame pixels) and warped into
    the frame by ``to_frame``, so it follows the text's tilt and the perspective. ``corners`` are
    the card's corners in frame pixels (top-left first, clockwise), None when the page fills the view.
    """

    size: tuple[int, int]
    scale: float  # canvas pixels per char height
    origin: tuple[float, float]  # canvas pixels of the text block's centre
    slots: tuple[Slot, ...]
    boxes: tuple[Box, ...]  # the chars' ink boxes, frame pixels
    to_frame: np.ndarray
    corners: np.ndarray | None = None

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Canvas pixels of a point given in char heights from the text block's centre."""
        return self.origin[0] + x * self.scale, self.origin[1] + y * self.scale


Print = tuple[np.ndarray, tuple[float, float, float]]  # float32 sheet-sized opacity 0..1, BGR colour


@dataclass(frozen=True)
class SceneStyle:
    """Optional changes to render_scene's layout, page and ink, for scenes of named conditions.

    Every default keeps render_scene's own choice, and the style draws nothing from the scene's
    rng: hooks that need randomness carry their own stream. Each hook is called once per scene.
    lefts: glyph widths (char heights, after ``heights``) -> each glyph's left edge in char
    heights from its row's start; rows then share one left margin. paper: the printed structure,
    under the ink. overlay: paints over the ink (fingers) into the float32 frame, in place.
    """

    row_lengths: tuple[int, ...] | None = None  # chars per row; None: as even as ``rows`` allows
    row_pitch: float = tuning.SCENE_ROW_PITCH  # char heights from one row to the next
    lefts: Callable[[np.ndarray], np.ndarray] | None = None
    heights: tuple[float, ...] | None = None  # each glyph's height / char height: a minus is short
    on_baseline: bool = False  # glyph bottoms on one line per row, as on ruled paper, not centres
    ink: tuple[float, float, float] | None = None  # BGR pen colour; None: pencil grey to black ink
    card: Card | None = None
    paper: Callable[[Sheet], Sequence[Print]] | None = None
    overlay: Callable[[np.ndarray, Sheet], None] | None = None


_PLAIN = SceneStyle()


# --- render_scene ------------------------------------------------------------------------


def render_scene(
    glyphs: Sequence[np.ndarray],
    labels: Sequence[str],
    rng: np.random.Generator,
    size: tuple[int, int] = (640, 480),
    rows: int | None = None,
    polarity: str = "dark",
    tilt_deg: float = 0.0,
    perspective: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    gradient: float = 0.0,
    distractors: bool = False,
    char_height: int | None = None,
    curve: float = 0.0,
    style: SceneStyle | None = None,
) -> Scene:
    """Render glyphs as handwriting in a scene and return the frame with its ground truth.

    glyphs: uint8 white-on-black images (2-D, any size), one per label. size: (width, height).
    rows: None fits as few rows as keep ``char_height``. tilt_deg turns the text block
    counter-clockwise; perspective, gradient and curve run 0..1; blur is a Gaussian sigma in px and
    noise a std in grey levels. Boxes are exact: each char's ink goes through every geometric
    transform on its own and its box is taken afterwards. Distractors draw from their own stream,
    so a scene with and without them differs only in the distractors' pixels; they assume the
    page fills the view. ``style`` changes the layout, the paper and the ink (see SceneStyle);
    None renders exactly what render_scene rendered before styles existed.
    """
    _check_scene_args(glyphs, labels, size, rows, polarity, tilt_deg, style)
    style = style or _PLAIN
    frame = _background(size, polarity, rng)
    homography = random_perspective(size, perspective, rng)
    page = size
    if style.card is not None:
        homography, page = homography @ style.card.pose, style.card.size
    placed, scale, centre = _place_glyphs(glyphs, labels, rng, page, rows, tilt_deg, char_height, curve, style)
    colour, strength, grain = _ink_style(polarity, rng)
    colour = colour if style.ink is None else np.float32(style.ink)
    distractor_rng = np.random.default_rng(rng.integers(2**63))
    inks = [(s, _warp_ink(g, homography @ t, size)) for s, g, t in placed]
    boxes = [_ink_box(origin, alpha) for _, (origin, alpha) in inks]
    sheet = _sheet(page, scale, centre, tilt_deg, homography, placed, boxes, style.card is not None)
    structure = _lay_page(frame, style, sheet)
    if distractors:
        tilt = math.radians(tilt_deg)
        draw_page_distractors(frame, boxes, placed, tilt, homography, polarity, distractor_rng)
    for _, (origin, alpha) in inks:
        _paint_ink(frame, origin, alpha * strength, colour, grain, rng)
    if distractors:
        draw_finger(frame, boxes, distractor_rng)
    if style.overlay is not None:
        style.overlay(frame, sheet)
    finish(frame, gradient, blur, noise, rng)
    chars = tuple(SceneChar(s.label, b, s.row) for (s, _), b in zip(inks, boxes))
    n_rows = max((s.row for s, _, _ in placed), default=-1) + 1
    lines = tuple("".join(c.char for c in chars if c.row == r) for r in range(n_rows))
    return Scene(clip_to_uint8(frame), chars, lines, polarity, structure)


def _check_scene_args(glyphs, labels, size, rows, polarity, tilt_deg, style=None) -> None:
    if len(glyphs) != len(labels):
        raise ValueError(f"{len(glyphs)} glyphs but {len(labels)} labels")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    if size[0] < 16 or size[1] < 16:
        raise ValueError(f"frame size {size} is too small")
    if rows is not None and (rows < 1 or (labels and rows > len(labels))):
        raise ValueError(f"rows={rows} does not fit {len(labels)} chars")
    if abs(tilt_deg) > tuning.SCENE_MAX_TILT_DEG:
        raise ValueError(f"tilt {tilt_deg} beyond +-{tuning.SCENE_MAX_TILT_DEG} degrees")
    if style is not None:
        _check_style(style, len(labels), size, rows)


def _check_style(style: SceneStyle, n: int, size: tuple[int, int], rows: int | None) -> None:
    lengths = style.row_lengths
    if lengths is not None and (min(lengths, default=1) < 1 or sum(lengths) != n or rows not in (None, len(lengths))):
        raise ValueError(f"row_lengths {lengths} do not fit {n} chars in rows={rows}")
    if style.lefts is not None and lengths is None:
        raise ValueError("lefts are measured from each row's start: give row_lengths too")
    if style.heights is not None and len(style.heights) != n:
        raise ValueError(f"{len(style.heights)} heights for {n} chars")
    if style.card is not None and style.card.backdrop.shape != (size[1], size[0], 3):
        raise ValueError(f"backdrop {style.card.backdrop.shape} does not match the frame size {size}")


def _crop_ink(glyph: np.ndarray) -> np.ndarray:
    """uint8 white-on-black glyph -> float32 crop tight to its ink, strokes scaled to peak 1."""
    gray = glyph if glyph.ndim == 2 else cv2.cvtColor(glyph, cv2.COLOR_BGR2GRAY)
    peak = float(gray.max())
    if peak <= 0:
        raise ValueError("glyph has no ink")
    x, y, w, h = cv2.boundingRect((gray > 0.1 * peak).astype(np.uint8))  # drop a faint halo
    return gray[y : y + h, x : x + w].astype(np.float32) / peak


def even_split(n: int, rows: int) -> list[int]:
    """Chars per row, as even as possible, earlier rows taking the extra ones."""
    return [n // rows + (1 if r < n % rows else 0) for r in range(rows)]


def _unit_slots(
    labels: Sequence[str],
    widths: np.ndarray,
    heights: np.ndarray,
    gaps: np.ndarray,
    counts: list[int],
    sag: float,
    style: SceneStyle = _PLAIN,
    shifts: Sequence[float] | None = None,
) -> tuple[list[Slot], float, float]:
    """Slots of a block of rows centred on 0, in char heights, and the block's width and height.

    shifts: each row's centre, char heights (None: all on 0), so rows can share a left margin.
    """
    slots, row_widths, i = [], [], 0
    for r, k in enumerate(counts):
        total = float(widths[i : i + k].sum() + gaps[i : i + k - 1].sum())
        half = max(total / 2, 1e-6)
        shift = 0.0 if shifts is None else float(shifts[r])
        x, y_row = -total / 2 + shift, (r - (len(counts) - 1) / 2) * style.row_pitch
        for j in range(i, i + k):
            u = (x - shift + widths[j] / 2) / half  # -1 at the row's left end, +1 at its right end
            y = y_row + sag * (u * u - 0.5)
            if style.on_baseline:
                y += 0.5 - heights[j] / 2  # every bottom on y_row + 0.5
            angle = -math.atan(2 * sag * u / half)  # the tangent of that parabola, seen CCW
            slots.append(Slot(labels[j], r, x + widths[j] / 2, y, angle, heights[j], widths[j]))
            x += widths[j] + (gaps[j] if j < i + k - 1 else 0.0)
        row_widths.append(total + 2 * abs(shift))
        i += k
    block_h = (len(counts) - 1) * style.row_pitch + float(heights.max()) + abs(sag)
    return slots, max(row_widths), block_h


def _gaps_from_lefts(lefts: np.ndarray, widths: np.ndarray, counts: Sequence[int]) -> tuple[np.ndarray, list[float]]:
    """(gap after each glyph, each row's centre) that put glyphs at ``lefts`` from one margin."""
    rights = lefts + widths
    starts = np.cumsum([0, *counts[:-1]])
    middle = (float(lefts[starts].min()) + float(rights.max())) / 2
    gaps, shifts = np.zeros(len(widths)), []
    for i, k in zip(starts, counts):
        gaps[i : i + k - 1] = lefts[i + 1 : i + k] - rights[i : i + k - 1]
        shifts.append((float(lefts[i]) + float(rights[i + k - 1])) / 2 - middle)
    return gaps, shifts


def _fit_scale(block_w: float, block_h: float, tilt: float, size: tuple[int, int]) -> float:
    """Largest char height (px) at which the tilted block fits inside the frame's margins."""
    avail_w, avail_h = (s * (1 - 2 * tuning.SCENE_MARGIN_FRACTION) for s in size)
    c, s = abs(math.cos(tilt)), abs(math.sin(tilt))
    return min(avail_w / (block_w * c + block_h * s), avail_h / (block_w * s + block_h * c))


def _place_glyphs(glyphs, labels, rng, size, rows, tilt_deg, char_height, curve, style=_PLAIN):
    """([(slot, glyph scaled to frame size, 3x3 glyph->page transform)] in reading order,
    page pixels per char height, the block's centre in page pixels)."""
    wanted = char_height or tuning.SCENE_CHAR_HEIGHT_FRACTION * size[1]
    if not glyphs:
        return [], float(wanted), np.array(size, np.float64) / 2
    crops = [_crop_ink(g) for g in glyphs]
    n, tilt = len(crops), math.radians(tilt_deg)
    heights = 1 + rng.uniform(-tuning.SCENE_SIZE_JITTER, tuning.SCENE_SIZE_JITTER, n)
    if style.heights is not None:
        heights = heights * np.asarray(style.heights, np.float64)
    widths = np.array([c.shape[1] / c.shape[0] for c in crops]) * heights
    gaps = rng.uniform(*tuning.SCENE_GAP_RANGE, n)
    sag = curve * tuning.SCENE_CURVE_MAX_SAG * rng.choice((-1.0, 1.0))
    shifts = None
    if style.lefts is not None:
        gaps, shifts = _gaps_from_lefts(np.asarray(style.lefts(widths), np.float64), widths, style.row_lengths)
    if style.row_lengths is not None:
        splits = [list(style.row_lengths)]
    else:
        splits = [even_split(n, r) for r in ([rows] if rows else range(1, n + 1))]
    best = None
    for counts in splits:
        slots, bw, bh = _unit_slots(labels, widths, heights, gaps, counts, sag, style, shifts)
        scale = min(wanted, _fit_scale(bw, bh, tilt, size))
        if best is None or scale > best[0] + 1e-9:
            best = (scale, slots, bw, bh)
        if scale >= wanted:
            break
    scale, slots, bw, bh = best
    centre = _block_centre(bw * scale, bh * scale, tilt, size, rng)
    return [_place(s, c, scale, tilt, centre) for s, c in zip(slots, crops)], scale, centre


def _block_centre(bw: float, bh: float, tilt: float, size, rng) -> np.ndarray:
    """Random centre (px) for a bw x bh block tilted by ``tilt`` that keeps it inside the margins."""
    c, s = abs(math.cos(tilt)), abs(math.sin(tilt))
    ext = np.array([bw * c + bh * s, bw * s + bh * c])
    free = np.maximum(np.array(size) * (1 - 2 * tuning.SCENE_MARGIN_FRACTION) - ext, 0)
    return np.array(size) / 2 + rng.uniform(-0.5, 0.5, 2) * free


def rotation(angle: float) -> np.ndarray:
    """2x2 rotation, counter-clockwise as seen on screen (image y points down)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, s], [-s, c]])


def _place(slot: Slot, crop: np.ndarray, scale: float, tilt: float, centre: np.ndarray):
    """(slot, crop resized to its pixel size, 3x3 transform glyph pixels -> page pixels)."""
    w, h = max(1, round(slot.width * scale)), max(1, round(slot.height * scale))
    shrink = w < crop.shape[1] or h < crop.shape[0]
    glyph = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    rot_block = rotation(tilt)
    pos = centre + rot_block @ (np.array([slot.x, slot.y]) * scale)
    transform = np.eye(3)
    transform[:2, :2] = rotation(tilt + slot.angle)
    transform[:2, 2] = pos - transform[:2, :2] @ np.array([(w - 1) / 2, (h - 1) / 2])
    return slot, glyph, transform


def random_perspective(size: tuple[int, int], strength: float, rng) -> np.ndarray:
    """3x3 homography page -> frame pulling each corner inward, so the page stays in view."""
    if strength <= 0:
        return np.eye(3)
    w, h = size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inward = np.float32([[1, 1], [-1, 1], [-1, -1], [1, -1]])
    shift = rng.uniform(0, 1, (4, 2)) * strength * tuning.SCENE_PERSPECTIVE_MAX_SHIFT * np.float32(size)
    return cv2.getPerspectiveTransform(src, (src + inward * shift).astype(np.float32))


def _warp_ink(glyph: np.ndarray, transform: np.ndarray, size) -> tuple[tuple[int, int], np.ndarray]:
    """Warp one float32 glyph into the frame: (x0, y0) of its ROI and the float32 ink alpha there."""
    gh, gw = glyph.shape
    corners = np.float32([[-1, -1], [gw, -1], [gw, gh], [-1, gh]]).reshape(-1, 1, 2)
    pts = cv2.perspectiveTransform(corners, transform).reshape(-1, 2)
    x0, y0 = (max(math.floor(v), 0) for v in pts.min(axis=0))
    x1 = min(math.ceil(pts[:, 0].max()) + 1, size[0])
    y1 = min(math.ceil(pts[:, 1].max()) + 1, size[1])
    if x1 <= x0 or y1 <= y0:
        return (0, 0), np.zeros((0, 0), np.float32)
    local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ transform
    alpha = cv2.warpPerspective(glyph, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    return (x0, y0), alpha


def _ink_box(origin: tuple[int, int], alpha: np.ndarray) -> Box:
    """Tight box (frame pixels) of the pixels holding more than SCENE_INK_THRESHOLD of a stroke."""
    if alpha.size == 0:
        return Box(origin[0], origin[1], 0, 0)
    x, y, w, h = cv2.boundingRect((alpha > tuning.SCENE_INK_THRESHOLD).astype(np.uint8))
    return Box(origin[0] + x, origin[1] + y, w, h)


# --- Surfaces and ink ---------------------------------------------------------------------


def _background(size: tuple[int, int], polarity: str, rng) -> np.ndarray:
    """float32 HxWx3 BGR surface: warm off-white paper ("dark") or a green-black board ("light")."""
    w, h = size
    if polarity == "dark":
        level = rng.uniform(200, 235)
        colour = np.array([level - rng.uniform(4, 14), level - rng.uniform(0, 5), level])
        texture = 4 * smooth_noise((h, w), h / 5, rng) + 2 * smooth_noise((h, w), 2.5, rng)
    else:
        level = rng.uniform(30, 55)
        colour = np.array([level * rng.uniform(0.8, 1.0), level * rng.uniform(1.0, 1.3), level * 0.8])
        dust = np.abs(smooth_noise((h, w), h / 4, rng))  # chalk dust only ever lightens a board
        texture = 7 * dust + 2 * smooth_noise((h, w), 2.5, rng)
    return cv2.add(cv2.cvtColor(texture, cv2.COLOR_GRAY2BGR), (*map(float, colour), 0.0))


def _ink_style(polarity: str, rng) -> tuple[np.ndarray, float, float]:
    """(BGR ink colour, peak opacity, grain): pencil grey to near-black ink, or off-white chalk."""
    if polarity == "dark":
        level, strength, grain = rng.uniform(15, 110), rng.uniform(0.85, 1.0), 0.15
    else:
        level, strength, grain = rng.uniform(215, 245), rng.uniform(0.75, 0.95), 0.35
    return (level + rng.uniform(-8, 8, 3)).astype(np.float32), strength, grain


def _paint_ink(frame: np.ndarray, origin, alpha: np.ndarray, colour, grain: float, rng) -> None:
    """Blend ink of opacity ``alpha`` (float32 ROI) into float32 ``frame`` in place, with grain."""
    if alpha.size == 0:
        return
    x0, y0 = origin
    h, w = alpha.shape
    a = alpha * (1 - grain * rng.random((h, w), dtype=np.float32))  # pencil and chalk skip
    roi = frame[y0 : y0 + h, x0 : x0 + w]
    roi *= 1 - a[:, :, None]
    roi += a[:, :, None] * colour


# --- Styled pages: cards on a backdrop, printed structure --------------------------------


def _sheet(page, scale, centre, tilt_deg, homography, placed, boxes, card: bool) -> Sheet:
    """The text-aligned canvas covering the page: a card exactly, a full-view page with a margin."""
    w, h = page
    pad = 0.0 if card else _SHEET_PAD * max(page)
    corners = np.array([[-pad, -pad], [w + pad, -pad], [w + pad, h + pad], [-pad, h + pad]])
    rot = rotation(math.radians(tilt_deg))  # text block -> page, as in _place
    local = (corners - centre) @ rot  # each corner turned back into the text's frame
    lo, hi = np.floor(local.min(axis=0)), np.ceil(local.max(axis=0))
    to_page = np.eye(3)
    to_page[:2, :2], to_page[:2, 2] = rot, centre + rot @ lo
    card_corners = None
    if card:
        page_corners = np.float32([[[0, 0], [w, 0], [w, h], [0, h]]])
        card_corners = cv2.perspectiveTransform(page_corners, homography)[0]
    size = (int(hi[0] - lo[0]), int(hi[1] - lo[1]))
    slots = tuple(s for s, _, _ in placed)
    return Sheet(size, float(scale), (-lo[0], -lo[1]), slots, tuple(boxes), homography @ to_page, card_corners)


def _lay_page(frame: np.ndarray, style: SceneStyle, sheet: Sheet) -> np.ndarray | None:
    """Lay the card on its backdrop and print the paper's structure into float32 ``frame``.

    Returns the structure mask (uint8 0/255), None when the style prints nothing.
    """
    card_mask = None
    if style.card is not None:
        card_mask = _lay_card(frame, style.card.backdrop, sheet.corners)
    if style.paper is None:
        return None
    return _print(frame, style.paper(sheet), sheet, card_mask)


def _lay_card(frame: np.ndarray, backdrop: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Keep ``frame``'s paper inside the card's corners, the backdrop (with the card's soft drop
    shadow) outside, in place; returns the float32 HxW card coverage."""
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.int32(np.round(corners * 16))], 255, cv2.LINE_AA, shift=4)
    card = mask.astype(np.float32) / 255
    dx, dy, sigma, opacity = _CARD_SHADOW
    shifted = cv2.warpAffine(card, np.float32([[1, 0, dx * h], [0, 1, dy * h]]), (w, h))
    shadow = cv2.GaussianBlur(shifted, (0, 0), sigma * h)
    under = backdrop.astype(np.float32) * (1 - opacity * shadow)[:, :, None]
    frame[:] = under + card[:, :, None] * (frame - under)
    return card


def _print(frame: np.ndarray, prints: Sequence[Print], sheet: Sheet, card: np.ndarray | None) -> np.ndarray:
    """Blend each printed layer, warped from the sheet into the frame, into float32 ``frame``."""
    size = (frame.shape[1], frame.shape[0])
    covered = np.zeros(frame.shape[:2], np.float32)
    for alpha, colour in prints:
        a = cv2.warpPerspective(np.asarray(alpha, np.float32), sheet.to_frame, size, flags=cv2.INTER_LINEAR)
        if card is not None:
            a *= card  # printed on the card, not on the desk around it
        frame += a[:, :, None] * (np.float32(colour) - frame)
        np.maximum(covered, a, out=covered)
    return np.where(covered > _PRINT_THRESHOLD, 255, 0).astype(np.uint8)
