"""The office service's own signal, sent inside the transaction that cancels a round.

`round_cancelled(office_round, by, now, reason)`: staffing releases the round's duties in the
same transaction, so a cancelled round never keeps anyone busy.
"""

from django.dispatch import Signal

round_cancelled = Signal()
