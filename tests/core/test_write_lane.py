"""Overload (DESIGN §3): SQLite writers queue in one lane per process, first come first
served, for a bounded wait; past it the answer is 503 busy with Retry-After, never 500."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from phonedesk.db import Database
from phonedesk.errors import Busy
from phonedesk.write_lane import WriteLane
from tests.api.helpers import API, error_of


def test_the_lane_is_first_come_first_served_and_bounded() -> None:
    lane = WriteLane()
    assert lane.acquire(0.1)
    order: list[int] = []

    def writer(n: int) -> None:
        assert lane.acquire(10)
        order.append(n)
        lane.release()  # released from this thread, taken in another: allowed

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        while lane.queued < n + 1:  # each one queues before the next arrives
            time.sleep(0.001)
    assert not lane.acquire(0.05)  # the wait is bounded; a timed-out waiter leaves the queue
    assert lane.queued == 5
    lane.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert lane.acquire(0.1)


def test_a_writer_past_the_wait_gets_503_busy_with_retry_after(
    api: TestClient, database: Database
) -> None:
    if database.lane is None:
        pytest.skip("PostgreSQL runs writers concurrently: no lane")
    database.write_wait_seconds = 0.2
    assert database.lane.acquire(1)  # another writer holds the turn
    try:
        started = time.monotonic()
        response = api.post(f"{API}/profiles", json={
            "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example"})
        assert time.monotonic() - started < 5
        assert error_of(response, 503)["code"] == "busy"
        assert int(response.headers["retry-after"]) > 0
        assert api.get(f"{API}/profiles").status_code == 200  # reads never queue
        with pytest.raises(Busy), database.transaction():
            pass
    finally:
        database.lane.release()
    assert api.post(f"{API}/profiles", json={
        "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example"}).status_code == 201
