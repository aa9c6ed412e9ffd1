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
