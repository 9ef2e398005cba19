"""The evidence beside a reviewer's judgement: what the platform already holds about a person
and their unit in the evaluation year, each figure with the link to its records.

Sources (read-only, the apps below talent): appeals (the unit's assessment counters,
``UnitMonthStat``), volunteers (hours in the ledger of the teams the person's account
manages), orglife (the member's attendance at held meetings), study (the member's or
account's study hours), compliance (open findings on the member), and this app (hours,
credentials)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.urls import reverse

from shegong.appeals.models import UnitMonthStat
from shegong.compliance.models import ComplianceFinding
from shegong.orglife.choices import AttendanceStatus, MeetingStatus
from shegong.orglife.models import Attendance
from shegong.study.models import StudyRecord
from shegong.volunteers.models import HoursEntry, Team

from ..models import HoursRecord, Person
from .credentials import status_of


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: str
    url: str | None = None
    note: str = ""


def _rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "无数据"


def _appeals(person: Person, year: int) -> list[Fact]:
    row = UnitMonthStat.objects.filter(
        unit=person.unit, month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)
    ).aggregate(
        replied=Sum("replied"),
        on_time=Sum("on_time"),
        revisited=Sum("revisited"),
        resolved=Sum("resolved"),
        satisfied=Sum("satisfied"),
        basic=Sum("basic"),
    )
    replied, revisited = int(row["replied"] or 0), int(row["revisited"] or 0)
    url = f"{reverse('appeals:ranking')}?by=unit&month={year}-12"
    note = f"所在单位「{person.unit.name}」{year}年答复的诉求（按单位计，工单不记到个人）"
    return [
        Fact("appeals_replied", "单位答复诉求件数", str(replied), url, note),
        Fact("appeals_on_time", "按期答复率", _rate(int(row["on_time"] or 0), replied), url, note),
        Fact("appeals_resolved", "解决率", _rate(int(row["resolved"] or 0), revisited), url, note),
        Fact(
            "appeals_satisfied",
            "满意率（含基本满意）",
            _rate(int(row["satisfied"] or 0) + int(row["basic"] or 0), revisited),
            url,
            note,
        ),
    ]


def _volunteering(person: Person, year: int) -> list[Fact]:
    if person.account_id is None:
        return [Fact("volunteer_led", "带领志愿服务时长", "未关联账号", None, "")]
    teams = list(Team.objects.filter(managers=person.account_id).values_list("pk", flat=True))
    total = HoursEntry.objects.filter(team_id__in=teams, service_date__year=year).aggregate(
        total=Sum("hours")
    )["total"]
    url = (
        reverse("volunteers:team", args=[teams[0]])
        if len(teams) == 1
        else (reverse("volunteers:teams") if teams else None)
    )
    return [
        Fact(
            "volunteer_led",
            "带领志愿服务时长",
            f"{float(total or 0):g} 小时",
            url,
            f"本人管理的{len(teams)}支队伍{year}年记入台账的服务时长",
        )
    ]


def _party(person: Person, year: int) -> list[Fact]:
    facts: list[Fact] = []
    if person.member_id is not None:
        rows = Attendance.objects.filter(
            member_id=person.member_id,
            meeting__status=MeetingStatus.HELD,
            meeting__held_on__year=year,
        ).aggregate(
            total=Count("pk"), present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT))
        )
        open_findings = ComplianceFinding.objects.filter(
            member_id=person.member_id, closed_at__isnull=True
        ).count()
        facts += [
            Fact(
                "orglife_attendance",
                "组织生活出席率",
                _rate(int(rows["present"] or 0), int(rows["total"] or 0)),
                reverse("orglife:member", args=[person.member_id]),
                f"{year}年已召开会议中本人出席的比例",
            ),
            Fact(
                "compliance_open",
                "未关闭的组织生活合规问题",
                str(open_findings),
                reverse("compliance:findings"),
                "与本人党员档案相关的问题",
            ),
        ]
    study = StudyRecord.objects.filter(studied_on__year=year)
    cond = Q(pk__in=[])
    if person.member_id is not None:
        cond |= Q(member_id=person.member_id)
    if person.account_id is not None:
        cond |= Q(user_id=person.account_id)
    if person.member_id is not None or person.account_id is not None:
        total = study.filter(cond).aggregate(total=Sum("hours"))["total"]
        facts.append(
            Fact(
                "study_hours",
                "理论学习学时",
                f"{float(total or 0):g}",
                reverse("study:home"),
                f"{year}年学习记录",
            )
        )
    return facts


def _own(person: Person, year: int) -> list[Fact]:
    total = HoursRecord.objects.filter(person=person, studied_on__year=year).aggregate(
        total=Sum("hours")
    )["total"]
    url = reverse("talent:person", args=[person.pk])
    facts = [
        Fact("training_hours", "继续教育/培训学时", f"{float(total or 0):g}", url, f"{year}年")
    ]
    for credential in person.credentials.all():
        st = status_of(credential)
        facts.append(
            Fact(
                f"credential_{credential.pk}",
                credential.display_name,
                f"{st.state_label}，本周期{st.progress.earned:g}/{st.progress.required}学时",
                url,
            )
        )
    if len(facts) == 1:
        facts.append(Fact("credential_none", "职业资格证书", "无", url))
    return facts


def evidence_for(person: Person, year: int) -> list[Fact]:
    return (
        _appeals(person, year)
        + _volunteering(person, year)
        + _party(person, year)
        + _own(person, year)
    )


def frozen(facts: list[Fact]) -> dict[str, dict[str, str | None]]:
    """The facts as stored with a grade (what the reviewer saw)."""
    return {f.key: asdict(f) for f in facts}
