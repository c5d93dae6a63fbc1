"""Finding members: each filter and search, key pagination, and the scope."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.accounts.roles import Role
from dangjian.core import crypto
from dangjian.members.models import (
    Member,
    MemberEvent,
    MembershipPeriod,
    ResidenceRegistration,
)
from dangjian.members.selectors import register as selectors
from dangjian.members.selectors.register import MemberFilters
from dangjian.orgs.models import Grid
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def viewer(tree, make_user):
    return make_user(Role.VIEWER, tree.street_a)


@pytest.fixture
def people(tree):
    """A few members of street A, one of street B."""
    make = factories.make_member
    return {
        "zhang": make(tree.grid_a, name="张三", birth=dt.date(1990, 1, 1), joined_on=dt.date(2012, 7, 1),
                      full_member_on=dt.date(2013, 7, 1), education="21"),
        "li": make(tree.grid_a, name="李四", birth=dt.date(1960, 6, 1), male=False, education="14",
                   mobile=True, phone_sealed=crypto.seal("13912345678"), phone_last4="5678"),
        "wang": make(tree.community_a, name="王五", birth=dt.date(1975, 3, 3), category="probationary",
                     joined_on=dt.date(2026, 1, 5), retired=True, standing="suspended"),
        "left": make(tree.grid_a, name="赵六", left_on=dt.date(2020, 1, 1), left_reason="death"),
        "outside": make(tree.grid_b, name="张三"),
    }


def names(user, today=TODAY, **filters) -> list[str]:
    return [m.name for m in selectors.filtered_members(user, MemberFilters(**filters), today=today)]


def test_the_list_is_the_scope_of_current_members_by_pinyin(viewer, people):
    assert names(viewer) == ["李四", "王五", "张三"]


def test_nothing_outside_the_scope(viewer, people, tree):
    assert people["outside"].pk not in selectors.visible_members(viewer).values_list("pk", flat=True)
    assert names(viewer, q="张三") == ["张三"]


def test_a_user_without_the_permission_sees_nobody(tree, make_user, people):
    assert names(make_user(Role.SYSTEM_ADMIN, tree.street_a)) == []


@pytest.mark.parametrize("q, expected", [
    ("张", ["张三"]), ("三", ["张三"]), ("李四", ["李四"]), ("zs", ["张三"]), ("zhang", ["张三"]), ("ZHA", ["张三"]),
    ("wang", ["王五"]), ("5678", ["李四"]), ("张七", []),
])
def test_search(viewer, people, q, expected):
    assert names(viewer, q=q) == expected


def test_search_by_last_four_of_the_id_number(viewer, people):
    assert names(viewer, q=people["zhang"].id_number[-4:].lower()) == ["张三"]


@pytest.mark.parametrize("filters, expected", [
    ({"category": "probationary"}, ["王五"]),
    ({"standing": "suspended"}, ["王五"]),
    ({"sex": "F"}, ["李四"]),
    ({"age_band": "36-40"}, ["张三"]),
    ({"age_band": "51-55"}, ["王五"]),
    ({"age_band": "61-70"}, ["李四"]),
    ({"age_band": "to30"}, []),
    ({"education": "大学"}, ["张三"]),
    ({"education": "硕士研究生"}, ["李四"]),
    ({"join_year": 2012}, ["张三"]),
    ({"flags": {"mobile": True}}, ["李四"]),
    ({"flags": {"mobile": False}}, ["王五", "张三"]),
    ({"flags": {"retired": True}}, ["王五"]),
    ({"flags": {"abroad": True}}, []),
    ({"flags": {"lost_contact": False}}, ["李四", "王五", "张三"]),
    ({"status": "left"}, ["赵六"]),
    ({"status": "all"}, ["李四", "王五", "张三", "赵六"]),
    ({"sort": "birth_date"}, ["李四", "王五", "张三"]),
    ({"sort": "-birth_date"}, ["张三", "王五", "李四"]),
    ({"sort": "-joined_on"}, ["王五", "张三", "李四"]),
])
def test_filters_and_sorting(viewer, people, filters, expected):
    assert names(viewer, **filters) == expected


def test_age_band_boundaries(viewer, tree):
    factories.make_member(tree.grid_a, name="甲", birth=dt.date(1996, 11, 23))  # 30 today
    factories.make_member(tree.grid_a, name="乙", birth=dt.date(1995, 11, 23))  # 31 today
    factories.make_member(tree.grid_a, name="丙", birth=dt.date(1995, 11, 24))  # 30 until tomorrow
    assert sorted(names(viewer, age_band="to30")) == sorted(["甲", "丙"])
    assert names(viewer, age_band="31-35") == ["乙"]


def test_subtree_filter(viewer, people, tree):
    assert names(viewer, organization=tree.grid_a) == ["李四", "张三"]
    assert names(viewer, organization=tree.community_a) == ["李四", "王五", "张三"]


def test_registered_means_a_confirmed_registration(viewer, people, tree):
    grid = Grid.objects.get(code="G-A1")
    for key, status in (("zhang", "confirmed"), ("li", "pending")):
        ResidenceRegistration.objects.create(member=people[key], community=tree.community_a, grid=grid,
                                             org_path=tree.community_a.path, status=status, registered_on=TODAY)
    assert names(viewer, registered=True) == ["张三"]
    assert names(viewer, registered=False) == ["李四", "王五"]


def test_key_pagination_is_stable_and_complete(viewer, tree):
    # Same names on purpose: the key falls back to the primary key inside a name.
    made = [factories.make_member(tree.grid_a, name=name) for name in ["张三", "李四", "王五"] * 5]
    for sort in ("name", "-name", "birth_date", "-joined_on"):
        seen, after = [], None
        while True:
            page = selectors.member_page(viewer, MemberFilters(sort=sort), after=after, limit=4)
            seen += [m.pk for m in page.items]
            if page.next_after is None:
                break
            # A member entered meanwhile before the cursor neither repeats nor shifts a row.
            factories.make_member(tree.grid_b, name="阿")
            after = page.next_after
        expected = [m.pk for m in selectors.filtered_members(viewer, MemberFilters(sort=sort))]
        assert seen == expected and sorted(seen) == sorted(m.pk for m in made)


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_a_pinyin_search_pages_through_full_pinyin_and_initials_in_one_order(viewer, tree, sort):
    # 吴安 matches wa by its initials only, 王安 by both; 万二, 汪三 and 王一 by full pinyin; the
    # pages merge the two kinds of match, twice over for the same name, without a gap or repeat.
    for name in ["王一", "万二", "吴安", "汪三", "王安", "李四", "吴安", "王一"]:
        factories.make_member(tree.grid_a, name=name)
    seen, after = [], None
    while True:
        page = selectors.member_page(viewer, MemberFilters(q="Wa", sort=sort), after=after, limit=2)
        assert len(page.items) <= 2
        seen += page.items
        if page.next_after is None:
            break
        after = page.next_after
    expected = sorted((m for m in Member.objects.exclude(name="李四")), key=lambda m: (m.name_pinyin, m.pk),
                      reverse=sort == "-name")
    assert [m.pk for m in seen] == [m.pk for m in expected]
    assert [m.name for m in seen][:3] == (["万二", "王安", "汪三"] if sort == "name" else ["吴安", "吴安", "王一"])


def test_page_size_and_next_key(viewer, tree):
    for _ in range(3):
        factories.make_member(tree.grid_a)
    page = selectors.member_page(viewer, MemberFilters(), limit=2)
    assert len(page.items) == 2 and page.next_after == page.items[-1].pk
    last = selectors.member_page(viewer, MemberFilters(), after=page.next_after, limit=2)
    assert len(last.items) == 1 and last.next_after is None


def test_a_key_outside_the_scope_starts_from_the_top(viewer, people):
    page = selectors.member_page(viewer, MemberFilters(), after=people["outside"].pk)
    assert [m.name for m in page.items] == ["李四", "王五", "张三"]


def test_member_for_is_scoped(viewer, people):
    from django.http import Http404

    assert selectors.member_for(viewer, people["zhang"].pk) == people["zhang"]
    with pytest.raises(Http404):
        selectors.member_for(viewer, people["outside"].pk)


def test_history_and_party_age(tree, people):
    member = people["zhang"]
    MembershipPeriod.objects.create(member=member, organization=tree.grid_a, org_path=tree.grid_a.path,
                                    started_on=dt.date(2012, 7, 1), entry="joined")
    MemberEvent.objects.create(member=member, kind="created", on=TODAY, org_path=member.org_path)
    history = selectors.member_history(member)
    assert [p.organization for p in history.periods] == [tree.grid_a]
    assert [e.kind for e in history.events] == ["created"] and history.residence is None
    assert selectors.party_age_months(member, TODAY) == 160
    assert selectors.party_age_months(people["wang"], timezone.localdate()) is None
    Member.objects.filter(pk=member.pk).update(party_age_correction_months=-10)
    member.refresh_from_db()
    assert selectors.party_age_months(member, TODAY) == 150


SEARCHED_NAMES = ["王一", "李王", "王王", "汪三", "单王明", "明王华", "王明", "李王明", "单明", "曾国藩", "张曾", "赵六"]


@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("term", ["王", "王明", "单", "曾", "明", "国藩", "曾国藩", "zeng", "shan", "六", "李王明", "无"])
def test_a_name_search_pages_through_every_match_in_pinyin_order(viewer, tree, sort, term):
    # Matches at the start of the name and further on come from different streams on PostgreSQL
    # (a surname's are read in the pinyin range of its reading): the pages must still hold every
    # match once, in one order, exactly as a plain scan of the names would.
    for name in SEARCHED_NAMES:
        factories.make_member(tree.grid_a, name=name)
    factories.make_member(tree.grid_a, name="王二", left_on=dt.date(2020, 1, 1), left_reason="death")
    seen, after = [], None
    while True:
        page = selectors.member_page(viewer, MemberFilters(q=term, sort=sort), after=after, limit=2)
        seen += page.items
        if page.next_after is None:
            break
        after = page.next_after
    current = Member.objects.filter(left_on__isnull=True)
    matching = [m for m in current if term in m.name or m.name_pinyin.startswith(term)
                or m.name_initials.startswith(term)]
    expected = sorted(matching, key=lambda m: (m.name_pinyin, m.pk), reverse=sort == "-name")
    assert [m.name for m in seen] == [m.name for m in expected]
    assert len({m.pk for m in seen}) == len(seen)


def test_a_heteronym_surname_is_found_by_its_surname_reading(viewer, tree):
    factories.make_member(tree.grid_a, name="曾国藩")
    factories.make_member(tree.grid_a, name="单明")
    assert names(viewer, q="zeng") == ["曾国藩"] and names(viewer, q="zgf") == ["曾国藩"]
    assert names(viewer, q="shanming") == ["单明"] and names(viewer, q="dan") == []


@pytest.mark.parametrize("sort", ["joined_on", "-birth_date"])
def test_a_name_search_in_another_order_finds_the_same_members(viewer, tree, sort):
    for name in SEARCHED_NAMES:
        factories.make_member(tree.grid_a, name=name)
    for term in ("王", "王明", "曾国藩", "藩"):
        assert sorted(names(viewer, q=term, sort=sort)) == sorted(n for n in SEARCHED_NAMES if term in n)


def test_a_name_search_finds_members_who_left(viewer, tree):
    factories.make_member(tree.grid_a, name="王二", left_on=dt.date(2020, 1, 1), left_reason="death")
    factories.make_member(tree.grid_a, name="王三")
    assert names(viewer, q="王", status="left") == ["王二"]
    assert names(viewer, q="wang", status="all") == ["王二", "王三"]
