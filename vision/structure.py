"""Printed structure out, ink kept: ruled lines, squared grids, box borders and table rules.

Conventions: ``mask`` uint8 0/255, white ink, at processing resolution; angles in radians as in
:mod:`vision.layout` (0 = left to right, image y growing downwards).

Structure is told from writing by what no character has: straight runs many characters long.
It is found along and across the measured direction of the lines themselves (a Hough peak on a
small max-pooled copy), because a 1-pixel rule at a slant of a degree or two already slips out
of a long line-shaped kernel. Removing a rule cuts the strokes that cross it; they are given back
where ink continues on both sides of the rule. Short cell borders that run from one removed rule
to the next are erased too: a box edge is never a 1.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vision import config


def _odd(x: float) -> int:
    return max(3, int(x) // 2 * 2 + 1)


def _max_pool(mask: np.ndarray, k: int) -> np.ndarray:
    """1/k of a 0/255 mask where a block holding any ink is ink: thin lines stay unbroken."""
    if k <= 1:
        return mask
    h, w = max(1, mask.shape[0] // k), max(1, mask.shape[1] // k)
    small = cv2.resize(mask[: h * k, : w * k], (w, h), interpolation=cv2.INTER_AREA)
    return cv2.compare(small, 0, cv2.CMP_GT)


def line_angles(mask: np.ndarray, angle: float) -> tuple[float, float]:
    """Directions of the longest straight structures: (near ``angle``, across it), radians.

    A Hough transform on a small max-pooled copy; each family falls back to the text direction
    (or its perpendicular) when no line of it is found.
    """
    dirs = _line_directions(mask)
    near = _shared_direction(dirs, angle)
    along = angle if near is None else near
    far = _shared_direction(dirs, angle + math.pi / 2)
    return along, (along + math.pi / 2 if far is None else far)


def rule_direction(mask: np.ndarray) -> float | None:
    """Direction (radians) of the printed rules in ``mask`` that run nearest the frame's rows,
    those within STRUCTURE_FAMILY_DEG of level, or None when none does: the way the lines of a
    ruled page or the rows of a table run, along which their writing runs too."""
    return _shared_direction(_line_directions(mask), 0.0)


def _line_directions(mask: np.ndarray) -> list[float]:
    """Directions (radians) of the strongest straight lines in ``mask``, strongest first: a Hough
    transform on a small max-pooled copy."""
    k = max(1, round(max(mask.shape) / config.STRUCTURE_PROBE_SIDE))
    small = _max_pool(mask, k)
    votes = max(8, int(config.STRUCTURE_HOUGH_SHARE * min(small.shape)))
    found = cv2.HoughLines(small, 1, math.radians(config.STRUCTURE_HOUGH_STEP_DEG), votes)
    if found is None:
        return []
    # HoughLines gives the normal's angle theta, strongest first; the line runs at theta - 90.
    return [(float(t) - math.pi / 2) for t in found[: config.STRUCTURE_HOUGH_PEAKS, 0, 1]]


def _shared_direction(dirs: list[float], ref: float) -> float | None:
    """The direction within STRUCTURE_FAMILY_DEG of ``ref`` that most of the strong lines share.

    Printed structure repeats: a box strip has a top and a bottom edge, a page many rules, all
    parallel. The single strongest Hough line can instead be a band of thick writing that happens
    to line up (a row of digits 5 degrees off its box), so the most shared direction wins, the
    strongest on a tie.
    """
    family = [d for d in dirs if _angle_diff(d, ref) < math.radians(config.STRUCTURE_FAMILY_DEG)]
    if not family:
        return None
    tol = math.radians(config.STRUCTURE_SHARED_DEG)
    counts = [sum(_angle_diff(d, e) <= tol for e in family) for d in family]
    return family[counts.index(max(counts))]


def _angle_diff(a: float, b: float) -> float:
    """Difference of two line directions (modulo 180 degrees), 0..pi/2."""
    d = (a - b) % math.pi
    return min(d, math.pi - d)


def line_kernel(length: int, angle: float) -> np.ndarray:
    """A 1-pixel line of ``length`` at ``angle`` in a square uint8 kernel."""
    kernel = np.zeros((length, length), np.uint8)
    c, r = length // 2, length / 2
    dx, dy = r * math.cos(angle), r * math.sin(angle)
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1, 1)
    return kernel


def find_lines(
    mask: np.ndarray,
    angles: tuple[float, float],
    lengths: tuple[float, float],
    rule_px: float | None = None,
    ruled_check: bool = False,
) -> np.ndarray:
    """0/255 mask of the straight runs of ``mask`` at least ``lengths[i]`` px long at ``angles[i]``,
    less the parts clearly thicker than the rules (``rule_px`` wide when known, see
    ``_thicker_than_rules``; ``math.inf`` keeps every run). ``ruled_check``: measure the rules'
    width on their ridge when they are parallel rules (only once characters are measured: the
    frame-long first pass also finds a card's shadowed edge, whose pieces pass for two rules).

    Long kernels run on a max-pooled copy (cheap at any resolution); the runs found there are
    then traced on the full mask with a short kernel of the same direction.
    """
    k = max(1, int(max(lengths) // config.STRUCTURE_MAX_KERNEL))
    pooled = _max_pool(mask, k)
    lines = np.zeros_like(mask)
    ruled = False  # two or more parallel rules along the text: printed lines, not strokes
    for family, (a, length) in enumerate(zip(angles, lengths)):
        if length <= 0:
            continue
        # Rules along the text are looked for one pixel thicker: a thin rule at a slant is a
        # staircase that a line kernel of another phase does not fit. Across, strictly: the
        # edge of a thumb below a 4's stem is nearly straight too.
        thicken = family == 0
        small = cv2.dilate(pooled, np.ones((3, 3), np.uint8)) if thicken else pooled
        found = cv2.morphologyEx(small, cv2.MORPH_OPEN, line_kernel(_odd(length / k), a))
        if k > 1:
            runs = _trace(mask, found, a, k, thicken)
        else:
            runs = cv2.bitwise_and(_undo_thicken(found) if thicken else found, mask)
        if family == 0 and rule_px is None and ruled_check:
            ruled = _ruled(runs, a, length)
        lines |= runs
    if rule_px != math.inf:
        lines = cv2.subtract(lines, _thicker_than_rules(lines, rule_px, ruled))
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))  # the anti-aliased rim of each line
    return cv2.bitwise_and(mask, lines)


def _trace(mask: np.ndarray, coarse: np.ndarray, angle: float, k: int, thicken: bool) -> np.ndarray:
    """The full mask's own straight runs at ``angle`` where the k-pooled ``coarse`` lines run:
    the writing on a rule keeps all but the rule's own rows."""
    big = cv2.resize(coarse, (coarse.shape[1] * k, coarse.shape[0] * k), interpolation=cv2.INTER_NEAREST)
    zone = np.zeros_like(mask)
    zone[: big.shape[0], : big.shape[1]] = big
    zone = cv2.dilate(zone, np.ones((k + 2, k + 2), np.uint8))
    kernel = line_kernel(config.STRUCTURE_MAX_KERNEL, angle)
    if thicken:  # as in find_lines
        runs = _undo_thicken(cv2.morphologyEx(cv2.dilate(mask, np.ones((3, 3), np.uint8)), cv2.MORPH_OPEN, kernel))
    else:
        runs = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.bitwise_and(cv2.bitwise_and(runs, zone), mask)


def _undo_thicken(found: np.ndarray) -> np.ndarray:
    """The runs found on the one-pixel-thicker mask, thinned back: neighbouring strokes stay out."""
    return cv2.erode(found, np.ones((3, 3), np.uint8))


def _thicker_than_rules(lines: np.ndarray, rule_px: float | None = None, ruled: bool = False) -> np.ndarray:
    """Parts of the straight runs clearly thicker than the rules themselves: a pen stroke lying
    on a rule (the base of a 2, the bar of a 4), which is writing, not print. ``rule_px``: the
    rules' width when known (a table measured on its own). Else, when the runs are ``ruled``
    (two or more parallel rules, see ``_ruled``), twice the depth along their middle (the
    distance transform's ridge): a rule's own width, so a thick printed rule comes out whole.
    Otherwise twice the median depth of the runs' pixels: half a rule's width, which keeps
    strokes taken as runs (a chain of touching digits, a card's ragged edge)."""
    points = lines > 0
    if not points.any():
        return np.zeros_like(lines)
    if rule_px is None:
        if ruled:
            rule_px = _ridge_width(lines)
        else:
            rule_px = 2 * float(np.median(cv2.distanceTransform(lines, cv2.DIST_L2, 3)[points]))
    side = int(round(rule_px)) + config.RULE_THICKER_PX
    return cv2.morphologyEx(lines, cv2.MORPH_OPEN, np.ones((side, side), np.uint8))


_PAD = 8  # px of paper around a component's box before looking for its lines


def table_rules(mask: np.ndarray, angle: float) -> float | None:
    """The width (px) of the rules when ``mask`` (one large component's box) is ruled like a
    table or a grid, else None. A table is drawn in lines thin for its size (its ink at most
    GRID_LINE_THINNESS of its shorter side), GRID_LINE_SHARE of the box long, two or more both
    along and across ``angle``, or three in one direction. A big character is not: a held-up 0
    has two parallel sides at most, a 4 one bar each way, and its strokes are thick for its size."""
    ink = mask > 0
    if not ink.any():
        return None
    # Across a stroke t px wide the distance to its edge averages t/4.
    thickness = 4.0 * float(cv2.distanceTransform(mask, cv2.DIST_L2, 3)[ink].mean())
    if thickness > config.GRID_LINE_THINNESS * min(mask.shape):
        return None
    extents = (mask.shape[1], mask.shape[0])  # along and across, for text within 45 degrees
    # The outer lines lie on the box's edge, where a slanted line kernel runs off the image.
    mask = cv2.copyMakeBorder(mask, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=0)
    angles = line_angles(mask, angle)
    counts, found = [], np.zeros_like(mask)
    for family in (0, 1):
        lengths = [0.0, 0.0]
        lengths[family] = config.GRID_LINE_SHARE * extents[family]
        lines = find_lines(mask, angles, (lengths[0], lengths[1]), math.inf)
        counts.append(_parallel_runs(lines, angles[family], lengths[family]))
        found |= lines
    if not (min(counts) >= 2 or max(counts) >= 3):
        return None
    return _ridge_width(found)


def _ridge_width(lines: np.ndarray) -> float:
    """The rules' width (px): twice the depth along their middle (the distance transform's
    ridge), where a median over all their pixels gives half of it."""
    depth = cv2.distanceTransform(lines, cv2.DIST_L2, 3)
    ridge = (lines > 0) & (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8)))
    return 2.0 * float(np.median(depth[ridge]))


def _parallel_runs(lines: np.ndarray, angle: float, length: float, min_gap: int = 1) -> int:
    """How many separate lines at ``angle`` ``lines`` holds: pixels grouped by their offset
    across the direction, a group counting when it holds half a line of ``length`` pixels.
    Groups fewer than ``min_gap`` empty offsets apart are one line (a ragged band)."""
    ys, xs = np.nonzero(lines)
    if len(xs) == 0:
        return 0
    offset = np.round(ys * math.cos(angle) - xs * math.sin(angle)).astype(np.int64)
    counts = np.bincount(offset - offset.min()).tolist() + [0] * min_gap
    runs, total, empty = 0, 0, 0
    for c in counts:
        if c:
            total, empty = total + c, 0
        elif total:
            empty += 1
            if empty >= min_gap:
                runs += total >= 0.5 * length
                total = 0
    return runs


def _ruled(runs: np.ndarray, angle: float, length: float) -> bool:
    """Whether the straight runs along the text are two or more printed rules: parallel lines
    apart by RULED_GAP of their own width at least (a box strip's top and bottom, a page's
    rules), not the ragged edge of a card or one stroke."""
    if not runs.any():
        return False
    # Only runs RULED_PART of a kernel long: the strokes written between two rules leave short
    # runs at every offset between them, which would join the rules into one ragged band.
    _, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    along = stats[:, 2] * c + stats[:, 3] * s  # a thin line's own length
    long = along >= config.RULED_PART * length
    long[0] = False
    runs = np.where(long[labels], runs, 0).astype(np.uint8)
    points = runs > 0
    if not points.any():
        return False
    width = 4.0 * float(cv2.distanceTransform(runs, cv2.DIST_L2, 3)[points].mean())  # see table_rules
    return _parallel_runs(runs, angle, length, max(1, round(config.RULED_GAP * width))) >= 2


def remove_structure(
    mask: np.ndarray,
    angle: float,
    lengths: tuple[float, float],
    height: float | None,
    known: np.ndarray | None = None,
    rule_px: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Erase long straight runs along and across the lines' direction, keep strokes crossing them.

    ``lengths`` (px) along and across; ``height`` the character height (px) for the repair and
    cell-border rules, None while characters cannot be measured yet (no cell borders then);
    ``known`` structure an earlier pass found, still in ``mask``: it comes out with the runs
    found now, its crossings repaired with theirs (cell borders may end on it). Returns (cleaned
    mask, mask of everything taken as structure, ``known`` included). ``rule_px``: the rules'
    width when known (see ``find_lines``).
    """
    angles = line_angles(mask, angle)
    lines = find_lines(mask, angles, lengths, rule_px, ruled_check=height is not None)
    if known is not None:
        lines = cv2.bitwise_or(lines, known)
    cleaned = cv2.bitwise_and(mask, cv2.bitwise_not(lines))
    cleaned = _repair_crossings(cleaned, lines, angles, height or 0.0)
    if height is not None:
        cleaned = _erase_cell_edges(cleaned, lines, angles, height)
        cleaned = _erase_cell_borders(cleaned, lines, height)
    removed = cv2.bitwise_and(mask, cv2.bitwise_not(cleaned))
    return cleaned, removed if known is None else cv2.bitwise_or(removed, known)


def _repair_crossings(cleaned: np.ndarray, lines: np.ndarray, angles: tuple[float, float], height: float):
    """Give back the rule pixels where a stroke continues on both sides of the rule: a closing
    across each family of lines, limited to the removed pixels."""
    span = _odd(max(config.STRUCTURE_REPAIR_MIN_PX, config.STRUCTURE_REPAIR * height))
    restored = np.zeros_like(cleaned)
    for a in angles:
        closed = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, line_kernel(span, a + math.pi / 2))
        restored |= cv2.bitwise_and(closed, lines)
    return cv2.bitwise_or(cleaned, restored)


def erase_cell_edges(cleaned: np.ndarray, removed: np.ndarray, angle: float, height: float) -> np.ndarray:
    """``_erase_cell_edges`` once more, at a character height measured after the structure
    ``removed`` came out (boxes whose digits touch them first measure as characters)."""
    return _erase_cell_edges(cleaned, removed, line_angles(removed, angle), height)


def _erase_cell_edges(cleaned: np.ndarray, lines: np.ndarray, angles: tuple[float, float], height: float) -> np.ndarray:
    """Remove straight runs across the rules that reach from one removed rule along the text to
    the next: the side edges of boxes, also where a digit touches one and makes it part of the
    digit's component (which ``_erase_cell_borders``, judging whole components, must leave).
    Only rules along the text count as ends: wood grain or a page edge across it are no boxes."""
    along = _rules_along(lines, angles[0], height)
    if not along.any():
        return cleaned
    runs = cv2.morphologyEx(cleaned, cv2.MORPH_OPEN, line_kernel(_odd(config.CELL_EDGE_MIN * height), angles[1]))
    if not runs.any():
        return cleaned
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    reach = config.CELL_EDGE_REACH_PX  # an edge is joined to its rules; a stroke merely ends near one
    near = cv2.dilate(along, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    # A printed edge is as thin as the printed rules; a pen's stem filling its box is thicker.
    rule_depth = float(np.percentile(cv2.distanceTransform(along, cv2.DIST_L2, 3)[along > 0], 90))
    depth = cv2.distanceTransform(runs, cv2.DIST_L2, 3)
    beside = _beside_edges(lines, angles[1], height)
    drop = np.zeros(n, np.uint8)
    for i in range(1, n):
        x, y, w, h, _ = stats[i].tolist()
        if w > config.CELL_BORDER_THINNESS * h + 2:
            continue  # not a thin run across: part of a stroke's curve
        own = labels[y : y + h, x : x + w] == i
        if depth[y : y + h, x : x + w][own].max() > rule_depth + config.CELL_EDGE_THICKER_PX:
            continue
        if beside is not None and _stands_beside(beside[y : y + h, x : x + w][own], height):
            continue
        band = near[y : y + h, x : x + w] > 0
        if (band[: reach + 1] & own[: reach + 1]).any() and (band[h - reach - 1 :] & own[h - reach - 1 :]).any():
            drop[i] = 255
    if not drop.any():
        return cleaned
    edges = cv2.dilate(np.take(drop, labels), np.ones((3, 3), np.uint8))  # with the anti-aliased rim
    return cv2.bitwise_and(cleaned, cv2.bitwise_not(edges))


def _beside_edges(lines: np.ndarray, across: float, height: float) -> np.ndarray | None:
    """Distance (px) to the nearest side edge of a box already taken out (a run across the text
    in ``lines``), or None when there is none. A cell is wider than a character's half: a stroke
    standing CELL_BESIDE of a height or nearer to such an edge, with paper between, is a 1 written
    beside its box's wall, not a second wall."""
    edges = cv2.morphologyEx(lines, cv2.MORPH_OPEN, line_kernel(_odd(config.CELL_EDGE_MIN * height), across))
    if not edges.any():
        return None
    return cv2.distanceTransform(cv2.bitwise_not(edges), cv2.DIST_L2, 3)


def _stands_beside(distances: np.ndarray, height: float) -> bool:
    """Whether a run whose pixels lie at ``distances`` from the nearest removed side edge stands
    beside one: apart from it by more than CELL_BESIDE_MIN_PX, at most CELL_BESIDE heights away."""
    nearest = float(distances.min())
    return config.CELL_BESIDE_MIN_PX < nearest and nearest <= config.CELL_BESIDE * height


def _rules_along(lines: np.ndarray, angle: float, height: float) -> np.ndarray:
    """The parts of ``lines`` that run along ``angle`` for LINE_MIN_LENGTH character heights."""
    kernel = line_kernel(_odd(config.LINE_MIN_LENGTH * height), angle)
    thick = cv2.dilate(lines, np.ones((3, 3), np.uint8))  # a slanted 1-2 px rule is a staircase
    return cv2.bitwise_and(cv2.morphologyEx(thick, cv2.MORPH_OPEN, kernel), lines)


def _erase_cell_borders(cleaned: np.ndarray, lines: np.ndarray, height: float) -> np.ndarray:
    """Remove thin straight pieces that run from one removed rule to another: the edges of boxes
    and cells, which are a character tall and would read as 1s."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cleaned, connectivity=8)
    reach = max(2, round(config.STRUCTURE_TOUCH * height))
    near = cv2.dilate(lines, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    drop = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i].tolist()
        long_side, short_side = max(w, h), min(w, h)
        # A piece shorter than a character part is judged thin against a part's length: the
        # dashes a slanted margin line leaves between the parts of it that came out.
        span = max(long_side, config.SMALL_PART * height)
        if short_side > config.CELL_BORDER_THINNESS * span + 2:
            continue
        if h >= w:
            ends = (near[y : y + reach + 1, x : x + w], near[y + h - reach - 1 : y + h, x : x + w])
        else:
            ends = (near[y : y + h, x : x + reach + 1], near[y : y + h, x + w - reach - 1 : x + w])
        if all(e.any() for e in ends):
            drop.append(i)
    if not drop:
        return cleaned
    # A printed border is as thin as the printed rules; a pen's 1 standing in its box is thicker.
    rule_depth = float(np.percentile(cv2.distanceTransform(lines, cv2.DIST_L2, 3)[lines > 0], 90))
    depth = cv2.distanceTransform(cleaned, cv2.DIST_L2, 3)
    thick = [i for i in drop if _depth_of(depth, labels, stats[i], i) > rule_depth + config.CELL_EDGE_THICKER_PX]
    drop = [i for i in drop if i not in thick]
    if not drop:
        return cleaned
    keep = np.full(n, 255, np.uint8)
    keep[0] = 0
    keep[drop] = 0
    return np.take(keep, labels)


def _depth_of(depth: np.ndarray, labels: np.ndarray, stat: np.ndarray, i: int) -> float:
    """The deepest distance-to-background of component ``i`` (its stroke's half width)."""
    x, y, w, h = stat[:4].tolist()
    return float(depth[y : y + h, x : x + w][labels[y : y + h, x : x + w] == i].max())
