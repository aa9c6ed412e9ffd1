from django import forms

from core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    placed = False
    for field, message in error.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed or error.code in ("conflict", "stale"):
        form.add_error(None, error.message)
