"""Reading order: the text direction, rows (tilted up to 45 degrees, slightly curved), gaps.

Works on character centres and sizes only, so it is cheap and testable without images.
"""

from __future__ import annotations

import math

import numpy as np

from vision import config


def text_angle(centers: np.ndarray, height: float, runs: np.ndarray | None = None) -> float:
    """Dominant writing direction in radians (0 = left to right; text rising to the right has a
    negative angle, image y growing downwards), from each character's nearest sideways neighbour.

    ``centers`` is (N, 2) x, y in pixels; ``height`` the median character height. ``runs``
    (M, 2): the direction (radians) and the width in character heights of each component
    holding characters run together; each votes as the neighbours inside it would.
    """
    extra = np.zeros((0, 2)) if runs is None else np.asarray(runs, np.float64).reshape(-1, 2)
    extra_weights = np.maximum(extra[:, 1] - 1.0, 0.0) / height**2
    if len(centers) < 2:
        return _weighted_median(extra[:, 0], extra_weights) if len(extra) else 0.0
    d = centers[None, :, :] - centers[:, None, :]
    d = np.where(d[..., :1] < 0, -d, d)  # fold every vector to point rightwards
    dist = np.hypot(d[..., 0], d[..., 1])
    ang = np.arctan2(d[..., 1], d[..., 0])
    steep, far = math.radians(config.NEIGHBOUR_MAX_ANGLE_DEG), config.NEIGHBOUR_MAX_DIST * height
    near = config.NEIGHBOUR_MIN_DIST * height
    ok = (np.abs(ang) <= steep) & (dist > near) & (dist < far)
    dist = np.where(ok, dist, np.inf)
    nearest = np.argmin(dist, axis=1)
    rows = np.arange(len(centers))
    found = np.isfinite(dist[rows, nearest])
    if not found.any() and not len(extra):
        return 0.0
    angles = ang[rows[found], nearest[found]]
    # Close neighbours sit in the same row; far ones may be a row apart, diagonally: weight the
    # vote by closeness (1/d^2) and take the weighted median. Closer than a character height
    # counts as one height: two fragments of one broken character must not outvote the row.
    weights = 1.0 / np.maximum(dist[rows[found], nearest[found]], height) ** 2
    return _weighted_median(np.concatenate([angles, extra[:, 0]]), np.concatenate([weights, extra_weights]))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    if not weights.sum() > 0:
        return 0.0
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def rotate_points(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotate (N, 2) points by ``-angle`` so text written at ``angle`` becomes horizontal."""
    c, s = math.cos(angle), math.sin(angle)
    return points @ np.array([[c, -s], [s, c]], dtype=np.float64)


def group_rows(centers: np.ndarray, widths: np.ndarray, height: float, angle: float) -> list[list[int]]:
    """Indices of characters per row, rows top to bottom, each left to right.

    Characters are swept along the text direction; each joins the row whose line, extrapolated
    from its last characters, passes closest (within ROW_TOLERANCE heights), so slightly curved
    rows stay whole even when rows are packed close together.
    """
    if len(centers) == 0:
        return []
    p = rotate_points(np.asarray(centers, np.float64), angle)
    xs, ys, w = p[:, 0].tolist(), p[:, 1].tolist(), np.asarray(widths, np.float64).tolist()  # floats: fast scalars
    rows: list[list[int]] = []
    for i in np.argsort(p[:, 0], kind="stable").tolist():
        best, best_d = None, config.ROW_TOLERANCE * height
        for r, members in enumerate(rows):
            last = members[-1]
            if xs[i] - xs[last] < config.ROW_MIN_ADVANCE * min(w[i], w[last]):
                continue  # overlaps the row's last character: belongs elsewhere
            d = abs(ys[i] - _predict_y(xs, ys, members, xs[i], height))
            if d < best_d:
                best, best_d = r, d
        if best is None:
            rows.append([i])
        else:
            rows[best].append(i)
    rows.sort(key=lambda m: sum(ys[k] for k in m) / len(m))
    return rows


def _predict_y(xs: list[float], ys: list[float], members: list[int], x: float, height: float) -> float:
    """Row line at ``x``: the last character's y, continued with the row's recent slope. A slope
    measured over a short stretch is trusted less: two neighbours' centres differ by a tall 7's
    tail, which says nothing of where the row goes."""
    last = members[-1]
    if len(members) < 2:
        return ys[last]
    first = members[max(0, len(members) - config.ROW_SLOPE_CHARS)]
    dx = xs[last] - xs[first]
    slope = (ys[last] - ys[first]) / dx if dx > 1e-6 else 0.0
    slope = min(config.ROW_MAX_SLOPE, max(-config.ROW_MAX_SLOPE, slope)) * dx / (dx + config.ROW_SLOPE_SPAN * height)
    return ys[last] + slope * (x - xs[last])


def gaps_before(centers: np.ndarray, widths: np.ndarray, row: list[int], height: float, angle: float) -> list[bool]:
    """For each character of a row, whether a clear gap (a space) precedes it."""
    x = rotate_points(np.asarray(centers, np.float64)[row], angle)[:, 0].tolist()
    w = np.asarray(widths, np.float64)[row].tolist()
    out = [False]
    for k in range(1, len(row)):
        gap = (x[k] - w[k] / 2) - (x[k - 1] + w[k - 1] / 2)
        out.append(gap > config.SPACE_GAP * height)
    return out


def marks_between(centers: np.ndarray, row: list[int], marks: np.ndarray, height: float, angle: float) -> list[bool]:
    """For each character of a row, whether a rejected mark (an operator, a dash) lies between it
    and the previous one: ``4x3`` is two numbers even when the x sits close to both."""
    out = [False] * len(row)
    if len(marks) == 0 or len(row) < 2:
        return out
    p = rotate_points(np.asarray(centers, np.float64)[row], angle).tolist()
    q = rotate_points(np.asarray(marks, np.float64), angle).tolist()
    for k in range(1, len(row)):
        (x0, y0), (x1, y1) = p[k - 1], p[k]
        for mx, my in q:
            if (
                x0 < mx < x1
                and abs(my - (y0 + (y1 - y0) * (mx - x0) / max(x1 - x0, 1e-6))) < config.ROW_TOLERANCE * height
            ):
                out[k] = True
                break
    return out
