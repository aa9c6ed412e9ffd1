"""The phone page (我的任务) and the lobby manager's dispatch page."""

from django.urls import path

from conference import views_duties
from staffing.views import dispatch

urlpatterns = [
    path("my-duties/", views_duties.my_duties, name="my-duties"),
    path(
        "my-duties/<int:pk>/acknowledge/",
        views_duties.my_duty_acknowledge,
        name="my-duty-acknowledge",
    ),
    path("my-duties/<int:pk>/arrived/", views_duties.my_duty_arrived, name="my-duty-arrived"),
    path(
        "my-duties/<int:pk>/round-done/", views_duties.my_duty_round_done, name="my-duty-round-done"
    ),
    path("dispatch/", dispatch.dispatch_page, name="dispatch"),
    path("dispatch/run/", dispatch.dispatch_run, name="dispatch-run"),
    path(
        "dispatch/duties/<int:pk>/reassign/", dispatch.dispatch_reassign, name="dispatch-reassign"
    ),
    path("dispatch/duties/<int:pk>/release/", dispatch.dispatch_release, name="dispatch-release"),
    path("dispatch/meetings/<int:pk>/assign/", dispatch.dispatch_assign, name="dispatch-assign"),
]
