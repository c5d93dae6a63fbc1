"""The pages of representatives, their rota and receptions, household visits and a member's own
page: who sees them (404 outside the scope, 403 inside without the right), a reception's problems
filed as requests in one step with their codes shown once, a member's own visit, and refusals that
name the field or the problem row and change nothing."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from dangjian.accounts.roles import Role
from dangjian.core import paging
from dangjian.members.services import residence
from dangjian.requests import selectors, services
from dangjian.requests.models import Reception, ReceptionDuty, Representative, Request, Source, Visit
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
SINCE = TODAY - dt.timedelta(days=60)


@pytest.fixture(autouse=True)
def english(settings, settings_no_otp):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def clerk(tree, make_user):
    return make_user(Role.CLERK, tree.community_a)


@pytest.fixture
def viewer(tree, make_user):
    return make_user(Role.VIEWER, tree.community_a)


@pytest.fixture
def category(db):
    return factories.make_category(code="LD", name="路灯照明")


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def appoint(organization, *, name="李代表", account=None, grid_org=None):
    member = factories.make_member(grid_org or organization, name=name, account=account)
    return services.representative_appoint(actor=None, member=member, organization=organization, title="区党代表",
                                           since=SINCE)


def registered(grid_org, *, name="赵党员", account=None):
    member = factories.make_member(grid_org, name=name, account=account)
    residence.registration_register(actor=None, member=member, grid=grid_org.grid)
    return member


def rows(problems: list[dict], *, extra: int = 0) -> dict:
    """The problem formset's fields: the rows given, then ``extra`` rows left empty."""
    fields = {"problems-TOTAL_FORMS": str(len(problems) + extra), "problems-INITIAL_FORMS": "0"}
    for index, problem in enumerate(problems):
        fields.update({f"problems-{index}-{key}": value for key, value in problem.items()})
    return fields


def problem(category, grid_org, description="小区东门路灯坏了三盏。", **fields) -> dict:
    return {"category": str(category.pk), "grid": f"g{grid_org.grid.pk}", "description": description, **fields}


def reception_data(problems: list[dict], *, visitors=3, extra=1, **fields) -> dict:
    return {"held_on": TODAY.isoformat(), "place": "社区党代表工作室", "visitors": str(visitors), **fields,
            **rows(problems, extra=extra)}


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Representative, ReceptionDuty, Reception, Visit, Request))


def row_errors(response, number: int) -> list[str]:
    """The errors shown inside problem row ``number`` (from 1)."""
    block = text(response).split(f'data-row="problems[{number}]"')[1].split("</fieldset>")[0]
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', block)


# --- who sees what ----------------------------------------------------------------------------------

def test_the_pages_answer_404_outside_the_scope_and_403_without_the_right(tree, client, viewer, clerk, category):
    ours, theirs = appoint(tree.community_a), appoint(tree.community_b, grid_org=tree.grid_b)
    duty = services.duty_add(actor=None, representative=ours, place="工作室", weekday=1, starts_at=dt.time(9),
                             ends_at=dt.time(11))
    held, _filed = services.reception_log(actor=None, representative=theirs, held_on=TODAY, visitors=1, place="西山")
    ours_held, _filed = services.reception_log(actor=None, representative=ours, held_on=TODAY, visitors=1,
                                               place="东风")
    member_b = registered(tree.grid_b)
    login(client, viewer)
    for name, args in (("representatives", [tree.community_b.code]), ("receptions", [tree.community_b.code]),
                       ("visits", [tree.street_b.code]), ("representative_end", [theirs.pk]),
                       ("reception_new", [theirs.pk]), ("reception", [held.pk]),
                       ("member_visit_new", [member_b.pk])):
        assert client.get(reverse(f"requests:{name}", args=args)).status_code == 404, name
    for name, args in (("representatives", [tree.community_a.code]), ("receptions", [tree.community_a.code]),
                       ("visits", [tree.grid_a.code]), ("reception", [ours_held.pk])):
        assert client.get(reverse(f"requests:{name}", args=args)).status_code == 200, name
    # The street above the viewer's community is outside their scope too.
    assert client.get(reverse("requests:receptions", args=[tree.street_a.code])).status_code == 404
    before = counts()
    for name, args in (("representative_new", [tree.community_a.code]), ("representative_end", [ours.pk]),
                       ("duty_new", [ours.pk]), ("reception_new", [ours.pk]),
                       ("member_visit_new", [registered(tree.grid_a).pk])):
        assert client.get(reverse(f"requests:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("requests:duty_end", args=[duty.pk])).status_code == 403
    assert client.post(reverse("requests:reception_new", args=[ours.pk]),
                       reception_data([problem(category, tree.grid_a)])).status_code == 403
    assert counts() == before
    duty.refresh_from_db()
    assert duty.active

    login(client, clerk)
    assert client.get(reverse("requests:representative_new", args=[tree.community_b.code])).status_code == 404
    assert client.post(reverse("requests:duty_end", args=[duty.pk])).status_code == 302
    assert client.get(reverse("requests:duty_end", args=[duty.pk])).status_code == 405


def test_the_representatives_page_shows_current_and_past_terms_with_their_rota(tree, client, make_user):
    current, past = appoint(tree.community_a, name="李现任"), appoint(tree.street_a, name="王往届")
    appoint(tree.community_b, name="别处代表", grid_org=tree.grid_b)
    services.duty_add(actor=None, representative=current, place="党群服务中心", weekday=2, starts_at=dt.time(9),
                      ends_at=dt.time(11, 30))
    services.representative_end(actor=None, representative=past, until=TODAY)
    login(client, make_user(Role.VIEWER, tree.street_a))
    page = text(client.get(reverse("requests:representatives", args=[tree.street_a.code])))
    assert "李现任" in page and "Wednesday 09:00–11:30 · 党群服务中心" in page
    assert "王往届" not in page and "别处代表" not in page
    assert "Appoint a representative" not in page and "Take off the rota" not in page
    ended = text(client.get(reverse("requests:representatives", args=[tree.street_a.code]), {"ended": "1"}))
    assert "王往届" in ended and "李现任" not in ended


# --- appointing, ending, the rota -----------------------------------------------------------------------

def test_a_representative_is_found_by_name_and_appointed_by_number(tree, client, clerk):
    member = factories.make_member(tree.grid_a, name="李四")
    outside = factories.make_member(tree.grid_b, name="李五")
    login(client, clerk)
    address = reverse("requests:representative_new", args=[tree.community_a.code])
    found = text(client.get(address, {"q": "李"}))
    assert f'data-member="{member.pk}"' in found and f'data-member="{outside.pk}"' not in found
    response = client.post(address, {"member": str(member.pk), "title": "区党代表", "since": SINCE.isoformat()})
    assert response.status_code == 302
    term = Representative.objects.get()
    assert (term.member, term.organization, term.until) == (member, tree.community_a, None)


def test_appointing_refuses_a_member_outside_the_subtree_or_a_bad_date_and_changes_nothing(tree, client, clerk):
    outside = factories.make_member(tree.grid_b, name="李五")
    inside = factories.make_member(tree.grid_a, name="李四")
    login(client, clerk)
    address = reverse("requests:representative_new", args=[tree.community_a.code])
    response = client.post(address, {"member": str(outside.pk), "title": "区党代表", "since": SINCE.isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["member"] == [f"No current member {outside.pk} in 东风社区党委."]
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    response = client.post(address, {"member": str(inside.pk), "title": "区党代表", "since": future})
    assert "since" in response.context["form"].errors
    response = client.post(address, {"member": "abc", "title": "", "since": "tomorrow"})
    assert set(response.context["form"].errors) == {"member", "title", "since"}
    assert not Representative.objects.exists()


def test_a_term_ends_and_rota_lines_are_added_and_taken_off(tree, client, clerk):
    term = appoint(tree.community_a)
    login(client, clerk)
    duty_address = reverse("requests:duty_new", args=[term.pk])
    response = client.post(duty_address, {"place": "工作室", "weekday": "1", "starts_at": "11:00", "ends_at": "09:00"})
    assert response.context["form"].errors["ends_at"] == ["The reception ends after it starts."]
    response = client.post(duty_address, {"place": "工作室", "weekday": "9", "starts_at": "09:00", "ends_at": "11:00"})
    assert "weekday" in response.context["form"].errors
    assert not ReceptionDuty.objects.exists()
    assert client.post(duty_address, {"place": "工作室", "weekday": "1", "starts_at": "09:00",
                                      "ends_at": "11:00"}).status_code == 302
    duty = ReceptionDuty.objects.get()
    assert (duty.weekday, duty.active) == (1, True)

    end_address = reverse("requests:representative_end", args=[term.pk])
    early = (SINCE - dt.timedelta(days=1)).isoformat()
    response = client.post(end_address, {"until": early})
    assert "until" in response.context["form"].errors
    term.refresh_from_db()
    assert term.until is None
    assert client.post(end_address, {"until": TODAY.isoformat()}).status_code == 302
    term.refresh_from_db()
    duty.refresh_from_db()
    assert term.until == TODAY and not duty.active
    response = client.post(end_address, {"until": TODAY.isoformat()})
    assert response.context["form"].errors["until"] == ["This term has already ended."]


# --- receptions ---------------------------------------------------------------------------------------

def test_a_reception_with_two_problems_files_two_requests_and_shows_their_codes(tree, client, clerk, category):
    term = appoint(tree.community_a)
    duty = services.duty_add(actor=None, representative=term, place="党代表工作室", weekday=TODAY.weekday(),
                             starts_at=dt.time(9), ends_at=dt.time(11))
    login(client, clerk)
    address = reverse("requests:reception_new", args=[term.pk])
    form = text(client.get(address))
    assert f'value="g{tree.grid_a.grid.pk}"' in form and f'value="g{tree.grid_b.grid.pk}"' not in form
    response = client.post(address, reception_data(
        [problem(category, tree.grid_a, contact_name="王大妈", phone="13800138000"),
         problem(category, tree.grid_a, description="垃圾清运不及时，气味很大。")],
        visitors=4, place="", duty=str(duty.pk), visitor_names="王大妈"))
    assert response.status_code == 200
    held = Reception.objects.get()
    assert (held.place, held.visitors, held.duty, held.logged_by) == ("党代表工作室", 4, duty, clerk)
    filed = list(Request.objects.order_by("pk"))
    assert len(filed) == 2
    assert {(r.source, r.reception_id, r.grid_id, r.entered_by_id) for r in filed} == {
        (Source.RECEPTION, held.pk, tree.grid_a.grid.pk, clerk.pk)}
    assert filed[0].contact_name == "王大妈" and filed[0].masked_phone == "138****8000"
    codes = re.findall(r"data-tracking-code>([0-9A-Z-]+)<", response.content.decode())
    assert len(codes) == 2
    assert [selectors.by_tracking_code(code)[0] for code in codes] == filed

    shown = text(client.get(reverse("requests:reception", args=[held.pk])))
    assert all(f'data-request="{r.pk}"' in shown for r in filed)
    assert shown.count('data-state="received"') == 2 and "data-tracking-code" not in shown
    listed = text(client.get(reverse("requests:receptions", args=[tree.community_a.code])))
    assert re.search(rf'data-reception="{held.pk}">.*?data-problems>2<', listed, re.DOTALL)


def test_a_bad_problem_row_is_named_and_nothing_is_filed(tree, client, clerk, category):
    term = appoint(tree.community_a)
    login(client, clerk)
    address = reverse("requests:reception_new", args=[term.pk])
    before = counts()

    # The service's check: a description too short, in the second row.
    response = client.post(address, reception_data([problem(category, tree.grid_a),
                                                     problem(category, tree.grid_a, description="灯坏")]))
    assert response.status_code == 200
    assert row_errors(response, 2) == ["Describe the problem in 5 to 2000 characters."]
    assert row_errors(response, 1) == []
    # The form's own: a grid outside the representative's subtree and a missing category.
    response = client.post(address, reception_data([
        problem(category, tree.grid_a), {**problem(category, tree.grid_b), "category": ""}]))
    errors = response.context["problems"].forms[1].errors
    assert set(errors) == {"grid", "category"} and not response.context["problems"].forms[0].errors
    # The reception's own fields: fewer visitors than problems, a date in the future.
    response = client.post(address, reception_data([problem(category, tree.grid_a)] * 2, visitors=1,
                                                    held_on=(TODAY + dt.timedelta(days=1)).isoformat()))
    assert set(response.context["form"].errors) == {"visitors", "held_on"}
    # A formset sent without its management fields is refused, not a server error.
    response = client.post(address, {"held_on": TODAY.isoformat(), "place": "工作室", "visitors": "1"})
    assert response.status_code == 200 and response.context["problems"].non_form_errors()
    assert counts() == before


def _asks_for_the_facility():
    return factories.make_category(code="FAC", name="市政设施", attributes=[
        {"code": "facility", "datatype": "singlevaluelist", "required": True, "description": "哪一类设施？",
         "values": [{"key": "lamp", "name": "路灯"}, {"key": "drain", "name": "井盖"}]},
        {"code": "count", "datatype": "number", "required": False, "description": "坏了几处？", "values": []}])


def test_a_problem_row_asks_the_questions_of_its_category(tree, client, clerk, category):
    asks = _asks_for_the_facility()
    term = appoint(tree.community_a)
    login(client, clerk)
    address = reverse("requests:reception_new", args=[term.pk])
    facility, count = f"attribute_{asks.pk}_facility", f"attribute_{asks.pk}_count"
    assert f'name="problems-0-{facility}"' in text(client.get(address))
    before = counts()
    # A required answer left out, in the second row: named on that row's question, nothing filed.
    response = client.post(address, reception_data([
        {**problem(asks, tree.grid_a), facility: "drain"}, problem(asks, tree.grid_a)]))
    assert row_errors(response, 1) == []
    assert list(response.context["problems"].forms[1].errors) == [facility]
    # A value the question does not offer is the form's own refusal, on the same field.
    response = client.post(address, reception_data([{**problem(asks, tree.grid_a), facility: "bridge"}]))
    assert list(response.context["problems"].forms[0].errors) == [facility]
    assert counts() == before
    # Answered: the answers are the request's; another category's questions are not read.
    client.post(address, reception_data([
        {**problem(asks, tree.grid_a), facility: "lamp", count: "3"},
        {**problem(category, tree.grid_a), facility: "drain"}]))
    first, second = Request.objects.order_by("pk")
    assert first.attributes == {"facility": "lamp", "count": "3"} and second.attributes == {}


def test_a_problem_found_on_a_visit_answers_its_categorys_questions(tree, client, make_user):
    asks = _asks_for_the_facility()
    account = make_user(None, tree.community_a)
    registered(tree.grid_a, account=account)
    login(client, account)
    facility = f"attribute_{asks.pk}_facility"
    visit = {"visited_on": TODAY.isoformat(), "household": "3栋502"}
    response = client.post(reverse("requests:visit_new"), {
        **visit, **rows([{"category": str(asks.pk), "description": "井盖松动，晚上有响声。"}])})
    assert list(response.context["problems"].forms[0].errors) == [facility] and not Visit.objects.exists()
    client.post(reverse("requests:visit_new"), {
        **visit, **rows([{"category": str(asks.pk), "description": "井盖松动，晚上有响声。", facility: "drain"}])})
    assert Request.objects.get().attributes == {"facility": "drain"}


def test_a_representative_logs_their_own_reception_from_their_page(tree, client, make_user, category):
    account = make_user(None, tree.community_a)
    term = appoint(tree.community_a, account=account)
    login(client, account)
    mine = text(client.get(reverse("requests:mine")))
    assert reverse("requests:reception_new", args=[term.pk]) in mine
    response = client.post(reverse("requests:reception_new", args=[term.pk]),
                           reception_data([problem(category, tree.grid_a)]))
    assert response.status_code == 200 and "data-tracking-code" in response.content.decode()
    held = Reception.objects.get()
    assert client.get(reverse("requests:reception", args=[held.pk])).status_code == 200
    assert client.get(reverse("requests:receptions", args=[tree.community_a.code])).status_code == 404

    services.representative_end(actor=None, representative=term, until=TODAY)
    assert client.get(reverse("requests:reception_new", args=[term.pk])).status_code == 404


def test_receptions_are_listed_newest_first_and_paged_by_key(tree, client, viewer, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    term = appoint(tree.community_a)
    held = [services.reception_log(actor=None, representative=term, held_on=TODAY - dt.timedelta(days=days),
                                   visitors=1, place=f"第{days}天")[0] for days in (5, 1, 3)]
    login(client, viewer)
    address = reverse("requests:receptions", args=[tree.community_a.code])
    first = client.get(address)
    assert [row[0].pk for row in first.context["rows"]] == [held[1].pk, held[2].pk]
    second = client.get(address, {"after": first.context["next_after"]})
    assert [row[0].pk for row in second.context["rows"]] == [held[0].pk] and second.context["next_after"] is None
    assert client.get(address, {"after": "x"}).status_code == 200


# --- visits -------------------------------------------------------------------------------------------------

def test_a_member_logs_a_visit_with_a_problem(tree, client, make_user, category):
    account = make_user(None, tree.community_a)
    member = registered(tree.grid_a, account=account)
    login(client, account)
    response = client.post(reverse("requests:visit_new"), {
        "visited_on": TODAY.isoformat(), "household": "3栋502", "notes": "老人独居",
        **rows([{"category": str(category.pk), "description": "楼道堆放杂物，影响通行。"}], extra=2)})
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert (visit.member, visit.grid, visit.household, visit.logged_by) == (member, tree.grid_a.grid, "3栋502", account)
    filed = Request.objects.get()
    assert (filed.source, filed.visit, filed.grid) == (Source.VISIT, visit, tree.grid_a.grid)
    code = re.search(r"data-tracking-code>([0-9A-Z-]+)<", response.content.decode()).group(1)
    assert selectors.by_tracking_code(code)[0] == filed
    assert f'data-visit="{visit.pk}"' in text(client.get(reverse("requests:mine")))


def test_a_visit_is_refused_naming_the_field_and_changes_nothing(tree, client, make_user, category):
    account = make_user(None, tree.community_a)
    factories.make_member(tree.grid_a, account=account)
    login(client, account)
    address = reverse("requests:visit_new")
    assert "not confirmed as living in a grid" in text(client.get(address))
    response = client.post(address, {"visited_on": TODAY.isoformat(), "household": "3栋502", **rows([])})
    assert "has no confirmed residence registration" in response.context["form"].non_field_errors()[0]

    other = make_user(None, tree.community_a)
    registered(tree.grid_a, account=other)
    login(client, other)
    response = client.post(address, {"visited_on": TODAY.isoformat(), "household": " ", **rows([])})
    assert set(response.context["form"].errors) == {"household"}
    response = client.post(address, {"visited_on": (TODAY + dt.timedelta(days=1)).isoformat(), "household": "3栋",
                                     **rows([])})
    assert set(response.context["form"].errors) == {"visited_on"}
    response = client.post(address, {"visited_on": TODAY.isoformat(), "household": "3栋502",
                                     **rows([{"category": str(category.pk), "description": "坏了"}])})
    assert row_errors(response, 1) == ["Describe the problem in 5 to 2000 characters."]
    assert not Visit.objects.exists() and not Request.objects.exists()


def test_staff_log_a_visit_for_a_member_and_see_it_listed(tree, client, clerk, category):
    member = registered(tree.grid_a, name="钱党员")
    login(client, clerk)
    response = client.post(reverse("requests:member_visit_new", args=[member.pk]), {
        "visited_on": TODAY.isoformat(), "household": "5栋101",
        **rows([{"category": str(category.pk), "description": "下水道堵塞，污水外溢。"}])})
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert (visit.member, visit.logged_by) == (member, clerk)
    listed = text(client.get(reverse("requests:visits", args=[tree.community_a.code])))
    assert re.search(rf'data-visit="{visit.pk}">.*?钱党员.*?data-problems>1<', listed, re.DOTALL)


# --- a member's own page --------------------------------------------------------------------------------------

def test_the_own_page_lists_the_requests_assigned_to_the_member(tree, client, clerk, make_user):
    account = make_user(None, tree.community_a)
    member = factories.make_member(tree.grid_a, account=account)
    other = factories.make_member(tree.grid_a, name="孙党员")
    mine, _code = factories.make_request(tree.grid_a.grid)
    theirs, _code = factories.make_request(tree.grid_a.grid)
    for filed, assignee in ((mine, member), (theirs, other)):
        services.request_change(actor=clerk, request=filed, action="accept")
        services.request_change(actor=clerk, request=filed, action="assign", member=assignee)
    login(client, account)
    page = text(client.get(reverse("requests:mine")))
    assert f'href="{reverse("requests:detail", args=[mine.pk])}"' in page
    assert f'data-request="{theirs.pk}"' not in page
    assert 'data-state="assigned"' in page and 'data-light="green"' in page
    assert client.get(reverse("requests:detail", args=[mine.pk])).status_code == 200


def test_the_own_pages_are_404_without_a_member_record(tree, client, clerk):
    login(client, clerk)
    assert client.get(reverse("requests:mine")).status_code == 404
    assert client.get(reverse("requests:visit_new")).status_code == 404
    assert client.post(reverse("requests:visit_new"), {"household": "1栋"}).status_code == 404
    client.logout()
    assert client.get(reverse("requests:mine")).status_code == 302
