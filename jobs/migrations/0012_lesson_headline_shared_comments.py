from django.db import migrations, models

HEADLINE = ("oeq_share", "mean_wait_s", "teacher_talk_share", "question_count")


def headline_backfill(apps, schema_editor):
    """Copy the headline numbers of lessons that finished before the columns existed."""
    from jobs.review.headline import headline_of_result  # pure: reads a result dict only

    Job = apps.get_model("jobs", "Job")
    Correction = apps.get_model("jobs", "Correction")
    from analysis import corrections
    from django.core.files.storage import default_storage
    import json

    for job in Job.objects.filter(status="succeeded", kind="analyze").exclude(result_file="").iterator():
        try:
            with default_storage.open(job.result_file.name, "rb") as f:
                result = json.load(f)
            made = [
                {"kind": c.kind, "data": c.data, "by": "", "at": c.created_at.isoformat()}
                for c in Correction.objects.filter(job=job).order_by("created_at")
            ]
            if made:
                result = corrections.apply(result, made)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a missing or unreadable result keeps empty numbers; the page still opens
        Job.objects.filter(pk=job.pk).update(**headline_of_result(result))


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0011_correction_merge_split"),
    ]

    operations = [
        migrations.AddField(model_name="job", name="oeq_share", field=models.FloatField(blank=True, null=True)),
        migrations.AddField(model_name="job", name="mean_wait_s", field=models.FloatField(blank=True, null=True)),
        migrations.AddField(
            model_name="job", name="teacher_talk_share", field=models.FloatField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="job", name="question_count", field=models.PositiveIntegerField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="comment",
            name="shared",
            field=models.BooleanField(default=False, help_text="Shown in the lesson report sent to the teacher."),
        ),
        migrations.RunPython(headline_backfill, migrations.RunPython.noop),
    ]
