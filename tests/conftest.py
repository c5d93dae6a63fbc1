"""Shared fixtures: one small city and the personas of the permission tests.

The tree: city C01 → district → streets A and B → one community each → one grid branch each →
a building group under grid A. Personas hold one role on one node; ``outside`` objects sit in
street B, beyond the street-A personas.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone, translation

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.core import services as core_services
from dangjian.orgs.rules import Kind, Level
from tests import factories


@dataclass
class Tree:
    city: object
    district: object
    street_a: object
    street_b: object
    community_a: object
    community_b: object
    grid_a: object
    grid_b: object
    building_a: object


@pytest.fixture
def tree(db) -> Tree:
    make = factories.make_org
    city = factories.make_root()
    district = make(city, "东湖区委", Level.DISTRICT, Kind.LOCAL_COMMITTEE)
    street_a = make(district, "东风街道党工委", Level.STREET, Kind.WORKING_COMMITTEE)
    street_b = make(district, "西山街道党工委", Level.STREET, Kind.WORKING_COMMITTEE)
    community_a = make(street_a, "东风社区党委", Level.COMMUNITY, Kind.PRIMARY_COMMITTEE)
    community_b = make(street_b, "西山社区党委", Level.COMMUNITY, Kind.PRIMARY_COMMITTEE)
    grid_a = make(community_a, "东风社区第一网格党支部", Level.GRID, Kind.BRANCH)
    grid_b = make(community_b, "西山社区第一网格党支部", Level.GRID, Kind.BRANCH)
    building_a = make(grid_a, "1栋党小组", Level.BUILDING, Kind.GROUP)
    factories.make_grid(community_a, "东风社区第一网格", "G-A1", organization=grid_a)
    factories.make_grid(community_b, "西山社区第一网格", "G-B1", organization=grid_b)
    return Tree(city, district, street_a, street_b, community_a, community_b, grid_a, grid_b, building_a)


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, organization=None, **fields):
        user = factories.UserFactory(organization=organization, org_path=organization.path if organization else "", **fields)
        if role:
            account_services.role_grant(actor=None, user=user, role=role, organization=organization)
        return user

    return make


@pytest.fixture
def street_admin(tree, make_user):
    return make_user(Role.ORG_ADMIN, tree.street_a)


@pytest.fixture
def settings_no_otp(settings):
    settings.OTP_REQUIRED_ROLES = []
    return settings


@pytest.fixture
def next_year_entered(db):
    """The next year's working days as the demo enters them when the calendar package does not
    carry them yet (core.services.calendar_next_year_by_the_week). Tests whose deadlines start
    today need it from December on, so that they do not depend on the day they run."""
    core_services.calendar_next_year_by_the_week(actor=None, today=dt.date.today())


@pytest.fixture
def local_daytime():
    """Today at 10:00 local time, the clock running on from there. An activity "happening now"
    in a test lasts a few hours, and after 21:00 it would run past midnight, where volunteer and
    study hours are split (study.rules.day_parts): its figures would depend on when the suite runs."""
    today = timezone.localdate()
    with time_machine.travel(dt.datetime.combine(today, dt.time(10), tzinfo=timezone.get_current_timezone()),
                             tick=True):
        yield


@pytest.fixture
def english(settings):
    """Messages read in English, in threads too (the default language, not only this thread's),
    for tests that assert them; tests/test_translations.py checks the Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
