"""The recruitment API: files, steps refused with the rule they break, exceptions, what is due,
the funnel, and the check of cases brought from elsewhere. Every answer is JSON, in Chinese by
default."""

import datetime as dt

import pytest

from dangjian.accounts.roles import Role
from dangjian.recruitment.models import RecruitmentFile, StepRecord
from tests import factories
from tests.api.client import field_errors

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def clerk_api(tree, make_user, api_as, settings_no_otp):
    return api_as(make_user(Role.CLERK, tree.street_a))


def open_file(api, tree, **fields):
    body = {"organization": tree.grid_a.code, "name": "李申请", "id_number": factories.id_number(dt.date(1996, 4, 2)),
            "applied_on": ago(40), "phone": "13912345678"} | fields
    return api.post("/api/recruitment/files", body)


def test_a_file_is_opened_read_and_masked(tree, clerk_api):
    response = open_file(clerk_api, tree)
    assert response.status_code == 201
    file = response.json()
    assert file["stage"] == "applicant" and file["organization"]["code"] == tree.grid_a.code
    assert "*" in file["id_number"] and file["phone"] == "139****5678"
    assert [record["step"] for record in file["records"]] == ["1"]
    assert file["records"][0]["step_name"] == "递交入党申请书"
    assert file["next_due_step"] == "2" and file["violations"] == []
    assert clerk_api.get(f"/api/recruitment/files/{file['id']}").json() == file


def test_a_late_step_is_refused_naming_the_rule_and_an_admin_may_except_it(tree, clerk_api, make_user, api_as):
    file = open_file(clerk_api, tree).json()
    response = clerk_api.post(f"/api/recruitment/files/{file['id']}/steps", {"step": "2", "on": ago(1)})
    assert response.status_code == 422
    assert "距第1步（递交入党申请书）" in field_errors(response)["step"] and "超过1个月" in field_errors(response)["step"]
    assert StepRecord.objects.count() == 1

    assert clerk_api.post(f"/api/recruitment/files/{file['id']}/steps",
                          {"step": "2", "on": ago(1), "exception_reason": "住院"}).status_code == 403
    admin = api_as(make_user(Role.ORG_ADMIN, tree.street_a))
    response = admin.post(f"/api/recruitment/files/{file['id']}/steps",
                          {"step": "2", "on": ago(1), "exception_reason": "申请人住院"})
    assert response.status_code == 201
    record = response.json()["records"][-1]
    assert record["excepted_rules"] == ["talk_within_one_month"] and record["exception_reason"] == "申请人住院"
    (warning,) = response.json()["warnings"]
    assert "已按例外处理：申请人住院" in warning["message"]


def test_bad_input_names_the_field(tree, clerk_api):
    file = open_file(clerk_api, tree).json()
    response = clerk_api.post(f"/api/recruitment/files/{file['id']}/steps",
                              {"step": "3", "on": ago(1), "facts": {"mentors": "two"}})
    assert response.status_code == 422 and field_errors(response)["facts"].startswith("mentors: 应为不小于 0 的整数")
    response = open_file(clerk_api, tree, id_number="123")
    assert response.status_code == 422 and "id_number" in field_errors(response)
    response = clerk_api.post(f"/api/recruitment/files/{file['id']}/end", {"on": ago(1)})
    assert response.status_code == 422 and "reason" in field_errors(response)
    assert RecruitmentFile.objects.count() == 1


def test_lists_due_and_funnel_in_the_scope(tree, clerk_api, make_user, api_as):
    late = open_file(clerk_api, tree, name="甲").json()
    open_file(clerk_api, tree, name="乙", applied_on=ago(10), id_number=factories.id_number(dt.date(1997, 1, 1)))
    factories.make_recruitment_file(tree.grid_b, name="丙")
    page = clerk_api.get("/api/recruitment/files", limit=1).json()
    assert [item["name"] for item in page["items"]] == ["甲"] and page["next_after"] == late["id"]
    rest = clerk_api.get("/api/recruitment/files", limit=1, after=page["next_after"]).json()
    assert [item["name"] for item in rest["items"]] == ["乙"] and rest["next_after"] is None
    due = clerk_api.get("/api/recruitment/due", org=tree.street_a.code).json()
    assert [file["name"] for file in due["overdue"]] == ["甲"] and [file["name"] for file in due["due_soon"]] == ["乙"]
    assert clerk_api.get("/api/recruitment/funnel", org=tree.street_a.code).json()["applicant"] == 2
    assert clerk_api.get("/api/recruitment/funnel", org=tree.street_b.code).status_code == 404
    district = api_as(make_user(Role.ORG_ADMIN, tree.district))
    assert district.get("/api/recruitment/funnel", org=tree.district.code).json()["applicant"] == 3


def test_the_check_of_cases_from_elsewhere(tree, clerk_api):
    response = clerk_api.post("/api/recruitment/check", [
        {"id": "c1", "birth_date": "1990-01-01", "steps": {"1": {"date": "2019-01-10"}, "2": {"date": "2019-02-11"}}}])
    assert response.status_code == 200
    (case,) = response.json()["cases"]
    assert [(v["step"], v["rule"]) for v in case["violations"]] == [(2, "talk_within_one_month")]
    response = clerk_api.post("/api/recruitment/check", {"id": "c2", "steps": {"1": {"date": "2019-13-10"}}})
    assert response.status_code == 422 and "steps.1.date" in field_errors(response)["cases"]


PDF = b"%PDF-1.4\n%%EOF\n"


def test_documents_are_uploaded_listed_and_downloaded(tree, clerk_api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    file = open_file(clerk_api, tree).json()
    record_id = file["records"][0]["id"]
    address = f"/api/recruitment/files/{file['id']}/records/{record_id}/documents"
    client, headers = clerk_api.client, clerk_api.headers
    refused = client.post(address, {"documents": [SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00")]}, **headers)
    assert refused.status_code == 422 and "申请书.pdf" in field_errors(refused)["documents"]
    missing = client.post(address, {}, **headers)
    assert missing.status_code == 422 and "documents" in field_errors(missing)

    kept = client.post(address, {"documents": [SimpleUploadedFile("申请书.pdf", PDF)]}, **headers)
    assert kept.status_code == 201
    (document,) = kept.json()
    assert document["name"] == "申请书.pdf" and document["content_type"] == "application/pdf" and document["size"] == len(PDF)
    assert clerk_api.get(f"/api/recruitment/files/{file['id']}").json()["records"][0]["documents"] == [document]
    download = client.get(document["url"], **headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    other = client.get(document["url"].replace(str(document["id"]), str(document["id"] + 1)), **headers)
    assert other.status_code == 404
