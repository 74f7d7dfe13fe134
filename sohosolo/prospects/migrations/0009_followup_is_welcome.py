"""A follow-up knows it was planned by the welcome sequence, instead of others guessing it from its dates."""

from datetime import timedelta

from django.db import migrations, models

WELCOME_DAYS = (30, 182, 365)  # the welcome sequence's follow-ups when this migration was written


def mark_welcome_follow_ups(apps, schema_editor):
    FollowUp = apps.get_model("prospects", "FollowUp")
    candidates = FollowUp.objects.filter(created_by__isnull=True, household__settled_on__isnull=False)
    welcome = [
        f.pk
        for f in candidates.only("pk", "due_on", "household__settled_on").select_related("household").iterator()
        if f.due_on - f.household.settled_on in [timedelta(days=d) for d in WELCOME_DAYS]
    ]
    for start in range(0, len(welcome), 500):
        FollowUp.objects.filter(pk__in=welcome[start : start + 500]).update(is_welcome=True)


class Migration(migrations.Migration):
    dependencies = [
        ("prospects", "0008_default_day_in_paris"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="is_welcome",
            field=models.BooleanField(default=False, editable=False, verbose_name="planned by the welcome sequence"),
        ),
        migrations.RunPython(mark_welcome_follow_ups, migrations.RunPython.noop),
    ]
