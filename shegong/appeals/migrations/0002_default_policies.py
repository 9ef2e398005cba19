"""Version 1 of every kind's city-wide policy, from domain-rules §1–3/§11."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations


def create(apps, schema_editor):
    from shegong.appeals.choices import AppealKind
    from shegong.appeals.policy_defaults import DEFAULTS

    Policy = apps.get_model("appeals", "AppealPolicy")
    Clock = apps.get_model("appeals", "PolicyClock")
    effective = datetime(2022, 5, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # 信访工作条例 施行
    for kind, spec in DEFAULTS.items():
        if Policy.objects.filter(kind=kind, region__isnull=True).exists():
            continue
        policy = Policy.objects.create(
            kind=kind, version=1, effective_from=effective,
            name=f"{AppealKind(kind).label}（默认）",
            **{k: v for k, v in spec.items() if k != "clocks"},
        )
        Clock.objects.bulk_create(
            Clock(policy=policy, key=key, variant=variant, value=value, unit=unit, legal_basis=basis)
            for key, variant, value, unit, basis in spec["clocks"]
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
