"""One writer at a time per process on SQLite, in arrival order, for a bounded wait.

SQLite has one write lock for the whole file. Left to itself, a burst of writers
spins in its busy handler (unfair: a late writer can win over one that waited
long) and, past ``busy_timeout``, fails with "database is locked". Instead every
write transaction of the process queues here first, first come first served;
the database lock is then nearly always free when a writer asks for it (other
processes, such as ``phonedesk worker``, still meet ``busy_timeout``). A writer
that has waited ``PHONEDESK_WRITE_WAIT_SECONDS`` gives up with :class:`Busy`,
which every interface answers as "busy, retry" (503 with ``Retry-After``).
"""

from __future__ import annotations

import threading
from collections import deque


class WriteLane:
    """A FIFO lock whose holder may release it from another thread.

    A request's write session is opened in one worker thread and closed in
    another, so the lock cannot belong to a thread (``threading.Lock`` semantics,
    fairness added).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the lane, behind everyone who came first."""
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out: take it
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        """Hand the lane to the longest waiter, or leave it free."""
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # stays held: ownership passes on
            else:
                self._held = False

    @property
    def queued(self) -> int:
        return len(self._waiting)
