"""Roster export: masking, unmasking with REVEAL_PERSONAL, formula escaping, audit, the file's
permissions and expiry, and the background path."""

import datetime as dt
import io
import stat

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.accounts.roles import Role
from dangjian.core import identity
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.members import exports
from dangjian.members.models import RosterJob
from dangjian.members.services import imports as service
from tests import factories

pytestmark = pytest.mark.django_db


def sheet_rows(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


@pytest.fixture
def members(tree):
    from dangjian.core import crypto
    first = factories.make_member(tree.grid_a, name="=HYPERLINK(\"http://x\")", phone_sealed=crypto.seal("13800138000"),
                                  phone_last4="8000", address="+1 楼", current_residence="@home")
    second = factories.make_member(tree.community_a, name="李四", category="probationary",
                                   joined_on=dt.date.today() - dt.timedelta(days=30), registered_residence="\t广州")
    factories.make_member(tree.grid_b, name="西山党员")
    return first, second


def test_masked_export_in_the_import_columns_escaped_and_audited(tree, members, make_user):
    viewer = make_user(Role.VIEWER, tree.street_a)
    job = service.export_start(actor=viewer, organization=tree.street_a)
    assert job.status == RosterJob.Status.DONE and job.report == {"rows": 2}
    path = service.export_file(actor=viewer, job=job)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    rows = sheet_rows(path)
    headers = rows[0]
    assert headers[:4] == ["序号", "姓名", "性别", "公民身份号码"]
    by_name = {r[1]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    first = members[0]
    escaped = "'" + first.name
    assert set(by_name) == {escaped, "李四"}
    assert by_name[escaped]["公民身份号码"] == identity.mask_id_number(first.id_number)
    assert by_name[escaped]["手机号码"] == "138****8000"
    assert by_name[escaped]["家庭住址"] == "'+1 楼" and by_name[escaped]["现居住地"] == "'@home"
    assert by_name[escaped]["所在党支部"] == tree.grid_a.name and by_name[escaped]["人员类别"] == "正式党员"
    assert by_name["李四"]["户籍所在地"] == "'\t广州" and by_name["李四"]["转正日期"] == ""
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == viewer and event.changes == {"export": {"rows": 2, "unmasked": False}}
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_unmasked_export_needs_reveal_and_is_audited_as_such(tree, members, make_user):
    with pytest.raises(PermissionDenied):
        service.export_start(actor=make_user(Role.CLERK, tree.street_a), organization=tree.street_a, unmasked=True)
    secretary = make_user(Role.SECRETARY, tree.street_a)
    job = service.export_start(actor=secretary, organization=tree.street_a, unmasked=True)
    rows = sheet_rows(service.export_file(actor=secretary, job=job))
    first = members[0]
    assert first.id_number in [r[3] for r in rows]
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).changes["export"]["unmasked"] is True
    assert AuditEvent.objects.get(action=AuditAction.REVEAL).changes == {"export": {"rows": 2}}


def test_export_outside_the_scope_is_refused(tree, make_user):
    with pytest.raises(PermissionDenied):
        service.export_start(actor=make_user(Role.VIEWER, tree.street_a), organization=tree.street_b)
    with pytest.raises(PermissionDenied):
        service.export_start(actor=make_user(Role.SYSTEM_ADMIN, tree.street_a), organization=tree.street_a)


def test_only_the_maker_downloads_and_only_until_it_expires(tree, members, make_user):
    viewer = make_user(Role.VIEWER, tree.street_a)
    job = service.export_start(actor=viewer, organization=tree.street_a)
    with pytest.raises(PermissionDenied):
        service.export_file(actor=make_user(Role.ORG_ADMIN, tree.street_a), job=job)
    RosterJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    job.refresh_from_db()
    with pytest.raises(ValidationError):
        service.export_file(actor=viewer, job=job)


def test_a_large_export_runs_as_a_task(tree, members, make_user, settings, django_capture_on_commit_callbacks):
    settings.DANGJIAN_EXPORT_INLINE_ROWS = 1
    viewer = make_user(Role.VIEWER, tree.street_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = service.export_start(actor=viewer, organization=tree.street_a)
    assert job.status == RosterJob.Status.QUEUED and job.total == 2
    for callback in callbacks:
        callback()  # the ImmediateBackend of the tests runs the task at once
    job.refresh_from_db()
    assert job.status == RosterJob.Status.DONE and job.done == 2


def test_an_unmasked_export_reimports_as_unchanged(tree, members, make_user):
    secretary = make_user(Role.SECRETARY, tree.street_b)
    job = service.export_start(actor=secretary, organization=tree.street_b, unmasked=True)
    data = service.export_file(actor=secretary, job=job).read_bytes()
    report = service.apply(actor=secretary, organization=tree.street_b, data=data, filename="roster.xlsx")
    assert (report["rows"], report["unchanged"], report["errors"]) == (1, 1, [])


def test_template_has_header_example_and_explanations(tree):
    stream = io.BytesIO()
    exports.write_template(stream)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(stream.getvalue()))
    roster = workbook.get_sheet_by_index(0).to_python()
    assert roster[0][1] == "姓名*" and roster[1][1] == "张三"
    assert len(workbook.sheet_names) == 3
    explained = workbook.get_sheet_by_index(1).to_python()
    assert [r[0] for r in explained[1:]] == [c.header for c in exports.COLUMNS]
