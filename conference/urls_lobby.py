from django.urls import path

from conference import views_lobby

urlpatterns = [
    path("lobby/", views_lobby.lobby, name="lobby"),
    path("lobby/board/", views_lobby.lobby_board, name="lobby-board"),
]
