"""Partial indexes where a column is mostly empty (issue 13).

``merged_into`` and ``split_from`` are NULL in almost every row: their full foreign-key
indexes look useless to the planner's statistics, so they are replaced by indexes of the
rows that have a value. The full index is dropped with ``DROP INDEX`` rather than an
``AlterField`` (on SQLite that would copy the whole appeals table twice). Pending extension
requests get an index of their own.
"""

import django.db.models.deletion
from django.db import migrations, models

FK_COLUMNS = ("merged_into", "split_from")


def _fk_index_names(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    table = Appeal._meta.db_table
    return [
        schema_editor._create_index_name(table, [Appeal._meta.get_field(name).column])
        for name in FK_COLUMNS
    ]


def drop_full_indexes(apps, schema_editor):
    for name in _fk_index_names(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_full_indexes(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    for name in FK_COLUMNS:
        schema_editor.execute(
            schema_editor._create_index_sql(Appeal, fields=[Appeal._meta.get_field(name)])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0012_appeal_masked_search_text"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="appeal",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_appeals",
                        to="appeals.appeal",
                        verbose_name="并入",
                    ),
                ),
                migrations.AlterField(
                    model_name="appeal",
                    name="split_from",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="split_children",
                        to="appeals.appeal",
                        verbose_name="拆分自",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_full_indexes, create_full_indexes, elidable=False),
            ],
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="appeal_merged_into_set",
            ),
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("split_from__isnull", False)),
                fields=["split_from"],
                name="appeal_split_from_set",
            ),
        ),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["work_order"],
                name="extension_pending",
            ),
        ),
    ]
