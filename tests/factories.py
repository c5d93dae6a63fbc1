"""Factories for test data. Organisations are made through the service, so that paths, codes
and roll-up counts are what the application itself would produce."""

import datetime as dt
import itertools

import factory
from django.core.files.base import ContentFile

from dangjian.accounts.models import User
from dangjian.core import crypto, identity, pinyin
from dangjian.members.models import Category, Member
from dangjian.orgs import counts as rollup
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Grid
from dangjian.orgs.rules import Kind, Level
from dangjian.recruitment.models import RecruitmentFile, StepDocument, StepRecord

PASSWORD = "Test-pass-9!"
# The smallest PNG a type check accepts: the signature and the start of an IHDR chunk.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
_sequence = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    password_changed_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_org(parent, name, level, kind, **fields):
    return org_services.organization_create(actor=None, parent=parent, name=name, level=level, kind=kind, **fields)


def make_root(name="示范市委", code="C01"):
    return org_services.organization_create(
        actor=None, parent=None, name=name, level=Level.CITY, kind=Kind.LOCAL_COMMITTEE, code=code, city_id=1
    )


def id_number(birth: dt.date, male: bool = True, region: str = "440104") -> str:
    sequence = next(_sequence) % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + identity.check_character(first17)


def make_member(home_org, *, name="张三", category=Category.FULL, birth=dt.date(1980, 5, 1), male=True, **fields):
    """A member in ``home_org``, with the roll-up counts kept as the member service will keep them."""
    number = fields.pop("id_number", None) or id_number(birth, male)
    joined = fields.pop("joined_on", dt.date(2005, 7, 1))
    member = Member.objects.create(
        city_id=home_org.city_id, home_org=home_org, org_path=home_org.path, name=name,
        name_pinyin=pinyin.person_name_pinyin(name), name_initials=pinyin.person_name_initials(name),
        sex="M" if male else "F", birth_date=birth,
        id_number_sealed=crypto.seal(number), id_number_hash=crypto.lookup_hash(number), id_last4=number[-4:],
        category=category, joined_on=joined,
        full_member_on=None if category == Category.PROBATIONARY else fields.pop("full_member_on", dt.date(2006, 7, 1)),
        **fields,
    )
    rollup.adjust(home_org.path, members=1, **{
        "full_members" if category == Category.FULL else "probationary_members": 1})
    return member


def make_grid(community, name, code, organization=None, households=400):
    grid = Grid.objects.create(
        community=community, name=name, code=code, organization=organization, households=households,
        org_path=(organization or community).path, city_id=community.city_id,
    )
    rollup.adjust(grid.org_path, grids=1, grids_with_organization=1 if organization else 0)
    return grid


def make_recruitment_file(organization, *, name="王申请", birth=dt.date(1995, 3, 1), applied_days_ago=20):
    """An applicant's file in ``organization``, its application recorded ``applied_days_ago``."""
    number = id_number(birth)
    file = RecruitmentFile.objects.create(
        organization=organization, org_path=organization.path, name=name, sex=identity.sex_of(number),
        birth_date=birth, id_number_sealed=crypto.seal(number), id_number_hash=crypto.lookup_hash(number),
        id_last4=number[-4:])
    StepRecord.objects.create(file=file, step="1", on=dt.date.today() - dt.timedelta(days=applied_days_ago))
    return file


def make_step_document(file, *, name="申请书.pdf", content=b"%PDF-1.4\n%%EOF\n"):
    """A PDF kept with ``file``'s first recorded step."""
    document = StepDocument(record=file.records.first(), name=name, content_type="application/pdf", size=len(content),
                            sha256="0" * 64)
    document.content.save("document.pdf", ContentFile(content), save=False)
    document.save()
    return document


def make_category(code="HW", name="环境卫生", time_limit_days=5, attributes=(), **fields):
    """A category, its attribute definitions normalised as the category service keeps them."""
    from dangjian.requests import rules
    from dangjian.requests.models import Category

    return Category.objects.create(code=code, name=name, time_limit_days=time_limit_days,
                                   attributes=rules.check_attribute_definitions(list(attributes)), **fields)


def make_request(grid, *, category=None, description="楼道灯坏了，晚上看不见路。", **fields):
    """A request filed on the public page for ``grid``; returns (request, tracking code)."""
    from dangjian.requests import services as request_services

    category = category or make_category(code=f"C{next(_sequence)}")
    return request_services.request_file(actor=None, category=category, grid=grid, description=description, **fields)
