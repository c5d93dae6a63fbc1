"""The member endpoints: one router per concern, each mounted at /api/members (own record at /api/me).

Mounted in this order so that /corrections, /imports and /transfers are never taken for a
member's key by the register's /{member_id}."""

from dangjian.members.api import imports, lifecycle, own, register

ROUTERS = (own.corrections_router, imports.router, lifecycle.router, register.router)
