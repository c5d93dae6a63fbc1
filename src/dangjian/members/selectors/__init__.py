"""Reads of the member register, every query starting from the caller's scope. One module per
concern: ``register`` (search, lists, the member page), ``lifecycle`` (transfers, residence,
coverage), ``own`` (a member's own record)."""
