"""Roster import and export: the checked preview, the all-or-nothing apply, and the jobs that run
either in the request or as a background task.

An import writes what the member service writes for each new member (sealed ID number and
phone, the last four digits, pinyin, an open membership period entered "imported", a "created"
event, the roll-up counts), in bulk: on PostgreSQL through a staging table filled by COPY and
merged in SQL (ENGINEERING.md 3.1), elsewhere with bulk_create and bulk_update. A row whose ID
number is already in the register updates that member; a row equal to the register changes
nothing. The code here is self-contained: the register's member_create is written at the same
time by someone else, and the two share only the model and the pure rules.
"""

import datetime as dt
import hashlib
import os
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangjian.accounts.roles import Permission
from dangjian.core import audit, crypto, pinyin
from dangjian.core.models import AuditAction
from dangjian.core.scope import PATH_END, has_permission, require_permission
from dangjian.members import exports
from dangjian.members.imports import (
    BranchIndex,
    Problem,
    Record,
    Roster,
    RosterFileError,
    parse_roster,
    read_table,
    report_unknown_branches,
)
from dangjian.members.models import (
    Category,
    Member,
    MemberEvent,
    MembershipPeriod,
    RosterJob,
)
from dangjian.orgs import counts as rollup
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import Kind

# Fields a later roster may change. The life-cycle flags (lost contact, mobile, standing) are
# read for new members only: changing them is a life-cycle event with its own service.
UPDATABLE = ("name", "sex", "birth_date", "ethnicity", "education", "degree", "category", "phone", "joined_on",
             "full_member_on", "party_age_correction_months", "job_post", "current_residence",
             "registered_residence", "address")
# Rows checked between two progress reports, and handed over together to be looked up (in one
# query) and written.
BATCH_ROWS = 5000
# As in the register's member_create: groups and zones keep no organisational relationships.
NO_MEMBER_KINDS = (Kind.GROUP, Kind.RESPONSIBILITY_ZONE)


@dataclass
class Plan:
    """What applying a checked roster would do."""

    roster: Roster
    creates: list[Record] = field(default_factory=list)
    updates: list[tuple[Record, Member, list[str]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def problems(self) -> list[Problem]:
        return self.roster.problems

    def report(self, *, applied: bool) -> dict:
        return {
            "rows": self.roster.rows, "valid": self.roster.valid,
            "created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged,
            "applied": applied, "errors": [problem.as_dict() for problem in self.problems],
        }


def _check_actor(actor, organization: Organization) -> None:
    require_permission(actor, Permission.MANAGE_MEMBERS, organization.path,
                       _("Your role does not allow managing the members of this organisation."))


def _branch_index(organization: Organization) -> BranchIndex:
    inside = Organization.objects.filter(
        path__gte=organization.path, path__lt=organization.path + PATH_END, dissolved_at__isnull=True)

    def elsewhere(texts: set[str]) -> set[str]:
        others = Organization.objects.filter(Q(name__in=texts) | Q(code__in=texts)).exclude(pk__in=inside.values("pk"))
        return {text for pair in others.values_list("name", "code") for text in pair} & texts

    return BranchIndex.of(inside.values_list("id", "path", "code", "name", "kind"), organization.name, elsewhere,
                          {kind: Kind(kind).label for kind in NO_MEMBER_KINDS})


def plan(organization: Organization, data: bytes, filename: str, *, today: dt.date | None = None,
         progress=None, on_sorted: Callable[[Plan, list[Record], list[tuple[Record, Member, list[str]]]], None] | None = None,
         on_checked: Callable[[list[Record]], None] | None = None) -> Plan:
    """Read and check the roster, and sort its rows into new, changed and unchanged members.
    Raises RosterFileError when the file itself cannot be read.

    On PostgreSQL the rows are read and checked in a second thread while this one looks up each
    batch in the register (and, through ``on_sorted``, writes it): the database works on one
    batch while Python checks the next, on two cores. ``on_sorted(plan, creates, updates)`` is
    called for each batch in file order; ``on_checked(records)`` first, in the checking thread,
    for work on the records that needs no database."""
    today = today or timezone.localdate()
    branches = _branch_index(organization)
    result = Plan(Roster())

    def sort_batch(records: list[Record]) -> None:
        creates, updates = _sort(result, records)
        result.creates += creates
        result.updates += updates
        if on_sorted is not None:
            on_sorted(result, creates, updates)

    def check(hand_over) -> Roster:
        def on_records(records: list[Record]) -> None:
            for record in records:
                record.id_number_hash = crypto.lookup_hash(record.id_number)
            if on_checked is not None:
                on_checked(records)
            hand_over(records)

        return parse_roster(read_table(data, filename), branches, today=today, progress=progress,
                            progress_every=BATCH_ROWS, on_records=on_records)

    if connection.vendor == "postgresql":
        roster = _check_beside(check, sort_batch)
    else:
        # SQLite allows one writer at a time: the rows are checked first (their progress written
        # as it goes), and the batches sorted after.
        batches: list[list[Record]] = []
        roster = check(batches.append)
        for batch in batches:
            sort_batch(batch)
    report_unknown_branches(roster, branches)
    # The sorting named its problems' columns by key: the file's own headers are known now.
    found = [Problem(problem.row, roster.headers[problem.column], problem.message) for problem in result.roster.problems]
    roster.problems = sorted(roster.problems + found, key=lambda problem: problem.row)
    roster.invalid_rows |= result.roster.invalid_rows
    result.roster = roster
    return result


_DONE = object()


class _Abandoned(Exception):
    """Ends the checking thread once the caller's has stopped taking batches."""


def _check_beside(check, sort_batch) -> Roster:
    """``check`` in a second thread handing over batches of records; each sorted here as it comes."""
    # Unbounded: the records are all kept in the roster anyway, and a checker never waits on a
    # caller that has given up.
    batches: queue.SimpleQueue = queue.SimpleQueue()
    abandoned = threading.Event()
    outcome: dict = {}
    # The active language is per thread: the problems are written in the reader's.
    language = translation.get_language()

    def hand_over(records: list[Record]) -> None:
        if abandoned.is_set():
            raise _Abandoned
        batches.put(records)

    def checker() -> None:
        try:
            with translation.override(language):
                outcome["roster"] = check(hand_over)
        except BaseException as error:  # handed to the caller's thread (which, if it gave up, raises its own)
            outcome["error"] = error
        finally:
            # The progress callback may have opened this thread's own connection.
            connections.close_all()
            batches.put(_DONE)

    thread = threading.Thread(target=checker, name="roster-check", daemon=True)
    thread.start()
    try:
        while (batch := batches.get()) is not _DONE:
            sort_batch(batch)
    except BaseException:
        abandoned.set()
        raise
    finally:
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["roster"]


def _sort(result: Plan, records: list[Record]) -> tuple[list[Record], list[tuple[Record, Member, list[str]]]]:
    """New members, changed ones (with the fields that change) and, on ``result``, the count of
    unchanged rows and the problems only the register can tell (a member who left, or who belongs
    to another organisation)."""
    by_hash = {record.id_number_hash: record for record in records}
    existing = {member.id_number_hash: member for member in Member.objects.filter(id_number_hash__any_of=list(by_hash)).only(
        "id", "id_number_hash", "home_org_id", "org_path", "left_on", "phone_sealed", *(f for f in UPDATABLE if f != "phone"))}
    roster = result.roster
    creates, updates = [], []
    for hash_, record in by_hash.items():
        member = existing.get(hash_)
        if member is None:
            creates.append(record)
            continue
        if member.left_on is not None:
            roster.problems.append(Problem(record.row, "id_number", _(
                "This person left the Party on %(date)s; their record is kept and not changed by an import.")
                % {"date": member.left_on.isoformat()}))
        elif member.home_org_id != record.org_id:
            roster.problems.append(Problem(record.row, "branch", _(
                "This ID number belongs to a member of another organisation; move them with a transfer.")))
        else:
            changed = [name for name in UPDATABLE if _value(member, name) != getattr(record, name)]
            if changed:
                updates.append((record, member, changed))
            else:
                result.unchanged += 1
            continue
        roster.invalid_rows.add(record.row)
    return creates, updates


def _value(member: Member, name: str):
    return member.phone if name == "phone" else getattr(member, name)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def preview(*, actor, organization: Organization, data: bytes, filename: str, progress=None) -> dict:
    """The report of what applying would do; writes nothing."""
    _check_actor(actor, organization)
    return _checked(organization, data, filename, progress).report(applied=False)


def _checked(organization, data, filename, progress, on_sorted=None, on_checked=None) -> Plan:
    try:
        return plan(organization, data, filename, progress=progress, on_sorted=on_sorted, on_checked=on_checked)
    except RosterFileError as error:
        raise ValidationError({"file": str(error)}) from None


def apply(*, actor, organization: Organization, data: bytes, filename: str, progress=None) -> dict:
    """Write the roster if it has no problem at all; otherwise write nothing and report."""
    _check_actor(actor, organization)
    today = timezone.localdate()
    if connection.vendor != "postgresql":
        result = _checked(organization, data, filename, progress)
        if result.problems:
            return result.report(applied=False)
        with transaction.atomic():
            # Counts first: the ORM path overwrites the loaded members' old categories.
            _adjust_counts(result)
            _write_orm(result, actor, today)
            _audit_import(result, actor, organization, data)
        return result.report(applied=True)
    try:
        with transaction.atomic():
            # Each batch is written as soon as it is sorted, while the next is being checked; a
            # problem anywhere in the file rolls all of it back.
            with _Staging(actor, today) as staging:
                result = _checked(organization, data, filename, progress, on_sorted=staging.write,
                                  on_checked=staging.prepare)
            if result.problems:
                raise _NotApplied(result)
            _adjust_counts(result)
            _audit_import(result, actor, organization, data)
    except _NotApplied as not_applied:
        return not_applied.result.report(applied=False)
    return result.report(applied=True)


class _NotApplied(Exception):
    def __init__(self, result: Plan):
        super().__init__()
        self.result = result


def _audit_import(result: Plan, actor, organization: Organization, data: bytes) -> None:
    audit.record(AuditAction.CREATE if result.creates else AuditAction.UPDATE, actor=actor,
                 org_path=organization.path, object_repr=_("Roster import into %(org)s") % {"org": organization.name},
                 changes={"import": {"file_sha256": _digest(data), "rows": result.roster.rows,
                                     "created": len(result.creates), "updated": len(result.updates),
                                     "unchanged": result.unchanged}})


def _adjust_counts(result: Plan) -> None:
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in result.creates:
        deltas[record.org_path]["members"] += 1
        deltas[record.org_path][_count_field(record.category)] += 1
    for record, member, changed in result.updates:
        if "category" in changed:
            deltas[member.org_path][_count_field(member.category)] -= 1
            deltas[member.org_path][_count_field(record.category)] += 1
    for path, delta in deltas.items():
        rollup.adjust(path, **delta)


def _count_field(category: str) -> str:
    return "full_members" if category == Category.FULL else "probationary_members"


# --- writing -------------------------------------------------------------------------------------

STAGED = ("member_id", "city_id", "home_org_id", "org_path", "name", "name_pinyin", "name_initials", "sex",
          "birth_date", "id_number_sealed", "id_number_hash", "id_last4", "phone_sealed", "phone_last4", "category",
          "joined_on", "full_member_on", "ethnicity", "education", "degree", "job_post", "address",
          "registered_residence", "current_residence", "party_age_correction_months", "lost_contact", "mobile",
          "standing")
_NEW_COLUMNS = STAGED[1:]
_CHANGEABLE = ("name", "name_pinyin", "name_initials", "sex", "birth_date", "phone_sealed", "phone_last4", "category",
               "joined_on", "full_member_on", "ethnicity", "education", "degree", "job_post", "address",
               "registered_residence", "current_residence", "party_age_correction_months")


def _fields(record: Record, city_id: int) -> dict:
    """The member's columns for ``record``, as member_create computes them."""
    return {
        "city_id": city_id, "home_org_id": record.org_id, "org_path": record.org_path, "name": record.name,
        "name_pinyin": pinyin.person_name_pinyin(record.name), "name_initials": pinyin.person_name_initials(record.name),
        "sex": record.sex, "birth_date": record.birth_date,
        **crypto.sealed_identity(record.id_number, record.phone, id_number_hash=record.id_number_hash),
        "category": record.category, "joined_on": record.joined_on, "full_member_on": record.full_member_on,
        "ethnicity": record.ethnicity, "education": record.education, "degree": record.degree,
        "job_post": record.job_post, "address": record.address, "registered_residence": record.registered_residence,
        "current_residence": record.current_residence,
        "party_age_correction_months": record.party_age_correction_months, "lost_contact": record.lost_contact,
        "mobile": record.mobile, "standing": record.standing,
    }


def _city_ids(org_ids: set[int]) -> dict[int, int]:
    return dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "city_id"))


@contextmanager
def _refused_if_entered_meanwhile():
    """Someone entered one of the roster's ID numbers after it was looked up: the unique index
    refuses the row, and the import asks to be run again. (Cheaper than ON CONFLICT, whose check
    before every row costs a tenth of the database's time: bench/README.md.)"""
    try:
        yield
    except IntegrityError as error:
        # Both databases name the column in the message; no other unique value is written here.
        if "id_number_hash" not in str(error):
            raise
        raise ValidationError({"file": _("The register changed while the roster was imported; import it again.")}) from None


class _Staging:
    """Writes sorted batches on PostgreSQL: COPY into a staging table, then one INSERT … SELECT
    for the new members (with their periods and events) and one UPDATE … FROM for the changed
    ones. Once the roster has a problem, nothing more is written: the caller rolls back.

    The sealed values, hashes and pinyin, and the rows as COPY takes them, are made by
    ``prepare`` in the checking thread: while this thread runs Python, the database has nothing
    to do (bench/README.md)."""

    def __init__(self, actor, today: dt.date):
        self.actor_id = actor.pk if actor is not None else None
        self.today = today
        self.now = timezone.now()
        self.city_ids: dict[int, int] = {}
        self.prepared: dict[int, list] = {}

    def prepare(self, records: list[Record]) -> None:
        for record in records:
            values = _fields(record, 0)
            self.prepared[record.row] = [values[name] for name in _NEW_COLUMNS]

    def _row(self, record: Record, city_id: int) -> list:
        """The record's columns in _NEW_COLUMNS order; city_id is the first."""
        row = self.prepared.pop(record.row)
        row[0] = city_id
        return row

    def __enter__(self) -> "_Staging":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE roster_stage ON COMMIT DROP AS SELECT id AS {', '.join(STAGED)} "
                           f"FROM {Member._meta.db_table} WITH NO DATA")
            cursor.execute("ALTER TABLE roster_stage ADD COLUMN changed jsonb")
        return self

    def __exit__(self, *exc_info) -> None:
        # ON COMMIT DROP covers the usual case; an import inside a caller's transaction (a test,
        # a larger command) must not leave the table for the next one.
        if exc_info[0] is None:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE roster_stage")

    _create_sql = f"""
        WITH created AS (
            INSERT INTO {Member._meta.db_table} ({', '.join(_NEW_COLUMNS)}, created_at, updated_at)
            SELECT {', '.join(_NEW_COLUMNS)}, %(now)s, %(now)s FROM roster_stage WHERE member_id IS NULL
            RETURNING id, home_org_id, org_path
        ), periods AS (
            INSERT INTO {MembershipPeriod._meta.db_table} (member_id, organization_id, org_path, started_on, entry, exit)
            SELECT id, home_org_id, org_path, %(today)s, %(entry)s, '' FROM created
        )
        INSERT INTO {MemberEvent._meta.db_table} (member_id, kind, "on", details, org_path, actor_id, created_at)
        SELECT c.id, %(kind)s, %(today)s, jsonb_build_object('organization', o.code, 'entry', %(entry)s),
               c.org_path, %(actor)s, %(now)s
        FROM created c JOIN {Organization._meta.db_table} o ON o.id = c.home_org_id
    """

    def write(self, result: Plan, creates: list[Record], updates: list[tuple[Record, Member, list[str]]]) -> None:
        if result.roster.problems or result.roster.invalid_rows or not (creates or updates):
            return
        from psycopg.types.json import Jsonb

        missing = {record.org_id for record in creates} - self.city_ids.keys()
        if missing:
            self.city_ids.update(_city_ids(missing))
        member_table = Member._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE roster_stage")
            with cursor.cursor.copy(f"COPY roster_stage ({', '.join(STAGED)}, changed) FROM STDIN") as copy:
                for record in creates:
                    copy.write_row((None, *self._row(record, self.city_ids[record.org_id]), None))
                for record, member, changed in updates:
                    copy.write_row((member.pk, *self._row(record, 0), Jsonb(changed)))
            if creates:
                with _refused_if_entered_meanwhile():
                    cursor.execute(self._create_sql, {
                        "now": self.now, "today": self.today, "entry": MembershipPeriod.Entry.IMPORTED,
                        "kind": MemberEvent.Kind.CREATED, "actor": self.actor_id})
            if updates:
                assignments = ", ".join(f"{name} = s.{name}" for name in _CHANGEABLE)
                cursor.execute(f"UPDATE {member_table} m SET {assignments}, updated_at = %s FROM roster_stage s "
                               f"WHERE s.member_id IS NOT NULL AND m.id = s.member_id", [self.now])
                cursor.execute(f"""
                    INSERT INTO {MemberEvent._meta.db_table} (member_id, kind, "on", details, org_path, actor_id, created_at)
                    SELECT member_id, %s, %s, jsonb_build_object('fields', changed, 'entry', %s), org_path, %s, %s
                    FROM roster_stage WHERE member_id IS NOT NULL
                """, [MemberEvent.Kind.UPDATED, self.today, MembershipPeriod.Entry.IMPORTED, self.actor_id, self.now])


def _write_orm(result: Plan, actor, today: dt.date) -> None:
    city_ids = _city_ids({record.org_id for record in result.creates})
    now = timezone.now()
    members = [Member(**_fields(record, city_ids[record.org_id]), created_at=now, updated_at=now)
               for record in result.creates]
    with _refused_if_entered_meanwhile():
        Member.objects.bulk_create(members, batch_size=1000)
    MembershipPeriod.objects.bulk_create([
        MembershipPeriod(member_id=member.pk, organization_id=member.home_org_id, org_path=member.org_path,
                         started_on=today, entry=MembershipPeriod.Entry.IMPORTED) for member in members], batch_size=1000)
    codes = dict(Organization.objects.filter(pk__in=city_ids).values_list("pk", "code"))
    events = [MemberEvent(member_id=member.pk, kind=MemberEvent.Kind.CREATED, on=today, org_path=member.org_path,
                          details={"organization": codes[member.home_org_id], "entry": MembershipPeriod.Entry.IMPORTED},
                          actor=actor, created_at=now)
              for member in members]
    changed_members = []
    for record, member, changed in result.updates:
        values = _fields(record, member.city_id)
        for name in _CHANGEABLE:
            setattr(member, name, values[name])
        member.updated_at = now
        changed_members.append(member)
        events.append(MemberEvent(member_id=member.pk, kind=MemberEvent.Kind.UPDATED, on=today, org_path=member.org_path,
                                  details={"fields": changed, "entry": MembershipPeriod.Entry.IMPORTED}, actor=actor,
                                  created_at=now))
    Member.objects.bulk_update(changed_members, [*_CHANGEABLE, "updated_at"], batch_size=1000)
    MemberEvent.objects.bulk_create(events, batch_size=1000)


# --- jobs ----------------------------------------------------------------------------------------

def storage_dir() -> Path:
    """Roster files hold personal data: a directory only the server's user can read."""
    directory = Path(settings.DATA_DIR) / "rosters"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    return directory


def _store(data: bytes, suffix: str) -> str:
    stored_name = crypto.token(18) + suffix
    descriptor = os.open(storage_dir() / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return stored_name


def job_path(job: RosterJob) -> Path:
    return storage_dir() / job.stored_name


def import_start(*, actor, organization: Organization, data: bytes, filename: str, apply_now: bool = False) -> RosterJob:
    """Keep the uploaded roster and check it (and apply it, if asked): in the request for a small
    file, as a background task for a large one. The job's report tells the outcome."""
    _check_actor(actor, organization)
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError({"file": _("Upload an .xlsx workbook or a .csv file.")})
    if len(data) > settings.DANGJIAN_IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("The file is %(size)s MB; at most %(limit)s MB can be imported.") % {
            "size": round(len(data) / 2**20, 1), "limit": settings.DANGJIAN_IMPORT_MAX_BYTES // 2**20}})
    job = RosterJob.objects.create(
        kind=RosterJob.Kind.IMPORT, organization=organization, org_path=organization.path, created_by=actor,
        file_name=filename[:200], stored_name=_store(data, suffix), sha256=_digest(data), apply=apply_now)
    _run(job, inline=len(data) <= settings.DANGJIAN_IMPORT_INLINE_BYTES)
    return job


def import_apply(*, actor, job: RosterJob) -> RosterJob:
    """Apply a previewed roster. It is checked again: the register may have changed since."""
    _check_actor(actor, job.organization)
    if job.kind != RosterJob.Kind.IMPORT or job.status != RosterJob.Status.PREVIEWED:
        raise ValidationError({"job": _("Only a checked roster that has not been applied can be applied.")})
    if job.report.get("errors"):
        raise ValidationError({"job": _("The roster has problems: correct the file and upload it again.")})
    RosterJob.objects.filter(pk=job.pk).update(status=RosterJob.Status.QUEUED, apply=True, done=0)
    job.refresh_from_db()
    _run(job, inline=job_path(job).stat().st_size <= settings.DANGJIAN_IMPORT_INLINE_BYTES)
    return job


def _run(job: RosterJob, *, inline: bool) -> None:
    from dangjian.members import tasks

    if inline:
        run_job(job.pk)
    else:
        transaction.on_commit(lambda: tasks.run_roster_job.enqueue(job.pk))
    job.refresh_from_db()


def run_job(job_id: int) -> None:
    """Run one queued job; what the task calls."""
    job = RosterJob.objects.select_related("organization", "created_by").get(pk=job_id)
    if job.status != RosterJob.Status.QUEUED:
        return
    RosterJob.objects.filter(pk=job.pk).update(status=RosterJob.Status.RUNNING)
    try:
        if job.kind == RosterJob.Kind.IMPORT:
            report, status = _run_import(job)
        else:
            report, status = _run_export(job)
    except ValidationError as error:
        report = {"errors": [{"row": 0, "column": field, "message": message}
                             for field, messages in error.message_dict.items() for message in messages]}
        status = RosterJob.Status.FAILED
    RosterJob.objects.filter(pk=job.pk).update(status=status, report=report, finished_at=timezone.now())


def _progress(job: RosterJob):
    def report(rows: int) -> None:
        RosterJob.objects.filter(pk=job.pk).update(done=rows)
    return report


def _run_import(job: RosterJob) -> tuple[dict, str]:
    data = job_path(job).read_bytes()
    arguments = {"actor": job.created_by, "organization": job.organization, "data": data, "filename": job.file_name,
                 "progress": _progress(job)}
    if job.apply:
        report = apply(**arguments)
        return report, RosterJob.Status.APPLIED if report["applied"] else RosterJob.Status.PREVIEWED
    return preview(**arguments), RosterJob.Status.PREVIEWED


def export_start(*, actor, organization: Organization, unmasked: bool = False) -> RosterJob:
    """Export the roster of ``organization``'s subtree: in the request for a small subtree, as a
    background task for a large one. Unmasked ID numbers and phones need REVEAL_PERSONAL."""
    if not has_permission(actor, Permission.VIEW_MEMBERS, organization.path):
        raise PermissionDenied(_("Your role does not allow viewing the members of this organisation."))
    if unmasked and not has_permission(actor, Permission.REVEAL_PERSONAL, organization.path):
        raise PermissionDenied(_("Your role does not allow exporting unmasked ID numbers and phones."))
    job = RosterJob.objects.create(
        kind=RosterJob.Kind.EXPORT, organization=organization, org_path=organization.path, created_by=actor,
        file_name=exports.file_name(organization), stored_name=crypto.token(18) + ".xlsx", unmasked=unmasked,
        total=exports.member_count(organization))
    _run(job, inline=job.total <= settings.DANGJIAN_EXPORT_INLINE_ROWS)
    return job


def _run_export(job: RosterJob) -> tuple[dict, str]:
    path = job_path(job)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    rows = exports.write_roster(path, job.organization, unmasked=job.unmasked, progress=_progress(job))
    with transaction.atomic():
        RosterJob.objects.filter(pk=job.pk).update(
            expires_at=timezone.now() + dt.timedelta(hours=settings.DANGJIAN_EXPORT_HOURS), done=rows)
        audit.record(AuditAction.EXPORT, actor=job.created_by, org_path=job.org_path,
                     object_repr=_("Roster of %(org)s") % {"org": job.organization.name},
                     changes={"export": {"rows": rows, "unmasked": job.unmasked}})
        if job.unmasked:
            audit.record(AuditAction.REVEAL, actor=job.created_by, org_path=job.org_path,
                         object_repr=_("Unmasked roster of %(org)s") % {"org": job.organization.name},
                         changes={"export": {"rows": rows}})
    return {"rows": rows}, RosterJob.Status.DONE


def export_file(*, actor, job: RosterJob) -> Path:
    """The export's file for the person who made it, while the link lasts."""
    if job.kind != RosterJob.Kind.EXPORT or job.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who made an export can download it."))
    if job.status != RosterJob.Status.DONE or job.expires_at is None or job.expires_at < timezone.now():
        raise ValidationError({"job": _("This export is not ready, or its link has expired; export again.")})
    return job_path(job)
