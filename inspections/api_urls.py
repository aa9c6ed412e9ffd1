from django.urls import path

from inspections import api

urlpatterns = [
    path("meetings/<int:pk>/checks/", api.MeetingChecksView.as_view(), name="api-meeting-checks"),
    path("checks/<int:pk>/complete/", api.CompleteCheckView.as_view(), name="api-check-complete"),
    path("incidents/", api.IncidentListView.as_view(), name="api-incident-list"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident-detail"),
]
