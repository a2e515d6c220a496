"""The benchmark on the shipped model: what it measures and compares is right; never speed limits."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from conftest import ReadsAs, ReadsTwo

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


def test_stats_is_the_median_and_95th_percentile_of_the_values():
    values = [float(v) for v in range(20, 0, -1)]  # 1..20, unsorted on purpose
    assert bench.stats(values) == pytest.approx({"median": 10.5, "p95": 19.05})
    assert bench.stats([4.0]) == {"median": 4.0, "p95": 4.0}


def test_bench_config_counts_frames_whose_readings_differ():
    frames = bench.make_frames((640, 480), 6, 2)
    same = bench.bench_config(frames, bench.Contenders(ReadsTwo(), ReadsTwo(), ReadsTwo()), iterations=3)
    differ = bench.bench_config(frames, bench.Contenders(ReadsTwo(), ReadsAs("7"), ReadsTwo()), iterations=3)
    assert same["chars_found_median"] > 0
    assert same["readings_same_as_reference"] == {"same": 3, "of": 3}
    assert differ["readings_same_as_reference"] == {"same": 0, "of": 3}


def test_each_config_times_frames_holding_its_characters(report):
    """A row of the table is what it says: its frames hold that many characters, read at most at
    the frame's size, and the classification it times is part of the frame's total."""
    for cfg in report["configs"]:
        where = (cfg["size"], cfg["chars"])
        assert cfg["chars_found_median"] == cfg["chars"], where
        assert 0 < cfg["process_side_median"] <= max(cfg["size"]), where
        assert 0 < cfg["stages"]["classify"]["median"] < cfg["stages"]["total"]["median"], where
        assert cfg["readings_same_as_reference"]["of"] == 2, where  # --iterations 2: the warm-up pass untimed


def test_litert_reads_what_predict_and_keras_read(report):
    """Same patches (bench_config raises otherwise) and the same readings, on generated frames and
    on every real photo: the speed-up is not bought with different answers."""
    for cfg in report["configs"]:
        assert cfg["readings_same_as_reference"]["same"] == 2, (cfg["size"], cfg["chars"])
    readings = report["readings"]
    if "skipped" in readings:
        pytest.skip(readings["skipped"])
    assert readings["photos"] > 0
    assert readings["differences"] == [] and readings["identical"] == readings["photos"]


def test_targets_use_the_measured_values(report):
    targets = {t["name"]: t for t in report["targets"]}
    for (w, h), limit in bench.TARGET_TOTAL_MS.items():
        cfg = next(c for c in report["configs"] if c["size"] == [w, h] and c["chars"] == bench.TARGET_TOTAL_CHARS)
        t = targets[f"median total {w}x{h}, {bench.TARGET_TOTAL_CHARS} chars"]
        assert (t["value"], t["limit"]) == (cfg["stages"]["total"]["median"], limit)
    lite = targets["cold start, LiteRT"]
    assert lite["value"] == report["cold_start"]["litert"]["seconds"]
    assert targets["classify a batch of 10 patches, LiteRT"]["value"] == report["batch10_ms"]["median"]


def test_a_target_is_met_only_on_the_right_side_of_its_limit():
    report = {
        "configs": [
            {"size": [w, h], "chars": bench.TARGET_TOTAL_CHARS, "stages": {"total": {"median": ms}},
             "speedup": {"classify": 12.0, "total": s}}
            for (w, h), ms, s in (((640, 480), 9.0, 3.0), ((1280, 720), 1.0, 20.0))
        ],
        "cold_start": {},
    }  # fmt: skip
    targets = {t["name"]: t for t in bench.evaluate_targets(report)}
    assert targets["median total 640x480, 6 chars"]["met"] is False  # 9 ms over a 5 ms limit
    assert targets["median total 1280x720, 6 chars"]["met"] is True
    total = targets["speed-up vs predict, total, 6 chars (worse size)"]
    assert (total["value"], total["met"]) == (3.0, False)  # the worse size counts
    assert targets["speed-up vs predict, classify, 6 chars (worse size)"]["met"] is True
    assert targets["cold start, LiteRT"]["met"] is None  # not measured: neither met nor missed


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
