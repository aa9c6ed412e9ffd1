"""Each role's home in a real browser (issue 8 point 1): log in, land on the role's own page,
see its first item and only the menus the role may use; a screenshot of each. The main action
of each page is driven in its own browser test (test_browser_lobby, _hotline, _console,
_overview, _duties, _offices, _door)."""

import pytest

from core.roles import Role
from tests import test_browser as shared
from tests.staffing_factories import make_staff
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

DESKTOP = {"width": 1366, "height": 768}

# (role(s), where the role lands, an element of that page, nav links it has, nav links it lacks)
HOMES = [
    ("clerk", (Role.CLERK,), "/", "#home-heading", ["/meetings/new/", "/console/"], ["/lobby/"]),
    (
        "supervisor",
        (Role.SUPERVISOR, Role.LOBBY_MANAGER),
        "/overview/",
        "#overview-comparison",
        ["/lobby/", "/hotline/", "/console/", "/figures/"],
        [],
    ),
    (
        "lobby-manager",
        (Role.LOBBY_MANAGER,),
        "/lobby/",
        "#lobby-building",
        ["/hotline/"],
        ["/meetings/new/", "/console/"],
    ),
    (
        "hotline",
        (Role.HOTLINE,),
        "/hotline/",
        "#hotline-heading",
        ["/checks/"],
        ["/meetings/new/", "/overview/"],
    ),
    (
        "group-leader",
        (Role.GROUP_LEADER,),
        "/my-duties/",
        "#my-duties-heading",
        ["/my-duties/"],
        ["/lobby/", "/meetings/new/"],
    ),
    (
        "attendant",
        (Role.ATTENDANT,),
        "/my-duties/",
        "#my-duties-heading",
        ["/my-duties/"],
        ["/dispatch/", "/overview/"],
    ),
    (
        "audio-tech",
        (Role.AUDIO_TECH,),
        "/my-duties/",
        "#my-duties-heading",
        ["/my-duties/"],
        ["/roster/"],
    ),
    (
        "bureau",
        (Role.BUREAU,),
        "/",
        "#home-heading",
        ["/documents/"],
        ["/my-duties/", "/meetings/new/"],
    ),
]


@pytest.mark.parametrize(("name", "roles", "lands", "element", "has", "lacks"), HOMES)
def test_each_role_lands_on_its_own_page(
    live_server, browser, building, make_user, name, roles, lands, element, has, lacks
):
    user = make_user(f"home-{name}", *roles)
    # The people on the roster: a lobby manager's board is their home building's.
    make_staff(user=user, home_building=building, name=f"测试{name}")
    context, page = new_page(browser, DESKTOP)
    try:
        base = live_server.url
        login(page, base, user)
        assert page.url == f"{base}{lands}"
        page.wait_for_selector(element)
        nav = page.locator("#nav-items")
        for href in has:
            assert nav.locator(f"a[href='{href}']").count() == 1, href
        for href in lacks:
            assert nav.locator(f"a[href='{href}']").count() == 0, href
        shot(page, f"home-{name}.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
