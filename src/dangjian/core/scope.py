"""The organisation scope: the one place that turns a user into a filter.

A role assignment on an organisation reaches that organisation's whole subtree. Every list,
detail, form, export and API call asks this module for the user's scope for one permission and
filters by it; an object outside answers 404.

The filter is a range on the materialised path, ``path >= p AND path < p + '~'``, never
``startswith``: on SQLite Django's ``LIKE ... ESCAPE`` cannot use the index (ENGINEERING.md 3.4),
and the range is index-friendly on both databases. The path alphabet (0-9, A-Z) sorts below '~'.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.accounts.roles import ROLE_PERMISSIONS

PATH_END = "~"


def covering_paths(paths) -> tuple[str, ...]:
    """The smallest set of paths whose subtrees cover all of ``paths``."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Scope:
    paths: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.paths

    def q(self, field: str = "org_path") -> Q:
        if not self.paths:
            return Q(pk__in=[])
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})
        return condition

    def filter(self, queryset: QuerySet, field: str = "org_path") -> QuerySet:
        return queryset.filter(self.q(field))

    def covers(self, path: str) -> bool:
        return any(path.startswith(scope_path) for scope_path in self.paths)

    def covers_everything(self) -> bool:
        """True when the scope holds a root of the tree (a city committee)."""
        return any(len(path) <= 4 for path in self.paths)

    def get_or_404(self, queryset: QuerySet, field: str = "org_path", **lookup):
        """The object matching ``lookup`` inside the scope, or 404 whether it is outside or absent."""
        try:
            return self.filter(queryset, field).get(**lookup)
        except queryset.model.DoesNotExist:
            raise Http404 from None


EMPTY = Scope(())


def scope_for(user, permission: str) -> Scope:
    """The subtrees in which ``user`` holds ``permission``; cached on the user for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cache = user.__dict__.setdefault("_scope_cache", {})
    if permission not in cache:
        cache[permission] = Scope(
            covering_paths(
                path
                for role, path in assignments_of(user)
                if permission in ROLE_PERMISSIONS.get(role, ())
            )
        )
    return cache[permission]


def assignments_of(user) -> list[tuple[str, str]]:
    """(role, organisation path) for the user's assignments on live organisations, cached."""
    cached = user.__dict__.get("_assignments_cache")
    if cached is None:
        from dangjian.accounts.models import RoleAssignment

        cached = list(
            RoleAssignment.objects.filter(user=user, organization__dissolved_at__isnull=True).values_list(
                "role", "organization__path"
            )
        )
        user.__dict__["_assignments_cache"] = cached
    return cached


def has_permission(user, permission: str, path: str | None = None) -> bool:
    """Whether ``user`` holds ``permission`` anywhere, or over the organisation at ``path``."""
    scope = scope_for(user, permission)
    return not scope.is_empty if path is None else scope.covers(path)


def require_permission(actor, permission: str, path: str, message: str) -> None:
    """Raise PermissionDenied with ``message`` unless ``actor`` holds ``permission`` over
    ``path``. ``actor=None`` is the command line, run by whoever holds the server."""
    if actor is not None and not has_permission(actor, permission, path):
        raise PermissionDenied(message)


def forget(user) -> None:
    """Drop the cached assignments after they change within the same request."""
    user.__dict__.pop("_scope_cache", None)
    user.__dict__.pop("_assignments_cache", None)
