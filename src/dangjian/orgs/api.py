import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangjian.orgs import selectors, services
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level

router = Router(tags=["organisations"])


class CountsOut(Schema):
    members: int
    full_members: int
    probationary_members: int
    organizations: int
    grids: int
    grids_with_organization: int


class WarningOut(Schema):
    code: str
    message: str
    rule: str


class OrganizationOut(Schema):
    code: str
    name: str
    level: Level
    kind: Kind
    parent_code: str | None
    depth: int
    children: int
    has_committee: bool
    founded_on: dt.date | None
    dissolved: bool
    counts: CountsOut


class OrganizationDetailOut(OrganizationOut):
    warnings: list[WarningOut]


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_after: str | None = Field(description="Pass as `after` to read the next page.")


class OrganizationFilter(Schema):
    parent: str | None = Field(default=None, max_length=32, description="Code of the parent: its children only.")
    level: Level | None = None
    code: str | None = Field(default=None, max_length=32)
    q: str | None = Field(default=None, max_length=50, description="Name, code or pinyin initials.")
    include_dissolved: bool = False
    after: str | None = Field(default=None, max_length=32, description="Code of the last item of the previous page.")
    limit: int = Field(default=100, ge=1, le=500)


class OrganizationIn(Schema):
    parent: str = Field(min_length=1, max_length=32, description="Code of the parent organisation.")
    name: str = Field(min_length=1, max_length=100)
    level: Level
    kind: Kind
    code: str = Field(default="", max_length=32, description="Leave empty to number it under the parent.")
    has_committee: bool = False
    founded_on: dt.date | None = None


class OrganizationPatch(Schema):
    # A field left out stays as it is; null is refused except for founded_on, where it clears the date.
    name: str = Field(default=None, min_length=1, max_length=100)
    has_committee: bool = Field(default=None)
    founded_on: dt.date | None = None


class MoveIn(Schema):
    new_parent: str = Field(min_length=1, max_length=32, description="Code of the new parent.")


class DissolveIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


def _parent_codes(user, organizations: list[Organization]) -> dict[str, str]:
    """Codes of the parents the user may see; above the user's scope the parent stays unnamed."""
    parent_paths = {org.path[: -Organization.steplen] for org in organizations if org.depth > 1}
    visible = selectors.visible_organizations(user).filter(path__in=parent_paths)
    return dict(visible.values_list("path", "code"))


def _out(organization: Organization, parent_codes: dict[str, str]) -> dict:
    return {
        "code": organization.code,
        "name": organization.name,
        "level": organization.level,
        "kind": organization.kind,
        "parent_code": parent_codes.get(organization.path[: -Organization.steplen]),
        "depth": organization.depth,
        "children": organization.numchild,
        "has_committee": organization.has_committee,
        "founded_on": organization.founded_on,
        "dissolved": organization.is_dissolved,
        "counts": selectors.subtree_counts(organization),
    }


def _detail(user, organization: Organization) -> dict:
    out = _out(organization, _parent_codes(user, [organization]))
    out["warnings"] = [w.__dict__ for w in selectors.warnings_for(organization, out["counts"])]
    return out


@router.get("", response=OrganizationPage, summary="List organisations in your scope")
def list_organizations(request, filters: Query[OrganizationFilter]):
    if filters.q:
        queryset = selectors.search(request.user, filters.q, include_dissolved=filters.include_dissolved)
        items = list(queryset)
        codes = _parent_codes(request.user, items)
        return {"items": [_out(o, codes) for o in items], "next_after": None}
    parent = selectors.organization_for(request.user, filters.parent) if filters.parent else None
    queryset = selectors.filter_organizations(
        request.user, parent=parent, level=filters.level, code=filters.code, include_dissolved=filters.include_dissolved
    )
    if filters.after:
        anchor = get_object_or_404(selectors.visible_organizations(request.user), code=filters.after)
        queryset = queryset.filter(path__gt=anchor.path)
    items = list(queryset[: filters.limit + 1])
    more = len(items) > filters.limit
    items = items[: filters.limit]
    codes = _parent_codes(request.user, items)
    return {"items": [_out(o, codes) for o in items], "next_after": items[-1].code if more else None}


@router.get("/{code}", response=OrganizationDetailOut, summary="One organisation with its counts and warnings")
def get_organization(request, code: str):
    return _detail(request.user, selectors.organization_for(request.user, code))


@router.post("", response={201: OrganizationDetailOut}, summary="Create an organisation under a parent")
def create_organization(request, payload: OrganizationIn):
    parent = selectors.organization_for(request.user, payload.parent)
    organization = services.organization_create(
        actor=request.user, parent=parent, name=payload.name, level=payload.level, kind=payload.kind,
        code=payload.code, has_committee=payload.has_committee, founded_on=payload.founded_on,
    )
    return Status(201, _detail(request.user, selectors.organization_for(request.user, organization.code)))


@router.patch("/{code}", response=OrganizationDetailOut, summary="Rename or edit an organisation")
def update_organization(request, code: str, payload: OrganizationPatch):
    organization = selectors.organization_for(request.user, code)
    fields = payload.dict(exclude_unset=True)
    services.organization_update(
        actor=request.user, organization=organization,
        name=fields.get("name", organization.name),
        has_committee=fields.get("has_committee", organization.has_committee),
        founded_on=fields.get("founded_on", organization.founded_on),
    )
    return _detail(request.user, selectors.organization_for(request.user, code))


@router.post("/{code}/move", response=OrganizationDetailOut, summary="Move an organisation and its subtree")
def move_organization(request, code: str, payload: MoveIn):
    organization = selectors.organization_for(request.user, code)
    new_parent = selectors.organization_for(request.user, payload.new_parent)
    services.organization_move(actor=request.user, organization=organization, new_parent=new_parent)
    return _detail(request.user, selectors.organization_for(request.user, code))


@router.post("/{code}/dissolve", response=OrganizationDetailOut, summary="Dissolve an organisation (kept with its history)")
def dissolve_organization(request, code: str, payload: DissolveIn):
    organization = selectors.organization_for(request.user, code)
    services.organization_dissolve(actor=request.user, organization=organization, reason=payload.reason)
    return _detail(request.user, selectors.organization_for(request.user, code))

