from django.urls import path

from quality import api

urlpatterns = [
    path(
        "corrective-actions/<int:pk>/close/",
        api.CorrectiveActionCloseView.as_view(),
        name="api-corrective-action-close",
    ),
]
