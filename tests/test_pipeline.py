"""The whole reader with the shipped model: real photos, inverted photos, generated scenes."""

import numpy as np
import pytest
from conftest import CountsBatches, ReadsTwo, read_eval_scene

from vision import config
from vision.evaluate import score_folder, score_synthetic, summarize
from vision.pipeline import live_side, read_frame
from vision.segment import segment
from vision.synth.clutter import clutter_patches
from vision.types import FrameResult


def test_real_photos_read_at_least_95_percent(classifier, real_photos):
    summary = summarize(score_folder(real_photos, classifier))
    assert summary["all"]["char_accuracy"] >= 0.95, summary


def test_inverted_photos_read_at_least_90_percent(classifier, real_photos):
    summary = summarize(score_folder(real_photos, classifier, invert=True))
    assert summary["all"]["char_accuracy"] >= 0.90, summary


def test_generated_scenes_of_mnist_digits(classifier, mnist):
    """Real handwritten digits on paper and boards, tilted, shadowed, blurred, with clutter.

    The issue asks for 98% of characters read in order. 300 scenes (about 2,250 digits, the
    first 300 of ``python -m vision.evaluate --synthetic N``) measure 98.4% with the shipped
    reader; 40 scenes vary by more than a point from one seed to the next.
    """
    _, (x_test, y_test) = mnist
    score = score_synthetic(classifier, x_test, y_test, scenes=300, seed=0)
    assert score.box_recall >= 0.99
    assert score.char_accuracy >= 0.98


def test_clutter_is_rejected_not_read(classifier):
    probs = classifier.probabilities(clutter_patches(200, seed=99))
    chars = probs[:, : config.NUM_CLASSES].max(axis=1)
    assert np.mean(probs[:, config.REJECT_INDEX] > chars) >= 0.9


def test_one_batched_model_call_per_frame(real_photos):
    from vision.sources import load_image

    model = CountsBatches(ReadsTwo())
    result = read_frame(load_image(real_photos / "niraj-dudani_1.jpeg"), model)
    assert model.batches == [10] and result.lines == ("2222222222",)


@pytest.mark.parametrize("bad", [np.zeros((0, 0, 3), np.uint8), np.zeros((5, 5, 2), np.uint8)])
def test_bad_frames_raise_value_error(classifier, bad):
    with pytest.raises(ValueError):
        read_frame(bad, classifier)


def _result(char_height: float) -> FrameResult:
    return FrameResult(index=0, detections=(), lines=(), polarity="dark", char_height=char_height)


def test_live_side_reads_big_characters_at_a_whole_fraction_of_the_frame():
    assert live_side((480, 640, 3), None) == 640  # first frame: full detail
    assert live_side((480, 640, 3), _result(0.0)) == 640  # nothing read last time: full detail
    assert live_side((480, 640, 3), _result(config.LIVE_CHAR_HEIGHT * 1.5)) == 640  # halving would be too small
    assert live_side((480, 640, 3), _result(config.LIVE_CHAR_HEIGHT * 2.2)) == 320
    assert live_side((480, 640, 3), _result(config.LIVE_CHAR_HEIGHT * 9)) == config.LIVE_MIN_SIDE  # never below
    assert live_side((720, 1280, 3), None) == config.LIVE_PROCESS_SIDE
    assert live_side((720, 1280, 3), _result(config.LIVE_CHAR_HEIGHT * 3.5)) == 1280 // 3
    assert live_side((1080, 1920, 3), _result(config.LIVE_CHAR_HEIGHT * 2)) == config.LIVE_PROCESS_SIDE


def test_photos_read_at_the_live_size_read_as_well(classifier, real_photos):
    """The live loop reads a frame at the size the previous frame's characters allow; on the
    real photos (each read once at the live size, then at the size that first reading asks
    for) that loses nothing, while most photos are read at a fraction of the pixels."""
    from vision.evaluate import digits_only, edit_distance, read_labels
    from vision.sources import load_image

    edits = chars = smaller = 0
    for row in read_labels(real_photos):
        image = load_image(real_photos / row["file"])
        first = read_frame(image, classifier, max_side=config.LIVE_PROCESS_SIDE)
        side = live_side(image.shape, first)
        second = read_frame(image, classifier, max_side=side)
        assert second.process_side == side
        smaller += side < first.process_side
        label = digits_only(row["label"])
        edits += edit_distance(digits_only("".join(second.lines)), label)
        chars += len(label)
    assert smaller >= 18, smaller
    assert 1 - edits / chars >= 0.97, (edits, chars)


def test_a_short_mark_alone_on_its_line_is_not_a_character():
    """The sliver of a hard shadow's edge reads as a confident "1": on a line of its own and
    shorter than the characters around, it is dropped; a full-height lone character is kept."""
    import cv2

    frame = np.full((480, 640, 3), 225, np.uint8)
    for x in (112, 152, 192):  # a row of three strokes 40 px tall
        cv2.line(frame, (x, 100), (x, 140), (30, 30, 30), 5)
    cv2.line(frame, (203, 300), (203, 318), (30, 30, 30), 5)  # the short sliver, alone on its line
    cv2.line(frame, (206, 400), (206, 438), (30, 30, 30), 5)  # a full-height character, alone too
    assert len(segment(frame).boxes) == 5  # the sliver is segmented: reading drops it
    result = read_frame(frame, ReadsTwo())
    assert result.lines == ("222", "2")
    assert all(d.box.y > 350 for d in result.detections if d.row == 1)


def test_the_demo_row_read_as_a_photo_is_the_pin_and_no_thumb(classifier):
    """The demo's row frames show the card held by two thumbs; read as photos (no PIN entry, no
    frame-to-frame smoothing) the right thumb's nail was a "0" at 0.99 (``27K4 / 0``)."""
    from vision.synth.demo import demo_frames, demo_schedule

    start, end, text = next(s for s in demo_schedule() if len(s[2]) > 1)
    frames = list(demo_frames(loop=False))
    right = 0
    shown = range(start + 6, end - 6, 2)  # the card fully in view, not entering or leaving
    for i in shown:
        result = read_frame(frames[i], classifier)
        assert len(result.lines) == 1 and len(result.detections) <= len(text), (i, result.lines)  # no thumb
        right += result.lines == (text,)
    # Measured 31 of 32 (28 before the second structure pass looked at the whole mask; the one
    # frame it gets wrong loses the 4 above the thumb, joined to the card's edge).
    assert right >= 0.9 * len(shown)


def test_a_crop_on_skin_is_not_a_character():
    """A ring drawn on a skin-coloured patch (a nail outline) is dropped before the model sees
    it; the same ring on white paper stays a candidate."""
    import cv2

    from vision.segment import segment

    def scene(bgr):
        frame = np.full((240, 320, 3), 235, np.uint8)
        cv2.rectangle(frame, (120, 60), (200, 180), bgr, -1)
        cv2.ellipse(frame, (160, 120), (18, 30), 0, 0, 360, (60, 60, 60), 4)
        return frame

    assert len(segment(scene((120, 150, 205))).boxes) == 0
    assert len(segment(scene((235, 235, 235))).boxes) == 1


def test_pale_skin_on_white_paper_is_skin_and_warm_paper_is_not():
    """A pale fingertip (saturation 74 of 255, under the 80 skin needs anywhere) over white paper
    stands out from it and is skin; a ring on a whole page of that warm colour, as a photo under
    lamp light is, stays a candidate (at 64 everywhere, three photos lost their first digit)."""
    import cv2

    from vision.segment import segment

    def scene(paper, patch):
        frame = np.full((240, 320, 3), paper, np.uint8)
        cv2.rectangle(frame, (120, 60), (200, 180), patch, -1)
        cv2.ellipse(frame, (160, 120), (18, 30), 0, 0, 360, (60, 60, 60), 4)
        return frame

    pale = (149, 163, 209)
    assert len(segment(scene((225, 228, 230), pale)).boxes) == 0
    assert len(segment(scene(pale, pale)).boxes) == 1


def test_a_bold_small_0_is_no_blob(classifier, mnist):
    """12 px writing in a 455x607 photo: a bold 0 fills 0.82 of its box, its hole nearly shut,
    and was dropped as a blob (a finger, a shadow) before the model saw it ("093034432")."""
    truth, reading = read_eval_scene(classifier, mnist, "small", 1, 0)
    assert truth.startswith("0093034432")
    assert reading.startswith("0093034432")
    truth, reading = read_eval_scene(classifier, mnist, "small", 1, 7)  # 14 px: a bold 2 at the end
    assert reading == truth == "8906242677"


def test_small_writing_in_a_big_photo_is_read_at_the_size_it_needs(classifier):
    """20 px digits in a 3000x2250 photo are 8.5 px once the photo is read at 1280 px, where
    some vanish as specks (measured: '3815 74', '3 15274'); the photo is read again, larger,
    and only then classified."""
    from vision.synth.glyphs import hershey_glyph
    from vision.synth.scene import render_scene

    labels = "3815274"
    for seed in (5, 6):
        rng = np.random.default_rng(seed)
        glyphs = [hershey_glyph(c, rng) for c in labels]
        scene = render_scene(glyphs, list(labels), rng, size=(3000, 2250), rows=1, char_height=20, noise=2.0)
        model = CountsBatches(classifier)
        assert read_frame(scene.frame, model).lines == (labels,)
        assert len(model.batches) == 1  # still one model call for the frame


def test_each_detection_carries_the_patch_and_probabilities_it_was_read_from(card_frame) -> None:
    from vision.classifier import Classifier

    model = Classifier(None)
    result = read_frame(card_frame, model)
    assert result.detections
    assert result.detection_patches.shape == (len(result.detections), 28, 28)
    again = model.probabilities(result.detection_patches)
    np.testing.assert_allclose(again, result.probabilities, atol=1e-5)
    for d, p in zip(result.detections, result.probabilities):
        assert abs(float(p[: config.NUM_CLASSES].max()) - d.confidence) < 1e-5
