"""The heartbeat of a running matching run, written by a thread beside the engine.

The engine's progress callback is silent while SciPy solves and while the proposals are
written, so it cannot tell a live run from a dead one within a minute. This thread writes
``heartbeat_at`` every ``RUN_HEARTBEAT_INTERVAL`` seconds on its own database connection;
it dies with its process, so a killed worker's run goes stale after ``RUN_STALE_AFTER``
and ``matching.fail_stuck_runs`` (the next click on Run, or the sweep) fails it.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection
from django.utils import timezone

from ..conf import buddy_settings
from ..models import MatchingRun

logger = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(run_id): ...`` keeps the run's heartbeat fresh while the block runs."""

    def __init__(self, run_id: int, interval: float | None = None):
        self.run_id = run_id
        self.interval = float(buddy_settings.RUN_HEARTBEAT_INTERVAL if interval is None
                              else interval)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        # Inside the caller's transaction nobody else could see the beats: no thread.
        if self.interval > 0 and not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name=f"buddy-heartbeat-{self.run_id}")
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 30)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        """One heartbeat; a database hiccup is logged and the next beat reconnects."""
        try:
            MatchingRun.objects.filter(pk=self.run_id, status=MatchingRun.Status.RUNNING) \
                .update(heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 - the run itself reports real database failures
            logger.warning("Heartbeat of matching run %s failed", self.run_id, exc_info=True)
            connection.close()
