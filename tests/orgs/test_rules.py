"""The pure tree rules, checked against a table written independently from RULES.md 2.2 and the
Party constitution's leadership structure (as summarised in orgs/rules.py's comments)."""

import itertools

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.orgs.rules import (
    Kind,
    Level,
    child_code,
    code_error,
    placement_error,
    size_warnings,
)

L, K = Level, Kind

# What each level may be built as.
BUILT_AS = {
    L.CITY: {K.LOCAL_COMMITTEE},
    L.DISTRICT: {K.LOCAL_COMMITTEE},
    L.STREET: {K.WORKING_COMMITTEE, K.PRIMARY_COMMITTEE},  # 街道党工委, or a town's 党委
    L.COMMUNITY: {K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH},
    L.GRID: {K.GENERAL_BRANCH, K.BRANCH},
    L.BUILDING: {K.BRANCH, K.GROUP},
    L.ZONE: {K.RESPONSIBILITY_ZONE},
}
# Who may lead whom.
LEADS = {
    K.LOCAL_COMMITTEE: {K.LOCAL_COMMITTEE, K.WORKING_COMMITTEE, K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH},
    K.WORKING_COMMITTEE: {K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH, K.BRANCH},
    K.PRIMARY_COMMITTEE: {K.GENERAL_BRANCH, K.BRANCH},
    K.GENERAL_BRANCH: {K.BRANCH},
    K.BRANCH: {K.GROUP, K.RESPONSIBILITY_ZONE},
    K.GROUP: {K.RESPONSIBILITY_ZONE},
    K.RESPONSIBILITY_ZONE: set(),
}
DEPTH = {level: rank for rank, level in enumerate(
    [L.CITY, L.DISTRICT, L.STREET, L.COMMUNITY, L.GRID, L.BUILDING, L.ZONE])}


def allowed(parent_level, parent_kind, level, kind) -> bool:
    if kind not in BUILT_AS[level]:
        return False
    if parent_level is None:
        return level in (L.CITY, L.DISTRICT)
    if kind not in LEADS[parent_kind]:
        return False
    if DEPTH[level] > DEPTH[parent_level]:
        return True
    # A community committee's (or general branch's) retirees' branch sits on its own level.
    return DEPTH[level] == DEPTH[parent_level] and parent_kind in (K.PRIMARY_COMMITTEE, K.GENERAL_BRANCH) \
        and kind == K.BRANCH


ALL = [(pl, pk, lv, kd) for pl, pk, lv, kd in itertools.product(Level, Kind, Level, Kind)]


@pytest.mark.django_db
def test_placement_over_every_combination(django_assert_num_queries):
    mismatches = []
    with django_assert_num_queries(0):
        for combination in ALL + [(None, None, lv, kd) for lv, kd in itertools.product(Level, Kind)]:
            error = placement_error(*combination)
            assert error is None or (isinstance(error, str) and error)
            if (error is None) != allowed(*combination):
                mismatches.append((combination, error))
    assert not mismatches, mismatches[:20]


@pytest.mark.parametrize("parent, child, ok", [
    ((L.STREET, K.WORKING_COMMITTEE), (L.COMMUNITY, K.PRIMARY_COMMITTEE), True),
    ((L.COMMUNITY, K.PRIMARY_COMMITTEE), (L.COMMUNITY, K.BRANCH), True),
    ((L.COMMUNITY, K.PRIMARY_COMMITTEE), (L.COMMUNITY, K.GENERAL_BRANCH), False),
    ((L.GRID, K.BRANCH), (L.GRID, K.BRANCH), False),
    ((L.GRID, K.BRANCH), (L.BUILDING, K.GROUP), True),
    ((L.GRID, K.GENERAL_BRANCH), (L.BUILDING, K.GROUP), False),
    ((L.GRID, K.GENERAL_BRANCH), (L.BUILDING, K.BRANCH), True),
    ((L.COMMUNITY, K.PRIMARY_COMMITTEE), (L.STREET, K.WORKING_COMMITTEE), False),
    ((L.BUILDING, K.GROUP), (L.ZONE, K.RESPONSIBILITY_ZONE), True),
    ((L.ZONE, K.RESPONSIBILITY_ZONE), (L.ZONE, K.RESPONSIBILITY_ZONE), False),
    ((L.CITY, K.LOCAL_COMMITTEE), (L.DISTRICT, K.LOCAL_COMMITTEE), True),
])
def test_placement_examples(parent, child, ok):
    assert (placement_error(*parent, *child) is None) is ok


@translation.override("en")
def test_placement_names_the_problem():
    assert "Grid" in placement_error(L.COMMUNITY, K.PRIMARY_COMMITTEE, L.GRID, K.LOCAL_COMMITTEE)
    assert "top" in placement_error(None, None, L.STREET, K.WORKING_COMMITTEE)
    assert "cannot lead" in placement_error(L.GRID, K.GENERAL_BRANCH, L.BUILDING, K.GROUP)


def _codes(**counts):
    return [w.code for w in size_warnings(kind=K.BRANCH, **counts)]


@pytest.mark.django_db
@pytest.mark.parametrize("members, full, committee, expected", [
    (2, 2, False, ["too_few_full_members"]),
    (3, 3, False, []),
    (50, 6, False, []),
    (51, 6, False, ["too_many_members"]),
    (10, 6, False, []),
    (10, 7, False, ["committee_required"]),
    (10, 7, True, []),
    (51, 7, True, ["too_many_members"]),
    (60, 2, False, ["too_few_full_members", "too_many_members"]),
    (0, 0, False, ["too_few_full_members"]),
])
def test_size_warnings_at_the_boundaries(members, full, committee, expected, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _codes(members=members, full_members=full, has_committee=committee) == expected


@translation.override("en")
def test_size_warnings_carry_the_count_and_the_rule():
    [warning] = size_warnings(kind=K.BRANCH, members=2, full_members=2, has_committee=False)
    assert "(2)" in warning.message
    assert warning.rule == "支部工作条例 第四条"


counts = st.integers(min_value=0, max_value=500)


@given(full=counts, probationary=counts, committee=st.booleans())
def test_size_warnings_properties(full, probationary, committee):
    members = full + probationary
    codes = _codes(members=members, full_members=full, has_committee=committee)
    assert ("too_few_full_members" in codes) == (full < 3)
    assert ("too_many_members" in codes) == (members > 50)
    assert ("committee_required" in codes) == (full >= 7 and not committee)
    assert len(codes) == len(set(codes))


@given(kind=st.sampled_from([k for k in Kind if k != K.BRANCH]), full=counts, committee=st.booleans())
def test_only_branches_get_size_warnings(kind, full, committee):
    assert size_warnings(kind=kind, members=full * 2, full_members=full, has_committee=committee) == []


@pytest.mark.django_db
@pytest.mark.parametrize("parent_code, level, sequence, expected", [
    ("C01", L.CITY, 1, "C0101"),
    ("C0101", L.DISTRICT, 12, "C010112"),
    ("C010101", L.STREET, 3, "C01010103"),
    ("C01010103", L.COMMUNITY, 1, "C01010103001"),
    ("C01010103001", L.GRID, 42, "C01010103001042"),
    ("C01", L.CITY, 100, "C01100"),
])
def test_child_code(parent_code, level, sequence, expected, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert child_code(parent_code, level, sequence) == expected


@pytest.mark.parametrize("code", ["C01", "ab", "RET-01", "9-", "A" * 32])
def test_good_codes(code):
    assert code_error(code) is None


@pytest.mark.parametrize("code", ["", "A", "-AB", "A B", "东风", "A_B", "A" * 33, "AB\n", "A.B"])
def test_bad_codes(code):
    assert code_error(code)
