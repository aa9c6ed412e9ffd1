"""The door display (issue 8 point 6): the public lobby screens and the supervisor's links."""

from django.urls import path

from conference import views_door

urlpatterns = [
    path("door/<str:token>/", views_door.door_display, name="door-display"),
    path("door/<str:token>/rows/", views_door.door_rows, name="door-rows"),
    path("door-links/", views_door.door_links, name="door-links"),
    path(
        "door-links/<int:building_pk>/issue/",
        views_door.door_link_issue,
        name="door-link-issue",
    ),
    path("door-links/revoke/<int:pk>/", views_door.door_link_revoke, name="door-link-revoke"),
]
