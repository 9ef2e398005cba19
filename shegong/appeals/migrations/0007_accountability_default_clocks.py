"""Add the 回访 and 复查/复核 clocks (domain-rules §1.4, §11) to the existing default policies.

Policies are immutable once used, but these clocks did not exist before: adding them to
version 1 changes no clock an appeal already started under.
"""

from django.db import migrations


def add(apps, schema_editor):
    from shegong.appeals.policy_defaults import DEFAULTS

    Policy = apps.get_model("appeals", "AppealPolicy")
    Clock = apps.get_model("appeals", "PolicyClock")
    for policy in Policy.objects.filter(region__isnull=True, version=1):
        spec = DEFAULTS.get(policy.kind)
        if spec is None:
            continue
        have = set(Clock.objects.filter(policy=policy).values_list("key", "variant"))
        Clock.objects.bulk_create(
            Clock(policy=policy, key=key, variant=variant, value=value, unit=unit, legal_basis=basis)
            for key, variant, value, unit, basis in spec["clocks"]
            if (key, variant) not in have
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_accountability")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
