"""Anonymisation, review fixes: split parents, the merge family, the other tables, failures,
column lengths, files on commit, off unless configured, FTS residue, anonymised appeals
refusing changes (services.anonymise, docs/privacy.md)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from pytest_django.fixtures import Settings

from conftest import World
from shegong.appeals import hooks
from shegong.appeals.choices import EventKind
from shegong.appeals.models import Appeal, AppealEvent
from shegong.appeals.services import anonymise
from shegong.core.audit import AuditEvent
from shegong.core.exceptions import DomainError

from .conftest import at
from .test_anonymise import (
    BODY,
    NOW,
    PHONE,
    MakeAppeal,
    attach,
    close,
    closed_appeal,
    run,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def old(world: World, make_appeal: MakeAppeal) -> Appeal:
    """Closed in March 2020: more than five years before NOW."""
    return closed_appeal(world, make_appeal, at(2020, 3, 2, 9))


# --- review fixes: split parents, the merge family, other tables, failures, lengths ---------


PARTS = [
    {"title": "路灯", "body": "小区路灯坏了两周"},
    {"title": "井盖", "body": "小区井盖缺失一周"},
]


def split_family(world: World, make_appeal: MakeAppeal) -> tuple[Appeal, list[Appeal]]:
    """An appeal split (2020) into two children, each closed."""
    from shegong.appeals.services.merge import split_appeal

    parent, _ = make_appeal(now=at(2020, 3, 2, 9), body=BODY)
    children = split_appeal(
        actor=world.dispatcher,
        appeal_id=parent.pk,
        parts=PARTS,
        now=at(2020, 3, 2, 10),
    )
    return parent, [close(world, c, at(2020, 3, 2, 11)) for c in children]


def test_a_split_parent_is_anonymised_once_its_children_are(
    world: World, make_appeal: MakeAppeal
) -> None:
    parent, _ = split_family(world, make_appeal)
    run()
    assert Appeal.objects.get(pk=parent.pk).anonymised_at == NOW


def test_a_split_parent_waits_for_an_open_child(world: World, make_appeal: MakeAppeal) -> None:
    from shegong.appeals.services.merge import split_appeal

    parent, _ = make_appeal(now=at(2020, 3, 2, 9), body=BODY)
    children = split_appeal(
        actor=world.dispatcher,
        appeal_id=parent.pk,
        parts=PARTS,
        now=at(2020, 3, 2, 10),
    )
    close(world, children[0], at(2020, 3, 2, 11))
    run()
    assert Appeal.objects.get(pk=parent.pk).anonymised_at is None


def test_an_appeal_merged_into_a_split_parent_follows(
    world: World, make_appeal: MakeAppeal
) -> None:
    from shegong.appeals.services.merge import merge_appeals, split_appeal

    parent, _ = make_appeal(now=at(2020, 3, 2, 9), body=BODY)
    dup, _ = make_appeal(now=at(2020, 3, 2, 9, 30), body=BODY)
    merge_appeals(
        actor=world.dispatcher,
        lead_id=parent.pk,
        duplicate_ids=[dup.pk],
        reason="同一事项",
        now=at(2020, 3, 2, 9, 45),
    )
    for child in split_appeal(
        actor=world.dispatcher,
        appeal_id=parent.pk,
        parts=PARTS,
        now=at(2020, 3, 2, 10),
    ):
        close(world, child, at(2020, 3, 2, 11))
    run()
    assert Appeal.objects.get(pk=dup.pk).anonymised_at == NOW


def test_the_dry_run_counts_a_split_parent(world: World, make_appeal: MakeAppeal) -> None:
    split_family(world, make_appeal)
    assert anonymise.preview(now=NOW, years=5).appeals == 3


def test_a_leads_reply_loses_the_merged_petitioners_name(
    world: World, make_appeal: MakeAppeal
) -> None:
    from shegong.appeals.services.merge import merge_appeals

    lead, _ = make_appeal(now=at(2020, 3, 2, 9), body=BODY)
    dup, _ = make_appeal(now=at(2020, 3, 2, 10), name="李四", phone="13700004444")
    merge_appeals(
        actor=world.dispatcher,
        lead_id=lead.pk,
        duplicate_ids=[dup.pk],
        reason="同一路灯",
        now=at(2020, 3, 2, 11),
    )
    close(world, lead, at(2020, 3, 2, 12), reply="已分别答复张三和李四，路灯已修复。")
    run()
    assert "李四" not in Appeal.objects.get(pk=lead.pk).reply_text


def test_the_notifications_about_the_appeal_are_deleted(old: Appeal) -> None:
    from shegong.core.models import Notification

    assert Notification.objects.filter(url=f"/appeals/{old.pk}/").exists()
    run()
    assert not Notification.objects.filter(url=f"/appeals/{old.pk}/").exists()


def test_the_audit_names_an_appeal_by_its_number_only(
    world: World, make_appeal: MakeAppeal
) -> None:
    appeal, _ = make_appeal(title="张三家门口路灯不亮")
    close(world, appeal, at(2026, 3, 2, 9))
    reprs = set(
        AuditEvent.objects.filter(
            target_type="appeals.appeal", target_id=str(appeal.pk)
        ).values_list("target_repr", flat=True)
    )
    assert reprs == {appeal.number}


def test_an_attachment_event_holds_no_file_name(world: World, old: Appeal) -> None:
    attach(world, old, "张三的照片.pdf", confidential=False)
    event = AuditEvent.objects.get(action="appeal_attachment_added")
    assert "张三" not in str(event.changes)


def test_a_supervisions_texts_are_scrubbed(world: World, old: Appeal) -> None:
    from shegong.appeals.services.supervision import create_supervision

    item = create_supervision(
        actor=world.dept_admin,
        appeal_ids=[old.pk],
        title="督办张三反映的路灯问题",
        instruction=f"请联系张三（{PHONE}）尽快办理",
        deadline=at(2020, 4, 1, 9),
        now=at(2020, 3, 3, 9),
    )
    run()
    item.refresh_from_db()
    assert [t for t in (item.title, item.instruction) if "张三" in t or PHONE in t] == []


def test_one_failing_appeal_does_not_stop_the_others(world: World, make_appeal: MakeAppeal) -> None:
    bad = closed_appeal(world, make_appeal, at(2020, 3, 2, 9))
    good = closed_appeal(world, make_appeal, at(2020, 3, 3, 9))

    def explode(event: hooks.AppealAnonymised) -> None:
        if event.appeal.pk == bad.pk:
            raise RuntimeError("bad row")

    hooks.appeal_anonymised.register(explode)
    try:
        run()
    finally:
        hooks.appeal_anonymised.unregister(explode)
    assert Appeal.objects.get(pk=good.pk).anonymised_at == NOW


def test_a_failing_appeal_is_left_as_it_was(world: World, make_appeal: MakeAppeal) -> None:
    bad = closed_appeal(world, make_appeal, at(2020, 3, 2, 9))

    def explode(event: hooks.AppealAnonymised) -> None:
        raise RuntimeError("bad row")

    hooks.appeal_anonymised.register(explode)
    try:
        outcome = run()
    finally:
        hooks.appeal_anonymised.unregister(explode)
    bad.refresh_from_db()
    assert (bad.anonymised_at, outcome.failed, outcome.failed_numbers) == (
        None,
        1,
        [bad.number],
    )


def test_the_batch_audit_counts_the_failures(world: World, make_appeal: MakeAppeal) -> None:
    bad = closed_appeal(world, make_appeal, at(2020, 3, 2, 9))
    closed_appeal(world, make_appeal, at(2020, 3, 3, 9))

    def explode(event: hooks.AppealAnonymised) -> None:
        if event.appeal.pk == bad.pk:
            raise RuntimeError("bad row")

    hooks.appeal_anonymised.register(explode)
    try:
        run()
    finally:
        hooks.appeal_anonymised.unregister(explode)
    changes = AuditEvent.objects.get(action="appeals_anonymised").changes
    assert (changes["appeals"], changes["failed"]) == (1, 1)


def test_a_scrubbed_text_is_cut_to_its_column(world: World, make_appeal: MakeAppeal) -> None:
    """ "1-2-3" becomes "[门牌已隐去]" (longer): PostgreSQL refuses more than 200 characters."""
    note = ("1-2-3，" * 33)[:200]
    appeal = closed_appeal(world, make_appeal, at(2020, 3, 2, 9), proxy_note=note)
    run()
    appeal.refresh_from_db()
    assert (appeal.anonymised_at, len(appeal.proxy_note) <= 200) == (NOW, True)


def test_a_personal_file_stays_until_the_transaction_commits(world: World, old: Appeal) -> None:
    """Deleted in ``on_commit``: a rolled-back run would otherwise have lost the file."""
    letter = attach(world, old, "来信.pdf", confidential=True)
    path = letter.file.path
    run()  # the test's transaction never commits
    assert letter.file.storage.exists(path)


def test_a_new_step_after_the_list_was_read_keeps_the_appeal(
    world: World, old: Appeal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Due-ness is checked again on the locked rows."""
    listed = anonymise.due_appeals(NOW, 5)
    AppealEvent.objects.create(
        appeal=old, kind=EventKind.INFO_ADDED, at=NOW - timedelta(days=1), note="群众补充材料"
    )
    listed_once = iter([listed, []])
    monkeypatch.setattr(anonymise, "due_appeals", lambda *a, **k: next(listed_once))
    run()
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


# --- off unless configured -----------------------------------------------------------------


def test_unconfigured_the_job_erases_nothing(old: Appeal, settings: Settings) -> None:
    settings.SHEGONG_APPEAL_ANONYMISE_YEARS = None
    anonymise.anonymise_due(now=NOW)
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


def test_unconfigured_the_command_says_so_in_chinese(old: Appeal, settings: Settings) -> None:
    settings.SHEGONG_APPEAL_ANONYMISE_YEARS = None
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", stdout=out)
    assert "未配置诉求匿名化" in out.getvalue()


def test_unconfigured_the_command_changes_nothing(old: Appeal, settings: Settings) -> None:
    settings.SHEGONG_APPEAL_ANONYMISE_YEARS = None
    with time_machine.travel(NOW, tick=False):
        call_command("anonymise_appeals", stdout=StringIO())
    assert Appeal.objects.get(pk=old.pk).anonymised_at is None


def test_the_sqlite_search_indexes_are_optimised_after_a_run(old: Appeal) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's; PostgreSQL relies on VACUUM (docs/privacy.md)")
    with CaptureQueriesContext(connection) as queries:
        run()
    assert [q for q in queries.captured_queries if "'optimize'" in q["sql"]]


# --- an anonymised appeal takes no new attachment or category -----------------------------


def test_an_anonymised_appeal_refuses_an_attachment(world: World, old: Appeal) -> None:
    run()
    old.refresh_from_db()
    with pytest.raises(DomainError, match="该诉求已匿名化，不能再添加附件"):
        attach(world, old, "补充.pdf", confidential=False)


def test_an_anonymised_appeal_refuses_a_new_category(world: World, old: Appeal) -> None:
    from shegong.appeals.services.workflow.dispatch import check_category, set_category

    run()
    current = Appeal.objects.get(pk=old.pk)
    l1, l2 = check_category(current.category_l1 or "城乡建设", "")
    with pytest.raises(DomainError, match="该诉求已匿名化，不能再修改类别"):
        set_category(actor=world.dispatcher, appeal_id=old.pk, category_l1=l1, category_l2=l2)


def test_anonymising_bumps_the_version(old: Appeal) -> None:
    before = Appeal.objects.get(pk=old.pk).version
    run()
    assert Appeal.objects.get(pk=old.pk).version == before + 1


def test_the_optimised_tables_are_the_search_tables() -> None:
    from shegong.appeals.search import FTS_TABLE
    from shegong.appeals.search_short import GRAMS_TABLE

    assert set(anonymise._OPTIMIZE) == {FTS_TABLE, GRAMS_TABLE}
