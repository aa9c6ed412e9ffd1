from django.urls import path, re_path

from feeds import views

urlpatterns = [
    path("feeds/", views.my_calendars, name="feeds"),
    path("feeds/<str:kind>/<int:object_id>/", views.make_link, name="feed-link"),
    re_path(r"^feeds/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", views.FeedView.as_view(), name="feed"),
]
