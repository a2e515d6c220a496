"""The web pages in a real headless Chromium, against a real server with the shipped model.

Each test starts the app (``vision.web.app.create_app``) on a free localhost port with its own
lock file, and drives the page the way a user would: a file picked, strokes drawn with mouse
moves, a webcam (Chromium's fake camera playing a Y4M clip of the demo scene). Every wait has a
timeout and asserts on the first event it waits for; pages that keep sending frames are sent to
about:blank before the next step. See ../shared/docs/browser-testing.md for the set-up.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import time
from pathlib import Path

import cv2
import pytest

from vision import config
from vision.lockstore import Lock

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found (CI installs it: apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (requirements-dev.txt)")
pytest.importorskip("flask", reason="flask not installed (requirements.txt)")

from vision.web import bench  # noqa: E402  (after the skips: it needs the web app's packages)
from vision.web.app import create_app  # noqa: E402

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "real_photos_dev"
PHOTO = "niraj-dudani_1.jpeg"  # a row of ten digits on lined paper
WRONG_PIN = "4K72"  # the demo's characters in another order: read as reliably, never the PIN
WAIT_MS = 20_000  # a read takes well under a second; this is for a loaded CI machine
LIVE_WAIT_MS = 60_000  # one clip loop is 8 s of video


@pytest.fixture(scope="module")
def classifier():
    from vision.classifier import Classifier

    return Classifier(None)


@pytest.fixture(scope="module")
def pw():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines in the test output
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def chrome(pw):
    browser = bench.launch(pw)
    yield browser
    browser.close()


@pytest.fixture
def serve(classifier, tmp_path):
    """serve(lock) -> base URL of a server on the lock file ``lock`` (default: a fresh one)."""
    with contextlib.ExitStack() as stack:

        def start(lock: Path | None = None) -> str:
            app = create_app(classifier, lock or tmp_path / "lock.json")
            return stack.enter_context(bench.serve(app))

        yield start


@pytest.fixture
def web_page(chrome):
    context = chrome.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(WAIT_MS)
    yield page
    page.goto("about:blank")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _label(name: str) -> str:
    with open(PHOTOS / "labels.tsv", newline="") as f:
        return next(row["label"] for row in csv.DictReader(f, delimiter="\t") if row["file"] == name)


def _lock_with_pin(path: Path, failures: int = 0) -> Path:
    lock = Lock.load(path)
    lock.set_pin(config.DEMO_PIN)
    for _ in range(failures):  # wrong tries as another process would make them
        lock.check("1111", time.time())
    return path


def test_photo_page_boxes_and_reads_a_real_photo(serve, web_page):
    if not (PHOTOS / PHOTO).exists():
        pytest.skip(f"{PHOTOS / PHOTO} not found (the real_photos_dev data set)")
    label = _label(PHOTO)
    web_page.goto(serve() + "/photo")
    web_page.set_input_files("#file", str(PHOTOS / PHOTO))

    web_page.wait_for_selector("#photo[data-boxes]")
    assert web_page.text_content("#rows") == label
    assert web_page.get_attribute("#photo", "data-boxes") == str(len(label))
    assert web_page.locator("#table tr").count() == len(label)
    assert '"probabilities"' in web_page.text_content("#json")

    web_page.click("text=Unlock with this photo")
    web_page.wait_for_selector("#unlock-state[data-state]")
    assert web_page.get_attribute("#unlock-state", "data-state") == "no_pin"  # the fresh lock file has none


def test_photo_page_unlocks_with_a_photo_of_the_pin(serve, web_page, tmp_path):
    photo = tmp_path / "pin.jpg"
    cv2.imwrite(str(photo), bench.scene_photo(config.DEMO_PIN, 960, char_height=150))
    web_page.goto(serve(_lock_with_pin(tmp_path / "lock.json")) + "/photo")
    web_page.set_input_files("#file", str(photo))
    web_page.wait_for_selector("#photo[data-boxes]")

    web_page.click("text=Unlock with this photo")
    web_page.wait_for_selector("#unlock-state[data-state]")
    assert web_page.get_attribute("#unlock-state", "data-state") == "granted"


def test_photo_page_shows_the_servers_error_for_a_file_that_is_no_image(serve, web_page, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    web_page.goto(serve() + "/photo")
    web_page.set_input_files("#file", str(tmp_path / "notes.png"))
    web_page.wait_for_selector("#error.shown")
    assert "image" in web_page.text_content("#error")
    assert web_page.is_hidden("#result") and web_page.is_disabled("#unlock")


def test_draw_page_reads_two_digits_drawn_with_the_mouse(serve, web_page):
    reads: list[str] = []
    web_page.on("request", lambda r: reads.append(r.url) if r.url.endswith("/api/read") else None)
    web_page.goto(serve() + "/draw")
    assert web_page.text_content("#rows") == "Draw something"

    bench.draw_with_mouse(web_page, "47")
    web_page.wait_for_function("document.querySelectorAll('.char-card').length === 2")
    assert web_page.text_content("#rows") == "47"
    # each character: the 11 classes and the "not a character" score
    assert web_page.locator(".char-card").first.locator(".bars li").count() == config.NUM_CLASSES + 1

    web_page.click("text=Undo")  # the 7 is one stroke
    web_page.wait_for_function("document.getElementById('rows').textContent === '4'")

    sent = len(reads)
    web_page.click("text=Clear")
    assert web_page.text_content("#rows") == "Draw something"
    web_page.click("text=Read now")
    web_page.wait_for_timeout(600)  # longer than the debounce: a blank pad is never sent
    assert len(reads) == sent


def test_lock_page_sets_a_pin_then_asks_for_it_to_change_it(serve, web_page, tmp_path):
    web_page.goto(serve() + "/lock")
    web_page.wait_for_selector("#state[data-state='no_pin']")
    assert web_page.is_hidden("#current")

    web_page.fill("#new-pin", "2580")
    web_page.fill("#repeat", "2580")
    web_page.click("#save")
    web_page.wait_for_selector("#result .ok")
    assert web_page.text_content("#result") == "PIN saved (4 characters)."
    web_page.wait_for_selector("#state[data-state='locked']")
    assert web_page.text_content("#pin-info") == "set, 4 characters"
    assert Lock.load(tmp_path / "lock.json").check("2580", time.time()) == "granted"

    web_page.fill("#current", "1397")  # wrong: counted like any attempt
    web_page.fill("#new-pin", "3690")
    web_page.fill("#repeat", "3690")
    web_page.click("#save")
    web_page.wait_for_selector("#error.shown")
    assert web_page.text_content("#error") == "the current PIN is wrong"
    web_page.wait_for_function("document.getElementById('failures').textContent === '1'")


def test_live_page_without_a_camera_says_why(serve, web_page):
    web_page.goto(serve() + "/live")  # this browser has no camera, real or fake
    web_page.wait_for_selector("#error.shown")
    assert "camera" in web_page.text_content("#error").lower()
    assert web_page.text_content("#placeholder") == web_page.text_content("#error")


@contextlib.contextmanager
def _live(pw, clip: Path, url: str, state: str):
    """The Live page with ``clip`` as the webcam, once it shows ``state``; then about:blank."""
    browser = bench.launch(pw, clip)
    try:
        page = browser.new_page()
        page.set_default_timeout(LIVE_WAIT_MS)
        page.goto(url)
        page.wait_for_selector(f"#state[data-state='{state}']")
        page.set_default_timeout(WAIT_MS)
        yield page
        page.goto("about:blank")
    finally:
        browser.close()
        clip.unlink()  # ~110 MB


def test_live_page_unlocks_with_the_demo_pin_held_up_card_by_card(serve, pw, tmp_path):
    lock = _lock_with_pin(tmp_path / "lock.json")
    bench.demo_clip(tmp_path / "demo.y4m", config.DEMO_PIN)
    url = serve(lock) + "/live"

    with _live(pw, tmp_path / "demo.y4m", url, "granted") as page:
        assert page.text_content("#state") == "Access granted: the locker is open"
        assert Lock.load(lock).failures == 0
        assert config.DEMO_PIN not in page.content()  # the page only ever had counts and "*"
        assert set(page.text_content("#buffer")) <= set("*_\u00a0")

        assert page.text_content("#mode-name") == "sequential"
        page.keyboard.press("m")  # sent through /api/live/action
        page.wait_for_function("document.getElementById('mode-name').textContent === 'row'")

        page.click("text=Stop camera")
        assert page.text_content("#placeholder") == "Camera stopped."
        frames = page.evaluate("liveStats.frames")
        page.click("text=Start camera")
        page.wait_for_function(f"liveStats.frames > {frames + 3}")  # reading again


def test_live_page_locks_out_after_a_wrong_pin(serve, pw, tmp_path):
    failures = config.LOCKOUT_AFTER_FAILURES - 1  # so the clip's one wrong PIN starts the lockout
    lock = _lock_with_pin(tmp_path / "lock.json", failures)
    bench.demo_clip(tmp_path / "wrong.y4m", WRONG_PIN)
    url = serve(lock) + "/live"

    with _live(pw, tmp_path / "wrong.y4m", url, "locked_out") as page:
        text = page.text_content("#state")
        assert text.startswith("Locked out: ") and text.endswith(" s left")
        assert Lock.load(lock).failures == config.LOCKOUT_AFTER_FAILURES
