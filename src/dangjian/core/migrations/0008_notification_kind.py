from django.db import migrations, models


class Migration(migrations.Migration):
    """Notifications are stored as a kind and values and worded when read. Those stored as words
    before keep no kind and read as a notification of a kind no longer sent."""

    dependencies = [
        ("core", "0007_notification"),
    ]

    operations = [
        migrations.RemoveField(model_name="notification", name="message"),
        migrations.AddField(model_name="notification", name="kind",
                            field=models.CharField(default="", max_length=60, verbose_name="kind"),
                            preserve_default=False),
        migrations.AddField(model_name="notification", name="values",
                            field=models.JSONField(blank=True, default=dict, verbose_name="values")),
    ]
