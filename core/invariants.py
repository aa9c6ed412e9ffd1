"""The registry behind `manage.py check_invariants`. Each app registers its checks in ready().

A check is a function returning an iterable of breach descriptions (empty when all holds).
"""

from collections.abc import Callable, Iterable

Check = Callable[[], Iterable[str]]
_CHECKS: dict[str, Check] = {}


def register(name: str) -> Callable[[Check], Check]:
    def decorator(check: Check) -> Check:
        _CHECKS[name] = check
        return check

    return decorator


def run_all() -> dict[str, list[str]]:
    """Breaches by check name, for every registered check."""
    return {name: list(check()) for name, check in sorted(_CHECKS.items())}
