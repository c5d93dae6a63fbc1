"""Pure rules of the organisation tree: levels, kinds, which kind may sit under which, and the
size thresholds of RULES.md 2.2. No database, no request."""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    ZONE = "zone", _("Responsibility zone")


LEVEL_ORDER = [level.value for level in Level]


class Kind(models.TextChoices):
    LOCAL_COMMITTEE = "local_committee", _("Local Party committee")
    WORKING_COMMITTEE = "working_committee", _("Party working committee")
    PRIMARY_COMMITTEE = "primary_committee", _("Primary Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")
    RESPONSIBILITY_ZONE = "responsibility_zone", _("Member responsibility zone")


K = Kind
# What each level may be built as: a street has a 党工委 (街道) or a 党委 (镇); a grid a branch or,
# when large, a general branch; a building a group or a branch.
LEVEL_KINDS: dict[str, frozenset[str]] = {
    Level.CITY: frozenset({K.LOCAL_COMMITTEE}),
    Level.DISTRICT: frozenset({K.LOCAL_COMMITTEE}),
    Level.STREET: frozenset({K.WORKING_COMMITTEE, K.PRIMARY_COMMITTEE}),
    Level.COMMUNITY: frozenset({K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH}),
    Level.GRID: frozenset({K.GENERAL_BRANCH, K.BRANCH}),
    Level.BUILDING: frozenset({K.BRANCH, K.GROUP}),
    Level.ZONE: frozenset({K.RESPONSIBILITY_ZONE}),
}

# The kinds the Party constitution lets an organisation lead: committees lead committees below
# them, general branches and branches; a general branch leads branches; a branch leads groups;
# members' responsibility zones hang under a branch or a group.
CHILD_KINDS: dict[str, frozenset[str]] = {
    K.LOCAL_COMMITTEE: frozenset({K.LOCAL_COMMITTEE, K.WORKING_COMMITTEE, K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH}),
    K.WORKING_COMMITTEE: frozenset({K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH}),
    K.PRIMARY_COMMITTEE: frozenset({K.GENERAL_BRANCH, K.BRANCH}),
    K.GENERAL_BRANCH: frozenset({K.BRANCH}),
    K.BRANCH: frozenset({K.GROUP, K.RESPONSIBILITY_ZONE}),
    K.GROUP: frozenset({K.RESPONSIBILITY_ZONE}),
    K.RESPONSIBILITY_ZONE: frozenset(),
}

# Kinds that hold members directly and are the subject of the branch size rules.
BRANCH_KINDS = frozenset({K.BRANCH})


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def placement_error(parent_level: str | None, parent_kind: str | None, level: str, kind: str) -> str | None:
    """Why an organisation of ``level``/``kind`` may not stand under the given parent, or None.

    A root (no parent) must be a city or district committee. Below a parent the level goes down
    the tree; a committee or general branch may also lead branches on its own level (a community
    committee's retirees' branch).
    """
    if kind not in LEVEL_KINDS.get(level, ()):
        return str(_("A %(level)s cannot be organised as a %(kind)s.") % {
            "level": Level(level).label, "kind": Kind(kind).label})
    if parent_level is None:
        if level not in (Level.CITY, Level.DISTRICT):
            return str(_("Only a city or district committee can stand at the top of the tree."))
        return None
    if kind not in CHILD_KINDS[parent_kind]:
        return str(_("A %(parent)s cannot lead a %(kind)s.") % {
            "parent": Kind(parent_kind).label, "kind": Kind(kind).label})
    rank, parent_rank = level_rank(level), level_rank(parent_level)
    same_level_allowed = parent_kind in (K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH) and kind == K.BRANCH
    if rank < parent_rank or (rank == parent_rank and not same_level_allowed):
        return str(_("A %(level)s cannot stand under a %(parent_level)s.") % {
            "level": Level(level).label, "parent_level": Level(parent_level).label})
    return None


@dataclass(frozen=True)
class SizeWarning:
    code: str
    message: str
    rule: str


BRANCH_MIN_FULL_MEMBERS = 3
BRANCH_MAX_MEMBERS = 50
COMMITTEE_FULL_MEMBERS = 7


def size_warnings(*, kind: str, members: int, full_members: int, has_committee: bool) -> list[SizeWarning]:
    """The branch size rules of the 支部工作条例 第四条 (RULES.md 2.2), as warnings."""
    if kind not in BRANCH_KINDS:
        return []
    warnings = []
    if full_members < BRANCH_MIN_FULL_MEMBERS:
        warnings.append(SizeWarning(
            "too_few_full_members",
            str(_("Fewer than 3 full members (%(count)s): a branch needs at least 3, or joins a joint branch.")
                % {"count": full_members}),
            "支部工作条例 第四条",
        ))
    if members > BRANCH_MAX_MEMBERS:
        warnings.append(SizeWarning(
            "too_many_members",
            str(_("More than 50 members (%(count)s): a branch generally has at most 50; consider a general branch.")
                % {"count": members}),
            "支部工作条例 第四条",
        ))
    if full_members >= COMMITTEE_FULL_MEMBERS and not has_committee:
        warnings.append(SizeWarning(
            "committee_required",
            str(_("%(count)s full members but no branch committee: 7 or more full members must elect one.")
                % {"count": full_members}),
            "支部工作条例 第四条",
        ))
    return warnings


CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,31}")


def code_error(code: str) -> str | None:
    if not CODE_PATTERN.fullmatch(code):
        return str(_("An organisation code is 2 to 32 letters, digits or hyphens, starting with a letter or digit."))
    return None


def child_code(parent_code: str, parent_level: str, sequence: int) -> str:
    """A stable code for a new child: the parent's code and a sequence number (2 digits under a
    city, district or street, 3 below). Codes never change when an organisation moves."""
    width = 2 if level_rank(parent_level) <= level_rank(Level.STREET) else 3
    return f"{parent_code}{sequence:0{width}d}"
