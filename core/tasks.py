"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from core import notifications


@shared_task(name="core.tasks.send_outbox")
def send_outbox() -> int:
    return notifications.send_outbox()
