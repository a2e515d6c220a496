import math

import numpy as np
import pytest

from vision.layout import gaps_before, group_rows, text_angle


def _grid(rows: int, cols: int, angle_deg: float, pitch=40.0, row_pitch=70.0, curve=0.0):
    """Centres of a rows x cols grid of characters written at angle_deg (rising to the right)."""
    a = math.radians(-angle_deg)  # image y grows downwards
    pts, labels = [], []
    for r in range(rows):
        for c in range(cols):
            x, y = c * pitch, r * row_pitch + curve * (c - cols / 2) ** 2
            pts.append((500 + x * math.cos(a) - y * math.sin(a), 500 + x * math.sin(a) + y * math.cos(a)))
            labels.append((r, c))
    return np.array(pts), labels


@pytest.mark.parametrize("angle", [0, 10, -25, 45])
def test_rows_in_reading_order_when_tilted(angle, rng):
    centers, labels = _grid(3, 6, angle)
    order = rng.permutation(len(centers))
    centers = centers[order]
    labels = [labels[i] for i in order]
    est = text_angle(centers, 30.0)
    assert abs(math.degrees(est) + angle) < 3
    rows = group_rows(centers, np.full(len(centers), 25.0), 30.0, est)
    assert [[labels[i] for i in row] for row in rows] == [[(r, c) for c in range(6)] for r in range(3)]


def test_slightly_curved_close_rows_stay_whole():
    centers, labels = _grid(4, 10, 5, pitch=40, row_pitch=45, curve=0.6)
    rows = group_rows(centers, np.full(len(centers), 25.0), 32.0, text_angle(centers, 32.0))
    assert [[labels[i] for i in row] for row in rows] == [[(r, c) for c in range(10)] for r in range(4)]


def test_gaps_become_spaces():
    centers = np.array([[0, 0], [40, 0], [80, 0], [200, 0], [240, 0]], float)
    widths = np.full(5, 25.0)
    row = group_rows(centers, widths, 30.0, 0.0)[0]
    assert gaps_before(centers, widths, row, 30.0, 0.0) == [False, False, False, True, False]


def test_a_character_inside_its_box_says_nothing_of_the_direction():
    """Two box strips one above the other, a digit in the lower one measured on its own: the
    digit's centre lies a few pixels from its strip's, a 45 degree 'neighbour' that once set the
    text direction (and hid the strips' rules from the line search). Only the label beside the
    strip is a neighbour."""
    centers = np.array([[316.0, 194.0], [319.0, 355.0], [325.0, 361.0], [74.0, 365.0]])
    assert abs(math.degrees(text_angle(centers, 99.0))) < 5


def test_chunks_of_characters_run_together_vote_their_own_direction():
    """Two rows on ruled paper, each thresholded into chunks of run-together digits joined by
    the rule under them: "31" and "35" above, "307" below. Their centres lie far apart, and
    "307" and "35" are each other's nearest neighbours, 37 degrees apart diagonally. The chunks
    themselves run level, and as wide runs they vote so."""
    centers = np.array([[246.0, 237.0], [397.0, 240.0], [296.0, 315.0]])
    assert abs(math.degrees(text_angle(centers, 55.0))) > 30  # centres alone
    runs = np.array([[0.0, 2.0], [0.02, 2.9], [0.01, 3.1]])  # (direction, width in heights)
    assert abs(math.degrees(text_angle(centers, 55.0, runs))) < 3


def test_degenerate_inputs():
    assert group_rows(np.zeros((0, 2)), np.zeros(0), 10.0, 0.0) == []
    assert text_angle(np.array([[1.0, 2.0]]), 10.0) == 0.0


def test_a_rejected_mark_between_characters_parts_the_numbers():
    from vision.layout import marks_between

    centers = np.array([[100.0, 50.0], [140.0, 50.0], [180.0, 52.0], [220.0, 51.0]])
    marks = np.array([[160.0, 51.0], [300.0, 50.0], [120.0, 140.0]])  # between 2nd and 3rd; past the row; a row below
    assert marks_between(centers, [0, 1, 2, 3], marks, 40.0, 0.0) == [False, False, True, False]
    assert marks_between(centers, [0, 1, 2, 3], marks[:0], 40.0, 0.0) == [False] * 4


def test_a_tall_7_does_not_bend_its_row_into_the_next():
    """Two rows of a grid, 140 px apart, 80 px characters. The second character of the first row
    is a 7 with a long tail, its centre 27 px low: the row's line through the first two must not
    be taken as the row's slope, or the rest of the row starts a row of its own."""
    first = [(60, 100), (175, 127), (295, 98), (410, 99), (530, 101)]
    second = [(60, 240), (175, 238), (295, 242), (410, 239), (530, 241)]
    centers = np.array(first + second, np.float64)
    rows = group_rows(centers, np.full(len(centers), 50.0), 80.0, 0.0)
    assert rows == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
