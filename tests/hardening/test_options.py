"""Options and --source under fuzzing (issue 10, items 7 and 9): every numeric option is bounded,
and main() answers any --source string and any option value with exit 0, 1 or 2 and one-line
errors, never a traceback.
"""

from __future__ import annotations

import math

import pytest
from conftest import FakeCapture, run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import recognize_live
import vision.sources
from vision import config

pytestmark = pytest.mark.hardening
NUMERIC = {
    "--hold": (0.0, config.MAX_HOLD_S),
    "--max-frames": (0, config.MAX_FRAMES_OPTION),
    "--max-pixels": (config.MIN_PIXELS_LIMIT, config.MAX_PIXELS_CEILING),
}


@pytest.fixture(autouse=True)
def no_real_camera(monkeypatch) -> None:
    """No camera on a test machine: a digit --source must fail to open, quickly and quietly."""
    real = vision.sources.open_source
    monkeypatch.setattr(
        vision.sources,
        "open_source",
        lambda spec, **kw: real(spec, capture_factory=lambda i: FakeCapture(opened=False), **kw),
    )


def _main(capsys, *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, *argv)
    assert code in (0, 1, 2), (argv, code, err)
    return code, out, err


@pytest.mark.parametrize("option", NUMERIC)
@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e308", "-1", "10**9", "", "0x10", "1e400"])
def test_numeric_options_refuse_absurd_values(option: str, text: str, capsys) -> None:
    code, out, err = _main(capsys, "--source", "demo", "--headless", f"{option}={text}")
    assert code == 2 and out == ""
    assert f": error: argument {option}: " in err.strip().splitlines()[-1]


@pytest.mark.parametrize(("option", "bounds"), NUMERIC.items())
def test_numeric_options_accept_their_bounds(option: str, bounds: tuple[float, float]) -> None:
    for value in bounds:
        args = recognize_live.parse_args([f"{option}={value}"])
        assert getattr(args, option[2:].replace("-", "_")) == value


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(NUMERIC)), st.one_of(st.text(max_size=30), st.floats().map(repr), st.integers().map(str)))
def test_parse_args_takes_any_numeric_text_or_exits_2(option: str, text: str) -> None:
    lo, hi = NUMERIC[option]
    try:
        args = recognize_live.parse_args([f"{option}={text}"])
    except SystemExit as exc:
        assert exc.code == 2
        return
    value = getattr(args, option[2:].replace("-", "_"))
    assert math.isfinite(value) and lo <= value <= hi


SOURCE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text("0123456789", min_size=1, max_size=30),
    st.text(" \t\n~./-*?\x00", max_size=8),
    st.text(min_size=300, max_size=5000, alphabet="ab/"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=SOURCE_TEXT)
def test_main_answers_any_source_in_one_line(spec: str, capsys) -> None:
    assume(spec.strip() != "demo")
    code, out, err = _main(capsys, f"--source={spec}", "--headless", "--max-frames=1")
    if code == 0:  # "~", "/" or "." may name a folder that holds an image
        return
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
