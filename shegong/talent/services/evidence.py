"""The evidence beside a reviewer's judgement: what the platform already holds about a person
and their unit in the evaluation year, each figure with the link to its records.

Sources (read-only, the apps below talent): appeals (the unit's assessment counters,
``UnitMonthStat``; and the person's own: the work orders their linked account signed or
answered, read from the case timeline ``AppealEvent.actor``, and the assessment facts of
the rounds whose reply that account wrote), volunteers (hours in the ledger of the teams
the person's account manages), orglife (the member's attendance at held meetings), study
(the member's or account's study hours), compliance (open findings on the member), and this
app (hours, credentials)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse

from shegong.appeals.choices import EventKind, Satisfaction
from shegong.appeals.models import AppealEvent, AssessmentFact, UnitMonthStat, WorkOrder
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
    note = f"所在单位「{person.unit.name}」{year}年答复的诉求（单位全体人员办理的合计）"
    return [
        Fact("appeals_replied", "单位答复诉求件数", str(replied), url, note),
        Fact(
            "appeals_on_time", "单位按期答复率", _rate(int(row["on_time"] or 0), replied), url, note
        ),
        Fact(
            "appeals_resolved",
            "单位解决率",
            _rate(int(row["resolved"] or 0), revisited),
            url,
            note,
        ),
        Fact(
            "appeals_satisfied",
            "单位满意率（含基本满意）",
            _rate(int(row["satisfied"] or 0) + int(row["basic"] or 0), revisited),
            url,
            note,
        ),
    ]


OWN_LIST_NOTE = "诉求列表暂不能按经办人筛选，链接为所在单位的考核排名"


def _own_appeals(person: Person, year: int) -> list[Fact]:
    """The person's own share: work orders their account signed or answered in ``year``
    (the case timeline names the acting account), and the rounds whose reply (答复, the
    lead order's) that account wrote — the same ``AssessmentFact`` rows the unit counters
    count, so 本人 ≤ 单位 for the person's unit."""
    url = f"{reverse('appeals:ranking')}?by=unit&month={year}-12"
    keys = [
        ("appeals_own_handled", "本人经办工单数"),
        ("appeals_own_replied", "本人答复诉求件数"),
        ("appeals_own_on_time", "本人按期答复率"),
        ("appeals_own_resolved", "本人答复诉求的解决率"),
        ("appeals_own_satisfied", "本人答复诉求的满意率（含基本满意）"),
    ]
    if person.account_id is None:
        why = "人才档案未关联平台账号，无法归集本人经办的工单"
        return [Fact(key, label, "未关联账号", None, why) for key, label in keys]
    account = person.account_id
    handled = (
        WorkOrder.objects.filter(
            events__actor_id=account,
            events__kind__in=[EventKind.SIGNED, EventKind.REPLIED, EventKind.REPORTED],
            events__at__year=year,
        )
        .values("pk")
        .distinct()
        .count()
    )
    answered = AppealEvent.objects.filter(
        appeal_id=OuterRef("appeal_id"),
        work_order__round=OuterRef("round"),
        kind=EventKind.REPLIED,
        actor_id=account,
    )
    revisited = Q(revisited=True)
    row = AssessmentFact.objects.filter(
        Exists(answered), month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)
    ).aggregate(
        n_replied=Count("pk"),
        n_on_time=Count("pk", filter=Q(on_time=True)),
        n_seen=Count("pk", filter=revisited),
        n_resolved=Count("pk", filter=revisited & Q(resolved=True)),
        n_satisfied=Count(
            "pk",
            filter=revisited & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]),
        ),
    )
    replied, seen = int(row["n_replied"]), int(row["n_seen"])
    note = f"{year}年本人账号签收、答复的工单（以办理过程记录的操作人计）；{OWN_LIST_NOTE}"
    values = [
        str(handled),
        str(replied),
        _rate(int(row["n_on_time"]), replied),
        _rate(int(row["n_resolved"]), seen),
        _rate(int(row["n_satisfied"]), seen),
    ]
    return [
        Fact(key, label, value, url, note) for (key, label), value in zip(keys, values, strict=True)
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
        + _own_appeals(person, year)
        + _volunteering(person, year)
        + _party(person, year)
        + _own(person, year)
    )


def frozen(facts: list[Fact]) -> dict[str, dict[str, str | None]]:
    """The facts as stored with a grade (what the reviewer saw)."""
    return {f.key: asdict(f) for f in facts}
