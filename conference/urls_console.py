from django.urls import path

from conference import views_console

urlpatterns = [
    path("console/", views_console.console, name="console"),
    path("console/board/", views_console.console_board_partial, name="console-board"),
    path(
        "console/meetings/<int:pk>/confirm/",
        views_console.confirm,
        name="console-confirm",
    ),
]
