"""Touching characters: candidate cuts of a too-wide crop, and the choice the classifier makes.

A crop wider than one character (a 9 touching a 0, a cursive "15", a run of five digits) may be
cut at the columns where its own ink is thinnest (minima of the column profile), straight down
or along the path that winds between overlapping strokes (``seam_paths``). Every piece between
two cuts that could be one character goes into the frame's one batched model call beside the
whole crops; the chain of pieces across the crop that the model reads with the
highest joint confidence (dynamic programming over the lattice of pieces) wins over the whole,
or the whole stays (recognition-driven segmentation).

Conventions: ``own`` is a uint8 0/255 mask of one crop's own ink; columns run along the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision import config
from vision.types import Box


@dataclass(frozen=True)
class SplitLattice:
    """The ways to cut crop ``group`` (an index into the frame's crops) into touching characters.

    Candidate cuts split the crop at ``points`` (crop columns; the first and the last are its
    ends, the straight cuts and the winding ones between them are separate points, so that one
    chain never mixes the two); part k spans points ``spans[k]`` = (i, j), i < j. A way to cut
    is a chain of parts from the first point to the last, of at most ``max_parts`` parts, so a
    run of five touching digits is read from its parts' patches without trying every
    combination of cuts one by one. ``rows`` index the parts' patches in
    the frame's batch of split patches, ``boxes`` and ``extents`` are the parts' own.
    """

    group: int
    points: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    rows: tuple[int, ...]
    boxes: tuple[Box, ...]
    extents: tuple[float, ...]
    max_parts: int = 2


def max_parts(width: float) -> int:
    """How many characters a crop ``width`` character heights wide may be cut into: one per
    SPLIT_CHAR_WIDTH of its width, two at least (a cut into more pieces slices characters)."""
    return max(2, int(width / config.SPLIT_CHAR_WIDTH + 1e-6))


def cut_points(own: np.ndarray, height: float) -> list[int]:
    """Candidate cut columns of a crop, ascending.

    Cuts lie at the cheapest columns (ink crossed plus a share of the span it covers), at
    least SPLIT_MIN_PART character heights from the ends and from each other; the cheapest
    SPLIT_MAX_CUTS are tried, and SPLIT_CUTS_PER_HEIGHT per character height of a longer crop.
    """
    ink = own > 0
    cols = np.count_nonzero(ink, axis=0).astype(np.float32)
    # Inside a 0 or an 8 a column crosses little ink but spans the whole height; where two
    # characters touch it crosses little and spans little: the cost adds half the span.
    rows = np.arange(own.shape[0], dtype=np.float32)[:, None]
    top = np.where(ink, rows, np.inf).min(axis=0)
    bottom = np.where(ink, rows, -np.inf).max(axis=0)
    cols += np.where(np.isfinite(top), (bottom - top + 1) * config.SPLIT_SPAN_WEIGHT, 0.0)
    w = len(cols)
    gap = max(2, int(config.SPLIT_MIN_PART * height))
    if w < 2 * gap:
        return []
    wanted = max(config.SPLIT_MAX_CUTS, int(np.ceil(config.SPLIT_CUTS_PER_HEIGHT * w / height)))
    smooth = np.convolve(cols, np.ones(3, np.float32) / 3, mode="same")
    inner = np.arange(gap, w - gap)
    order = inner[np.argsort(smooth[inner], kind="stable")].tolist()
    picked: list[int] = []
    for c in order:
        if all(abs(c - p) >= gap for p in picked):
            picked.append(c)
        if len(picked) == wanted:
            break
    return sorted(picked)


def seam_paths(own: np.ndarray, points: list[int], height: float) -> np.ndarray:
    """(len(points), rows) int: for each cut column, the path from the crop's top to its bottom
    that crosses the least ink, moving at most one column per row and at most SPLIT_SEAM_BAND
    character heights from its column (the crop's ends stay straight). Overlapping digits, the
    foot of one under the next one's bowl, are cut between their strokes, not through one.
    Dynamic programming, all paths at once."""
    h, w = own.shape
    paths = np.repeat(np.asarray(points, np.int64)[:, None], h, axis=1)
    inner = np.asarray(points[1:-1], np.int64)
    if len(inner) == 0:
        return paths
    crossing = np.flatnonzero(own[:, inner].any(axis=0))  # a column through clean paper is its own path
    if len(crossing) == 0:
        return paths
    band = max(1, int(config.SPLIT_SEAM_BAND * height))
    steps = np.arange(-band, band + 1)
    cols = np.clip(inner[crossing, None] + steps[None, :], 1, w - 1)  # (cuts, positions)
    cost = (own[:, cols] > 0).astype(np.float32) + config.SPLIT_SEAM_DRIFT * np.abs(steps)  # (rows, cuts, positions)
    moves = np.zeros(cost.shape, np.int8)
    padded = np.full((len(crossing), len(steps) + 2), np.inf, np.float32)  # inf beyond the band
    padded[:, 1:-1] = cost[0]
    for r in range(1, h):
        left, stay, right = padded[:, :-2], padded[:, 1:-1], padded[:, 2:]
        go_left = (left <= stay) & (left <= right)  # ties: left, then straight on
        go_on = ~go_left & (stay <= right)
        best = np.where(go_left, left, np.where(go_on, stay, right))
        moves[r] = np.where(go_left, -1, np.where(go_on, 0, 1))
        padded[:, 1:-1] = best + cost[r]
    at = np.argmin(padded[:, 1:-1], axis=1)
    cut = np.arange(len(crossing))
    for r in range(h - 1, -1, -1):
        paths[1 + crossing, r] = cols[cut, at]
        if r:
            at = at + moves[r, cut, at]
    return paths


def part_mask(own: np.ndarray, paths: np.ndarray, i: int, j: int) -> np.ndarray:
    """uint8 0/255: the crop's own ink between the paths of points ``i`` and ``j``."""
    x = np.arange(own.shape[1])[None, :]
    between = (x >= paths[i][:, None]) & (x < paths[j][:, None])
    return np.where(between, own, 0).astype(np.uint8)


def part_spans(
    own: np.ndarray, points: list[int], height: float, paths: np.ndarray | None = None, parts: int | None = None
) -> list[tuple[int, int]]:
    """Index pairs (i, j) of ``points`` (the crop's ends included) between which a part may lie:
    at most SPLIT_PART_MAX_WIDTH character heights wide, tall enough (not a sliver cut off a
    bar) and holding SPLIT_MIN_INK of the crop's ink. The whole crop is no part. ``paths``
    (``seam_paths``) are where the cuts run; straight columns without. With ``parts``, only
    pieces that fit in a chain of at most that many parts (the rest are never classified)."""
    if paths is None:
        paths = np.repeat(np.asarray(points, np.int64)[:, None], own.shape[0], axis=1)
    total = max(1, int(np.count_nonzero(own)))
    min_ink = config.SPLIT_MIN_INK * total
    widest = config.SPLIT_PART_MAX_WIDTH * height
    end = points[-1]
    spans = []
    for i, a in enumerate(points):
        for j in range(i + 1, len(points)):
            if points[j] - a > widest:
                break
            if parts is not None and _fewest(a, widest) + 1 + _fewest(end - points[j], widest) > parts:
                continue
            if (i, j) != (0, len(points) - 1) and _is_part(part_mask(own, paths, i, j), height, min_ink):
                spans.append((i, j))
    return spans


def _fewest(span: float, widest: float) -> int:
    """The fewest parts at most ``widest`` wide that cover ``span`` columns."""
    return 0 if span <= 0 else int(np.ceil(span / widest))


def _is_part(piece: np.ndarray, height: float, min_ink: float) -> bool:
    rows = np.flatnonzero(piece.any(axis=1))
    if len(rows) == 0 or rows[-1] - rows[0] + 1 < config.SPLIT_MIN_PART_HEIGHT * height:
        return False
    return np.count_nonzero(piece) >= min_ink


def choose(whole: np.ndarray, lattice: SplitLattice, probs: np.ndarray, width: float = 1.0) -> list[int] | None:
    """The parts (indices into ``lattice.spans``) of the cut that reads best, or None to keep
    the whole crop.

    ``whole`` is the crop's (12,) probabilities, ``probs`` the parts' (len(spans), 12). A
    reading's score is the probability of its verdict times SPLIT_MARK_PART when the verdict is
    "not a character". A cut scores the product over its parts, so every extra part must be read
    surely. At SPLIT_MARK_PART 0 a cut wins only when every part is a character, and a whole read
    as no character scores nothing beyond the narrow crop's margin: the model is trained to read
    touching digits as no character, so that verdict speaks for a cut (a "70" run together is
    cut into its sure 7 and 0), and a cut that leaves a sliver read as no character loses to one
    that reads every part (a "6637" had lost its 3 so). The price: a 7 run into a handwritten +
    is no longer cut into the 7 and a mark. ``width`` is the crop's width in character heights:
    one wider than SPLIT_WIDE is hardly one character, nor a single mark, so as a whole it only
    counts for half its character confidence.
    """
    conf = float(whole[: config.NUM_CLASSES].max())
    if width > config.SPLIT_WIDE and not (conf >= config.SPLIT_SURE_WHOLE and width <= config.SPLIT_GUESS_WIDTH):
        whole_score = 0.5 * conf
    else:  # the narrower, the likelier one character: an 8 cuts into a sure 6 and a sure 3
        whole_score = _score(whole) * (1.0 if _is_char(whole) else config.SPLIT_MARK_PART)
        whole_score += config.SPLIT_NARROW_MARGIN * (config.SPLIT_WIDE - width)
    # A cut is taken for characters read surely, never for a doubtful one.
    # A whole read as no character has nothing to lose to a cut, whose parts then need less:
    # two digits that overlap read as a scribble, and each part keeps a little of the other.
    sure_at = config.SPLIT_PART_CONFIDENCE if _is_char(whole) else config.SPLIT_PART_CONFIDENCE_UNREAD
    chain = _best_chain(lattice, probs, whole_score + config.SPLIT_MARGIN, every_char_sure=True, sure_at=sure_at)
    if chain is None and width >= config.SPLIT_SURER_WIDTH:
        chain = _surer_chain(lattice, probs, conf)
    return chain


def _surer_chain(lattice: SplitLattice, probs: np.ndarray, conf: float) -> list[int] | None:
    """The best cut when every part of it is a character read SPLIT_SURER or surer, and surer
    than the whole's ``conf``: probabilities saturate near 1, so a "98" run together read 0.994
    as an 8 is never beaten by a margin over it, though its 9 and 8 read 1.000."""
    chain = _best_chain(lattice, probs, 0.0, every_char_sure=True)
    if chain is None or not all(_is_char(probs[k]) for k in chain):
        return None
    weakest = min(float(probs[k][: config.NUM_CLASSES].max()) for k in chain)
    return chain if weakest >= config.SPLIT_SURER and weakest > conf else None


def too_wide_to_keep(whole: np.ndarray, width: float) -> bool:
    """Whether a crop ``width`` character heights wide is surely not one character: wider than
    SPLIT_GUESS_WIDTH, or wider than SPLIT_WIDE and read as no character (two bold digits run
    into each other read as a scribble)."""
    return width > config.SPLIT_GUESS_WIDTH or (
        width > config.SPLIT_WIDE and int(np.argmax(whole)) == config.REJECT_INDEX
    )


def best_guess(whole: np.ndarray, lattice: SplitLattice, probs: np.ndarray) -> list[int] | None:
    """The parts of the cut that reads best (product of their verdicts' probabilities), for a
    crop too wide to be one character that no cut reads surely: its sure parts are then read
    and its doubtful ones shown as doubtful, instead of the whole being lost. A crop the model
    reads surely as one character (a 5 with a long flag) is cut only into sure parts, so its
    halves never become two digits. None when nothing in any cut is surely a character (wood
    grain, a scribble)."""
    sure_whole = _is_char(whole) and float(whole[: config.NUM_CLASSES].max()) >= config.SPLIT_PART_CONFIDENCE
    chain = _best_chain(lattice, probs, 0.0, every_char_sure=sure_whole)
    if chain is None:
        return None
    # Faint texture cut finely enough holds a sure-looking piece somewhere: the characters
    # read must fill most of the crop.
    covered = sum(_width(lattice, k) for k in chain if _is_char(probs[k]))
    return chain if covered >= config.SPLIT_GUESS_COVER * lattice.points[-1] else None


def _width(lattice: SplitLattice, k: int) -> int:
    i, j = lattice.spans[k]
    return lattice.points[j] - lattice.points[i]


def _best_chain(
    lattice: SplitLattice, probs: np.ndarray, floor: float, every_char_sure: bool, sure_at: float | None = None
) -> list[int] | None:
    """The chain of parts from the crop's first point to its last, at most ``lattice.max_parts``
    long, whose verdicts have the highest product above ``floor``, among those holding a
    character read at least ``sure_at`` (default SPLIT_PART_CONFIDENCE) surely, and, with
    ``every_char_sure``, none read less surely; None when no chain qualifies. Dynamic
    programming over (point, parts used, sure character seen): the chains of a long crop are
    far too many to list."""
    sure_at = config.SPLIT_PART_CONFIDENCE if sure_at is None else sure_at
    # A part read as no character scores SPLIT_MARK_PART of its verdict (0: nothing), so a cut
    # that leaves a sliver of a digit as "no character" never beats one that reads every part.
    scores = [_score(p) * (1.0 if _is_char(p) else config.SPLIT_MARK_PART) for p in probs]
    chars = [float(p[: config.NUM_CLASSES].max()) if _is_char(p) else None for p in probs]
    best: dict[tuple[int, int, bool], tuple[float, tuple[int, ...]]] = {(0, 0, False): (0.0, ())}
    for k in sorted(range(len(lattice.spans)), key=lambda k: lattice.spans[k]):
        i, j = lattice.spans[k]
        conf = chars[k]
        if every_char_sure and conf is not None and conf < sure_at:
            continue
        for (p, n, seen), (logp, chain) in list(best.items()):
            if p != i or n >= lattice.max_parts:
                continue
            key = (j, n + 1, seen or (conf is not None and conf >= sure_at))
            value = logp + float(np.log(max(scores[k], 1e-12)))
            if key not in best or value > best[key][0]:
                best[key] = (value, (*chain, k))
    last = len(lattice.points) - 1
    ends = [v for (p, _, seen), v in best.items() if p == last and seen]
    if not ends:
        return None
    logp, chain = max(ends)
    return list(chain) if np.exp(logp) > floor else None


def _is_char(p: np.ndarray) -> bool:
    return float(p[: config.NUM_CLASSES].max()) > float(p[config.REJECT_INDEX])


def _score(p: np.ndarray) -> float:
    return max(float(p[: config.NUM_CLASSES].max()), float(p[config.REJECT_INDEX]))
