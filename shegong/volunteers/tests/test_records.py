"""Training, award and evaluation records (记录办法 第八至十一、十三、十四条): the services
write and audit them, scope and capabilities hold, corrections keep old/new in the audit
trail, voiding keeps the row, and a certificate that lists them signs what it prints."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.volunteers import services
from shegong.volunteers.choices import VerifyVerdict
from shegong.volunteers.models import AwardRecord, EvaluationRecord, TrainingRecord

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock"),  # records are dated relative to now; see conftest
]


def _sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _training(kit: Any, v: Any, actor: Any = None, **extra: Any) -> TrainingRecord:
    fields = {
        "title": "应急救护培训",
        "content": "心肺复苏、AED使用",
        "hours": "4",
        "organizer": "市红十字会",
        "held_on": timezone.localdate() - timedelta(days=3),
        **extra,
    }
    return services.add_training(actor=actor or kit.vm_north, volunteer_id=v.pk, **fields)


def _award(kit: Any, v: Any, **extra: Any) -> AwardRecord:
    fields = {
        "title": "优秀志愿者",
        "awarded_on": timezone.localdate() - timedelta(days=30),
        "grantor": "北街道办事处",
        "level": "other",
        **extra,
    }
    return services.add_award(actor=kit.vm_north, volunteer_id=v.pk, **fields)


def _hours(kit: Any, v: Any, amount: str = "5") -> None:
    services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal(amount),
        service_date=timezone.localdate() - timedelta(days=1),
        title="补录",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
    )


def test_training_is_recorded_with_article_8_fields_and_audited(kit: Any) -> None:
    v = kit.volunteer()
    row = _training(kit, v)
    row.refresh_from_db()
    assert (row.title, row.content, row.hours, row.organizer) == (
        "应急救护培训",
        "心肺复苏、AED使用",
        Decimal("4.00"),
        "市红十字会",
    )
    assert row.recorder_name == kit.world.street_unit_n.name
    assert row.revision == 1
    assert row.status == "valid"
    event = AuditEvent.objects.get(action="volunteer_training_recorded")
    assert event.target_id == str(row.pk)
    assert event.region_path == kit.world.north_one.path
    assert event.changes["volunteer"] == v.pk
    with pytest.raises(DomainError, match="学习时长"):
        _training(kit, v, hours="0")
    with pytest.raises(DomainError, match="晚于今天"):
        _training(kit, v, held_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(DomainError, match="举办单位"):
        _training(kit, v, organizer=" ")


def test_county_level_government_award_needs_proof(kit: Any) -> None:
    v = kit.volunteer()
    with pytest.raises(DomainError, match="提供证明"):
        _award(kit, v, level="county", government=True, grantor="东城区人民政府")
    row = _award(
        kit,
        v,
        level="county",
        government=True,
        grantor="东城区人民政府",
        proof_note="东政发〔2026〕12号表彰决定复印件",
    )
    assert row.proof_note.startswith("东政发")
    # an award by a community or a team needs no proof
    assert _award(kit, v, level="other").proof_note == ""


def test_evaluation_per_confirmed_signup_once(kit: Any) -> None:
    start = timezone.now() + timedelta(minutes=10)
    activity = kit.activity(start=start, hours=2)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    with pytest.raises(DomainError, match="已确认服务时长"):
        services.add_evaluation(actor=kit.vm_north, signup_id=signup.pk, rating="good")
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=start, now=start)
    end = start + timedelta(hours=2)
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=end, now=end)
    services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    row = services.add_evaluation(
        actor=kit.vm_north, signup_id=signup.pk, rating="excellent", comment="认真负责"
    )
    assert row.volunteer_id == v.pk
    assert row.activity_id == activity.pk
    assert row.team_id == activity.team_id
    assert row.title == activity.title
    assert row.evaluated_on == timezone.localdate()
    with pytest.raises(DomainError, match="已评价"):
        services.add_evaluation(actor=kit.vm_north, signup_id=signup.pk, rating="good")
    with pytest.raises(DomainError, match="服务质量评价"):
        services.add_evaluation(
            actor=kit.vm_north,
            volunteer_id=v.pk,
            title="x",
            service_date=timezone.localdate(),
            rating="great",
        )
    # a correction of the rating keeps the evaluation date when none is given
    services.correct_record(
        actor=kit.vm_north,
        kind="evaluation",
        record_id=row.pk,
        reason="复核",
        rating="good",
        evaluated_on="",
    )
    row.refresh_from_db()
    assert row.rating == "good"
    assert row.evaluated_on == timezone.localdate()
    # after voiding, the service can be evaluated again
    services.void_record(actor=kit.vm_north, kind="evaluation", record_id=row.pk, reason="评错人")
    again = services.add_evaluation(actor=kit.vm_north, signup_id=signup.pk, rating="good")
    assert EvaluationRecord.objects.filter(signup=signup).count() == 2
    assert again.status == "valid"


def test_roles_without_the_capability_cannot_write(kit: Any) -> None:
    v = kit.volunteer()
    row = _training(kit, v)
    for user in (kit.world.leader, kit.world.auditor, kit.world.district_leader):
        with pytest.raises(PermissionDenied):
            _training(kit, v, actor=user)
        with pytest.raises(PermissionDenied):
            services.add_award(
                actor=user,
                volunteer_id=v.pk,
                title="x",
                awarded_on=timezone.localdate(),
                grantor="y",
            )
        with pytest.raises(PermissionDenied):
            services.add_evaluation(
                actor=user,
                volunteer_id=v.pk,
                title="x",
                service_date=timezone.localdate(),
                rating="good",
            )
        with pytest.raises(PermissionDenied):
            services.correct_record(
                actor=user, kind="training", record_id=row.pk, reason="r", title="改"
            )
        with pytest.raises(PermissionDenied):
            services.void_record(actor=user, kind="training", record_id=row.pk, reason="r")
    # 部门管理员 manages volunteers but does not run activities: no evaluations
    with pytest.raises(PermissionDenied):
        services.add_evaluation(
            actor=kit.world.dept_admin,
            volunteer_id=v.pk,
            title="x",
            service_date=timezone.localdate(),
            rating="good",
        )
    row.refresh_from_db()
    assert row.title == "应急救护培训"
    assert row.status == "valid"
    assert row.revision == 1
    assert TrainingRecord.objects.count() == 1
    assert AwardRecord.objects.count() == 0
    assert EvaluationRecord.objects.count() == 0


def test_out_of_scope_staff_cannot_write_or_touch(kit: Any) -> None:
    v = kit.volunteer()
    row = _training(kit, v)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        _training(kit, v, actor=kit.vm_south)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.correct_record(
            actor=kit.vm_south, kind="training", record_id=row.pk, reason="r", title="改"
        )
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.void_record(actor=kit.vm_south, kind="training", record_id=row.pk, reason="r")
    assert not TrainingRecord.objects.visible_to(kit.vm_south).exists()
    assert TrainingRecord.objects.visible_to(kit.vm_north).filter(pk=row.pk).exists()


def test_record_by_a_team_is_visible_to_the_team_unit(kit: Any) -> None:
    """A south volunteer trained by a north team: north staff see that record (the
    recording unit, like ledger entries), not the volunteer's other records."""
    south_v = kit.volunteer(region=kit.world.south_one, actor=kit.vm_south)
    team = kit.team()
    other = _training(kit, south_v, actor=kit.vm_south)
    # the north team's training, recorded by a city-wide user (the north manager cannot
    # reach the south volunteer)
    mine = services.add_training(
        actor=kit.world.root,
        volunteer_id=south_v.pk,
        team_id=team.pk,
        title="队内培训",
        content="活动安全",
        hours="2",
        organizer=team.name,
        held_on=timezone.localdate(),
    )
    visible = set(TrainingRecord.objects.visible_to(kit.vm_north).values_list("pk", flat=True))
    assert visible == {mine.pk}
    assert other.pk not in visible


def test_correction_is_audited_with_old_and_new(kit: Any) -> None:
    v = kit.volunteer()
    row = _training(kit, v)
    with pytest.raises(DomainError, match="更正原因"):
        services.correct_record(
            actor=kit.vm_north, kind="training", record_id=row.pk, reason=" ", hours="6"
        )
    with pytest.raises(DomainError, match="不能更正"):
        services.correct_record(
            actor=kit.vm_north, kind="training", record_id=row.pk, reason="r", volunteer_id=1
        )
    with pytest.raises(DomainError, match="没有需要更正"):
        services.correct_record(
            actor=kit.vm_north, kind="training", record_id=row.pk, reason="r", hours="4"
        )
    services.correct_record(
        actor=kit.vm_north,
        kind="training",
        record_id=row.pk,
        reason="志愿者申请：实际学习6小时",
        hours="6",
    )
    row.refresh_from_db()
    assert row.hours == Decimal("6.00")
    assert row.revision == 2
    event = AuditEvent.objects.get(action="volunteer_training_corrected")
    assert event.changes["hours"] == ["4.00", "6.00"]
    assert event.changes["revision"] == [1, 2]
    assert "title" not in event.changes
    assert event.note == "志愿者申请：实际学习6小时"


def test_void_keeps_the_row_and_blocks_later_changes(kit: Any) -> None:
    v = kit.volunteer()
    row = _award(kit, v)
    with pytest.raises(DomainError, match="作废原因"):
        services.void_record(actor=kit.vm_north, kind="award", record_id=row.pk, reason="")
    services.void_record(actor=kit.vm_north, kind="award", record_id=row.pk, reason="重复登记")
    row.refresh_from_db()
    assert row.status == "voided"
    assert row.void_reason == "重复登记"
    assert row.voided_by_id == kit.vm_north.pk
    assert row.voided_at is not None
    assert AwardRecord.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="volunteer_award_voided", note="重复登记").exists()
    with pytest.raises(DomainError, match="已作废"):
        services.correct_record(
            actor=kit.vm_north, kind="award", record_id=row.pk, reason="r", title="改"
        )
    with pytest.raises(DomainError, match="已作废"):
        services.void_record(actor=kit.vm_north, kind="award", record_id=row.pk, reason="r")


def test_late_records_are_flagged_not_refused(kit: Any) -> None:
    v = kit.volunteer()

    def evaluation(days_ago: int) -> EvaluationRecord:
        return services.add_evaluation(
            actor=kit.vm_north,
            volunteer_id=v.pk,
            title="敬老院探访",
            service_date=timezone.localdate() - timedelta(days=days_ago),
            rating="good",
        )

    late = evaluation(60)
    on_time = evaluation(1)
    rows = {r.pk: r for r in services.mark_lateness([late, on_time])}
    assert rows[late.pk].recorded_late is True
    assert rows[on_time.pk].recorded_late is False
    assert rows[on_time.pk].record_due > on_time.service_date


def test_certificate_with_records_prints_and_verifies(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v)
    training = _training(kit, v)
    _award(kit, v)
    voided = _award(kit, v, title="作废的奖项")
    services.void_record(actor=kit.vm_north, kind="award", record_id=voided.pk, reason="误录")
    plain = services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north)
    cert = services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north, include_records=True)
    assert plain.records == []
    assert not plain.include_records
    assert [(r["kind"], r["title"]) for r in cert.records] == [
        ("training", "应急救护培训"),
        ("award", "优秀志愿者"),
    ]
    assert cert.records[0]["hours"] == "4.00"
    assert cert.records[0]["rev"] == 1
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    pdf = services.certificate_pdf(cert, verify_url="http://testserver/x/")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > len(services.certificate_pdf(plain, verify_url="http://testserver/x/"))
    # editing the printed records on the certificate row breaks its signature
    _sql(
        "UPDATE volunteers_certificate SET records = %s WHERE id = %s",
        ['[{"kind": "award", "id": 1, "rev": 1, "title": "全国优秀"}]', cert.pk],
    )
    assert services.verify_certificate(cert.verify_code).verdict == "altered"
    assert services.verify_certificate(plain.verify_code).verdict == "genuine"
    # a correction through the service after issuing supersedes it
    fresh = services.issue_certificate(volunteer_id=v.pk, include_records=True)
    services.correct_record(
        actor=kit.vm_north, kind="training", record_id=training.pk, reason="申请更正", hours="3"
    )
    result = services.verify_certificate(fresh.verify_code)
    assert result.verdict == "superseded"
    assert "请重新出具" in result.detail
    # the certificate without records is not affected by the records
    assert services.verify_certificate(plain.verify_code).verdict == "genuine"


def test_certificate_reports_a_voided_record_as_superseded(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v)
    award = _award(kit, v)
    cert = services.issue_certificate(volunteer_id=v.pk, include_records=True)
    services.void_record(actor=kit.vm_north, kind="award", record_id=award.pk, reason="撤销")
    assert services.verify_certificate(cert.verify_code).verdict == "superseded"


def test_record_edited_outside_the_services_is_tampering(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v)
    training = _training(kit, v)
    cert = services.issue_certificate(volunteer_id=v.pk, include_records=True)
    _sql("UPDATE volunteers_trainingrecord SET hours = %s WHERE id = %s", ["40.00", training.pk])
    result = services.verify_certificate(cert.verify_code)
    assert result.verdict == "records_tampered"
    assert VerifyVerdict(result.verdict).label == "培训、表彰记录被篡改"
    _sql("UPDATE volunteers_trainingrecord SET hours = %s WHERE id = %s", ["4.00", training.pk])
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    _sql("DELETE FROM volunteers_trainingrecord WHERE id = %s", [training.pk])
    assert services.verify_certificate(cert.verify_code).verdict == "records_tampered"


def test_team_certificate_lists_only_that_teams_records(kit: Any) -> None:
    v = kit.volunteer()
    team = kit.team()
    services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal("2"),
        service_date=timezone.localdate(),
        title="队伍活动",
        organizer=team.name,
        region_id=kit.world.north_one.pk,
        team_id=team.pk,
    )
    _training(kit, v)
    _training(kit, v, title="队内培训", team_id=team.pk)
    cert = services.issue_certificate(
        volunteer_id=v.pk, actor=kit.vm_north, team_id=team.pk, include_records=True
    )
    assert [r["title"] for r in cert.records] == ["队内培训"]


def test_manager_of_a_team_the_volunteer_left_cannot_touch_another_units_record(
    kit: Any,
) -> None:
    """A south volunteer joined a north team and left it: the north manager must not read,
    correct or void the training the south street recorded (an ended membership is no
    jurisdiction over another unit's records)."""
    south_v = kit.volunteer(region=kit.world.south_one, actor=kit.vm_south)
    team = kit.team()
    membership = services.add_member(actor=kit.world.root, team_id=team.pk, volunteer_id=south_v.pk)
    services.remove_member(actor=kit.vm_north, membership_id=membership.pk)
    row = _training(kit, south_v, actor=kit.vm_south)
    assert row.recorder_unit_id == kit.world.street_unit_s.pk  # 本单位: the actor's unit
    assert not TrainingRecord.objects.visible_to(kit.vm_north).filter(pk=row.pk).exists()
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.void_record(actor=kit.vm_north, kind="training", record_id=row.pk, reason="r")
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.correct_record(
            actor=kit.vm_north, kind="training", record_id=row.pk, reason="r", title="改"
        )
    row.refresh_from_db()
    assert (row.status, row.revision, row.title) == ("valid", 1, "应急救护培训")
    # the recording unit still corrects its own record
    services.void_record(actor=kit.vm_south, kind="training", record_id=row.pk, reason="误录")


def test_record_made_for_a_team_keeps_the_teams_unit(kit: Any) -> None:
    v = kit.volunteer()
    team = kit.team(unit=kit.world.street_unit_n)
    row = _training(kit, v, actor=kit.world.root, team_id=team.pk)
    assert row.recorder_unit_id == team.unit_id
    assert _training(kit, v).recorder_unit_id == kit.world.street_unit_n.pk


def test_certificate_signs_the_stored_award_level_not_its_label(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v)
    _award(kit, v, level="county")
    cert = services.issue_certificate(volunteer_id=v.pk, include_records=True)
    assert cert.records[0]["level"] == "county"
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    pdf = services.certificate_pdf(cert, verify_url="http://testserver/x/")
    assert pdf.startswith(b"%PDF")


def test_signature_without_records_is_the_pre_records_signature() -> None:
    """Certificates issued before training and award records existed must keep verifying:
    the signature of a certificate without records is byte-for-byte the old one (payload
    as ``_signature`` had it before records; the hex below was computed from that shape)."""
    import hashlib
    import hmac
    import json
    from datetime import UTC, date, datetime

    from django.test import override_settings

    from shegong.volunteers.models import Certificate
    from shegong.volunteers.services.certificates import _signature

    secret = "fixed-secret-for-signature-regression"
    expected = "74012e51208c8ff544e9c08cc0f66dc27245140f70f4f73a808ab0d351dfd412"
    old_payload = {
        "number": "ZYZM20260301000042",
        "code": "fixed-verify-code-0001",
        "volunteer": 7,
        "team": None,
        "issuer": "北街道办事处",
        "name": "张*愿",
        "id": "339901********0012",
        "hours": "12.50",
        "count": 3,
        "seq": 4,
        "hash": "ab" * 32,
        "first": "2026-01-02",
        "last": "2026-03-04",
        "at": "2026-03-05T08:00:00+00:00",
    }
    key = hashlib.sha256(b"volunteer-certificate:" + secret.encode()).digest()
    message = json.dumps(old_payload, sort_keys=True, ensure_ascii=False).encode()
    assert hmac.new(key, message, hashlib.sha256).hexdigest() == expected
    cert = Certificate(
        number="ZYZM20260301000042",
        verify_code="fixed-verify-code-0001",
        volunteer_id=7,
        issuer_team_id=None,
        issuer_name="北街道办事处",
        name_masked="张*愿",
        id_masked="339901********0012",
        hours=Decimal("12.5"),
        entry_count=3,
        ledger_seq=4,
        ledger_hash="ab" * 32,
        first_date=date(2026, 1, 2),
        last_date=date(2026, 3, 4),
        issued_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
        include_records=False,
    )
    with override_settings(
        SECRET_KEY=secret, SHEGONG_CERT_SIGNING_KEY="", SHEGONG_CERT_SIGNING_KEY_FALLBACKS=[]
    ):
        assert _signature(cert) == expected


def test_lateness_applies_to_evaluations_only(kit: Any) -> None:
    """记录办法 第十一条 sets the 10-working-day limit for service and evaluation records;
    training records have no such limit."""
    v = kit.volunteer()
    training = _training(kit, v, held_on=timezone.localdate() - timedelta(days=60))
    late = services.add_evaluation(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="敬老院探访",
        service_date=timezone.localdate() - timedelta(days=60),
        rating="good",
    )
    rows = {(type(r).__name__, r.pk): r for r in services.mark_lateness([training, late])}
    assert rows[("EvaluationRecord", late.pk)].recorded_late is True
    assert rows[("TrainingRecord", training.pk)].recorded_late is False


def test_integrity_error_outside_evaluations_is_not_called_already_evaluated(
    kit: Any, monkeypatch: Any, caplog: Any
) -> None:
    from django.db import IntegrityError

    v = kit.volunteer()

    def broken_save(self: Any, *args: Any, **kwargs: Any) -> None:
        raise IntegrityError("simulated constraint failure")

    monkeypatch.setattr(TrainingRecord, "save", broken_save)
    with caplog.at_level("WARNING"), pytest.raises(DomainError) as caught:
        _training(kit, v)
    assert "已评价" not in caught.value.message
    assert "保存失败" in caught.value.message
    assert "simulated constraint failure" in caplog.text
