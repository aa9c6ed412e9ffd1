from conference.navigation import entries_for
from core.names import display_name
from core.notifications import unread_count
from core.roles import primary_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    role = primary_role(user)
    return {
        "nav_entries": entries_for(user),
        "user_role": role.label if role else "",
        "user_display_name": display_name(user),
        # The bell: one COUNT query per page.
        "unread_notifications": unread_count(user),
    }
