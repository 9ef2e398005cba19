"""Appeal.masked_search_text: title and body with identifiers masked, so that search by a
viewer who may not see the petitioner's identity filters in SQL (issue #12 review). Existing
rows are filled in batches of ``BATCH`` (keyset over the primary key, ``bulk_update``)."""

from django.db import migrations

import shegong.appeals.models
from shegong.lib.masking import mask_identifiers

BATCH = 2000


def fill(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    last = 0
    while True:
        rows = list(
            Appeal.objects.filter(pk__gt=last).order_by("pk").only("pk", "title", "body")[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            row.masked_search_text = "\n".join(mask_identifiers(t) for t in (row.title, row.body))
        Appeal.objects.bulk_update(rows, ["masked_search_text"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0011_attachment_confidential"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="masked_search_text",
            field=shegong.appeals.models.MaskedCopyField(
                blank=True,
                default="",
                editable=False,
                sources=("title", "body"),
                verbose_name="标题和内容（已脱敏）",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
