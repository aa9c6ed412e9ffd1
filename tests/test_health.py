"""The load balancer's health check: anonymous, uncached, over plain HTTP, 503 when the
database is unreachable (the same answer every page gets then)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_health_check_answers_ok_to_anyone_and_is_never_cached(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_asks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(reverse("healthz"))


def test_the_health_check_is_not_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("today")).status_code == 301


def test_the_health_check_takes_only_get(client):
    assert client.post(reverse("healthz")).status_code == 405
