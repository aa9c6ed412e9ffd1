from django.urls import path

from staffing.views import roster, rounds

urlpatterns = [
    path("staff/", roster.roster_list, name="roster"),
    path("staff/export.xlsx", roster.roster_export, name="roster-export"),
    path("staff/import/", roster.roster_import, name="roster-import"),
    path("staff/clearance/", roster.clearance, name="clearance"),
    path("staff/<int:pk>/", roster.staff_detail, name="staff-detail"),
    path("office-rounds/", rounds.office_rounds, name="office-rounds"),
    path("office-rounds/dispatch/", rounds.office_rounds_dispatch, name="office-rounds-dispatch"),
    path("office-rounds/<int:pk>/cancel/", rounds.office_round_cancel, name="office-round-cancel"),
]
