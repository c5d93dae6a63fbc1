import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto, identity
from dangjian.core.fields import PathField


class TeamKind(models.TextChoices):
    PIONEER = "pioneer", _("Party members' pioneer team")
    VOLUNTEER = "volunteer", _("Volunteer service team")
    EMERGENCY = "emergency", _("Emergency response team")
    SPECIALIST = "specialist", _("Specialist team (medical, legal, repairs)")


class NormalAvailability(models.TextChoices):
    """When a person serves in normal time (平时)."""
    ANY_TIME = "any_time", _("Any time")
    WEEKDAYS = "weekdays", _("Weekdays")
    EVENINGS = "evenings", _("Weekday evenings")
    WEEKENDS = "weekends", _("Weekends")


class EmergencyAvailability(models.TextChoices):
    """How soon a person answers a call in an emergency (急时)."""
    WITHIN_30_MINUTES = "30_minutes", _("Within 30 minutes")
    WITHIN_2_HOURS = "2_hours", _("Within 2 hours")
    SAME_DAY = "same_day", _("The same day")
    NOT_AVAILABLE = "none", _("Not available")


class Volunteer(models.Model):
    """A registered volunteer who is not a Party member, living in a community: name, phone
    (sealed, shown masked) and when they agreed that their details are kept."""

    city_id = models.PositiveIntegerField(default=0)
    community = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community they live in"))
    org_path = PathField(editable=False)
    name = models.CharField(_("name"), max_length=50)
    phone_sealed = models.BinaryField(null=True, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    consent_at = models.DateTimeField(_("consent given at"))
    consent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+", verbose_name=_("consent recorded by"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [models.Index(fields=["org_path", "id"], name="volunteer_path_id")]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(crypto.unseal(self.phone_sealed)) if self.phone_sealed else ""


class ServiceTeam(models.Model):
    """A Party–masses service team (党群服务队) of a grid or community: members at its core, with
    registered volunteers, a leader, and each person's availability in normal time and in
    emergencies (平急结合)."""

    city_id = models.PositiveIntegerField(default=0)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("grid or community organisation"))
    org_path = PathField(editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=TeamKind.choices)
    description = models.TextField(_("what the team does"), max_length=1000, blank=True)
    leader = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("leader"))
    formed_on = models.DateField(_("formed on"), default=timezone.localdate)
    disbanded_on = models.DateField(_("disbanded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        indexes = [models.Index(fields=["org_path", "id"], name="team_path_id")]

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    """One person in a team, a member or a volunteer, from joining until leaving."""

    team = models.ForeignKey(ServiceTeam, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("team"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="service_teams", verbose_name=_("member"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="teams", verbose_name=_("volunteer"))
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    normal = models.CharField(_("available in normal time"), max_length=16, choices=NormalAvailability.choices,
                              default=NormalAvailability.WEEKENDS)
    emergency = models.CharField(_("available in an emergency"), max_length=16,
                                 choices=EmergencyAvailability.choices, default=EmergencyAvailability.SAME_DAY)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False, volunteer__isnull=True)
                                   | Q(member__isnull=True, volunteer__isnull=False), name="team_person_one_kind"),
            models.UniqueConstraint(fields=["team", "member"], condition=Q(left_on__isnull=True, member__isnull=False),
                                    name="one_current_team_member"),
            models.UniqueConstraint(fields=["team", "volunteer"],
                                    condition=Q(left_on__isnull=True, volunteer__isnull=False),
                                    name="one_current_team_volunteer"),
        ]

    @property
    def person(self):
        return self.member or self.volunteer


def new_check_in_token() -> str:
    return secrets.token_urlsafe(18)


class Activity(models.Model):
    """A service activity (志愿服务) organised by a team or an organisation: when and where, how many
    may sign up and until when, whether it counts as study. People present are checked in by its
    code (``check_in_token``, unguessable, valid only in the check-in window) or on a staff roll."""

    city_id = models.PositiveIntegerField(default=0)
    team = models.ForeignKey(ServiceTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="activities",
                             verbose_name=_("team"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organised by"))
    org_path = PathField(editable=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    signup_until = models.DateTimeField(_("sign-up open until"), null=True, blank=True,
                                        help_text=_("Left empty: until the start."))
    counts_as_study = models.BooleanField(_("counts as study"), default=False)
    signed_up = models.PositiveIntegerField(default=0, editable=False)
    present = models.PositiveIntegerField(default=0, editable=False)
    check_in_token = models.CharField(max_length=32, unique=True, default=new_check_in_token, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["org_path", "starts_at"], name="activity_path_start"),
                   models.Index(fields=["team", "starts_at"], name="activity_team_start")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="activity_ends_after_start")]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def signup_closes_at(self):
        return self.signup_until or self.starts_at


class SignUp(models.Model):
    """A member (themselves, or staff for them) or a volunteer (by staff) signed up for an activity;
    a withdrawal keeps the row with its time."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False, volunteer__isnull=True)
                                   | Q(member__isnull=True, volunteer__isnull=False), name="signup_one_kind"),
            models.UniqueConstraint(fields=["activity", "member"], name="one_signup_per_member"),
            models.UniqueConstraint(fields=["activity", "volunteer"], name="one_signup_per_volunteer"),
        ]
        indexes = [models.Index(fields=["member", "at"], condition=Q(member__isnull=False),
                                name="signup_member_at")]


class CheckIn(models.Model):
    """One person present at an activity, once: by the activity's code on their phone or on the
    staff's roll; late when after the start plus the tolerance; with the volunteer hours credited.
    Large (millions a year): carries the activity's ``org_path``, ``city_id`` and day."""

    class Method(models.TextChoices):
        CODE = "code", _("Own phone, by the activity's code")
        ROLL = "roll", _("Staff roll")

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="check_ins")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    city_id = models.PositiveIntegerField(default=0)
    org_path = PathField(editable=False)
    on = models.DateField()
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8, choices=Method.choices)
    late = models.BooleanField(default=False)
    hours = models.DecimalField(max_digits=5, decimal_places=1)
    hours_by_staff = models.BooleanField(default=False)
    # The study hours the check-in earned a member, when the activity counts as study.
    study_hours = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False, volunteer__isnull=True)
                                   | Q(member__isnull=True, volunteer__isnull=False), name="check_in_one_kind"),
            models.UniqueConstraint(fields=["activity", "member"], name="one_check_in_per_member"),
            models.UniqueConstraint(fields=["activity", "volunteer"], name="one_check_in_per_volunteer"),
        ]
        indexes = [models.Index(fields=["member", "on"], condition=Q(member__isnull=False),
                                name="check_in_member_on"),
                   models.Index(fields=["volunteer", "on"], condition=Q(volunteer__isnull=False),
                                name="check_in_volunteer_on")]


class ServiceTally(models.Model):
    """What the teams and activities of one organisation's whole subtree did in one month, kept by
    the services for the organisation and every ancestor in the same transaction (like
    requests.RequestTally). Teams and team people are net changes: their sum up to a month is how
    many there were then. Hours are kept in tenths, as whole numbers."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    teams = models.IntegerField(default=0)
    team_members = models.IntegerField(default=0)
    team_volunteers = models.IntegerField(default=0)
    activities = models.IntegerField(default=0)
    activities_held = models.IntegerField(default=0)
    participations = models.IntegerField(default=0)
    member_participations = models.IntegerField(default=0)
    volunteer_participations = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    volunteer_hours_tenths = models.BigIntegerField(default=0)
    study_hours_tenths = models.BigIntegerField(default=0)

    FIELDS = ("teams", "team_members", "team_volunteers", "activities", "activities_held", "participations",
              "member_participations", "volunteer_participations", "late", "volunteer_hours_tenths",
              "study_hours_tenths")
    # Counts of what exists (summed from the beginning), not of what happened in the months asked.
    STANDING = ("teams", "team_members", "team_volunteers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="one_service_tally_a_month")]
