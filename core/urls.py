from django.urls import path

from core import health, views

urlpatterns = [
    path("healthz/", health.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
