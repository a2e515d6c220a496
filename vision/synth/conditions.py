"""Generated scenes of the conditions the reader fails on, each with its exact ground truth.

The reader is near perfect on clean paper and fails on paper with structure, touching digits,
handwritten arithmetic, small writing, coloured ink, cards on a desk or in a hand, and printed
score cards whose labels hold words, numbers and dice beside the handwritten column; real
photos of these are few (``../shared/datasets`` README, real_photos_dev2). Each condition renders
such a scene through ``vision.synth.scene.render_scene`` (its layout, paper and ink changed by a
SceneStyle), so the boxes and lines it returns are true; ``vision.conditions_eval`` reads and
scores them.

Truth: a scene's ``chars`` are its digits only (an operator is no character); its ``lines`` hold
a space where a gap or an operator parts two numbers: "4x(2+2)" is the line "4 2 2".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from functools import partial

import cv2
import numpy as np

from vision import config
from vision.synth.clutter import keep_out_rects
from vision.synth.glyphs import OPERATORS, hershey_glyph
from vision.synth.paint import blend_mask, paint_skin, smooth_noise
from vision.synth.scene import Card, Print, Scene, SceneStyle, Sheet, even_split, render_scene, rotation

CONDITIONS: tuple[str, ...] = (
    "ruled", "squared", "boxes", "table", "operators", "touching", "small", "colour", "desk", "fingers", "form",
)  # fmt: skip

# Camera and page, drawn for every scene: the ranges of the real phone photos and webcam frames.
_LARGE_SHARE = 0.25  # share of scenes at 1280x720; the rest are 640x480
_TILT_DEG = 10.0  # +- text tilt
_PERSPECTIVE = (0.0, 0.35)  # render_scene's 0..1 corner pull
_BLUR = (0.0, 1.0)  # Gaussian sigma, px
_NOISE = (0.0, 5.0)  # sensor noise std, grey levels
_GRADIENT = (0.0, 0.55)  # light fall-off; above 0.5 a hard shadow band crosses the page
_CHAR_HEIGHT = (0.08, 0.14)  # char height / frame height when the page fills the view
_GAP = (0.3, 0.55)  # gap between the digits of a number, char heights
_TIGHT_GAP = (0.1, 0.35)  # the same in a sum, where operators part the numbers
_LINE_PX_AT = 480  # frame height at which printed lines are 1-2 px wide; they scale with it
_SHIFT = 4  # fractional bits of the points given to cv2 drawing: sub-pixel lines

# ruled: notebook paper, rules under the writing, the baseline rule through each digit's foot.
_RULE_PITCH = (1.1, 1.6)  # char heights between rules
_RULE_SKIP_SHARE = 0.35  # share of pages written on every other rule
_RULE_OVERLAP = (0.03, 0.09)  # how far the baseline rule runs above the digits' bottoms, char heights
_RULE_BGR = ((205.0, 160.0, 115.0), (170.0, 162.0, 155.0), (215.0, 175.0, 130.0))  # blues, a grey
_RULE_OPACITY = (0.65, 0.95)
_MARGIN_BGR = ((120.0, 110.0, 225.0), (150.0, 140.0, 235.0))  # red and pink margin lines
_MARGIN_GAP = (0.4, 1.5)  # margin line to the writing's left edge, char heights
# squared: graph paper, digits sitting on grid lines.
_GRID_CELL = (0.5, 0.8)  # char heights
_GRID_ROW_PITCH = (1.6, 2.4)  # char heights from row to row, rounded to whole cells
_GRID_BGR = ((200.0, 190.0, 180.0), (215.0, 185.0, 150.0), (170.0, 200.0, 170.0))
_GRID_OPACITY = (0.45, 0.75)
# boxes: a form's ID field, one printed box per digit.
_BOX_PITCH = (1.1, 1.4)  # box width, char heights
_BOX_ASPECT = (0.9, 1.15)  # box height / width
_BOX_SLACK = 1.2  # a digit strays this share of its free room in the box: past 1 it meets an edge
_BOX_GREY = (25.0, 90.0)  # printed line level
_BOX_FIELD_PITCH = (2.0, 2.6)  # char heights between two fields
_BOX_LABELS = ("ID:", "No.", "PIN:", "Code:", "Ref:")  # letters only: printed digits are not in the truth
_BOX_LABEL_SHARE = 0.7
_LABEL_HEIGHT = (0.4, 0.6)  # printed letters' cap height, char heights
_LABEL_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_PLAIN)
# table: a printed score card, numbers in cells, rules that miss the writing only roughly.
_TABLE_COLUMNS = (2, 4)
_TABLE_DIGITS = (1, 3)  # digits per cell
_TABLE_ROW_PITCH = (1.35, 1.8)  # char heights: a row of cells
_TABLE_PAD = (0.15, 0.5)  # room beside a column's widest number, char heights
_TABLE_SLIP = 0.35  # +- char heights a rule sits off the middle of its gap: some cut a digit
_TABLE_HEADERS = ("Name", "Round", "Score", "Total", "Team", "Date", "Points", "Game")
# form: a printed score card, one column filled in by hand, each row's printed label to its left.
_FORM_CHAR_HEIGHT = (0.055, 0.085)  # char height / frame height: a whole card in view, small writing
_FORM_DIGITS = ((1, 2, 3), (0.35, 0.5, 0.15))  # digits per number, one number per row, and their odds
_FORM_ROW_PITCH = (1.3, 1.6)  # char heights
_FORM_LABEL_WIDTH = (3.2, 4.6)  # char heights: the printed label column
_FORM_COLUMN_PAD = (0.3, 0.6)  # room beside the widest number, char heights
_FORM_EMPTY_COLUMNS = (1, 4)  # columns printed for later games, left blank
_FORM_PRINT_HEIGHT = (0.3, 0.45)  # printed capitals, char heights
_FORM_WORDS = ("Total", "Chance", "Bonus", "Sum", "Upper", "Lower", "Score", "Twos", "Fives", "Sixes", "Extra")
_FORM_NUMBERED = ("{} Points", "plus {}", "Bonus {}", "{} pts", "over {}")  # a printed number: not in the truth
_FORM_HEADER = ("Game", "Round", "Set", "Player")
_FORM_DICE_SHARE = 0.3  # rows labelled with dice faces beside their word...
_FORM_DIE_SIDE = (0.45, 0.9)  # ...each this wide, char heights
_FORM_ARROW_SHARE = 0.3  # rows with a printed arrow pointing at the written number
_FORM_NUMBERED_SHARE = 0.35  # row labels that hold a printed number
_FORM_PRINT_BGR = ((120.0, 60.0, 40.0), (70.0, 70.0, 70.0), (80.0, 80.0, 190.0), (110.0, 40.0, 90.0))
_PIP_RADIUS = 0.09  # x a die's side
_PIPS = {  # a die face's pips, shares of its side
    1: ((0.5, 0.5),), 2: ((0.25, 0.25), (0.75, 0.75)), 3: ((0.25, 0.25), (0.5, 0.5), (0.75, 0.75)),
    4: ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)),
    5: ((0.25, 0.25), (0.75, 0.25), (0.5, 0.5), (0.25, 0.75), (0.75, 0.75)),
    6: ((0.25, 0.22), (0.75, 0.22), (0.25, 0.5), (0.75, 0.5), (0.25, 0.78), (0.75, 0.78)),
}  # fmt: skip
# operators: handwritten arithmetic.
_BINARY_OPS = "+-x/"
_OP_GAP = (0.15, 0.45)  # either side of an operator, char heights
_PAREN_SHARE = 0.35  # expressions of 3+ numbers with a bracketed pair
_EQUALS_SHARE = 0.45  # expressions of 3+ numbers that end in "= result"
_NUMBER_DIGITS = ((1, 2, 3), (0.5, 0.4, 0.1))  # digits per number and their odds
_EXPRESSION_NUMBERS = (2, 4)
_OP_DRAW_SIZE = 64  # digit height operators are drawn for: their height over it is their relative size
_OP_GROWTH = (1.1, 1.5)  # a hand draws operators bigger than a font does, relative to its digits
_EXPRESSION_MAX_TOKENS = 12  # caller-given expressions wrap into rows of about this many tokens
# touching: digits of a number that touch or overlap.
_TOUCH_GAP = (-0.15, 0.0)  # char heights
_TOUCH_GROUP = ((2, 3, 4), (0.45, 0.4, 0.15))  # digits per number: pairs, triples, a year
_NUMBER_GAP = (0.8, 1.4)  # between numbers, char heights
# small: a few rows of tiny writing.
_SMALL_SIZES = ((455, 607), (640, 480))
_SMALL_CHAR_PX = (11, 13)  # char height, px: ink boxes of 10-15 px after jitter and tilt
_SMALL_TILT_DEG = 4.0
_SMALL_ROWS = (2, 4)
# colour: felt pens and ballpoints; BGR.
_PENS = (
    (60.0, 140.0, 30.0),  # green
    (20.0, 130.0, 245.0),  # orange
    (40.0, 185.0, 250.0),  # yellow-orange: little is left of it in grey
    (45.0, 40.0, 200.0),  # red
    (175.0, 90.0, 25.0),  # blue felt pen
    (150.0, 60.0, 30.0),  # blue ballpoint
    (140.0, 50.0, 120.0),  # purple
)
_RED_PEN = (50.0, 45.0, 190.0)
_RED_PRINT = (120.0, 120.0, 235.0)  # a form printed in red, as light as a red pen is in grey
_RED_FORM_SHARE = 0.3
_FELT_SHARE = 0.5  # pens whose strokes are bolder than the glyph's
_FELT_WIDTH = (0.04, 0.08)  # extra stroke width / glyph size
# desk and fingers: a card smaller than the view.
_DESK_CARD_AREA = (0.3, 0.7)  # share of the frame
_HELD_CARD_AREA = (0.35, 0.65)
_CARD_ASPECT = (1.3, 1.8)
_CARD_TURN_DEG = 8.0  # +- the card's own rotation; the text turns a little more on it
_CARD_TEXT_TILT_DEG = 2.5
_CARD_BORDER = 0.04  # share of each frame side kept clear around the card
_CARD_CHAR_HEIGHT = (0.16, 0.3)  # char height / card height
_HELD_CHAR_HEIGHT = (0.18, 0.26)  # smaller: room on the card for the thumbs
_HELD_TEXT_WIDTH = 0.7  # most of a held card's width the writing takes: room at the sides for thumbs
_CHAR_PITCH = 1.1  # a digit and its gap, char heights: to size writing before it is laid out
_WOOD_BGR = (30.0, 52.0, 88.0)  # dark brown
_WOOD_SHADE = (0.55, 1.15)
_WOOD_RING_PERIOD = (0.04, 0.12)  # share of the frame diagonal between rings
_WALLS = ((105.0, 100.0, 95.0), (150.0, 145.0, 140.0), (70.0, 62.0, 58.0), (120.0, 112.0, 108.0))  # neutral
_FINGER_WIDTH = (1.0, 1.5)  # char heights: a thumb beside digits a centimetre or two tall
_FINGER_TURN_DEG = 18.0  # +- off the card edge's normal
_FINGER_CLEARANCE = 0.12  # char heights kept between a fingertip and the ink
_FINGER_REACH = (0.35, 1.3)  # a thumb's tip past the card's edge: least that counts as holding, most; widths
_TWO_FINGER_SHARE = 0.5
_SIDE_HOLD_SHARE = 0.35  # cards held at their sides, not from below
_NAIL_BGR = (170.0, 180.0, 228.0)
_NAIL_OPACITY = 0.75


# --- Public ------------------------------------------------------------------------------


def render_condition(name: str, glyphs: Sequence[np.ndarray], labels: Sequence[str], rng: np.random.Generator) -> Scene:
    """A scene of condition ``name`` (one of CONDITIONS) with the glyphs written in it.

    glyphs: uint8 white-on-black images, one per label (MNIST digits or ``hershey_glyph``).
    labels: chars of config.CLASSES; for "operators" also OPERATORS, whose glyphs must be drawn at the
    digits' scale (``hershey_glyph(op, rng, size)`` with ``size`` the digits' height). Without any,
    "operators" writes its own between the numbers. The truth holds the digits only.
    """
    if name not in _RENDER:
        raise ValueError(f"unknown condition {name!r}; conditions are {CONDITIONS}")
    if len(glyphs) != len(labels) or not labels:
        raise ValueError(f"need one glyph per label and at least one: {len(glyphs)} glyphs, {len(labels)} labels")
    allowed = set(config.CLASSES) | (set(OPERATORS) if name == "operators" else set())
    if not set(labels) <= allowed:
        raise ValueError(f"labels {''.join(labels)!r} hold chars outside {''.join(sorted(allowed))}")
    if all(c in OPERATORS for c in labels):
        raise ValueError("a scene needs at least one char that is not an operator")
    return _RENDER[name](list(glyphs), list(labels), rng)


# --- Shared pieces -----------------------------------------------------------------------


def _fork(rng: np.random.Generator) -> np.random.Generator:
    """A stream of its own for a style's hook (render_scene's own draws stay the same)."""
    return np.random.default_rng(rng.integers(2**63))


def _pick(options: Sequence, rng: np.random.Generator):
    return options[int(rng.integers(len(options)))]


def _extras(rng: np.random.Generator, size: tuple[int, int] | None = None, tilt: float = _TILT_DEG) -> dict:
    """render_scene's camera arguments: frame size, tilt, perspective, light, blur, noise."""
    if size is None:
        size = (1280, 720) if rng.random() < _LARGE_SHARE else (640, 480)
    return {
        "size": size,
        "tilt_deg": float(rng.uniform(-tilt, tilt)),
        "perspective": float(rng.uniform(*_PERSPECTIVE)),
        "gradient": float(rng.uniform(*_GRADIENT)),
        "blur": float(rng.uniform(*_BLUR)),
        "noise": float(rng.uniform(*_NOISE)),
    }


def _char_height(extras: dict, rng: np.random.Generator) -> int:
    return round(rng.uniform(*_CHAR_HEIGHT) * extras["size"][1])


def _line_px(size: tuple[int, int], rng: np.random.Generator) -> int:
    """Width of a printed line: 1-2 px at 640x480, wider in bigger frames."""
    return max(1, round(int(rng.integers(1, 3)) * size[1] / _LINE_PX_AT))


def _row_lengths(n: int, rng: np.random.Generator, max_rows: int) -> tuple[int, ...]:
    rows = int(rng.integers(1, min(max_rows, n) + 1))
    return tuple(even_split(n, rows))


def _flowing(gaps: np.ndarray, row_lengths: Sequence[int]) -> Callable[[np.ndarray], np.ndarray]:
    """A lefts hook: each row's glyphs one after another from the margin, ``gaps[j]`` after glyph j."""

    def lefts(widths: np.ndarray) -> np.ndarray:
        out, i = np.empty(len(widths)), 0
        for k in row_lengths:
            out[i : i + k] = np.concatenate(([0.0], np.cumsum(widths[i : i + k - 1] + gaps[i : i + k - 1])))
            i += k
        return out

    return lefts


def _grouped(groups: Sequence[int], inner: np.ndarray, between: np.ndarray) -> tuple[np.ndarray, set[int]]:
    """(gap after each char, indices that start a new number) for numbers of ``groups`` digits."""
    starts = set(np.cumsum(groups[:-1]).tolist())
    gaps = inner.copy()
    for i in starts:
        gaps[i - 1] = between[i - 1]
    return gaps, starts


def _partition(total: int, sizes: Sequence[int], odds, rng, lone: bool = True) -> list[int]:
    """Split ``total`` into parts drawn from ``sizes`` (with ``odds``, None for even), the last cut
    short to fit; with lone=False a last part of 1 joins the one before it."""
    parts: list[int] = []
    while sum(parts) < total:
        parts.append(min(int(rng.choice(sizes, p=odds)), total - sum(parts)))
    if not lone and len(parts) > 1 and parts[-1] == 1:
        parts[-2:] = [parts[-2] + 1]
    return parts


def _rows_of(groups: Sequence[int], rows: int) -> tuple[int, ...]:
    """Chars per row when whole numbers of ``groups`` digits are spread over ``rows`` rows."""
    per_row = even_split(len(groups), min(rows, len(groups)))
    out, i = [], 0
    for k in per_row:
        out.append(sum(groups[i : i + k]))
        i += k
    return tuple(out)


def _truth(scene: Scene, starts: set[int] = frozenset()) -> Scene:
    """``scene`` with only its non-operator chars as truth, and a space in its lines before each
    index in ``starts`` and wherever operators stood between two of them."""
    chars, rows, space, row = [], {}, False, None
    for j, c in enumerate(scene.chars):
        if c.row != row:
            space, row = False, c.row
        if c.char in OPERATORS:
            space = True
            continue
        line = rows.setdefault(c.row, [])
        if line and (space or j in starts):
            line.append(" ")
        line.append(c.char)
        chars.append(c)
        space = False
    lines = tuple("".join(rows.get(r, [])) for r in range(len(scene.lines)))
    return dataclasses.replace(scene, chars=tuple(chars), lines=lines)


def _fixed(p: Sequence[float]) -> tuple[int, int]:
    return round(p[0] * (1 << _SHIFT)), round(p[1] * (1 << _SHIFT))


def _draw(size: tuple[int, int], segments: Sequence[tuple], thickness: int) -> np.ndarray:
    """float32 (h, w) canvas, 1 on the anti-aliased line segments ((x0, y0), (x1, y1))."""
    canvas = np.zeros((size[1], size[0]), np.uint8)
    for a, b in segments:
        cv2.line(canvas, _fixed(a), _fixed(b), 255, thickness, cv2.LINE_AA, _SHIFT)
    return canvas.astype(np.float32) / 255


def _across(size: tuple[int, int], ys: Sequence[float] = (), xs: Sequence[float] = ()) -> list[tuple]:
    """Segments running the whole sheet: horizontal at ``ys``, vertical at ``xs`` (canvas px)."""
    w, h = size
    return [((0, y), (w, y)) for y in ys] + [((x, 0), (x, h)) for x in xs]


def _every(start: float, step: float, limit: float) -> np.ndarray:
    """start + k * step for every whole k that lands in [0, limit]."""
    first = start - step * math.floor(start / step)
    return first + step * np.arange(int((limit - first) // step) + 1)


def _font_scale(text: str, font: int, cap: float, room: float = math.inf) -> float:
    """cv2 font scale that prints capitals ``cap`` px tall, or less where ``text`` is wider than ``room`` px."""
    (unit_w, unit_h), _ = cv2.getTextSize(text, font, 1.0, 1)
    return min(cap / max(unit_h, 1), room / max(unit_w, 1))


def _put_label(canvas: np.ndarray, text: str, right: float, middle: float, font: int, scale: float) -> None:
    """Print ``text`` (letters) on uint8 ``canvas``, its right end at ``right``, centred on ``middle``."""
    thickness = max(1, round(scale * cv2.getTextSize("I", font, 1.0, 1)[0][1] / 12))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
    cv2.putText(canvas, text, (round(right - tw), round(middle + th / 2)), font, scale, 255, thickness, cv2.LINE_AA)


def _row_slots(sheet: Sheet) -> list[list]:
    rows: dict[int, list] = {}
    for s in sheet.slots:
        rows.setdefault(s.row, []).append(s)
    return [rows[r] for r in sorted(rows)]


def _render(glyphs, labels, rng, extras: dict, style: SceneStyle, **kwargs) -> Scene:
    return render_scene(glyphs, labels, rng, style=style, **extras, **kwargs)


# --- Paper with structure ----------------------------------------------------------------


def _ruled(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """Notebook paper: digits sit on pale rules that run under them across the whole page."""
    extras, n = _extras(rng), len(labels)
    lengths = _row_lengths(n, rng, max_rows=3)
    pitch = float(rng.uniform(*_RULE_PITCH))
    every = 2 if rng.random() < _RULE_SKIP_SHARE else 1
    return _on_printed_paper(glyphs, labels, rng, extras, lengths, every * pitch, partial(_ruled_paper, pitch=pitch))


def _ruled_paper(sheet: Sheet, pitch: float, thickness: int, rng: np.random.Generator) -> list[Print]:
    """Rules every ``pitch`` char heights, one just above the first row's baseline, and a margin."""
    first = sheet.slots[0]
    baseline = sheet.at(0, first.y + first.height / 2 - rng.uniform(*_RULE_OVERLAP))[1]
    rules = _draw(sheet.size, _across(sheet.size, ys=_every(baseline, pitch * sheet.scale, sheet.size[1])), thickness)
    left = min(s.x - s.width / 2 for s in sheet.slots) - rng.uniform(*_MARGIN_GAP)
    margin = _draw(sheet.size, _across(sheet.size, xs=[sheet.at(left, 0)[0]]), thickness)
    return [
        (rules * rng.uniform(*_RULE_OPACITY), _pick(_RULE_BGR, rng)),
        (margin * rng.uniform(*_RULE_OPACITY), _pick(_MARGIN_BGR, rng)),
    ]


def _squared(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """Graph paper: a grid finer than the digits, which sit on its lines."""
    extras, n = _extras(rng), len(labels)
    lengths = _row_lengths(n, rng, max_rows=3)
    cell = float(rng.uniform(*_GRID_CELL))
    cells_per_row = max(2, round(rng.uniform(*_GRID_ROW_PITCH) / cell))
    grid = partial(_grid_paper, cell=cell)
    return _on_printed_paper(glyphs, labels, rng, extras, lengths, cells_per_row * cell, grid)


def _on_printed_paper(glyphs: list, labels: list, rng, extras: dict, lengths, row_pitch: float, paper) -> Scene:
    """Rows flowing from the left margin, digits on the baseline, over ``paper`` (a printer
    taking the sheet, the line thickness and its own random stream)."""
    paper = partial(paper, thickness=_line_px(extras["size"], rng), rng=_fork(rng))
    lefts = _flowing(rng.uniform(*_GAP, len(labels)), lengths)
    style = SceneStyle(row_lengths=lengths, row_pitch=row_pitch, lefts=lefts, on_baseline=True, paper=paper)
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)))


def _grid_paper(sheet: Sheet, cell: float, thickness: int, rng: np.random.Generator) -> list[Print]:
    first = sheet.slots[0]
    step = cell * sheet.scale
    x0, y0 = sheet.at(first.x - first.width / 2 - rng.uniform(0, cell), first.y + first.height / 2)
    w, h = sheet.size
    grid = _draw(sheet.size, _across(sheet.size, ys=_every(y0, step, h), xs=_every(x0, step, w)), thickness)
    return [(grid * rng.uniform(*_GRID_OPACITY), _pick(_GRID_BGR, rng))]


@dataclasses.dataclass
class _BoxForm:
    """A form's field of adjacent printed boxes, one digit written in each."""

    pitch: float  # box width, char heights
    box_h: float  # char heights
    row_lengths: tuple[int, ...]
    thickness: int
    colour: tuple[float, float, float]
    rng: np.random.Generator
    strays: np.ndarray | None = None  # each digit's offset from its box's centre, char heights

    def lefts(self, widths: np.ndarray) -> np.ndarray:
        room = np.maximum(self.pitch - widths, 0) / 2
        self.strays = self.rng.uniform(-1, 1, len(widths)) * _BOX_SLACK * room
        k = np.concatenate([np.arange(n) for n in self.row_lengths])
        return (k + 0.5) * self.pitch - widths / 2 + self.strays

    def paper(self, sheet: Sheet) -> list[Print]:
        canvas, segments, i = np.zeros((sheet.size[1], sheet.size[0]), np.uint8), [], 0
        for row in _row_slots(sheet):
            left = row[0].x - self.strays[i] - self.pitch / 2  # char heights: the field's left edge
            room = max(0.0, (self.box_h - max(s.height for s in row)) / 2) + 0.06
            middle = float(np.mean([s.y for s in row])) + self.rng.uniform(-1, 1) * room
            top, bottom = middle - self.box_h / 2, middle + self.box_h / 2
            xs = [left + k * self.pitch for k in range(len(row) + 1)]
            segments += [(sheet.at(x, top), sheet.at(x, bottom)) for x in xs]
            segments += [(sheet.at(xs[0], y), sheet.at(xs[-1], y)) for y in (top, bottom)]
            if self.rng.random() < _BOX_LABEL_SHARE:
                word, font = _pick(_BOX_LABELS, self.rng), int(_pick(_LABEL_FONTS, self.rng))
                right, mid = sheet.at(left - 0.3, middle)
                cap = self.rng.uniform(*_LABEL_HEIGHT) * sheet.scale
                _put_label(canvas, word, right, mid, font, _font_scale(word, font, cap))
            i += len(row)
        boxes = np.maximum(_draw(sheet.size, segments, self.thickness), canvas.astype(np.float32) / 255)
        return [(boxes * self.rng.uniform(0.85, 1.0), self.colour)]


def _boxes(glyphs: list, labels: list, rng: np.random.Generator, print_bgr=None, ink=None) -> Scene:
    """A form's ID field: each digit in its own printed box, some touching an edge."""
    extras, n = _extras(rng), len(labels)
    lengths = _row_lengths(n, rng, max_rows=2)
    pitch = float(rng.uniform(*_BOX_PITCH))
    grey = float(rng.uniform(*_BOX_GREY))
    form = _BoxForm(
        pitch, pitch * float(rng.uniform(*_BOX_ASPECT)), lengths, _line_px(extras["size"], rng),
        print_bgr or (grey, grey, grey + 5), _fork(rng),
    )  # fmt: skip
    style = SceneStyle(
        row_lengths=lengths, row_pitch=float(rng.uniform(*_BOX_FIELD_PITCH)), lefts=form.lefts, paper=form.paper,
        ink=ink,
    )  # fmt: skip
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)))


@dataclasses.dataclass
class _Table:
    """A printed score card: a header row of words, then numbers written in ruled cells."""

    cells: list[list[int]]  # digits in each cell, row by row
    columns: int
    pads: np.ndarray  # room beside each column's widest number, char heights
    inner: np.ndarray  # gap after each digit inside its number, char heights
    row_pitch: float
    thickness: int
    colour: tuple[float, float, float]
    rng: np.random.Generator
    col_x: np.ndarray | None = None  # each column's left edge from the margin, char heights
    placed: np.ndarray | None = None  # what lefts returned

    def lefts(self, widths: np.ndarray) -> np.ndarray:
        spans, i = [], 0  # (first char, last char + 1) of each cell, row by row
        for row in self.cells:
            spans.append([(i + sum(row[:c]), i + sum(row[: c + 1])) for c in range(len(row))])
            i += sum(row)
        width = [[widths[a:b].sum() + self.inner[a : b - 1].sum() for a, b in row] for row in spans]
        col_w = np.array([max(r[c] for r in width if c < len(r)) for c in range(self.columns)]) + 2 * self.pads
        self.col_x = np.concatenate(([0.0], np.cumsum(col_w)))
        out = np.empty(len(widths))
        for row, row_w in zip(spans, width):
            for c, ((a, b), w) in enumerate(zip(row, row_w)):
                free = col_w[c] - 2 * self.pads[c] - w  # a number sits anywhere in its cell, or a bit past
                x = self.col_x[c] + self.pads[c] + self.rng.uniform(-0.3, 1.3) * free
                out[a:b] = x + np.concatenate(([0.0], np.cumsum(widths[a : b - 1] + self.inner[a : b - 1])))
        self.placed = out
        return out

    def paper(self, sheet: Sheet) -> list[Print]:
        rows = _row_slots(sheet)
        first = rows[0][0]
        margin = first.x - first.width / 2 - self.placed[0]  # char heights from the block's centre
        centres = [float(np.mean([s.y for s in r])) for r in rows]
        slip = partial(self.rng.uniform, -_TABLE_SLIP, _TABLE_SLIP)
        ys = [centres[0] - 1.5 * self.row_pitch] + [c - self.row_pitch / 2 + slip() for c in centres]
        ys.append(centres[-1] + self.row_pitch / 2 + slip())
        xs = [margin + x + (slip() if 0 < k < self.columns else 0.0) for k, x in enumerate(self.col_x)]
        segments = [(sheet.at(xs[0], y), sheet.at(xs[-1], y)) for y in ys]
        segments += [(sheet.at(x, ys[0]), sheet.at(x, ys[-1])) for x in xs]
        canvas = np.zeros((sheet.size[1], sheet.size[0]), np.uint8)
        words = [_TABLE_HEADERS[k] for k in self.rng.permutation(len(_TABLE_HEADERS))[: self.columns]]
        font = int(_pick(_LABEL_FONTS, self.rng))
        rooms = [(xs[c + 1] - xs[c] - 0.4) * sheet.scale for c in range(self.columns)]
        scale = min(_font_scale(w, font, 0.45 * sheet.scale, room) for w, room in zip(words, rooms))
        for c, word in enumerate(words):
            right, mid = sheet.at(xs[c + 1] - 0.2, centres[0] - self.row_pitch)
            _put_label(canvas, word, right, mid, font, scale)
        lines = np.maximum(_draw(sheet.size, segments, self.thickness), canvas.astype(np.float32) / 255)
        return [(lines * self.rng.uniform(0.8, 1.0), self.colour)]


def _table(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """A score card: numbers in the cells of a printed table whose rules cut some of them."""
    extras, n = _extras(rng), len(labels)
    columns = int(rng.integers(_TABLE_COLUMNS[0], _TABLE_COLUMNS[1] + 1))
    most = rng.integers(_TABLE_DIGITS[0], _TABLE_DIGITS[1] + 1, columns)
    cells, left = [], n
    while left:
        row = []
        for c in range(columns):
            if left:
                row.append(min(left, int(rng.integers(1, most[c] + 1))))
                left -= row[-1]
        cells.append(row)
    columns = len(cells[0])  # a short table fills fewer columns than it drew sizes for
    grey = float(rng.uniform(*_BOX_GREY))
    pitch = float(rng.uniform(*_TABLE_ROW_PITCH))
    table = _Table(
        cells, columns, rng.uniform(*_TABLE_PAD, columns), rng.uniform(*_GAP, n) * 0.8, pitch,
        _line_px(extras["size"], rng), (grey, grey, grey), _fork(rng),
    )  # fmt: skip
    lengths = tuple(sum(r) for r in cells)
    starts = {sum(map(sum, cells[:r])) + sum(row[:c]) for r, row in enumerate(cells) for c in range(1, len(row))}
    style = SceneStyle(row_lengths=lengths, row_pitch=pitch, lefts=table.lefts, paper=table.paper)
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)), starts)


@dataclasses.dataclass
class _ScoreCard:
    """A printed score card filled in one column: each row's label printed in the column to its
    left (words, printed numbers, dice faces, an arrow), blank columns for later games to its
    right, a header of numbered column titles; all in one print colour, only the handwriting true."""

    numbers: list[int]  # digits of the number in each row
    inner: np.ndarray  # gap after each digit inside its number, char heights
    pad: float
    row_pitch: float
    label_width: float
    empty: int
    thickness: int
    colour: tuple[float, float, float]
    rng: np.random.Generator
    col_w: float = 0.0
    placed: np.ndarray | None = None

    def lefts(self, widths: np.ndarray) -> np.ndarray:
        out, i, spans = np.empty(len(widths)), 0, []
        for k in self.numbers:
            spans.append(float(widths[i : i + k].sum() + self.inner[i : i + k - 1].sum()))
            out[i : i + k] = np.concatenate(([0.0], np.cumsum(widths[i : i + k - 1] + self.inner[i : i + k - 1])))
            i += k
        self.col_w = max(spans) + 2 * self.pad
        i = 0
        for k, span in zip(self.numbers, spans):  # each number anywhere in its cell
            out[i : i + k] += self.pad + self.rng.uniform(0.0, 1.0) * (self.col_w - 2 * self.pad - span)
            i += k
        self.placed = out
        return out

    def paper(self, sheet: Sheet) -> list[Print]:
        rows = _row_slots(sheet)
        first = rows[0][0]
        margin = first.x - first.width / 2 - self.placed[0]  # the written column's left edge
        centres = [float(np.mean([s.y for s in r])) for r in rows]
        ys = [centres[0] - 1.5 * self.row_pitch] + [c - self.row_pitch / 2 for c in centres]
        ys.append(centres[-1] + self.row_pitch / 2)
        xs = [margin - self.label_width] + [margin + k * self.col_w for k in range(self.empty + 2)]
        segments = [(sheet.at(xs[0], y), sheet.at(xs[-1], y)) for y in ys]
        segments += [(sheet.at(x, ys[0]), sheet.at(x, ys[-1])) for x in xs]
        canvas = np.zeros((sheet.size[1], sheet.size[0]), np.uint8)
        font = int(_pick(_LABEL_FONTS, self.rng))
        cap = float(self.rng.uniform(*_FORM_PRINT_HEIGHT)) * sheet.scale
        header = _pick(_FORM_HEADER, self.rng)
        for k in range(self.empty + 1):
            title = f"{k + 1}.{header}"
            right, mid = sheet.at(xs[k + 2] - 0.15, centres[0] - self.row_pitch)
            room = (self.col_w - 0.3) * sheet.scale
            _put_label(canvas, title, right, mid, font, _font_scale(title, font, cap, room))
        for y in centres:
            self._label(canvas, sheet, xs[0], margin, y, font, cap)
        lines = np.maximum(_draw(sheet.size, segments, self.thickness), canvas.astype(np.float32) / 255)
        return [(lines * self.rng.uniform(0.85, 1.0), self.colour)]

    def _label(self, canvas: np.ndarray, sheet: Sheet, left: float, right: float, y: float, font: int, cap: float):
        """One row's printed label between ``left`` and ``right`` (char heights), centred on ``y``."""
        rng, end = self.rng, right - 0.15
        if rng.random() < _FORM_ARROW_SHARE:  # an arrow at the cell's right end
            a, b = sheet.at(end - 0.8, y), sheet.at(end - 0.1, y)
            tip = 0.18 * sheet.scale
            strokes = [(a, b), (b, (b[0] - tip, b[1] - tip)), (b, (b[0] - tip, b[1] + tip))]
            for p, q in strokes:
                cv2.line(canvas, _fixed(p), _fixed(q), 255, max(1, round(cap / 6)), cv2.LINE_AA, _SHIFT)
            end -= 1.0
        word = _pick(_FORM_WORDS, rng)
        if rng.random() < _FORM_NUMBERED_SHARE:
            word = _pick(_FORM_NUMBERED, rng).format(int(rng.integers(10, 100)))
        x, mid = sheet.at(end, y)
        room = (end - left - 0.2) * sheet.scale
        if rng.random() < _FORM_DICE_SHARE:  # dice faces first, the word after them
            side, dots, count = float(rng.uniform(*_FORM_DIE_SIDE)), int(rng.integers(1, 7)), int(rng.integers(1, 4))
            for k in range(count):
                x0, y0 = sheet.at(left + 0.15 + k * (side + 0.12), y - side / 2)
                _die(canvas, (x0, y0), side * sheet.scale, dots, max(1, self.thickness))
            room -= (0.15 + count * (side + 0.12)) * sheet.scale
        if room > cap:
            _put_label(canvas, word, x, mid, font, _font_scale(word, font, cap, room))


def _die(canvas: np.ndarray, top_left: tuple[float, float], side: float, dots: int, thickness: int) -> None:
    """A printed die face: a square outline and its pips."""
    x0, y0 = top_left
    cv2.rectangle(canvas, _fixed((x0, y0)), _fixed((x0 + side, y0 + side)), 255, thickness, cv2.LINE_AA, _SHIFT)
    radius = round(max(1.0, _PIP_RADIUS * side) * (1 << _SHIFT))
    for u, v in _PIPS[dots]:
        cv2.circle(canvas, _fixed((x0 + u * side, y0 + v * side)), radius, 255, -1, cv2.LINE_AA, _SHIFT)


def _form(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """A score card filled in by hand: printed words, printed numbers, dice and arrows in the
    label column beside the written numbers, none of them in the truth."""
    extras, n = _extras(rng), len(labels)
    numbers = _partition(n, *_FORM_DIGITS, rng)
    pitch = float(rng.uniform(*_FORM_ROW_PITCH))
    card = _ScoreCard(
        numbers, rng.uniform(*_GAP, n) * 0.8, float(rng.uniform(*_FORM_COLUMN_PAD)), pitch,
        float(rng.uniform(*_FORM_LABEL_WIDTH)), int(rng.integers(_FORM_EMPTY_COLUMNS[0], _FORM_EMPTY_COLUMNS[1] + 1)),
        _line_px(extras["size"], rng), _pick(_FORM_PRINT_BGR, rng), _fork(rng),
    )  # fmt: skip
    style = SceneStyle(row_lengths=tuple(numbers), row_pitch=pitch, lefts=card.lefts, paper=card.paper)
    height = round(rng.uniform(*_FORM_CHAR_HEIGHT) * extras["size"][1])
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=height))


# --- Writing: operators, touching digits, small digits, coloured ink ----------------------


def _operators(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """Handwritten arithmetic: numbers with + - x / ( ) = between them, one expression a row."""
    if any(c in OPERATORS for c in labels):
        heights = _operator_heights(glyphs, labels)
        lengths = tuple(even_split(len(labels), math.ceil(len(labels) / _EXPRESSION_MAX_TOKENS)))
    else:
        glyphs, labels, heights, lengths = _with_operators(glyphs, labels, rng)
    extras = _extras(rng)
    style = SceneStyle(row_lengths=lengths, lefts=_flowing(_sum_gaps(labels, rng), lengths), heights=heights)
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)))


def _sum_gaps(labels: Sequence[str], rng: np.random.Generator) -> np.ndarray:
    """The gap after each char of a sum: wider beside an operator than between two digits."""
    beside = [a in OPERATORS or b in OPERATORS for a, b in zip(labels, [*labels[1:], ""])]
    return np.array([rng.uniform(*(_OP_GAP if op else _TIGHT_GAP)) for op in beside])


def _operator_heights(glyphs: list, labels: list) -> tuple[float, ...]:
    """Each glyph's height over the digits' median height (digits 1): operators keep their size."""
    digit_h = float(np.median([g.shape[0] for g, c in zip(glyphs, labels) if c not in OPERATORS]))
    return tuple(g.shape[0] / digit_h if c in OPERATORS else 1.0 for g, c in zip(glyphs, labels))


def _with_operators(glyphs: list, labels: list, rng: np.random.Generator):
    """(glyphs, labels, heights, chars per row) of the digits written as expressions."""
    sizes = _partition(len(labels), *_NUMBER_DIGITS, rng)
    low, high = _EXPRESSION_NUMBERS
    counts = _partition(len(sizes), range(low, high + 1), None, rng, lone=False)  # a lone number is no sum
    out_g, out_l, heights, lengths, i, k = [], [], [], [], 0, 0
    for count in counts:
        pattern = _expression(sizes[k : k + count], rng)
        for token in pattern:
            if token == "d":
                glyph, label, height = glyphs[i], labels[i], 1.0
                i += 1
            else:
                glyph, label = hershey_glyph(token, rng, _OP_DRAW_SIZE), token
                height = glyph.shape[0] / _OP_DRAW_SIZE * rng.uniform(*_OP_GROWTH)
            out_g.append(glyph)
            out_l.append(label)
            heights.append(height)
        lengths.append(len(pattern))
        k += count
    return out_g, out_l, tuple(heights), tuple(lengths)


def _expression(sizes: Sequence[int], rng: np.random.Generator) -> str:
    """A pattern such as "dx(d+d)" or "dd-dd+d/d=d": "d" for each digit, operators between numbers."""
    ops = [str(_pick(_BINARY_OPS, rng)) for _ in sizes[1:]]
    parts = ["d" * k for k in sizes]
    if len(sizes) >= 3 and rng.random() < _EQUALS_SHARE:
        ops[-1] = "="
    last_pair = len(sizes) - (3 if ops and ops[-1] == "=" else 2)  # brackets never hold the "="
    if len(sizes) >= 3 and last_pair >= 0 and rng.random() < _PAREN_SHARE:
        j = int(rng.integers(0, last_pair + 1))
        parts[j], parts[j + 1] = "(" + parts[j], parts[j + 1] + ")"
    return parts[0] + "".join(op + part for op, part in zip(ops, parts[1:]))


def _touching(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """Numbers whose digits touch or overlap a little, as in a quick "2015" or "285"."""
    n = len(labels)
    groups = _partition(n, *_TOUCH_GROUP, rng, lone=False)
    gaps, starts = _grouped(groups, rng.uniform(*_TOUCH_GAP, n), rng.uniform(*_NUMBER_GAP, n))
    lengths = _rows_of(groups, int(rng.integers(1, 3)))
    extras = _extras(rng)
    style = SceneStyle(row_lengths=lengths, lefts=_flowing(gaps, lengths))
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)), starts)


def _small(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """A few rows of digits 10-15 px tall, as in a photo of a whole page."""
    extras = _extras(rng, size=_pick(_SMALL_SIZES, rng), tilt=_SMALL_TILT_DEG)
    extras["blur"] = min(extras["blur"], 0.6)  # more and 10 px digits are gone, in any camera
    rows = int(rng.integers(_SMALL_ROWS[0], _SMALL_ROWS[1] + 1))
    style = SceneStyle(row_lengths=tuple(even_split(len(labels), min(rows, len(labels)))))
    char_height = int(rng.integers(_SMALL_CHAR_PX[0], _SMALL_CHAR_PX[1] + 1))
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=char_height))


def _colour(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """Coloured pens, some bold, some nearly gone in grey; or a red pen on a form printed in red."""
    if rng.random() < _FELT_SHARE:
        glyphs = [_bolden(g, rng) for g in glyphs]
    if rng.random() < _RED_FORM_SHARE:
        return _boxes(glyphs, labels, rng, print_bgr=_RED_PRINT, ink=_RED_PEN)
    extras = _extras(rng)
    style = SceneStyle(row_lengths=_row_lengths(len(labels), rng, 2), ink=_pick(_PENS, rng))
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=_char_height(extras, rng)))


def _bolden(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A felt pen's stroke: the glyph's ink grown by a few per cent of its size."""
    k = max(2, round(max(glyph.shape) * rng.uniform(*_FELT_WIDTH)))
    pad = np.pad(glyph, k)  # room to grow at the edges of a cropped glyph
    return cv2.dilate(pad, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


# --- Cards: on a desk, in a hand ---------------------------------------------------------


def _desk(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """A white card on a dark wood desk, its edges in view, turned a little."""
    extras = _extras(rng, tilt=_CARD_TEXT_TILT_DEG)
    card_size, pose = _card_pose(extras["size"], _DESK_CARD_AREA, rng)
    card = Card(card_size, pose, _wood(extras["size"], rng))
    style = SceneStyle(row_lengths=_row_lengths(len(labels), rng, 3), card=card)
    char_height = round(rng.uniform(*_CARD_CHAR_HEIGHT) * card_size[1])
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=char_height))


def _fingers(glyphs: list, labels: list, rng: np.random.Generator) -> Scene:
    """A card held up to the camera, one or two thumbs over its edge beside the digits."""
    extras = _extras(rng, tilt=_CARD_TEXT_TILT_DEG)
    extras["perspective"] = min(extras["perspective"], 0.2)
    card_size, pose = _card_pose(extras["size"], _HELD_CARD_AREA, rng)
    card = Card(card_size, pose, _wall(extras["size"], rng))
    fingers = 2 if rng.random() < _TWO_FINGER_SHARE else 1
    hold = partial(_hold, fingers=fingers, sides=bool(rng.random() < _SIDE_HOLD_SHARE), rng=_fork(rng))
    lengths = _row_lengths(len(labels), rng, 2)
    style = SceneStyle(row_lengths=lengths, card=card, overlay=hold)
    widest = _HELD_TEXT_WIDTH * card_size[0] / (_CHAR_PITCH * max(lengths))
    char_height = round(min(rng.uniform(*_HELD_CHAR_HEIGHT) * card_size[1], widest))
    return _truth(_render(glyphs, labels, rng, extras, style, char_height=char_height))


def _card_pose(
    size: tuple[int, int], area: tuple[float, float], rng: np.random.Generator
) -> tuple[tuple[int, int], np.ndarray]:
    """(card size, 3x3 card -> frame pose) of a card covering about ``area`` of the frame, all in view."""
    w, h = size
    aspect = rng.uniform(*_CARD_ASPECT)
    turn = math.radians(rng.uniform(-_CARD_TURN_DEG, _CARD_TURN_DEG))
    card_w = math.sqrt(rng.uniform(*area) * w * h * aspect)
    c, s = abs(math.cos(turn)), abs(math.sin(turn))
    room = 1 - 2 * _CARD_BORDER
    fit = min(1.0, room * w / (card_w * c + card_w / aspect * s), room * h / (card_w * s + card_w / aspect * c))
    cw, ch = round(card_w * fit), round(card_w * fit / aspect)
    free = np.maximum(np.array(size) * room - [cw * c + ch * s, cw * s + ch * c], 0)
    centre = np.array(size) / 2 + rng.uniform(-0.5, 0.5, 2) * free
    rot = rotation(turn)  # counter-clockwise as seen, like render_scene's tilt
    pose = np.eye(3)
    pose[:2, :2], pose[:2, 2] = rot, centre - rot @ [cw / 2, ch / 2]
    return (cw, ch), pose


def _wood(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """float32 HxWx3 dark brown desk: streaky grain along one direction and wavy growth rings."""
    w, h = size
    side = math.ceil(math.hypot(w, h)) + 2  # a square any turn of which still covers the frame
    coarse = rng.standard_normal((side // 3, max(2, side // 120))).astype(np.float32)
    streaks = cv2.resize(coarse, (side, side), interpolation=cv2.INTER_CUBIC)  # fast across, slow along
    wobble = smooth_noise((side, side), side / 3, rng)
    phase = np.arange(side, dtype=np.float32)[:, None] / (rng.uniform(*_WOOD_RING_PERIOD) * side) + 0.7 * wobble
    rings = np.abs(np.sin(np.pi * phase)) ** 0.35  # dark thin lines where a ring ends, wide light wood between
    shade = 0.8 + 0.08 * streaks + 0.25 * rings
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-90, 90), 1.0)
    turn[:, 2] -= ((side - w) / 2, (side - h) / 2)
    shade = cv2.warpAffine(shade, turn, (w, h), flags=cv2.INTER_LINEAR)
    colour = np.float32(_WOOD_BGR) * rng.uniform(*_WOOD_SHADE)
    return colour * shade[:, :, None] + 2.0 * smooth_noise((h, w), 2.0, rng)[:, :, None]


def _wall(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """float32 HxWx3 out-of-focus room or shirt behind a held card: neutral, softly uneven."""
    w, h = size
    colour = np.float32(_pick(_WALLS, rng)) * rng.uniform(0.8, 1.15)
    shade = 1 + 0.12 * smooth_noise((h, w), h / 2, rng) + 0.02 * smooth_noise((h, w), 6.0, rng)
    return colour * shade[:, :, None]


def _hold(frame: np.ndarray, sheet: Sheet, fingers: int, sides: bool, rng: np.random.Generator) -> None:
    """Paint one or two thumbs from outside the view over the card's edge, beside the digits."""
    tl, tr, br, bl = sheet.corners
    char_h = float(np.median([b.h for b in sheet.boxes]))
    width = rng.uniform(*_FINGER_WIDTH) * char_h
    keep_out = keep_out_rects(sheet.boxes, _FINGER_CLEARANCE * char_h + width / 2)  # for the finger's axis
    centre = sheet.corners.mean(axis=0)
    near = [min(sheet.boxes, key=lambda b: b.x), max(sheet.boxes, key=lambda b: b.x2)]  # each hand's digit
    if sides:
        holds = [((tl, bl), (0.2, 0.8)), ((tr, br), (0.2, 0.8))]
    else:
        holds = [((bl, br), (0.08, 0.45)), ((bl, br), (0.55, 0.92))]  # the bottom edge, one thumb each half
    for k in rng.permutation(2)[:fingers]:
        (a, b), span = holds[k]
        turn = rotation(math.radians(rng.uniform(-_FINGER_TURN_DEG, _FINGER_TURN_DEG)))
        pointing = turn @ _inward(a, b, centre)
        spots = [a + (b - a) * t for t in np.linspace(*span, 7)]
        reaches = [_reach(p, pointing, width, keep_out) for p in spots]
        best = _best_spot(spots, reaches, pointing, width, near[k])
        tip = spots[best] + pointing * reaches[best] * rng.uniform(0.6, 1.0)
        paint_skin(frame, _thumb_poly(tip, pointing, width / 2, frame.shape), width / 2)
        _paint_nail(frame, tip, pointing, width / 2)


def _inward(a: np.ndarray, b: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Unit normal of the card edge a-b that points into the card."""
    along = (b - a) / np.linalg.norm(b - a)
    normal = np.array([-along[1], along[0]])
    return normal if np.dot(centre - a, normal) > 0 else -normal


def _reach(edge: np.ndarray, pointing: np.ndarray, width: float, keep_out) -> float:
    """How far past the card's edge a fingertip can go along ``pointing`` and stay clear of the ink."""
    reach = 0.0
    while reach < _FINGER_REACH[1] * width:
        cap = edge + pointing * (reach + 0.1 * width - width / 2)  # the round tip's centre
        if not _line_clear(edge - pointing * width, cap, keep_out):
            break
        reach += 0.1 * width
    return reach


def _line_clear(p1: np.ndarray, p2: np.ndarray, keep_out) -> bool:
    return not any(cv2.clipLine(r, _int(p1), _int(p2))[0] for r in keep_out)


def _best_spot(spots, reaches, pointing, width: float, target) -> int:
    """The spot where a thumb reaches well over the edge and its tip ends nearest the ``target`` box."""

    def distance(i: int) -> float:
        return math.dist(spots[i] + pointing * reaches[i], target.center)

    deep = [i for i, r in enumerate(reaches) if r >= _FINGER_REACH[0] * width]
    return min(deep, key=distance) if deep else int(np.argmax(reaches))


def _thumb_poly(tip: np.ndarray, pointing: np.ndarray, radius: float, shape: tuple[int, ...]) -> np.ndarray:
    """Convex polygon of a finger: a round tip at ``tip``, its body running back out of the view."""
    cap = tip - pointing * radius
    length = math.hypot(shape[0], shape[1])  # far enough back to leave any frame
    angle = round(math.degrees(math.atan2(pointing[1], pointing[0])))
    arc = cv2.ellipse2Poly(_int(cap), (round(radius), round(radius)), angle, -90, 90, 10)
    side = np.array([-pointing[1], pointing[0]]) * radius
    far = cap - pointing * length
    return cv2.convexHull(np.vstack([arc, np.int32([far + side, far - side])]))


def _paint_nail(frame: np.ndarray, tip: np.ndarray, pointing: np.ndarray, radius: float) -> None:
    """A thumbnail near the tip: lighter and pinker than the skin, with a thin darker rim."""
    centre = tip - pointing * 0.75 * radius
    angle = round(math.degrees(math.atan2(pointing[1], pointing[0])))
    axes = (round(0.55 * radius), round(0.6 * radius))
    nail = np.zeros(frame.shape[:2], np.uint8)
    cv2.ellipse(nail, _int(centre), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
    blend_mask(frame, nail, np.float32(_NAIL_BGR), _NAIL_OPACITY)
    rim = np.zeros(frame.shape[:2], np.uint8)
    cv2.ellipse(rim, _int(centre), axes, angle, 0, 360, 255, max(1, round(radius / 12)), cv2.LINE_AA)
    blend_mask(frame, rim, np.float32(_NAIL_BGR) * 0.7, 0.5)


def _int(p: Sequence[float]) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


_RENDER: dict[str, Callable[[list, list, np.random.Generator], Scene]] = {
    "ruled": _ruled, "squared": _squared, "boxes": _boxes, "table": _table, "operators": _operators,
    "touching": _touching, "small": _small, "colour": _colour, "desk": _desk, "fingers": _fingers, "form": _form,
}  # fmt: skip
