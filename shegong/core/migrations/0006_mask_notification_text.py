"""Mask identifiers in notifications stored before ``core.notify`` masked them (issue #12):
an appeal's title quoted with a phone or ID number in it. In batches of ``BATCH`` (keyset
over the primary key); only changed rows are written."""

from django.db import migrations

from shegong.lib.masking import mask_identifiers

BATCH = 2000


def mask_stored(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    last = 0
    while True:
        rows = list(
            Notification.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "title", "body")[:BATCH]
        )
        if not rows:
            return
        changed = []
        for row in rows:
            title, body = mask_identifiers(row.title), mask_identifiers(row.body)
            if (title, body) != (row.title, row.body):
                row.title, row.body = title[:200], body
                changed.append(row)
        if changed:
            Notification.objects.bulk_update(changed, ["title", "body"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_sms_status_unknown"),
    ]

    operations = [
        migrations.RunPython(mask_stored, migrations.RunPython.noop),
    ]
