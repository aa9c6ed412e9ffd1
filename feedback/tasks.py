"""Thin Celery tasks: each calls one sweeper and is safe to run twice."""

from celery import shared_task

from feedback import sweepers


@shared_task(name="feedback.tasks.invite_finished_meetings")
def invite_finished_meetings() -> int:
    return sweepers.invite_finished_meetings()
