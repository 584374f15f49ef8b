"""Imports: ImportedRecord rows cover runs of consecutive ids (one row per batch instead of one per record) and
say which object type they hold (companies created for a contact import's company column); undo progress."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="importedrecord",
            name="object_type",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="The records' type when it is not the job's (companies created for contacts).",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="importedrecord",
            name="last_record_id",
            field=models.BigIntegerField(
                blank=True, null=True, help_text="With record_id: the run of consecutive ids record_id..last_record_id."
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="undo_total",
            field=models.PositiveIntegerField(blank=True, null=True, help_text="Records an undo has to go through."),
        ),
        migrations.AddField(
            model_name="importjob",
            name="undo_processed",
            field=models.PositiveIntegerField(db_default=0, default=0, help_text="Records the undo went through."),
        ),
    ]
