"""Synthetic scenes that know their ground truth, and the built-in demo video.

``render_scene`` pastes white-on-black glyphs (MNIST digits, or ``hershey_glyph`` drawings) into a
paper or blackboard scene and returns the frame with the tight box of every character's ink, so
segmentation can be tested and benchmarked without a camera (the idea of OpenCV's
samples/python/tst_scene_render.py). ``demo_frames`` is the "demo" video source: a PIN held up one
card at a time, then written in one row.

Conventions: frames are BGR uint8 HxWx3; glyphs are uint8 white ink on black, any size; sizes are
(width, height) as in OpenCV; boxes are ``vision.types.Box`` in final frame pixels. Polarity
"dark" is dark ink on light paper, "light" is light chalk on a dark board.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config
from vision.types import Box

POLARITIES = ("dark", "light")
_GLYPH_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
_SKIN_BGR = (120.0, 150.0, 205.0)
_HOLD_AT = {False: (0.5,), True: (0.12, 0.88)}  # where hands hold a card: one char, a row
_NOISE_CHANNEL_SHIFT = 7919  # samples between the channels' noise: one RNG call serves all three
OPERATORS = "+-x/()="  # handwritten arithmetic hershey_glyph also draws: never a char of the PIN alphabet
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
    row_pitch: float = config.SCENE_ROW_PITCH  # char heights from one row to the next
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
    homography = _perspective(size, perspective, rng)
    page = size
    if style.card is not None:
        homography, page = homography @ style.card.pose, style.card.size
    placed, scale, centre = _layout(glyphs, labels, rng, page, rows, tilt_deg, char_height, curve, style)
    colour, strength, grain = _ink_style(polarity, rng)
    colour = colour if style.ink is None else np.float32(style.ink)
    distractor_rng = np.random.default_rng(rng.integers(2**63))
    inks = [(s, _warp_ink(g, homography @ t, size)) for s, g, t in placed]
    boxes = [_ink_box(origin, alpha) for _, (origin, alpha) in inks]
    sheet = _sheet(page, scale, centre, tilt_deg, homography, placed, boxes, style.card is not None)
    structure = _lay_page(frame, style, sheet)
    if distractors:
        tilt = math.radians(tilt_deg)
        _draw_page_distractors(frame, boxes, placed, tilt, homography, polarity, distractor_rng)
    for _, (origin, alpha) in inks:
        _paint_ink(frame, origin, alpha * strength, colour, grain, rng)
    if distractors:
        _draw_finger(frame, boxes, distractor_rng)
    if style.overlay is not None:
        style.overlay(frame, sheet)
    _finish(frame, gradient, blur, noise, rng)
    chars = tuple(SceneChar(s.label, b, s.row) for (s, _), b in zip(inks, boxes))
    n_rows = max((s.row for s, _, _ in placed), default=-1) + 1
    lines = tuple("".join(c.char for c in chars if c.row == r) for r in range(n_rows))
    return Scene(_to_uint8(frame), chars, lines, polarity, structure)


def _check_scene_args(glyphs, labels, size, rows, polarity, tilt_deg, style=None) -> None:
    if len(glyphs) != len(labels):
        raise ValueError(f"{len(glyphs)} glyphs but {len(labels)} labels")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    if size[0] < 16 or size[1] < 16:
        raise ValueError(f"frame size {size} is too small")
    if rows is not None and (rows < 1 or (labels and rows > len(labels))):
        raise ValueError(f"rows={rows} does not fit {len(labels)} chars")
    if abs(tilt_deg) > config.SCENE_MAX_TILT_DEG:
        raise ValueError(f"tilt {tilt_deg} beyond +-{config.SCENE_MAX_TILT_DEG} degrees")
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


def _split(n: int, rows: int) -> list[int]:
    """Chars per row, as even as possible, earlier rows taking the extra ones."""
    return [n // rows + (1 if r < n % rows else 0) for r in range(rows)]


def _unit_layout(
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
    avail_w, avail_h = (s * (1 - 2 * config.SCENE_MARGIN_FRACTION) for s in size)
    c, s = abs(math.cos(tilt)), abs(math.sin(tilt))
    return min(avail_w / (block_w * c + block_h * s), avail_h / (block_w * s + block_h * c))


def _layout(glyphs, labels, rng, size, rows, tilt_deg, char_height, curve, style=_PLAIN):
    """([(slot, glyph scaled to frame size, 3x3 glyph->page transform)] in reading order,
    page pixels per char height, the block's centre in page pixels)."""
    wanted = char_height or config.SCENE_CHAR_HEIGHT_FRACTION * size[1]
    if not glyphs:
        return [], float(wanted), np.array(size, np.float64) / 2
    crops = [_crop_ink(g) for g in glyphs]
    n, tilt = len(crops), math.radians(tilt_deg)
    heights = 1 + rng.uniform(-config.SCENE_SIZE_JITTER, config.SCENE_SIZE_JITTER, n)
    if style.heights is not None:
        heights = heights * np.asarray(style.heights, np.float64)
    widths = np.array([c.shape[1] / c.shape[0] for c in crops]) * heights
    gaps = rng.uniform(*config.SCENE_GAP_RANGE, n)
    sag = curve * config.SCENE_CURVE_MAX_SAG * rng.choice((-1.0, 1.0))
    shifts = None
    if style.lefts is not None:
        gaps, shifts = _gaps_from_lefts(np.asarray(style.lefts(widths), np.float64), widths, style.row_lengths)
    if style.row_lengths is not None:
        splits = [list(style.row_lengths)]
    else:
        splits = [_split(n, r) for r in ([rows] if rows else range(1, n + 1))]
    best = None
    for counts in splits:
        slots, bw, bh = _unit_layout(labels, widths, heights, gaps, counts, sag, style, shifts)
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
    free = np.maximum(np.array(size) * (1 - 2 * config.SCENE_MARGIN_FRACTION) - ext, 0)
    return np.array(size) / 2 + rng.uniform(-0.5, 0.5, 2) * free


def _rotation(angle: float) -> np.ndarray:
    """2x2 rotation, counter-clockwise as seen on screen (image y points down)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, s], [-s, c]])


def _place(slot: Slot, crop: np.ndarray, scale: float, tilt: float, centre: np.ndarray):
    """(slot, crop resized to its pixel size, 3x3 transform glyph pixels -> page pixels)."""
    w, h = max(1, round(slot.width * scale)), max(1, round(slot.height * scale))
    shrink = w < crop.shape[1] or h < crop.shape[0]
    glyph = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    rot_block = _rotation(tilt)
    pos = centre + rot_block @ (np.array([slot.x, slot.y]) * scale)
    transform = np.eye(3)
    transform[:2, :2] = _rotation(tilt + slot.angle)
    transform[:2, 2] = pos - transform[:2, :2] @ np.array([(w - 1) / 2, (h - 1) / 2])
    return slot, glyph, transform


def _perspective(size: tuple[int, int], strength: float, rng) -> np.ndarray:
    """3x3 homography page -> frame pulling each corner inward, so the page stays in view."""
    if strength <= 0:
        return np.eye(3)
    w, h = size
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inward = np.float32([[1, 1], [-1, 1], [-1, -1], [1, -1]])
    shift = rng.uniform(0, 1, (4, 2)) * strength * config.SCENE_PERSPECTIVE_MAX_SHIFT * np.float32(size)
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
    x, y, w, h = cv2.boundingRect((alpha > config.SCENE_INK_THRESHOLD).astype(np.uint8))
    return Box(origin[0] + x, origin[1] + y, w, h)


# --- Surfaces, ink and camera ------------------------------------------------------------


def _smooth_noise(shape: tuple[int, int], cell: float, rng) -> np.ndarray:
    """float32 HxW noise of std about 1 that varies over ``cell`` pixels (cheap: upsampled)."""
    h, w = shape
    grid = (max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))
    small = rng.standard_normal(grid).astype(np.float32)
    if cell <= 16:
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    # Cubic straight from a tiny grid to full size is slow; via 1/8 size it looks the same.
    small = cv2.resize(small, (max(2, w // 8), max(2, h // 8)), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _background(size: tuple[int, int], polarity: str, rng) -> np.ndarray:
    """float32 HxWx3 BGR surface: warm off-white paper ("dark") or a green-black board ("light")."""
    w, h = size
    if polarity == "dark":
        level = rng.uniform(200, 235)
        colour = np.array([level - rng.uniform(4, 14), level - rng.uniform(0, 5), level])
        texture = 4 * _smooth_noise((h, w), h / 5, rng) + 2 * _smooth_noise((h, w), 2.5, rng)
    else:
        level = rng.uniform(30, 55)
        colour = np.array([level * rng.uniform(0.8, 1.0), level * rng.uniform(1.0, 1.3), level * 0.8])
        dust = np.abs(_smooth_noise((h, w), h / 4, rng))  # chalk dust only ever lightens a board
        texture = 7 * dust + 2 * _smooth_noise((h, w), 2.5, rng)
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


def _illumination(size: tuple[int, int], gradient: float, rng) -> np.ndarray:
    """float32 HxW light field in (0, 1]: a smooth ramp, and a hard shadow band when strong."""
    w, h = size
    gw, gh = 16, 12
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    ramp = np.cos(theta) * xs / (gw - 1) + np.sin(theta) * ys / (gh - 1)
    ramp = ((ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)).astype(np.float32)
    field = cv2.resize(1 - 0.45 * gradient * ramp, (w, h), interpolation=cv2.INTER_LINEAR)
    if gradient > config.SCENE_SHADOW_GRADIENT:
        band = np.zeros((h, w), np.uint8)
        x_top, x_bottom = rng.uniform(0, w, 2)
        thick = rng.uniform(0.15, 0.35) * w
        quad = np.int32([[x_top, 0], [x_top + thick, 0], [x_bottom + thick, h], [x_bottom, h]])
        cv2.fillPoly(band, [quad], 255, cv2.LINE_AA)
        field *= 1 - (config.SCENE_SHADOW_DEPTH * gradient / 255) * band.astype(np.float32)
    return field


def _finish(frame: np.ndarray, gradient: float, blur: float, noise: float, rng) -> None:
    """Light, lens blur and sensor noise, applied in place to float32 ``frame``."""
    size = (frame.shape[1], frame.shape[0])
    if gradient > 0:
        light = cv2.cvtColor(_illumination(size, gradient, rng), cv2.COLOR_GRAY2BGR)
        cv2.multiply(frame, light, dst=frame)
    if blur > 0:
        cv2.GaussianBlur(frame, (0, 0), blur, dst=frame)
    if noise > 0:
        cv2.add(frame, _sensor_noise(frame.shape[:2], noise, rng), dst=frame)


def _sensor_noise(shape: tuple[int, int], std: float, rng) -> np.ndarray:
    """float32 HxWx3 Gaussian noise of ``std``, reproducible from ``rng``.

    Drawn by OpenCV's RNG, seeded from ``rng``: it is 3-4x faster than numpy's, and noise is
    most of a scene's cost. One draw serves the three channels read at different offsets.
    """
    h, w = shape
    k = _NOISE_CHANNEL_SHIFT
    flat = np.empty(h * w + 2 * k, np.float32)
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.randn(flat, 0.0, float(std))
    return cv2.merge([flat[c * k : c * k + h * w].reshape(h, w) for c in range(3)])


def _to_uint8(frame: np.ndarray) -> np.ndarray:
    """float32 image -> uint8, rounded and saturated (clamped at 0 first: the next call takes abs)."""
    return cv2.convertScaleAbs(cv2.max(frame, 0.0))


# --- Styled pages: cards on a backdrop, printed structure --------------------------------


def _sheet(page, scale, centre, tilt_deg, homography, placed, boxes, card: bool) -> Sheet:
    """The text-aligned canvas covering the page: a card exactly, a full-view page with a margin."""
    w, h = page
    pad = 0.0 if card else _SHEET_PAD * max(page)
    corners = np.array([[-pad, -pad], [w + pad, -pad], [w + pad, h + pad], [-pad, h + pad]])
    rot = _rotation(math.radians(tilt_deg))  # text block -> page, as in _place
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


# --- Distractors: things that are not characters -----------------------------------------


def _keep_out(boxes: Sequence[Box], margin: float) -> list[tuple[int, int, int, int]]:
    """Boxes grown by ``margin`` px, as (x, y, w, h) tuples for cv2.clipLine."""
    m = math.ceil(margin)
    return [(b.x - m, b.y - m, b.w + 2 * m, b.h + 2 * m) for b in boxes if b.w and b.h]


def _line_is_clear(p1, p2, keep_out) -> bool:
    """True when the segment p1-p2 crosses none of the keep-out rectangles."""
    a, b = tuple(round(v) for v in p1), tuple(round(v) for v in p2)
    return not any(cv2.clipLine(r, a, b)[0] for r in keep_out)


def _draw_page_distractors(frame, boxes, placed, tilt, homography, polarity, rng) -> None:
    """Ruled lines, a page edge and specks on float32 ``frame``, all clear of the chars' boxes."""
    size = (frame.shape[1], frame.shape[0])
    char_h = float(np.median([g.shape[0] for _, g, _ in placed])) if placed else size[1] / 8
    keep_out = _keep_out(boxes, config.SCENE_DISTRACTOR_CLEARANCE * char_h)
    line_mask = np.zeros(frame.shape[:2], np.uint8)
    thickness = max(1, round(size[1] / 400))
    for p1, p2 in _ruled_lines(size, placed, tilt, homography, char_h):
        if _line_is_clear(p1, p2, keep_out):
            cv2.line(line_mask, _pt(p1), _pt(p2), 255, thickness, cv2.LINE_AA)
    ruled = (170.0, 150.0, 140.0) if polarity == "dark" else (90.0, 100.0, 80.0)
    _blend_mask(frame, line_mask, np.float32(ruled), 0.6)
    _draw_page_edge(frame, boxes, keep_out, polarity, rng)
    _draw_specks(frame, keep_out, polarity, rng)


def _pt(p) -> tuple[int, int]:
    return round(p[0]), round(p[1])


def _ruled_lines(size, placed, tilt: float, homography, char_h: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frame-pixel segments of ruled lines running with the text, half a pitch off its rows."""
    w, h = size
    first_row = [t[:2, :] @ [(g.shape[1] - 1) / 2, (g.shape[0] - 1) / 2, 1] for s, g, t in placed if s.row == 0]
    origin = np.mean(first_row, axis=0) if first_row else np.array([w / 2, h / 2])
    along = np.array([math.cos(tilt), -math.sin(tilt)])
    normal = np.array([math.sin(tilt), math.cos(tilt)])
    pitch, far = config.SCENE_ROW_PITCH * char_h, 2 * (w + h)
    segments = []
    for k in range(-int(math.hypot(w, h) / pitch) - 1, int(math.hypot(w, h) / pitch) + 1):
        mid = origin + normal * (k + 0.5) * pitch
        ok, a, b = cv2.clipLine((0, 0, w, h), _pt(mid - along * far), _pt(mid + along * far))
        if ok:
            ends = cv2.perspectiveTransform(np.float32([[a, b]]), homography)[0]
            segments.append((ends[0], ends[1]))
    return segments


def _blend_mask(frame: np.ndarray, mask: np.ndarray, colour: np.ndarray, opacity: float) -> None:
    """Blend ``colour`` into float32 ``frame`` where uint8 ``mask`` is set (only those pixels)."""
    points = cv2.findNonZero(mask)  # a few thin strokes: far cheaper than a full-frame blend
    if points is None:
        return
    xs, ys = points.reshape(-1, 2).T
    a = (mask[ys, xs].astype(np.float32) * (opacity / 255))[:, None]
    frame[ys, xs] = frame[ys, xs] * (1 - a) + a * colour


def _draw_page_edge(frame, boxes, keep_out, polarity, rng) -> None:
    """Past a slanted edge in the widest free margin, show the desk (paper) or board frame."""
    h, w = frame.shape[:2]
    if not keep_out:
        return
    left, top = min(r[0] for r in keep_out), min(r[1] for r in keep_out)
    right, bottom = max(r[0] + r[2] for r in keep_out), max(r[1] + r[3] for r in keep_out)
    margins = {"left": left, "top": top, "right": w - right, "bottom": h - bottom}
    side = max(margins, key=margins.get)
    free = margins[side]
    if free < 0.05 * min(w, h):
        return
    a, b = rng.uniform(0.15, 0.7, 2) * free  # distance of the edge from the border, each end
    quads = {
        "left": [[0, 0], [a, 0], [b, h], [0, h]],
        "right": [[w, 0], [w - a, 0], [w - b, h], [w, h]],
        "top": [[0, 0], [w, 0], [w, a], [0, b]],
        "bottom": [[0, h], [w, h], [w, h - a], [0, h - b]],
    }
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.int32(quads[side])], 255, cv2.LINE_AA)
    beyond = (60.0, 85.0, 110.0) if polarity == "dark" else (165.0, 170.0, 170.0)  # wood / aluminium
    _blend_mask(frame, mask, np.float32(beyond) * rng.uniform(0.8, 1.1), 1.0)


def _draw_specks(frame, keep_out, polarity, rng) -> None:
    """A few small dots (dust, eraser crumbs) away from the chars."""
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    radius_max = max(1.5, h / 160)
    for _ in range(int(rng.integers(3, 9))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, radius_max)
        if not any(rx - r <= x <= rx + rw + r and ry - r <= y <= ry + rh + r for rx, ry, rw, rh in keep_out):
            cv2.circle(mask, _pt((x, y)), round(r), 255, -1, cv2.LINE_AA)
    speck = (90.0, 90.0, 95.0) if polarity == "dark" else (200.0, 205.0, 205.0)
    _blend_mask(frame, mask, np.float32(speck), 0.8)


def _draw_finger(frame: np.ndarray, boxes: Sequence[Box], rng, tries: int = 12) -> None:
    """A skin-coloured finger poking in from the left, right or bottom border, clear of the chars."""
    h, w = frame.shape[:2]
    keep_out = _keep_out(boxes, 0.02 * h)
    for _ in range(tries):
        side = rng.choice(("left", "right", "bottom"))
        along, across = rng.uniform(0.2, 0.35) * h, rng.uniform(0.05, 0.08) * h
        if side == "bottom":
            centre, angle = (rng.uniform(0.1, 0.9) * w, h + 0.3 * along), 90 + rng.uniform(-25, 25)
        else:
            centre = (
                -0.3 * along if side == "left" else w + 0.3 * along,
                rng.uniform(0.2, 0.9) * h,
            )
            angle = rng.uniform(-25, 25)
        poly = cv2.ellipse2Poly(_pt(centre), (int(along), int(across)), int(angle), 0, 360, 10)
        x, y, bw, bh = cv2.boundingRect(poly)
        if not any(x < rx + rw and rx < x + bw and y < ry + rh and ry < y + bh for rx, ry, rw, rh in keep_out):
            _paint_skin(frame, poly, across)
            return


def _paint_skin(frame: np.ndarray, poly: np.ndarray, across: float) -> None:
    """Fill ``poly`` with skin, lighter along its middle so it reads as a round finger."""
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return
    m = mask[y : y + h, x : x + w].astype(np.float32) / 255
    shade = 0.7 + 0.35 * cv2.GaussianBlur(m, (0, 0), max(across / 2, 1.0))
    roi = frame[y : y + h, x : x + w]
    roi *= 1 - m[:, :, None]
    roi += (m * shade)[:, :, None] * np.float32(_SKIN_BGR)


# --- Hershey glyphs ----------------------------------------------------------------------


def hershey_glyph(char: str, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A handwriting-like uint8 white-on-black glyph of ``char`` ("0"-"9", "K" or an operator).

    Drawn with a random OpenCV Hershey font and stroke width, then slanted, turned a little and
    warped by a smooth random field, so the project has varied glyphs with no third-party data.
    A char's longer side is ``size`` pixels, cropped to its ink. An operator (OPERATORS) is drawn
    as in a ``size``-pixel-tall line of digits and keeps its own size, so a minus is a short dash:
    its height over ``size`` is its height relative to the digits beside it.
    """
    if char not in config.CLASSES and char not in OPERATORS:
        raise ValueError(f"no glyph for {char!r}; classes are {config.CLASSES}, operators {OPERATORS}")
    font = int(rng.choice(_GLYPH_FONTS))
    thickness = max(1, round(size * rng.uniform(*config.GLYPH_THICKNESS_RANGE)))
    # Hershey zeros are slashed, unlike handwritten ones: draw a letter O, narrowed to a digit's
    # width.
    canvas = _draw_hershey("O" if char == "0" else char, font, thickness, size)
    canvas = _roughen(canvas, rng, size, config.GLYPH_ZERO_WIDTH if char == "0" else 1.0)
    x, y, w, h = cv2.boundingRect((canvas > 25).astype(np.uint8))
    crop = canvas[y : y + h, x : x + w]
    if char in OPERATORS:
        return crop.copy()
    scale = size / max(w, h)
    out_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(crop, out_size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _draw_hershey(char: str, font: int, thickness: int, size: int) -> np.ndarray:
    """uint8 (3*size)^2 canvas with ``char`` drawn about ``size`` tall, white on black, centred."""
    side = 3 * size
    (_, unit_h), _ = cv2.getTextSize(char, font, 1.0, 1)
    scale = size / max(unit_h, 1)
    (tw, th), _ = cv2.getTextSize(char, font, scale, thickness)
    canvas = np.zeros((side, side), np.uint8)
    cv2.putText(canvas, char, ((side - tw) // 2, (side + th) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    return _thin_to(canvas, thickness)


def _thin_to(canvas: np.ndarray, thickness: int) -> np.ndarray:
    """Erode strokes down to about ``thickness`` pixels: OpenCV 5 draws its fonts bold whatever
    thickness it is given, and a pen stroke is far thinner than that."""
    ink = canvas > 127
    dist = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)
    width = 4.0 * float(dist[ink].mean()) if ink.any() else 0.0  # a band w wide: mean distance w/4
    k = int(min(width - thickness, 0.5 * width)) // 2 * 2 + 1  # keep the thin parts of a glyph
    if k < 3:
        return canvas
    return cv2.erode(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def _roughen(canvas: np.ndarray, rng, size: int, x_scale: float = 1.0) -> np.ndarray:
    """Narrow, slant, turn and elastically warp a uint8 glyph canvas: a hand, not a printer."""
    side = canvas.shape[0]
    shear = rng.uniform(-config.GLYPH_SHEAR_RANGE, config.GLYPH_SHEAR_RANGE)
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-1, 1) * config.GLYPH_ROTATION_DEG, 1.0)
    c = side / 2
    shear_m = np.array([[x_scale, -shear, c * (1 - x_scale + shear)], [0, 1, 0], [0, 0, 1]])
    affine = turn @ shear_m
    canvas = cv2.warpAffine(canvas, affine, (side, side), flags=cv2.INTER_LINEAR)
    grid = config.GLYPH_ELASTIC_GRID
    dx, dy = (
        cv2.resize(
            rng.standard_normal((grid, grid)).astype(np.float32),
            (side, side),
            interpolation=cv2.INTER_CUBIC,
        )
        * (config.GLYPH_ELASTIC_ALPHA * size)
        for _ in range(2)
    )
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32)
    return cv2.remap(canvas, xs + dx, ys + dy, cv2.INTER_LINEAR)


# --- Demo video --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sprite:
    """A held card drawn once, with the hand holding it and its drop shadow baked in."""

    image: np.ndarray  # uint8 HxWx4, premultiplied: B*a, G*a, R*a, a
    anchor: tuple[float, float]  # card centre in sprite pixels: the hand turns the card about it
    card_size: tuple[int, int]  # (width, height) of the card itself, pixels


@dataclass(frozen=True)
class _Shot:
    """One card on screen: fully in view for loop frames [start, end), moving in and out around."""

    start: int
    end: int
    sprite: _Sprite
    home: tuple[float, float]  # card centre mid-hold, frame pixels
    drift: tuple[float, float]  # pixels per second
    phases: tuple[float, float, float]
    tilt: float  # degrees, counter-clockwise
    exit_dy: float  # downward shift that takes the card fully out of view


@dataclass(frozen=True)
class _Stage:
    """Everything the demo draws, made once; a frame is then a copy, a paste and noise."""

    background: np.ndarray  # uint8 HxWx3
    shots: tuple[_Shot, ...]
    owner: np.ndarray  # int32 per loop frame: index of the shot on screen, -1 for none
    noise: tuple[tuple[np.ndarray, np.ndarray], ...]  # (+, -) uint8 HxWx3 noise fields
    fps: float
    move: int  # frames a card takes to enter or leave


def _n_frames(seconds: float, fps: float) -> int:
    return max(1, round(seconds * fps))


def _check_pin(pin: str, fps: float) -> None:
    if not pin or any(ch not in config.CLASSES for ch in pin):
        raise ValueError(f"demo PIN {pin!r} must be made of {''.join(config.CLASSES)}")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")


def demo_schedule(pin: str = config.DEMO_PIN, fps: float = config.DEMO_FPS) -> list[tuple[int, int, str]]:
    """One loop of the demo as (start_frame, end_frame, text), end exclusive, back to back.

    text is a PIN char while its card is fully in view, the whole PIN while the row is, and ""
    otherwise. A "" segment holds the previous card leaving and the next one entering (DEMO_MOVE_S
    at each end) around frames with nothing in view, which re-arms a repeated char.
    """
    _check_pin(pin, fps)
    move = _n_frames(config.DEMO_MOVE_S, fps)
    gap = max(_n_frames(config.DEMO_GAP_S, fps), 2 * move + 2)
    parts = [p for ch in pin for p in (("", gap), (ch, _n_frames(config.DEMO_CARD_HOLD_S, fps)))]
    parts += [("", gap), (pin, _n_frames(config.DEMO_ROW_HOLD_S, fps))]
    parts.append(("", max(_n_frames(config.DEMO_PAUSE_S, fps), move + 2)))
    schedule, start = [], 0
    for text, n in parts:
        schedule.append((start, start + n, text))
        start += n
    return schedule


def demo_frames(
    pin: str = config.DEMO_PIN,
    size: tuple[int, int] = (640, 480),
    fps: float = config.DEMO_FPS,
    seed: int = 0,
    polarity: str = "dark",
    loop: bool = True,
) -> Iterator[np.ndarray]:
    """The "demo" source: BGR uint8 frames, size (width, height), of a PIN held up to a camera.

    Each PIN char comes on its own card held by a hand, then the whole PIN written in one row, as
    ``demo_schedule`` says; polarity "dark" is ink on paper cards, "light" chalk on slates. All
    drawing happens here, eagerly (bad arguments fail now), so a frame costs about a millisecond.
    The same seed gives the same frames. With loop=False the stream ends after one loop.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    stage = _build_stage(pin, size, fps, polarity, np.random.default_rng(seed))
    return _play(stage, loop)


def _play(stage: _Stage, loop: bool) -> Iterator[np.ndarray]:
    while True:
        for i in range(len(stage.owner)):
            yield _demo_frame(stage, i)
        if not loop:
            return


def _build_stage(pin: str, size: tuple[int, int], fps: float, polarity: str, rng) -> _Stage:
    """Draw the background, one card per PIN char and the row card, and the noise fields."""
    schedule = demo_schedule(pin, fps)
    move = _n_frames(config.DEMO_MOVE_S, fps)
    background = _demo_background(size, polarity, rng)
    shown = [(start, end, text) for start, end, text in schedule if text]
    shots = []
    for k, (start, end, text) in enumerate(shown):
        row = k == len(shown) - 1
        fraction = config.DEMO_ROW_CHAR_FRACTION if row else config.DEMO_CARD_CHAR_FRACTION
        sprite = _card_sprite(text, fraction * size[1], size, polarity, rng)
        shots.append(_make_shot(sprite, start, end, size, fps, rng))
    owner = np.full(schedule[-1][1], -1, np.int32)
    for k, shot in enumerate(shots):
        owner[max(shot.start - move, 0) : shot.end + move] = k
    noise = tuple(_noise_pair(size, rng) for _ in range(config.DEMO_NOISE_FRAMES))
    return _Stage(background, tuple(shots), owner, noise, fps, move)


def _demo_background(size: tuple[int, int], polarity: str, rng) -> np.ndarray:
    """uint8 HxWx3 backdrop: a wooden desk behind paper cards, a grey wall behind slates."""
    w, h = size
    streaks = cv2.resize(
        rng.standard_normal((max(2, h // 3), max(2, w // 80))).astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    if polarity == "dark":
        colour = np.float32([80, 120, 160]) * rng.uniform(0.85, 1.1)
        texture = 4 * streaks + 5 * _smooth_noise((h, w), h / 3, rng)
        texture += 1.5 * _smooth_noise((h, w), 2.5, rng)
    else:
        colour = np.float32([128, 132, 130]) * rng.uniform(0.85, 1.1)
        texture = 5 * _smooth_noise((h, w), h / 3, rng) + 2 * _smooth_noise((h, w), 3, rng)
    frame = colour[None, None, :] + texture[:, :, None]
    frame = cv2.warpPerspective(frame, _perspective(size, 0.6, rng), size, borderMode=cv2.BORDER_REFLECT)
    _finish(frame, gradient=0.45, blur=0.8, noise=0.0, rng=rng)
    return _to_uint8(frame)


def _card_sprite(text: str, char_h: float, size: tuple[int, int], polarity: str, rng) -> _Sprite:
    """A paper card (or slate) with ``text`` in one row, held from below by one or two hands."""
    glyphs = [hershey_glyph(ch, rng, max(16, round(1.2 * char_h))) for ch in text]
    card_w, card_h = _card_size(glyphs, char_h, size)
    scene = render_scene(
        glyphs, list(text), rng, (card_w, card_h), rows=1, polarity=polarity,
        char_height=round(char_h), gradient=0.2, blur=0.6,
    )  # fmt: skip
    pad, hand = round(0.15 * card_h), 0.5 * size[1]  # a hand is about half the view this close
    canvas = np.zeros((card_h + pad + round(1.2 * hand), card_w + 2 * pad, 4), np.float32)
    edge, ink_bottom = pad + card_h, pad + max(c.box.y2 for c in scene.chars)
    holds = [
        (pad + card_w * (at + rng.uniform(-0.1, 0.1)), rng.uniform(-0.3, 0.3) * hand) for at in _HOLD_AT[len(text) > 1]
    ]
    for x, lean in holds:  # palms behind the card
        palm = np.zeros(canvas.shape[:2], np.uint8)
        axes = (round(0.24 * hand), round(0.45 * hand))
        cv2.ellipse(palm, _pt((x + lean / 2, edge + 0.4 * hand)), axes, 0, 0, 360, 255, -1)
        _over_skin(canvas, palm, hand, rng)
    _over(canvas, pad, pad, scene.frame.astype(np.float32), _rounded_rect(card_w, card_h))
    for x, lean in holds:  # thumbs in front, clear of the ink
        thumb, width = np.zeros(canvas.shape[:2], np.uint8), 0.14 * hand
        tip = (x, max(edge - 0.22 * hand, ink_bottom + 0.22 * hand) + width / 2)  # far from the ink
        cv2.line(thumb, _pt(tip), _pt((x + lean, edge + 0.5 * hand)), 255, round(width), cv2.LINE_AA)
        _over_skin(canvas, thumb, hand, rng)
    _under_shadow(canvas, card_h)
    image = np.clip(np.rint(canvas * (1, 1, 1, 255)), 0, 255).astype(np.uint8)
    return _Sprite(image, (pad + card_w / 2, pad + card_h / 2), (card_w, card_h))


def _rounded_rect(w: int, h: int) -> np.ndarray:
    """float32 h x w alpha of a card with slightly rounded, anti-aliased corners."""
    mask = np.zeros((h, w), np.uint8)
    r = max(2, round(0.04 * h))
    cv2.rectangle(mask, (r, r), (w - 1 - r, h - 1 - r), 255, -1)
    cv2.rectangle(mask, (r, r), (w - 1 - r, h - 1 - r), 255, 2 * r, cv2.LINE_AA)
    return mask.astype(np.float32) / 255


def _over(canvas: np.ndarray, x: int, y: int, colour: np.ndarray, alpha: np.ndarray) -> None:
    """Composite a layer (straight colour HxWx3, alpha HxW) over premultiplied BGRA ``canvas``."""
    h, w = alpha.shape
    roi = canvas[y : y + h, x : x + w]
    roi *= 1 - alpha[:, :, None]
    roi[:, :, :3] += colour * alpha[:, :, None]
    roi[:, :, 3] += alpha


def _over_skin(canvas: np.ndarray, mask: np.ndarray, hand: float, rng) -> None:
    """Composite skin where uint8 ``mask`` is set, shaded to look round, over ``canvas``."""
    x, y, w, h = cv2.boundingRect(mask)
    m = mask[y : y + h, x : x + w].astype(np.float32) / 255
    sigma = 0.04 * hand
    shade = 0.7 + 0.35 * cv2.GaussianBlur(m, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    skin = np.float32(_SKIN_BGR) * rng.uniform(0.85, 1.1)
    _over(canvas, x, y, shade[:, :, None] * skin, m)


def _under_shadow(canvas: np.ndarray, card_h: int) -> None:
    """Add a soft drop shadow (black, so only alpha grows) under premultiplied ``canvas``."""
    shift = np.float32([[1, 0, 0.04 * card_h], [0, 1, 0.06 * card_h]])
    shadow = cv2.warpAffine(canvas[:, :, 3].copy(), shift, canvas.shape[1::-1])
    shadow = cv2.GaussianBlur(shadow, (0, 0), 0.03 * card_h)
    canvas[:, :, 3] += (1 - canvas[:, :, 3]) * (config.DEMO_SHADOW_OPACITY * shadow)


def _card_size(glyphs: Sequence[np.ndarray], char_h: float, size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of a card that holds the glyphs in one row at char_h, within the frame."""
    aspects = sum(g.shape[1] / g.shape[0] for g in glyphs) * (1 + config.SCENE_SIZE_JITTER)
    text_w = char_h * (aspects + config.SCENE_GAP_RANGE[1] * (len(glyphs) - 1))
    card_h = char_h / 0.62 if len(glyphs) == 1 else 1.9 * char_h
    card_w = max(text_w / (1 - 2 * config.SCENE_MARGIN_FRACTION) + 0.3 * char_h, 0.78 * card_h)
    return round(min(card_w, 0.9 * size[0])), round(min(card_h, 0.85 * size[1]))


def _make_shot(sprite: _Sprite, start: int, end: int, size, fps: float, rng) -> _Shot:
    """Where and how a card is held: a home that keeps it in view through drift and sway."""
    _w, h = size
    hold_s = (end - start) / fps
    tilt = rng.uniform(-3, 3)
    angle = math.radians(abs(tilt) + config.DEMO_SWAY_DEG)
    cw, ch = sprite.card_size
    ext = np.array([cw * math.cos(angle) + ch * math.sin(angle), cw * math.sin(angle) + ch * math.cos(angle)])
    room = np.maximum((np.array(size) - ext) / 2 - config.DEMO_TREMOR * h - 2, 0)
    drift = rng.uniform(-1, 1, 2) * np.minimum(config.DEMO_DRIFT * h, room / max(hold_s / 2, 1e-6))
    slack = np.maximum(room - np.abs(drift) * hold_s / 2, 0)
    home = np.array(size) / 2 + rng.uniform(-0.6, 0.6, 2) * slack
    exit_dy = h - (home[1] - ext[1] / 2) + 0.1 * ch
    phases = tuple(rng.uniform(0, 2 * math.pi, 3))
    return _Shot(start, end, sprite, tuple(home), tuple(drift), phases, tilt, exit_dy)


def _pose(shot: _Shot, i: int, stage: _Stage) -> np.ndarray:
    """2x3 affine, sprite -> frame pixels, of the card at loop frame ``i``: drift, tremor, sway."""
    t = (i - shot.start) / stage.fps
    hold_mid = (shot.end - shot.start) / stage.fps / 2
    amp = config.DEMO_TREMOR * stage.background.shape[0]
    p1, p2, p3 = shot.phases
    x = shot.home[0] + shot.drift[0] * (t - hold_mid) + amp * math.sin(2 * math.pi * 1.3 * t + p1)
    y = shot.home[1] + shot.drift[1] * (t - hold_mid) + amp * math.sin(2 * math.pi * 2.1 * t + p2)
    angle = shot.tilt + config.DEMO_SWAY_DEG * math.sin(2 * math.pi * 0.45 * t + p3)
    if i < shot.start:
        out = (shot.start - i) / stage.move
    else:
        out = (i - shot.end + 1) / stage.move if i >= shot.end else 0.0
    out = min(max(out, 0.0), 1.0)
    eased = out * out * (3 - 2 * out)
    matrix = cv2.getRotationMatrix2D(shot.sprite.anchor, angle + 8 * eased, 1.0)
    matrix[:, 2] += np.array([x, y + eased * shot.exit_dy]) - shot.sprite.anchor
    return matrix


def _paste(frame: np.ndarray, sprite: _Sprite, matrix: np.ndarray) -> None:
    """Composite the sprite, warped by 2x3 ``matrix``, onto uint8 ``frame`` in place."""
    fh, fw = frame.shape[:2]
    sh, sw = sprite.image.shape[:2]
    pts = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]) @ matrix[:, :2].T + matrix[:, 2]
    x0, y0 = (max(math.floor(v), 0) for v in pts.min(axis=0))
    x1, y1 = min(math.ceil(pts[:, 0].max()), fw), min(math.ceil(pts[:, 1].max()), fh)
    if x1 <= x0 or y1 <= y0:
        return
    local = matrix.copy()
    local[:, 2] -= (x0, y0)
    card = cv2.warpAffine(sprite.image, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    # uint8 OpenCV arithmetic, not float numpy: this is most of a frame's cost.
    keep = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(card, 3)), cv2.COLOR_GRAY2BGR)
    roi = cv2.multiply(frame[y0:y1, x0:x1], keep, scale=1 / 255)
    frame[y0:y1, x0:x1] = cv2.add(roi, cv2.cvtColor(card, cv2.COLOR_BGRA2BGR))


def _noise_pair(size: tuple[int, int], rng) -> tuple[np.ndarray, np.ndarray]:
    """Sensor noise split into its positive and negative parts, uint8 HxWx3 each, for cv2.add."""
    noise = _sensor_noise((size[1], size[0]), config.DEMO_NOISE_STD, rng)
    positive = np.clip(np.rint(noise), 0, 255).astype(np.uint8)
    negative = np.clip(np.rint(-noise), 0, 255).astype(np.uint8)
    return positive, negative


def _demo_frame(stage: _Stage, i: int) -> np.ndarray:
    """Loop frame ``i`` of the demo: BGR uint8 HxWx3, a new array."""
    frame = stage.background.copy()
    k = int(stage.owner[i])
    if k >= 0:
        shot = stage.shots[k]
        _paste(frame, shot.sprite, _pose(shot, i, stage))
    positive, negative = stage.noise[i % len(stage.noise)]
    cv2.add(frame, positive, dst=frame)
    cv2.subtract(frame, negative, dst=frame)
    return frame
