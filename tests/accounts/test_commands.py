"""The installer's commands: create-root and create-account."""

import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dangjian import cli
from dangjian.accounts import services
from dangjian.accounts.models import User
from dangjian.accounts.roles import Role
from dangjian.core.models import AuditAction, AuditEvent
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind, Level

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_root_makes_the_top_of_a_tree():
    output = run("create_root", "--code", "C01", "--name", "示范市委", "--level", "city")
    root = Organization.objects.get(code="C01")
    assert (root.name, root.level, root.kind, root.depth, root.city_id) == (
        "示范市委", Level.CITY, Kind.LOCAL_COMMITTEE, 1, 1)
    assert "C01" in output
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(root.pk), actor=None).exists()
    run("create_root", "--code", "D01", "--name", "示范区委", "--level", "district")
    assert Organization.objects.get(code="D01").city_id == 2


@pytest.mark.parametrize(("args", "argument"), [
    (["--code", "C01", "--name", "另一个市委", "--level", "city"], "--code"),
    (["--code", "C02", "--name", " ", "--level", "city"], "--name"),
    (["--code", "c 2", "--name", "市委", "--level", "city"], "--code"),
])
def test_create_root_names_the_bad_argument(tree, args, argument):
    before = Organization.objects.count()
    with pytest.raises(CommandError, match=f"^{argument}:"):
        run("create_root", *args)
    assert Organization.objects.count() == before


def test_create_root_refuses_a_level_below_district():
    with pytest.raises(CommandError, match="--level"):
        run("create_root", "--code", "S01", "--name", "街道", "--level", "street")


def test_create_account_prints_the_password_once(tree):
    output = run("create_account", "admin1", "--org", tree.city.code, "--role", Role.SYSTEM_ADMIN, "--name", "管理员")
    [password] = re.findall(r": (\S+)$", output.strip())
    account = User.objects.get(username="admin1")
    assert account.check_password(password)
    assert account.must_change_password
    assert (account.first_name, account.organization) == ("管理员", tree.city)
    assert list(account.assignments.values_list("role", "organization")) == [(Role.SYSTEM_ADMIN, tree.city.pk)]
    assert output.count(password) == 1

    run("create_account", "viewer1", "--org", tree.grid_a.code, "--role", Role.VIEWER)
    assert User.objects.get(username="viewer1").first_name == "viewer1"


@pytest.mark.parametrize(("args", "argument"), [
    (["taken", "--org", "C01", "--role", "viewer"], "USERNAME"),
    (["bad name", "--org", "C01", "--role", "viewer"], "USERNAME"),
    (["fresh", "--org", "NOPE", "--role", "viewer"], "--org"),
    (["fresh", "--org", "C01", "--role", "emperor"], "--role"),
])
def test_create_account_names_the_bad_argument(tree, make_user, args, argument):
    make_user(username="taken")
    before = User.objects.count()
    with pytest.raises(CommandError, match=f"^{argument}:"):
        run("create_account", *args)
    assert User.objects.count() == before


def test_a_failed_grant_leaves_no_account(tree, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"role": "refused"})

    monkeypatch.setattr(services, "role_grant", refuse)
    with pytest.raises(CommandError, match="^--role: refused"):
        run("create_account", "halfway", "--org", tree.city.code, "--role", Role.VIEWER)
    assert not User.objects.filter(username="halfway").exists()


def test_the_dangjian_command_runs_create_account_with_hyphens(tree, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["dangjian", "create-account", "x", "--org", "NOPE", "--role", "viewer"])
    assert exited.value.code != 0
    assert "--org" in capsys.readouterr().err
