"""How people's names are written: 王晓燕 (family name first, no space), Jane Smith otherwise."""

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def display_name(user) -> str:
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
