from django.urls import path

from reports import api

urlpatterns = [
    path("documents/", api.DocumentListView.as_view(), name="api-document-list"),
    path("documents/<int:pk>/", api.DocumentDetailView.as_view(), name="api-document-detail"),
    path(
        "documents/<int:pk>/download/",
        api.DocumentDownloadView.as_view(),
        name="api-document-download",
    ),
]
