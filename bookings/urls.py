from django.urls import path

from bookings import views

urlpatterns = [
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/reschedule/", views.meeting_reschedule, name="meeting-reschedule"),
    path("meetings/<int:pk>/confirm/", views.meeting_confirm, name="meeting-confirm"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
]
