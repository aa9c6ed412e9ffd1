from django.urls import path, re_path

from feedback import views

# secrets.token_urlsafe characters only: anything else is not a link we made.
LINK_KEY = r"(?P<token>[A-Za-z0-9_-]{16,64})"

urlpatterns = [
    # The short public link printed as a QR code: no login, outside the navigation.
    re_path(rf"^f/{LINK_KEY}/$", views.feedback_form, name="feedback-form"),
    re_path(rf"^f/{LINK_KEY}/thanks/$", views.feedback_thanks, name="feedback-thanks"),
    path("meetings/<int:pk>/feedback-card/", views.feedback_card, name="feedback-card"),
    path("feedback/", views.feedback_list, name="feedback-list"),
    path("feedback/complaints/", views.complaint_list, name="complaint-list"),
    path("feedback/complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
]
