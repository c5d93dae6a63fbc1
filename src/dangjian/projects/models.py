from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import crypto, identity
from dangjian.core.fields import PathField
from dangjian.projects.rules import DEFAULT_NOTICE_DAYS, Action, Kind, PassingRule, State

MONEY = {"max_digits": 12, "decimal_places": 2}


class Configuration(models.Model):
    """The deployment's settings for micro-projects: one row (pk 1), set from the top of the tree."""

    preset = models.CharField(_("preset loaded"), max_length=32, blank=True)
    notice_working_days = models.PositiveSmallIntegerField(_("public notice (working days)"),
                                                           default=DEFAULT_NOTICE_DAYS)
    passing_rule = models.CharField(_("council's passing rule"), max_length=24, choices=PassingRule.choices,
                                    default=PassingRule.MAJORITY_PRESENT)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("micro-project configuration")


class TypeCap(models.Model):
    """The amount cap per project of one type (RULES.md 5.3)."""

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, unique=True)
    cap = models.DecimalField(_("cap per project (yuan)"), **MONEY)

    class Meta:
        verbose_name = _("amount cap")
        ordering = ["kind"]


class ListItem(models.Model):
    """An entry of the positive list (what may be funded) or of the negative list (what may not)."""

    class Side(models.TextChoices):
        POSITIVE = "positive", _("Positive list: may be funded")
        NEGATIVE = "negative", _("Negative list: may not be funded")

    side = models.CharField(_("list"), max_length=16, choices=Side.choices)
    text = models.CharField(_("entry"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("list entry")
        ordering = ["side", "order", "pk"]

    def __str__(self):
        return self.text


class FundingSource(models.Model):
    """Where the money comes from: a budget of one kind for one year, belonging to the
    organisation whose money it is (a city, district, street or community), which funds projects
    of its own subtree only."""

    class SourceKind(models.TextChoices):
        CITY = "city", _("City budget")
        DISTRICT = "district", _("District budget")
        STREET = "street", _("Street budget")
        COMMUNITY = "community", _("Community funds")
        SOCIAL = "social", _("Donations and social funds")
        OTHER = "other", _("Other")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(_("budget for the year (yuan)"), **MONEY)
    active = models.BooleanField(_("funds new projects"), default=True)

    class Meta:
        verbose_name = _("funding source")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name", "year"],
                                               name="one_source_of_a_name_an_org_a_year")]

    def __str__(self):
        return f"{self.name} ({self.year})"


class Source(models.TextChoices):
    PUBLIC_PAGE = "public_page", _("A resident on the public page")
    MEMBER = "member", _("A member")
    STAFF = "staff", _("Staff")
    REQUESTS = "requests", _("Residents' requests")


OPEN_STATES = Q(state__in=[State.COLLECTED, State.SCREENED, State.PASSED, State.NOTICE, State.APPROVED,
                           State.IN_PROGRESS])


class MicroProject(models.Model):
    """A micro-project (民生微实事) of one community, from the proposal to the residents'
    satisfaction. Every change is a ``ProjectUpdate`` and an audit line; the proposer's name and
    phone are kept for the staff only and never shown in public."""

    city_id = models.PositiveIntegerField(default=0)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("community"))
    org_path = PathField(editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    estimate = models.DecimalField(_("estimated amount (yuan)"), **MONEY)
    source = models.CharField(_("proposed by"), max_length=16, choices=Source.choices)
    proposer_name = models.CharField(_("proposer's name"), max_length=50, blank=True)
    proposer_phone_sealed = models.BinaryField(null=True, blank=True)
    proposer_member = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("proposing member"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    requests = models.ManyToManyField("requests.Request", related_name="projects", blank=True,
                                      verbose_name=_("requests answered"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.COLLECTED)
    # Raised by every change: a change made on an older version is refused (two cannot both win).
    version = models.PositiveIntegerField(default=1)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    # Screening
    positive_item = models.ForeignKey(ListItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("positive-list entry it fits"))
    negative_item = models.ForeignKey(ListItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("negative-list entry it falls under"))
    screening_rule = models.CharField(_("rule applied"), max_length=300, blank=True)
    screened_on = models.DateField(_("screened on"), null=True, blank=True)
    # The council (居民议事会) or a jury
    council_on = models.DateField(_("council held on"), null=True, blank=True)
    present = models.PositiveSmallIntegerField(_("present"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)
    abstaining = models.PositiveSmallIntegerField(_("abstaining"), null=True, blank=True)
    passing_rule = models.CharField(_("passing rule"), max_length=24, choices=PassingRule.choices, blank=True)
    minutes = models.TextField(_("minutes"), max_length=4000, blank=True)
    # The public notice
    notice_from = models.DateField(_("notice put up on"), null=True, blank=True)
    notice_until = models.DateField(_("notice ends on"), null=True, blank=True)
    # Approval (立项)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    budget = models.DecimalField(_("budget (yuan)"), null=True, blank=True, **MONEY)
    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="projects", verbose_name=_("funding source"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approver_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("approving organisation"))
    # Implementation
    contractor = models.CharField(_("contractor"), max_length=200, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    progress = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent (yuan)"), default=0, **MONEY)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    # Acceptance (验收) and evaluation (评价)
    accepted_on = models.DateField(pgettext_lazy("micro-project", "accepted on"), null=True, blank=True)
    acceptance_record = models.TextField(_("acceptance record"), max_length=4000, blank=True)
    signatories = models.CharField(_("signatories"), max_length=300, blank=True)
    surveyed = models.PositiveIntegerField(_("residents surveyed"), null=True, blank=True)
    satisfied = models.PositiveIntegerField(_("residents satisfied"), null=True, blank=True)
    score = models.DecimalField(_("satisfaction score"), max_digits=5, decimal_places=2, null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("micro-project")
        verbose_name_plural = _("micro-projects")
        indexes = [
            # The lists and the public register of a subtree, newest first, paginated by key.
            models.Index(fields=["org_path", "id"], name="project_path_id"),
            # A subtree's counts by state, and its lists filtered by state.
            models.Index(fields=["state", "org_path"], name="project_state_path"),
            models.Index(fields=["funding_source", "org_path"], condition=Q(funding_source__isnull=False),
                         name="project_funding"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def proposer_phone(self) -> str:
        return crypto.unseal(self.proposer_phone_sealed) if self.proposer_phone_sealed else ""

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.proposer_phone) if self.proposer_phone_sealed else ""

    @property
    def satisfaction_rate(self):
        """Satisfied residents in percent of those surveyed, if surveyed."""
        return round(100 * self.satisfied / self.surveyed, 1) if self.surveyed else None


class ProjectTracking(models.Model):
    """A proposer's tracking code, kept as its keyed hash only (as requests.Tracking)."""

    code_hash = models.CharField(max_length=64, unique=True)
    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="trackings")


class Milestone(models.Model):
    """A step of the work, with its weight in the project's progress and its own progress."""

    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    due_on = models.DateField(pgettext_lazy("milestone", "due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="milestone_progress_percent")]

    def __str__(self):
        return self.title


class Spending(models.Model):
    """Money paid out for a project: the figures behind the funding-source report."""

    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="spendings")
    spent_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    payee = models.CharField(_("paid to"), max_length=200)
    note = models.CharField(_("for"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["spent_on", "pk"]


class ProjectUpdate(models.Model):
    """One step of a project, in its timeline: who, what, from which state to which, the note, and
    the figures of the step (``data``: votes, budget, milestone, amount …)."""

    project = models.ForeignKey(MicroProject, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(_("time"), default=timezone.now)
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("account"))
    action = models.CharField(_("action"), max_length=16,
                              choices=[("propose", pgettext_lazy("project action", "Proposed")), *Action.choices])
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["project", "at"], name="project_update_at")]


class ProjectTally(models.Model):
    """What happened to the micro-projects of one organisation's whole subtree in one month, kept
    by the services for the organisation and every ancestor in the same transaction (as
    requests.RequestTally), so that any subtree's statistics read a few rows."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    collected = models.PositiveIntegerField(default=0)
    amount_collected = models.DecimalField(default=0, max_digits=16, decimal_places=2)
    screened_out = models.PositiveIntegerField(default=0)
    council_passed = models.PositiveIntegerField(default=0)
    council_rejected = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    amount_approved = models.DecimalField(default=0, max_digits=16, decimal_places=2)
    started = models.PositiveIntegerField(default=0)
    amount_spent = models.DecimalField(default=0, max_digits=16, decimal_places=2)
    completed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    surveyed = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    score_sum = models.DecimalField(default=0, max_digits=16, decimal_places=2)
    score_count = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)

    FIELDS = ("collected", "amount_collected", "screened_out", "council_passed", "council_rejected", "approved",
              "amount_approved", "started", "amount_spent", "completed", "accepted", "evaluated", "surveyed",
              "satisfied", "score_sum", "score_count", "cancelled")
    AMOUNTS = frozenset({"amount_collected", "amount_approved", "amount_spent", "score_sum"})

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="one_project_tally_a_month")]
