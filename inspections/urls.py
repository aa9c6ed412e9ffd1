from django.urls import path

from inspections import views

urlpatterns = [
    path("checks/", views.checks_board, name="checks-board"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/<int:pk>/resolve/", views.incident_resolve, name="incident-resolve"),
    path("duties/<int:pk>/routine-tick/", views.routine_tick, name="routine-tick"),
]
