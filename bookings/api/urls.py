from rest_framework.routers import SimpleRouter

from bookings.api import views

# SimpleRouter, not DefaultRouter: /api/ is shared by every app's API, so no app owns its root.
router = SimpleRouter()
router.register("buildings", views.BuildingViewSet, basename="api-building")
router.register("hosting-units", views.HostingUnitViewSet, basename="api-hosting-unit")
router.register("leaders", views.LeaderViewSet, basename="api-leader")
router.register("rooms", views.RoomViewSet, basename="api-room")
router.register("meetings", views.MeetingViewSet, basename="api-meeting")

urlpatterns = router.urls
