"""One frame in, every character out: segment -> one batched classification -> reading order.

``read_frame`` is the single path used by the live app, image mode, evaluation and benchmark.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Protocol

import numpy as np

from vision import config
from vision.layout import gaps_before, group_rows, marks_between, rotate_points
from vision.marks import (
    StrokeShape,
    bracket_at,
    core_ink,
    crossed_seven,
    flag_droop,
    gapped,
    is_arrow,
    is_dots,
    slash_shaped,
    stroke_shape,
)
from vision.segment import Segmentation, segment
from vision.split import SplitLattice, best_guess, choose, too_wide_to_keep
from vision.types import Detection, FrameResult


class ProbabilityModel(Protocol):
    def probabilities(self, patches: np.ndarray) -> np.ndarray: ...


def read_frame(
    frame: np.ndarray,
    classifier: ProbabilityModel,
    polarity: str = "auto",
    index: int = 0,
    max_side: int = config.MAX_PROCESS_SIDE,
) -> FrameResult:
    """Read every handwritten character of a BGR frame, rows top to bottom, left to right.

    Frames larger than ``max_side`` are read at that size: a photo of a sheet of small digits
    needs the default; a live camera frame with characters held up close reads as well at the
    size :func:`live_side` picks, for a fraction of the cost.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    seg = segment(frame, polarity, timings, max_side)
    bigger = _side_for_small_writing(frame.shape, seg, max_side)
    if bigger:
        seg = segment(frame, seg.polarity, timings, bigger)
        max_side = bigger
    t1 = time.perf_counter()
    batch = seg.patches if not seg.splits else np.concatenate([seg.patches, seg.split_patches])
    seg, probs = apply_splits(seg, classifier.probabilities(batch))
    t2 = time.perf_counter()
    detections, lines, order = _read_rows(seg, probs)
    t3 = time.perf_counter()
    timings.update(segment=(t1 - t0) * 1e3, classify=(t2 - t1) * 1e3, rows=(t3 - t2) * 1e3)
    return FrameResult(
        index=index,
        detections=tuple(detections),
        lines=tuple(lines),
        polarity=seg.polarity,
        make_mask=seg.make_mask,
        patches=seg.patches,
        timings_ms=timings,
        char_height=seg.char_height if detections else 0.0,
        process_side=min(max(frame.shape[:2]), max_side),
        probabilities=np.asarray(probs, np.float32).reshape(-1, config.NUM_OUTPUTS)[np.asarray(order, np.intp)],
        detection_patches=seg.patches[np.asarray(order, np.intp)],
    )


def _side_for_small_writing(shape: tuple[int, ...], seg: Segmentation, max_side: int) -> int:
    """A larger side to read a photo at when its writing came out too small at ``max_side``
    (a sticky note in a 12-megapixel photo), else 0. Live frames (read smaller than photos)
    never pay for it."""
    side = max(shape[:2])
    if not seg.boxes or side <= max_side or max_side < config.MAX_PROCESS_SIDE:
        return 0
    processed = seg.char_height * max_side / side
    if processed >= config.SMALL_CHAR_PX:
        return 0
    return min(side, config.SMALL_MAX_SIDE, int(max_side * config.SMALL_TARGET_PX / max(processed, 1.0)))


def live_side(frame_shape: tuple[int, ...], last: FrameResult | None) -> int:
    """Long side to process the next live frame at, from what the last frame showed.

    A card held up to a webcam fills much of the picture: its characters are often 60-150 px
    tall, while LIVE_CHAR_HEIGHT px already give the 20x20 patch all its detail. Such frames are
    read at 1/k of their size (k whole, so the downscale is OpenCV's cheap block average), which
    divides the cost of every full-frame step by k squared. When the last frame read nothing, the
    next is read at full detail again, so a card moved away is found on the following frame.
    """
    side = max(frame_shape[:2])
    full = min(side, config.LIVE_PROCESS_SIDE)
    if last is None or last.char_height <= 0:
        return full
    k = min(int(last.char_height // config.LIVE_CHAR_HEIGHT), side // config.LIVE_MIN_SIDE)
    return min(full, side // k) if k >= 2 else full


def apply_splits(seg: Segmentation, probs: np.ndarray) -> tuple[Segmentation, np.ndarray]:
    """Replace each too-wide crop by the cut whose parts read best, when one reads better.

    ``probs`` holds the crops' probabilities followed by the split patches' (one model call).
    A crop too wide for one character that no cut improves is dropped, as the shape rules
    would have dropped it.
    """
    n = len(seg.boxes)
    whole, parts = probs[:n], probs[n:]
    if not seg.splits and not any(seg.too_wide):
        return seg, whole
    by_group: dict[int, SplitLattice] = {option.group: option for option in seg.splits}
    boxes, extents, rows, patches, cut = [], [], [], [], []
    for i in range(n):
        lattice = by_group.get(i)
        width = float(seg.extents[i]) / max(seg.char_height, 1e-6)
        pick = None
        if lattice is not None:
            readings = parts[list(lattice.rows)]
            pick = choose(whole[i], lattice, readings, width)
            if pick is None and too_wide_to_keep(whole[i], width):
                pick = best_guess(whole[i], lattice, readings)
        if pick is not None:
            boxes += [lattice.boxes[k] for k in pick]
            extents += [lattice.extents[k] for k in pick]
            rows += [parts[lattice.rows[k]] for k in pick]
            patches += [seg.split_patches[lattice.rows[k]] for k in pick]
            cut += [True] * len(pick)
        elif not (seg.too_wide and seg.too_wide[i]):
            boxes.append(seg.boxes[i])
            extents.append(float(seg.extents[i]))
            rows.append(whole[i])
            patches.append(seg.patches[i])
            cut.append(False)
    new = replace(
        seg,
        boxes=tuple(boxes),
        extents=np.asarray(extents, np.float64),
        splits=(),
        too_wide=(),
        cut=tuple(cut),
        patches=np.stack(patches) if patches else seg.patches[:0],
    )
    return new, np.stack(rows) if rows else whole[:0]


def _brackets(seg: Segmentation, best: list[int]) -> list[int]:
    """Crops read as a 1 or a 7 that are brackets or slashes (see vision.marks): tall thin bent
    strokes, and 1s leaning like a slash between two characters of their row, unless another 1
    in view leans as far (a writer who slants every 1)."""
    height = max(seg.char_height, 1e-6)
    shapes: dict[int, StrokeShape] = {}

    def shape(i: int) -> StrokeShape:  # each crop's stroke shape once, only for crops that need it
        if i not in shapes:
            shapes[i] = stroke_shape(seg.patches[i])
        return shapes[i]

    marks = [
        i
        for i, box in enumerate(seg.boxes)
        if config.CLASSES[best[i]] in config.BRACKET_LOOKALIKES
        and box.h / height >= config.BRACKET_TALL_BENT  # before the stroke shape is measured
        and bracket_at(shape(i), box.h / height)
    ]
    ones = [i for i in range(len(seg.boxes)) if config.CLASSES[best[i]] == "1" and i not in marks]

    def tall(i: int) -> bool:  # a straight leaning stroke standing over the digits it divides
        s = shape(i)
        high = seg.boxes[i].h / height >= config.SLASH_TALL
        return high and s.tilt_deg <= -config.SLASH_TALL_TILT_DEG and s.bow < config.SLASH_BOW

    leaning = [i for i in ones if slash_shaped(shape(i), config.SLASH_LEANS_APART_DEG) or tall(i)]
    near_of = {i: _neighbours(seg.boxes, i, height) for i in leaning}
    candidates = {i for i, near in near_of.items() if near}
    for i in sorted(candidates):
        near = near_of[i]
        tilt = shape(i).tilt_deg
        # A writer who slants every 1 shows it in a 1 that could be no slash, or one beside it
        # ("4112"); slashes elsewhere in view (between other numbers) vouch for nothing.
        vouchers = [j for j in ones if j != i and (j not in candidates or j in near)]
        if any(abs(shape(j).tilt_deg - tilt) <= config.SLASH_SAME_WRITER_DEG for j in vouchers):
            continue
        if slash_shaped(shape(i)) or tall(i) or _writing_slant(near, best, shape) - tilt >= config.SLASH_APART_DEG:
            marks.append(i)
    return marks


def _flagged_ones(seg: Segmentation, probs: np.ndarray, best: list[int], conf: list[float]) -> list[int]:
    """Crops read as 7 that are a flagged 1 (see vision.marks): those whose top climbs from
    FLAG_DROOP below it (given FLAG_DROOP_MIN_P or more as a 1), FLAG_DROOP_BESIDE beside a 7 whose
    top runs level (the writer's own 7, read surely), and, in a frame where a 7 read
    CROSSED_SEVEN_SURE is crossed (a writer who crosses 7s flags 1s), the uncrossed ones given
    FLAGGED_ONE_MIN_P or more. Skeletons are measured only when such a doubt is in view."""
    sevens = [i for i, b in enumerate(best) if b == 7]
    maybe = [i for i in sevens if probs[i, 1] >= config.FLAG_DROOP_MIN_P]
    if not maybe:
        return []
    droop = {i: flag_droop(seg.patches[i]) for i in maybe}
    flags = [i for i in maybe if droop[i] >= config.FLAG_DROOP]
    beside = [i for i in maybe if config.FLAG_DROOP_BESIDE <= droop[i] < config.FLAG_DROOP]
    # A writer's 7s run level: one of theirs that droops beside a level one is a flagged 1.
    if beside and any(
        conf[i] >= config.FLAG_LEVEL_SURE and flag_droop(seg.patches[i]) <= config.FLAG_LEVEL for i in sevens
    ):
        flags += beside
    doubtful = [i for i in sevens if probs[i, 1] >= config.FLAGGED_ONE_MIN_P and i not in flags]
    if not doubtful:
        return flags
    crossed = {i for i in sevens if crossed_seven(seg.patches[i])}
    if not any(conf[i] >= config.CROSSED_SEVEN_SURE for i in crossed):
        return flags
    return flags + [i for i in doubtful if i not in crossed]


def _printed_words(boxes, rejected: list[bool], angle: float) -> list[int]:
    """Candidates that are letters of a printed word ("Code:", "1.SPIEL", a card's title), not
    characters: runs of three or more marks set as close as letters (gaps under WORD_GAP of their
    height) that stand on one baseline as exactly as print does (WORD_BASELINE of their height),
    two of them at least read as no character; the baseline runs along the writing's ``angle``
    (a card photographed askew). Handwriting never sits on its line so exactly; a handwritten
    sum's operators float between the digits, off their baseline."""
    n = len(boxes)
    if n < 3 or not any(rejected):
        return []
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(n), key=lambda k: boxes[k].x)
    for a_pos, a in enumerate(order):
        ba = boxes[a]
        for b in order[a_pos + 1 :]:
            bb = boxes[b]
            small = min(ba.h, bb.h)
            if bb.x - ba.x2 > config.WORD_GAP * small:
                break
            overlap = min(ba.y2, bb.y2) - max(ba.y, bb.y)
            if overlap >= 0.5 * small:
                parent[find(b)] = find(a)
    words: dict[int, list[int]] = {}
    for k in range(n):
        words.setdefault(find(k), []).append(k)
    out = []
    for members in words.values():
        if len(members) < config.WORD_MIN_LETTERS or sum(rejected[k] for k in members) < config.WORD_MIN_REJECTED:
            continue
        tall = max(boxes[k].h for k in members)
        tolerance = config.WORD_BASELINE * tall
        letters = [k for k in members if boxes[k].h >= config.WORD_LETTER_HEIGHT * tall]  # not ":" or "."
        if len(letters) < 2 or tolerance < 1.0:  # under a pixel, rounding alone lines them up
            continue
        feet = rotate_points(np.array([(boxes[k].x + boxes[k].w / 2, boxes[k].y2) for k in letters], np.float64), angle)
        if float(np.ptp(feet[:, 1])) <= tolerance:
            out += members
    return out


def _printed_labels(boxes, specks: np.ndarray, height: float, angle: float) -> list[int]:
    """Candidates that are the letters of a printed label beside handwriting ("ID:", "No.",
    "Code:"): two or more marks side by side (gaps under WORD_GAP of their height), each under
    LABEL_HEIGHT of the characters' height, standing between one cap line and one baseline as
    exactly as type does (LABEL_ALIGN of their height, along the text), and followed by a colon
    or a full stop (a speck within LABEL_STOP_GAP of their height, between their top and
    bottom). Small handwritten digits side by side can agree as closely (MNIST's all do: it
    scales every digit to one height), but are not set before a colon."""
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    if len(boxes) < 2 or not len(specks) or c * c - s * s < 0.5:
        return []
    centres = rotate_points(np.array([b.center for b in boxes], np.float64), angle)
    # A glyph's own height and width along the text, from its upright box (a tilted row widens it).
    tall = [max(1.0, (b.h * c - b.w * s) / (c * c - s * s)) for b in boxes]
    wide = [max(1.0, (b.w * c - b.h * s) / (c * c - s * s)) for b in boxes]
    small = [k for k in range(len(boxes)) if tall[k] < config.LABEL_HEIGHT * height]
    small.sort(key=lambda k: centres[k, 0])
    dots = rotate_points(specks[:, :2] + specks[:, 2:] / 2, angle)
    runs: list[list[int]] = []
    for a, b in zip(small, small[1:]):
        gap = (centres[b, 0] - wide[b] / 2) - (centres[a, 0] + wide[a] / 2)
        size = max(tall[a], tall[b])
        tops = abs((centres[a, 1] - tall[a] / 2) - (centres[b, 1] - tall[b] / 2))
        bottoms = abs((centres[a, 1] + tall[a] / 2) - (centres[b, 1] + tall[b] / 2))
        if gap < config.WORD_GAP * min(tall[a], tall[b]) and max(tops, bottoms) <= config.LABEL_ALIGN * size:
            if runs and runs[-1][-1] == a:
                runs[-1].append(b)
            else:
                runs.append([a, b])
    out: list[int] = []
    for run in runs:
        last = run[-1]
        end = centres[last, 0] + wide[last] / 2
        after = (dots[:, 0] > end) & (dots[:, 0] < end + config.LABEL_STOP_GAP * tall[last])
        if np.any(after & (np.abs(dots[:, 1] - centres[last, 1]) < tall[last] / 2)):
            out += run
    return out


def _dotted_stems(seg: Segmentation, best: list[int]) -> list[int]:
    """Candidates that are an i or a j, not a 1: read as a 1, with a mark straight above it
    (another candidate or a speck) no bigger than DOT_MAX_SIZE of the stem's height, within
    DOT_MAX_GAP of its height above its top, centred over it within DOT_MAX_SHIFT of its height.
    The letters of a printed word or label that the word rules miss keep their dots; a
    handwritten 1 has nothing above it. The dot goes too when it is a candidate. A dot the
    segmenter joined to its stem (as it joins a 5's flag) shows in the patch: its top part, no
    taller than DOT_JOINED of the ink, stands apart from the rest."""
    stems = [i for i, b in enumerate(best) if b == 1]
    if not stems:
        return []
    marks = np.array([(b.x, b.y, b.w, b.h) for b in seg.boxes] + [tuple(s) for s in seg.specks], np.float64)
    out: list[int] = []
    for i in stems:
        b = seg.boxes[i]
        gap = b.y - (marks[:, 1] + marks[:, 3])
        shift = np.abs(marks[:, 0] + marks[:, 2] / 2 - (b.x + b.w / 2))
        dot = (
            (np.maximum(marks[:, 2], marks[:, 3]) <= config.DOT_MAX_SIZE * b.h)
            & (gap >= -config.DOT_MAX_OVERLAP * b.h)
            & (gap <= config.DOT_MAX_GAP * b.h)
            & (shift <= config.DOT_MAX_SHIFT * b.h)
        )
        dot[i] = False
        hits = np.flatnonzero(dot)
        if len(hits):
            out += [i, *(int(k) for k in hits if k < len(seg.boxes))]
        elif _joined_dot(seg.patches[i]):
            out.append(i)
    return out


def _joined_dot(patch: np.ndarray) -> bool:
    """Whether the patch's ink has an empty row under a top part at most DOT_JOINED of its height."""
    rows = np.flatnonzero((patch > config.DOT_PATCH_INK).any(axis=1))
    if len(rows) < 2:
        return False
    gaps = np.flatnonzero(np.diff(rows) > 1)
    return bool(len(gaps)) and rows[gaps[0]] - rows[0] + 1 <= config.DOT_JOINED * (rows[-1] - rows[0] + 1)


def _small_print(seg: Segmentation) -> list[int]:
    """Candidates smaller both ways than PRINT_MAX_SIZE of the writing's height: the letters and
    digits of a form's printed labels ("Bonus 35", "1.Game"), pieces of its words, a die face.
    Handwriting beside them stands taller than that: a flat 2 is as wide as its neighbours and a
    1 as tall, and a page of small writing measures its own, small, character height. A digit
    written under that size both ways beside bigger ones is taken for print too."""
    most = config.PRINT_MAX_SIZE * seg.char_height
    cut = seg.cut or (False,) * len(seg.boxes)
    return [k for k, b in enumerate(seg.boxes) if max(b.w, b.h) < most and not cut[k]]


def _neighbours(boxes, i: int, height: float) -> list[int]:
    """The boxes on box ``i``'s text line within reach of it, when it has some both left and
    right of it; else none."""
    cx, cy = boxes[i].center
    reach = config.SLASH_NEIGHBOUR_REACH * height
    near = [
        k
        for k, b in enumerate(boxes)
        if k != i and abs(b.center[1] - cy) < 0.5 * height and abs(b.center[0] - cx) < reach
    ]
    left = any(boxes[k].center[0] < cx for k in near)
    right = any(boxes[k].center[0] > cx for k in near)
    return near if left and right else []


def _writing_slant(near: list[int], best: list[int], shape) -> float:
    """The lean of the writing around a stroke: the median over its neighbours of how much
    further each leans than its digit does in MNIST (a 0's long axis leans right, a 9's left),
    counting those whose ink has a long axis (a round blob tells nothing); 0 when none has."""
    tilts = [
        shape(k).tilt_deg - config.MNIST_TILT_DEG[best[k]]
        for k in near
        if best[k] < len(config.MNIST_TILT_DEG) and shape(k).elongation >= config.SLANT_ELONGATION
    ]
    return float(np.median(tilts)) if tilts else 0.0


def _read_rows(seg: Segmentation, probs: np.ndarray) -> tuple[list[Detection], list[str], list[int]]:
    """Drop what the classifier says is no character, then order the rest into rows.

    Also returns, per detection, the index of its row in ``probs``."""
    if len(probs) == 0:
        return [], [], []
    chars = probs[:, : config.NUM_CLASSES]
    # Python lists from here: per-character numpy scalar access costs more than the maths.
    conf = chars.max(axis=1).tolist()
    best = np.argmax(chars, axis=1).tolist()
    reject = probs[:, config.REJECT_INDEX].tolist()
    for i in _flagged_ones(seg, probs, best, conf):
        best[i], conf[i] = 1, float(probs[i, 1] + probs[i, 7])  # the model's 1-or-7, settled by the writer
    apart = gapped(seg.patches)
    shapes = [i for i, p in enumerate(seg.patches) if is_arrow(p, seg.angle) or (apart[i] and is_dots(p))]
    for i in _brackets(seg, best) + shapes:
        reject[i] = 1.0  # a mark, not a character: it still parts the numbers either side
    for i, box in enumerate(seg.boxes):  # a 0 with its hole inked: a ring round a letter ("®") or a blot
        if best[i] == 0 and box.h >= config.ZERO_FILLED_MIN_PX and core_ink(seg.patches[i]) >= config.ZERO_FILLED_CORE:
            reject[i] = 1.0
    rejected = [r > c or c < config.CONFIDENCE_THRESHOLD for r, c in zip(reject, conf)]
    labels = _printed_labels(seg.boxes, seg.specks, seg.char_height, seg.angle)
    for i in _printed_words(seg.boxes, rejected, seg.angle) + labels + _small_print(seg) + _dotted_stems(seg, best):
        reject[i] = 1.0
    keep = [i for i in range(len(seg.boxes)) if conf[i] > reject[i] and conf[i] >= config.DROP_CONFIDENCE]
    if not keep:
        return [], [], []
    boxes = [seg.boxes[i] for i in keep]
    centers = np.array([b.center for b in boxes], np.float64)
    # Marks the model surely calls no character (operators, dashes) still part the numbers.
    marks = np.array([seg.boxes[i].center for i in range(len(seg.boxes)) if reject[i] > conf[i]], np.float64)
    extents = seg.extents[keep]
    detections: list[Detection] = []
    lines: list[str] = []
    order: list[int] = []
    for row in group_rows(centers, extents, seg.char_height, seg.angle):
        if all(conf[keep[k]] < config.CONFIDENCE_THRESHOLD for k in row):
            continue  # nothing in it is surely a character: a smudge or a finger, not a line of text
        if len(row) == 1 and boxes[row[0]].h < config.LONE_MIN_HEIGHT * seg.char_height:
            continue  # a short mark on a line of its own: the sliver of a shadow's edge, not a "1"
        gaps = gaps_before(centers, extents, row, seg.char_height, seg.angle)
        parted = marks_between(centers, row, marks, seg.char_height, seg.angle)
        gaps = [a or b for a, b in zip(gaps, parted)]
        text = []
        for col, (k, gap) in enumerate(zip(row, gaps)):
            i = keep[k]
            char = config.CLASSES[best[i]] if conf[i] >= config.CONFIDENCE_THRESHOLD else config.REJECT_CHAR
            detections.append(Detection(char, conf[i], boxes[k], len(lines), col, gap))
            order.append(i)
            text.append((" " if gap else "") + char)
        lines.append("".join(text))
    return detections, lines, order
