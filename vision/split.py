"""Touching characters: candidate cuts of a too-wide crop, and the choice the classifier makes.

A crop wider than one character (a 9 touching a 0, a cursive "15") is cut at the columns where
its own ink is thinnest (minima of the column profile), into two or three parts. Every part of
every candidate cut goes into the frame's one batched model call beside the whole crops; the cut
whose parts the model reads with the highest joint confidence wins over the whole, or the whole
stays (recognition-driven segmentation).

Conventions: ``own`` is a uint8 0/255 mask of one crop's own ink; columns run along the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vision import config
from vision.types import Box


@dataclass(frozen=True)
class SplitOption:
    """One way to cut crop ``group`` (an index into the frame's crops) into parts.

    ``parts`` are (x0, x1) column ranges of the crop; ``rows`` index the parts' patches in the
    frame's batch of split patches, ``boxes`` and ``extents`` are the parts' own.
    """

    group: int
    rows: tuple[int, ...]
    boxes: tuple[Box, ...]
    extents: tuple[float, ...]


def cut_columns(own: np.ndarray, height: float) -> list[tuple[int, ...]]:
    """Candidate cuts of a crop: tuples of column indices (one cut: two parts, two: three).

    Cuts lie at the cheapest columns (ink crossed plus a share of the span it covers), at
    least SPLIT_MIN_PART character heights from the ends and from each other; the cheapest
    SPLIT_MAX_CUTS are tried.
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
    smooth = np.convolve(cols, np.ones(3, np.float32) / 3, mode="same")
    inner = np.arange(gap, w - gap)
    order = inner[np.argsort(smooth[inner], kind="stable")].tolist()
    picked: list[int] = []
    for c in order:
        if all(abs(c - p) >= gap for p in picked):
            picked.append(c)
        if len(picked) == config.SPLIT_MAX_CUTS:
            break
    cuts: list[tuple[int, ...]] = [(c,) for c in picked]
    if w >= config.SPLIT_THREE_WIDTH * height:
        pairs = sorted((a, b) for a in picked for b in picked if b - a >= gap)
        cuts += pairs
    return cuts


def part_ranges(own: np.ndarray, cut: tuple[int, ...], height: float) -> list[tuple[int, int]] | None:
    """Column ranges of the parts of ``cut``, or None when a part is no character: too little
    ink, or too short (a sliver of a bar cut off)."""
    edges = [0, *cut, own.shape[1]]
    total = max(1, int(np.count_nonzero(own)))
    parts = []
    for a, b in zip(edges[:-1], edges[1:]):
        piece = own[:, a:b]
        rows = np.flatnonzero(piece.any(axis=1))
        if len(rows) == 0 or rows[-1] - rows[0] + 1 < config.SPLIT_MIN_PART_HEIGHT * height:
            return None
        if np.count_nonzero(piece) < config.SPLIT_MIN_INK * total:
            return None
        parts.append((a, b))
    return parts


def choose(whole: np.ndarray, options: list[np.ndarray], width: float = 1.0) -> int | None:
    """Index of the option whose parts read best, or None to keep the whole crop.

    ``whole`` is the crop's (12,) probabilities, each option a (parts, 12) array. A reading's
    score is the probability of its verdict, a character or "not a character": a 7 run into
    a handwritten + cuts into a sure 7 and a sure non-character, which is then left out. An
    option scores the product over its parts, so every extra part must be read surely, and
    one part at least must be a character. ``width`` is the crop's width in character heights:
    one wider than SPLIT_WIDE is hardly one character, nor a single mark, so as a whole it only
    counts for half its character confidence.
    """
    if width > config.SPLIT_WIDE:
        whole_score = 0.5 * float(whole[: config.NUM_CLASSES].max())
    else:  # the narrower, the likelier one character: an 8 cuts into a sure 6 and a sure 3
        whole_score = _score(whole) + config.SPLIT_NARROW_MARGIN * (config.SPLIT_WIDE - width)
    # A cut is taken for characters read surely, never for a doubtful one.
    return _best_option(options, whole_score + config.SPLIT_MARGIN, sure=min)


def too_wide_to_keep(whole: np.ndarray, width: float) -> bool:
    """Whether a crop ``width`` character heights wide is surely not one character: wider than
    SPLIT_GUESS_WIDTH, or wider than SPLIT_WIDE and read as no character (two bold digits run
    into each other read as a scribble)."""
    return width > config.SPLIT_GUESS_WIDTH or (
        width > config.SPLIT_WIDE and int(np.argmax(whole)) == config.REJECT_INDEX
    )


def best_guess(options: list[np.ndarray]) -> int | None:
    """Index of the option whose parts read best (product of their verdicts' probabilities),
    for a crop too wide to be one character that no cut reads surely: its sure parts are then
    read and its doubtful ones shown as doubtful, instead of the whole being lost. None when
    nothing in any option is surely a character (wood grain, a scribble)."""
    return _best_option(options, 0.0, sure=max)


def _best_option(options: list[np.ndarray], floor: float, sure: Callable[[list[float]], float]) -> int | None:
    """Index of the option whose parts' verdicts have the highest product above ``floor``, among
    those holding a character and where ``sure`` of their characters' confidences (min: every
    one, max: one at least) reaches SPLIT_PART_CONFIDENCE; None when none qualifies."""
    best, best_score = None, floor
    for i, probs in enumerate(options):
        chars = [float(p[: config.NUM_CLASSES].max()) for p in probs if _is_char(p)]
        if not chars or sure(chars) < config.SPLIT_PART_CONFIDENCE:
            continue
        score = float(np.prod([_score(p) for p in probs]))
        if score > best_score:
            best, best_score = i, score
    return best


def _is_char(p: np.ndarray) -> bool:
    return float(p[: config.NUM_CLASSES].max()) > float(p[config.REJECT_INDEX])


def _score(p: np.ndarray) -> float:
    return max(float(p[: config.NUM_CLASSES].max()), float(p[config.REJECT_INDEX]))
