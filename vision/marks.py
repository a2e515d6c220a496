"""Marks the classifier cannot tell from digits on their own, told apart by their context.

A handwritten bracket is a thin bent stroke; fitted into 20x20 like MNIST it looks like a bent 1
or a hooked 7, and the model reads ``4x(2+2)`` as ``4 12 2``. What gives it away is its size
beside the text: a bracket spans the digits it encloses, so it stands at least as tall as them.
Fewer than 1% of MNIST 1s and 7s are as thin and bent.

A slash is a straight thin stroke leaning 30 to 60 degrees; a 1 leans 38 degrees or more in 2% of
MNIST's writers, 28 or more in 10%. So a slash is told by its context too (see ``vision.pipeline``):
it stands between two characters of its line, no other 1 in view leans as far, and it leans 38
degrees or more, or 28 and 22 further than the writing beside it.

A flagged 1 (the European 1, a long up-stroke before the stem) reads as a 7 to a model trained on
MNIST's American hands. Writers who flag their 1s cross their 7s, so a crossed 7 in view tells
the rest (see ``vision.pipeline``): a crossed 7's skeleton has three ends or more, a 7 or a 1
two. Where no 7 is in view, the flag's own slope tells it: a 7's bar runs level from its top, so
the left part of a 7's top stands within 15% of its height of the top in 99% of MNIST's 7s; a
flag climbs to the stem's top from a quarter of the height or more below it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config

_GRID = np.mgrid[0 : config.PATCH_SIZE, 0 : config.PATCH_SIZE].astype(np.float64)  # (y, x) of every patch pixel


@dataclass(frozen=True)
class StrokeShape:
    """A patch's ink as one stroke: its tilt from upright (degrees, positive leaning left like
    a backslash), its elongation (long over short axis) and its bow (the sagitta of a parabola
    fitted along the long axis, over the stroke's length: 0 for a straight line)."""

    tilt_deg: float
    elongation: float
    bow: float


def stroke_shape(patch: np.ndarray) -> StrokeShape:
    """Shape of a uint8 (28, 28) white-on-black patch from its ink-weighted moments."""
    ink = patch.astype(np.float64)
    mass = ink.sum()
    if mass <= 0:
        return StrokeShape(0.0, 1.0, 0.0)
    ys, xs = _GRID
    cy, cx = (ink * ys).sum() / mass, (ink * xs).sum() / mass
    dy, dx = ys - cy, xs - cx
    mu20, mu02, mu11 = (ink * dx * dx).sum() / mass, (ink * dy * dy).sum() / mass, (ink * dx * dy).sum() / mass
    theta = 0.5 * math.atan2(2 * mu11, mu02 - mu20)  # long axis, from the vertical
    spread = math.hypot((mu20 - mu02) / 2, mu11)
    major, minor = (mu20 + mu02) / 2 + spread, max((mu20 + mu02) / 2 - spread, 1e-6)
    return StrokeShape(math.degrees(theta), math.sqrt(major / minor), _bow(ink, dx, dy, theta))


def _bow(ink: np.ndarray, dx: np.ndarray, dy: np.ndarray, theta: float) -> float:
    """Sagitta over length of the parabola v = a u^2 + b u + c fitted to the ink (u along the
    long axis, v across it), weighted by ink."""
    on = ink > 0
    u = (dx * math.sin(theta) + dy * math.cos(theta))[on]
    v = (dx * math.cos(theta) - dy * math.sin(theta))[on]
    if len(u) < 3:
        return 0.0
    w = np.sqrt(ink[on])
    design = np.stack([u * u, u, np.ones_like(u)], axis=1) * w[:, None]
    a = np.linalg.lstsq(design, v * w, rcond=None)[0][0]
    length = float(u.max() - u.min())
    return abs(a) * (length / 2) ** 2 / max(length, 1.0)


def is_bracket(patch: np.ndarray, height_ratio: float) -> bool:
    """Whether a crop read as a digit is a bracket (see ``bracket_at``)."""
    return bracket_at(stroke_shape(patch), height_ratio)


def bracket_at(shape: StrokeShape, height_ratio: float) -> bool:
    """Whether a stroke of ``shape`` standing ``height_ratio`` times as tall as the text's
    characters is a bracket: thin and bent, and at least BRACKET_TALL as tall, or only
    BRACKET_TALL_BENT when bent as far as BRACKET_BENT (handwritten brackets drawn no taller
    than the digits)."""
    if height_ratio < config.BRACKET_TALL_BENT or not bracket_shaped(shape):
        return False
    return height_ratio >= config.BRACKET_TALL or shape.bow >= config.BRACKET_BENT


def bracket_shaped(shape: StrokeShape) -> bool:
    return shape.elongation >= config.BRACKET_ELONGATION and shape.bow >= config.BRACKET_BOW


def is_arrow(patch: np.ndarray, angle: float = 0.0) -> bool:
    """Whether a patch is an arrow (a form's printed "total ->", read as a 7 or a 3): its ink
    ARROW_FLAT times wider than tall, a shaft from one end along ARROW_SHAFT of its width (each
    column one run, thin, centred on the ink's middle), and past it a head at least ARROW_HEAD
    of the height tall, centred on the shaft (its two sides mirror each other), whose last column
    is a centred point again, halfway there still ARROW_SLOPE of its height (a 4's bar runs on
    thin past its stem, its diagonal rises above the bar only), and ARROW_MIRROR of its ink
    mirrored about its middle row. No digit has a thin bar through its middle with nothing above
    or below it over that much of its width (a flat 2's bar lies at its foot, a 7's at its top).
    ``angle`` is the writing's direction: a form photographed askew tilts its arrows in their
    patches, which are turned level first. Tall patches, most digits, stop at the first test."""
    m = patch > config.ARROW_INK
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    if len(rows) < 3 or len(cols) < 3 or cols[-1] - cols[0] + 1 < config.ARROW_FLAT * (rows[-1] - rows[0] + 1):
        return False
    if abs(math.degrees(angle)) >= config.ARROW_LEVEL_DEG:  # a form photographed askew: level it first
        turn = cv2.getRotationMatrix2D(((cols[0] + cols[-1]) / 2, (rows[0] + rows[-1]) / 2), math.degrees(angle), 1.0)
        m = cv2.warpAffine(patch, turn, patch.shape[::-1], flags=cv2.INTER_LINEAR) > config.ARROW_INK
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        if len(rows) < 3 or len(cols) < 3:
            return False
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if w < config.ARROW_FLAT * h:
        return False
    ink = m[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    count = ink.sum(axis=0)
    first = np.argmax(ink, axis=0)
    last = h - 1 - np.argmax(ink[::-1], axis=0)
    extent = np.where(count > 0, last - first + 1, 0)
    centred = (count > 0) & (np.abs((first + last) / 2 - (h - 1) / 2) <= config.ARROW_CENTRED * h)
    bar = centred & (extent == count) & (count <= config.ARROW_SHAFT_THICK * h)
    k = int(np.ceil(config.ARROW_SHAFT * w))
    for bars, mids, extents in ((bar, centred, extent), (bar[::-1], centred[::-1], extent[::-1])):
        if not (bars[:k].all() and bars[-1]) or extents[k:].max(initial=0) < config.ARROW_HEAD * h:
            continue
        top = k + int(np.argmax(extents[k:]))  # the head's tallest column, then its slopes to the tip
        if mids[top:].all() and extents[(top + len(extents) - 1) // 2] >= config.ARROW_SLOPE * extents[top]:
            # An arrow mirrors itself about its shaft; a 4 lying flat has its head above, a stem below.
            return int((ink & ink[::-1]).sum()) >= config.ARROW_MIRROR * int(ink.sum())
    return False


def is_slash(patch: np.ndarray) -> bool:
    """Whether a crop read as a 1 has a slash's shape: one straight thin stroke leaning
    SLASH_TILT_DEG or more to the right."""
    return slash_shaped(stroke_shape(patch))


def slash_shaped(shape: StrokeShape, tilt_deg: float = config.SLASH_TILT_DEG) -> bool:
    """One straight thin stroke leaning ``tilt_deg`` or more to the right."""
    steep = shape.tilt_deg <= -tilt_deg
    return steep and shape.elongation >= config.SLASH_ELONGATION and shape.bow < config.SLASH_BOW


_RING = np.ones((3, 3), np.float32)


def skeleton_ends(patch: np.ndarray) -> int:
    """Ends of the strokes of a uint8 (28, 28) white-on-black patch: pixels of its one-pixel
    skeleton (Zhang-Suen thinning) with one neighbour, once branches of SKELETON_SPUR_PX or
    less (thinning noise at a stroke's corner) are pruned."""
    if not patch.any():
        return 0
    skeleton = _thin((patch > 0.4 * float(patch.max())).astype(np.uint8))
    for _ in range(config.SKELETON_SPUR_PX):
        skeleton = np.where(_ends(skeleton), 0, skeleton).astype(np.uint8)
    return int(_ends(skeleton).sum())


def crossed_seven(patch: np.ndarray) -> bool:
    """Whether a patch read as a 7 is crossed (a bar through its stem): CROSSED_SEVEN_ENDS ends."""
    return skeleton_ends(patch) >= config.CROSSED_SEVEN_ENDS


def flag_droop(patch: np.ndarray) -> float:
    """How far below its top the left part of a patch's top edge stands, over its ink's height:
    the highest ink of the left FLAG_DROOP_WIDTH of its ink's columns. 0 for a 7's level bar, a
    quarter or more for a flagged 1's rising up-stroke."""
    ink = patch > config.FLAG_DROOP_INK
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    if len(rows) == 0:
        return 0.0
    left = ink[:, cols[0] : cols[0] + max(1, round(config.FLAG_DROOP_WIDTH * (cols[-1] - cols[0] + 1)))]
    top = int(np.nonzero(left.any(axis=1))[0][0])
    return (top - int(rows[0])) / float(rows[-1] - rows[0] + 1)


def core_ink(patch: np.ndarray) -> float:
    """Share of the middle third (each way) of a patch's ink box that is ink: 0 in a 0's hole,
    ZERO_FILLED_CORE or more in no MNIST test 0 (21 of its 5,923 training 0s, blots) and in a
    ring with a letter in it (a "®")."""
    ink = patch > config.FLAG_DROOP_INK
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    if len(rows) == 0:
        return 0.0
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    y0, x0 = rows[0] + h // 3, cols[0] + w // 3
    return float(ink[y0 : max(y0 + 1, rows[0] + h - h // 3), x0 : max(x0 + 1, cols[0] + w - w // 3)].mean())


def gapped(patches: np.ndarray) -> np.ndarray:
    """(N,) bool per (N, 28, 28) patch: its ink (as ``is_dots`` sees it) leaves an empty row or
    column inside its extent, as any few dots apart do. One pass over the batch, so that only
    these few pay for ``is_dots``'s labelling; a pen stroke's ink runs on without a gap."""
    if not len(patches):
        return np.zeros(0, bool)
    top = patches.reshape(len(patches), -1).max(axis=1).astype(np.float32)
    ink = patches > (config.DOTS_INK * top)[:, None, None]
    out = np.zeros(len(patches), bool)
    for axis in (1, 2):
        seen = ink.any(axis=axis)
        first = np.argmax(seen, axis=1)
        last = seen.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
        out |= seen.sum(axis=1) < last - first + 1
    return out


def is_dots(patch: np.ndarray) -> bool:
    """Whether a patch is a few dots and nothing else (a die face's column of pips on a score card,
    a colon), read as a 3 or a 1: its ink falls into DOTS_MIN_COUNT or more pieces, each a solid,
    round blob (DOTS_FILL of its box inked, its sides within DOTS_ROUND of each other) no bigger
    than DOTS_MAX_SIZE of the ink's height. A pen stroke broken by a faint pen is a line, not a
    disc; no MNIST digit is such dots."""
    # At half the patch's brightest ink: blur joins dots set close at any fainter level.
    ink = (patch > config.DOTS_INK * int(patch.max())).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n - 1 < config.DOTS_MIN_COUNT:
        return False
    ys = np.flatnonzero(ink.any(axis=1))
    most = config.DOTS_MAX_SIZE * (ys[-1] - ys[0] + 1)
    for _, _, w, h, area in stats[1:].tolist():
        if max(w, h) > most or max(w, h) > config.DOTS_ROUND * min(w, h) or area < config.DOTS_FILL * w * h:
            return False
    return True


def _ends(skeleton: np.ndarray) -> np.ndarray:
    neighbours = cv2.filter2D(skeleton.astype(np.float32), -1, _RING, borderType=cv2.BORDER_CONSTANT) - skeleton
    return (skeleton == 1) & (neighbours == 1)


def _thin(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a 0/1 image to one-pixel-wide strokes."""
    im = np.pad(ink, 1)
    changed = True
    while changed:
        changed = False
        for first in (True, False):
            p2, p3, p4, p5 = im[:-2, 1:-1], im[:-2, 2:], im[1:-1, 2:], im[2:, 2:]
            p6, p7, p8, p9 = im[2:, 1:-1], im[2:, :-2], im[1:-1, :-2], im[:-2, :-2]
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            count = sum(n.astype(np.int16) for n in ring[:8])
            rises = sum(((ring[k] == 0) & (ring[k + 1] == 1)).astype(np.int16) for k in range(8))
            if first:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            drop = (im[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (rises == 1) & side
            if drop.any():
                im[1:-1, 1:-1][drop] = 0
                changed = True
    return im[1:-1, 1:-1]
