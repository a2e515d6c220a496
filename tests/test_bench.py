"""The benchmark CLI in-process on the shipped model: structure and sane figures, never speed limits."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

from vision import bench

QUICK = ["--quick", "--json", "--iterations", "2", "--frames", "1", "--cold-runs", "1"]


@pytest.fixture(scope="module")
def report() -> dict:
    """One quick run shared by the tests here: it loads Keras and launches the app twice."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = bench.main(QUICK)
    assert code == 0
    return json.loads(out.getvalue())


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_every_size_and_character_count_is_measured(report):
    got = {(tuple(c["size"]), c["chars"]) for c in report["configs"]}
    assert got == {(s, n) for s in bench.SIZES for n in bench.CHAR_COUNTS}


def test_stage_figures_are_positive_and_finite(report):
    for cfg in report["configs"]:
        assert [k for k in cfg["stages"]] == [k for k, _ in bench.STAGES]
        for key, st in cfg["stages"].items():
            assert _positive(st["median"]) and _positive(st["p95"]), (cfg["size"], cfg["chars"], key, st)
            assert st["p95"] >= st["median"]
        assert _positive(cfg["fps"])
        assert cfg["chars_found_median"] >= 0


def test_reference_and_speedup_ratios_are_reported(report):
    for cfg in report["configs"]:
        for key in ("classify", "total"):
            assert _positive(cfg["reference"][key]["median"])
            assert _positive(cfg["speedup"][key])
        assert _positive(cfg["keras_call"]["classify"]["median"])
        agree = cfg["readings_same_as_reference"]
        assert 0 <= agree["same"] <= agree["of"] == cfg["iterations"]


def test_cold_start_of_both_backends(report):
    for backend in ("litert", "keras"):
        cold = report["cold_start"][backend]
        assert cold["backend"] == backend and cold["runs"] == 1
        assert _positive(cold["seconds"])
        assert cold["peak_rss_mb"] is None or _positive(cold["peak_rss_mb"])


def test_machine_readings_and_targets(report):
    machine = report["machine"]
    for key in ("platform", "cpu_count", "python", "numpy", "opencv", "ai_edge_litert", "model"):
        assert machine[key], key
    readings = report["readings"]
    assert "skipped" in readings or 0 <= readings["identical"] <= readings["photos"]
    assert {t["name"] for t in report["targets"]} and all(t["met"] in (True, False, None) for t in report["targets"])


def test_readable_report_names_every_stage(report):
    text = bench.format_report(report)
    for _, label in bench.STAGES:
        assert label in text
    assert "speed-up" in text and "Cold start" in text


def test_bad_usage_and_missing_model_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--iterations", "0"])
    assert exc.value.code == 2
    assert bench.main(["--quick", "--model", str(tmp_path / "none.tflite")]) == 2
    assert "not found" in capsys.readouterr().err
