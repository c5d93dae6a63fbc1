"""The member pages: list with filters, the member page with reveal, create and edit forms."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from dangjian.accounts.roles import Role
from dangjian.core import crypto
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members.models import Member
from tests import factories

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1985, 3, 14)


@pytest.fixture
def login(client, make_user, tree, settings_no_otp):
    def as_role(role, org=None):
        client.force_login(make_user(role, org or tree.street_a))
        return client
    return as_role


def form_data(**overrides) -> dict:
    data = {"name": "王小明", "id_number": factories.id_number(BIRTH), "sex": "", "birth_date": "",
            "ethnicity": "01", "education": "21", "degree": "", "category": "full", "joined_on": "2010-07-01",
            "full_member_on": "2011-07-01", "job_post": "", "phone": "13800138000", "address": "",
            "registered_residence": "", "current_residence": "", "party_age_correction_months": "0"}
    data.update(overrides)
    return data


def field_error(response, field: str) -> str:
    """The message shown inside the form block of ``field``."""
    blocks = re.findall(r'<div class="field invalid">(.*?)\n</div>', response.content.decode(), re.DOTALL)
    mine = [block for block in blocks if f'name="{field}"' in block]
    assert mine, f"no error shown next to {field}: {response.context['form'].errors}"
    return " ".join(html.unescape(m) for m in re.findall(r'<p class="error" role="alert">(.*?)</p>', mine[0]))


# --- list -----------------------------------------------------------------------------------------------

def test_list_shows_the_scope_masked(login, tree):
    inside = factories.make_member(tree.grid_a, name="张三", phone_sealed=crypto.seal("13812345678"),
                                   phone_last4="5678")
    factories.make_member(tree.grid_b, name="李四")
    response = login(Role.VIEWER).get(reverse("members:list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "张三" in text and "李四" not in text
    assert inside.masked_id_number in text and inside.id_number not in text
    assert "138****5678" in text and "13812345678" not in text
    assert 'href="/members/"' in text  # the main navigation


def test_list_filters_through_the_form(login, tree):
    factories.make_member(tree.grid_a, name="张三")
    factories.make_member(tree.community_a, name="王五", male=False)
    client = login(Role.VIEWER)
    page = client.get(reverse("members:list"), {"sex": "F", "org": tree.community_a.code})
    assert [m.name for m in page.context["page"].items] == ["王五"]
    assert [m.name for m in client.get(reverse("members:list"), {"q": "zs"}).context["page"].items] == ["张三"]


def test_every_filter_is_labelled(login):
    response = login(Role.VIEWER).get(reverse("members:list"))
    for field in response.context["form"]:
        assert f'for="{field.auto_id}"' in response.content.decode(), field.name


def test_bad_filters_are_shown_next_to_their_field(login, tree):
    client = login(Role.VIEWER)
    for query, field in (({"org": tree.street_b.code}, "org"), ({"join_year": "abc"}, "join_year"),
                         ({"age_band": "99"}, "age_band")):
        response = client.get(reverse("members:list"), query)
        assert response.status_code == 200 and field_error(response, field)
        assert response.context["page"] is None


def test_list_pages_by_key(login, tree):
    for _ in range(52):
        factories.make_member(tree.grid_a)
    client = login(Role.VIEWER)
    first = client.get(reverse("members:list"), {"sort": "birth_date"})
    assert len(first.context["page"].items) == 50
    after = first.context["page"].next_after
    assert f"after={after}" in first.content.decode()
    second = client.get(reverse("members:list"), {"sort": "birth_date", "after": after})
    assert len(second.context["page"].items) == 2 and second.context["page"].next_after is None


def test_list_needs_view_members(login):
    assert login(Role.SYSTEM_ADMIN).get(reverse("members:list")).status_code == 404


# --- member page and reveal -----------------------------------------------------------------------------

def test_member_page_shows_labels_party_age_and_history(login, tree):
    member = factories.make_member(tree.grid_a, name="张三", education="21", job_post="1002", ethnicity="36")
    response = login(Role.VIEWER).get(reverse("members:detail", args=[member.pk]))
    text = response.content.decode()
    for shown in ("大学本科毕业", "(大学)", "退休人员", "毛南族", member.masked_id_number):
        assert shown in text
    assert member.id_number not in text
    assert response.context["party_age"] is not None
    assert reverse("members:reveal", args=[member.pk]) not in text  # a viewer may not reveal


def test_reveal_shows_the_value_once_and_audits(login, tree):
    member = factories.make_member(tree.grid_a)
    client = login(Role.SECRETARY)
    page = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert reverse("members:reveal", args=[member.pk]) in page
    response = client.post(reverse("members:reveal", args=[member.pk]), {"field": "id_number"})
    assert response.status_code == 200 and member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, object_id=str(member.pk)).count() == 1
    assert member.id_number not in client.get(reverse("members:detail", args=[member.pk])).content.decode()


def test_viewer_cannot_reveal(login, tree):
    member = factories.make_member(tree.grid_a)
    response = login(Role.VIEWER).post(reverse("members:reveal", args=[member.pk]), {"field": "id_number"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_outside_the_scope_is_404(login, tree):
    member = factories.make_member(tree.grid_b)
    client = login(Role.ORG_ADMIN)
    for name in ("members:detail", "members:edit"):
        assert client.get(reverse(name, args=[member.pk])).status_code == 404
    assert client.post(reverse("members:reveal", args=[member.pk]), {"field": "phone"}).status_code == 404
    assert client.get(reverse("members:create", args=[tree.grid_b.code])).status_code == 404


# --- create and edit --------------------------------------------------------------------------------------

def test_create_enters_the_member(login, tree):
    response = login(Role.CLERK).post(reverse("members:create", args=[tree.grid_a.code]), form_data())
    member = Member.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:detail", args=[member.pk])
    assert (member.home_org, member.birth_date, member.sex) == (tree.grid_a, BIRTH, "M")
    assert member.id_number not in response["Location"]


def test_viewer_cannot_create(login, tree):
    client = login(Role.VIEWER)
    assert client.get(reverse("members:create", args=[tree.grid_a.code])).status_code == 403
    assert client.post(reverse("members:create", args=[tree.grid_a.code]), form_data()).status_code == 403
    assert not Member.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "440104198503140010"}, "id_number"),
    ({"birth_date": "1985-03-15"}, "birth_date"),
    ({"sex": "F"}, "sex"),
    ({"category": "probationary"}, "full_member_on"),
    ({"ethnicity": "99"}, "ethnicity"),
    ({"education": "zz"}, "education"),
    ({"joined_on": "2999-01-01"}, "joined_on"),
    ({"birth_date": "2999-01-01"}, "birth_date"),
    ({"full_member_on": "not a date"}, "full_member_on"),
    ({"party_age_correction_months": "5000"}, "party_age_correction_months"),
    ({"phone": "call me"}, "phone"),
])
def test_bad_input_is_shown_next_to_its_field(login, tree, overrides, field):
    response = login(Role.CLERK).post(reverse("members:create", args=[tree.grid_a.code]), form_data(**overrides))
    assert response.status_code == 200
    assert field_error(response, field)
    assert not Member.objects.exists()


def test_duplicate_id_is_shown_next_to_the_field(login, tree):
    existing = factories.make_member(tree.grid_a)
    response = login(Role.CLERK).post(reverse("members:create", args=[tree.grid_a.code]),
                                      form_data(id_number=existing.id_number, birth_date="1980-05-01"))
    assert tree.grid_a.name in field_error(response, "id_number")


def test_edit_never_shows_the_clear_values_and_keeps_them_when_empty(login, tree):
    member = factories.make_member(tree.grid_a, phone_sealed=crypto.seal("13812345678"), phone_last4="5678")
    client = login(Role.CLERK)
    form = client.get(reverse("members:edit", args=[member.pk])).content.decode()
    assert member.id_number not in form and "13812345678" not in form and member.masked_id_number in form
    data = form_data(name="张三丰", id_number="", phone="", birth_date="1980-05-01", joined_on="2005-07-01",
                     full_member_on="2006-07-01")
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.phone, member.birth_date) == ("张三丰", "13812345678", dt.date(1980, 5, 1))


def test_edit_errors_are_shown(login, tree):
    member = factories.make_member(tree.grid_a)
    response = login(Role.CLERK).post(reverse("members:edit", args=[member.pk]),
                                      form_data(id_number="", sex="F", joined_on="2005-07-01"))
    assert field_error(response, "sex")
