"""Language by the user's own choice only; Simplified Chinese otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language (headless Chromium sends en-US),
but the users of this desk expect Chinese whatever the machine says. A page changes language
only through the language switcher's cookie. API clients, which have no switcher, may also ask
with Accept-Language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _from_accept_language(header: str) -> str | None:
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if not tag:
            continue
        if tag.startswith("zh"):
            return "zh-hans"
        if tag.startswith("en"):
            return "en"
    return None


def choose_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in _SUPPORTED:
        return chosen
    if request.path.startswith("/api/"):
        asked = _from_accept_language(request.headers.get("Accept-Language", ""))
        if asked:
            return asked
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = choose_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
