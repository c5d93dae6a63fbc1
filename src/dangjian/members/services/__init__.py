"""Writes to the member register, one module per concern: ``register`` (entering and correcting
records, revealing masked values), ``lifecycle`` (transfers, mobile, abroad, retirement, lost
contact, standing, leaving), ``residence`` (registration in grids), ``imports`` (rosters),
``corrections`` (a member's own correction requests). Each function checks the actor, applies
the rules, writes and audits in one transaction."""
