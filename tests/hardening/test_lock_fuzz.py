"""Property-based fuzzing of the lock file loader (issue 10, the suite): whatever the file holds,
loading gives a working Lock or one LockConfigError line, never another exception.

Three kinds of input: random bytes, random JSON values, and a valid file with one field (or one
scrypt parameter) replaced by a random JSON value, which reaches the deepest checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vision.lockstore import Lock, LockConfigError, ScryptParams, Verdict

FAST = ScryptParams(n=2**10, r=1, p=1)
T0 = 1_700_000_000.0
FUZZ = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)


@pytest.fixture
def valid(tmp_path: Path) -> dict:
    path = tmp_path / "valid.json"
    Lock(path, kdf=FAST).set_pin("7K39")
    return json.loads(path.read_text())


def load_or_refuse(path: Path) -> Lock | None:
    """The property: a Lock that answers for any time, or a one-line LockConfigError."""
    try:
        lock = Lock.load(path, kdf=FAST)
    except LockConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    for now in (0.0, T0, 1e300, -1e300, float("inf")):
        assert lock.blocked(now) in (None, *Verdict)
        assert 0.0 <= lock.lockout_remaining(now) < float("inf")
    if lock.has_pin and lock.kdf.work <= 2**14:
        assert lock.check("7K93", T0) in Verdict
    return lock


@FUZZ
@given(raw=st.binary(max_size=5000))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "lock.json"
    path.write_bytes(raw)
    assert load_or_refuse(path) is None or raw.strip().startswith(b"{")


@FUZZ
@given(value=json_values)
def test_random_json(tmp_path: Path, value: object) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(value))
    assert load_or_refuse(path) is None  # nothing random is a valid lock file


@FUZZ
@given(
    field=st.sampled_from(
        ["version", "kdf", "salt", "hash", "pin_length", "failures", "lockout_until", "disabled", "extra"]
    ),
    value=json_values,
)
def test_valid_file_with_one_field_replaced(tmp_path: Path, valid: dict, field: str, value: object) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(valid | {field: value}))
    load_or_refuse(path)


@FUZZ
@given(
    param=st.sampled_from(["name", "n", "r", "p", "dklen", "maxmem"]),
    value=st.integers(min_value=-(2**70), max_value=2**70) | json_values,
)
def test_valid_file_with_one_scrypt_parameter_replaced(tmp_path: Path, valid: dict, param: str, value: object) -> None:
    path = tmp_path / "lock.json"
    path.write_text(json.dumps(valid | {"kdf": valid["kdf"] | {param: value}}))
    lock = load_or_refuse(path)
    if lock is not None:  # whatever loads is within the caps
        assert lock.kdf.work <= 2**21 and 128 * lock.kdf.n * lock.kdf.r <= 2**28
