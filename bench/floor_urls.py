"""The benchmark's URLconf: the product's (conference.urls) plus the framework floors.

Only bench/figures_bench.py sets ROOT_URLCONF to this module; the floors are no product
endpoint. Each floor is the least an authenticated request through the same stack can cost:
session, authentication, middleware, URL resolution and a small JSON answer.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


@login_required
def floor(request):
    return JsonResponse({"ok": True, "user": request.user.username})


class ApiFloor(APIView):
    """The same through Django REST framework (its authentication and permission classes)."""

    def get(self, request):
        return Response({"ok": True, "user": request.user.username})

    def post(self, request):
        return Response({"ok": True, "user": request.user.username}, status=201)


urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("bench/api-floor/", ApiFloor.as_view(), name="bench-api-floor"),
    path("", include("conference.urls")),
]
