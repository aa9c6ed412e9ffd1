"""The loop every sweeper shares: claim each candidate row in its own transaction.

A claim is a compare-and-set (an UPDATE that changes one row or none) followed by what the
claim entitles to (a notification, an escalation), all in that row's transaction; `claim`
returns whether it won the row. One bad row is logged and skipped: the loop goes on.
"""

import logging
from collections.abc import Callable, Iterable

from django.db import transaction


def claim_each(
    pks: Iterable[int], claim: Callable[[int], bool], *, log: logging.Logger, what: str
) -> int:
    """Run `claim(pk)` for each id in a transaction of its own; return how many it won."""
    won = 0
    for pk in pks:
        try:
            with transaction.atomic():
                if claim(pk):
                    won += 1
        except Exception:  # one bad row never stops the loop
            log.exception("%s: row %s skipped", what, pk)
    return won
