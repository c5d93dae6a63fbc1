"""The configuration pages (categories and reply templates, for those whose scope covers a root),
the Open311 key pages (system administrators) and `dangjian open311-key`. Bad input names its
field and changes nothing."""

import html
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from dangjian import cli
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.requests import selectors, services
from dangjian.requests.models import Category, Open311Key, ReplyTemplate
from tests import factories

pytestmark = pytest.mark.django_db

FLOOR = [{"code": "floor", "datatype": "string", "required": True, "description": "Which floor?"}]
CATEGORY = {"code": "LIGHT", "name": "楼道照明", "description": "", "group": "设施", "keywords": "灯",
            "time_limit_days": "3", "active": "on", "order": "1", "attributes": json.dumps(FLOOR)}
TEMPLATE = {"category": "", "action": "resolve", "title": "已解决", "text": "您反映的问题已解决，请确认。"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_configurer(client, tree, make_user, settings_no_otp):
    """The organisation department at the city: CONFIGURE_REQUESTS over a root."""
    client.force_login(make_user(Role.ORG_ADMIN, tree.city))
    return client


@pytest.fixture
def as_system_admin(client, tree, make_user, settings_no_otp):
    client.force_login(make_user(Role.SYSTEM_ADMIN, tree.street_a))
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


# --- categories ---------------------------------------------------------------------------------------

def test_a_category_is_created_with_its_attributes_and_edited(as_configurer):
    created = as_configurer.post(reverse("requests:config_category_new"), CATEGORY)
    assert created.status_code == 302 and created["Location"] == reverse("requests:config")
    category = Category.objects.get(code="LIGHT")
    assert (category.name, category.time_limit_days, category.group, category.order) == ("楼道照明", 3, "设施", 1)
    assert category.attributes[0]["code"] == "floor" and category.attributes[0]["variable"] is True

    page = as_configurer.get(reverse("requests:config_category", args=[category.pk]))
    assert page.status_code == 200 and json.loads(page.context["form"].initial["attributes"]) == category.attributes
    edited = as_configurer.post(reverse("requests:config_category", args=[category.pk]),
                                {**CATEGORY, "time_limit_days": "7", "active": "", "attributes": ""})
    assert edited.status_code == 302
    category.refresh_from_db()
    assert (category.time_limit_days, category.active, category.attributes) == (7, False, [])
    assert AuditEvent.objects.filter(object_type__contains="category").count() == 2

    overview = as_configurer.get(reverse("requests:config"))
    assert overview.status_code == 200 and 'data-category="LIGHT"' in text(overview)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"attributes": "[{"}, "attributes", "Not JSON"),
    ({"attributes": json.dumps([{"code": "kind", "datatype": "singlevaluelist", "description": "Which?"}])},
     "attributes", "attributes[1]"),
    ({"attributes": json.dumps({"code": "x"})}, "attributes", "list"),
    ({"code": "has space"}, "code", "letters"),
    ({"code": "TAKEN"}, "code", "TAKEN"),
    ({"name": ""}, "name", ""),
    ({"time_limit_days": "0"}, "time_limit_days", ""),
    ({"time_limit_days": "many"}, "time_limit_days", ""),
    ({"order": "-1"}, "order", ""),
])
def test_a_bad_category_names_the_field_and_changes_nothing(as_configurer, change, field, says):
    factories.make_category(code="TAKEN")
    answer = as_configurer.post(reverse("requests:config_category_new"), {**CATEGORY, **change})
    assert answer.status_code == 422
    assert any(says in message for message in field_errors(answer, field)), answer.context["form"].errors
    assert list(Category.objects.values_list("code", flat=True)) == ["TAKEN"]


def test_the_service_refuses_an_order_out_of_range(tree):
    with pytest.raises(ValidationError) as refused:
        services.category_save(actor=None, code="X", name="X", time_limit_days=3, order=40000)
    assert "order" in refused.value.message_dict
    assert not Category.objects.exists()


# --- reply templates -------------------------------------------------------------------------------------

def test_a_reply_template_is_created_edited_and_deleted(as_configurer):
    category = factories.make_category(code="LIGHT")
    assert as_configurer.post(reverse("requests:config_template_new"),
                              {**TEMPLATE, "category": category.pk}).status_code == 302
    template = ReplyTemplate.objects.get()
    assert (template.category, template.action, template.title) == (category, "resolve", "已解决")
    assert f'data-template="{template.pk}"' in text(as_configurer.get(reverse("requests:config")))

    assert as_configurer.post(reverse("requests:config_template", args=[template.pk]),
                              {**TEMPLATE, "title": "已办结"}).status_code == 302
    template.refresh_from_db()
    assert (template.category, template.title) == (None, "已办结")
    assert "All categories" in text(as_configurer.get(reverse("requests:config")))

    confirm = as_configurer.get(reverse("requests:config_template_delete", args=[template.pk]))
    assert confirm.status_code == 200 and "已办结" in text(confirm)
    assert ReplyTemplate.objects.exists()
    assert as_configurer.post(reverse("requests:config_template_delete", args=[template.pk])).status_code == 302
    assert not ReplyTemplate.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"), ({"text": ""}, "text"), ({"action": "explode"}, "action"),
    ({"text": "长" * 1001}, "text"), ({"category": "999999"}, "category"),
])
def test_a_bad_reply_template_names_the_field_and_keeps_nothing(as_configurer, change, field):
    answer = as_configurer.post(reverse("requests:config_template_new"), {**TEMPLATE, **change})
    assert answer.status_code == 422 and field_errors(answer, field)
    assert not ReplyTemplate.objects.exists()


def test_a_street_org_admin_does_not_see_the_configuration(client, tree, make_user, settings_no_otp):
    """CONFIGURE_REQUESTS at a street is not enough: categories belong to the whole deployment."""
    client.force_login(make_user(Role.ORG_ADMIN, tree.street_a))
    category = factories.make_category(code="LIGHT")
    template = services.reply_template_save(actor=None, category=None, action="resolve", title="T", text="文本")
    for name, args in (("config", []), ("config_category_new", []), ("config_category", [category.pk]),
                       ("config_template_new", []), ("config_template", [template.pk]),
                       ("config_template_delete", [template.pk])):
        assert client.get(reverse(f"requests:{name}", args=args)).status_code == 404, name
        if name != "config":
            assert client.post(reverse(f"requests:{name}", args=args), {**CATEGORY, **TEMPLATE}).status_code == 404
    assert list(Category.objects.values_list("code", "time_limit_days")) == [("LIGHT", 5)]
    assert ReplyTemplate.objects.get().title == "T"


# --- Open311 keys ---------------------------------------------------------------------------------------------

def test_a_key_is_shown_once_listed_by_its_start_and_revoked(as_system_admin):
    issued = as_system_admin.post(reverse("requests:open311_key_new"), {"name": "12345热线"})
    assert issued.status_code == 200
    secret = issued.context["secret"]
    key = Open311Key.objects.get()
    assert selectors.open311_key_by_secret(secret) == key and f"data-open311-key>{secret}<" in text(issued)

    listed = text(as_system_admin.get(reverse("requests:open311_keys")))
    assert "12345热线" in listed and key.key_prefix in listed and secret not in listed

    assert as_system_admin.post(reverse("requests:open311_key_revoke", args=[key.pk])).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and selectors.open311_key_by_secret(secret) is None
    assert "Revoked" in text(as_system_admin.get(reverse("requests:open311_keys")))


def test_a_nameless_key_is_refused_by_field(as_system_admin):
    answer = as_system_admin.post(reverse("requests:open311_key_new"), {"name": "   "})
    assert answer.status_code == 422 and field_errors(answer, "name")
    assert not Open311Key.objects.exists()


def test_key_pages_do_not_exist_for_others(client, tree, make_user, settings_no_otp):
    key, _secret = services.open311_key_issue(actor=None, name="客户端")
    client.force_login(make_user(Role.ORG_ADMIN, tree.city))
    for name, args, method in (("open311_keys", [], "get"), ("open311_key_new", [], "post"),
                               ("open311_key_revoke", [key.pk], "post")):
        assert getattr(client, method)(reverse(f"requests:{name}", args=args), {"name": "x"}).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None and Open311Key.objects.count() == 1


def test_revoking_an_unknown_key_is_a_404(as_system_admin):
    assert as_system_admin.post(reverse("requests:open311_key_revoke", args=[999999])).status_code == 404


# --- the command -------------------------------------------------------------------------------------------------

def run(*arguments) -> str:
    out = io.StringIO()
    call_command("open311_key", *arguments, stdout=out)
    return out.getvalue()


def test_the_command_issues_lists_and_revokes(capsys):
    output = run("issue", "12345热线")
    secret = output.strip().splitlines()[-1]
    key = Open311Key.objects.get()
    assert secret.startswith(Open311Key.PREFIX) and selectors.open311_key_by_secret(secret) == key
    assert key.issued_by is None and AuditEvent.objects.filter(action="token").exists()

    listed = run("list")
    assert "12345热线" in listed and key.key_prefix in listed and secret not in listed and "active" in listed

    assert f"Key {key.pk}" in run("revoke", str(key.pk))
    key.refresh_from_db()
    assert key.revoked_at is not None and "revoked" in run("list")

    # The installed command takes the hyphenated name.
    cli.main(["dangjian", "open311-key", "list"])
    assert "12345热线" in capsys.readouterr().out


@pytest.mark.parametrize(("arguments", "says"), [
    (("issue", "   "), "NAME: "),
    (("issue", "长" * 101), "NAME: "),
    (("revoke", "999999"), "ID: "),
    (("revoke", "first"), "invalid int value"),
    (("explode",), "invalid choice"),
])
def test_bad_command_arguments_name_the_argument_and_change_nothing(arguments, says):
    with pytest.raises(CommandError) as refused:
        run(*arguments)
    assert says in str(refused.value)
    assert not Open311Key.objects.exists()
