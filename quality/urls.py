from django.urls import path

from quality import views

urlpatterns = [
    path("quality/", views.inspection_list, name="quality-inspection-list"),
    path("quality/new/", views.inspection_new, name="quality-inspection-new"),
    path("quality/<int:pk>/", views.inspection_detail, name="quality-inspection-detail"),
    path("quality/findings/<int:pk>/photo/", views.finding_photo, name="quality-finding-photo"),
    path("quality/findings/<int:pk>/actions/", views.action_add, name="quality-action-add"),
    path("quality/actions/", views.action_list, name="quality-action-list"),
    path("quality/actions/<int:pk>/close/", views.action_close, name="quality-action-close"),
]
