"""The API's one error shape: {"error": {"code", "message", "fields"}}, message in the request's
language (Chinese by default). Domain errors map to 400 / 409; DRF's own errors keep their status.

Also what every view under /api/ shares, whichever app it belongs to: the authentication order,
JSON-only bodies, the token endpoint and the JSON 404 for unknown addresses.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ConflictError, DomainError
from core.openapi import ApiSchema


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
    elif isinstance(exc, DjangoValidationError):
        # A model or form validator reached from a view: still bad input, not a server error.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
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


# --- what every API view shares ---------------------------------------------------------------


class ApiViewMixin:
    """Put before DRF's view class: `class RoomViewSet(ApiViewMixin, ReadOnlyModelViewSet)`."""

    # Token first: DRF answers an unauthenticated request with the first class's
    # WWW-Authenticate header, so 401; with SessionAuthentication first (it has no header) the
    # same request would be a 403. A browser's session still works as the second class.
    authentication_classes = (TokenAuthentication, SessionAuthentication)
    # JSON bodies only: any other content type is a 415 in the error shape, not a form that
    # DRF parses half-way (repeated keys, files) into the same fields.
    parser_classes = (JSONParser,)
    # The OpenAPI description, with every operation's refusals in the error shape.
    schema = ApiSchema()


class TokenRequestSerializer(serializers.Serializer):
    """What the token endpoint reads (documentation: DRF's AuthTokenSerializer parses)."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=gettext_lazy("Send as `Authorization: Token <token>` on every other request.")
    )


class ObtainTokenView(ApiViewMixin, ObtainAuthToken):
    """POST {"username", "password"} -> {"token": ...}; refusals in the error shape.

    DRF's view answers wrong credentials with a generic validation error; a client needs to
    tell "wrong password" from "you forgot a field", hence its own code.
    """

    # Logging in needs no prior authentication (and a stale session must not demand CSRF).
    authentication_classes = ()
    # DRF's ObtainAuthToken turns throttling off; guessing passwords is what it must stop.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "token"

    def get_serializer_context(self):
        # DRF's serializer authenticates with the request in its context. django-axes marks the
        # request it is given as locked out and its middleware answers for the plain Django
        # request, so hand over that one, not DRF's wrapper (whose attributes it never sees).
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError as exc:
            codes = exc.get_codes()
            if isinstance(codes, dict) and "authorization" in codes.get("non_field_errors", []):
                raise DomainError(
                    _flatten(exc.detail["non_field_errors"]), code="invalid_credentials"
                ) from exc
            raise


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in the error shape too (and a POST without the
    trailing slash gets a 404 instead of CommonMiddleware's redirect error).

    CSRF-exempt: it changes nothing, and a token client's POST to an unknown address (say
    /api/meetings/-1/cancel/) must get this JSON 404, not the CSRF middleware's HTML 403."""
    return JsonResponse(
        error_body("not_found", str(exceptions.NotFound.default_detail)),
        status=status.HTTP_404_NOT_FOUND,
    )
