import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import crypto, identity
from dangjian.core.fields import PathField
from dangjian.requests.rules import OPEN, Action, Actor, State

OPEN_STATES = Q(state__in=sorted(OPEN))


class Category(models.Model):
    """A kind of request (an Open311 service) with its time limit in working days and, where the
    category asks for more, its attributes (Open311 ``service_definition``)."""

    code = models.CharField(_("code"), max_length=32, unique=True,
                            help_text=_("The Open311 service_code: letters, digits, hyphens."))
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True, help_text=_("Separated by commas."))
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    attributes = models.JSONField(_("attributes"), default=list, blank=True)
    active = models.BooleanField(_("open for new requests"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class ReplyTemplate(models.Model):
    """A prepared reply for an action, for one category or for all (``category`` empty)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="reply_templates", verbose_name=pgettext_lazy("request", "category"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=1000)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["action", "title"]

    def __str__(self):
        return self.title


class Source(models.TextChoices):
    PUBLIC_PAGE = "public_page", _("Public page")
    ON_BEHALF = "on_behalf", _("Entered for a resident")
    RECEPTION = "reception", _("Representative's reception")
    VISIT = "visit", _("Household visit")
    OPEN311 = "open311", _("Open311 client")


def _photo_path(request: "Request", filename: str) -> str:
    return f"requests/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class Request(models.Model):
    """A resident's request (群众诉求): where it is, what it is about, who filed it and for whom,
    its state and deadline, who handles it and how far it has risen. The resident follows it by
    tracking code (``Tracking``); every change is a ``RequestUpdate`` and an audit line."""

    city_id = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=pgettext_lazy("request", "category"))
    grid = models.ForeignKey("orgs.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey("orgs.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    # The organisation answering for the place: the grid's branch, or its community where the grid
    # has none. Its path decides who sees the request.
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    org_path = PathField(editable=False)
    address = models.CharField(_("where exactly"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000)
    public = models.BooleanField(_("description may be shown in public"), default=False)
    attributes = models.JSONField(_("details"), default=dict, blank=True)
    photo = models.FileField(_("photo"), upload_to=_photo_path, max_length=200, blank=True)
    media_url = models.URLField(_("photo address given by the client"), max_length=500, blank=True)
    contact_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    phone_sealed = models.BinaryField(null=True, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    reception = models.ForeignKey("Reception", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="requests", verbose_name=_("reception"))
    visit = models.ForeignKey("Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
                              verbose_name=_("visit"))
    client = models.ForeignKey("Open311Key", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("Open311 client"))
    # The standard's token for a request an Open311 client filed: it only names the request, so it
    # may travel in a URL, unlike the tracking code, which lets its holder withdraw the request.
    open311_token = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED)
    # Raised by every change: a change made on an older version is refused (two cannot both win).
    version = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    warn_on = models.DateField(_("due soon from"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    assigned_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("assigned to organisation"))
    # The assigned organisation's path: its staff see the request although the place is not theirs.
    assigned_path = PathField(editable=False, blank=True)
    assigned_member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="assigned_requests", verbose_name=_("assigned to member"))
    # A Party–masses service team: its leader and current members act on the request as assignees.
    assigned_team = models.ForeignKey("service.ServiceTeam", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="assigned_requests", verbose_name=_("assigned to service team"))
    escalation_level = models.PositiveSmallIntegerField(_("levels risen"), default=0)
    escalated_to = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("escalated to"))
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="duplicates", verbose_name=_("duplicate of"))
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    public_note = models.TextField(_("latest reply"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [
            # The lists of a subtree, newest first, paginated by key.
            models.Index(fields=["org_path", "id"], name="request_path_id"),
            # Overdue and due-soon lists of a subtree, and the sweep's escalation.
            models.Index(fields=["org_path", "due_on"], condition=OPEN_STATES, name="request_open_path_due"),
            models.Index(fields=["due_on"], condition=OPEN_STATES, name="request_open_due"),
            models.Index(fields=["org_path", "id"], condition=Q(state__in=["received", "accepted"]),
                         name="request_unassigned"),
            models.Index(fields=["escalated_to", "due_on"], condition=OPEN_STATES, name="request_escalated"),
            models.Index(fields=["resolved_at"], condition=Q(state="resolved"), name="request_awaiting"),
            models.Index(fields=["assigned_path", "id"], condition=~Q(assigned_path=""), name="request_assigned_path"),
            # The overdue, due-soon and open lists of a subtree for requests assigned into it from
            # elsewhere: without it the planner reads every open request of the city to find a street's.
            models.Index(fields=["assigned_path", "due_on"], condition=OPEN_STATES & ~Q(assigned_path=""),
                         name="request_open_assigned_due"),
            models.Index(fields=["assigned_member", "id"], condition=Q(assigned_member__isnull=False),
                         name="request_member"),
            models.Index(fields=["assigned_team", "id"], condition=Q(assigned_team__isnull=False),
                         name="request_team"),
            models.Index(fields=["received_at", "id"], name="request_received"),
        ]

    def __str__(self):
        return f"#{self.pk}"

    @property
    def phone(self) -> str:
        return crypto.unseal(self.phone_sealed) if self.phone_sealed else ""

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.phone) if self.phone_sealed else ""


class Tracking(models.Model):
    """A resident's tracking code, kept as its keyed hash only: whoever holds the code follows the
    request, confirms or reopens it. A duplicate's codes move to the original, which takes over
    its followers; ``filed`` remembers the request the code was given for."""

    code_hash = models.CharField(max_length=64, unique=True)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="trackings")
    filed = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


class RequestUpdate(models.Model):
    """One change of a request, in its timeline: who (a staff account, the assigned member, the
    resident or the platform), what, from which state to which, and the reply the resident reads
    (``public_note``) beside the staff's own (``internal_note``)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("account"))
    actor_kind = models.CharField(_("by"), max_length=16, choices=Actor.choices)
    action = models.CharField(_("action"), max_length=16, choices=[*Action.choices, ("file", _("Filed")),
                                                                    ("escalate", _("Escalated"))])
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices)
    public_note = models.TextField(_("reply to the resident"), max_length=1000, blank=True)
    internal_note = models.TextField(_("internal note"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="request_update_at")]


class Representative(models.Model):
    """A Party representative (党代表) doing duty in a community or street: receptions on a rota,
    and requests filed for the residents they receive."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="representative_terms",
                               verbose_name=_("member"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("serves in"))
    org_path = PathField(editable=False, db_index=True)
    title = models.CharField(pgettext_lazy("representative", "title"), max_length=100, help_text=_("e.g. 区党代表"))
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("Party representative")
        verbose_name_plural = _("Party representatives")
        constraints = [models.UniqueConstraint(fields=["member", "organization"], condition=Q(until__isnull=True),
                                               name="one_current_representative_term")]

    def __str__(self):
        return f"{self.member.name} ({self.title})"


class ReceptionDuty(models.Model):
    """A line of the reception rota: a representative receives residents at a place on a weekday."""

    representative = models.ForeignKey(Representative, on_delete=models.CASCADE, related_name="duties",
                                       verbose_name=_("representative"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    org_path = PathField(editable=False, db_index=True)
    place = models.CharField(_("place"), max_length=200, help_text=_("e.g. 社区党群服务中心党代表工作室"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=[
        (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
        (5, _("Saturday")), (6, _("Sunday"))])
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    active = models.BooleanField(_("on the rota"), default=True)

    class Meta:
        verbose_name = _("reception duty")
        verbose_name_plural = _("reception duties")
        ordering = ["weekday", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="reception_duty_in_order")]


class Reception(models.Model):
    """A reception held (驻室接待): who received, where and when, how many came (names only if
    they agreed), and the problems raised, each a request (``requests``)."""

    representative = models.ForeignKey(Representative, on_delete=models.PROTECT, related_name="receptions",
                                       verbose_name=_("representative"))
    duty = models.ForeignKey(ReceptionDuty, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("rota line"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    org_path = PathField(editable=False)
    place = models.CharField(_("place"), max_length=200)
    held_on = models.DateField(_("held on"))
    visitors = models.PositiveIntegerField(_("visitors"))
    visitor_names = models.CharField(_("visitors' names (with their consent)"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("logged by"))
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        indexes = [models.Index(fields=["org_path", "held_on"], name="reception_path_held")]


class Visit(models.Model):
    """A member's household visit (走访) in their responsibility zone, with the problems found, each
    a request (``requests``)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("member"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("responsibility zone or grid"))
    org_path = PathField(editable=False)
    grid = models.ForeignKey("orgs.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    visited_on = models.DateField(_("visited on"))
    household = models.CharField(_("household"), max_length=100, help_text=_("Building and door, e.g. 3栋502."))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("logged by"))
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        indexes = [models.Index(fields=["org_path", "visited_on"], name="visit_path_visited"),
                   models.Index(fields=["member", "visited_on"], name="visit_member")]


class Open311Key(models.Model):
    """An API key with which an outside client posts requests through Open311. Only its SHA-256 is
    kept; the key is shown once."""

    name = models.CharField(_("client"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(_("key starts with"), max_length=12)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    PREFIX = "o311_"

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-issued_at"]

    def __str__(self):
        return self.name


class RequestTally(models.Model):
    """What happened to the requests, receptions and visits of one organisation's whole subtree in
    one month, kept by the services for the organisation and every ancestor in the same
    transaction (like orgs.OrgCounts), so that any subtree's statistics read a few rows."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolution_days = models.PositiveBigIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_count = models.PositiveIntegerField(default=0)
    closed_unanswered = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    problems_collected = models.PositiveIntegerField(default=0)
    problems_resolved = models.PositiveIntegerField(default=0)
    receptions = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)

    FIELDS = ("received", "accepted", "resolved", "resolved_on_time", "resolution_days", "confirmed", "satisfied",
              "satisfaction_sum", "satisfaction_count", "closed_unanswered", "reopened", "duplicates", "referred",
              "withdrawn", "escalated", "problems_collected", "problems_resolved", "receptions", "visitors", "visits")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="one_tally_a_month")]


class ResolutionDays(models.Model):
    """How many requests of a subtree were resolved in a month after so many days, for the median:
    a histogram per organisation and month, kept like RequestTally."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    days = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month", "days"],
                                               name="one_resolution_bucket")]
