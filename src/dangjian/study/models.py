from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.fields import PathField


class StudyKind(models.TextChoices):
    ACTIVITY = "activity", _("Service activity")
    MEETING = "meeting", _("Meeting")
    COURSE = "course", _("Course")


class StudyRecord(models.Model):
    """Study hours (学时) credited to a member on a day, by what they took part in (``source``, e.g.
    ``service.activity:12``): one record per member and source, so that crediting again changes
    nothing. Large: carries the member's ``org_path`` and ``city_id``."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="study_records",
                               verbose_name=_("member"))
    city_id = models.PositiveIntegerField(default=0)
    org_path = PathField(editable=False)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("study hours"), max_digits=4, decimal_places=1)
    kind = models.CharField(_("kind"), max_length=16, choices=StudyKind.choices)
    source = models.CharField(_("source"), max_length=64)
    title = models.CharField(_("title"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        constraints = [
            models.UniqueConstraint(fields=["member", "source"], name="one_study_record_per_source"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="study_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["member", "on"], name="study_member_on"),
            models.Index(fields=["org_path", "on"], name="study_path_on"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.on} {self.hours}"
