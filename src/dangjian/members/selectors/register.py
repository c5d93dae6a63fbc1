"""Finding members: the scoped list with search, filters, sorting and key pagination, and the
member page with its whole history.

Pages are read by key, never by OFFSET: the next page starts after the last member shown, on
``(sort key, pk)``, so reading page 1,000 costs what reading page 1 does, and a member entered
meanwhile neither repeats nor skips a row.
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import Permission
from dangjian.core import calendar, pinyin
from dangjian.core.scope import Scope, scope_for
from dangjian.members import codes, rules
from dangjian.members.models import Member, NameCharacters, ResidenceRegistration, Transfer
from dangjian.members.selectors import lifecycle, own
from dangjian.orgs.models import Organization

PAGE_SIZE = 50

# The age bands of the Party's statistical communiqués (党内统计公报): (label, youngest, oldest).
AGE_BANDS = {
    "to30": (_("30 and under"), None, 30),
    "31-35": (_("31 to 35"), 31, 35),
    "36-40": (_("36 to 40"), 36, 40),
    "41-45": (_("41 to 45"), 41, 45),
    "46-50": (_("46 to 50"), 46, 50),
    "51-55": (_("51 to 55"), 51, 55),
    "56-60": (_("56 to 60"), 56, 60),
    "61-70": (_("61 to 70"), 61, 70),
    "71-80": (_("71 to 80"), 71, 80),
    "81up": (_("81 and over"), 81, None),
}
# Sort choices → the column ordered by (then the primary key). Names sort by their pinyin, the
# order Chinese rosters use.
SORTS = {
    "name": "name_pinyin", "-name": "name_pinyin",
    "joined_on": "joined_on", "-joined_on": "joined_on",
    "birth_date": "birth_date", "-birth_date": "birth_date",
}
STATUSES = ("current", "left", "all")
FLAGS = ("mobile", "abroad", "retired", "lost_contact")
EDUCATION_LABELS = list(dict.fromkeys(statistics for _label, statistics in codes.EDUCATIONS.values()))


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    organization: Organization | None = None
    category: str = ""
    standing: str = ""
    sex: str = ""
    age_band: str = ""
    education: str = ""  # a statistics label: 大学 covers 本科毕业, 结业 and 肄业
    join_year: int | None = None
    flags: dict[str, bool] = field(default_factory=dict)  # mobile/abroad/retired/lost_contact → yes or no
    registered: bool | None = None
    status: str = "current"
    sort: str = "name"


@dataclass(frozen=True)
class MemberPage:
    items: list[Member]
    next_after: int | None


def member_scope(user) -> Scope:
    return scope_for(user, Permission.VIEW_MEMBERS)


def visible_members(user) -> QuerySet:
    return member_scope(user).filter(Member.objects.all(), "org_path")


def member_for(user, pk: int) -> Member:
    """The member with ``pk`` if the user may see members of their organisation; 404 otherwise."""
    return member_scope(user).get_or_404(Member.objects.select_related("home_org", "account"), "org_path", pk=pk)


def birth_range(band: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(born after, born on or before) for the members whose age today is in ``band``."""
    _label, youngest, oldest = AGE_BANDS[band]
    born_after = calendar.add_years(today, -(oldest + 1)) if oldest is not None else None
    born_by = calendar.add_years(today, -youngest) if youngest is not None else None
    return born_after, born_by


def _search_text(q: str) -> str:
    return "".join(q.split())


def _is_pinyin(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _is_number_end(text: str) -> bool:
    return len(text) == 4 and text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX")


def _search(q: str) -> Q:
    """Four digits (or three and X) are the end of an ID or phone number; Latin letters are
    pinyin or its initials; anything else is part of the name."""
    text = _search_text(q)
    if _is_number_end(text):
        return Q(id_last4=text.upper()) | Q(phone_last4=text)
    if _is_pinyin(text):
        lowered = text.lower()
        return Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    if connection.vendor != "postgresql":
        return Q(name__contains=text)
    return _name_starts_with(text) | _name_holds_further_on(text)


# On PostgreSQL, ``name_characters`` is the NameCharacters alias that filtered_members adds.
def _name_starts_with(text: str) -> Q:
    found = Q(name_characters__contains=["^" + text[0], *text[1:]])
    return found & Q(name__startswith=text) if len(text) > 1 else found


def _name_holds_further_on(text: str) -> Q:
    found = Q(name_characters__contains=list(text))
    return found & Q(name__contains=text) if len(text) > 1 else found


def filtered_members(user, filters: MemberFilters, *, today: dt.date | None = None) -> QuerySet:
    """The members in the user's scope matching ``filters``, in the order chosen."""
    today = today or timezone.localdate()
    queryset = visible_members(user)
    if connection.vendor == "postgresql":
        queryset = queryset.alias(name_characters=NameCharacters("name"))
    if filters.organization is not None:
        queryset = Scope((filters.organization.path,)).filter(queryset, "org_path")
    if filters.status == "current":
        queryset = queryset.filter(left_on__isnull=True)
    elif filters.status == "left":
        queryset = queryset.filter(left_on__isnull=False)
    if filters.q.strip():
        queryset = queryset.filter(_search(filters.q))
    for name in ("category", "standing", "sex"):
        if getattr(filters, name):
            queryset = queryset.filter(**{name: getattr(filters, name)})
    if filters.age_band:
        born_after, born_by = birth_range(filters.age_band, today)
        if born_after is not None:
            queryset = queryset.filter(birth_date__gt=born_after)
        if born_by is not None:
            queryset = queryset.filter(birth_date__lte=born_by)
    if filters.education:
        queryset = queryset.filter(education__in=[code for code, (_label, statistics) in codes.EDUCATIONS.items()
                                                  if statistics == filters.education])
    if filters.join_year:
        queryset = queryset.filter(joined_on__gte=dt.date(filters.join_year, 1, 1),
                                   joined_on__lt=dt.date(filters.join_year + 1, 1, 1))
    for flag, value in filters.flags.items():
        queryset = queryset.filter(**{flag: value})
    if filters.registered is not None:
        confirmed = ResidenceRegistration.objects.filter(member=OuterRef("pk"),
                                                         status=ResidenceRegistration.Status.CONFIRMED)
        queryset = queryset.filter(Exists(confirmed) if filters.registered else ~Exists(confirmed))
    column = SORTS[filters.sort]
    direction = "-" if filters.sort.startswith("-") else ""
    return queryset.order_by(direction + column, direction + "pk")


def member_page(user, filters: MemberFilters, *, after: int | None = None, limit: int = PAGE_SIZE,
                today: dt.date | None = None) -> MemberPage:
    """One page of ``filtered_members``, starting after the member ``after`` (a pk the user
    sees; an unknown one starts from the top)."""
    text = _search_text(filters.q)
    in_streams = bool(text) and filters.sort in ("name", "-name") and not _is_number_end(text)
    queryset = filtered_members(user, replace(filters, q="") if in_streams else filters, today=today)
    if after is not None:
        column = SORTS[filters.sort]
        anchor = visible_members(user).filter(pk=after).values_list(column, flat=True).first()
        if anchor is not None:
            # ``column >= anchor`` is what lets the database start inside its index; the OR
            # then drops the rows of the same key up to and including the anchor.
            if filters.sort.startswith("-"):
                queryset = queryset.filter(Q(**{f"{column}__lte": anchor}),
                                           Q(**{f"{column}__lt": anchor}) | Q(pk__lt=after))
            else:
                queryset = queryset.filter(Q(**{f"{column}__gte": anchor}),
                                           Q(**{f"{column}__gt": anchor}) | Q(pk__gt=after))
    queryset = queryset.select_related("home_org")
    size = limit + 1
    if in_streams:
        descending = filters.sort.startswith("-")
        order = ("-name_pinyin", "-pk") if descending else ("name_pinyin", "pk")
        streams = _pinyin_streams(queryset, text.lower()) if _is_pinyin(text) else _name_streams(queryset, text)
        found = {member.pk: member for stream in streams for member in stream.order_by(*order)[:size]}
        items = sorted(found.values(), key=lambda member: (member.name_pinyin, member.pk), reverse=descending)[:size]
    else:
        items = list(queryset[:size])
    more = len(items) > limit
    items = items[:limit]
    return MemberPage(items=items, next_after=items[-1].pk if more and items else None)


# A search's matches, read in pinyin order by one query, would be fetched and sorted whole when
# they lie together in that order (some 50,000 for "wang" or 王 at 1,000,000 members): the
# database cannot stop early on a walk of the pinyin index either, which reaches them only after
# most of the table. So a page in pinyin order is read as a few streams, each a query the database
# answers with one page, and the pages merge: a stream that lies together is read as a range of
# the pinyin index; one spread over the order, by walking that index (when its matches are many)
# or through the search indexes (when they are few), which the planner chooses by their counts.

def _prefix_range(prefix: str) -> Q:
    return Q(name_pinyin__gte=prefix, name_pinyin__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _pinyin_streams(queryset: QuerySet, text: str) -> list[QuerySet]:
    """Full pinyin starting with ``text`` (one range), and pinyin initials starting with it."""
    return [queryset.filter(_prefix_range(text)), queryset.filter(name_initials__startswith=text)]


def _name_streams(queryset: QuerySet, text: str) -> list[QuerySet]:
    """Names starting with ``text``, read in the range of each reading of its first character,
    and names holding it further on."""
    if connection.vendor != "postgresql":
        return [queryset.filter(_search(text))]
    starting = queryset.filter(_name_starts_with(text))
    readings = pinyin.first_character_readings(text[0])
    return [
        *([starting.filter(_prefix_range(reading)) for reading in readings] or [starting]),
        queryset.filter(_name_holds_further_on(text)),
    ]


def party_age_months(member: Member, today: dt.date | None = None) -> int | None:
    return rules.party_age_months(full_member_on=member.full_member_on,
                                  correction_months=member.party_age_correction_months,
                                  today=today or timezone.localdate())


@dataclass(frozen=True)
class MemberHistory:
    periods: list
    events: list
    transfers: list
    residence: ResidenceRegistration | None


def member_history(member: Member) -> MemberHistory:
    """Everything that happened to the member, for their page."""
    residence = (ResidenceRegistration.objects.select_related("community", "grid", "building", "zone")
                 .filter(member=member).first())
    return MemberHistory(
        periods=list(member.periods.select_related("organization").order_by("-started_on", "-pk")),
        events=list(member.events.select_related("actor").order_by("-on", "-pk")),
        transfers=list(Transfer.objects.filter(member=member).select_related("from_org", "to_org")
                       .order_by("-sent_on", "-pk")),
        residence=residence,
    )


def waiting_for(user) -> dict[str, int] | None:
    """How many transfers, residence registrations and correction requests wait for the user's
    decision; None for a user who manages no members."""
    if not lifecycle.may_manage_anywhere(user):
        return None
    return {
        "transfers": lifecycle.incoming_transfers(user)[1],
        "registrations": lifecycle.pending_registrations(user)[1],
        "corrections": own.correction_inbox(user).count(),
    }
