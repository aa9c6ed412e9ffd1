"""The health check a reverse proxy or load balancer polls (docs/deploy.md).

Anonymous and cheap: one `SELECT 1`. While the database is down the query raises, and
core.unavailable answers the same 503 every page gets, so a node that cannot reach the
database is taken out of rotation and put back by itself once it can.
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
