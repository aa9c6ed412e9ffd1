"""The OpenAPI description of /api/ (drf-spectacular) and its browsable docs page.

Every API view shares ApiSchema (set on core.api.ApiViewMixin): each operation lists the
refusals it can give, all in the one error shape (the `Error` component), so a generated client
has a type for every 4xx. Views only say what is theirs: request, response, query parameters.
"""

import hashlib
import re
from base64 import b64encode
from pathlib import Path

import drf_spectacular
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Stable code for programs: invalid, not_found, conflict, stale ...")
    )
    message = serializers.CharField(help_text=_("The reason, in the request's language."))
    fields = serializers.DictField(
        child=serializers.CharField(),
        help_text=_("Per field: what is wrong with it (empty unless the input was refused)."),
    )


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """Every refusal under /api/: {"error": {"code", "message", "fields"}}."""

    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": _("The input was refused (fields name each bad one), or the service said no."),
    "401": _("Not authenticated: send `Authorization: Token <key>` or log in."),
    "403": _("Authenticated, but not allowed to do this."),
    "404": _("Not found, or not visible to you."),
    "409": _("Conflict: the slot is taken or someone changed it first (stale version)."),
    "415": _("The body must be JSON (Content-Type: application/json)."),
    "429": _("Too many requests; try again after Retry-After seconds."),
}


class ApiSchema(AutoSchema):
    """AutoSchema plus the error responses each operation can give, in the error shape."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(error, code)
        return operation

    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        queries = [p for p in parameters if p.get("in") == "query" and p["name"] != "page"]
        has_body = "requestBody" in operation
        unsafe = self.method not in ("GET", "HEAD", "OPTIONS")
        codes = []
        # A page number past the end is a 404; a filter or body DRF cannot parse a 400.
        if has_body or queries or unsafe:
            codes.append("400")
        if self._needs_login():
            codes += ["401", "403"]
        if any(p.get("in") == "path" for p in parameters) or any(
            p["name"] == "page" for p in parameters
        ):
            codes.append("404")
        if unsafe and self._needs_login():
            codes.append("409")  # the services' conflicts (taken slot, stale version)
        if has_body:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _needs_login(self) -> bool:
        return any(
            not isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )


# --- the schema and its docs page -------------------------------------------------------------

# A generated client fetches the schema before it has a token: reading it needs no login.
schema_view = SpectacularAPIView.as_view(
    authentication_classes=(TokenAuthentication, SessionAuthentication),
    permission_classes=(permissions.AllowAny,),
)


def _inline_style_hashes() -> list[str]:
    """The CSP hashes of the inline <style> in drf-spectacular's Swagger UI page.

    The split view already serves its init script as a file (script-src 'self' suffices); its
    page still carries one small <style> block, which the site-wide style-src 'self' refuses.
    Allowing exactly that block's hash, on this view only, keeps 'unsafe-inline' out; read from
    the installed template so an upgrade that changes the block keeps working.
    """
    template = Path(drf_spectacular.__file__).parent / "templates/drf_spectacular/swagger_ui.html"
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.S)
    return [
        f"'sha256-{b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in blocks
    ]


# Browser-only: anonymous visitors go to the login page, as for every other page.
docs_view = csp_update({"style-src": _inline_style_hashes()})(
    login_required(
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            title=_("Conference service desk API"),
            authentication_classes=(SessionAuthentication,),
            permission_classes=(permissions.IsAuthenticated,),
        )
    )
)
