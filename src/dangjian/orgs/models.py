from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.fields import PathField
from dangjian.orgs.rules import Kind, Level


class OrganizationQuerySet(MP_NodeQuerySet):
    def live(self):
        return self.filter(dissolved_at__isnull=True)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        # treebeard's manager builds its own queryset class; keep ours, in its path order.
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """One Party organisation: a node of the tree from the city committee down to a member's
    responsibility zone. The treebeard path (4 base-36 characters a level) is what the scope
    filters on and what large tables copy as ``org_path``."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = None

    path = PathField(unique=True)
    code = models.CharField(_("organisation code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(_("pinyin initials"), max_length=100, blank=True, db_index=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=400, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    city_id = models.PositiveIntegerField(_("city"), default=0, db_index=True)
    has_committee = models.BooleanField(_("has an elected committee"), default=False)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    dissolved_at = models.DateTimeField(_("dissolved at"), null=True, blank=True)
    dissolution_reason = models.CharField(_("reason for dissolution"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(excluded_fields=["numchild", "name_pinyin", "name_initials"])
    objects = OrganizationManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["level", "path"], name="org_level_path"),
            # Children of a node are one depth inside its path range: without this, the root's
            # children mean reading the whole tree.
            models.Index(fields=["depth", "path"], name="org_depth_path"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_at is not None

    def ancestor_paths(self) -> list[str]:
        return [self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)]


class OrgCounts(models.Model):
    """Roll-up counts for one organisation's whole subtree, kept by the services and rebuilt in
    bulk after imports, so that a dashboard reads any node in one row (ENGINEERING.md 3.2)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True, related_name="counts")
    members = models.PositiveIntegerField(default=0)
    full_members = models.PositiveIntegerField(default=0)
    probationary_members = models.PositiveIntegerField(default=0)
    organizations = models.PositiveIntegerField(default=0)
    grids = models.PositiveIntegerField(default=0)
    grids_with_organization = models.PositiveIntegerField(default=0)
    # Residence registration (入网进格): current members of this subtree registered (confirmed)
    # in a residence grid anywhere, and confirmed registrations in this subtree's communities.
    registered_members = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    FIELDS = ("members", "full_members", "probationary_members", "organizations", "grids", "grids_with_organization",
              "registered_members", "residents")


class Grid(models.Model):
    """A comprehensive governance grid (综合网格): a place inside a community, with the branch
    (or general branch) built on it, if any."""

    code = models.CharField(_("grid code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community organisation")
    )
    organization = models.OneToOneField(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="grid",
        verbose_name=_("organisation built on it"),
    )
    org_path = PathField(db_index=True, editable=False)
    city_id = models.PositiveIntegerField(default=0, db_index=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    # Current members registered (confirmed) as living here, kept by the residence services.
    residents = models.PositiveIntegerField(_("registered resident members"), default=0)
    history = HistoricalRecords(excluded_fields=["residents"])

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self):
        return self.name


class Building(models.Model):
    """A building or entrance (楼栋/单元) inside a grid, with the group built on it, if any."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    organization = models.OneToOneField(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="building",
        verbose_name=_("organisation built on it"),
    )
    org_path = PathField(db_index=True, editable=False)
    city_id = models.PositiveIntegerField(default=0, db_index=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="unique_building_in_grid")]

    def __str__(self):
        return self.name
