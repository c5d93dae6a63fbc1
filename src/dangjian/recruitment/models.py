import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto
from dangjian.core.fields import PathField
from dangjian.members.models import Sex


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    ENDED = "ended", _("Ended")


class RecruitmentFile(crypto.SealedIdentity, models.Model):
    """One person's way from application to full membership (发展党员档案), kept by the branch
    that develops them. The steps are ``StepRecord`` rows; the stage follows from them. Once the
    upper committee approves, the person is also a probationary member in the register
    (``member``)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("branch"))
    org_path = PathField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_sealed = models.BinaryField(_("ID number (encrypted)"))
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_last4 = models.CharField(max_length=4, editable=False)
    phone_sealed = models.BinaryField(null=True, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    rules = models.CharField(_("rules"), max_length=16, default="auto",
                             help_text=_("auto: each step is judged by the rules in force on its date."))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT)
    member = models.OneToOneField("members.Member", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="recruitment_file", verbose_name=_("member"))
    # The soonest time limit the file waits for (recruitment.rules.deadlines), kept with each
    # recorded step so that the overdue and due-soon lists of any subtree are an index range.
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    next_due_step = models.CharField(_("step due"), max_length=8, blank=True)
    next_due_rule = models.CharField(max_length=64, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recruitment file")
        verbose_name_plural = _("recruitment files")
        constraints = [
            # A person is developed by one branch at a time; an ended file stays as history.
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(stage="ended"),
                                    name="one_open_recruitment_file"),
        ]
        indexes = [
            models.Index(fields=["org_path", "stage"], name="recruitment_path_stage"),
            # A subtree's lists read the first; a city's read the second in due order.
            models.Index(fields=["org_path", "next_due_on"], condition=Q(next_due_on__isnull=False),
                         name="recruitment_path_due"),
            models.Index(fields=["next_due_on", "id"], condition=Q(next_due_on__isnull=False),
                         name="recruitment_due"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_stage_display()})"


class StepRecord(models.Model):
    """One step that happened: its date, its facts (counts, dates, outcome: the case format of
    docs/recruitment.md) and, when it broke a rule, the exception an upper-committee admin
    recorded with its reason."""

    file = models.ForeignKey(RecruitmentFile, on_delete=models.CASCADE, related_name="records")
    step = models.CharField(_("step"), max_length=8)
    on = models.DateField(_("date"))
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    excepted_rules = models.JSONField(_("rules excepted"), default=list, blank=True)
    exception_reason = models.TextField(_("reason for the exception"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("recorded step")
        verbose_name_plural = _("recorded steps")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["file", "step"], name="recruitment_record_step")]

    def __str__(self):
        return f"{self.step} {self.on.isoformat()}"


def _document_path(document: "StepDocument", filename: str) -> str:
    # A random name on disk: the person's name or the document's title never reaches a path.
    return f"recruitment/{document.record.file_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class StepDocument(models.Model):
    """A document of a recorded step (application letter, minutes, ballots, forms), kept outside
    the web root and given only to those who may see the file."""

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="documents",
                               verbose_name=_("recorded step"))
    content = models.FileField(_("content"), upload_to=_document_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("step document")
        verbose_name_plural = _("step documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
