from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conference import views, views_figures

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today, name="today"),
    path("figures/", views_figures.quality_figures, name="quality-figures"),
    # The live desks (issue 8): each in its own module.
    path("", include("conference.urls_door")),
    path("", include("conference.urls_lobby")),
    path("", include("conference.urls_hotline")),
    path("", include("conference.urls_console")),
    path("", include("conference.urls_overview")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("conference.api_urls")),
    path("", include("bookings.urls")),
    path("", include("staffing.urls")),
    path("", include("staffing.urls_duties")),
    path("", include("inspections.urls")),
    path("", include("offices.urls")),
    path("", include("quality.urls")),
    path("", include("feedback.urls")),
    path("", include("reports.urls")),
    path("", include("feeds.urls")),
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
]
