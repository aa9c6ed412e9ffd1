from django.urls import path

from reports import views

urlpatterns = [
    path("documents/", views.document_list, name="documents"),
    path("documents/generate/", views.document_generate, name="document-generate"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("documents/print/<str:kind>/", views.document_print, name="document-print"),
]
