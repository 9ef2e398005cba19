"""Anonymisation of closed appeals N years after their last step (services.anonymise)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings

from conftest import World
from shegong.appeals.attachments import add_attachment
from shegong.appeals.choices import AppealStatus, WorkOrderRole
from shegong.appeals.models import (
    Appeal,
    AppealEvent,
    AssessmentFact,
    Attachment,
    Petitioner,
    Review,
    UnitMonthStat,
)
from shegong.appeals.services import anonymise
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.core.audit import AuditEvent
from shegong.core.periodic import REGISTRY, _load_jobs
from shegong.core.pii import plain

from .conftest import at

pytestmark = pytest.mark.django_db

MakeAppeal = Callable[..., tuple[Appeal, str | None]]

NOW = at(2026, 12, 7, 4)
ID = "11010519491231002X"
PHONE = "13912345678"
BODY = f"我叫张三，电话{PHONE}，住人民路18号3号楼501室，小区路灯坏了两周。"


def closed_appeal(
    world: World, make_appeal: MakeAppeal, start: datetime, **overrides: object
) -> Appeal:
    """An appeal registered at ``start`` and closed (satisfied revisit) two weeks later."""
    values: dict[str, object] = {
        "body": BODY,
        "id_number": ID,
        "petitioner_address": "人民路18号3号楼501室",
    }
    values.update(overrides)
    appeal, _ = make_appeal(now=start, **values)
    return close(world, appeal, start)


def close(world: World, appeal: Appeal, start: datetime, reply: str = "") -> Appeal:
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=start + timedelta(hours=1),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=start + timedelta(hours=2))
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text=reply or f"已联系张三（{PHONE}），路灯已修复。",
        now=start + timedelta(days=3),
    )
    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=True,
        satisfaction="satisfied",
        method="phone",
        comment=f"张三表示满意，回拨{PHONE}",
        now=start + timedelta(days=13),
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    return appeal


def attach(world: World, appeal: Appeal, name: str, *, confidential: bool) -> Attachment:
    upload = SimpleUploadedFile(name, b"%PDF-1.4\n%x\n")
    return add_attachment(
        actor=world.dispatcher, appeal=appeal, upload=upload, name=name, confidential=confidential
    )


@pytest.fixture
def old(world: World, make_appeal: MakeAppeal) -> Appeal:
    """Closed in March 2020: more than five years before NOW."""
    return closed_appeal(world, make_appeal, at(2020, 3, 2, 9))


@pytest.fixture
def switched_on(settings: Settings) -> None:
    """The deployment has set SHEGONG_APPEAL_ANONYMISE_YEARS (anonymisation is off unless)."""
    settings.SHEGONG_APPEAL_ANONYMISE_YEARS = 5


def run() -> anonymise.Outcome:
    return anonymise.anonymise_due(now=NOW, years=5)


def test_the_petitioners_identity_is_erased(old: Appeal) -> None:
    run()
    person = Petitioner.objects.get(pk=old.petitioner_id)
    values = [plain(getattr(person, f)) for f in ("name", "phone", "id_number", "address")]
    assert values == ["", "", "", ""]


def test_the_blind_indexes_are_emptied(old: Appeal) -> None:
    run()
    person = Petitioner.objects.get(pk=old.petitioner_id)
    assert (person.phone_bidx, person.id_number_bidx) == ("", "")


def test_identifiers_in_the_body_are_scrubbed(old: Appeal) -> None:
    run()
    body = Appeal.objects.get(pk=old.pk).body
    assert all(word not in body for word in ("张三", PHONE, "501室", "18号"))


def test_the_matter_itself_stays_readable(old: Appeal) -> None:
    run()
    assert "小区路灯坏了两周" in Appeal.objects.get(pk=old.pk).body


def test_the_reply_revisit_and_timeline_are_scrubbed(old: Appeal) -> None:
    run()
    appeal = Appeal.objects.get(pk=old.pk)
    texts = [o.reply_text for o in appeal.work_orders.all()]
    texts += [r.comment for r in appeal.revisits.all()]
    texts += [e.note + e.public_note for e in AppealEvent.objects.filter(appeal=appeal)]
    assert not [t for t in texts if PHONE in t or "张三" in t]


def test_the_masked_search_copy_follows(old: Appeal) -> None:
    run()
    assert "张三" not in Appeal.objects.get(pk=old.pk).masked_search_text


def test_category_region_dates_unit_and_outcome_are_kept(old: Appeal) -> None:
    keep = ("kind", "region_id", "registered_at", "closed_at", "lead_unit_id", "status", "number")
    before = {f: getattr(old, f) for f in keep}
    run()
    appeal = Appeal.objects.get(pk=old.pk)
    assert {f: getattr(appeal, f) for f in keep} == before


def test_the_appeal_is_marked_anonymised(old: Appeal) -> None:
    run()
    assert Appeal.objects.get(pk=old.pk).anonymised_at == NOW


def test_attachments_with_personal_data_are_deleted(
    world: World,
    old: Appeal,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    letter = attach(world, old, "张三的来信.pdf", confidential=True)
    path = letter.file.path
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert (Attachment.objects.filter(pk=letter.pk).exists(), letter.file.storage.exists(path)) == (
        False,
        False,
    )


def test_attachments_without_personal_data_are_kept(world: World, old: Appeal) -> None:
    photo = attach(world, old, "现场照片.pdf", confidential=False)
    run()
    assert Attachment.objects.filter(pk=photo.pk).exists()


def test_the_assessment_counters_do_not_change(old: Appeal) -> None:
    """三率: the facts and the monthly counters are statistics, not personal data."""

    def counters() -> list[tuple[object, ...]]:
        stats = UnitMonthStat.objects.order_by("pk").values_list()
        facts = AssessmentFact.objects.order_by("pk").values_list()
        return [*stats, *facts]

    before = counters()
    assert before  # the closed appeal was counted
    run()
    assert counters() == before


def test_an_appeal_closed_less_than_the_years_ago_is_untouched(
    world: World, make_appeal: MakeAppeal
) -> None:
    recent = closed_appeal(world, make_appeal, at(2022, 3, 2, 9))
    run()
    assert plain(Petitioner.objects.get(pk=recent.petitioner_id).id_number) == ID


def test_the_years_come_from_the_setting(
    world: World, make_appeal: MakeAppeal, settings: Settings
) -> None:
    settings.SHEGONG_APPEAL_ANONYMISE_YEARS = 4
    closed = closed_appeal(world, make_appeal, at(2022, 3, 2, 9))
    anonymise.anonymise_due(now=NOW)
    assert Appeal.objects.get(pk=closed.pk).anonymised_at == NOW


def test_an_open_appeal_is_untouched(world: World, make_appeal: MakeAppeal) -> None:
    appeal, _ = make_appeal(now=at(2019, 3, 2, 9), body=BODY)
    run()
    assert Appeal.objects.get(pk=appeal.pk).anonymised_at is None


def test_a_later_step_keeps_the_appeal(world: World, old: Appeal) -> None:
    """A timeline event after the cut-off (e.g. a 复查 registered late) means a step
    happened: the clock starts again from it."""
    AppealEvent.objects.create(appeal=old, kind="revisited", at=at(2023, 1, 5), note="补充回访")
    run()
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


def test_an_undecided_review_keeps_the_appeal(world: World, old: Appeal) -> None:
    """A 复查 requested in time and never decided: the matter is not final."""
    Review.objects.create(
        appeal=old,
        level="review",
        requested_at=at(2020, 3, 20),
        request_text="对答复不服，请求复查",
        window_end=at(2020, 4, 15),
        reviewer_unit=world.unit_b,
        due_at=at(2020, 4, 19),
    )
    run()
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


def test_a_decided_review_is_scrubbed_too(world: World, old: Appeal) -> None:
    review = Review.objects.create(
        appeal=old,
        level="review",
        requested_at=at(2020, 3, 20),
        request_text=f"张三（{PHONE}）对答复不服",
        window_end=at(2020, 4, 15),
        reviewer_unit=world.unit_b,
        due_at=at(2020, 4, 19),
        decided_at=at(2020, 4, 10),
        outcome="uphold",
        opinion="维持原答复意见",
    )
    run()
    assert Review.objects.get(pk=review.pk).request_text == "某某（[号码已隐去]）对答复不服"


def test_a_petitioner_shared_with_a_newer_appeal_keeps_their_identity(
    world: World, make_appeal: MakeAppeal, old: Appeal
) -> None:
    newer, _ = make_appeal(now=at(2026, 11, 2, 9))
    Appeal.objects.filter(pk=newer.pk).update(petitioner_id=old.petitioner_id)
    run()
    assert plain(Petitioner.objects.get(pk=old.petitioner_id).id_number) == ID


def test_a_shared_petitioners_old_appeal_is_still_scrubbed(
    world: World, make_appeal: MakeAppeal, old: Appeal
) -> None:
    newer, _ = make_appeal(now=at(2026, 11, 2, 9))
    Appeal.objects.filter(pk=newer.pk).update(petitioner_id=old.petitioner_id)
    run()
    assert PHONE not in Appeal.objects.get(pk=old.pk).body


def test_representatives_are_erased_too(world: World, make_appeal: MakeAppeal) -> None:
    group = closed_appeal(
        world,
        make_appeal,
        at(2020, 5, 4, 9),
        is_group=True,
        headcount=12,
        representatives=[{"name": "李四", "phone": "13800001111", "id_number": ""}],
    )
    run()
    rep = group.representatives.get()
    assert (plain(rep.name), plain(rep.phone), rep.phone_bidx) == ("", "", "")


def test_one_audit_event_per_batch(
    world: World, make_appeal: MakeAppeal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(anonymise, "BATCH", 2)
    for day in (2, 3, 4):
        closed_appeal(world, make_appeal, at(2020, 3, day, 9))
    run()
    assert AuditEvent.objects.filter(action="appeals_anonymised").count() == 2


def test_the_audit_holds_no_erased_value(old: Appeal) -> None:
    run()
    event = AuditEvent.objects.get(action="appeals_anonymised")
    text = f"{event.changes} {event.note} {event.target_repr}"
    assert [v for v in ("张三", PHONE, ID, "人民路") if v in text] == []


def test_the_audit_counts_what_was_done(old: Appeal) -> None:
    run()
    changes = AuditEvent.objects.get(action="appeals_anonymised").changes
    assert (changes["appeals"], changes["petitioners"], changes["numbers"]) == (
        1,
        1,
        [old.number],
    )


def test_a_second_run_changes_nothing(old: Appeal) -> None:
    run()
    again = run()
    assert (again.appeals, AuditEvent.objects.filter(action="appeals_anonymised").count()) == (
        0,
        1,
    )


def test_a_merged_appeal_follows_its_target(world: World, make_appeal: MakeAppeal) -> None:
    from shegong.appeals.services.merge import merge_appeals

    lead, _ = make_appeal(now=at(2020, 3, 2, 9), body=BODY)
    child, _ = make_appeal(now=at(2020, 3, 2, 10), body=BODY)
    merge_appeals(
        actor=world.dispatcher,
        lead_id=lead.pk,
        duplicate_ids=[child.pk],
        reason="同一路灯",
        now=at(2020, 3, 2, 11),
    )
    close(world, lead, at(2020, 3, 2, 12))
    run()
    assert Appeal.objects.get(pk=child.pk).anonymised_at == NOW


def test_the_job_is_registered_daily() -> None:
    _load_jobs()
    assert REGISTRY["appeals.anonymise"].every == "daily"


def test_the_dry_run_changes_nothing(old: Appeal, switched_on: None) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", "--dry-run", stdout=out)
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


def test_the_dry_run_says_what_would_happen(old: Appeal, switched_on: None) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", "--dry-run", stdout=out)
    assert "试运行：办结满 5 年（2021-12-07 之前）的诉求 1 件将被匿名化" in out.getvalue()


def test_the_dry_run_lists_the_numbers(old: Appeal, switched_on: None) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", "--dry-run", stdout=out)
    assert f"诉求编号：{old.number}" in out.getvalue()


def test_the_command_anonymises_and_reports_in_chinese(old: Appeal, switched_on: None) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", stdout=out)
    assert "已匿名化诉求 1 件" in out.getvalue()


def test_the_help_says_it_cannot_be_undone() -> None:
    from shegong.appeals.management.commands.anonymise_appeals import Command

    assert "不可恢复" in Command.help
