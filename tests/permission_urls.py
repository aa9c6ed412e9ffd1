"""Walking the URL configuration for the permission matrix: every pattern, the methods it
accepts, and the path it has once its parameters are filled with objects of the world."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

MUTATING = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route, for messages
    name: str  # the URL name ("" for unnamed patterns), namespaced as "ns:name"
    methods: frozenset[str] | None  # lower-case; None when the view accepts any method


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """Every URLPattern under the root resolver, with its full route."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Pattern(prefix + str(entry.pattern), name, accepted_methods(entry.callback))


def accepted_methods(callback) -> frozenset[str] | None:
    """The HTTP methods the view answers (besides HEAD/OPTIONS), as far as it can be read:
    DRF routers and APIViews say so; Django's require_http_methods keeps the list in its
    closure. None: a plain function view that takes whatever comes."""
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF router's viewset: {"get": "list", "post": "create"}
        return frozenset(m for m in actions if m not in ("head", "options"))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        allowed = getattr(cls, "http_method_names", ())
        return frozenset(
            m for m in ("get", *MUTATING) if m in allowed and callable(getattr(cls, m, None))
        )
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and func.__closure__:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return frozenset(m.lower() for m in cell.cell_contents if m not in ("HEAD", "OPTIONS"))
        func = getattr(func, "__wrapped__", None)
    return None
