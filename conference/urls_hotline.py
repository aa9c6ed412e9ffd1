from django.urls import path

from conference import views_hotline

urlpatterns = [
    path("hotline/", views_hotline.board_page, name="hotline"),
    path("hotline/board/", views_hotline.board_partial, name="hotline-board"),
    path(
        "hotline/incidents/<int:pk>/resolve/",
        views_hotline.resolve_incident,
        name="hotline-incident-resolve",
    ),
    path(
        "hotline/requests/<int:pk>/take/", views_hotline.take_request, name="hotline-request-take"
    ),
    path(
        "hotline/requests/<int:pk>/complete/",
        views_hotline.complete_request,
        name="hotline-request-complete",
    ),
    path(
        "hotline/duties/<int:pk>/reassign/",
        views_hotline.reassign_duty,
        name="hotline-duty-reassign",
    ),
]
