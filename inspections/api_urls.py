from django.urls import path

from inspections import api

urlpatterns = [
    path("meetings/<int:pk>/checks/", api.MeetingChecksView.as_view(), name="api-meeting-checks"),
    path("checks/<int:pk>/complete/", api.CompleteCheckView.as_view(), name="api-check-complete"),
    path("incidents/", api.IncidentListView.as_view(), name="api-incident-list"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident-detail"),
]

# The state changes the incident and request pages offer (issue 9 point 1).
urlpatterns += [
    path(
        "incidents/<int:pk>/resolve/",
        api.IncidentResolveView.as_view(),
        name="api-incident-resolve",
    ),
    path("requests/", api.RequestListView.as_view(), name="api-request-list"),
    path("requests/<int:pk>/take/", api.RequestTakeView.as_view(), name="api-request-take"),
    path(
        "requests/<int:pk>/complete/",
        api.RequestCompleteView.as_view(),
        name="api-request-complete",
    ),
]
