"""Marks that are not characters: handwritten operators and pieces of printed boxes and tables.

The reader must reject them (the model's "not a character" output), so training draws them here:
``+ - x / ( ) = : # *`` written by hand, and corners, T-junctions, crossings, cell bottoms, empty
cells, rule pieces and die faces as a form or squared paper prints them. Patches are uint8 (n, 28, 28),
white on black, in the MNIST layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config
from vision.preprocess import to_mnist
from vision.synth.warp import elastic_warp

# Geometry is drawn in unit-free coordinates (y down), then fitted so the mark's longer side spans
# MARK_EXTENT px of a MARK_CANVAS canvas: stroke thickness then relates to the mark's size the way
# a synthetic K's 4-12 px strokes relate to its ~70 px height. The margin keeps thick strokes and
# the wobble inside.
MARK_CANVAS = 112
MARK_EXTENT = (50.0, 72.0)  # px: the longer side of the mark's stroke skeleton
PEN = (4, 12)  # px, handwritten strokes (as a synthetic K)
PRINTED = (3, 9)  # px, printed rules: thin next to the box they bound
DOT = (14, 26)  # px, the dots of a colon
SLASH_DEG = (50.0, 70.0)  # from vertical: measured, MNIST test 1s lean up to 45 (99th percentile 41)
ARC_DEG = (95.0, 140.0)  # span of a parenthesis' arc: flatter ones are bent 1s, wider ones hooked 7s
CROSS_AT = (0.4, 0.6)  # where the bar of a + crosses its stem: higher is a t-like 7
_WOBBLE_GRID = 6  # control points per side of the warp on the canvas: a wobble every ~19 px
Strokes = list[np.ndarray]  # polylines, each (k, 2) float x, y


@dataclass(frozen=True)
class _MarkSpec:
    strokes: Callable[[np.random.Generator], Strokes]
    pen: tuple[int, int]  # stroke thickness range, px on the fitted mark
    slant: float  # largest shear (x shift per unit of height) applied on top of the geometry
    wobble: float  # elastic displacement std, px: handwriting wobbles, printed rules barely


def _seg(p0, p1, bow: float = 0.0, n: int = 16) -> np.ndarray:
    """Stroke from p0 to p1, bent sideways by ``bow`` x its length at the middle."""
    p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    d = p1 - p0
    return p0 + t * d + 4.0 * bow * t * (1.0 - t) * np.array([-d[1], d[0]])


def _ray(deg: float, length: float, centre=(0.0, 0.0), along: float = 0.5, bow: float = 0.0) -> np.ndarray:
    """Straight (or bowed) stroke at ``deg`` from vertical (positive leans right) through ``centre``,
    which sits at fraction ``along`` of the stroke from its lower end."""
    a = np.radians(deg)
    up = np.array([np.sin(a), -np.cos(a)]) * length
    c = np.asarray(centre, np.float64)
    return _seg(c - up * along, c + up * (1.0 - along), bow)


def _turn(strokes: Strokes, deg: float) -> Strokes:
    a = np.radians(deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [s @ rot.T for s in strokes]


def _plus(rng: np.random.Generator) -> Strokes:
    """Stem and bar of similar length crossing near both middles (an open-top 4 or a t-like 7 is not)."""
    u = rng.uniform
    stem = _ray(u(-8, 8), 1.0, along=u(*CROSS_AT), bow=u(-0.05, 0.05))
    bar = _ray(90 + u(-8, 8), u(0.8, 1.25), along=u(*CROSS_AT), bow=u(-0.05, 0.05))
    return [stem, bar]


def _minus(rng: np.random.Generator) -> Strokes:
    return [_ray(90 + rng.uniform(-10, 10), 1.0, bow=rng.uniform(-0.06, 0.06))]


def _times(rng: np.random.Generator) -> Strokes:
    """Two diagonals crossing near their middles: no vertical stem, so neither a K nor a 4."""
    u = rng.uniform
    one = _ray(u(30, 60), 1.0, along=u(0.35, 0.65), bow=u(-0.08, 0.08))
    two = _ray(-u(30, 60), u(0.8, 1.25), along=u(0.35, 0.65), bow=u(-0.08, 0.08))
    return [one, two]


def _slash(rng: np.random.Generator) -> Strokes:
    return [_ray(rng.uniform(*SLASH_DEG), 1.0, bow=rng.uniform(-0.04, 0.04))]


def _paren(rng: np.random.Generator, side: float) -> Strokes:
    """An arc bulging left (side -1: "(") or right (+1: ")"), squashed and tilted a little."""
    half = np.radians(rng.uniform(*ARC_DEG)) / 2
    t = np.linspace(-half, half, 24)
    arc = np.stack([side * np.cos(t) * rng.uniform(0.8, 1.1), np.sin(t)], axis=1)
    return _turn([arc], rng.uniform(-12, 12))


def _equals(rng: np.random.Generator) -> Strokes:
    u = rng.uniform
    tilt, gap = 90 + u(-8, 8), u(0.25, 0.7)
    top = _ray(tilt, 1.0, bow=u(-0.05, 0.05))
    low = _ray(tilt + u(-4, 4), u(0.75, 1.0), centre=(u(-0.12, 0.12), gap), bow=u(-0.05, 0.05))
    return [top, low]


def _colon(rng: np.random.Generator) -> Strokes:
    """Two dots, one above the other: strokes of almost no length, drawn as their round caps."""
    low_x = rng.uniform(-0.15, 0.15)
    return [np.array([[x, y], [x + 0.01, y]]) for x, y in ((0.0, 0.0), (low_x, 1.0))]


def _hash(rng: np.random.Generator) -> Strokes:
    u = rng.uniform
    lean, dx, dy = u(5, 20), u(0.3, 0.5) / 2, u(0.3, 0.5) / 2
    stems = [_ray(lean + u(-3, 3), 1.0, centre=(x, 0.0), bow=u(-0.04, 0.04)) for x in (-dx, dx)]
    bars = [_ray(90 + u(-8, 8), u(0.8, 1.1), centre=(0.0, y), bow=u(-0.04, 0.04)) for y in (-dy, dy)]
    return stems + bars


def _asterisk(rng: np.random.Generator) -> Strokes:
    """Four crossing strokes (a + over an x), or three with one upright. Three with one lying flat
    would be a + with a diagonal: how MNIST writes many a 4."""
    k = int(rng.integers(3, 5))
    base = rng.uniform(0, 180) if k == 4 else rng.uniform(-10, 10)
    return [_ray(base + i * 180 / k + rng.uniform(-10, 10), rng.uniform(0.8, 1.0)) for i in range(k)]


def _corner(rng: np.random.Generator) -> Strokes:
    """A box corner with arms right+down, right+up or left+up. Never left+down: that is a 7's
    bar and stem to any reader, MNIST included."""
    sx, sy = [(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)][int(rng.integers(3))]  # arm directions, y down
    pts = np.array([[sx, 0.0], [0.0, 0.0], [0.0, sy * rng.uniform(0.4, 2.5)]])
    return _turn([pts], rng.uniform(-4, 4))


def _tee(rng: np.random.Generator) -> Strokes:
    """A T-junction of a horizontal rule, stem down or up. Not on a vertical rule: with its arm
    to the left or right that is a 4 without the diagonal, as MNIST writes some."""
    at = rng.uniform(0.3, 0.7)
    bar = _seg((0.0, 0.0), (1.0, 0.0))
    stem = _seg((at, 0.0), (at, rng.choice([-1.0, 1.0]) * rng.uniform(0.35, 0.9)))
    return _turn([bar, stem], rng.uniform(-4, 4))


def _junction(rng: np.random.Generator) -> Strokes:
    """Two table rules crossing: thin, straight, crossing near both middles."""
    one = _ray(rng.uniform(-4, 4), 1.0, along=rng.uniform(0.35, 0.65))
    two = _ray(90 + rng.uniform(-4, 4), rng.uniform(0.7, 1.4), along=rng.uniform(0.35, 0.65))
    return [one, two]


def _cell(rng: np.random.Generator) -> Strokes:
    """The U-shaped bottom of a form cell, wider than its sides are tall. Not the top: upside
    down it is a 7 with a hooked bar, which MNIST holds."""
    left, right = rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.9)
    pts = np.array([[0.0, -left], [0.0, 0.0], [1.0, 0.0], [1.0, -right]])
    return _turn([pts], rng.uniform(-4, 4))


def _box(rng: np.random.Generator) -> Strokes:
    """An empty cell outline, wider than tall (a tall narrow one would be a 0), sometimes broken."""
    h = rng.uniform(0.33, 0.9)
    ring = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, h], [0.0, h], [0.0, 0.0]])
    if rng.random() < 0.4:  # a gap in the top or bottom side, where the print or the mask broke
        cut = rng.uniform(0.15, 0.6)
        ring = np.array([[cut, 0.0], [1.0, 0.0], [1.0, h], [0.0, h], [0.0, 0.0], [cut - 0.12, 0.0]])
    return _turn([ring], rng.uniform(-4, 4))


def _rule(rng: np.random.Generator) -> Strokes:
    """A piece of a horizontal or slanted rule; near-vertical pieces are left out (they are 1s)."""
    return [_ray(90 + rng.uniform(-30, 30), 1.0)]


def _die(rng: np.random.Generator) -> Strokes:
    """A printed die face: a square outline and its pips (tiny rings, filled by the pen width)."""
    ring = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    pips = {1: [(0.5, 0.5)], 2: [(0.27, 0.27), (0.73, 0.73)], 3: [(0.27, 0.27), (0.5, 0.5), (0.73, 0.73)]}
    pips[4] = [(0.27, 0.27), (0.73, 0.27), (0.27, 0.73), (0.73, 0.73)]
    pips[5] = [*pips[4], (0.5, 0.5)]
    pips[6] = [*pips[4], (0.27, 0.5), (0.73, 0.5)]
    t = np.linspace(0, 2 * np.pi, 9)
    r = rng.uniform(0.04, 0.07)
    dots = [np.stack([x + r * np.cos(t), y + r * np.sin(t)], axis=1) for x, y in pips[int(rng.integers(1, 7))]]
    return _turn([ring, *dots], rng.uniform(-4, 4))


OPERATOR_KINDS: dict[str, _MarkSpec] = {
    "+": _MarkSpec(_plus, PEN, 0.25, 2.0),
    "-": _MarkSpec(_minus, PEN, 0.0, 2.0),
    "x": _MarkSpec(_times, PEN, 0.0, 2.0),
    "/": _MarkSpec(_slash, PEN, 0.0, 2.0),
    "(": _MarkSpec(lambda r: _paren(r, -1.0), PEN, 0.1, 2.0),
    ")": _MarkSpec(lambda r: _paren(r, 1.0), PEN, 0.1, 2.0),
    "=": _MarkSpec(_equals, PEN, 0.2, 2.0),
    ":": _MarkSpec(_colon, DOT, 0.3, 1.3),
    "#": _MarkSpec(_hash, PEN, 0.15, 2.0),
    "*": _MarkSpec(_asterisk, PEN, 0.0, 2.0),
}
STRUCTURE_KINDS: dict[str, _MarkSpec] = {
    "corner": _MarkSpec(_corner, PRINTED, 0.0, 0.7),
    "tee": _MarkSpec(_tee, PRINTED, 0.0, 0.7),
    "junction": _MarkSpec(_junction, PRINTED, 0.0, 0.7),
    "cell": _MarkSpec(_cell, PRINTED, 0.0, 0.7),
    "box": _MarkSpec(_box, PRINTED, 0.0, 0.7),
    "rule": _MarkSpec(_rule, PRINTED, 0.0, 0.7),
    "die": _MarkSpec(_die, PRINTED, 0.0, 0.7),
}
MARK_KINDS = {**OPERATOR_KINDS, **STRUCTURE_KINDS}


def operator_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` handwritten non-PIN marks, uint8 (n, 28, 28), white on black, MNIST layout.

    Cycles through ``+ - x / ( ) = : # *`` (a "×" is an x once fitted to 20 px). Without them the
    model reads the operators between digits (``4x(2+2)``) as 4, 7, 1 or 2. Left out on purpose:
    ``.`` (scaled to 20 px it is a filled disc, which ``clutter_patches`` already rejects as a
    smudge, or a 0) and ``,`` (a short tick, a 1 once scaled); the segmenter drops both by size.
    Geometry keeps clear of digits: ``/`` leans at least 50 degrees (MNIST 1s reach 45), the arc of
    a parenthesis spans 95-140 degrees (MNIST has bent 1s and hooked 7s either side), ``-`` and
    ``=`` stay near horizontal, an ``x`` has no vertical stem, a 3-stroke ``*`` has one upright.
    """
    return _marks(tuple(OPERATOR_KINDS), n, seed)


def structure_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` pieces of printed boxes and tables with no glyph inside, uint8 (n, 28, 28).

    Cycles through: an L corner (three orientations), a T-junction (two), a crossing of two rules,
    the U-shaped bottom of a cell, an empty cell outline, a horizontal or slanted rule piece, a
    die face (a score card's row labels: read as 0, 6 or 8 before).
    Forms and squared paper hand these to the classifier, which otherwise reads them as 1, 7 or 4.
    Left out as digits once fitted to 20 px: a lone vertical rule (a 1), a tall narrow outline (a 0),
    a corner opening down-left and the upside-down cell top (both 7s), a T on a vertical rule (a 4).
    """
    return _marks(tuple(STRUCTURE_KINDS), n, seed)


def mark_patches(kind: str, n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` patches of one kind from ``MARK_KINDS`` (for per-kind evaluation)."""
    if kind not in MARK_KINDS:
        raise ValueError(f"unknown mark kind {kind!r}; expected one of {sorted(MARK_KINDS)}")
    return _marks((kind,), n, seed)


def _marks(kinds: tuple[str, ...], n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    for i in range(n):
        spec = MARK_KINDS[kinds[i % len(kinds)]]
        out[i] = to_mnist(elastic_warp(_draw_mark(spec, rng), rng, spec.wobble, _WOBBLE_GRID))
    return out


def _draw_mark(spec: _MarkSpec, rng: np.random.Generator) -> np.ndarray:
    """Slant, fit and draw one mark's strokes on a MARK_CANVAS square canvas (white on black)."""
    strokes = spec.strokes(rng)
    slant = rng.uniform(-spec.slant, spec.slant)
    strokes = [s + np.stack([-slant * s[:, 1], np.zeros(len(s))], axis=1) for s in strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = rng.uniform(*MARK_EXTENT) / max(1e-6, float((hi - lo).max()))
    offset = MARK_CANVAS / 2 - scale * (lo + hi) / 2
    img = np.zeros((MARK_CANVAS, MARK_CANVAS), np.uint8)
    thickness = int(rng.integers(spec.pen[0], spec.pen[1] + 1))
    polylines = [np.int32(np.round(s * scale + offset)) for s in strokes]
    cv2.polylines(img, polylines, False, 255, thickness, cv2.LINE_AA)
    return img
