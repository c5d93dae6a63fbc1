"""Access-table entries (tests/access_table.py) for the Open311 interface, the Open311 keys and the
configuration of categories and reply templates."""

from collections.abc import Callable

from django.urls import reverse

from dangjian.accounts.roles import Permission
from dangjian.requests import services
from dangjian.requests.models import Source
from tests import factories
from tests.access_table import PUBLIC, Access, Case, fixed, ok

V2 = "/open311/v2"
# Categories and reply templates are the deployment's, set only by someone whose CONFIGURE_REQUESTS
# scope covers a root (selectors.may_configure). The matrix's personas hold their roles at a street,
# so none of them may: the org_admin persona holds CONFIGURE_REQUESTS at street A and is refused
# like the rest. No permission names "at a root", so the entries need one of no permissions at
# all, which no persona holds; tests/requests/test_configuration.py shows the pages to a city's
# org_admin.
AT_A_ROOT = ()


def _category(case: Case):
    return factories.make_category(code="MATRIX")


def _filed(case: Case):
    return factories.make_request(case.tree.grid_a.grid, category=_category(case))


def _open311_token(case: Case) -> str:
    key, _secret = services.open311_key_issue(actor=None, name="矩阵客户端")
    filed, _code = services.request_file(actor=None, source=Source.OPEN311, client=key, category=_category(case),
                                         grid=case.tree.grid_a.grid, description="楼道灯坏了，晚上看不见路。")
    return filed.open311_token


def _open311_filing(case: Case) -> dict:
    """The form a client posts, as the GeoReport v2 specification shows it, with a key issued for it."""
    _key, secret = services.open311_key_issue(actor=None, name="矩阵客户端")
    return {"api_key": secret, "service_code": _category(case).code, "address_string": case.tree.grid_a.grid.name,
            "description": "楼道灯坏了，晚上看不见路。", "first_name": "三", "last_name": "张"}


def _key(address: Callable[[int], str]) -> Callable[[Case], str]:
    return lambda case: address(services.open311_key_issue(actor=None, name="矩阵客户端")[0].pk)


def _template(name: str) -> Callable[[Case], str]:
    return lambda case: reverse(name, args=[services.reply_template_save(
        actor=None, category=None, action="resolve", title="已解决", text="您反映的问题已解决。").pk])


def _category_page(case: Case) -> str:
    return reverse("requests:config_category", args=[_category(case).pk])


CATEGORY_FORM = {"code": "NEW", "name": "新类别", "time_limit_days": "5", "order": "0", "active": "on",
                 "attributes": ""}
TEMPLATE_FORM = {"category": "", "action": "resolve", "title": "已解决", "text": "您反映的问题已解决。"}

ENTRIES: dict[str, Access] = {
    # --- Open311 GeoReport v2: public; filing needs a client's key in the form, not an account.
    "open311:services": Access(("GET",), PUBLIC, lambda case: f"{V2}/services.json", ok(get=200)),
    "open311:service_definition": Access(
        ("GET",), PUBLIC, lambda case: f"{V2}/services/{_category(case).code}.xml", ok(get=200)),
    "open311:requests": Access(("GET", "POST"), PUBLIC, lambda case: f"{V2}/requests.json", ok(get=200, post=200),
                               writes=True, payload=_open311_filing),
    "open311:request": Access(("GET",), PUBLIC, lambda case: f"{V2}/requests/{_filed(case)[0].pk}.json",
                              ok(get=200)),
    "open311:token": Access(("GET",), PUBLIC, lambda case: f"{V2}/tokens/{_open311_token(case)}.xml", ok(get=200)),
    "open311:unknown": Access(("GET",), PUBLIC, lambda case: f"{V2}/discovery.json", ok(get=404)),
    # --- Open311 keys: system administrators.
    "requests:open311_keys": Access(("GET",), Permission.MANAGE_ACCOUNTS, fixed("requests:open311_keys"),
                                    ok(get=200)),
    # The key is shown in the answer to the POST itself.
    "requests:open311_key_new": Access(("GET", "POST"), Permission.MANAGE_ACCOUNTS, fixed("requests:open311_key_new"),
                                       ok(get=200, post=200), writes=True, payload=lambda case: {"name": "12345热线"}),
    "requests:open311_key_revoke": Access(
        ("POST",), Permission.MANAGE_ACCOUNTS, _key(lambda pk: reverse("requests:open311_key_revoke", args=[pk])),
        ok(post=302), writes=True, payload=lambda case: {}),
    # --- categories and reply templates: nobody in the matrix (see AT_A_ROOT).
    "requests:config": Access(("GET",), AT_A_ROOT, fixed("requests:config"), ok(get=200)),
    "requests:config_category_new": Access(("GET", "POST"), AT_A_ROOT, fixed("requests:config_category_new"),
                                           ok(get=200, post=302), writes=True, payload=lambda case: CATEGORY_FORM),
    "requests:config_category": Access(("GET", "POST"), AT_A_ROOT, _category_page, ok(get=200, post=302),
                                       writes=True, payload=lambda case: {**CATEGORY_FORM, "code": "MATRIX"}),
    "requests:config_template_new": Access(("GET", "POST"), AT_A_ROOT, fixed("requests:config_template_new"),
                                           ok(get=200, post=302), writes=True, payload=lambda case: TEMPLATE_FORM),
    "requests:config_template": Access(("GET", "POST"), AT_A_ROOT, _template("requests:config_template"),
                                       ok(get=200, post=302), writes=True,
                                       payload=lambda case: {**TEMPLATE_FORM, "title": "已办结"}),
    "requests:config_template_delete": Access(("GET", "POST"), AT_A_ROOT, _template("requests:config_template_delete"),
                                              ok(get=200, post=302), writes=True, payload=lambda case: {}),
}
