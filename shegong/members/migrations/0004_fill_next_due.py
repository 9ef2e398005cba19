"""Fill ``Member.next_due_on`` / ``next_due_code`` for the people already on the 发展党员
path (``0003`` added the columns).

Frozen on purpose: it reads the historical models and only the columns the computation
needs (no names or ID numbers decrypted), skips the 正式党员 (no deadline), computes with the
pure ``partyrules.development`` library and its default policy (no live service or policy
model, so a later change to either cannot break a fresh ``migrate``), and commits each chunk
in its own transaction (``atomic = False``: no table lock held for the whole fill)."""

from datetime import date

from django.db import migrations, transaction

from shegong.lib.partyrules import development as dev

CHUNK = 500
#: ``members.choices.PIPELINE_STAGES`` as of this migration
PIPELINE_STAGES = ("applicant", "activist", "candidate", "probationary")
#: the steps a roster member took before the platform knew them, all on the 入党日期
BASELINE = ("apply", "confirm_activist", "confirm_candidate", "admit", "approve")
PRE_REVIEW = "pre_review"  # a fact of the 接收 step, not a stage step


def history(member, rows) -> list[dev.Event]:
    """``members.services.development.history`` as of this migration."""
    out: list[dev.Event] = []
    if member.roster_stage and member.admitted_on is not None:
        out = [dev.Event(dev.EventKind(kind), member.admitted_on) for kind in BASELINE]
        if member.roster_stage == "full" and member.confirmed_on is not None:
            out.append(dev.Event(dev.EventKind.CONFIRM_FULL, member.confirmed_on))
    for row in rows:
        if row.kind != PRE_REVIEW:
            out.append(dev.Event(dev.EventKind(row.kind), row.on, row.extension_months))
    return out


def next_due(member, rows, today: date, policy: dev.DevelopmentPolicy) -> tuple:
    try:
        deadlines = dev.next_deadlines(history(member, rows), today, policy)
    except ValueError:
        return None, ""
    return (deadlines[0].due, deadlines[0].code) if deadlines else (None, "")


def fill_next_due(apps, schema_editor) -> None:
    member_model = apps.get_model("members", "Member")
    event_model = apps.get_model("members", "DevelopmentEvent")
    policy = dev.DEFAULT_DEVELOPMENT_POLICY
    today = date.today()  # a due date does not depend on it (only days_left does)
    db = schema_editor.connection.alias if schema_editor is not None else "default"
    people = member_model.objects.using(db).filter(stage__in=PIPELINE_STAGES)
    last = 0
    while True:
        with transaction.atomic(using=db):
            chunk = list(
                people.filter(pk__gt=last)
                .only("pk", "roster_stage", "admitted_on", "confirmed_on")
                .order_by("pk")[:CHUNK]
            )
            if not chunk:
                return
            last = chunk[-1].pk
            rows: dict[int, list] = {m.pk: [] for m in chunk}
            events = (
                event_model.objects.using(db)
                .filter(member_id__in=list(rows))
                .only("member_id", "kind", "on", "extension_months")
                .order_by("on", "pk")
            )
            for row in events:
                rows[row.member_id].append(row)
            changed = []
            for member in chunk:
                member.next_due_on, member.next_due_code = next_due(
                    member, rows[member.pk], today, policy
                )
                if member.next_due_on is not None:
                    changed.append(member)
            member_model.objects.using(db).bulk_update(changed, ["next_due_on", "next_due_code"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("members", "0003_next_due")]

    operations = [migrations.RunPython(fill_next_due, migrations.RunPython.noop, elidable=True)]
