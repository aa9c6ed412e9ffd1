"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from staffing.office_rounds import plan_office_rounds as plan_rounds


@shared_task(name="staffing.tasks.plan_office_rounds")
def plan_office_rounds() -> int:
    """Make and dispatch the coming week's office rounds; returns the duties created."""
    return plan_rounds().dispatch.filled
