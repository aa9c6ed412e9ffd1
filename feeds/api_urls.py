from django.urls import path

from feeds import api

urlpatterns = [
    path("feeds/", api.CalendarListView.as_view(), name="api-feeds"),
    path("feeds/<str:kind>/<int:object_id>/", api.FeedLinkView.as_view(), name="api-feed-link"),
    path(
        "feeds/<str:kind>/<int:object_id>/regenerate/",
        api.RegenerateView.as_view(),
        name="api-feed-regenerate",
    ),
]
