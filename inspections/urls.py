from django.urls import path

from inspections import views

urlpatterns = [
    path("checks/", views.checks_board, name="checks-board"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="incident-resolve"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/take/", views.request_take, name="request-take"),
    path("requests/<int:pk>/complete/", views.request_complete, name="request-complete"),
    path("patrols/new/", views.patrol_new, name="patrol-new"),
    path("duties/<int:pk>/routine-tick/", views.routine_tick, name="routine-tick"),
]
