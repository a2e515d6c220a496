"""Frame -> ink mask (either polarity) -> character candidates with their MNIST-style patches.

Conventions: ``frame`` is BGR uint8 HxWx3; ``gray`` uint8 HxW; ``contrast`` float32 0..1, the
ink's darkness relative to the local paper (or board) brightness; ``mask`` uint8 0/255, white ink.
All sizes are relative to the frame or to the median character height found, so the same rules
hold from a 320x240 webcam to a 4032x3024 phone photo.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from vision import config
from vision.layout import rotate_points, text_angle
from vision.preprocess import to_mnist
from vision.split import SplitLattice, cut_points, max_parts, part_mask, part_spans, seam_paths
from vision.structure import erase_cell_edges, remove_structure, rule_direction, table_rules
from vision.types import Box

POLARITIES = ("auto", "dark", "light")


@dataclass(frozen=True)
class Segmentation:
    """Character candidates of one frame, not yet classified nor ordered."""

    boxes: tuple[Box, ...]  # frame pixels
    patches: np.ndarray  # uint8 (N, 28, 28)
    extents: np.ndarray  # (N,) width along the text direction, frame pixels
    angle: float  # text direction, radians
    char_height: float  # median character height, frame pixels
    polarity: str  # "dark" or "light": the one used
    make_mask: Callable[[], np.ndarray]  # -> uint8 0/255 ink mask at processing resolution
    splits: tuple[SplitLattice, ...] = ()  # ways to cut too-wide crops into touching characters
    split_patches: np.ndarray = field(
        default_factory=lambda: np.zeros((0, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    )
    too_wide: tuple[bool, ...] = ()  # per crop: wider than one character, kept only if cut
    # (K, 4) x, y, w, h frame pixels: marks too small to be characters (a label's colon, a dot)
    specks: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float64))
    cut: tuple[bool, ...] = ()  # per crop, once cuts are chosen: a part of a cut crop


def _check_frame(frame: np.ndarray) -> None:
    """ValueError unless ``frame`` is a uint8 gray, BGR or BGRA image large enough to read."""
    if frame.dtype != np.uint8:
        raise ValueError(f"frame must be uint8, got {frame.dtype}")
    if frame.ndim < 2 or min(frame.shape[:2]) < config.MIN_IMAGE_SIDE:
        raise ValueError(f"frame too small to hold a character: shape {frame.shape}")
    if frame.ndim > 3 or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        raise ValueError(f"frame must be HxW or HxWx3, got shape {frame.shape}")


def to_gray(frame: np.ndarray) -> np.ndarray:
    """BGR, BGRA or single-channel uint8 frame -> uint8 gray. Other shapes raise ValueError."""
    _check_frame(frame)
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] in (1, 3, 4):
        if frame.shape[2] == 1:
            return frame[..., 0]
        code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cv2.cvtColor(frame, code)
    raise ValueError(f"frame must be HxW or HxWx3, got shape {frame.shape}")


def ink_image(frame: np.ndarray, gray: np.ndarray, polarity: str) -> np.ndarray:
    """uint8 image in which ink is dark: gray, or for coloured ink the darkest colour channel
    (the brightest one, inverted, for light ink).

    Coloured ink (orange, red, green felt pen) keeps its contrast in the channel that absorbs
    it and loses much of it in a weighted gray; paper is bright in every channel. The channel
    image is noisier, so it is used only where the darkest pixels stand clearly further from
    the paper in it than in gray (two histograms of a thumbnail: cheap on every frame).
    """
    base = gray if polarity == "dark" else 255 - gray
    if frame.ndim == 2 or frame.shape[2] == 1:
        return base
    if _colour_gain(_probe(frame), _probe(base), polarity) <= config.COLOUR_INK_GAIN:
        return base
    return _extreme_channel(frame, polarity)


def _extreme_channel(frame: np.ndarray, polarity: str) -> np.ndarray:
    """The darkest of B, G, R per pixel for dark ink; the brightest, inverted, for light ink."""
    b, g, r = cv2.split(frame[..., :3])
    return cv2.min(cv2.min(b, g), r) if polarity == "dark" else 255 - cv2.max(cv2.max(b, g), r)


def _colour_gain(small: np.ndarray, gray: np.ndarray, polarity: str) -> float:
    """How much further the darkest pixels lie from the paper in the darkest channel than in
    gray (``gray`` the same thumbnail, ink dark): (median - 1st percentile) of each, as a ratio."""
    spans = []
    for img in (_extreme_channel(small, polarity), gray):
        cum = np.cumsum(cv2.calcHist([img], [0], None, [256], [0, 256]).ravel())
        p1, p50 = np.searchsorted(cum, (config.COLOUR_INK_SHARE * img.size, 0.5 * img.size))
        spans.append(float(p50 - p1) + 1.0)
    return spans[0] / spans[1]


def choose_polarity(gray: np.ndarray) -> str:
    """'dark' ink on a bright page or whiteboard, 'light' chalk or marker on a dark board.

    A clearly bright or dark frame decides by its median. In between (a card held over a brown
    desk, a shadowed page) writing decides: strokes are thin, so thin dark structures (black
    top-hat) outweigh thin bright ones (white top-hat) for ink, and the reverse for chalk.
    Large areas and their edges answer neither. Each probe size votes with the log of its
    dark/bright ratio: at the widest size the paper between large dark digits is itself "thin
    and bright", and summed raw responses let that one size outvote the other two.
    """
    small = _probe(gray)
    hist = cv2.calcHist([small], [0], None, [256], [0, 256]).ravel()
    med = float(np.searchsorted(np.cumsum(hist), 0.5 * small.size))  # the thumbnail's median grey
    if med >= config.POLARITY_BRIGHT:
        return "dark"
    if med <= config.POLARITY_DARK:
        return _polarity_by_region(small)
    vote = 0.0  # sum over stroke sizes of log(dark response / light response)
    for k in (_odd(size * small.shape[1] / config.POLARITY_PROBE_WIDTH) for size in config.POLARITY_STROKE_SIZES):
        element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        black = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, element)
        white = cv2.morphologyEx(small, cv2.MORPH_TOPHAT, element)
        vote += math.log((_strength(black) + 1.0) / (_strength(white) + 1.0))
    return "dark" if vote >= 0 else "light"


def _polarity_by_region(small: np.ndarray) -> str:
    """Polarity of a mostly dark frame, decided where the writing is: a white card held over a
    dark desk shows thin dark strokes inside its bright area, a blackboard beside a light wall
    thin bright strokes inside its dark one. A sheet is one solid bright area; each kind of
    stroke counts only in its own region (bright or dark by Otsu, closed so the strokes inside
    are part of it)."""
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = _odd(2 * config.POLARITY_STROKE_SIZES[-1] * small.shape[1] / config.POLARITY_PROBE_WIDTH)
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if n < 2 or stats[1:, cv2.CC_STAT_AREA].max() < config.PAPER_MIN_SHARE * small.size:
        return "light"  # no sheet large enough to hold writing (chalk strokes are thin): a board
    paper = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, element)
    board = cv2.morphologyEx(cv2.bitwise_not(bright), cv2.MORPH_CLOSE, element)
    vote = 0.0  # pen-sized probes only: at the widest, a hard shadow's bright side votes "dark"
    for k in (_odd(size * small.shape[1] / config.POLARITY_PROBE_WIDTH) for size in config.POLARITY_STROKE_SIZES[:2]):
        element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        black = cv2.min(cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, element), paper)
        white = cv2.min(cv2.morphologyEx(small, cv2.MORPH_TOPHAT, element), board)
        vote += math.log((_strength(black) + 1.0) / (_strength(white) + 1.0))
    return "dark" if vote >= config.POLARITY_CARD_VOTE else "light"


def _strength(tophat: np.ndarray) -> float:
    """Summed top-hat response above the texture level."""
    return float(tophat[tophat > config.POLARITY_MIN_CONTRAST].sum())


def _probe(gray: np.ndarray) -> np.ndarray:
    """A thumbnail about POLARITY_PROBE_WIDTH wide, shrunk by a whole factor."""
    return _shrink(gray, max(1, round(gray.shape[1] / config.POLARITY_PROBE_WIDTH)))


def _shrink(gray: np.ndarray, k: int) -> np.ndarray:
    """1/k of the image by block average, cropped by under k pixels to a multiple of k: OpenCV's
    area resize then takes its whole-factor path, about 40 times cheaper than its general one."""
    if k <= 1:
        return gray
    h, w = max(1, gray.shape[0] // k), max(1, gray.shape[1] // k)
    return cv2.resize(gray[: h * k, : w * k], (w, h), interpolation=cv2.INTER_AREA)


def ink_contrast(gray: np.ndarray) -> np.ndarray:
    """Dark-ink gray -> uint8 contrast: 255 * (background - gray) / background, 0 where brighter.

    The background is a grey closing wider than any stroke (a share of the frame): it follows
    lighting gradients and the edges of hard shadows, so ink inside a shadow keeps the same
    relative contrast as outside. All in saturating uint8 OpenCV arithmetic: several times
    cheaper than float maths on every pixel of every frame.
    """
    f = config.BACKGROUND_DOWNSCALE
    small = cv2.resize(gray, (max(1, gray.shape[1] // f), max(1, gray.shape[0] // f)), interpolation=cv2.INTER_AREA)
    k = _odd(config.BACKGROUND_KERNEL_FRACTION * min(gray.shape) / f)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    # Upsampling smears the bright side of a hard shadow edge into the shadow; the local minimum
    # undoes that, so the edge does not turn into a line of false ink.
    bg = cv2.erode(bg, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * f + 1, 2 * f + 1)))
    return cv2.divide(cv2.subtract(bg, gray), cv2.max(bg, 16), scale=255)


def _threshold(contrast: np.ndarray) -> tuple[np.ndarray, np.ndarray, _Comps]:
    """Hysteresis threshold: strong ink seeds, weaker connected pixels join (faint pencil).

    Returns the labels of the weak mask, a 0/255 lookup table per label (255: seeded, i.e. ink;
    ``lut[labels]`` is the ink mask, built only when something needs it) and the components,
    labelled once for both.
    """
    contrast = cv2.GaussianBlur(contrast, (config.INK_BLUR_PX, config.INK_BLUR_PX), 0)  # sensor noise breaks strokes
    noise = _robust_noise(contrast)
    # Texture raises the bar, but never above INK_STRONG_MAX: where large areas (a desk beside
    # the page) read as dark, the "noise" estimate is not noise and must not hide the ink.
    high = 255 * float(np.clip(config.INK_NOISE_FACTOR * noise, config.INK_STRONG, config.INK_STRONG_MAX))
    _, weak = cv2.threshold(contrast, max(255 * config.INK_WEAK, config.INK_WEAK_SHARE * high), 1, cv2.THRESH_BINARY)
    n, labels = cv2.connectedComponents(weak, connectivity=8)
    stats, peak = component_stats(labels, n, weak, contrast)
    seeded = peak > high
    seeded[0] = False
    lut = (seeded * 255).astype(np.uint8)
    return labels, lut, _select(labels, stats, seeded[1:])


def _robust_noise(contrast: np.ndarray) -> float:
    """Paper texture level (as a share of full contrast): median plus scaled median absolute
    deviation of a sparse subsample of the uint8 contrast map."""
    sample = contrast[:: config.INK_NOISE_STRIDE, :: config.INK_NOISE_STRIDE].astype(np.float32).ravel() / 255.0
    med = _median(sample)
    return 1.4826 * _median(np.abs(sample - med)) + med


def _median(values: np.ndarray) -> float:
    """np.median of a 1-D array by partial sort: the same value without np.median's overhead,
    which cost more than the work on these small arrays."""
    n = len(values)
    lo, hi = (n - 1) // 2, n // 2
    part = np.partition(values, [lo, hi])
    return float(part[lo] + part[hi]) / 2.0


def _odd(x: float) -> int:
    return max(config.MIN_KERNEL_PX, int(x) // 2 * 2 + 1)


def _downscale(gray: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Shrink so the long side is at most ``max_side``; returns the image and the scale used.
    When ``max_side`` is the side divided by a whole k (as live frames ask), that is a cheap
    block average (see _shrink)."""
    side = max(gray.shape)
    if side <= max_side:
        return gray, 1.0
    k = side // max_side
    if max_side == side // k:
        return _shrink(gray, k), 1.0 / k
    s = max_side / side
    size = (max(1, round(gray.shape[1] * s)), max(1, round(gray.shape[0] * s)))
    if k >= 2:  # a 12-megapixel photo: the cheap whole-factor average first, then the rest
        gray = _shrink(gray, k)
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), s


def segment(
    frame: np.ndarray,
    polarity: str = "auto",
    timings: dict[str, float] | None = None,
    max_side: int = config.MAX_PROCESS_SIDE,
) -> Segmentation:
    """Find character candidates: threshold, components, shape filters, fragment merging.

    ``timings``, when given, receives milliseconds per stage: threshold (with the one labelling
    of connected components), contours (filters, merging, line removal), normalize (patches).
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    t0 = time.perf_counter()
    _check_frame(frame)
    small, scale = _downscale(frame, max_side)
    gray = to_gray(small)
    used = choose_polarity(gray) if polarity == "auto" else polarity
    ink = ink_image(small, gray, used)
    contrast = ink_contrast(ink)
    labels, lut, comps = _threshold(contrast)
    t1 = time.perf_counter()
    make_mask = lambda: np.take(lut, labels)  # noqa: E731 - the ink mask, built only when needed
    mask, comps, (groups, angle, height), removed = _without_structure(make_mask, comps, gray.shape)
    channel = _channel_without_structure(small, ink, used, mask, removed)
    if channel is not None:  # printed lines in a colour the writing is not: read where they fade
        ink = channel
        contrast = ink_contrast(ink)
        labels, lut, comps = _threshold(contrast)
        make_mask = lambda: np.take(lut, labels)  # noqa: E731
        mask, comps, (groups, angle, height), removed = _without_structure(make_mask, comps, gray.shape)
    if mask is not None:
        make_mask = lambda: mask  # noqa: E731 - the debug view's
    t2 = time.perf_counter()
    skin_sat = functools.cache(lambda: _skin_saturation(small))  # once a frame, only when needed
    paper = functools.cache(lambda: _paper_level(ink))  # once a frame, only when it has a candidate
    printed = functools.cache(lambda: _printed_rim(removed))  # once a frame, only for a thin mark beside structure

    def on_page(g: list[int], comps: _Comps) -> bool:
        """Neither on skin, nor an edge, nor off the page."""
        return (
            not _on_skin(small, contrast, _bounds([comps.rows[i] for i in g]), skin_sat)
            and not _is_edge(small, ink, comps, g, printed)
            and not _off_page(ink, comps, g, paper)
        )

    kept = [g for g in groups if on_page(g, comps)]
    kept = [g for g in kept if not _on_a_faint_line(contrast, comps, g, height)]
    dropped = len(kept) < len(groups)
    if dropped:  # a thumb beside the row must not have steered the text angle
        groups, angle = kept, _groups_angle(kept, comps, height, angle)
    groups, unboxed = _unbox(groups, comps, height)
    if unboxed or dropped:  # boxes, edges or line pieces measured as characters set the height
        height = _median_height(
            np.array([comps.rows[i] for g in groups for i in g], np.int32).reshape(-1, 5), min(gray.shape)
        )
    comps, grown = _add_grazing(comps, groups, height)
    groups = groups + [g for g in grown[len(groups) :] if on_page(g, comps)]
    crops = _crops(groups, comps, contrast, angle, height, scale)
    specks = _specks(comps, groups, height) / scale
    if timings is not None:
        t3 = time.perf_counter()
        timings.update(threshold=(t1 - t0) * 1e3, contours=(t2 - t1) * 1e3, normalize=(t3 - t2) * 1e3)
    boxes, patches, extents, splits, split_patches, too_wide = crops
    return Segmentation(
        boxes, patches, extents, angle, height / scale, used, make_mask, splits, split_patches, too_wide, specks
    )


def _channel_without_structure(
    small: np.ndarray, ink: np.ndarray, polarity: str, mask: np.ndarray | None, removed: np.ndarray | None
) -> np.ndarray | None:
    """The colour channel (as an ink image) in which the printed structure ``removed`` fades
    against the paper while the writing left in ``mask`` keeps its contrast, or None.

    Light blue rules and grids on white paper are nearly white in the blue channel, where dark
    ink stays dark: read there, the lines never enter the mask and cut no stroke. Taken when
    the structure's contrast, over the writing's, falls below CHANNEL_STRUCTURE_FADE of what it
    is in ``ink``, and the writing keeps CHANNEL_INK_KEPT of its contrast (a blue pen on a blue
    grid fades with it). Medians over a few masks: paid only by frames that held structure.
    """
    if small.ndim != 3 or small.shape[2] < 3 or removed is None or mask is None or not removed.any():
        return None
    struct, writing = removed > 0, mask > 0
    if np.count_nonzero(writing) < config.CHANNEL_MIN_INK_PX:
        return None
    paper = cv2.dilate(cv2.bitwise_or(mask, removed), np.ones((7, 7), np.uint8)) == 0

    def contrasts(img: np.ndarray) -> tuple[float, float]:  # (structure, writing) below the paper
        level = float(np.median(img[paper]))
        return level - float(np.median(img[struct])), level - float(np.median(img[writing]))

    base_struct, base_ink = contrasts(ink)
    if base_ink <= 0:
        return None
    base = max(base_struct, 0.0) / base_ink
    best, best_ratio = None, config.CHANNEL_STRUCTURE_FADE * base
    for channel in cv2.split(small[..., :3]):
        img = channel if polarity == "dark" else 255 - channel
        s_c, i_c = contrasts(img)
        if i_c > 0 and i_c >= config.CHANNEL_INK_KEPT * base_ink and max(s_c, 0.0) / i_c < best_ratio:
            best, best_ratio = img, max(s_c, 0.0) / i_c
    return best


def _specks(comps: _Comps, groups: list[list[int]], height: float) -> np.ndarray:
    """(K, 4) x, y, w, h of the components too small to be characters but not noise (SPECK_MIN
    to SMALL_PART heights), in no character: the colon or the dot after a printed label."""
    st = comps.stats
    if not len(st):
        return np.zeros((0, 4), np.float64)
    side = np.maximum(st[:, 2], st[:, 3])
    small = (side >= config.SPECK_MIN * height) & (side < config.SMALL_PART * height)
    small[[i for g in groups for i in g]] = False
    return st[small, :4].astype(np.float64)


def _without_structure(make_mask: Callable[[], np.ndarray], comps: _Comps, shape: tuple[int, int]):
    """Printed structure out of the ink mask (``make_mask`` builds it: a frame with no long lines
    never pays for it); returns the cleaned mask (None when nothing was removed), its components,
    their (groups, angle, height) and the mask of what was removed (None when nothing was).

    Rules joined with everything written on them go first, with kernels a share of the frame
    (no character can be measured yet); once characters are measured, shorter rules go, and
    cell borders between any removed rules. A table that hides its characters (measured as one
    character, its lines too short for either kernel) is found by its repeated lines and taken
    out with kernels of its own size, when nothing else was.
    """
    grouped = _group_components(comps, min(shape))
    frame_long = (config.PAGE_KERNEL_ALONG * max(shape), config.PAGE_KERNEL_ACROSS * max(shape))
    # Everything in view one component the frame's edge cuts (a grid too dense for the page
    # rules' fill, the writing joined to it) can only be structure holding the writing.
    all_cut = not len(comps.stats) and bool(_frame_long(comps.raw, shape).any())
    page = all_cut or _has_page_lines(comps.raw, shape)
    found = _passes(make_mask, comps, grouped, frame_long if page else None)
    if found[3] is None or not found[3].any():
        grid = _hidden_grid(comps.raw, shape, make_mask, grouped[1:])
    else:  # rules removed, but a table too thickly ruled for their kernels may be left whole
        cleaned = found[0]
        grid = _hidden_grid(found[1].raw, shape, lambda: cleaned, found[2][1:])
    if grid is not None:
        found = _passes(make_mask, comps, grouped, *grid)
    return found


def _passes(make_mask, comps: _Comps, grouped, first: tuple[float, float] | None, rule_px: float | None = None):
    """The structure passes of ``_without_structure``: kernels ``first`` (px along and across,
    when given; rules ``rule_px`` wide when known) before characters are measured, then
    LINE_MIN_LENGTH character heights, then the cells' side edges at the height measured
    without them. Returns (cleaned mask or None, components, grouped, removed mask or None)."""
    side = min(comps.labels.shape)
    cleaned = removed = None
    if first is not None:
        cleaned, removed = remove_structure(make_mask(), grouped[1], first, None, rule_px=rule_px)
        comps = _components(cleaned)
        grouped = _group_components(comps, side)
    _, angle, height = grouped
    if len(comps.stats) and (removed is not None or _has_long_components(comps.raw, height)):
        length = config.LINE_MIN_LENGTH * height
        # On the mask as it came: the first pass leaves broken rules behind (a stroke on it kept
        # a piece), pieces shorter than these kernels; whole, they are found, and the first
        # pass's lines are taken out with them, their crossings repaired at the measured height.
        cleaned, removed = remove_structure(make_mask(), angle, (length, length), height, removed)
        comps = _components(cleaned)
        rules = rule_direction(removed)
        grouped = _group_along(comps, side, rules)
        if grouped[2] < config.STRUCTURE_HEIGHT_DROP * height:
            # The structure held the characters: measured with it they were its cells' height,
            # too tall to find the cells' side edges. Once more at the characters' own height.
            cleaned = erase_cell_edges(cleaned, removed, grouped[1], grouped[2])
            comps = _components(cleaned)
            grouped = _group_along(comps, side, rules)
    return cleaned, comps, grouped, removed


def _group_along(comps: _Comps, side: int, rules: float | None) -> tuple[list[list[int]], float, float]:
    """``_group_components``, the text direction kept to the printed ``rules``' (radians, None
    when there are none) when measured more than TEXT_OFF_RULES_DEG off them: writing runs
    along the rules, while the centres of a table's cells line up diagonally as well."""
    grouped = _group_components(comps, side)
    if rules is None or not len(comps.stats):
        return grouped
    off = _angle_between(grouped[1], rules)
    return grouped if abs(off) <= math.radians(config.TEXT_OFF_RULES_DEG) else _group_components(comps, side, rules)


def _angle_between(a: float, b: float) -> float:
    """Signed difference of two line directions, modulo 180 degrees: -pi/2..pi/2."""
    return (a - b + math.pi / 2) % math.pi - math.pi / 2


@dataclass
class _Comps:
    labels: np.ndarray  # int32 label image
    stats: np.ndarray  # (N, 5) x, y, w, h, area per kept component (label = index + 1 in ids)
    ids: np.ndarray  # label id of each kept component
    raw: np.ndarray  # (M, 5) stats of every ink component, also those the frame edge cuts
    # (G, 6) x, y, w, h, area, label of components that only graze the frame's edge (see
    # _grazes_edge): left out of every measure, offered as characters once the height is known
    grazing: np.ndarray = field(default_factory=lambda: np.zeros((0, 6), np.int64))
    rows: list[list[int]] = field(init=False, repr=False)  # stats as Python ints: cheap per character

    def __post_init__(self) -> None:
        self.rows = self.stats.tolist()


def _components(mask: np.ndarray) -> _Comps:
    """Connected components of a mask, minus those that cannot be characters (see _select)."""
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    return _select(labels, component_stats(labels, n, mask)[0], np.ones(n - 1, bool))


def component_stats(
    labels: np.ndarray,
    n: int,
    mask: np.ndarray,
    values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(n, 5) int32 x, y, w, h, area per label of ``mask`` (uint8, labelled in ``labels``), as
    cv2.connectedComponentsWithStats gives them, row 0 (the background) left 0; and with
    ``values`` (an image), each label's maximum value there (else None).

    Ink covers a few percent of a frame, so gathering its pixels and reducing per label is
    several times cheaper than OpenCV's per-pixel statistics.
    """
    stats = np.zeros((n, 5), np.int32)
    peak = None if values is None else np.zeros(n, values.dtype)
    points = cv2.findNonZero(mask)
    if points is None:
        return stats, peak
    points = points.reshape(-1, 2)
    flat = points[:, 1].astype(np.intp) * labels.shape[1] + points[:, 0]  # 1-D gathers are cheaper
    lab = labels.ravel().take(flat)
    # 16-bit keys let numpy's stable sort use radix sort: linear in the ink pixels.
    order = np.argsort(lab.astype(np.uint16) if n <= 65535 else lab, kind="stable")
    lab, flat = lab.take(order), flat.take(order)
    xs, ys = points[:, 0].take(order), points[:, 1].take(order)
    starts = np.concatenate(([0], np.flatnonzero(lab[1:] != lab[:-1]) + 1))
    ids = lab.take(starts)
    x0, y0 = np.minimum.reduceat(xs, starts), np.minimum.reduceat(ys, starts)
    stats[ids, 0], stats[ids, 1] = x0, y0
    stats[ids, 2] = np.maximum.reduceat(xs, starts) - x0 + 1
    stats[ids, 3] = np.maximum.reduceat(ys, starts) - y0 + 1
    counts = np.empty_like(starts)
    counts[:-1], counts[-1] = starts[1:] - starts[:-1], len(lab) - starts[-1]
    stats[ids, 4] = counts
    if peak is not None:
        peak[ids] = np.maximum.reduceat(values.ravel().take(flat), starts)
    return stats, peak


def _select(labels: np.ndarray, stats: np.ndarray, valid: np.ndarray) -> _Comps:
    """Keep ``valid`` components (stats row 0 is the background) except what cannot be a
    character at any size: specks, huge ones, and those cut by the frame edge."""
    side, (fh, fw) = min(labels.shape), labels.shape
    x, y, w, h = (stats[1:, i] for i in range(4))
    ok = valid & (np.maximum(h, w) >= max(config.SPECK_MIN_PX, config.MIN_CHAR_FRACTION * side * config.SPECK_SHARE))
    ok &= (h <= config.MAX_CHAR_FRACTION * fh) & (w <= config.MAX_CHAR_FRACTION * fw)
    # Cut by the frame edge: a finger, the paper's edge, or a character half out of view. One
    # whose stroke end merely reaches the edge (a 2's tail) is kept apart, for _add_grazing.
    inside = (x > 0) & (y > 0) & (x + w < fw) & (y + h < fh)
    near = ok & ~inside & (np.maximum(w, h) <= config.EDGE_GRAZE_ASPECT * np.minimum(w, h))
    graze = []
    if near.any():
        runs = _edge_runs(labels)
        graze = [k + 1 for k in np.flatnonzero(near) if _grazes_edge(runs, k + 1, int(max(w[k], h[k])))]
    ids = np.nonzero(ok & inside)[0] + 1
    grazing = np.column_stack([stats[graze], graze]) if graze else np.zeros((0, 6), np.int64)
    return _Comps(labels, stats[ids], ids, stats[1:][valid & (stats[1:, 4] > 0)], grazing)


def _edge_runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels, lengths) of the runs of ink along the frame's four edges, each side on its own
    (a component round a corner meets the edge in two runs)."""
    found, lengths = [], []
    for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        starts = np.concatenate([[0], np.flatnonzero(np.diff(side)) + 1])
        ends = np.append(starts[1:], len(side))
        ink = side[starts] > 0
        found.append(side[starts][ink])
        lengths.append((ends - starts)[ink])
    return np.concatenate(found), np.concatenate(lengths)


def _grazes_edge(runs: tuple[np.ndarray, np.ndarray], label: int, size: int) -> bool:
    """Whether component ``label`` (``size`` px its longer side) meets the frame's edge in one
    short run (``runs`` from _edge_runs; EDGE_GRAZE of its size): a stroke's end, not a character
    cut in two (two runs or more: a 0, a 3 or an 8 half out of view) nor a finger or a sheet's rim."""
    mine = runs[1][runs[0] == label]
    return len(mine) == 1 and int(mine[0]) <= config.EDGE_GRAZE * size


def _add_grazing(comps: _Comps, groups: list[list[int]], height: float) -> tuple[_Comps, list[list[int]]]:
    """``comps`` and ``groups`` with the components that graze the frame's edge and stand
    EDGE_GRAZE_HEIGHT of the measured character height, each a candidate of its own. They come
    in only now: wood grain cut by the frame's edge, thin as it reaches it too, would else set
    the height and the text direction."""
    if not len(comps.grazing) or height <= 0:
        return comps, groups
    low, high = config.EDGE_GRAZE_HEIGHT
    tall = np.maximum(comps.grazing[:, 2], comps.grazing[:, 3])
    add = comps.grazing[(tall >= low * height) & (tall <= high * height)]
    if not len(add):
        return comps, groups
    n = len(comps.stats)
    stats, ids = np.vstack([comps.stats, add[:, :5]]), np.concatenate([comps.ids, add[:, 5]])
    grown = _Comps(comps.labels, stats, ids, comps.raw)
    return grown, groups + [[n + k] for k in range(len(add))]


def _bounds(rows: list[list[int]]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 (exclusive) of a group of component stats rows (x, y, w, h, area)."""
    if len(rows) == 1:
        x, y, w, h, _ = rows[0]
        return x, y, x + w, y + h
    x0, y0 = min(r[0] for r in rows), min(r[1] for r in rows)
    return x0, y0, max(r[0] + r[2] for r in rows), max(r[1] + r[3] for r in rows)


def _has_long_components(stats: np.ndarray, height: float) -> bool:
    return bool(np.any(np.maximum(stats[:, 2], stats[:, 3]) > config.LINE_MIN_LENGTH * height))


def _has_page_lines(stats: np.ndarray, shape: tuple[int, int]) -> bool:
    """A sparse component spanning much of the frame: rules, a grid or a table, with the
    writing that touches them (one component for a whole notebook page)."""
    h, w = stats[:, 3], stats[:, 2]
    sparse = stats[:, 4] < config.PAGE_LINE_FILL * w * h
    thin = w > config.LINE_ASPECT * np.maximum(1, h)  # one rule with the row written on it
    return bool(np.any(_frame_long(stats, shape) & (sparse | thin)))


def _frame_long(stats: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per component: whether it spans PAGE_LINE_FRACTION of the frame's width or height."""
    return (stats[:, 2] >= config.PAGE_LINE_FRACTION * shape[1]) | (stats[:, 3] >= config.PAGE_LINE_FRACTION * shape[0])


def _hidden_grid(stats: np.ndarray, shape: tuple[int, int], make_mask, measured):
    """Kernel lengths (px, along and across) and rule width (px) for a table or grid that hides
    the characters written in it, or None: a component spanning much of the frame (or far bigger
    than the other components), as tall as the characters
    were measured (``measured``: angle, height), drawn in lines thick enough to fill more of
    its box than page rules do, and holding repeated parallel lines. Its lines are shorter
    than the frame-long kernels and than the ones measured characters give (they measured
    the table); kernels a share of its own box fit them."""
    angle, height = measured
    if not len(stats):
        return None
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    inside = (x > 0) & (y > 0) & (x + w < shape[1]) & (y + h < shape[0])  # wood grain runs off the frame
    hiding = (h >= config.STRUCTURE_HEIGHT_DROP * height) & (stats[:, 4] < config.GRID_MAX_FILL * w * h)
    # A small table in a big frame is not frame-long, but far bigger than the other components.
    big = np.maximum(w, h) > config.SPARSE_SIZE * float(np.median(h))
    candidates = stats[(_frame_long(stats, shape) | big) & inside & hiding].tolist()
    mask = make_mask() if candidates else None  # one full-frame pass, only when there is a candidate
    for bx, by, bw, bh, _ in candidates:
        rule_px = table_rules(mask[by : by + bh, bx : bx + bw], angle)
        if rule_px is not None:
            return (config.GRID_LINE_SHARE * bw, config.GRID_LINE_SHARE * bh), rule_px
    return None


def _median_height(stats: np.ndarray, side: int) -> float:
    """Typical character height: median over components near the tall end (specks ignored)."""
    order = np.argsort(stats[:, cv2.CC_STAT_HEIGHT], kind="stable")
    h = stats[order, cv2.CC_STAT_HEIGHT].astype(np.float64)
    keep = h >= config.MIN_CHAR_FRACTION * side
    h, widths = h[keep], stats[order[keep], cv2.CC_STAT_WIDTH]
    if len(h) == 0:
        return float(config.MIN_CHAR_FRACTION * side)
    # Beside a handful of characters, one finger or card edge far taller than all the rest
    # would sit on the percentile and set the height alone (the characters would all be parts).
    # It stands upright; a table the characters hide in is squarer, and must set the height.
    # The rest must be of a character's size: a lone 1 among specks sets the height itself.
    if (
        len(h) >= config.HEIGHT_OUTLIER_AMONG
        and h[-1] > config.HEIGHT_OUTLIER * h[-2]
        and h[-1] >= config.HEIGHT_OUTLIER_UPRIGHT * widths[-1]
        and h[-2] >= config.HEIGHT_OUTLIER_REST * side
    ):
        h = h[:-1]
    pos = config.CHAR_HEIGHT_PERCENTILE / 100 * (len(h) - 1)  # interpolated as np.percentile does
    lo = int(pos)
    p90 = h[lo] + (h[min(lo + 1, len(h) - 1)] - h[lo]) * (pos - lo)
    return _median(h[h >= config.CHAR_HEIGHT_SHARE * p90])


def _group_components(comps: _Comps, side: int, angle: float | None = None) -> tuple[list[list[int]], float, float]:
    """Merge fragments of one character, drop non-characters; returns groups, angle, height.
    ``angle``: the text direction when known (the rows of a table), else measured."""
    st = comps.stats.astype(np.float64)
    if len(st) == 0:
        return [], 0.0, float(config.MIN_CHAR_FRACTION * side)
    # A ruled line tilted with the page has a box as tall as several characters but fills a
    # sliver of it: counted, such lines would set the character height and steer the text angle.
    fill = st[:, 4] / np.maximum(1.0, st[:, 2] * st[:, 3])
    line_like = fill < config.LINE_FILL
    # A card's shadowed edge, an L of box rules: sparse or a long slanted band, and far bigger
    # than the rest; beside a handful of characters it would set the height and hide them all.
    typical = float(np.median(st[:, 3]))
    big = np.maximum(st[:, 2], st[:, 3]) > config.SPARSE_SIZE * typical
    elongation = (st[:, 2] ** 2 + st[:, 3] ** 2) / np.maximum(1.0, st[:, 4])  # length / thickness
    line_like |= big & ((fill < config.SPARSE_FILL) | (elongation > config.LINE_ELONGATION))
    height = _median_height(comps.stats[~line_like] if not line_like.all() else comps.stats, side)
    centers = st[:, :2] + st[:, 2:4] / 2
    tall = (st[:, 3] >= config.SMALL_PART * height) & ~line_like
    if angle is None:
        angle = text_angle(centers[tall], height, _runs(comps, tall, height))
    groups = _merge_fragments(st, centers, height, angle)
    return [g for g in groups if _is_character([comps.rows[i] for i in g], height, angle)], angle, height


def _runs(comps: _Comps, tall: np.ndarray, height: float) -> np.ndarray:
    """(direction, width in heights) of each ``tall`` component wider than DIRECTION_WIDE heights
    (characters run together), from its ink's middle one height in from either side. Their
    centres alone put a row's run-together chunks far apart, so the nearest neighbour of one
    may be a chunk of the next row, diagonally; the chunk itself shows the row's direction."""
    wide = tall & (comps.stats[:, 2] > config.DIRECTION_WIDE * np.maximum(comps.stats[:, 3], height))
    runs = []
    for i in np.flatnonzero(wide):
        x, y, w, h, _ = comps.rows[i]
        own = comps.labels[y : y + h, x : x + w] == comps.ids[i]
        side = max(1, min(w // 2, int(height)))
        middles = []
        for x0 in (0, w - side):
            rows = np.flatnonzero(own[:, x0 : x0 + side].any(axis=1))
            middles.append((rows[0] + rows[-1] + 1) / 2 if len(rows) else h / 2)
        runs.append((math.atan2(middles[1] - middles[0], w - side), w / max(h, height)))
    return np.array(runs, np.float64).reshape(-1, 2)


def _merge_fragments(st: np.ndarray, centers: np.ndarray, height: float, angle: float) -> list[list[int]]:
    """Union components that overlap along the text direction and sit close across it (a 5's
    detached bar, broken strokes), as long as the merged box stays one character tall."""
    p = rotate_points(centers, angle)
    ext_x = st[:, 2] * abs(math.cos(angle)) + st[:, 3] * abs(math.sin(angle))
    ext_y = st[:, 3] * abs(math.cos(angle)) + st[:, 2] * abs(math.sin(angle))
    order = np.argsort(p[:, 0] - ext_x / 2).tolist()
    # Python floats for the pairwise loop: numpy scalar access would cost more than the maths.
    lo_x, hi_x = (p[:, 0] - ext_x / 2).tolist(), (p[:, 0] + ext_x / 2).tolist()
    lo_y, hi_y = (p[:, 1] - ext_y / 2).tolist(), (p[:, 1] + ext_y / 2).tolist()
    ext_x = ext_x.tolist()
    parent = list(range(len(st)))
    top_lo, top_hi = list(lo_y), list(hi_y)  # extent across the text of each root's group

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1 :]:
            if lo_x[b] > hi_x[a]:
                break
            overlap = min(hi_x[a], hi_x[b]) - max(lo_x[a], lo_x[b])
            if overlap < config.MERGE_OVERLAP * min(ext_x[a], ext_x[b]):
                continue
            gap = max(lo_y[a], lo_y[b]) - min(hi_y[a], hi_y[b])
            ra, rb = find(a), find(b)
            # The merged *groups* must stay one character tall: checked pairwise, a sliver left
            # between two characters chains them into one box that no rule then accepts.
            tall = max(top_hi[ra], top_hi[rb]) - min(top_lo[ra], top_lo[rb])
            if ra != rb and gap < config.MERGE_GAP * height and tall < config.MERGE_MAX_HEIGHT * height:
                parent[ra] = rb
                top_lo[rb], top_hi[rb] = min(top_lo[ra], top_lo[rb]), max(top_hi[ra], top_hi[rb])
    groups: dict[int, list[int]] = {}
    for i in range(len(st)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _is_character(rows: list[list[int]], height: float, angle: float) -> bool:
    """Shape rules against specks, ruled lines, shadows, paper edges and fingers; ``rows`` are
    the group's component stats (x, y, w, h, area)."""
    x0, y0, x1, y1 = _bounds(rows)
    w, h = float(x1 - x0), float(y1 - y0)
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    along, across = w * c + h * s, h * c + w * s
    if max(along, across) < config.SMALL_PART * height:
        return False  # speck or a lone fragment
    long_side, short_side = max(w, h), max(1.0, min(w, h))
    if long_side / short_side > config.LINE_ASPECT and long_side > config.LINE_MIN_LENGTH * height:
        return False  # ruled line, paper edge
    candidate = along <= config.SPLIT_MAX_WIDTH * height and across >= config.SPLIT_MIN_ACROSS * height
    if _too_wide(along, across, height) and not candidate:
        return False  # horizontal stroke or scribble wider than any character (touching ones are cut)
    if across > config.MAX_CHAR_TALL * height:
        return False  # far taller than the text around it: shadow edge, finger
    if height < config.BLOB_MIN_HEIGHT_PX:
        return True  # a bold digit this small fills its box as a blob does: the model tells them apart
    area = sum(r[4] for r in rows)
    return not (area / max(1.0, w * h) > config.BLOB_SOLIDITY and short_side > config.BLOB_MIN_SHORT * height)


def _unbox(groups: list[list[int]], comps: _Comps, height: float) -> tuple[list[list[int]], bool]:
    """The groups less their printed boxes: a checkbox, an empty cell, a die's square and its
    dots. A box is an outline whose outer contour fills its turned bounding rectangle (a
    handwritten 0, an ellipse, fills about 0.8 of it) while its ink is only a frame. What it holds
    and touches (a digit written into it) stays, as that component, if it is a character's size
    beside the box; a wall across a strip of boxes goes with the box. Only hollow components of
    character size are looked at, and each costs one contour: a frame of digits pays for its 0s.
    Also returns whether any box was found."""
    out, found = [], False
    for g in groups:
        keep, boxed = [], False
        for i in g:
            x, y, w, h, area = comps.rows[i]
            short, long = min(w, h), max(w, h)
            if (
                short >= config.BOX_MIN_SIDE * height
                and long <= config.BOX_MAX_ASPECT * short
                and area <= config.BOX_MAX_INK * w * h
                and _take_frame(comps, i)
            ):
                found = boxed = True
                if comps.rows[i][4] == 0:
                    continue  # nothing of a character's size was in it
            keep.append(i)
        if boxed:  # the box's fragments and specks (a die's dots) go with it
            keep = [i for i in keep if max(comps.rows[i][2], comps.rows[i][3]) >= config.SMALL_PART * height]
        if keep:
            out.append(keep)
    return out, found


def _take_frame(comps: _Comps, i: int) -> bool:
    """Whether component ``i`` is a printed box (see ``_unbox``); if so its frame leaves the
    labels, and its row in ``comps.rows`` (what the crops read) becomes what it held (area 0
    when nothing). ``comps.stats`` keeps the component as labelled: the grouping is done."""
    x, y, w, h, area = comps.rows[i]
    labels = comps.labels[y : y + h, x : x + w]
    own = (labels == comps.ids[i]).view(np.uint8)
    contours, _ = cv2.findContours(own, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False
    outer = max(contours, key=cv2.contourArea)
    inside = cv2.contourArea(outer)
    (_, _), (rw, rh), _ = cv2.minAreaRect(outer)
    if inside < config.BOX_RECT_FILL * rw * rh or area > config.BOX_MAX_INK * inside:
        return False
    # The frame: a band along the outline as wide as its rule, and a pixel more each side.
    filled = np.zeros_like(own)
    cv2.drawContours(filled, [outer], -1, 1, cv2.FILLED)
    rule = _rule_width(own)
    band = 2 * rule + 3
    inset = cv2.erode(filled, np.ones((band, band), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    held = own & inset
    n, parts, st, _ = cv2.connectedComponentsWithStats(held, connectivity=8)
    big = [k for k in range(1, n) if max(st[k, 2], st[k, 3]) >= config.BOX_HELD * min(w, h)]
    big = [k for k in big if not _separator(parts, st, k, rule, min(w, h) - 2 * band)]  # a strip's walls
    inner = np.isin(parts, big)
    labels[(own > 0) & ~inner] = 0  # the frame, and the specks (a die's dots) it touched
    if not big:
        comps.rows[i] = [x, y, w, h, 0]
        return True
    ys, xs = np.nonzero(inner)
    comps.rows[i] = [x + int(xs.min()), y + int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1, len(ys)]
    return True


def _separator(parts: np.ndarray, st: np.ndarray, k: int, rule: int, span: float) -> bool:
    """Whether part ``k`` of what a box holds is a printed rule across it (the wall between two
    boxes of a strip): straight, as thin as the box's own rule, reaching across its inside."""
    x, y, w, h = st[k, :4].tolist()
    pts = cv2.findNonZero((parts[y : y + h, x : x + w] == k).view(np.uint8))
    (_, _), (a, b), _ = cv2.minAreaRect(pts)
    return max(a, b) >= config.BOX_SEPARATOR_SPAN * span and min(a, b) <= rule + config.BOX_SEPARATOR_SLACK_PX


def _rule_width(own: np.ndarray) -> int:
    """Width in pixels of a box outline's rule: the median run of ink inward from each side,
    along rows and columns through a third, the half and two thirds of the box (a digit that
    touches one side lengthens a run or two, not the median)."""
    h, w = own.shape
    lines = [own[int(h * f)] for f in (0.3, 0.5, 0.7)] + [own[:, int(w * f)] for f in (0.3, 0.5, 0.7)]
    runs = []
    for line in lines:
        for ends in (line, line[::-1]):
            on = np.flatnonzero(ends)
            if len(on) == 0:
                continue
            start = on[0]
            off = np.flatnonzero(ends[start:] == 0)
            runs.append(int(off[0]) if len(off) else len(ends) - start)
    return int(np.median(runs)) if runs else 1


def _too_wide(along: float, across: float, height: float) -> bool:
    """Wider than any one character: a dash, a scribble, or characters touching."""
    return along > config.MAX_ASPECT_WIDE * max(across, 1.0) and along > height


def _groups_angle(groups: list[list[int]], comps: _Comps, height: float, fallback: float) -> float:
    """Text direction from the centres of character groups (``fallback`` with fewer than two)."""
    if len(groups) < 2:
        return fallback
    boxes = [_bounds([comps.rows[i] for i in g]) for g in groups]
    centers = np.array([((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in boxes], np.float64)
    return text_angle(centers, height)


def _skin_saturation(frame: np.ndarray) -> float:
    """The saturation skin needs in this frame: SKIN_OVER_PAPER above the frame's median (its
    paper, mostly), between SKIN_LEAST_SATURATION and SKIN_MIN_SATURATION. Pale skin on white
    paper is as saturated as warm paper is in another photo; on that paper it stands out."""
    if frame.ndim != 3 or frame.shape[2] < 3:
        return float(config.SKIN_MIN_SATURATION)
    sat = cv2.cvtColor(_probe(frame[:, :, :3]), cv2.COLOR_BGR2HSV_FULL)[..., 1]
    need = _grey_median(sat) + config.SKIN_OVER_PAPER
    return float(min(config.SKIN_MIN_SATURATION, max(config.SKIN_LEAST_SATURATION, need)))


def _on_skin(
    frame: np.ndarray, contrast: np.ndarray, bounds: tuple[int, int, int, int], skin_sat: Callable[[], float]
) -> bool:
    """Whether a candidate lies on skin: a good share of what its ink lies on (its box less the
    ink itself) is skin-hued and clearly saturated (``skin_sat()``: how much, this frame). A
    thumb's nail outline reads as a confident 0, and nobody writes a PIN on a finger; orange or
    red ink lies on paper."""
    if frame.ndim != 3 or frame.shape[2] < 3:
        return False
    x0, y0, x1, y1 = bounds
    crop = frame[y0:y1, x0:x1, :3]
    if crop.size == 0:
        return False
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV_FULL)
    # Skin needs SKIN_SHARE of the box's non-ink pixels at SKIN_LEAST_SATURATION or more: with ink
    # covering at most 70% of a box, the box's mean saturation is then at least this (most crops
    # stop here).
    if cv2.mean(hsv)[1] < config.SKIN_NON_INK * config.SKIN_SHARE * config.SKIN_LEAST_SATURATION:
        return False
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    around = contrast[y0:y1, x0:x1] < 255 * config.INK_WEAK  # what the ink lies on, not the ink
    hued = ((hue <= config.SKIN_HUE_MAX) | (hue >= 255 - config.SKIN_HUE_WRAP)) & (val >= config.SKIN_MIN_VALUE)
    hued &= around
    enough = config.SKIN_SHARE * max(1, np.count_nonzero(around))
    # The frame's own need (a probe of the whole frame) only for a box that is skin at the least.
    return bool(
        np.count_nonzero(hued & (sat >= config.SKIN_LEAST_SATURATION)) >= enough
        and np.count_nonzero(hued & (sat >= skin_sat())) >= enough
    )


def _printed_rim(removed: np.ndarray | None) -> np.ndarray | None:
    """Where paper may be sampled: 255 everywhere but on the printed structure taken out and
    its anti-aliased rim (0); None when nothing was taken out."""
    if removed is None or not removed.any():
        return None
    return cv2.bitwise_not(cv2.dilate(removed, _RIM))


def _is_edge(
    frame: np.ndarray,
    ink: np.ndarray,
    comps: _Comps,
    group: list[int],
    paper_only: Callable[[], np.ndarray | None] = lambda: None,
) -> bool:
    """Whether a mark is the edge of something (a card's rim, a sheet's border, the outline of a
    fingertip over the paper), not a stroke: a pen stroke has paper on both sides, an edge has
    paper on one side only.

    ``frame``: BGR at processing size, ``ink``: uint8, ink dark (``ink_image``). A thin upright
    mark is compared with the strips just left and right of its box, any other with what its box
    holds besides the ink (a 0's hole, a fingertip's nail) and the ring around its box: a "1" or
    a "0" stands out from both.
    Medians from OpenCV histograms: this runs on every candidate of every frame. The strips
    beside a thin mark leave out what ``paper_only`` says is printed structure taken out (a
    box's wall beside a 1 written in it darkens one strip like an edge's other side).
    """
    x0, y0, x1, y1 = _bounds([comps.rows[i] for i in group])
    w, h = x1 - x0, y1 - y0
    H, W = ink.shape
    band = max(config.EDGE_BAND_MIN_PX, round(config.EDGE_BAND * h))  # a rule beside a 1 is a minority of it
    labels, crop = comps.labels[y0:y1, x0:x1], ink[y0:y1, x0:x1]
    if len(group) == 1:
        own = cv2.compare(labels, int(comps.ids[group[0]]), cv2.CMP_EQ)
    else:
        own = np.isin(labels, comps.ids[group]).view(np.uint8) * np.uint8(255)
    stroke = _grey_median(crop, own)
    if w <= config.EDGE_MAX_THINNESS * h:
        # Near the frame's edge the strips are as wide as fits: a card's rim is often there.
        left, right = min(band, x0), min(band, W - x1)
        if min(left, right) < config.EDGE_BAND_MIN_PX:
            return False
        sides = (ink[y0:y1, x0 - left : x0], ink[y0:y1, x1 : x1 + right])
        paper = paper_only()
        if paper is None:
            a, b = (_grey_median(side) - stroke for side in sides)
        else:
            masks = (paper[y0:y1, x0 - left : x0], paper[y0:y1, x1 : x1 + right])
            if min(cv2.countNonZero(m) for m in masks) < config.EDGE_MIN_SAMPLE:
                return False  # structure on a side: a stroke beside a rule, not an edge
            a, b = (_grey_median(side, m) - stroke for side, m in zip(sides, masks))
        if max(a, b) <= 0 or min(a, b) < config.EDGE_ONE_SIDED * max(a, b):
            return max(a, b) > 0
        # A card's rim over a backdrop nearly as light as the card: the paper on one side, the
        # backdrop's other colour on the other. A pen stroke has the one paper on both sides.
        return (
            min(a, b) < config.EDGE_TWO_TONE * max(a, b)
            and frame.ndim == 3
            and _chroma_gap(frame[y0:y1, x0 - left : x0], frame[y0:y1, x1 : x1 + right]) >= config.EDGE_CHROMA
        )
    inside = cv2.bitwise_not(cv2.dilate(own, _RIM))  # what the box holds besides its ink's rim
    n_inside = cv2.countNonZero(inside)
    if n_inside < config.OUTLINE_MIN_INSIDE * w * h:
        return False  # a 8's small holes are mostly the blur of its own strokes
    ox0, oy0, ox1, oy1 = max(0, x0 - band), max(0, y0 - band), min(W, x1 + band), min(H, y1 + band)
    if (ox1 - ox0) * (oy1 - oy0) - w * h < config.EDGE_MIN_SAMPLE:
        return False
    ring = np.full((oy1 - oy0, ox1 - ox0), 255, np.uint8)
    ring[y0 - oy0 : y1 - oy0, x0 - ox0 : x1 - ox0] = 0
    a = _grey_median(crop, inside) - stroke
    b = _grey_median(ink[oy0:oy1, ox0:ox1], ring) - stroke
    # An outline holds what it outlines, darker than the paper around it and more colourful: a
    # fingertip. A shadow's edge across a digit darkens part of its box too, but leaves the
    # paper's colour: that digit stays.
    if not (b > 0 and a < config.OUTLINE_ONE_SIDED * b) or frame.ndim != 3:
        return False
    sat_inside = cv2.mean(cv2.cvtColor(frame[y0:y1, x0:x1, :3], cv2.COLOR_BGR2HSV_FULL), mask=inside)[1]
    sat_ring = cv2.mean(cv2.cvtColor(frame[oy0:oy1, ox0:ox1, :3], cv2.COLOR_BGR2HSV_FULL), mask=ring)[1]
    return sat_inside > sat_ring + config.OUTLINE_SATURATION_GAIN


def _chroma_gap(left: np.ndarray, right: np.ndarray) -> float:
    """How far apart two BGR patches' mean colours are, brightness left out: the L1 distance of
    their chromaticities (each channel's share of the sum), in percent."""
    a, b = (np.asarray(cv2.mean(p[:, :, :3])[:3]) for p in (left, right))
    return float(np.abs(a / max(a.sum(), 1e-6) - b / max(b.sum(), 1e-6)).sum() * 100)


def _paper_level(ink: np.ndarray) -> float:
    """How bright the paper is in ``ink`` (uint8, ink dark): a high percentile of a thumbnail."""
    return _grey_percentile(_probe(ink), config.PAPER_PERCENTILE)


def _off_page(ink: np.ndarray, comps: _Comps, group: list[int], paper: Callable[[], float]) -> bool:
    """Whether a candidate lies off the page rather than on it: surrounded by something far
    darker than the paper (OFF_PAGE_SHARE: a desk, the shadow beyond a card's edge, whose rim
    reads as a 1), or one mark of a texture (wood grain, carpet), crowded by more marks on most
    sides on something darker than the paper (DESK_SHARE); writing stands on paper with at most
    its neighbours in the row beside it. Judged by what the strips above, below, left and right
    of the box lie on, and how much of each is ink of any component."""
    x0, y0, x1, y1 = _bounds([comps.rows[i] for i in group])
    band = max(config.EDGE_BAND_MIN_PX, round(config.TEXTURE_BAND * (y1 - y0)))
    labels = comps.labels
    H, W = labels.shape
    ox, oy, ex, ey = max(0, x0 - band), max(0, y0 - band), min(W, x1 + band), min(H, y1 + band)
    strips = (ink[oy:y0, ox:ex], ink[y1:ey, ox:ex], ink[y0:y1, ox:x0], ink[y0:y1, x1:ex])
    ring = np.concatenate([s.ravel() for s in strips])[None, :]
    if ring.size and _grey_median(ring) < config.OFF_PAGE_SHARE * paper():
        return True
    if x0 < band or y0 < band or x1 + band > W or y1 + band > H:
        return False
    sides = (
        labels[y0 - band : y0, x0:x1],
        labels[y1 : y1 + band, x0:x1],
        labels[y0:y1, x0 - band : x0],
        labels[y0:y1, x1 : x1 + band],
    )
    crowded = sum(cv2.countNonZero(side) > config.TEXTURE_RING_INK * side.size for side in sides)
    if crowded < config.TEXTURE_SIDES:
        return False
    around = ink[y0 - band : y1 + band, x0 - band : x1 + band]
    return _grey_median(around) < config.DESK_SHARE * paper()


def _on_a_faint_line(contrast: np.ndarray, comps: _Comps, group: list[int], height: float) -> bool:
    """Whether a thin straight candidate is the dark stretch of a longer, fainter printed line (a
    notebook's margin line, thresholded only in pieces), not a 1: past both its ends the contrast
    image goes on darker along its axis than beside it. A pen's 1 ends where it ends."""
    x, y, x1, y1 = _bounds([comps.rows[i] for i in group])  # pieces of one line merged as fragments
    w, h = x1 - x, y1 - y
    if max(w, h) < config.FAINT_LINE_ASPECT * max(min(w, h), 1) or max(w, h) < config.SMALL_PART * height:
        return False
    own = np.isin(comps.labels[y:y1, x:x1], comps.ids[group]).view(np.uint8)
    pts = cv2.findNonZero(own)
    if pts is None or len(pts) < 2:
        return False
    vx, vy, cx, cy = (float(v) for v in cv2.fitLine(pts, cv2.DIST_L2, 0, 0.01, 0.01).ravel())
    along = np.array([vx, vy]) if vy >= 0 else -np.array([vx, vy])  # pointing down the frame
    across = np.array([-along[1], along[0]])
    centre = np.array([x + cx, y + cy])
    half = 0.5 * float(np.hypot(w, h))
    reach, offset = config.FAINT_LINE_REACH * height, config.FAINT_LINE_OFFSET * height
    steps = np.linspace(half + 0.1 * height, half + reach, config.FAINT_LINE_SAMPLES)
    H, W = contrast.shape
    for sign in (-1.0, 1.0):  # beyond each end
        ts = centre + sign * steps[:, None] * along
        inside = (ts[:, 0] >= 0) & (ts[:, 0] < W) & (ts[:, 1] >= 0) & (ts[:, 1] < H)
        if inside.sum() < config.FAINT_LINE_SAMPLES // 2:
            return False  # too near the frame's edge to tell
        on = _sample(contrast, ts)
        beside = np.maximum(_sample(contrast, ts + offset * across), _sample(contrast, ts - offset * across))
        if np.mean(on[inside] > beside[inside] + config.FAINT_LINE_MARGIN) < config.FAINT_LINE_SHARE:
            return False
    return True


def _sample(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Values of a 2-D image at (N, 2) x, y points, rounded to pixels and clipped to the frame."""
    h, w = image.shape
    px = np.clip(np.round(points).astype(int), 0, [w - 1, h - 1])
    return image[px[:, 1], px[:, 0]].astype(np.float64)


_RIM = np.ones((config.STROKE_RIM_PX, config.STROKE_RIM_PX), np.uint8)  # the anti-aliased rim, left out of "inside"


def _grey_median(image: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Median of a uint8 image (where ``mask`` is set) from its histogram: one OpenCV pass."""
    return _grey_percentile(image, 50, mask)


def _grey_percentile(image: np.ndarray, q: float, mask: np.ndarray | None = None) -> float:
    """The ``q``-th percentile of a uint8 image (where ``mask`` is set), a grey level, from its
    histogram: one OpenCV pass, where numpy sorts every pixel."""
    hist = cv2.calcHist([image], [0], mask, [256], [0, 256]).ravel().cumsum()
    return float(np.searchsorted(hist, hist[-1] * q / 100)) if hist[-1] else 0.0


def _crops(groups: list[list[int]], comps: _Comps, contrast: np.ndarray, angle: float, height: float, scale: float):
    """Each group's own ink (not neighbours' strokes inside its box) -> MNIST-style patch, and
    for crops wider than a character the candidate cuts into touching characters.

    All in uint8 OpenCV calls on the box: a float copy of every crop cost more than the rest.
    Returns the fields of a Segmentation up to ``angle``, plus splits, split patches, too_wide.
    """
    boxes, patches, extents, wide, peaks, wide_crops = [], [], [], [], [], []
    cuts = _Cuts()
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    may_cut = abs(math.degrees(angle)) <= config.SPLIT_MAX_TILT_DEG
    for g in groups:
        x0, y0, x1, y1 = _bounds([comps.rows[i] for i in g])
        labels = comps.labels[y0:y1, x0:x1]
        if len(g) == 1:
            own = cv2.compare(labels, int(comps.ids[g[0]]), cv2.CMP_EQ)
        else:
            own = np.isin(labels, comps.ids[g]).view(np.uint8) * np.uint8(255)
        ink, peak = _normalise_ink(contrast[y0:y1, x0:x1], own)
        patches.append(to_mnist(ink))
        boxes.append(_to_frame_box(x0, y0, x1, y1, scale))
        along, across = (x1 - x0) * c + (y1 - y0) * s, (y1 - y0) * c + (x1 - x0) * s
        extents.append(along / scale)
        wide.append(_too_wide(along, across, height))
        peaks.append(peak)
        if may_cut and along > config.SPLIT_MIN_WIDTH * height and _is_strokes(own, height):
            wide_crops.append((len(boxes) - 1, own, ink, (x0, y0), along / height))
    # Faint texture (paper grain blown up by the contrast stretch) cut finely always holds a
    # piece that reads surely: only crops about as strong as the frame's writing are cut.
    strong = config.SPLIT_MIN_STRENGTH * float(np.median(peaks)) if peaks else 0.0
    for i, own, ink, origin, width in wide_crops:
        if peaks[i] >= strong:
            cuts.add(i, own, ink, origin, height, scale, (c, s), width)
    arr = np.stack(patches) if patches else np.zeros((0, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    return tuple(boxes), arr, np.asarray(extents, np.float64), tuple(cuts.options), cuts.stacked(), tuple(wide)


def _is_strokes(own: np.ndarray, height: float) -> bool:
    """Whether a crop's ink is pen strokes, not a solid blob (a shadow, a smudge): strokes are
    gone after an erosion by a fifth of the character height."""
    k = max(3, int(config.SPLIT_BLOB_ERODE * height))
    core = cv2.countNonZero(cv2.erode(own, np.ones((k, k), np.uint8)))
    return core < config.SPLIT_BLOB_CORE * cv2.countNonZero(own)


class _Cuts:
    """Collects the candidate cuts of a frame's wide crops and their parts' patches."""

    def __init__(self) -> None:
        self.options: list[SplitLattice] = []
        self.patches: list[np.ndarray] = []

    def add(self, group: int, own: np.ndarray, ink: np.ndarray, origin, height: float, scale: float, cs, width) -> None:
        inner = cut_points(own, height)
        if not inner:
            return
        points = [0, *inner, own.shape[1]]
        parts = max_parts(width)
        # Cut straight down the columns, and along the paths that wind between strokes: two
        # sets of cut points, ends shared, so a chain of parts never mixes the two.
        m, straight = len(inner), np.repeat(np.asarray(points, np.int64)[:, None], own.shape[0], axis=1)
        node = lambda k, first: 0 if k == 0 else (2 * m + 1 if k == m + 1 else k + (0 if first else m))  # noqa: E731
        spans, rows, boxes, extents = [], [], [], []
        for first, paths in ((True, straight), (False, seam_paths(own, points, height))):
            for i, j in part_spans(own, points, height, paths, parts):
                spans.append((node(i, first), node(j, first)))
                piece = part_mask(own, paths, i, j)
                px, py, pw, ph = cv2.boundingRect(piece)
                x0, y0 = origin[0] + px, origin[1] + py
                rows.append(len(self.patches))
                self.patches.append(to_mnist(cv2.min(ink, piece)[py : py + ph, px : px + pw]))
                boxes.append(_to_frame_box(x0, y0, x0 + pw, y0 + ph, scale))
                extents.append((pw * cs[0] + ph * cs[1]) / scale)
        if not spans:
            return
        points = [0, *inner, *inner, own.shape[1]]
        self.options.append(
            SplitLattice(group, tuple(points), tuple(spans), tuple(rows), tuple(boxes), tuple(extents), parts)
        )

    def stacked(self) -> np.ndarray:
        if not self.patches:
            return np.zeros((0, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
        return np.stack(self.patches)


def _normalise_ink(contrast: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, int]:
    """uint8 contrast inside the ``own`` mask (0/255) -> uint8 ink with the stroke core saturated, like
    MNIST's pen strokes: scaled so its 90th percentile (returned too, the crop's strength)
    reaches 255."""
    ink = cv2.min(contrast, own)  # own is 0 or 255: the contrast inside, 0 outside
    values = ink[ink > 0]  # zero contrast is not ink
    if len(values) == 0:
        return np.zeros(contrast.shape, np.uint8), 0
    k = int(config.INK_PEAK_PERCENTILE / 100 * (len(values) - 1))
    peak = int(np.partition(values, k)[k])  # the 90th percentile value
    return cv2.convertScaleAbs(ink, alpha=255.0 / max(peak, 1)), peak


def _to_frame_box(x0: int, y0: int, x1: int, y1: int, scale: float) -> Box:
    if scale == 1.0:
        return Box(x0, y0, x1 - x0, y1 - y0)
    fx0, fy0 = int(math.floor(x0 / scale)), int(math.floor(y0 / scale))
    return Box(fx0, fy0, int(math.ceil(x1 / scale)) - fx0, int(math.ceil(y1 / scale)) - fy0)
