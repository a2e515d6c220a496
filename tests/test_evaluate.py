"""vision.evaluate: order-free scoring, ROIs, printed pages kept out of the total, failure pictures,
and the real dev2 folder read with the shipped model."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from vision import config
from vision.evaluate import (
    ORDER_FREE,
    ORDERED,
    PRINTED,
    ImageReading,
    ImageScore,
    crop_box,
    draw_failure,
    main,
    multiset_errors,
    parse_rois,
    read_folder,
    save_failure,
    score_folder,
    score_text,
    summarize,
    summarize_sections,
)
from vision.types import Box, Detection


@pytest.fixture(scope="session")
def real_photos_dev2(real_photos: Path) -> Path:
    folder = real_photos.parent / "real_photos_dev2"
    if not (folder / "labels.tsv").exists():
        pytest.skip(f"real photo dev set 2 not found at {folder}")
    return folder


def _score(file: str, label: str, read: str, printed: bool = False, **conditions: str) -> ImageScore:
    return ImageScore(file, "src", label, read, score_text(label, read), printed=printed, **conditions)


def test_scatter_ignores_order_but_counts_missing_and_extra_digits() -> None:
    assert score_text("1000 99", "99 1000", order_free=True) == 0
    assert score_text("1000 99", "9910", order_free=True) == 2  # two 0s missing
    assert score_text("12", "1234", order_free=True) == 2  # two extra
    assert score_text("12", "13", order_free=True) == 1  # a wrong digit counts once
    assert multiset_errors("9 0/123 4/789", "789/1234/90") == 0


def test_ordered_scoring_is_the_edit_distance_of_the_digits() -> None:
    assert score_text("1000 99", "99 1000") == 4
    assert score_text("12/34", "1 2 3-4") == 0
    assert score_text("123", "") == 3


def test_parse_rois_reads_several_boxes() -> None:
    assert parse_rois("") == ()
    assert parse_rois("158,40,555,90") == (Box(158, 40, 397, 50),)
    assert parse_rois(" 1,2,11,12 ; 20,30,40,35") == (Box(1, 2, 10, 10), Box(20, 30, 20, 5))


@pytest.mark.parametrize("text", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "1.5,2,3,4", "10,10,5,20", "1,10,5,10"])
def test_a_malformed_roi_is_a_one_line_error_naming_the_file(text: str) -> None:
    with pytest.raises(ValueError, match=r"^page\.png: ") as err:
        parse_rois(text, "page.png")
    assert "\n" not in str(err.value)


def test_crop_box_adds_a_margin_and_clips_to_the_image() -> None:
    shape = (480, 640, 3)
    assert crop_box(Box(158, 40, 397, 50), shape) == Box(155, 37, 403, 56)  # 4% of 50 < 3 px
    assert crop_box(Box(100, 100, 200, 200), shape) == Box(92, 92, 216, 216)  # 4% of 200 = 8 px
    assert crop_box(Box(600, -20, 200, 60), shape) == Box(597, 0, 43, 43)
    with pytest.raises(ValueError, match="outside the 640x480 image"):
        crop_box(Box(700, 2, 100, 38), shape, "page.png")


def test_printed_pages_are_reported_apart_and_left_out_of_every_other_group() -> None:
    scores = [
        _score("a.jpg", "12", "12", background="paper", kind="line"),
        _score("b.jpg", "3456", "3400", background="form", kind="line"),
        _score("p.jpg", "789789", "", printed=True, background="form", kind="sheet"),
    ]
    summary = summarize(scores)
    assert summary["all"]["images"] == 2 and summary["all"]["chars"] == 6
    assert summary["all"]["char_accuracy"] == pytest.approx(4 / 6)
    assert summary["src"]["chars"] == 6
    assert summary["background=form"]["images"] == 1 and "kind=sheet" not in summary
    assert summary[PRINTED] == {"images": 1, "chars": 6, "char_accuracy": 0.0, "exact": 0.0}
    assert list(summarize_sections(scores)) == ["source", "background", "kind", "printed_digits"]


def _reading(image: np.ndarray) -> ImageReading:
    h, w = image.shape[:2]
    det = Detection("7", 0.9, Box(w // 2, h // 2, w // 8, h // 4), row=0)
    score = ImageScore("scan.jpg", "src", "17", "7", 1, text="7")
    return ImageReading(score, (det,), (Box(10, 10, w // 2, h // 2),), "1 7")


def test_a_failure_picture_is_downscaled_drawn_on_and_saved(tmp_path: Path) -> None:
    image = np.full((1000, 2000, 3), 200, np.uint8)
    picture = draw_failure(image, _reading(image))
    assert picture.shape == (1000 * config.FAILURE_SIDE // 2000 + config.FAILURE_HEADER_PX, config.FAILURE_SIDE, 3)
    assert picture.dtype == np.uint8
    assert (image == 200).all()  # the input is left as it was
    body = picture[config.FAILURE_HEADER_PX :]
    assert (body != cv2.resize(image, body.shape[1::-1])).any(axis=2).sum() > 1000
    path = save_failure(tmp_path, image, _reading(image))
    assert path == tmp_path / "scan.png"
    assert cv2.imread(str(path)).shape == picture.shape


def test_a_small_image_keeps_its_size_under_the_header() -> None:
    image = np.full((120, 300, 3), 255, np.uint8)
    assert draw_failure(image, _reading(image)).shape == (120 + config.FAILURE_HEADER_PX, 300, 3)


def test_rois_are_read_each_on_its_own(tmp_path: Path, classifier, real_photos_dev2: Path) -> None:
    """Two halves of the NIA field of a printed answer sheet: two readings joined by "/", and
    nothing detected outside the boxes (the sheet has printed row numbers beside it)."""
    shutil.copy(real_photos_dev2 / "16_capture.png", tmp_path)
    (tmp_path / "labels.tsv").write_text("file\tlabel\troi\n16_capture.png\t1234/56789\t158,40,335,90;335,40,555,90\n")
    [(image, reading)] = list(read_folder(tmp_path, classifier))
    assert reading.score.rois == 2 and len(reading.rois) == 2
    assert reading.score.text.count("/") >= 1
    assert reading.detections
    for d in reading.detections:
        assert any(r.x <= d.box.x and d.box.x2 <= r.x2 and r.y <= d.box.y and d.box.y2 <= r.y2 for r in reading.rois)


def test_dev2_scores_362_characters_without_the_printed_pages(classifier, real_photos_dev2: Path) -> None:
    """The dev2 labels hold 488 digits, 126 of them on the two printed workbook pages."""
    scores = score_folder(real_photos_dev2, classifier)
    summary = summarize(scores)
    assert len(scores) == 30
    assert summary["all"]["images"] == 28 and summary["all"]["chars"] == 362
    assert summary[PRINTED]["images"] == 2 and summary[PRINTED]["chars"] == 126
    assert {s.file for s in scores if s.scoring == ORDER_FREE} == {"26_test5.jpg", "27_test6.jpg"}
    assert sum(s.scoring == ORDERED for s in scores) == 28
    assert summary["background=paper"]["images"] + summary["background=form"]["images"] == 27


def test_cli_bad_roi_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.full((50, 80, 3), 255, np.uint8))
    (tmp_path / "labels.tsv").write_text("file\tlabel\troi\na.png\t1\t1,2,x,4\n")
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: a.png: bad roi") and err.count("\n") == 1


def test_cli_saves_a_picture_for_each_image_not_read_exactly(tmp_path: Path, capsys) -> None:
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((60, 90, 3), 255, np.uint8))
    (tmp_path / "labels.tsv").write_text("file\tlabel\nblank.png\t42\n")
    assert main([str(tmp_path), "--details", "--save-failures", str(tmp_path / "out")]) == 0
    assert "ordered" in capsys.readouterr().out
    assert cv2.imread(str(tmp_path / "out" / "blank.png")).shape == (60 + config.FAILURE_HEADER_PX, 90, 3)


def test_the_score_card_s_dice_are_not_read_as_digits(classifier, real_photos_dev2: Path) -> None:
    """The Kniffel card's first column shows 18 printed dice, each a rounded square with its dots:
    read as 0s, 8s, 6s and 3s they were 20 readings that the card does not hold. As printed
    boxes they go; 6 readings are left there (dice whose outline the grid's removal broke)."""
    from vision.pipeline import read_frame
    from vision.sources import load_image

    result = read_frame(load_image(real_photos_dev2 / "30_1_orig.jpg"), classifier)
    dice_column = [d for d in result.detections if 280 < d.box.center[0] < 600 and 780 < d.box.center[1] < 1330]
    assert len(dice_column) <= 8, [d.char for d in dice_column]
