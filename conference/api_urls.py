"""The API's root, /api/: the token endpoint, the OpenAPI schema and its docs page, and each
app's own API urls.

Apps add their `include(...)` above the catch-all, which must stay last.
"""

from django.urls import include, path, re_path

from core.api import ObtainTokenView, api_not_found
from core.openapi import docs_view, schema_view

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    # OpenAPI 3 (YAML; ?format=json for JSON), readable without a login; the docs for users.
    path("schema/", schema_view, name="api-schema"),
    path("docs/", docs_view, name="api-docs"),
    path("", include("bookings.api.urls")),
    path("", include("staffing.api_urls")),
    path("", include("inspections.api_urls")),
    path("", include("offices.api_urls")),
    path("", include("quality.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("feeds.api_urls")),
    # Last: anything else under /api/ is a 404 in the error shape, not an HTML page.
    re_path(r"", api_not_found),
]
