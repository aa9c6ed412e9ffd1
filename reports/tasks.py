"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from reports import services


@shared_task(name="reports.tasks.run_documents")
def run_documents() -> int:
    """The sweeper: scheduled slots, stale rows, pending documents."""
    return services.run_documents()


@shared_task(name="reports.tasks.generate_document")
def generate_document(pk: int) -> bool:
    """Generate one requested document now (the sweeper would, a little later)."""
    return services.generate(pk) is not None
