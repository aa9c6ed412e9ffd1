"""Thin Celery tasks: each calls one sweeper and is safe to run twice."""

from celery import shared_task

from quality import sweepers


@shared_task(name="quality.tasks.notify_overdue_actions")
def notify_overdue_actions() -> int:
    return sweepers.notify_overdue_actions()
