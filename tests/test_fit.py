"""FitConfig: one config for training, continuing and fine-tuning, its defaults named in vision.config.

The fits themselves run in tests/test_train_model.py and tests/test_finetune.py; these check the
recipe each flag combination asks for, without TensorFlow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import train_model
from vision import config
from vision.training.fit import FitConfig, split_holdout


def test_defaults_train_from_scratch_with_the_configured_numbers():
    cfg = FitConfig()
    assert (cfg.out, cfg.init, cfg.subset) == (config.MODELS_DIR, None, 0)
    assert (cfg.epochs, cfg.batch_size, cfg.seed) == (config.EPOCHS, config.BATCH_SIZE, config.SEED)
    assert (cfg.monitor, cfg.patience) == ("val_loss", config.EARLY_STOP_PATIENCE)
    assert cfg.schedule() == (config.LR_START, config.LR_PEAK, config.LR_ALPHA, config.LR_WARMUP)


def test_the_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FitConfig().epochs = 1  # type: ignore[misc]


def test_fine_tune_recipe_continues_the_shipped_model_and_stops_on_held_out_loss(tmp_path: Path):
    cfg = FitConfig.fine_tune(tmp_path, seed=7)
    assert (cfg.init, cfg.subset, cfg.epochs) == (config.MODEL_KERAS, config.FT_REPLAY_DIGITS, config.FT_EPOCHS)
    assert (cfg.monitor, cfg.patience, cfg.seed, cfg.out) == ("val_loss", config.FT_PATIENCE, 7, tmp_path)
    assert cfg.schedule() == (
        config.INIT_LR_START,
        config.INIT_LR_PEAK,
        config.INIT_LR_ALPHA,
        config.INIT_LR_WARMUP,
    )


def test_cli_flags_become_the_config(tmp_path: Path):
    args = train_model.parse_args(["--subset", "500", "--out", str(tmp_path), "--no-letters", "--seed", "3"])
    assert train_model.fit_config(args) == FitConfig(out=tmp_path, subset=500, seed=3)
    args = train_model.parse_args(["--init", "m.keras", "--out", str(tmp_path), "--no-letters"])
    assert train_model.fit_config(args) == FitConfig(out=tmp_path, init=Path("m.keras"), epochs=config.INIT_EPOCHS)


def test_cli_fine_tune_replays_the_asked_digits_whatever_subset_says(tmp_path: Path):
    argv = ["--fine-tune", str(tmp_path), "--replay", "300", "--subset", "9", "--out", str(tmp_path), "--no-letters"]
    cfg = train_model.fit_config(train_model.parse_args(argv))
    assert cfg == FitConfig.fine_tune(tmp_path, replay=300)


def test_every_class_keeps_one_held_out_sample():
    y = np.array([0] * 10 + [1] * 2 + [10])
    train, held = split_holdout(y, seed=0)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(len(y)))
    assert sorted(y[held].tolist()) == [0, 0, 1, 10]  # 20% of 10, and at least one of the others
