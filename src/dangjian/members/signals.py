"""What the register tells the apps built on it, which it does not know of.

``member_left`` is sent inside the transaction that ends a member's current membership (leaving
the Party, or a transfer out of the system), with ``member``, ``on`` (the day) and ``actor``:
an app that holds the member in something of its own (a service team) ends it there, in the same
transaction, so that a refusal takes the whole change back."""

from django.dispatch import Signal

member_left = Signal()
