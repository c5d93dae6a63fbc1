from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dangjian.core import crypto
from dangjian.core.fields import BytewiseCharField, PathField
from dangjian.members import codes


class Category(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Standing(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SUSPENDED = "suspended", _("Membership suspended")


class LeavingReason(models.TextChoices):
    DEATH = "death", _("Death")
    WITHDRAWAL = "withdrawal", _("Withdrawal from the Party")
    PERSUADED = "persuaded", _("Persuaded to withdraw")
    REMOVAL = "removal", _("Removal from the register")
    SELF_DETACHED = "self_detached", _("Removed as self-detached")
    EXPULSION = "expulsion", _("Expulsion")
    PROBATION_CANCELLED = "cancelled", _("Probationary membership cancelled")


class SuspensionReason(models.TextChoices):
    LOST_CONTACT = "lost_contact", _("Lost contact for six months and unreachable")
    ABROAD = "abroad", _("Abroad for more than five years")
    SETTLED_ABROAD = "settled_abroad", _("Settled abroad")


ETHNICITY_CHOICES = list(codes.ETHNICITIES.items())
EDUCATION_CHOICES = [(code, label) for code, (label, _statistics) in codes.EDUCATIONS.items()]
DEGREE_CHOICES = list(codes.DEGREES.items())
JOB_POST_CHOICES = list(codes.JOB_POSTS.items())
LOST_CONTACT_REASON_CHOICES = list(codes.LOST_CONTACT_REASONS.items())


class NameCharacters(models.Func):
    """The characters of a name as an array, the first marked with '^': 王小明 → {^王,小,明}.

    Migration 0010 indexes this expression (GIN, PostgreSQL only) for the search by part of a
    name, which a trigram index cannot answer below three characters: a name that starts with the
    text holds '^' and its first character, and the rest; a name holding it further on holds all
    of its characters after its own first. Marking the first character keeps a common surname
    (王, some 5% of a city) out of the second set, whose matches are spread over the pinyin order.
    """

    template = "array_prepend('^' || left(%(expressions)s, 1), string_to_array(substr(%(expressions)s, 2), NULL))"
    output_field = ArrayField(models.TextField())


class MemberQuerySet(models.QuerySet):
    def current(self):
        """Members still in the Party (those who left are kept, but not counted)."""
        return self.filter(left_on__isnull=True)


class Member(crypto.SealedIdentity, models.Model):
    """A Party member in the register. The foundation carries what the tree's counts and the
    demo need; the member-register issue adds the full national form."""

    city_id = models.PositiveIntegerField(default=0)
    # No index: members are found by org_path, never by this key, and every member written (a
    # roster import writes 100,000 at a time) would pay for one (bench/README.md).
    home_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("home organisation"),
        db_index=False,
    )
    org_path = PathField(editable=False)
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = BytewiseCharField(_("pinyin"), max_length=200, blank=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_sealed = models.BinaryField(_("ID number (encrypted)"))
    id_number_hash = models.CharField(max_length=64, editable=False)
    phone_sealed = models.BinaryField(_("phone (encrypted)"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    joined_on = models.DateField(_("date joined"))
    full_member_on = models.DateField(_("date made full member"), null=True, blank=True)
    standing = models.CharField(_("standing"), max_length=16, choices=Standing.choices, default=Standing.NORMAL)
    left_on = models.DateField(_("date left the Party"), null=True, blank=True)
    # The fields below complete the national collection form and roster (RULES.md 3.1, 3.2).
    # Each has a database default, so that bulk loads naming fewer columns still work.
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default="01",
                                 db_default="01")
    education = models.CharField(_("education"), max_length=2, choices=EDUCATION_CHOICES, blank=True, db_default="")
    degree = models.CharField(_("degree"), max_length=1, choices=DEGREE_CHOICES, blank=True, db_default="")
    job_post = models.CharField(_("job post"), max_length=4, choices=JOB_POST_CHOICES, blank=True, db_default="")
    id_last4 = models.CharField(_("last four of the ID number"), max_length=4, db_default="", editable=False)
    phone_last4 = models.CharField(_("last four of the phone"), max_length=4, blank=True, db_default="",
                                   editable=False)
    address = models.CharField(_("home address"), max_length=200, blank=True, db_default="")
    registered_residence = models.CharField(_("registered residence"), max_length=100, blank=True, db_default="")
    current_residence = models.CharField(_("current residence"), max_length=200, blank=True, db_default="")
    party_age_correction_months = models.SmallIntegerField(_("party age correction (months)"), default=0,
                                                           db_default=0)
    last_contact_on = models.DateField(_("last organisational life or dues"), null=True, blank=True)
    lost_contact = models.BooleanField(_("lost contact"), default=False, db_default=False)
    lost_contact_on = models.DateField(_("out of contact since"), null=True, blank=True)
    lost_contact_reason = models.CharField(_("reason for lost contact"), max_length=1, blank=True, db_default="",
                                           choices=LOST_CONTACT_REASON_CHOICES)
    mobile = models.BooleanField(_("mobile member"), default=False, db_default=False)
    mobile_destination = models.CharField(_("where the mobile member went"), max_length=100, blank=True,
                                          db_default="")
    mobile_since = models.DateField(_("mobile since"), null=True, blank=True)
    abroad = models.BooleanField(_("abroad"), default=False, db_default=False)
    abroad_destination = models.CharField(_("country or region abroad"), max_length=100, blank=True, db_default="")
    abroad_since = models.DateField(_("abroad since"), null=True, blank=True)
    retired = models.BooleanField(_("retired"), default=False, db_default=False)
    standing_changed_on = models.DateField(_("standing changed on"), null=True, blank=True)
    suspension_reason = models.CharField(_("ground for suspension"), max_length=16, blank=True, db_default="",
                                         choices=SuspensionReason.choices)
    left_reason = models.CharField(_("how the member left"), max_length=16, blank=True, db_default="",
                                   choices=LeavingReason.choices)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="member",
        verbose_name=_("own account"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            # The scope filter and subtree counts are range scans on this index.
            # Counting current members under a node is an index-only range scan on this.
            models.Index(fields=["org_path", "category"], name="member_current_path",
                         condition=models.Q(left_on__isnull=True)),
            # The member list reads a page in one of its sort orders by key
            # (members.selectors.register). The pinyin index covers every member, so that it also
            # answers pinyin prefixes for members who left; its byte order (BytewiseCharField)
            # lets it answer them as ranges and LIKE prefixes alike. Search by the characters of
            # the name uses an index on NameCharacters created in migration 0010 (PostgreSQL only).
            models.Index(fields=["name_pinyin", "id"], name="member_pinyin"),
            models.Index(fields=["joined_on", "id"], name="member_current_joined",
                         condition=models.Q(left_on__isnull=True)),
            models.Index(fields=["birth_date", "id"], name="member_current_birth",
                         condition=models.Q(left_on__isnull=True)),
            # Declared here rather than with db_index or unique on the fields: on PostgreSQL those
            # add a second, pattern-ops copy of each index, and every roster import pays for each
            # index it writes (bench/README.md). The hash and the last four digits are matched
            # exactly; the initials only by prefix.
            models.Index(fields=["name_initials"], name="member_initials_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_last4"], name="member_id_last4"),
            models.Index(fields=["phone_last4"], name="member_phone_last4"),
            # Filters that match few members (or none) would otherwise walk a whole sort index
            # looking for a page: these let the database start from the few that match.
            models.Index(fields=["education"], name="member_current_education",
                         condition=models.Q(left_on__isnull=True)),
            models.Index(fields=["org_path"], name="member_current_unusual",
                         condition=models.Q(left_on__isnull=True) & (
                             models.Q(mobile=True) | models.Q(abroad=True) | models.Q(lost_contact=True)
                             | models.Q(standing="suspended"))),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_hash_unique"),
            models.CheckConstraint(
                condition=~models.Q(category="probationary") | models.Q(full_member_on__isnull=True),
                name="probationary_has_no_full_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def education_statistics_label(self) -> str:
        return codes.education_statistics_label(self.education)


class MembershipPeriod(models.Model):
    """One interval of a member's organisational relationship (组织关系) with one organisation.
    A member belongs to exactly one organisation at a time: one open period each."""

    class Entry(models.TextChoices):
        JOINED = "joined", _("Joined the Party here")
        TRANSFER_IN = "transfer_in", _("Transferred in")
        IMPORTED = "imported", _("Entered from a roster")
        RESTRUCTURED = "restructured", _("Organisation restructured")

    class Exit(models.TextChoices):
        TRANSFER_OUT = "transfer_out", _("Transferred out")
        LEFT = "left", _("Left the Party")
        RESTRUCTURED = "restructured", _("Organisation restructured")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods")
    # No index, as on Member.home_org: periods are read by member, never by this key.
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"), db_index=False)
    org_path = PathField(editable=False)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    entry = models.CharField(_("how it began"), max_length=16, choices=Entry.choices)
    exit = models.CharField(_("how it ended"), max_length=16, choices=Exit.choices, blank=True)

    class Meta:
        ordering = ["member", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(ended_on__isnull=True),
                                    name="one_open_membership_period"),
            models.CheckConstraint(condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                                   name="membership_period_in_order"),
        ]


class ResidenceRegistration(models.Model):
    """Where a member lives and serves (入网进格, 双报到): the grid, building and responsibility
    zone of the residence community. An employed member's registration waits for the
    community's confirmation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the community's confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="residence")
    community = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("residence community"))
    grid = models.ForeignKey("orgs.Grid", on_delete=models.PROTECT, related_name="registrations",
                             verbose_name=_("grid"))
    building = models.ForeignKey("orgs.Building", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="registrations", verbose_name=_("building"))
    zone = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("responsibility zone"))
    # The community's path: the residence community's staff see and confirm the registration.
    org_path = PathField(editable=False, db_index=True)
    employed = models.BooleanField(_("employed elsewhere (reports to the residence community)"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    registered_on = models.DateField(_("registered on"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()


class Transfer(models.Model):
    """Moving a member's organisational relationship (组织关系转接): sent by the old
    organisation, pending until the new one receives it; the old one stays responsible until
    then. A transfer out of the system carries the letter's number instead of a receiver."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent, not yet received")
        RECEIVED = "received", _("Received")
        REJECTED = "rejected", _("Refused by the receiver")
        CANCELLED = "cancelled", _("Withdrawn by the sender")
        COMPLETED = "completed", _("Completed (out of the system)")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("from"))
    to_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("to"))
    from_path = PathField(editable=False, db_index=True)
    to_path = PathField(editable=False, db_index=True, blank=True)
    outside_destination = models.CharField(_("destination outside the system"), max_length=200, blank=True)
    letter_number = models.CharField(_("introduction letter number"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    sent_on = models.DateField(_("sent on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"),
                                    name="one_pending_transfer"),
        ]


class MemberEvent(models.Model):
    """One life-cycle event of a member, for the history on the member's page."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Entered in the register")
        UPDATED = "updated", _("Record corrected")
        TRANSFER_SENT = "transfer_sent", _("Transfer sent")
        TRANSFER_RECEIVED = "transfer_received", _("Transfer received")
        TRANSFER_REJECTED = "transfer_rejected", _("Transfer refused")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer withdrawn")
        TRANSFER_OUT = "transfer_out", _("Transferred out of the system")
        MOBILE_OUT = "mobile_out", _("Went away as a mobile member")
        MOBILE_BACK = "mobile_back", _("Came back")
        ABROAD = "abroad", _("Went abroad")
        BACK_FROM_ABROAD = "back_from_abroad", _("Came back from abroad")
        RETIRED = "retired", _("Retired")
        LOST_CONTACT = "lost_contact", _("Lost contact")
        CONTACT_RESTORED = "contact_restored", _("Contact restored")
        SUSPENDED = "suspended", _("Standing suspended")
        RESTORED = "restored", _("Standing restored")
        LEFT = "left", _("Left the Party")
        REGISTERED = "registered", _("Registered in a grid")
        REGISTRATION_CONFIRMED = "registration_confirmed", _("Registration confirmed")

    # No index of its own: member_event_member_on starts with the member.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    on = models.DateField(_("date"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    org_path = PathField(editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["member", "on"], name="member_event_member_on")]


class CorrectionRequest(models.Model):
    """A member's request to correct their own record; a clerk of their organisation decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a clerk")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(_("field"), max_length=40)
    proposed_value = models.CharField(_("proposed value"), max_length=200)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    org_path = PathField(editable=False, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)


class RosterJob(models.Model):
    """One roster import (previewed, then applied) or export, run in the request or as a task.
    The file lives under DATA_DIR; the report holds counts and problems by row and column,
    never personal data beyond what the uploader's own file said."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Checked, not applied")
        APPLIED = "applied", _("Applied")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    apply = models.BooleanField(_("apply after checking"), default=False)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    org_path = PathField(editable=False, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    stored_name = models.CharField(max_length=64, editable=False)
    sha256 = models.CharField(max_length=64, blank=True)
    unmasked = models.BooleanField(_("unmasked"), default=False)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.PREVIEWED, self.Status.APPLIED, self.Status.DONE, self.Status.FAILED)
