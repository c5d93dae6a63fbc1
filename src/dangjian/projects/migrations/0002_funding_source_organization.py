"""Funding sources belong to the organisation whose budget they are. A source kept before that
is given the root of the city whose projects it funded, or the deployment's first root when it
funded none, so that every existing approval stays within its source's subtree."""

import django.db.models.deletion
from django.db import migrations, models


def give_sources_a_root(apps, schema_editor):
    FundingSource = apps.get_model("projects", "FundingSource")
    MicroProject = apps.get_model("projects", "MicroProject")
    Organization = apps.get_model("orgs", "Organization")
    sources = list(FundingSource.objects.filter(organization__isnull=True))
    if not sources:
        return
    roots = list(Organization.objects.filter(depth=1).order_by("path"))
    if not roots:
        raise RuntimeError("Funding sources exist but no organisation does: load the organisation tree first, "
                           "or delete the sources, then migrate again.")
    for source in sources:
        funded = (MicroProject.objects.filter(funding_source=source).order_by("pk")
                  .values_list("org_path", flat=True).first())
        source.organization = next((root for root in roots if funded and funded.startswith(root.path)), roots[0])
        source.save(update_fields=["organization"])


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0004_registration_counts"),
        ("projects", "0001_micro_projects"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="fundingsource", name="one_funding_source_a_year"),
        migrations.AddField(
            model_name="fundingsource",
            name="organization",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="orgs.organization", verbose_name="organisation"),
        ),
        migrations.RunPython(give_sources_a_root, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="fundingsource",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="orgs.organization", verbose_name="organisation"),
        ),
        migrations.AddConstraint(
            model_name="fundingsource",
            constraint=models.UniqueConstraint(fields=("organization", "name", "year"),
                                               name="one_source_of_a_name_an_org_a_year"),
        ),
    ]
