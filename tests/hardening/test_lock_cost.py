"""The offline cost of a stolen lock file (issue 10, item 4): the default scrypt cost is what the
README claims, files at the old cost still open and are re-hashed at the new one after a right
PIN, and tests get a cheap cost only by asking for it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from vision import config
from vision.lockstore import Lock, ScryptParams, Verdict

OLD = ScryptParams(n=2**14, r=8, p=1)  # what lock files were hashed with before issue 10
PIN = "7K39"
T0 = 1_700_000_000.0


def test_default_cost_is_what_the_readme_claims() -> None:
    kdf = ScryptParams()
    assert (kdf.n, kdf.r, kdf.p, kdf.dklen) == (2**16, 8, 1, 32)
    assert 128 * kdf.n * kdf.r == 64 * 2**20  # 64 MiB per check
    assert kdf.work == 4 * OLD.work
    assert config.SCRYPT_MAX_WORK == 4 * kdf.work and config.SCRYPT_MAX_MEMORY_BYTES == 4 * 64 * 2**20


def test_one_default_check_is_slow_enough() -> None:
    """A floor only (0.22 s measured on the reference machine): load makes a check slower, never faster."""
    start = time.perf_counter()
    ScryptParams().derive(PIN, b"0123456789abcdef")
    assert time.perf_counter() - start >= 0.05


def test_new_pins_get_the_default_cost_unless_told_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    Lock(path).set_pin(PIN)
    assert json.loads(path.read_text())["kdf"] == ScryptParams().to_json()
    cheap = ScryptParams(n=2**10, r=1, p=1)
    Lock(path, kdf=cheap).set_pin(PIN)
    assert json.loads(path.read_text())["kdf"] == cheap.to_json()


def test_an_old_file_opens_and_is_rehashed_at_the_new_cost_after_a_right_pin(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    Lock(path, kdf=OLD).set_pin(PIN)
    lock = Lock.load(path)
    assert lock.kdf == OLD
    assert lock.check("7K93", T0) is Verdict.DENIED  # a wrong PIN changes nothing about the hash
    assert json.loads(path.read_text())["kdf"] == OLD.to_json()
    assert lock.check(PIN, T0) is Verdict.GRANTED
    data = json.loads(path.read_text())
    assert data["kdf"] == ScryptParams().to_json() and data["failures"] == 0
    assert Lock.load(path).check(PIN, T0) is Verdict.GRANTED


def test_a_costlier_file_is_not_rehashed_down(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    dear = ScryptParams(n=2**11, r=1, p=1)
    Lock(path, kdf=dear).set_pin(PIN)
    assert Lock.load(path, kdf=ScryptParams(n=2**10, r=1, p=1)).check(PIN, T0) is Verdict.GRANTED
    assert json.loads(path.read_text())["kdf"] == dear.to_json()
