"""Snapshots (the ``s`` key): the frame and the patches the model saw, written for the owner only.

A snapshot shows the card held up and the characters already typed, so it is as secret as the
PIN: files are created 0600 inside a 0700 folder, with the mode given to ``os.open`` and set
again with ``fchmod`` so that no umask widens it, and never by overwriting an older file (which
would keep that file's mode). Names hold a timestamp and the frame index, never a reading.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import cv2
import numpy as np

from vision import config

log = logging.getLogger(__name__)


class SnapshotError(OSError):
    """A snapshot could not be written (folder unusable, disk full, encoder failure)."""


def private_dir(folder: Path) -> Path:
    """Create ``folder`` 0700, or tighten an existing one we own; warn when it stays open to others.

    An existing folder may hold older snapshots written 0644: they are left as they are, but the
    folder's own mode is what keeps other users out of all of them.
    """
    folder.mkdir(mode=config.SNAPSHOT_DIR_MODE, parents=True, exist_ok=True)
    info = folder.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise SnapshotError(f"{folder} is not a folder")
    if stat.S_IMODE(info.st_mode) != config.SNAPSHOT_DIR_MODE:  # wider than asked for, or narrowed by a umask
        try:
            folder.chmod(config.SNAPSHOT_DIR_MODE)
        except OSError as exc:
            log.warning("snapshot folder %s is readable by others and cannot be made private: %s", folder, exc)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file of mode 0600; an existing file raises FileExistsError."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, config.SNAPSHOT_FILE_MODE)
    try:
        os.fchmod(fd, config.SNAPSHOT_FILE_MODE)  # a umask can only remove bits; this makes it exact
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        path.unlink(missing_ok=True)  # half a snapshot (disk full) helps no one
        raise
    finally:
        os.close(fd)


def encode_png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise SnapshotError("the PNG encoder refused the image")
    return buf.tobytes()


def save_snapshot(folder: Path, index: int, frame: np.ndarray, patches: np.ndarray | None) -> list[Path]:
    """Write ``frame`` and, when there are any, its patches side by side; returns the paths written.

    Two snapshots of the same frame in the same second get ``-2``, ``-3``... rather than replacing
    the first.
    """
    private_dir(folder)
    base = f"{time.strftime('snapshot-%Y%m%d-%H%M%S')}-{index:06d}"
    images = [("", frame)]
    if patches is not None and len(patches):
        images.append(("-patches", np.hstack(list(patches))))
    encoded = [(suffix, encode_png(image)) for suffix, image in images]
    for attempt in range(1, config.SNAPSHOT_NAME_TRIES + 1):
        stem = base if attempt == 1 else f"{base}-{attempt}"
        try:
            write_private(folder / f"{stem}.png", encoded[0][1])
        except FileExistsError:
            continue
        written = [folder / f"{stem}.png"]
        for suffix, data in encoded[1:]:
            written.append(folder / f"{stem}{suffix}.png")
            write_private(written[-1], data)
        return written
    raise SnapshotError(f"{config.SNAPSHOT_NAME_TRIES} snapshots of frame {index} this second already in {folder}")
