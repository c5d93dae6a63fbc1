"""The demo's year of residents' requests: made through the services, so that the timelines, the
roll-ups, the audit trail and the notifications are what the pages would have left; requests in
every state, some overdue and risen up the tree, receptions and household visits. And the rows
`generate-city` writes for a whole city are what the services would have written."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.core.models import AuditEvent, Notification
from dangjian.demo import loader
from dangjian.demo.citygen import CityGenerator, Plan
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Level
from dangjian.requests import rules, selectors, services, tally
from dangjian.requests.models import (
    OPEN_STATES,
    Reception,
    ReceptionDuty,
    Representative,
    Request,
    RequestTally,
    RequestUpdate,
    ResolutionDays,
    Source,
    Tracking,
    Visit,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo for the module, in a transaction rolled back at its end; each test's own changes
    roll back to a savepoint inside it, as usual."""
    with django_db_blocker.unblock(), override_settings(DATA_DIR=tmp_path_factory.mktemp("demo")), \
            transaction.atomic():
        call_command("demo", "--no-serve", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_the_demo_has_requests_in_every_state_from_every_source(demo):
    assert set(Request.objects.values_list("state", flat=True)) == set(rules.State.values)
    assert set(Request.objects.values_list("source", flat=True)) == set(Source.values)
    on_behalf = Request.objects.filter(source=Source.ON_BEHALF)
    assert not on_behalf.filter(entered_by__isnull=True).exists()
    assert not on_behalf.filter(contact_name="").exists()
    assert Request.objects.filter(source=Source.OPEN311, client__isnull=False).count() == \
        Request.objects.filter(source=Source.OPEN311).count()
    received = Request.objects.order_by("received_at").values_list("received_at", flat=True)
    assert (received.last() - received.first()).days > 330


def test_some_demo_requests_are_overdue_and_have_risen_as_far_as_their_lateness_says(demo):
    today = timezone.localdate()
    overdue = Request.objects.filter(OPEN_STATES, due_on__lt=today)
    assert overdue.count() >= 3
    assert not overdue.filter(escalation_level=0).exists()
    assert Request.objects.filter(escalation_level=2, escalated_to__level=Level.STREET).exists()
    # The demo's nights were swept up to today's: a sweep now finds nothing left to do.
    swept = services.sweep(today=today)
    assert (swept["escalated"], swept["closed"]) == (0, 0)
    # The accounts the demo prints see some of it: their community has overdue requests that rose
    # to it or on to its street, and they were told.
    seen = {}
    for level in ("community", "street"):
        clerk = User.objects.get(username=f"{level}_clerk")
        seen[level] = selectors.lists(clerk, clerk.assignments.get().organization, today=today)
    assert seen["community"]["overdue"].exists()
    assert seen["community"]["escalated"].exists() or seen["street"]["escalated"].exists()
    assert Notification.objects.filter(recipient__username="community_clerk").exists()
    for update in RequestUpdate.objects.filter(action="escalate").select_related("request")[:20]:
        risen_to = Organization.objects.get(code=update.data["to"])
        handlers = list(selectors.handlers_at(risen_to))
        assert handlers
        for handler in handlers:
            assert Notification.objects.filter(recipient=handler,
                                               url=reverse("requests:detail", args=[update.request_id])).exists()


def test_every_demo_timeline_follows_the_transitions_and_is_audited(demo):
    updates: dict[int, list[RequestUpdate]] = {}
    for update in RequestUpdate.objects.order_by("request_id", "at", "pk"):
        updates.setdefault(update.request_id, []).append(update)
    assert len(updates) == Request.objects.count()
    for request_id, timeline in updates.items():
        assert timeline[0].action == "file" and timeline[0].to_state == rules.State.RECEIVED
        for previous, update in zip(timeline, timeline[1:], strict=False):
            assert update.from_state == previous.to_state, request_id
            if update.action == "escalate":
                assert update.to_state == update.from_state
            else:
                assert rules.refusal(update.from_state, update.action, update.actor_kind) is None, request_id
                assert update.to_state == rules.target_of(update.from_state, update.action)
        assert Request.objects.get(pk=request_id).state == timeline[-1].to_state
    assert AuditEvent.objects.filter(object_type="requests.request").count() == RequestUpdate.objects.count()


def test_the_demo_has_receptions_on_a_rota_and_household_visits_with_their_problems(demo):
    representatives = Representative.objects.all()
    assert representatives.count() >= 12
    assert ReceptionDuty.objects.filter(active=True).count() == representatives.count()
    assert Reception.objects.count() >= 12 * representatives.count() - representatives.count()
    assert Request.objects.filter(source=Source.RECEPTION, reception__isnull=False).exists()
    assert not Request.objects.filter(source=Source.RECEPTION, reception__isnull=True).exists()
    visits = Visit.objects.select_related("member__residence", "organization")
    assert visits.count() > 100
    for visit in visits[:50]:
        residence = visit.member.residence
        assert residence.grid_id == visit.grid_id
        assert visit.organization_id == (residence.zone_id or selectors.place_organization(residence.grid).pk)
    assert visits.filter(organization__level=Level.ZONE).exists()
    assert Request.objects.filter(source=Source.VISIT, visit__isnull=False).exists()


def test_the_roots_statistics_kept_by_the_services_are_what_a_rebuild_gives(demo):
    root = Organization.objects.get(depth=1)
    first = Request.objects.order_by("received_at").first().received_at
    months = (timezone.localtime(first).date(), timezone.localdate())
    kept = tally.figures(root, *months)
    assert kept["received"] == Request.objects.count()
    assert (kept["receptions"], kept["visits"]) == (Reception.objects.count(), Visit.objects.count())
    assert kept["escalated"] == RequestUpdate.objects.filter(action="escalate").count() > 0
    assert kept["problems_collected"] == Request.objects.filter(source__in=[Source.RECEPTION, Source.VISIT]).count()
    assert kept["median_days_to_resolve"] is not None
    street = Organization.objects.filter(level=Level.STREET).order_by("path").last()
    kept_street = tally.figures(street, *months)
    tally.rebuild()
    assert tally.figures(root, *months) == kept
    assert tally.figures(street, *months) == kept_street


def _snapshot() -> dict:
    """What was written for the requests, with keys replaced by their rank (a database's sequences
    go on counting across tests) and without the accounts, which the rows do not name."""
    ranks = {model: {pk: rank for rank, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True))}
             for model in (Request, Reception, Visit)}
    request, reception, visit = ranks[Request], ranks[Reception], ranks[Visit]
    fields = ("category_id", "grid_id", "building_id", "org_path", "address", "description", "public", "attributes",
              "contact_name", "phone_last4", "source", "client_id", "state", "version", "received_at", "accepted_on",
              "due_on", "warn_on", "resolved_at", "closed_at", "assigned_org_id", "assigned_path", "assigned_member_id",
              "escalation_level", "escalated_to_id", "referred_to", "satisfaction", "reopen_count", "public_note",
              "updated_at")
    updates = []
    for request_id, *rest, data in RequestUpdate.objects.values_list(
            "request_id", "at", "actor_kind", "action", "from_state", "to_state", "public_note", "internal_note",
            "data"):
        if "original" in data:
            data = {**data, "original": request[data["original"]]}
        updates.append((request[request_id], *rest, data))
    root = Organization.objects.get(depth=1)
    first = Request.objects.order_by("received_at").first().received_at
    return {
        "requests": [(request[pk], reception.get(reception_id), visit.get(visit_id), request.get(original), *rest)
                     for pk, reception_id, visit_id, original, *rest in Request.objects.order_by("pk").values_list(
                         "pk", "reception_id", "visit_id", "duplicate_of_id", *fields)],
        "updates": sorted(updates, key=lambda update: update[:4]),
        "trackings": sorted((request[following], request[filed])
                            for following, filed in Tracking.objects.values_list("request_id", "filed_id")),
        "receptions": [(reception[pk], *rest) for pk, *rest in Reception.objects.order_by("pk").values_list(
            "pk", "representative__member_id", "organization_id", "place", "held_on", "visitors", "visitor_names",
            "notes")],
        "visits": [(visit[pk], *rest) for pk, *rest in Visit.objects.order_by("pk").values_list(
            "pk", "member_id", "organization_id", "grid_id", "visited_on", "household", "notes")],
        "representatives": sorted(Representative.objects.values_list("member_id", "organization_id", "title", "since")),
        "figures": tally.figures(root, timezone.localtime(first).date(), timezone.localdate()),
    }


def test_the_rows_generate_city_writes_are_what_the_services_wrote(demo):
    made = _snapshot()
    Request.objects.update(duplicate_of=None)
    for model in (RequestUpdate, Tracking, Request, Reception, Visit, ReceptionDuty, Representative, RequestTally,
                  ResolutionDays):
        model.objects.all().delete()
    loader.write_requests(CityGenerator(Plan.named("small"), seed=2024), loader.LoadReport())
    written = _snapshot()
    for key, value in made.items():
        assert written[key] == value, key
