from django.urls import path

from bookings.views import calendar, lists, meetings, search, series
from bookings.views import orders as order_views

urlpatterns = [
    # The clerk's finding and overview pages: search, timeline, week, lists.
    path("rooms/search/", search.room_search, name="room-search"),
    path("rooms/search/book/", search.search_book, name="search-book"),
    path("timeline/", calendar.day_timeline, name="day-timeline"),
    path("rooms/<int:pk>/week/", calendar.room_week, name="room-week"),
    path("meetings/", lists.meeting_list, name="meeting-list"),
    path("meetings/export.xlsx", lists.meeting_export, name="meeting-export"),
    path("meetings/pending/", lists.pending_list, name="pending-list"),
    path("meetings/pending/<int:pk>/confirm/", lists.pending_confirm, name="pending-confirm"),
    path("meetings/new/", meetings.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/reschedule/", meetings.meeting_reschedule, name="meeting-reschedule"),
    path("meetings/<int:pk>/confirm/", meetings.meeting_confirm, name="meeting-confirm"),
    path("meetings/<int:pk>/cancel/", meetings.meeting_cancel, name="meeting-cancel"),
    # Service orders: the clerk's edits on a meeting, and the departments' queues.
    path("meetings/<int:pk>/orders/add/", order_views.order_add, name="order-add"),
    path("meetings/<int:pk>/orders/<int:order_pk>/", order_views.order_edit, name="order-edit"),
    path(
        "meetings/<int:pk>/orders/<int:order_pk>/cancel/",
        order_views.order_cancel,
        name="order-cancel",
    ),
    path("orders/", order_views.department_index, name="department-index"),
    path("orders/<slug:department>/", order_views.department_queue, name="department-queue"),
    path("orders/<int:order_pk>/advance/", order_views.order_advance, name="order-advance"),
    path("series/new/", series.series_new, name="series-new"),
    path("series/<int:pk>/", series.series_detail, name="series-detail"),
    path("meetings/<int:pk>/series/cancel/", series.series_cancel_from, name="series-cancel-from"),
    path(
        "meetings/<int:pk>/series/reschedule/",
        series.series_reschedule_from,
        name="series-reschedule-from",
    ),
]
