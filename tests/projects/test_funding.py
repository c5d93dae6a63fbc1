"""Funding sources: whose budget they are (the project's community or above it, for the year of
the approval), what their projects hold (a cancelled project what it had spent), the report of a
subtree agreeing with its statistics, the source's row locked against two approvals or a lowering
at once (PostgreSQL), and the migration that gave the sources kept before an organisation."""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation

from dangjian.accounts.roles import Role
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level
from dangjian.projects import selectors, services, tally
from dangjian.projects.models import FundingSource, MicroProject
from dangjian.projects.rules import Action, State
from tests import factories as shared
from tests.concurrency import at_once, postgresql_only
from tests.projects import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def on_notice(community) -> MicroProject:
    """A project of ``community`` whose notice has ended: ready for approval."""
    return factories.end_notice(factories.advance(factories.propose(community), State.NOTICE))


def approve(actor, project, source, budget="100000"):
    return services.project_act(actor=actor, project=project, action=Action.APPROVE, budget=Decimal(budget),
                                funding_source=source)


# --- a cancelled project keeps what it spent ------------------------------------------------------------

def spent_then_cancelled(community, source, amount="50000.00") -> MicroProject:
    project = factories.propose(community)
    project = factories.advance(project, State.NOTICE)
    project = approve(None, factories.end_notice(project), source, "180000")
    project = services.project_act(actor=None, project=project, action=Action.START, contractor="某工程公司")
    project = services.project_act(actor=None, project=project, action=Action.SPEND, amount=Decimal(amount),
                                   spent_on=timezone.localdate(), payee="某工程公司")
    return services.project_act(actor=None, project=project, action=Action.CANCEL, reason="居民意见变化")


def test_a_cancelled_project_keeps_holding_what_it_spent(tree, people):
    source = factories.make_source(name="街道自筹资金", budget="300000.00", kind="street", organization=tree.street_a)
    spent_then_cancelled(tree.community_a, source)
    assert selectors.source_commitments(source) == Decimal("50000.00")
    project = on_notice(tree.community_a)
    with pytest.raises(ValidationError) as refused:
        approve(people.street, project, source, "250000.01")
    assert "250000.00" in refused.value.message_dict["budget"][0]
    assert approve(people.street, project, source, "250000.00").state == State.APPROVED
    with pytest.raises(ValidationError) as refused:
        services.funding_source_save(actor=None, source=source, organization=source.organization, name=source.name,
                                     kind=source.kind, year=source.year, budget=Decimal("299999.99"))
    assert "300000.00" in refused.value.message_dict["budget"][0]


def test_the_funding_report_and_the_statistics_agree(tree):
    source = factories.make_source()
    cancelled = spent_then_cancelled(tree.community_a, source)
    going = factories.advance(factories.propose(tree.community_a, estimate="100000.00"), State.IN_PROGRESS)
    services.project_act(actor=None, project=going, action=Action.SPEND, amount=Decimal("30000.00"),
                         spent_on=timezone.localdate(), payee="某公司")
    never_spent = factories.propose(tree.community_a, estimate="20000.00")
    services.project_act(actor=None, project=factories.advance(never_spent, State.APPROVED), action=Action.CANCEL,
                         reason="重复")
    today = timezone.localdate()
    figures = tally.figures(tree.street_a, today.replace(month=1, day=1), today)
    [entry] = selectors.funding_report(tree.street_a, today.year)
    assert entry["spent"] == figures["amount_spent"] == Decimal("80000.00")
    assert entry["committed"] == Decimal("150000.00") == selectors.source_commitments(source)
    assert entry["count"] == 2 and [project.pk for project in entry["projects"]] == [cancelled.pk, going.pk]
    listed = entry["projects"][0]
    assert (listed.state, listed.spent) == (State.CANCELLED, Decimal("50000.00"))


def test_the_funding_page_lists_a_cancelled_project_with_its_spending(client, tree):
    cancelled = spent_then_cancelled(tree.community_a, factories.make_source())
    page = client.get(reverse("public_projects:funding", args=[tree.street_a.code])).content.decode()
    row = page.split(f'data-project="{cancelled.pk}"')[1].split("</tr>")[0]
    assert 'data-state="cancelled"' in row and row.split("data-spent>")[1].startswith("50000.00")


# --- whose budget, and which year --------------------------------------------------------------------

def test_only_a_source_of_the_community_or_above_it_funds_it(tree, people):
    other_street = factories.make_source(name="西山街道资金", kind="street", organization=tree.street_b)
    other_community = factories.make_source(name="西山社区资金", kind="community", organization=tree.community_b)
    project = on_notice(tree.community_a)
    for source in (other_street, other_community):
        with pytest.raises(ValidationError) as refused:
            approve(people.street, project, source)
        assert tree.community_a.name in refused.value.message_dict["funding_source"][0]
    assert MicroProject.objects.get(pk=project.pk).state == State.NOTICE
    assert set(selectors.sources_for(project, timezone.localdate().year)) == {factories.make_source()}
    own = factories.make_source(name="东风社区资金", kind="community", organization=tree.community_a)
    assert approve(people.street, project, own).funding_source == own


def test_a_source_of_another_year_is_refused(tree, people):
    year = timezone.localdate().year
    project = on_notice(tree.community_a)
    for other in (year - 1, year + 1):
        with pytest.raises(ValidationError) as refused:
            approve(people.street, project, factories.make_source(year=other))
        assert str(other) in refused.value.message_dict["funding_source"][0]
    assert approve(people.street, project, factories.make_source(year=year)).state == State.APPROVED


def test_the_approval_form_offers_only_usable_sources_and_names_another(client, tree, people, settings_no_otp):
    street_b = factories.make_source(name="西山街道资金", kind="street", organization=tree.street_b)
    last_year = factories.make_source(year=timezone.localdate().year - 1)
    project = on_notice(tree.community_a)
    client.force_login(people.street)
    url = reverse("projects:step", args=[project.pk, Action.APPROVE])
    offered = client.get(url).context["form"].fields["funding_source"].queryset
    assert list(offered) == [factories.make_source()]
    for source in (street_b, last_year):
        answer = client.post(url, {"version": project.version, "budget": "1000", "funding_source": source.pk})
        assert answer.status_code == 422 and answer.context["form"].errors["funding_source"]
    assert MicroProject.objects.get(pk=project.pk).state == State.NOTICE


def test_the_api_names_a_source_of_another_street(client, tree, people):
    from dangjian.accounts import services as account_services

    project = on_notice(tree.community_a)
    source = factories.make_source(name="西山街道资金", kind="street", organization=tree.street_b)
    token = account_services.token_issue(user=people.street)[1]
    answer = client.post(f"/api/projects/{project.pk}/actions", {
        "action": "approve", "version": project.version, "budget": "1000", "funding_source": source.pk},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "funding_source"
    assert MicroProject.objects.get(pk=project.pk).state == State.NOTICE


def test_a_subtrees_report_lists_the_sources_that_funded_it_and_its_own(tree):
    city = factories.make_source()
    own = factories.make_source(name="东风街道资金", kind="street", organization=tree.street_a)
    factories.make_source(name="西山街道资金", kind="street", organization=tree.street_b)
    factories.advance(factories.propose(tree.community_a), State.APPROVED)
    report = selectors.funding_report(tree.street_a, timezone.localdate().year)
    assert [(entry["source"], entry["count"]) for entry in report] == [(city, 1), (own, 0)]
    assert [entry["source"] for entry in selectors.funding_report(tree.street_b, timezone.localdate().year)] == [
        FundingSource.objects.get(name="西山街道资金")]


def test_a_source_belongs_to_an_organisation_the_configurer_reaches(tree, people):
    other_city = shared.make_root(name="邻市市委", code="C02")
    year = timezone.localdate().year
    arguments = {"name": "市级补助资金", "kind": "city", "year": year, "budget": Decimal("1000000")}
    for organization in (other_city, tree.grid_a, None):
        with pytest.raises(ValidationError) as refused:
            services.funding_source_save(actor=people.city_admin, organization=organization, **arguments)
        assert "organization" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        selectors.source_organization(people.city_admin, other_city.code)
    assert "C02" in refused.value.message_dict["organization"][0]
    source = services.funding_source_save(actor=people.city_admin, organization=tree.district, **arguments)
    assert source.organization == tree.district
    assert list(selectors.configurable_sources(people.city_admin).filter(pk=source.pk)) == [source]
    with pytest.raises(PermissionDenied):
        services.funding_source_save(actor=people.street_admin, organization=tree.street_a, **arguments)


def test_a_source_that_holds_money_keeps_its_owner_and_year(tree):
    source = factories.make_source()
    factories.advance(factories.propose(tree.community_a), State.APPROVED)
    values = {"source": source, "organization": source.organization, "name": source.name, "kind": source.kind,
              "year": source.year, "budget": source.budget}
    for changes, field in (({"organization": tree.street_a}, "organization"), ({"year": source.year - 1}, "year")):
        with pytest.raises(ValidationError) as refused:
            services.funding_source_save(actor=None, **(values | changes))
        assert field in refused.value.message_dict
    assert FundingSource.objects.get(pk=source.pk).organization == tree.city


def test_the_configuration_page_and_api_take_the_organisation(client, tree, people, settings_no_otp):
    from dangjian.accounts import services as account_services

    client.force_login(people.city_admin)
    form = {"name": "东风街道资金", "kind": "street", "year": timezone.localdate().year, "budget": "500000",
            "active": "on"}
    bad = client.post(reverse("projects:config_source_new"), {**form, "organization": "NOPE"})
    assert bad.context["form"].errors["organization"] and not FundingSource.objects.filter(name="东风街道资金")
    assert client.post(reverse("projects:config_source_new"), {**form, "organization": tree.street_a.code}
                       ).status_code == 302
    source = FundingSource.objects.get(name="东风街道资金")
    assert source.organization == tree.street_a
    page = client.get(reverse("projects:config_source", args=[source.pk]))
    assert page.context["form"].initial["organization"] == tree.street_a.code
    token = account_services.token_issue(user=people.city_admin)[1]
    answer = client.post(f"/api/projects/config/sources/{source.pk}", {
        "organization": tree.grid_a.code, "name": "东风街道资金", "kind": "street", "year": source.year,
        "budget": "500000"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "organization"
    answer = client.post(f"/api/projects/config/sources/{source.pk}", {
        "organization": tree.district.code, "name": "东风街道资金", "kind": "street", "year": source.year,
        "budget": "500000"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200 and answer.json()["organization"]["code"] == tree.district.code


def test_a_reader_sees_the_sources_of_the_scope_and_above_it(client, tree, people):
    from dangjian.accounts import services as account_services

    city, own = factories.make_source(), factories.make_source(name="东风街道资金", organization=tree.street_a)
    factories.make_source(name="西山街道资金", organization=tree.street_b)
    token = account_services.token_issue(user=people.viewer)[1]
    seen = client.get("/api/projects/config", HTTP_AUTHORIZATION=f"Bearer {token}").json()["sources"]
    assert {source["id"] for source in seen} == {city.pk, own.pk}


# --- locks -------------------------------------------------------------------------------------------

@pytest.fixture
def slow_reading(monkeypatch):
    """What a source's projects hold is read, then a moment passes before it is acted on: without
    the source's row locked first, both writers would read it before either wrote."""
    read = selectors.source_commitments

    def slowly(source):
        held = read(source)
        time.sleep(0.3)
        return held

    monkeypatch.setattr(selectors, "source_commitments", slowly)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_of_two_approvals_from_one_source_in_two_communities_exactly_one_wins(tree, make_user, slow_reading):
    approvers = make_user(Role.CLERK, tree.street_a), make_user(Role.CLERK, tree.street_b)
    source = factories.make_source(name="区级资金", budget="150000.00", organization=tree.district)
    projects = on_notice(tree.community_a), on_notice(tree.community_b)
    results = at_once(*(lambda actor=actor, project=project: approve(actor, project, source)
                        for actor, project in zip(approvers, projects, strict=True)))
    winners = [result for result in results if isinstance(result, MicroProject)]
    losers = [result for result in results if isinstance(result, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "budget" in losers[0].message_dict
    assert selectors.source_commitments(source) == Decimal("100000.00")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_lowered_budget_at_once_cannot_both_win(tree, make_user, slow_reading):
    approver = make_user(Role.CLERK, tree.street_a)
    source = factories.make_source(name="区级资金", budget="200000.00", organization=tree.district)
    project = on_notice(tree.community_a)
    results = at_once(
        lambda: approve(approver, project, source, "150000"),
        lambda: services.funding_source_save(actor=None, source=source, organization=source.organization,
                                             name=source.name, kind=source.kind, year=source.year,
                                             budget=Decimal("100000.00")))
    assert sum(isinstance(result, ValidationError) for result in results) == 1, results
    source.refresh_from_db()
    assert selectors.source_commitments(source) <= source.budget


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_step_locks_the_project_and_not_its_community(tree, monkeypatch):
    project = factories.propose(tree.community_a)
    inside, done = threading.Event(), threading.Event()
    cancel = services.STEPS[Action.CANCEL]

    def waiting(*args, **kwargs):
        inside.set()
        done.wait(10)
        return cancel(*args, **kwargs)

    monkeypatch.setitem(services.STEPS, Action.CANCEL, waiting)

    def step():
        try:
            services.project_act(actor=None, project=project, action=Action.CANCEL, reason="重复")
        finally:
            connection.close()

    thread = threading.Thread(target=step)
    thread.start()
    try:
        assert inside.wait(10)
        with transaction.atomic():
            Organization.objects.select_for_update(nowait=True).get(pk=tree.community_a.pk)
            with pytest.raises(DatabaseError), transaction.atomic():
                MicroProject.objects.select_for_update(nowait=True).get(pk=project.pk)
    finally:
        done.set()
        thread.join(10)
    assert MicroProject.objects.get(pk=project.pk).state == State.CANCELLED


# --- the migration -------------------------------------------------------------------------------------

BEFORE, AFTER = [("projects", "0001_micro_projects")], [("projects", "0002_funding_source_organization")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_source_the_root_of_the_city_it_funded(tree):
    other_city = shared.make_root(name="邻市市委", code="C02")
    other_street = shared.make_org(other_city, "邻市街道党工委", Level.STREET, Kind.WORKING_COMMITTEE)
    other_community = shared.make_org(other_street, "邻市社区党委", Level.COMMUNITY, Kind.PRIMARY_COMMITTEE)
    FundingSource.objects.all().delete()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Source, Project = old.get_model("projects", "FundingSource"), old.get_model("projects", "MicroProject")
        year = timezone.localdate().year
        sources = [Source.objects.create(name=name, kind="district", year=year, budget=Decimal("1000000"))
                   for name in ("本市资金", "邻市资金", "未用资金")]
        for community, source in ((tree.community_a, sources[0]), (other_community, sources[1])):
            Project.objects.create(organization_id=community.pk, org_path=community.path, title="楼道照明",
                                   description="楼道灯具老化。", kind="works", estimate=Decimal("1000"),
                                   source="staff", state="approved", budget=Decimal("1000"), funding_source=source)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(leaves)
    owners = dict(FundingSource.objects.values_list("name", "organization"))
    assert owners == {"本市资金": tree.city.pk, "邻市资金": other_city.pk, "未用资金": tree.city.pk}
