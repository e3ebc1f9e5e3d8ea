"""django-q2, the package's one way in: every task and schedule gets the same queue options.

``WAGTAIL_BUDDY_TASK_QUEUE`` names a queue of a multi-queue broker; unset, the cluster's
default queue is used.
"""

from __future__ import annotations

from django_q.models import Schedule, Task
from django_q.tasks import async_task

from ..conf import buddy_settings

__all__ = ["Schedule", "Task", "enqueue", "q_options", "schedule_kwargs"]


def q_options() -> dict:
    """The ``q_options`` of every task: the configured queue, if any."""
    return {"queue": buddy_settings.TASK_QUEUE} if buddy_settings.TASK_QUEUE else {}


def enqueue(func: str, *args, task_name: str) -> str | None:
    """``async_task(func, *args)`` on the package's queue; returns the task id."""
    options: dict = {"task_name": task_name}
    if q_options():
        options["q_options"] = q_options()
    return async_task(func, *args, **options)


def schedule_kwargs() -> str | None:
    """The ``kwargs`` of a ``Schedule`` row, so scheduled tasks reach the same queue."""
    return repr({"q_options": q_options()}) if q_options() else None
