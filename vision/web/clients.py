"""Per-browser live sessions: one ``LiveSession`` each, a busy flag, and the frame clock it was fed.

A browser sends one frame at a time; a second frame for a session still being read is refused
(409), never queued, so a slow frame is dropped instead of making every later frame late. A key
press (reset, submit...) must not be lost, so it waits for the frame in flight. The page's own
clock (``t``) drives the hold times, so it must not run backwards within a session. Idle
sessions are dropped after ``idle_s``; when ``max_sessions`` are open, the one idle longest
makes room for a new one.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from vision import config
from vision.session import LiveSession


class UnknownSession(KeyError):
    """No such session, or it was dropped (idle too long, or to make room)."""


class SessionBusy(RuntimeError):
    """A frame or action for this session is still being handled."""


class BadTime(ValueError):
    """``t`` is not a finite number, or runs backwards for this session."""


@dataclass
class Client:
    """One browser's live session: ``frames`` counts frames read, ``t`` is the last time fed."""

    live: LiveSession
    frames: int = 0
    t: float = -math.inf
    busy: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check_time(self, t: float) -> float:
        if not math.isfinite(t):
            raise BadTime("t must be a finite number of seconds")
        if t < self.t:
            raise BadTime(f"t went backwards ({t:g} s after {self.t:g} s)")
        return t


class Clients:
    """The open sessions, by random id; thread-safe. ``clock`` is monotonic seconds (idle times)."""

    def __init__(
        self,
        max_sessions: int = config.WEB_MAX_SESSIONS,
        idle_s: float = config.WEB_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
        action_wait_s: float = config.WEB_ACTION_WAIT_S,
    ) -> None:
        self.max_sessions, self.idle_s, self._clock = max_sessions, idle_s, clock
        self.action_wait_s = action_wait_s
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, tuple[Client, float]] = OrderedDict()  # least recently used first

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._clients)

    def add(self, live: LiveSession) -> str:
        """Register a new session and return its id (unguessable: it is the session's only key)."""
        sid = secrets.token_urlsafe(config.WEB_SESSION_ID_BYTES)
        with self._lock:
            now = self._clock()
            self._expire(now)
            while len(self._clients) >= self.max_sessions:
                self._clients.popitem(last=False)
            self._clients[sid] = (Client(live), now)
        return sid

    @contextmanager
    def use(self, sid: str, wait_s: float = 0.0) -> Iterator[Client]:
        """Hold the session for one request: UnknownSession, or SessionBusy if another request
        still holds it after ``wait_s`` seconds."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if sid not in self._clients:
                raise UnknownSession(sid)
            client, _ = self._clients.pop(sid)
            self._clients[sid] = (client, now)  # most recently used last
        got = client.busy.acquire(timeout=wait_s) if wait_s > 0 else client.busy.acquire(blocking=False)
        if not got:
            raise SessionBusy(sid)
        try:
            yield client
        finally:
            client.busy.release()

    def _expire(self, now: float) -> None:
        while self._clients:
            _, (_, used) = next(iter(self._clients.items()))
            if now - used < self.idle_s:
                break
            self._clients.popitem(last=False)
