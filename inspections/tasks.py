"""Thin Celery tasks: each calls one sweeper and is safe to run twice."""

from celery import shared_task

from inspections import office_rounds, sweepers


@shared_task(name="inspections.tasks.notify_due_checks")
def notify_due_checks() -> int:
    return sweepers.notify_due_checks()


@shared_task(name="inspections.tasks.escalate_late_checks")
def escalate_late_checks() -> int:
    return sweepers.escalate_late_checks()


@shared_task(name="inspections.tasks.escalate_missed_rounds")
def escalate_missed_rounds() -> int:
    return office_rounds.escalate_missed_rounds()
