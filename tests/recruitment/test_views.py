"""Recruitment pages: a subtree's funnel and due lists, opening a file, recording steps with their
facts and documents (a refused step names its rule and changes nothing), exceptions for those who
may grant them, documents kept out of reach of others, ending a file and the printed record."""

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.accounts.roles import Role
from dangjian.core.calendar import add_months
from dangjian.core.models import AuditEvent
from dangjian.recruitment import services
from dangjian.recruitment.models import RecruitmentFile, Stage, StepDocument, StepRecord
from tests import factories
from tests.recruitment.test_services import BIRTH, on, open_file, record_until

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def clerk(tree, make_user):
    """The clerk of the community's primary committee, which develops members for its branches
    and records the steps that belong to it as well."""
    return make_user(Role.CLERK, tree.community_a)


@pytest.fixture
def as_clerk(client, clerk, settings_no_otp):
    client.force_login(clerk)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> list[str]:
    """The errors shown under ``field`` (the form's error block for it)."""
    blocks = re.findall(r'<div class="field invalid">(.*?)\n</div>', response.content.decode(), re.DOTALL)
    found = [block for block in blocks if f'name="{field}"' in block]
    return [html.unescape(error) for block in found for error in re.findall(r'<p class="error" role="alert">(.*?)</p>', block)]


def upload(name: str, content: bytes, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_organisation_page_shows_the_funnel_and_what_is_due(tree, as_clerk, clerk):
    today = dt.date.today()
    for name, days_ago in (("迟谈话", 60), ("快到期", 20)):
        open_file(tree, clerk, name=name, applied_on=today - dt.timedelta(days=days_ago))
    factories.make_recruitment_file(tree.grid_b, name="别处的")
    response = as_clerk.get(reverse("recruitment:organization", args=[tree.grid_a.code]))
    page = text(response)
    assert response.status_code == 200
    assert re.search(r'data-stage="applicant">2<', page)
    overdue = page.split('data-list="overdue"')[1].split("</section>")[0]
    due_soon = page.split('data-list="due-soon"')[1].split("</section>")[0]
    assert "迟谈话" in overdue and "快到期" not in overdue
    assert "快到期" in due_soon and "迟谈话" not in due_soon
    assert "别处的" not in page

    filtered = text(as_clerk.get(reverse("recruitment:organization", args=[tree.grid_a.code]), {"stage": "activist"}))
    assert "迟谈话" not in filtered.split('data-list="files"')[1]


def test_the_recruitment_link_leads_to_the_users_organisation(tree, as_clerk):
    response = as_clerk.get(reverse("recruitment:home"))
    assert response.status_code == 302 and response.url == reverse("recruitment:organization", args=[tree.community_a.code])


def test_opening_a_file_in_the_page(tree, as_clerk):
    url = reverse("recruitment:file_open", args=[tree.grid_a.code])
    assert as_clerk.get(url).status_code == 200
    response = as_clerk.post(url, {"name": "王小明", "id_number": factories.id_number(BIRTH),
                                   "applied_on": on("1").isoformat(), "rules_name": "auto"})
    file = RecruitmentFile.objects.get()
    assert response.status_code == 302 and response.url == reverse("recruitment:file", args=[file.pk])
    page = text(as_clerk.get(response.url))
    assert "王小明" in page and file.id_number not in page and file.masked_id_number in page


@pytest.mark.parametrize("data, field", [
    ({"id_number": "440104199001010000"}, "id_number"),
    ({"applied_on": "2999-01-01"}, "on"),
    ({"applied_on": "not a date"}, "applied_on"),
    ({"name": ""}, "name"),
    ({"rules_name": "2019"}, "rules_name"),
])
def test_opening_a_file_with_bad_input_names_the_field(tree, as_clerk, data, field):
    valid = {"name": "王小明", "id_number": factories.id_number(BIRTH), "applied_on": on("1").isoformat(),
             "rules_name": "auto"}
    response = as_clerk.post(reverse("recruitment:file_open", args=[tree.grid_a.code]), valid | data)
    assert response.status_code == 200
    assert field_errors(response, field) or (field == "on" and "in the future" in text(response))
    assert not RecruitmentFile.objects.exists()


def test_a_step_is_chosen_from_those_that_may_come_next(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    page = text(as_clerk.get(reverse("recruitment:step_new", args=[file.pk])))
    offered = re.findall(r'data-step="(\d+)"', page.split('data-list="next-steps"')[1].split("</ul>")[0])
    assert offered == ["2"]


def test_a_steps_form_asks_for_the_facts_its_rules_read(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    page = text(as_clerk.get(reverse("recruitment:step_new", args=[file.pk]), {"step": "15"}))
    for name in ("eligible", "present", "yes", "written_yes", "candidates", "leaving_on"):
        assert f'name="{name}"' in page
    assert 'name="sponsors"' not in page and 'name="exception_reason"' not in page


def test_recording_a_step_with_facts_and_documents(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    record_until(clerk, file, "4")
    response = as_clerk.post(reverse("recruitment:step_new", args=[file.pk]) + "?step=5", {
        "on": on("5").isoformat(), "mentors": "2", "note": "两名联系人",
        "documents": [upload("培养联系人登记.pdf", PDF), upload("照片.png", PNG, "image/png")]})
    assert response.status_code == 302
    record = file.records.get(step="5")
    assert record.facts == {"mentors": 2} and record.note == "两名联系人"
    assert sorted(record.documents.values_list("name", "content_type")) == [
        ("培养联系人登记.pdf", "application/pdf"), ("照片.png", "image/png")]
    document = record.documents.get(content_type="application/pdf")
    assert "培养" not in document.content.name and document.content.name.endswith(".pdf")

    page = text(as_clerk.get(reverse("recruitment:file", args=[file.pk])))
    assert "Mentors named: 2" in page and "培养联系人登记.pdf" in page
    download = as_clerk.get(reverse("recruitment:document_download", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and "no-store" in download["Cache-Control"]
    assert AuditEvent.objects.filter(action="download", object_id=str(file.pk)).count() == 1


def test_a_refused_step_shows_its_rule_and_keeps_nothing(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    late = add_months(on("1"), 1) + dt.timedelta(days=1)
    response = as_clerk.post(reverse("recruitment:step_new", args=[file.pk]) + "?step=2", {
        "on": late.isoformat(), "documents": [upload("谈话记录.pdf", PDF)]})
    assert response.status_code == 200
    (error,) = field_errors(response, "on") or re.findall(r'<div class="errors" role="alert"><p>(.*?)</p>', text(response))
    assert "more than 1 month after step 1" in error and "[细则 第七条]" in error
    assert file.records.count() == 1 and not StepDocument.objects.exists()


def test_a_document_of_the_wrong_kind_refuses_the_step(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    response = as_clerk.post(reverse("recruitment:step_new", args=[file.pk]) + "?step=2", {
        "on": on("2").isoformat(), "documents": [upload("谈话记录.pdf", b"#!/bin/sh\nrm -rf /\n")]})
    assert response.status_code == 200
    assert field_errors(response, "documents") == ["“谈话记录.pdf” is not a PDF, JPEG, PNG or Word (.docx) document."]
    assert file.records.count() == 1 and not StepDocument.objects.exists()


def test_a_document_too_large_is_refused(tree, as_clerk, clerk, settings):
    settings.DANGJIAN_DOCUMENT_MAX_BYTES = 40
    file = open_file(tree, clerk)
    record = file.records.get()
    response = as_clerk.post(reverse("recruitment:documents_add", args=[file.pk, record.pk]),
                             {"documents": [upload("申请书.pdf", PDF)]}, follow=True)
    assert "“申请书.pdf” is" in text(response) and "at most" in text(response)
    assert not StepDocument.objects.exists()


def test_documents_added_to_a_recorded_step(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    record = file.records.get()
    response = as_clerk.post(reverse("recruitment:documents_add", args=[file.pk, record.pk]),
                             {"documents": [upload("..\\..\\申请书.pdf", PDF)]})
    assert response.status_code == 302
    assert list(record.documents.values_list("name", flat=True)) == ["申请书.pdf"]


def test_documents_are_out_of_reach_outside_the_scope(tree, client, clerk, make_user, settings_no_otp):
    file = open_file(tree, clerk)
    (document,) = services.documents_attach(actor=clerk, record=file.records.get(), uploaded=[upload("申请书.pdf", PDF)])
    client.force_login(make_user(Role.ORG_ADMIN, tree.street_b))
    assert client.get(reverse("recruitment:document_download", args=[document.pk])).status_code == 404
    assert client.get(reverse("recruitment:file", args=[file.pk])).status_code == 404


def test_an_exception_is_offered_to_an_upper_committee_admin_only(tree, client, clerk, street_admin, settings_no_otp):
    file = open_file(tree, clerk)
    late = add_months(on("1"), 2)
    client.force_login(street_admin)
    url = reverse("recruitment:step_new", args=[file.pk]) + "?step=2"
    assert 'name="exception_reason"' in text(client.get(url))
    response = client.post(url, {"on": late.isoformat(), "exception_reason": "申请人住院，谈话推迟"})
    assert response.status_code == 302
    record = file.records.get(step="2")
    assert record.excepted_rules == ["talk_within_one_month"]
    page = text(client.get(reverse("recruitment:file", args=[file.pk])))
    assert "申请人住院，谈话推迟" in page and "data-exception" in page
    assert 'data-rule="talk_within_one_month"' in page.split('data-list="warnings"')[1]


def test_a_clerk_cannot_slip_an_exception_through(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    response = as_clerk.post(reverse("recruitment:step_new", args=[file.pk]) + "?step=2", {
        "on": add_months(on("1"), 2).isoformat(), "exception_reason": "想要例外"})
    assert response.status_code == 200 and file.records.count() == 1


def test_the_whole_way_in_pages_reaches_the_register(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    record_until(clerk, file, "24")
    file.refresh_from_db()
    assert file.stage == Stage.FULL
    page = text(as_clerk.get(reverse("recruitment:file", args=[file.pk])))
    assert reverse("members:detail", args=[file.member_id]) in page
    offered = re.findall(r'data-step="(\d+)"', page.split('data-list="next-steps"')[1].split("</ul>")[0])
    assert offered == ["25"]


def test_ending_a_file(tree, as_clerk, clerk):
    file = open_file(tree, clerk)
    url = reverse("recruitment:file_end", args=[file.pk])
    response = as_clerk.post(url, {"reason": ""})
    assert response.status_code == 200 and field_errors(response, "reason")
    response = as_clerk.post(url, {"reason": "本人撤回申请"})
    file.refresh_from_db()
    assert response.status_code == 302 and file.stage == Stage.ENDED and file.end_reason == "本人撤回申请"


def test_the_printable_record(tree, client, clerk, street_admin, settings_no_otp):
    file = open_file(tree, clerk)
    services.documents_attach(actor=clerk, record=file.records.get(), uploaded=[upload("申请书.pdf", PDF)])
    services.step_record(actor=street_admin, file=file, step="2", on=add_months(on("1"), 2),
                         exception_reason="申请人住院")
    client.force_login(clerk)
    response = client.get(reverse("recruitment:file_print", args=[file.pk]))
    page = text(response)
    assert response.status_code == 200
    for expected in ("王小明", file.masked_id_number, "Written application", "Talk with the applicant", "applicant",
                     "申请书.pdf", "申请人住院", "talk_within_one_month", "Printed", clerk.username):
        assert expected in page
    assert file.id_number not in page and "data-print" in page


def test_a_viewer_sees_but_does_not_act(tree, client, clerk, make_user, settings_no_otp):
    file = open_file(tree, clerk)
    client.force_login(make_user(Role.VIEWER, tree.street_a))
    page = text(client.get(reverse("recruitment:file", args=[file.pk])))
    assert 'data-action="record-step"' not in page and 'name="documents"' not in page
    assert client.get(reverse("recruitment:step_new", args=[file.pk])).status_code == 403
    assert StepRecord.objects.count() == 1


def test_a_branch_clerk_sees_the_committees_steps_as_awaited(tree, client, clerk, make_user, settings_no_otp):
    branch_clerk = make_user(Role.CLERK, tree.grid_a)
    file = open_file(tree, clerk)
    record_until(clerk, file, "12")
    client.force_login(branch_clerk)
    page = text(client.get(reverse("recruitment:file", args=[file.pk])))
    assert 'data-awaits="13"' in page and 'data-step="13"' not in page
    response = client.post(reverse("recruitment:step_new", args=[file.pk]) + "?step=13", {"on": on("13").isoformat()})
    assert response.status_code == 200 and "is for the committee above" in text(response)
    assert not file.records.filter(step="13").exists()
