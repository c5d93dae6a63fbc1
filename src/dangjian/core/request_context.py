"""Who is acting and from where, for the length of one request or command.

Services record audit events without being handed the request: the middleware (or a command)
sets the context, and ``audit.record`` reads it.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext] = ContextVar("dangjian_request_context", default=RequestContext())


def current() -> RequestContext:
    return _current.get()


@contextmanager
def bind(context: RequestContext):
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
