"""Feedback in the admin: read-only; changes go through feedback.services."""

from django.contrib import admin

from feedback.models import Answer, Complaint, Invitation, Rating


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "created_at", "expires_at", "email", "emailed_at")
    # The token is the contact's key: not shown in lists.
    exclude = ("token",)


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    can_delete = False
    readonly_fields = ("service", "score")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "overall", "lowest", "complaint", "submitted_at")
    inlines = [RatingInline]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "status", "opened_at", "reply_due", "replied_at")
    list_filter = ("status",)
