"""The API docs page in a real browser (issue 9 point 2): Swagger UI, served from the vendored
assets, lists the operations under the strict CSP without a single violation."""

import pytest

from core.roles import Role
from tests import test_browser as shared
from tests.test_browser import PASSWORD, assert_no_csp_violations, shot

pytestmark = [pytest.mark.browser]

browser = shared.browser
page = shared.page


def test_a_logged_in_user_reads_the_api_docs_with_no_csp_violation(
    live_server, page, make_user, transactional_db
):
    user = make_user("docs-reader", Role.CLERK)
    base = live_server.url
    page.goto(f"{base}/api/docs/")
    assert "/login/" in page.url
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/api/docs/")

    page.locator(".swagger-ui .opblock").first.wait_for()
    operations = page.locator(".swagger-ui .opblock-summary-path")
    assert operations.count() >= 20
    paths = set(operations.all_inner_texts())
    assert any("/api/meetings/" in path for path in paths)
    assert any("/api/incidents/{id}/" in path.replace("\u200b", "") for path in paths)
    shot(page, "api-docs.png")
    assert_no_csp_violations(page)
