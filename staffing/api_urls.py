from django.urls import path

from staffing import api

urlpatterns = [
    path("staff/", api.StaffListView.as_view(), name="api-staff-list"),
    path("meetings/<int:pk>/duties/", api.MeetingDutiesView.as_view(), name="api-meeting-duties"),
    path(
        "meetings/<int:pk>/dispatch/",
        api.MeetingDispatchView.as_view(),
        name="api-meeting-dispatch",
    ),
]

# A duty's state changes and "my duties"; the office rounds (offices has no API of its own).
urlpatterns += [
    path("duties/", api.MyDutiesView.as_view(), name="api-duty-list"),
    path(
        "duties/<int:pk>/acknowledge/",
        api.DutyAcknowledgeView.as_view(),
        name="api-duty-acknowledge",
    ),
    path("duties/<int:pk>/arrived/", api.DutyArrivedView.as_view(), name="api-duty-arrived"),
    path("duties/<int:pk>/release/", api.DutyReleaseView.as_view(), name="api-duty-release"),
    path("duties/<int:pk>/reassign/", api.DutyReassignView.as_view(), name="api-duty-reassign"),
    path("office-rounds/", api.OfficeRoundListView.as_view(), name="api-office-round-list"),
    path(
        "office-rounds/<int:pk>/complete/",
        api.OfficeRoundCompleteView.as_view(),
        name="api-office-round-complete",
    ),
    path(
        "office-rounds/<int:pk>/cancel/",
        api.OfficeRoundCancelView.as_view(),
        name="api-office-round-cancel",
    ),
]
