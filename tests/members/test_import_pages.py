"""Roster pages and API: upload, report, apply, progress of a background import, export and
download, the template; the permission each needs."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dangjian.accounts import services as account_services
from dangjian.accounts.roles import Role
from dangjian.members.models import Member, RosterJob
from dangjian.orgs import counts as rollup
from tests.members.roster_files import row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings_no_otp):
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, org, data, name="roster.xlsx"):
    return client.post(reverse("members:import", args=[org.code]), {"file": SimpleUploadedFile(name, data)})


def test_clerk_uploads_reads_the_report_and_applies(tree, make_user):
    clerk = client_for(make_user(Role.CLERK, tree.street_a))
    assert clerk.get(reverse("members:import", args=[tree.street_a.code])).status_code == 200
    response = upload(clerk, tree.street_a, xlsx([row(tree.grid_a.name), row("无此支部", name="李四")]))
    job = RosterJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:import_job", args=[job.pk])
    page = clerk.get(response["Location"])
    assert page.status_code == 200 and "Refresh" not in page
    html = page.content.decode()
    assert 'data-row="3"' in html and "所在党支部" in html and 'name="apply"' not in html

    response = upload(clerk, tree.street_a, xlsx([row(tree.grid_a.name), row(tree.grid_a.name, name="李四")]))
    job = RosterJob.objects.filter(status=RosterJob.Status.PREVIEWED).latest("pk")
    assert job.report["created"] == 2 and Member.objects.count() == 0
    assert 'name="apply"' in clerk.get(response["Location"]).content.decode()
    response = clerk.post(reverse("members:import_apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == RosterJob.Status.APPLIED and Member.objects.count() == 2
    assert rollup.subtree_totals(tree.street_a.pk)["members"] == 2
    assert 'data-outcome="applied"' in clerk.get(response["Location"]).content.decode()
    again = clerk.post(reverse("members:import_apply", args=[job.pk]))
    assert again.status_code == 200 and b"role=\"alert\"" in again.content


def test_a_wrong_file_is_a_form_error(tree, make_user):
    clerk = client_for(make_user(Role.CLERK, tree.street_a))
    response = upload(clerk, tree.street_a, b"hello", "roster.txt")
    assert response.status_code == 200 and b".xlsx" in response.content
    assert not RosterJob.objects.exists()
    response = clerk.post(reverse("members:import", args=[tree.street_a.code]), {})
    assert response.status_code == 200 and b'class="error"' in response.content


def test_a_large_roster_runs_in_the_background_with_progress(tree, make_user, settings,
                                                             django_capture_on_commit_callbacks):
    settings.DANGJIAN_IMPORT_INLINE_BYTES = 10
    clerk = client_for(make_user(Role.CLERK, tree.street_a))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(clerk, tree.street_a, xlsx([row(tree.grid_a.name)]))
    page = clerk.get(response["Location"])
    assert page["Refresh"] == "2" and b"<progress" in page.content
    for callback in callbacks:
        callback()
    job = RosterJob.objects.get()
    assert job.status == RosterJob.Status.PREVIEWED and job.report["created"] == 1
    assert "Refresh" not in clerk.get(response["Location"])


def test_viewers_may_not_import_and_others_do_not_see_the_job(tree, make_user):
    clerk = client_for(make_user(Role.CLERK, tree.street_a))
    upload(clerk, tree.street_a, xlsx([row(tree.grid_a.name)]))
    job = RosterJob.objects.get()
    viewer = client_for(make_user(Role.VIEWER, tree.street_a))
    assert viewer.get(reverse("members:import", args=[tree.street_a.code])).status_code == 403
    assert viewer.get(reverse("members:import_job", args=[job.pk])).status_code == 404
    assert viewer.get(reverse("members:import_template")).status_code == 403
    outsider = client_for(make_user(Role.ORG_ADMIN, tree.street_b))
    assert outsider.get(reverse("members:import", args=[tree.street_a.code])).status_code == 404
    assert outsider.get(reverse("members:import_job", args=[job.pk])).status_code == 404
    assert outsider.post(reverse("members:import_apply", args=[job.pk])).status_code == 404
    assert Member.objects.count() == 0


def test_template_download(tree, make_user):
    response = client_for(make_user(Role.CLERK, tree.street_a)).get(reverse("members:import_template"))
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    assert response.content[:2] == b"PK"


def test_export_page_download_and_masking_choice(tree, make_user):
    from tests import factories
    factories.make_member(tree.grid_a)
    viewer = client_for(make_user(Role.VIEWER, tree.street_a))
    page = viewer.get(reverse("members:export", args=[tree.street_a.code]))
    assert page.status_code == 200 and b'name="unmasked"' not in page.content
    response = viewer.post(reverse("members:export", args=[tree.street_a.code]), {"unmasked": "on"})
    job = RosterJob.objects.get()
    assert not job.unmasked and response["Location"] == reverse("members:export_job", args=[job.pk])
    assert b'data-action="download"' in viewer.get(response["Location"]).content
    download = viewer.get(reverse("members:export_download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    admin = client_for(make_user(Role.ORG_ADMIN, tree.street_a))
    assert b'name="unmasked"' in admin.get(reverse("members:export", args=[tree.street_a.code])).content
    assert admin.get(reverse("members:export_download", args=[job.pk])).status_code == 403
    assert client_for(make_user(Role.VIEWER, tree.street_b)).get(
        reverse("members:export_job", args=[job.pk])).status_code == 404


# --- API ------------------------------------------------------------------------------------------

def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.token_issue(user=user)[1]}"}


def test_api_import_preview_then_apply(tree, make_user):
    clerk = make_user(Role.CLERK, tree.street_a)
    headers = bearer(clerk)
    client = Client()
    data = xlsx([row(tree.grid_a.name), row("无此支部", name="李四")])
    response = client.post(f"/api/members/imports/{tree.street_a.code}",
                           {"file": SimpleUploadedFile("r.xlsx", data)}, **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "previewed" and body["rows"] == 2 and body["valid"] == 1
    assert body["errors"] == [{"row": 3, "column": "所在党支部", "message": body["errors"][0]["message"]}]
    refused = client.post(f"/api/members/imports/jobs/{body['id']}/apply", **headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "job"

    good = xlsx([row(tree.grid_a.name)])
    body = client.post(f"/api/members/imports/{tree.street_a.code}",
                       {"file": SimpleUploadedFile("r.xlsx", good), "apply": "true"}, **headers).json()
    assert body["status"] == "applied" and body["created"] == 1 and Member.objects.count() == 1
    assert client.get(f"/api/members/imports/jobs/{body['id']}", **headers).json()["status"] == "applied"


def test_api_import_needs_a_file_and_the_permission(tree, make_user):
    client = Client()
    response = client.post(f"/api/members/imports/{tree.street_a.code}", **bearer(make_user(Role.CLERK, tree.street_a)))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"
    viewer = bearer(make_user(Role.VIEWER, tree.street_a))
    data = {"file": SimpleUploadedFile("r.xlsx", xlsx([row(tree.grid_a.name)]))}
    assert client.post(f"/api/members/imports/{tree.street_a.code}", data, **viewer).status_code == 403
    outsider = bearer(make_user(Role.CLERK, tree.street_b))
    assert client.post(f"/api/members/imports/{tree.street_a.code}", data, **outsider).status_code == 404
    assert Member.objects.count() == 0


def test_api_export(tree, make_user):
    headers = bearer(make_user(Role.VIEWER, tree.street_a))
    client = Client()
    response = client.post(f"/api/members/exports/{tree.street_a.code}", json.dumps({}),
                           content_type="application/json", **headers)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "done" and body["download_url"] == reverse("members:export_download", args=[body["id"]])
    refused = client.post(f"/api/members/exports/{tree.street_a.code}", json.dumps({"unmasked": True}),
                          content_type="application/json", **headers)
    assert refused.status_code == 403
    assert client.get(f"/api/members/exports/jobs/{body['id']}", **headers).json()["id"] == body["id"]
