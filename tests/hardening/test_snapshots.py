"""Snapshots are as secret as the PIN: owner-only files in an owner-only folder, whatever the umask,
never written through an older file or a planted link, and announced on screen and in the events.
"""

from __future__ import annotations

import functools
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ReadsTwo

from vision import config
from vision import snapshots as snapmod
from vision.entry import PinEntry
from vision.lockstore import Lock
from vision.session import Action, LiveSession


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The worst umask (0): whatever is written must get its mode from our code alone."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _session(folder: Path, frame: np.ndarray, index: int = 5, now: float = 1.0) -> LiveSession:
    store = functools.partial(snapmod.save_snapshot, folder)
    session = LiveSession(ReadsTwo(), PinEntry(Lock.in_memory(config.DEMO_PIN)), save_snapshot=store)
    session.step(frame, index, now)
    return session


def test_snapshot_files_are_0600_in_a_0700_folder_under_umask_0(tmp_path, card_frame, open_umask) -> None:
    folder = tmp_path / "deep" / "snaps"
    session = _session(folder, card_frame)
    events = session.handle(Action.SNAPSHOT, 1.0)
    assert [e.kind for e in events] == ["snapshot"] and "saved" in events[0].message
    files = sorted(folder.iterdir(), key=lambda p: len(p.name))
    assert [p.name.endswith("-patches.png") for p in files] == [False, True], files
    assert _mode(folder) == config.SNAPSHOT_DIR_MODE
    assert all(_mode(p) == config.SNAPSHOT_FILE_MODE for p in files), [oct(_mode(p)) for p in files]


def test_an_existing_open_folder_is_made_private(tmp_path, card_frame) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    folder.chmod(0o755)
    _session(folder, card_frame).handle(Action.SNAPSHOT, 1.0)
    assert _mode(folder) == config.SNAPSHOT_DIR_MODE


def test_a_folder_that_cannot_be_tightened_is_warned_about(tmp_path, card_frame, monkeypatch, caplog) -> None:
    folder = tmp_path / "shared-snaps"
    folder.mkdir()
    folder.chmod(0o777)

    def refuse(self, mode):
        raise PermissionError("not the owner")

    monkeypatch.setattr(Path, "chmod", refuse)
    with caplog.at_level(logging.WARNING, logger="vision.snapshots"):
        events = _session(folder, card_frame).handle(Action.SNAPSHOT, 1.0)
    assert "saved" in events[0].message  # still saved: the user asked for it, and is told
    assert any("readable by others" in r.getMessage() and str(folder) in r.getMessage() for r in caplog.records)


def test_an_older_file_or_a_planted_link_is_never_written_through(tmp_path, card_frame, monkeypatch) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(snapmod.time, "strftime", lambda fmt: "snapshot-20260101-000000")
    stem = "snapshot-20260101-000000-000005"
    older = folder / f"{stem}.png"
    older.write_bytes(b"older")
    older.chmod(0o644)
    target = tmp_path / "elsewhere.png"
    (folder / f"{stem}-2.png").symlink_to(target)
    events = _session(folder, card_frame).handle(Action.SNAPSHOT, 1.0)
    assert "saved" in events[0].message and f"{stem}-3.png" in events[0].message
    assert older.read_bytes() == b"older" and not target.exists()
    assert _mode(folder / f"{stem}-3.png") == config.SNAPSHOT_FILE_MODE
    assert _mode(folder / f"{stem}-3-patches.png") == config.SNAPSHOT_FILE_MODE


def test_a_snapshot_is_announced_on_screen_with_its_folder_then_the_note_goes(tmp_path, card_frame) -> None:
    folder = tmp_path / "snaps"
    session = _session(folder, card_frame, now=10.0)
    session.handle(Action.SNAPSHOT, 10.0)
    assert session.hud().message == f"snapshot saved to {folder}/ (private)"
    session.step(card_frame, 6, 10.0 + config.SNAPSHOT_NOTICE_S / 2)
    assert "snapshot saved" in session.hud().message
    session.step(card_frame, 7, 10.0 + config.SNAPSHOT_NOTICE_S + 0.1)
    assert session.hud().message == session.entry.view.message  # the lock's own message is back


def test_a_failed_snapshot_is_said_on_screen_too(tmp_path, card_frame) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    session = _session(blocker, card_frame)
    events = session.handle(Action.SNAPSHOT, 1.0)
    assert "failed" in events[0].message and "failed" in session.hud().message


def test_write_private_leaves_no_half_file_behind(tmp_path, monkeypatch) -> None:
    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapmod.os, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        snapmod.write_private(tmp_path / "x.png", b"data")
    assert not (tmp_path / "x.png").exists()
