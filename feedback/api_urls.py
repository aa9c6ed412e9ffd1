from django.urls import path

from feedback import api

urlpatterns = [
    path(
        "complaints/<int:pk>/reply/", api.ComplaintReplyView.as_view(), name="api-complaint-reply"
    ),
]
