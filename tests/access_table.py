"""Who may call what: one entry per URL route name and per API operation id.

tests/test_permission_matrix.py walks every route of the URL resolver and every operation of the
OpenAPI schema and fails, naming the route, when one has no entry here. To add a route, add one
``Access`` under its name ("namespace:name" for pages, the operationId for the API):

- ``methods``: the HTTP methods to try.
- ``need``: the ``Permission`` the call needs, or ``PUBLIC`` / ``AUTHENTICATED``. A tuple of
  permissions means any one of them.
- ``view``: for a route about one object, the permission that makes the object visible at all.
  A persona without it, or whose scope does not reach the object, gets 404; one that sees the
  object but lacks ``need`` gets 403. Leave it None for a route with no object (a list, a form
  at a fixed address); such a route answers ``denied`` to a persona without ``need``.
- ``url(case)``: the address. For an object route it is called once with ``case.street == "a"``
  (inside the street-A personas' scope) and once with ``"b"`` (outside it); ``case.org("grid")``
  is ``tree.grid_a`` or ``tree.grid_b`` accordingly, ``case.account`` an account without a role
  in that street.
- ``payload(case)``: the form data (pages) or JSON body (API) of a valid request, for methods
  other than GET.
- ``ok``: the statuses of a successful call, by method.
- ``writes``: a successful call changes organisations, counts, grids, accounts or roles; the
  matrix checks that it did, and that no denied call changed anything.
- ``binary``: an API call whose success is a file, not JSON (its refusals are still JSON).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse, reverse_lazy

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Permission, Role
from dangjian.members.services import corrections
from dangjian.orgs.rules import Kind, Level
from tests import factories

PUBLIC = "public"
AUTHENTICATED = "authenticated"


@dataclass
class Case:
    """What a URL or payload factory may use: the tree, the street of the target object, the
    persona making the call (None when anonymous) and every persona by name."""

    tree: object
    street: str | None
    user: object | None
    personas: dict
    accounts: dict

    def org(self, name: str):
        return getattr(self.tree, f"{name}_{self.street}")

    @property
    def account(self):
        return self.accounts[self.street]


@dataclass(frozen=True)
class Access:
    methods: tuple[str, ...]
    need: str | tuple[str, ...]
    url: Callable[[Case], str]
    ok: dict[str, frozenset[int]]
    view: str | tuple[str, ...] | None = None
    payload: Callable[[Case], dict] | None = None
    api: bool = False
    denied: int = 404
    writes: bool = False
    binary: bool = False


def ok(**statuses) -> dict[str, frozenset[int]]:
    return {method.upper(): frozenset(codes if isinstance(codes, tuple) else (codes,)) for method, codes in statuses.items()}


def page(name: str, *objects: str) -> Callable[[Case], str]:
    """The address of route ``name`` for the organisations named (by tree attribute, without
    the street suffix) in ``objects``."""
    return lambda case: reverse(name, args=[case.org(obj).code for obj in objects])


def fixed(name: str) -> Callable[[Case], str]:
    return lambda case: reverse(name)


def _dissolvable(case: Case):
    # Street A's building group and street B's grid branch have no members and no live children.
    return case.tree.building_a if case.street == "a" else case.tree.grid_b


def _own_credentials(case: Case) -> dict:
    user = case.user or case.personas["member"]
    return {"username": user.username, "password": factories.PASSWORD}


def _account(name: str) -> Callable[[Case], str]:
    return lambda case: reverse(name, args=[case.account.pk])


def _revocable(case: Case) -> str:
    # The target account holds no role; grant one for the call (the matrix rolls every call back).
    assignment = account_services.role_grant(actor=None, user=case.account, role=Role.VIEWER,
                                             organization=case.org("community"))
    return reverse("accounts:role_revoke", args=[case.account.pk, assignment.pk])


def _own(address: str) -> Callable[[Case], str]:
    """``address``, after linking the caller (the member persona when anonymous) to a member record."""
    def url(case: Case) -> str:
        factories.make_member(case.tree.grid_a, account=case.user or case.personas["member"])
        return address
    return url


def _correction(action: str, api: bool = False) -> Callable[[Case], str]:
    """A pending correction request of a member in ``case``'s street, by that member's own account."""
    def url(case: Case) -> str:
        member = factories.make_member(case.org("grid"), account=case.account)
        correction = corrections.correction_request(actor=case.account, member=member, field="address",
                                                    value="矩阵路1号", reason="门牌有误")
        if api:
            return f"/api/members/corrections/{correction.pk}/{action}"
        return reverse(f"members:correction_{action}", args=[correction.pk])
    return url


ACCOUNT_ADMIN = (Permission.MANAGE_ACCOUNTS, Permission.GRANT_ROLES)
NEW_BRANCH = {"name": "新建网格党支部", "level": Level.GRID.value, "kind": Kind.BRANCH.value}
NEW_PASSWORD = "Changed-pass-7?"
OWN_CORRECTION = {"field": "address", "value": "矩阵路2号", "reason": "门牌有误"}

def _member(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address, from its member's key, of a member made in the case's grid branch for the call."""
    return lambda case: address(factories.make_member(case.org("grid")).pk)


def _new_member(case: Case) -> dict:
    return {"name": "矩阵新党员", "id_number": factories.id_number(dt.date(1985, 3, 14)), "ethnicity": "01",
            "category": "full", "joined_on": "2010-07-01", "full_member_on": "2011-07-01"}


# A correction of the member factories.make_member makes: the ID and phone fields left empty keep them.
MEMBER_EDIT = {"name": "张三丰", "id_number": "", "birth_date": "1980-05-01", "ethnicity": "01", "category": "full",
               "joined_on": "2005-07-01", "full_member_on": "2006-07-01", "party_age_correction_months": "0"}
MEMBER = Permission.VIEW_MEMBERS


ACCESS: dict[str, Access] = {
    # --- pages ---------------------------------------------------------------------------------
    "home": Access(("GET",), AUTHENTICATED, fixed("home"), ok(get=(200, 302))),
    "healthz": Access(("GET",), PUBLIC, fixed("healthz"), ok(get=200)),
    "set_language": Access(("POST",), PUBLIC, fixed("set_language"), ok(post=302),
                           payload=lambda case: {"language": "en", "next": "/"}),
    # A signed-in person is sent on from the login page; a wrong password re-renders it.
    "accounts:login": Access(("GET", "POST"), PUBLIC, fixed("accounts:login"), ok(get=(200, 302), post=(200, 302)),
                             payload=lambda case: {"username": case.personas["member"].username, "password": "wrong"}),
    "accounts:logout": Access(("POST",), PUBLIC, fixed("accounts:logout"), ok(post=302), payload=lambda case: {}),
    "accounts:password_change": Access(
        ("GET", "POST"), AUTHENTICATED, fixed("accounts:password_change"), ok(get=200, post=302), writes=True,
        payload=lambda case: {"old_password": factories.PASSWORD, "new_password1": NEW_PASSWORD,
                              "new_password2": NEW_PASSWORD}),
    "accounts:otp_setup": Access(("GET", "POST"), AUTHENTICATED, fixed("accounts:otp_setup"), ok(get=200, post=200),
                                 payload=lambda case: {"token": "not-a-code"}),
    "accounts:otp_verify": Access(("GET", "POST"), AUTHENTICATED, fixed("accounts:otp_verify"), ok(get=200, post=200),
                                  payload=lambda case: {"token": "not-a-code"}),
    "orgs:tree": Access(("GET",), AUTHENTICATED, fixed("orgs:tree"), ok(get=200)),
    "orgs:detail": Access(("GET",), Permission.VIEW_ORGS, page("orgs:detail", "community"), ok(get=200),
                          view=Permission.VIEW_ORGS),
    "orgs:children": Access(("GET",), Permission.VIEW_ORGS, page("orgs:children", "community"), ok(get=200),
                            view=Permission.VIEW_ORGS),
    "orgs:history": Access(("GET",), Permission.VIEW_ORGS, page("orgs:history", "community"), ok(get=200),
                           view=Permission.VIEW_ORGS),
    "orgs:create": Access(("GET", "POST"), Permission.RESTRUCTURE_ORGS, page("orgs:create", "community"),
                          ok(get=200, post=302), view=Permission.VIEW_ORGS, writes=True,
                          payload=lambda case: dict(NEW_BRANCH)),
    "orgs:edit": Access(("GET", "POST"), Permission.EDIT_ORGS, page("orgs:edit", "grid"), ok(get=200, post=302),
                        view=Permission.VIEW_ORGS, writes=True,
                        payload=lambda case: {"name": "改名后的网格党支部", "has_committee": "on"}),
    "orgs:move": Access(("GET", "POST"), Permission.RESTRUCTURE_ORGS, page("orgs:move", "grid"), ok(get=200, post=302),
                        view=Permission.VIEW_ORGS, writes=True,
                        payload=lambda case: {"new_parent": case.org("street").code}),
    "orgs:dissolve": Access(("GET", "POST"), Permission.RESTRUCTURE_ORGS,
                            lambda case: reverse("orgs:dissolve", args=[_dissolvable(case).code]),
                            ok(get=200, post=302), view=Permission.VIEW_ORGS, writes=True,
                            payload=lambda case: {"reason": "撤并"}),
    "audit:list": Access(("GET",), Permission.VIEW_AUDIT, fixed("audit:list"), ok(get=200)),
    "accounts:users": Access(("GET",), ACCOUNT_ADMIN, fixed("accounts:users"), ok(get=200)),
    # A created account's one-time password is shown in the answer to the POST itself.
    "accounts:user_create": Access(
        ("GET", "POST"), Permission.MANAGE_ACCOUNTS, fixed("accounts:user_create"), ok(get=200, post=200), writes=True,
        payload=lambda case: {"username": "matrix_new", "full_name": "新账号", "organization": case.tree.grid_a.code}),
    "accounts:user_detail": Access(("GET",), ACCOUNT_ADMIN, _account("accounts:user_detail"), ok(get=200),
                                   view=ACCOUNT_ADMIN),
    "accounts:user_set_active": Access(("POST",), Permission.MANAGE_ACCOUNTS, _account("accounts:user_set_active"),
                                       ok(post=302), view=ACCOUNT_ADMIN, writes=True,
                                       payload=lambda case: {"active": "0"}),
    "accounts:role_grant": Access(("POST",), Permission.GRANT_ROLES, _account("accounts:role_grant"), ok(post=302),
                                  view=ACCOUNT_ADMIN, writes=True,
                                  payload=lambda case: {"role": Role.CLERK, "organization": case.org("grid").code}),
    "accounts:role_revoke": Access(("POST",), Permission.GRANT_ROLES, _revocable, ok(post=302), view=ACCOUNT_ADMIN,
                                   writes=True, payload=lambda case: {}),
    # Unlocking clears django-axes' failure records, which the matrix's snapshot does not cover.
    "accounts:user_unlock": Access(("POST",), Permission.GRANT_ROLES, _account("accounts:user_unlock"), ok(post=302),
                                   view=ACCOUNT_ADMIN, payload=lambda case: {}),
    # --- the API's own pages -----------------------------------------------------------------------
    "api-1:openapi-json": Access(("GET",), PUBLIC, fixed("api-1:openapi-json"), ok(get=200), api=True),
    # The documentation is an HTML page, not a JSON endpoint.
    "api-1:openapi-view": Access(("GET",), PUBLIC, fixed("api-1:openapi-view"), ok(get=200)),
    # ninja's root only names the API's base path: it answers a JSON 404 to everyone.
    "api-1:api-root": Access(("GET",), PUBLIC, fixed("api-1:api-root"), ok(get=404), api=True),
    # --- API operations ----------------------------------------------------------------------------
    "dangjian_accounts_api_token": Access(("POST",), PUBLIC, lambda case: "/api/auth/token", ok(post=200), api=True,
                                          payload=_own_credentials),
    "dangjian_orgs_api_list_organizations": Access(("GET",), AUTHENTICATED, lambda case: "/api/orgs", ok(get=200),
                                                   api=True),
    "dangjian_orgs_api_create_organization": Access(
        ("POST",), Permission.RESTRUCTURE_ORGS, lambda case: "/api/orgs", ok(post=201), view=Permission.VIEW_ORGS,
        api=True, writes=True, payload=lambda case: {"parent": case.org("community").code, **NEW_BRANCH}),
    "dangjian_orgs_api_get_organization": Access(
        ("GET",), Permission.VIEW_ORGS, lambda case: f"/api/orgs/{case.org('community').code}", ok(get=200),
        view=Permission.VIEW_ORGS, api=True),
    "dangjian_orgs_api_update_organization": Access(
        ("PATCH",), Permission.EDIT_ORGS, lambda case: f"/api/orgs/{case.org('grid').code}", ok(patch=200),
        view=Permission.VIEW_ORGS, api=True, writes=True, payload=lambda case: {"name": "改名后的网格党支部"}),
    "dangjian_orgs_api_move_organization": Access(
        ("POST",), Permission.RESTRUCTURE_ORGS, lambda case: f"/api/orgs/{case.org('grid').code}/move", ok(post=200),
        view=Permission.VIEW_ORGS, api=True, writes=True,
        payload=lambda case: {"new_parent": case.org("street").code}),
    "dangjian_orgs_api_dissolve_organization": Access(
        ("POST",), Permission.RESTRUCTURE_ORGS, lambda case: f"/api/orgs/{_dissolvable(case).code}/dissolve",
        ok(post=200), view=Permission.VIEW_ORGS, api=True, writes=True, payload=lambda case: {"reason": "撤并"}),
    # --- a member's own record and correction requests (pages and API) -----------------------------
    "members:own": Access(("GET",), AUTHENTICATED, _own(reverse_lazy("members:own")), ok(get=200)),
    "members:own_reveal": Access(("POST",), AUTHENTICATED, _own(reverse_lazy("members:own_reveal")), ok(post=200),
                                 payload=lambda case: {"field": "id_number"}),
    "members:own_correction": Access(("GET", "POST"), AUTHENTICATED, _own(reverse_lazy("members:own_correction")),
                                     ok(get=200, post=302), payload=lambda case: dict(OWN_CORRECTION)),
    "members:corrections": Access(("GET",), Permission.MANAGE_MEMBERS, fixed("members:corrections"), ok(get=200),
                                  denied=403),
    "members:correction_approve": Access(("POST",), Permission.MANAGE_MEMBERS, _correction("approve"), ok(post=302),
                                         view=Permission.VIEW_MEMBERS, payload=lambda case: {}),
    "members:correction_reject": Access(("POST",), Permission.MANAGE_MEMBERS, _correction("reject"), ok(post=302),
                                        view=Permission.VIEW_MEMBERS, payload=lambda case: {"note": "门牌无误"}),
    "dangjian_members_api_own_own_record": Access(("GET",), AUTHENTICATED, _own("/api/me"), ok(get=200), api=True),
    "dangjian_members_api_own_own_corrections": Access(("GET",), AUTHENTICATED, _own("/api/me/corrections"),
                                                       ok(get=200), api=True),
    "dangjian_members_api_own_request_correction": Access(
        ("POST",), AUTHENTICATED, _own("/api/me/corrections"), ok(post=201), api=True,
        payload=lambda case: dict(OWN_CORRECTION)),
    "dangjian_members_api_own_correction_inbox": Access(
        ("GET",), Permission.MANAGE_MEMBERS, lambda case: "/api/members/corrections", ok(get=200), api=True, denied=403),
    "dangjian_members_api_own_approve_correction": Access(
        ("POST",), Permission.MANAGE_MEMBERS, _correction("approve", api=True), ok(post=200),
        view=Permission.VIEW_MEMBERS, api=True),
    "dangjian_members_api_own_reject_correction": Access(
        ("POST",), Permission.MANAGE_MEMBERS, _correction("reject", api=True), ok(post=200),
        view=Permission.VIEW_MEMBERS, api=True, payload=lambda case: {"note": "门牌无误"}),
    # --- the member register (pages and API) ------------------------------------------------------
    "members:list": Access(("GET",), MEMBER, fixed("members:list"), ok(get=200)),
    "members:detail": Access(("GET",), MEMBER, _member(lambda pk: reverse("members:detail", args=[pk])), ok(get=200),
                             view=MEMBER),
    "members:edit": Access(("GET", "POST"), Permission.MANAGE_MEMBERS,
                           _member(lambda pk: reverse("members:edit", args=[pk])), ok(get=200, post=302), view=MEMBER,
                           writes=True, payload=lambda case: dict(MEMBER_EDIT)),
    "members:reveal": Access(("POST",), Permission.REVEAL_PERSONAL,
                             _member(lambda pk: reverse("members:reveal", args=[pk])), ok(post=200), view=MEMBER,
                             payload=lambda case: {"field": "id_number"}),
    "members:create": Access(("GET", "POST"), Permission.MANAGE_MEMBERS, page("members:create", "grid"),
                             ok(get=200, post=302), view=MEMBER, writes=True, payload=_new_member),
    "dangjian_members_api_register_list_members": Access(("GET",), MEMBER, lambda case: "/api/members", ok(get=200),
                                                         api=True),
    "dangjian_members_api_register_get_member": Access(
        ("GET",), MEMBER, _member(lambda pk: f"/api/members/{pk}"), ok(get=200), view=MEMBER, api=True),
    "dangjian_members_api_register_create_member": Access(
        ("POST",), Permission.MANAGE_MEMBERS, lambda case: "/api/members", ok(post=201), view=MEMBER, api=True,
        writes=True, payload=lambda case: {"organization": case.org("grid").code, **_new_member(case)}),
    "dangjian_members_api_register_update_member": Access(
        ("PATCH",), Permission.MANAGE_MEMBERS, _member(lambda pk: f"/api/members/{pk}"), ok(patch=200), view=MEMBER,
        api=True, writes=True, payload=lambda case: {"name": "张三丰"}),
    "dangjian_members_api_register_reveal_member_value": Access(
        ("POST",), Permission.REVEAL_PERSONAL, _member(lambda pk: f"/api/members/{pk}/reveal"), ok(post=200),
        view=MEMBER, api=True, payload=lambda case: {"field": "id_number"}),
}


# --- member life cycle, transfers, residence registration, coverage ---------------------------------

def _other_grid(case: Case):
    return case.tree.grid_b if case.street == "a" else case.tree.grid_a


def _lifecycle_member(address: Callable[[int], str], **state) -> Callable[[Case], str]:
    """The address of a member made in the case's grid branch, in ``state`` (flags, dates)."""
    def url(case: Case) -> str:
        member = factories.make_member(case.org("grid"))
        if state:
            type(member).objects.filter(pk=member.pk).update(**state)
        return address(member.pk)
    return url


def _lifecycle_page(name: str, **state) -> Callable[[Case], str]:
    return _lifecycle_member(lambda pk: reverse(name, args=[pk]), **state)


def _lifecycle_api(slug: str, **state) -> Callable[[Case], str]:
    return _lifecycle_member(lambda pk: f"/api/members/{pk}/{slug}", **state)


def _transfer(incoming: bool) -> Callable[[Case], int]:
    """A pending transfer into the case's grid branch from the other street (``incoming``), or
    out of it to the other street."""
    def make(case: Case) -> int:
        from dangjian.members.services import lifecycle

        source, target = (_other_grid(case), case.org("grid")) if incoming else (case.org("grid"), _other_grid(case))
        member = factories.make_member(source)
        return lifecycle.transfer_send(actor=None, member=member, to_org=target, reason="矩阵").pk
    return make


def _pending_registration(case: Case) -> int:
    """An employed member of the other street registered, pending, with the case's community."""
    from dangjian.members.services import residence
    from dangjian.orgs.models import Grid

    member = factories.make_member(_other_grid(case))
    grid = Grid.objects.get(community=case.org("community"))
    return residence.registration_register(actor=None, member=member, grid=grid).pk


def _lifecycle_ok(method: str, status: int) -> dict[str, frozenset[int]]:
    return ok(get=200, **{method: status})


MANAGE = Permission.MANAGE_MEMBERS
SEEN = Permission.VIEW_MEMBERS
MOBILE = {"mobile": True, "mobile_destination": "广东省", "mobile_since": "2020-01-01"}
ABROAD = {"abroad": True, "abroad_destination": "新加坡", "abroad_since": "2020-01-01"}
LOST = {"lost_contact": True, "lost_contact_on": "2020-01-01", "lost_contact_reason": "1"}
SUSPENDED = {"standing": "suspended", "standing_changed_on": "2020-01-01", "suspension_reason": "settled_abroad"}
OUT_OF_SYSTEM = {"outside_destination": "北京市某局", "letter_number": "穗组 2025-1", "reason": "调动"}
# (route name, API slug, state before, payload)
LIFECYCLE_ACTIONS = [
    ("transfer", "transfer", {}, OUT_OF_SYSTEM),
    ("mobile_out", "mobile-out", {}, {"province": "广东省"}),
    ("mobile_back", "mobile-back", MOBILE, {}),
    ("abroad", "abroad", {}, {"destination": "新加坡"}),
    ("abroad_back", "abroad-back", ABROAD, {}),
    ("retire", "retire", {}, {}),
    ("lost_contact", "lost-contact", {}, {"reason": "1"}),
    ("contact_restored", "contact-restored", LOST, {}),
    ("suspend", "suspend", {}, {"reason": "settled_abroad"}),
    ("restore", "restore", SUSPENDED, {}),
    ("leave", "leave", {}, {"reason": "death"}),
]
for _name, _slug, _state, _payload in LIFECYCLE_ACTIONS:
    ACCESS[f"members:{_name}"] = Access(
        ("GET", "POST"), MANAGE, _lifecycle_page(f"members:{_name}", **_state), _lifecycle_ok("post", 302),
        view=SEEN, writes=True, payload=lambda case, body=_payload: dict(body))
    ACCESS[f"dangjian_members_api_lifecycle_{'transfer_send' if _name == 'transfer' else _name}"] = Access(
        ("POST",), MANAGE, _lifecycle_api(_slug, **_state), ok(post=200), view=SEEN, api=True, writes=True,
        payload=lambda case, body=_payload: dict(body))

ACCESS.update({
    "members:residence": Access(("GET", "POST"), MANAGE, _lifecycle_page("members:residence"),
                                _lifecycle_ok("post", 302), view=SEEN, writes=True,
                                payload=lambda case: {"grid": "G-A1" if case.street == "a" else "G-B1"}),
    "dangjian_members_api_lifecycle_register_residence": Access(
        ("POST",), MANAGE, _lifecycle_api("residence"), ok(post=200), view=SEEN, api=True, writes=True,
        payload=lambda case: {"grid": "G-A1" if case.street == "a" else "G-B1"}),
    "members:lifecycle": Access(("GET",), SEEN, _lifecycle_page("members:lifecycle"), ok(get=200), view=SEEN),
    "members:transfers_incoming": Access(("GET",), MANAGE, fixed("members:transfers_incoming"), ok(get=200)),
    "members:transfers_outgoing": Access(("GET",), MANAGE, fixed("members:transfers_outgoing"), ok(get=200)),
    "members:registrations_pending": Access(("GET",), MANAGE, fixed("members:registrations_pending"), ok(get=200)),
    # A pending transfer is visible only to those who may manage the receiving (or sending) side.
    "members:transfer_receive": Access(
        ("GET", "POST"), MANAGE, lambda case: reverse("members:transfer_receive", args=[_transfer(True)(case)]),
        _lifecycle_ok("post", 302), view=MANAGE, writes=True, payload=lambda case: {}),
    "members:transfer_refuse": Access(
        ("GET", "POST"), MANAGE, lambda case: reverse("members:transfer_refuse", args=[_transfer(True)(case)]),
        _lifecycle_ok("post", 302), view=MANAGE, writes=True, payload=lambda case: {"reason": "不在辖区"}),
    "members:transfer_cancel": Access(
        ("POST",), MANAGE, lambda case: reverse("members:transfer_cancel", args=[_transfer(False)(case)]),
        ok(post=302), view=MANAGE, writes=True, payload=lambda case: {}),
    "members:registration_confirm": Access(
        ("POST",), MANAGE, lambda case: reverse("members:registration_confirm", args=[_pending_registration(case)]),
        ok(post=302), view=MANAGE, writes=True, payload=lambda case: {}),
    "members:registration_reject": Access(
        ("GET", "POST"), MANAGE, lambda case: reverse("members:registration_reject", args=[_pending_registration(case)]),
        _lifecycle_ok("post", 302), view=MANAGE, writes=True, payload=lambda case: {"reason": "查无此人"}),
    "members:coverage": Access(("GET",), Permission.VIEW_ORGS, page("members:coverage", "community"), ok(get=200),
                               view=Permission.VIEW_ORGS),
    # The API's inboxes answer every signed-in caller with what their scope holds (often nothing).
    "dangjian_members_api_lifecycle_incoming_transfers": Access(
        ("GET",), AUTHENTICATED, lambda case: "/api/members/transfers/incoming", ok(get=200), api=True),
    "dangjian_members_api_lifecycle_outgoing_transfers": Access(
        ("GET",), AUTHENTICATED, lambda case: "/api/members/transfers/outgoing", ok(get=200), api=True),
    "dangjian_members_api_lifecycle_pending_registrations": Access(
        ("GET",), AUTHENTICATED, lambda case: "/api/members/registrations/pending", ok(get=200), api=True),
    "dangjian_members_api_lifecycle_receive_transfer": Access(
        ("POST",), MANAGE, lambda case: f"/api/members/transfers/{_transfer(True)(case)}/receive", ok(post=200),
        view=MANAGE, api=True, writes=True, payload=lambda case: {}),
    "dangjian_members_api_lifecycle_refuse_transfer": Access(
        ("POST",), MANAGE, lambda case: f"/api/members/transfers/{_transfer(True)(case)}/refuse", ok(post=200),
        view=MANAGE, api=True, writes=True, payload=lambda case: {"reason": "不在辖区"}),
    "dangjian_members_api_lifecycle_cancel_transfer": Access(
        ("POST",), MANAGE, lambda case: f"/api/members/transfers/{_transfer(False)(case)}/cancel", ok(post=200),
        view=MANAGE, api=True, writes=True),
    "dangjian_members_api_lifecycle_confirm_registration": Access(
        ("POST",), MANAGE, lambda case: f"/api/members/registrations/{_pending_registration(case)}/confirm",
        ok(post=200), view=MANAGE, api=True, writes=True),
    "dangjian_members_api_lifecycle_reject_registration": Access(
        ("POST",), MANAGE, lambda case: f"/api/members/registrations/{_pending_registration(case)}/reject",
        ok(post=200), view=MANAGE, api=True, writes=True, payload=lambda case: {"reason": "查无此人"}),
    "dangjian_members_api_lifecycle_coverage": Access(
        ("GET",), Permission.VIEW_ORGS, lambda case: f"/api/members/coverage/{case.org('community').code}",
        ok(get=200), view=Permission.VIEW_ORGS, api=True),
})


# --- roster import and export -----------------------------------------------------------------------

def _roster_job(kind: str, **fields) -> Callable[[Case], int]:
    """A roster job of the case's community, made by the caller (a previewed import carries a
    clean one-row roster file; a finished export its file)."""
    def make(case: Case) -> int:
        from django.utils import timezone

        from dangjian.members import exports
        from dangjian.members.models import RosterJob
        from dangjian.members.services import imports
        from tests.members.roster_files import row, xlsx

        community = case.org("community")
        job = RosterJob.objects.create(kind=kind, organization=community, org_path=community.path,
                                       created_by=case.user, file_name="roster.xlsx",
                                       stored_name=f"matrix-{kind}-{case.street}.xlsx", **fields)
        path = imports.job_path(job)
        if kind == RosterJob.Kind.IMPORT:
            path.write_bytes(xlsx([row(case.org("grid").name)]))
            job.status, job.report = RosterJob.Status.PREVIEWED, {"created": 1, "errors": []}
        else:
            exports.write_roster(path, community, unmasked=False)
            job.status, job.expires_at = RosterJob.Status.DONE, timezone.now() + dt.timedelta(hours=1)
        job.save()
        return job.pk
    return make


def _roster_upload(case: Case) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.members.roster_files import row, xlsx
    return {"file": SimpleUploadedFile("roster.xlsx", xlsx([row(case.org("grid").name)]))}


_import_job, _export_job = _roster_job("import"), _roster_job("export")
VIEW_MEMBERS, MANAGE_MEMBERS = Permission.VIEW_MEMBERS, Permission.MANAGE_MEMBERS

ACCESS.update({
    "members:import_template": Access(("GET",), MANAGE_MEMBERS, fixed("members:import_template"), ok(get=200),
                                      denied=403),
    # The upload checks the roster and keeps it as a job; nothing the matrix watches changes.
    "members:import": Access(("GET", "POST"), MANAGE_MEMBERS, page("members:import", "community"),
                             ok(get=200, post=302), view=VIEW_MEMBERS, payload=_roster_upload),
    "members:import_job": Access(("GET",), MANAGE_MEMBERS,
                                 lambda case: reverse("members:import_job", args=[_import_job(case)]), ok(get=200),
                                 view=MANAGE_MEMBERS),
    "members:import_apply": Access(("POST",), MANAGE_MEMBERS,
                                   lambda case: reverse("members:import_apply", args=[_import_job(case)]),
                                   ok(post=302), view=MANAGE_MEMBERS, writes=True, payload=lambda case: {}),
    "members:export": Access(("GET", "POST"), VIEW_MEMBERS, page("members:export", "community"),
                             ok(get=200, post=302), view=VIEW_MEMBERS, payload=lambda case: {}),
    "members:export_job": Access(("GET",), VIEW_MEMBERS,
                                 lambda case: reverse("members:export_job", args=[_export_job(case)]), ok(get=200),
                                 view=VIEW_MEMBERS),
    "members:export_download": Access(("GET",), VIEW_MEMBERS,
                                      lambda case: reverse("members:export_download", args=[_export_job(case)]),
                                      ok(get=200), view=VIEW_MEMBERS),
    # The matrix sends JSON, not a multipart upload: a caller allowed to import reaches the check
    # that names the missing file field (422); the others are refused before it.
    "dangjian_members_api_imports_import_roster": Access(
        ("POST",), MANAGE_MEMBERS, lambda case: f"/api/members/imports/{case.org('community').code}", ok(post=422),
        view=VIEW_MEMBERS, api=True),
    "dangjian_members_api_imports_import_job": Access(
        ("GET",), MANAGE_MEMBERS, lambda case: f"/api/members/imports/jobs/{_import_job(case)}", ok(get=200),
        view=MANAGE_MEMBERS, api=True),
    "dangjian_members_api_imports_import_apply": Access(
        ("POST",), MANAGE_MEMBERS, lambda case: f"/api/members/imports/jobs/{_import_job(case)}/apply", ok(post=200),
        view=MANAGE_MEMBERS, api=True, writes=True),
    "dangjian_members_api_imports_export_roster": Access(
        ("POST",), VIEW_MEMBERS, lambda case: f"/api/members/exports/{case.org('community').code}", ok(post=202),
        view=VIEW_MEMBERS, api=True, payload=lambda case: {}),
    "dangjian_members_api_imports_export_job": Access(
        ("GET",), VIEW_MEMBERS, lambda case: f"/api/members/exports/jobs/{_export_job(case)}", ok(get=200),
        view=VIEW_MEMBERS, api=True),
})


# --- recruitment ------------------------------------------------------------------------------------

def _recruitment_file(address: Callable[[int], str]) -> Callable[[Case], str]:
    """The address of an applicant's file made in the case's grid branch."""
    return lambda case: address(factories.make_recruitment_file(case.org("grid")).pk)


def _days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


ONE_CASE = {"id": "c1", "steps": {"1": {"date": "2020-03-01"}, "2": {"date": "2020-03-15"}}}


def _recruitment_record(address: Callable[[int, int], str]) -> Callable[[Case], str]:
    """The address of the application step of a file made in the case's grid branch."""
    def url(case: Case) -> str:
        file = factories.make_recruitment_file(case.org("grid"))
        return address(file.pk, file.records.get().pk)
    return url


def _recruitment_document(address: Callable[[int], str]) -> Callable[[Case], str]:
    return lambda case: address(factories.make_step_document(factories.make_recruitment_file(case.org("grid"))).pk)


def _document_upload(case: Case) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    return {"documents": [SimpleUploadedFile("谈话记录.pdf", b"%PDF-1.4\n%%EOF\n")]}


def _file_page(name: str) -> Callable[[Case], str]:
    return _recruitment_file(lambda pk: reverse(name, args=[pk]))

ACCESS.update({
    "dangjian_recruitment_api_list_files": Access(
        ("GET",), VIEW_MEMBERS, lambda case: "/api/recruitment/files", ok(get=200), api=True),
    "dangjian_recruitment_api_open_file": Access(
        ("POST",), MANAGE_MEMBERS, lambda case: "/api/recruitment/files", ok(post=201), view=VIEW_MEMBERS, api=True,
        writes=True, payload=lambda case: {"organization": case.org("grid").code, "name": "李申请",
                                           "id_number": factories.id_number(dt.date(1996, 4, 2)),
                                           "applied_on": _days_ago(5)}),
    "dangjian_recruitment_api_get_file": Access(
        ("GET",), VIEW_MEMBERS, _recruitment_file(lambda pk: f"/api/recruitment/files/{pk}"), ok(get=200),
        view=VIEW_MEMBERS, api=True),
    "dangjian_recruitment_api_record_step": Access(
        ("POST",), MANAGE_MEMBERS, _recruitment_file(lambda pk: f"/api/recruitment/files/{pk}/steps"), ok(post=201),
        view=VIEW_MEMBERS, api=True, writes=True, payload=lambda case: {"step": "2", "on": _days_ago(10)}),
    "dangjian_recruitment_api_end_file": Access(
        ("POST",), MANAGE_MEMBERS, _recruitment_file(lambda pk: f"/api/recruitment/files/{pk}/end"), ok(post=200),
        view=VIEW_MEMBERS, api=True, writes=True, payload=lambda case: {"on": _days_ago(1), "reason": "本人撤回申请"}),
    "dangjian_recruitment_api_due": Access(
        ("GET",), VIEW_MEMBERS, lambda case: f"/api/recruitment/due?org={case.org('community').code}", ok(get=200),
        view=VIEW_MEMBERS, api=True),
    "dangjian_recruitment_api_funnel": Access(
        ("GET",), VIEW_MEMBERS, lambda case: f"/api/recruitment/funnel?org={case.org('community').code}",
        ok(get=200), view=VIEW_MEMBERS, api=True),
    # The matrix sends JSON, not a multipart upload: a caller allowed to upload reaches the check
    # that names the missing field (422); the others are refused before it.
    "dangjian_recruitment_api_add_documents": Access(
        ("POST",), MANAGE_MEMBERS,
        _recruitment_record(lambda pk, record: f"/api/recruitment/files/{pk}/records/{record}/documents"),
        ok(post=422), view=VIEW_MEMBERS, api=True),
    "dangjian_recruitment_api_download_document": Access(
        ("GET",), VIEW_MEMBERS, _recruitment_document(lambda pk: f"/api/recruitment/documents/{pk}"), ok(get=200),
        view=VIEW_MEMBERS, api=True, binary=True),
    "recruitment:home": Access(("GET",), VIEW_MEMBERS, fixed("recruitment:home"), ok(get=(200, 302))),
    "recruitment:organization": Access(("GET",), VIEW_MEMBERS, page("recruitment:organization", "community"),
                                       ok(get=200), view=VIEW_MEMBERS),
    "recruitment:file_open": Access(
        ("GET", "POST"), MANAGE_MEMBERS, page("recruitment:file_open", "grid"), ok(get=200, post=302),
        view=VIEW_MEMBERS, writes=True,
        payload=lambda case: {"name": "李申请", "id_number": factories.id_number(dt.date(1996, 4, 2)),
                              "applied_on": _days_ago(5), "rules_name": "auto"}),
    "recruitment:file": Access(("GET",), VIEW_MEMBERS, _file_page("recruitment:file"), ok(get=200),
                               view=VIEW_MEMBERS),
    "recruitment:file_print": Access(("GET",), VIEW_MEMBERS, _file_page("recruitment:file_print"), ok(get=200),
                                     view=VIEW_MEMBERS),
    "recruitment:step_new": Access(
        ("GET", "POST"), MANAGE_MEMBERS,
        _recruitment_file(lambda pk: reverse("recruitment:step_new", args=[pk]) + "?step=2"), ok(get=200, post=302),
        view=VIEW_MEMBERS, writes=True, payload=lambda case: {"on": _days_ago(10)}),
    "recruitment:file_end": Access(
        ("GET", "POST"), MANAGE_MEMBERS, _file_page("recruitment:file_end"), ok(get=200, post=302),
        view=VIEW_MEMBERS, writes=True, payload=lambda case: {"reason": "本人撤回申请"}),
    "recruitment:documents_add": Access(
        ("POST",), MANAGE_MEMBERS,
        _recruitment_record(lambda pk, record: reverse("recruitment:documents_add", args=[pk, record])),
        ok(post=302), view=VIEW_MEMBERS, payload=_document_upload),
    "recruitment:document_download": Access(
        ("GET",), VIEW_MEMBERS, _recruitment_document(lambda pk: reverse("recruitment:document_download", args=[pk])),
        ok(get=200), view=VIEW_MEMBERS),
    "dangjian_recruitment_api_check": Access(
        ("POST",), AUTHENTICATED, lambda case: "/api/recruitment/check", ok(post=200), api=True,
        payload=lambda case: ONE_CASE),
})

# The requests app keeps its entries beside its tests, one module per area; each imports what it
# needs from this module, whose definitions above are complete by now.
from tests.requests import access_api, access_open311, access_pages, access_receptions  # noqa: E402

for _area in (access_api, access_open311, access_pages, access_receptions):
    ACCESS.update(_area.ENTRIES)

# So do the service (teams, activities, check-in) and micro-projects apps.
from tests.projects import access as projects_access  # noqa: E402
from tests.service import access as service_access  # noqa: E402

for _area in (service_access, projects_access):
    ACCESS.update(_area.ENTRIES)
