from django.urls import path

from conference import views_overview

urlpatterns = [
    path("overview/", views_overview.overview, name="overview"),
]
