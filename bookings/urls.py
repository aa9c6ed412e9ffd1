from django.urls import path

from bookings.views import meetings

urlpatterns = [
    path("meetings/new/", meetings.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/reschedule/", meetings.meeting_reschedule, name="meeting-reschedule"),
    path("meetings/<int:pk>/confirm/", meetings.meeting_confirm, name="meeting-confirm"),
    path("meetings/<int:pk>/cancel/", meetings.meeting_cancel, name="meeting-cancel"),
]
