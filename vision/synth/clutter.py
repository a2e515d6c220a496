"""Things that are not characters, for the classifier to reject and the segmenter to ignore.

Two forms of the same clutter: ``clutter_patches`` draws what survives the segmenter's shape
filters in cluttered frames (wedges of desk or shadow, fingertips, smudges, dashes) as training
patches; ``draw_page_distractors`` and ``draw_finger`` paint ruled lines, a page edge, specks and
a finger into a scene, clear of its characters, so the reader meets them whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from vision import config
from vision.preprocess import to_mnist
from vision.synth import tuning
from vision.synth.paint import blend_mask, clip_to_uint8, paint_skin, pt, skin_shade
from vision.synth.warp import elastic_warp
from vision.types import Box

_WOBBLE = (1.0, 4)  # displacement std (px) and control points per side of a 64 px patch canvas


def clutter_patches(n: int, seed: int = config.SEED) -> np.ndarray:
    """``n`` patches of things that are not characters, laid out as the segmenter hands them over.

    What survives the segmenter's shape filters in cluttered frames is mostly solid: wedges where
    a shadow or the desk meets the paper's edge, fingertips, smudges, and dashes. Drawn here
    procedurally (fast, no data set needed) and passed through the same ``to_mnist``.
    """
    rng = np.random.default_rng(seed)
    makers = (_wedge, _fingertip, _smudge, _dash)
    out = np.zeros((n, config.PATCH_SIZE, config.PATCH_SIZE), np.uint8)
    for i in range(n):
        canvas = makers[i % len(makers)](rng)
        out[i] = to_mnist(elastic_warp(canvas, rng, *_WOBBLE))
    return out


def _wedge(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A filled triangle at least a third as wide as tall: paper corner against desk or shadow."""
    img = np.zeros((size, size), np.uint8)
    h = rng.uniform(30, 58)
    base = min(58.0, h * rng.uniform(0.35, 1.2))
    x0, y0 = rng.uniform(2, size - 2 - base + 1e-6), rng.uniform(2, size - h - 2 + 1e-6)
    pts = [(x0, y0 + h), (x0 + base, y0 + h), (x0 + rng.uniform(0, base), y0)]
    if rng.random() < 0.5:
        pts = [(x, 2 * y0 + h - y) for x, y in pts]  # pointing down
    cv2.fillPoly(img, [np.int32(pts)], int(rng.integers(150, 256)))
    return img


def _fingertip(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A filled half ellipse shaded as skin: a fingertip or thumb entering the view."""
    img = np.zeros((size, size), np.uint8)
    axes = (int(rng.uniform(10, 28)), int(rng.uniform(14, 30)))
    cv2.ellipse(img, (size // 2, size // 2), axes, float(rng.uniform(0, 360)), 0, 180, 255, -1)
    m = img.astype(np.float32) / 255
    return clip_to_uint8(255 * m * skin_shade(m, min(axes) / 2))  # lit across it as paint_skin lights a finger


def _smudge(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A solid irregular blob with a grainy texture: a smear, a stain, a shadow's corner."""
    img = np.zeros((size, size), np.uint8)
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(5, 9))))
    radii = rng.uniform(8, 26, len(angles))
    pts = np.stack([size / 2 + radii * np.cos(angles), size / 2 + radii * np.sin(angles)], axis=1)
    cv2.fillPoly(img, [np.int32(pts)], 255)
    grain = rng.uniform(0.55, 1.0, img.shape).astype(np.float32)
    return (img * grain).astype(np.uint8)


def _dash(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A short thick near-horizontal stroke: a dash, an underline, a fragment of a ruled line."""
    img = np.zeros((size, size), np.uint8)
    length, angle = rng.uniform(28, 60), rng.uniform(-0.35, 0.35)
    dx, dy = length / 2 * np.cos(angle), length / 2 * np.sin(angle)
    c = size / 2
    cv2.line(img, (int(c - dx), int(c - dy)), (int(c + dx), int(c + dy)), 255, int(rng.integers(3, 9)))
    return img


# --- In a scene ----------------------------------------------------------------------------


def keep_out_rects(boxes: Sequence[Box], margin: float) -> list[tuple[int, int, int, int]]:
    """Boxes grown by ``margin`` px, as (x, y, w, h) tuples for cv2.clipLine."""
    m = math.ceil(margin)
    return [(b.x - m, b.y - m, b.w + 2 * m, b.h + 2 * m) for b in boxes if b.w and b.h]


def _line_is_clear(p1, p2, keep_out) -> bool:
    """True when the segment p1-p2 crosses none of the keep-out rectangles."""
    a, b = tuple(round(v) for v in p1), tuple(round(v) for v in p2)
    return not any(cv2.clipLine(r, a, b)[0] for r in keep_out)


def draw_page_distractors(frame, boxes, placed, tilt, homography, polarity, rng) -> None:
    """Ruled lines, a page edge and specks on float32 ``frame``, all clear of the chars' boxes."""
    size = (frame.shape[1], frame.shape[0])
    char_h = float(np.median([g.shape[0] for _, g, _ in placed])) if placed else size[1] / 8
    keep_out = keep_out_rects(boxes, tuning.SCENE_DISTRACTOR_CLEARANCE * char_h)
    line_mask = np.zeros(frame.shape[:2], np.uint8)
    thickness = max(1, round(size[1] / 400))
    for p1, p2 in _ruled_lines(size, placed, tilt, homography, char_h):
        if _line_is_clear(p1, p2, keep_out):
            cv2.line(line_mask, pt(p1), pt(p2), 255, thickness, cv2.LINE_AA)
    ruled = (170.0, 150.0, 140.0) if polarity == "dark" else (90.0, 100.0, 80.0)
    blend_mask(frame, line_mask, np.float32(ruled), 0.6)
    _draw_page_edge(frame, boxes, keep_out, polarity, rng)
    _draw_specks(frame, keep_out, polarity, rng)


def _ruled_lines(size, placed, tilt: float, homography, char_h: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frame-pixel segments of ruled lines running with the text, half a pitch off its rows."""
    w, h = size
    first_row = [t[:2, :] @ [(g.shape[1] - 1) / 2, (g.shape[0] - 1) / 2, 1] for s, g, t in placed if s.row == 0]
    origin = np.mean(first_row, axis=0) if first_row else np.array([w / 2, h / 2])
    along = np.array([math.cos(tilt), -math.sin(tilt)])
    normal = np.array([math.sin(tilt), math.cos(tilt)])
    pitch, far = tuning.SCENE_ROW_PITCH * char_h, 2 * (w + h)
    segments = []
    for k in range(-int(math.hypot(w, h) / pitch) - 1, int(math.hypot(w, h) / pitch) + 1):
        mid = origin + normal * (k + 0.5) * pitch
        ok, a, b = cv2.clipLine((0, 0, w, h), pt(mid - along * far), pt(mid + along * far))
        if ok:
            ends = cv2.perspectiveTransform(np.float32([[a, b]]), homography)[0]
            segments.append((ends[0], ends[1]))
    return segments


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
    blend_mask(frame, mask, np.float32(beyond) * rng.uniform(0.8, 1.1), 1.0)


def _draw_specks(frame, keep_out, polarity, rng) -> None:
    """A few small dots (dust, eraser crumbs) away from the chars."""
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    radius_max = max(1.5, h / 160)
    for _ in range(int(rng.integers(3, 9))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, radius_max)
        if not any(rx - r <= x <= rx + rw + r and ry - r <= y <= ry + rh + r for rx, ry, rw, rh in keep_out):
            cv2.circle(mask, pt((x, y)), round(r), 255, -1, cv2.LINE_AA)
    speck = (90.0, 90.0, 95.0) if polarity == "dark" else (200.0, 205.0, 205.0)
    blend_mask(frame, mask, np.float32(speck), 0.8)


def draw_finger(frame: np.ndarray, boxes: Sequence[Box], rng, tries: int = 12) -> None:
    """A skin-coloured finger poking in from the left, right or bottom border, clear of the chars."""
    h, w = frame.shape[:2]
    keep_out = keep_out_rects(boxes, 0.02 * h)
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
        poly = cv2.ellipse2Poly(pt(centre), (int(along), int(across)), int(angle), 0, 360, 10)
        x, y, bw, bh = cv2.boundingRect(poly)
        if not any(x < rx + rw and rx < x + bw and y < ry + rh and ry < y + bh for rx, ry, rw, rh in keep_out):
            paint_skin(frame, poly, across)
            return
