"""Themed solicitations: lifecycle, portal pages, linking suggestions, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shegong.appeals.choices import AppealKind
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.models import AuditEvent
from shegong.suggestions.choices import ThemeStatus
from shegong.suggestions.models import SolicitationTheme, ThemeSubmission
from shegong.suggestions.services import link_submission
from shegong.suggestions.services import themes as th

pytestmark = pytest.mark.django_db


def theme_data(world, **overrides):
    today = timezone.localdate()
    values = {
        "title": "每月一题：老旧小区加装电梯怎么推进",
        "description": "请围绕老旧小区加装电梯的协商、资金分摊、施工管理提出具体建议。",
        "start_date": today,
        "end_date": today + timedelta(days=30),
        "owner_unit_id": world.dept.pk,
        "region_id": None,
        "background": "全市仍有大量多层住宅没有电梯。",
    }
    values.update(overrides)
    return th.ThemeData(**values)


@pytest.fixture
def theme(world):
    return th.create_theme(actor=world.dispatcher, data=theme_data(world))


def actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_theme_lifecycle_is_audited_and_shown_on_the_portal(world, client, theme) -> None:
    assert theme.status == ThemeStatus.DRAFT
    assert client.get("/portal/themes/").content.decode().count(theme.title) == 0
    assert client.get(f"/portal/themes/{theme.pk}/").status_code == 404  # drafts are private

    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    listing = client.get("/portal/themes/").content.decode()
    assert theme.title in listing
    page = client.get(f"/portal/themes/{theme.pk}/").content.decode()
    assert "我要提建议" in page
    assert f"/portal/submit/?stream=suggestion&amp;theme={theme.pk}" in page

    with pytest.raises(TransitionNotAllowed):
        th.conclude_theme(
            actor=world.dispatcher, theme_id=theme.pk, summary="共收到建议十条，采纳三条。"
        )
    th.close_theme(actor=world.dispatcher, theme_id=theme.pk)
    page = client.get(f"/portal/themes/{theme.pk}/").content.decode()
    assert "我要提建议" not in page
    assert "征集结束" in page

    with pytest.raises(DomainError):
        th.conclude_theme(actor=world.dispatcher, theme_id=theme.pk, summary="太短")
    th.conclude_theme(
        actor=world.dispatcher,
        theme_id=theme.pk,
        summary="共收到建议十二条，采纳三条，已纳入实施方案。",
    )
    page = client.get(f"/portal/themes/{theme.pk}/").content.decode()
    assert "已纳入实施方案" in page
    with pytest.raises(TransitionNotAllowed):
        th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    assert actions(theme) == [
        "solicitation_theme_created",
        "solicitation_theme_published",
        "solicitation_theme_closed",
        "solicitation_theme_concluded",
    ]


def test_theme_rules(world) -> None:
    today = timezone.localdate()
    with pytest.raises(DomainError, match="截止日期不能早于开始日期"):
        th.create_theme(
            actor=world.dispatcher, data=theme_data(world, end_date=today - timedelta(days=1))
        )
    with pytest.raises(DomainError, match="征集内容"):
        th.create_theme(actor=world.dispatcher, data=theme_data(world, description="太短"))
    with pytest.raises(PermissionDenied):
        th.create_theme(actor=world.street_north, data=theme_data(world))
    with pytest.raises(PermissionDenied):
        th.create_theme(actor=world.leader, data=theme_data(world))
    # Publishing a theme whose window is over is refused.
    old = th.create_theme(
        actor=world.dispatcher,
        data=theme_data(
            world, start_date=today - timedelta(days=20), end_date=today - timedelta(days=1)
        ),
    )
    with pytest.raises(DomainError, match="截止日期已过"):
        th.publish_theme(actor=world.dispatcher, theme_id=old.pk)
    assert SolicitationTheme.objects.get(pk=old.pk).status == ThemeStatus.DRAFT


def test_portal_hook_links_only_suggestions_to_accepting_themes(world, b, theme) -> None:
    suggestion = b.suggestion()
    assert link_submission(suggestion, theme.pk) is None  # draft: not accepting
    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    link = link_submission(suggestion, str(theme.pk))
    assert link is not None
    assert link.theme_id == theme.pk
    assert link.via_portal
    assert link_submission(suggestion, theme.pk) == link  # idempotent
    assert ThemeSubmission.objects.count() == 1
    assert actions(link) == ["theme_submission_linked"]
    # Never raises, never links what it should not.
    hotline = b.appeal(
        kind=AppealKind.HL_COMPLAINT, title="路灯不亮", body="北一社区路灯坏了两周。"
    )
    assert link_submission(hotline, theme.pk) is None
    for junk in (None, "", "abc", "999999", "1 OR 1=1", -1):
        assert link_submission(b.suggestion(), junk) is None
    th.close_theme(actor=world.dispatcher, theme_id=theme.pk)
    assert link_submission(b.suggestion(), theme.pk) is None
    assert ThemeSubmission.objects.count() == 1


def test_staff_link_move_and_unlink(world, b, theme) -> None:
    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    other = th.create_theme(actor=world.dispatcher, data=theme_data(world, title="第二个主题"))
    suggestion = b.suggestion(channel="letter")
    with pytest.raises(DomainError, match="不能再关联"):
        th.link_appeal_to_theme(actor=world.dispatcher, appeal_id=suggestion.pk, theme_id=other.pk)
    link = th.link_appeal_to_theme(
        actor=world.dispatcher, appeal_id=suggestion.pk, theme_id=theme.pk
    )
    th.publish_theme(actor=world.dispatcher, theme_id=other.pk)
    moved = th.link_appeal_to_theme(
        actor=world.dispatcher, appeal_id=suggestion.pk, theme_id=other.pk
    )
    assert moved.pk == link.pk
    assert moved.theme_id == other.pk
    th.unlink_appeal_from_theme(actor=world.dispatcher, appeal_id=suggestion.pk)
    assert not ThemeSubmission.objects.exists()
    hotline = b.appeal(
        kind=AppealKind.HL_COMPLAINT, title="路灯不亮", body="北一社区路灯坏了两周。"
    )
    with pytest.raises(DomainError, match="不是人民建议"):
        th.link_appeal_to_theme(actor=world.dispatcher, appeal_id=hotline.pk, theme_id=theme.pk)
    with pytest.raises(PermissionDenied):
        th.link_appeal_to_theme(
            actor=world.street_north, appeal_id=suggestion.pk, theme_id=theme.pk
        )


def test_staff_link_action_on_the_suggestion_page(world, b, theme, client_for) -> None:
    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    suggestion = b.suggestion()
    response = client_for(world.dispatcher).post(
        f"/suggestions/{suggestion.pk}/act/link_theme/", {"theme": theme.pk}
    )
    assert response.status_code == 302
    assert ThemeSubmission.objects.get(appeal=suggestion).theme_id == theme.pk
    page = client_for(world.dispatcher).get(f"/suggestions/themes/{theme.pk}/").content.decode()
    assert suggestion.number in page


def test_expired_themes_close_once(world, theme) -> None:
    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    later = timezone.now() + timedelta(days=40)
    assert th.close_expired_themes(later) == 1
    assert th.close_expired_themes(later) == 0
    assert SolicitationTheme.objects.get(pk=theme.pk).status == ThemeStatus.CLOSED
    assert actions(theme).count("solicitation_theme_closed") == 1


def test_theme_scope(world) -> None:
    city = th.create_theme(actor=world.dispatcher, data=theme_data(world, title="全市主题"))
    north = th.create_theme(
        actor=world.dispatcher,
        data=theme_data(world, title="北街道主题", region_id=world.north.pk),
    )
    south = th.create_theme(
        actor=world.dispatcher,
        data=theme_data(world, title="南街道主题", region_id=world.south.pk),
    )
    seen = set(SolicitationTheme.objects.visible_to(world.street_north))
    assert {city, north} <= seen
    assert south not in seen
    assert set(SolicitationTheme.objects.visible_to(world.secretary)) == set()


def test_docs_state_diagram_is_generated_from_the_table() -> None:
    from pathlib import Path

    from shegong.suggestions.diagram import theme_diagram

    doc = (Path(__file__).resolve().parents[3] / "docs" / "suggestions.md").read_text("utf-8")
    assert theme_diagram() in doc, "run `python -m shegong.suggestions.diagram`; update the doc"
