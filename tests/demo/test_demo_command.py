import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.demo.citygen import Plan
from dangjian.members.models import Member, MembershipPeriod, ResidenceRegistration
from dangjian.members.selectors import lifecycle as member_selectors
from dangjian.orgs import selectors
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.requests import rules, tally
from dangjian.requests.models import OPEN_STATES, Reception, Request, Visit

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo_accounts(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.OTP_REQUIRED_ROLES = []
    target = tmp_path / "accounts.json"
    call_command("demo", "--no-serve", "--accounts-json", str(target), stdout=open(tmp_path / "out.txt", "w"))
    return tmp_path, json.loads(target.read_text(encoding="utf-8"))


def test_demo_builds_the_small_city_with_consistent_counts(demo_accounts):
    assert Organization.objects.filter(level=Level.COMMUNITY).count() == 12
    assert Member.objects.count() == 3000
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    root = Organization.objects.get(depth=1)
    street = Organization.objects.filter(level=Level.STREET).first()
    grid = Organization.objects.filter(level=Level.GRID).first()
    for org in (root, street, grid):
        rolled = selectors.subtree_counts(Organization.objects.select_related("counts").get(pk=org.pk))
        live = selectors.live_member_counts(org)
        assert {key: rolled[key] for key in live} == live


def test_demo_members_live_in_grids_with_one_open_period_each(demo_accounts):
    members = Member.objects.count()
    assert MembershipPeriod.objects.filter(ended_on__isnull=True).count() == members
    registrations = ResidenceRegistration.objects
    confirmed = registrations.filter(status=ResidenceRegistration.Status.CONFIRMED)
    assert 0.80 * members < registrations.count() < 0.95 * members
    assert registrations.filter(status=ResidenceRegistration.Status.PENDING, employed=True).exists()
    assert not registrations.filter(status=ResidenceRegistration.Status.PENDING, employed=False).exists()
    assert registrations.filter(zone__isnull=False).exists()
    for registration in registrations.select_related("grid", "building", "zone", "community")[:200]:
        assert registration.grid.community_id == registration.community_id
        assert registration.building is None or registration.building.grid_id == registration.grid_id
        assert registration.zone is None or registration.zone.path.startswith(registration.building.organization.path)
        assert registration.org_path == registration.community.path
        assert registration.employed != registration.member.org_path.startswith(registration.community.path)
    root = Organization.objects.get(depth=1)
    coverage = member_selectors.coverage(root)
    assert coverage["registered_members"] == confirmed.count()
    warning, lost = member_selectors.lost_contact_due(today=dt.date.today(), root=root)
    assert warning.exists() and lost.exists()


def test_demo_prints_one_account_per_role_and_level(demo_accounts):
    data_dir, accounts = demo_accounts
    usernames = {account["username"] for account in accounts}
    for level in ("city", "district", "street", "community", "grid"):
        for role in ("org_admin", "secretary", "clerk", "viewer"):
            assert f"{level}_{role}" in usernames
    assert {"system_admin", "security_admin", "auditor", "member"} <= usernames
    assert all(set(account) == {"username", "password", "role", "org_code"} for account in accounts)
    printed = (data_dir / "out.txt").read_text(encoding="utf-8")
    assert "http://127.0.0.1:8000/" in printed and accounts[0]["password"] in printed
    assert Member.objects.filter(account__username="member").count() == 1


def test_rerun_reuses_the_data_and_the_passwords(demo_accounts, tmp_path):
    _data_dir, first = demo_accounts
    organizations, users = Organization.objects.count(), User.objects.count()
    again = tmp_path / "again.json"
    call_command("demo", "--no-serve", "--accounts-json", str(again), stdout=open(tmp_path / "out2.txt", "w"))
    assert json.loads(again.read_text(encoding="utf-8")) == first
    assert (Organization.objects.count(), User.objects.count()) == (organizations, users)


def test_every_printed_account_signs_in_and_a_street_sees_only_its_street(demo_accounts):
    _data_dir, accounts = demo_accounts
    for account in accounts:
        response = Client().post("/accounts/login/", {"username": account["username"], "password": account["password"]})
        assert response.status_code == 302, account["username"]
    street = next(a for a in accounts if a["username"] == "street_viewer")
    client = Client()
    client.post("/accounts/login/", {"username": street["username"], "password": street["password"]})
    own = Organization.objects.get(code=street["org_code"])
    other = Organization.objects.filter(level=Level.STREET).exclude(pk=own.pk).first()
    assert client.get(f"/orgs/{own.code}/").status_code == 200
    assert client.get(f"/orgs/{other.code}/").status_code == 404


def test_bad_port_is_refused(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="--port"):
        call_command("demo", "--no-serve", "--port", "0")


def test_generate_city_refuses_to_overwrite_without_replace(tmp_path, settings):
    out = open(tmp_path / "out.txt", "w")
    call_command("generate_city", "--members", "120", stdout=out)
    assert Member.objects.count() == 120
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_city", "--members", "60", stdout=out)
    call_command("generate_city", "--members", "60", "--replace", stdout=out)
    assert Member.objects.count() == 60
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_generate_city_writes_a_year_of_requests_with_its_roll_ups():
    call_command("generate_city", "--members", "3000", stdout=io.StringIO())
    planned = Plan.for_members(3000).requests
    assert planned * 0.95 <= Request.objects.count() <= planned * 1.05
    assert {rules.State.CONFIRMED, rules.State.CLOSED, rules.State.IN_PROGRESS, rules.State.RESOLVED} <= set(
        Request.objects.values_list("state", flat=True))
    assert Request.objects.filter(OPEN_STATES, due_on__lt=timezone.localdate(), escalation_level__gt=0).exists()
    assert Reception.objects.exists() and Visit.objects.exists()
    root = Organization.objects.get(depth=1)
    first = timezone.localtime(Request.objects.order_by("received_at").first().received_at).date()
    assert tally.figures(root, first, timezone.localdate())["received"] == Request.objects.count()
    call_command("generate_city", "--members", "600", "--replace", stdout=io.StringIO())
    assert Member.objects.count() == 600
    assert Request.objects.count() == pytest.approx(Plan.for_members(600).requests, rel=0.1)


def test_generate_city_needs_a_positive_number(tmp_path):
    with pytest.raises(CommandError, match="--members"):
        call_command("generate_city", "--members", "0", stdout=open(tmp_path / "out.txt", "w"))


def test_demo_recruitment_files_reach_every_stage_and_break_only_the_rules_meant(demo_accounts):
    from dangjian.core.selectors import working_days
    from dangjian.recruitment import selectors as recruitment_selectors
    from dangjian.recruitment import services as recruitment_services
    from dangjian.recruitment.models import RecruitmentFile, Stage

    files = list(recruitment_selectors.files_for_audit(Organization.objects.get(depth=1)))
    assert len(files) > 20
    assert {file.stage for file in files} >= {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY,
                                              Stage.FULL}
    assert RecruitmentFile.objects.filter(next_due_on__isnull=False).exists()
    rule_sets, calendar = recruitment_selectors.rule_sets(), working_days()
    broken = {finding.rule for file in files
              for finding in recruitment_services.file_check(file, rule_sets, calendar)[1].violations}
    assert broken <= {"talk_within_one_month", "admission_vote", "public_notice_five_working_days"}
    assert "talk_within_one_month" in broken
