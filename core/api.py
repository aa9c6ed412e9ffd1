"""The API's one error shape: {"error": {"code", "message", "fields"}}, message in the request's
language (Chinese by default). Domain errors map to 400 / 409; DRF's own errors keep their status.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ConflictError, DomainError


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        http_status = status.HTTP_409_CONFLICT if isinstance(exc, ConflictError) else 400
        return Response(error_body(exc.code, exc.message, exc.fields), status=http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message, fields = _describe(exc)
    response.data = error_body(code, message, fields)
    return response


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict]:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {name: _flatten(value) for name, value in detail.items()}
            general = fields.pop("non_field_errors", "")
            return "invalid", general or _("Please correct the fields shown."), fields
        return "invalid", _flatten(detail), {}
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "error"
    return code, _flatten(exc.detail), {}


def _flatten(value) -> str:
    if isinstance(value, list):
        return " ".join(_flatten(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{key}: {_flatten(item)}" for key, item in value.items())
    return str(value)
