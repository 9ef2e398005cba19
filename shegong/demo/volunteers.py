"""Demo volunteer service, built through the volunteer services like real input.

Volunteers arrive through ``services.import_volunteers`` (the XLSX import path, dry run
and commit), historical hours through ``services.import_hours``; teams, activities,
sign-ups (with a waitlist), manager check-in/out, hours confirmation, training, award
and evaluation records (one corrected, one voided) and certificates (one listing the
training and award records) through the same service functions the pages call, with
``now=`` set to simulated moments in the past; the last two past activities keep their
hours unconfirmed, so 待确认时长 has something to show. A few activities are left open for
recruitment so the portal has something to offer. Scaled by size; ``small`` stays quick
for ``make run``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.lib.partyrules.months import add_years
from shegong.lib.validators import id_check_digit
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.units.choices import UnitKind
from shegong.units.models import Unit
from shegong.volunteers import services
from shegong.volunteers.models import Signup, Volunteer
from shegong.volunteers.services.transfer import HOURS_COLUMNS


@dataclass(frozen=True)
class VolunteerSize:
    volunteers: int
    teams: int
    past_activities: int
    open_activities: int
    history_rows: int


SIZES = {
    "small": VolunteerSize(
        volunteers=80, teams=4, past_activities=4, open_activities=4, history_rows=150
    ),
    "city": VolunteerSize(
        volunteers=3000, teams=30, past_activities=30, open_activities=20, history_rows=6000
    ),
    "metro": VolunteerSize(
        volunteers=20000, teams=120, past_activities=80, open_activities=60, history_rows=40000
    ),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华国志海燕晓东红梅玉文博涵轩浩然欣怡思远佳宇航"
)
SKILLS = [
    "急救",
    "心理疏导",
    "摄影",
    "法律咨询",
    "医疗护理",
    "驾驶",
    "外语",
    "电脑维修",
    "文艺表演",
]
CATEGORIES = ["社区服务", "关爱老人", "关爱少年儿童", "环境保护", "文明实践", "文化教育"]
ACTIVITIES = [
    ("敬老院陪伴服务", "陪老人聊天、读报、整理房间", "elderly"),
    ("社区环境清洁", "清理楼道杂物、小区绿化带垃圾", "environment"),
    ("四点半课堂", "辅导小学生完成作业", "children"),
    ("文明交通劝导", "在路口劝导行人和非机动车文明出行", "civilisation"),
    ("垃圾分类宣传", "在小区投放点指导居民分类投放", "environment"),
    ("助残送餐", "为行动不便的残疾人送餐上门", "disabled"),
    ("社区义诊协助", "协助医生维持秩序、登记信息", "health"),
    ("法律咨询进社区", "为居民解答常见法律问题", "legal"),
]


def _id_number(rng: random.Random, region_code: str, age: int, today: date) -> str:
    # add_years, not date.replace: on 29 February "age years ago" may have no such day
    birth = add_years(today, -age) - timedelta(days=rng.randint(1, 360))
    body = f"{region_code[:6]}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + id_check_digit(body)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(["137", "147", "159", "182", "188", "198"]) + "".join(
            str(rng.randint(0, 9)) for _ in range(8)
        )
        if phone not in used:
            used.add(phone)
            return phone


def generate_volunteers(
    size_name: str, *, rng: random.Random, log: Callable[[str], Any] = print
) -> int:
    """Build the demo volunteer service; returns the number of volunteers."""
    size = SIZES[size_name]
    root = User.objects.filter(is_superuser=True).order_by("pk").first()
    if root is None:
        raise RuntimeError("the demo generator needs its superuser")
    manager = User.objects.filter(username="volunteer_mgr").first() or root
    today = timezone.localdate()
    communities = list(
        Region.objects.filter(level=RegionLevel.COMMUNITY).select_related("parent").order_by("code")
    )
    if not communities:
        return 0
    log("志愿者 …")
    used_phones: set[str] = set()
    used_ids: set[str] = set()
    rows: list[tuple[int, dict[str, str]]] = []
    for i in range(size.volunteers):
        community = rng.choice(communities)
        age = rng.choice([15, 16, 17] if i % 25 == 0 else list(range(19, 72)))
        number = _id_number(rng, community.code, age, today)
        while number in used_ids:
            number = _id_number(rng, community.code, age, today)
        used_ids.add(number)
        row = {
            "姓名": rng.choice(SURNAMES)
            + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "身份证号": number,
            "手机号码": _phone(rng, used_phones),
            "居住区域代码": community.code,
            "专业技能": "，".join(rng.sample(SKILLS, rng.randint(0, 2))),
            "服务类别": "、".join(rng.sample(CATEGORIES, rng.randint(1, 2))),
        }
        if age < 18:
            row.update(
                {"监护人姓名": "家长", "监护人电话": _phone(rng, used_phones), "监护人已同意": "是"}
            )
        rows.append((i + 2, row))
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        report = services.import_volunteers(actor=root, rows=chunk, commit=True)
        if not report.committed:
            raise RuntimeError(f"demo volunteer import failed: {report.errors[:3]}")
    volunteers = list(Volunteer.objects.select_related("region").order_by("pk"))

    log("志愿服务队 …")
    street_units = {
        u.region_id: u for u in Unit.objects.filter(kind=UnitKind.STREET_OFFICE).order_by("pk")
    }
    manager_street = manager.region_id if manager is not root else None
    teams = []
    team_communities = rng.sample(communities, min(size.teams, len(communities)))
    if manager_street is not None:
        mine = [c for c in communities if c.parent_id == manager_street]
        if mine and all(c.parent_id != manager_street for c in team_communities):
            team_communities[0] = mine[0]
    actor: Any
    for community in team_communities:
        actor = manager if community.parent_id == manager_street else root
        unit = street_units.get(community.parent_id or 0)
        team = services.create_team(
            actor=actor,
            name=f"{community.name}志愿服务队",
            region_id=community.pk,
            unit_id=unit.pk if unit else None,
            description="社区居民志愿者组成，常年开展邻里互助服务",
            manager_ids=[manager.pk] if actor is manager else [],
        )
        teams.append((team, community, actor))
        members = [v for v in volunteers if v.region.parent_id == community.parent_id][:30]
        for v in members[:12]:
            services.add_member(actor=actor, team_id=team.pk, volunteer_id=v.pk)

    log("志愿服务历史 …")
    history = _history_rows(volunteers, size.history_rows, rng, today)
    for start in range(0, len(history), 20000):
        report = services.import_hours(actor=root, rows=history[start : start + 20000], commit=True)
        if not report.committed:
            raise RuntimeError(f"demo hours import failed: {report.errors[:3]}")

    log("志愿活动 …")
    now = timezone.now()
    for n in range(size.past_activities + size.open_activities):
        team, community, actor = teams[n % len(teams)]
        title, content, category = ACTIVITIES[n % len(ACTIVITIES)]
        past = n < size.past_activities
        base = (
            now - timedelta(days=rng.randint(3, 40))
            if past
            else now + timedelta(days=rng.randint(2, 20))
        )
        begins = base.replace(hour=rng.choice([9, 14, 18]), minute=0, second=0, microsecond=0)
        activity = services.create_activity(
            actor=actor,
            team_id=team.pk,
            title=title,
            description=content,
            category=category,
            region_id=community.pk,
            address=f"{community.name}党群服务中心",
            contact_name=rng.choice(SURNAMES) + "老师",
            recruit_start=begins - timedelta(days=10),
            recruit_end=begins - timedelta(hours=2),
            slots=[
                services.SlotInput(
                    begins, begins + timedelta(hours=rng.choice([2, 3])), rng.randint(3, 8)
                ),
                services.SlotInput(
                    begins + timedelta(days=7),
                    begins + timedelta(days=7, hours=2),
                    rng.randint(3, 8),
                ),
            ],
            min_age=18 if n % 5 == 4 else None,
        )
        services.change_activity_status(actor=actor, activity_id=activity.pk, to="published")
        nearby = [v for v in volunteers if v.region.parent_id == community.parent_id] or volunteers
        for slot in activity.slots.all():
            signup_at = activity.recruit_start + timedelta(hours=rng.randint(1, 48))
            if not past:
                signup_at = min(now, activity.recruit_end - timedelta(minutes=1))
                if signup_at < activity.recruit_start:
                    continue
            for v in rng.sample(nearby, min(len(nearby), slot.capacity + 2)):
                try:
                    services.sign_up(volunteer_id=v.pk, slot_id=slot.pk, now=signup_at)
                except Exception:  # noqa: S112 — ineligible (age, clash): skip
                    continue
            if not past or slot.ends_at > now:
                continue
            for signup in slot.signups.filter(status="confirmed"):
                if rng.random() < 0.1:
                    services.mark_absent(actor=actor, signup_id=signup.pk, now=slot.ends_at)
                    continue
                services.manager_check(
                    actor=actor,
                    signup_id=signup.pk,
                    at=slot.starts_at + timedelta(minutes=rng.randint(-10, 15)),
                    now=slot.ends_at,
                )
                services.manager_check(
                    actor=actor,
                    signup_id=signup.pk,
                    at=slot.ends_at - timedelta(minutes=rng.randint(0, 20)),
                    now=slot.ends_at + timedelta(minutes=30),
                )
                if n >= size.past_activities - 2:
                    continue  # the last two: hours still to confirm (待确认时长)
                try:
                    services.confirm_hours(
                        actor=actor, signup_id=signup.pk, now=slot.ends_at + timedelta(hours=2)
                    )
                except DomainError:  # daily cap reached with imported history: left pending
                    continue
        if past and all(s.ends_at <= now for s in activity.slots.all()):
            services.change_activity_status(actor=actor, activity_id=activity.pk, to="closed")

    log("培训、表彰与服务评价 …")
    _records(rng, teams=teams, volunteers=volunteers, root=root, today=today, count=size.teams * 5)

    log("志愿服务证明 …")
    top = Volunteer.objects.filter(total_hours__gt=0).order_by("-total_hours")[: max(3, size.teams)]
    for v in top:
        services.issue_certificate(volunteer_id=v.pk, actor=root)
    trained = (
        Volunteer.objects.filter(total_hours__gt=0, trainings__status="valid")
        .order_by("-total_hours", "pk")
        .first()
    )
    if trained is not None:  # 记录办法 第十四条: the certificate also lists the records
        services.issue_certificate(volunteer_id=trained.pk, actor=root, include_records=True)
    return len(volunteers)


TRAININGS = [
    ("应急救护培训", "心肺复苏、AED使用、创伤包扎", "4", "市红十字会"),
    ("志愿服务通识培训", "志愿服务条例、服务礼仪、安全须知", "2", "市志愿服务联合会"),
    ("垃圾分类指导员培训", "分类标准、入户宣传方法", "1.5", "区城市管理局"),
    ("心理陪伴技巧培训", "倾听与沟通、老年人心理特点", "3", "区社会工作服务中心"),
]
# (title, grantor: "street" / "district" = that body of the volunteer's area, level, government)
AWARDS = [
    ("优秀志愿者", "street", "other", False),
    ("五星级志愿者", "市志愿服务联合会", "other", False),
    ("优秀志愿服务工作者", "district", "county", True),
]


HISTORY_DAYS = 681  # imported history: 20 to 700 days before today


def _history_rows(
    volunteers: list[Volunteer], count: int, rng: random.Random, today: date
) -> list[tuple[int, dict[str, str]]]:
    """Rows of the historical-hours import: at most one row per volunteer and day, so the
    import's duplicate and daily-cap checks (which a real import must pass too) never refuse
    a demo row. Before, a random draw of the same volunteer, day, activity and hours twice
    made ``shegong demo --size city`` fail on some seeds and dates (seed 20261128 on
    2026-12-07: "与第815行重复"). Never more rows than volunteer-days, so the draw ends."""
    taken: set[tuple[int, date]] = set()
    count = min(count, len(volunteers) * HISTORY_DAYS)
    rows: list[tuple[int, dict[str, str]]] = []
    for i in range(count):
        v = rng.choice(volunteers)
        day = today - timedelta(days=rng.randint(20, 19 + HISTORY_DAYS))
        while (v.pk, day) in taken:
            v = rng.choice(volunteers)
            day = today - timedelta(days=rng.randint(20, 19 + HISTORY_DAYS))
        taken.add((v.pk, day))
        title, content, _ = rng.choice(ACTIVITIES)
        values = [
            v.number,
            day.isoformat(),
            title,
            content,
            str(rng.choice([1, 1.5, 2, 2.5, 3, 4, 6])),
            v.region.code,
            f"{v.region.name}志愿服务队",
            "双报到" if i % 17 == 0 else "补录",
            "",
        ]
        rows.append((len(rows) + 2, dict(zip(HOURS_COLUMNS, values, strict=True))))
    return rows


def _grantor(volunteer: Volunteer, kind: str) -> str:
    street = volunteer.region.parent
    if kind == "street" and street is not None:
        return f"{street.name}办事处"
    if kind == "district" and street is not None and street.parent is not None:
        return f"{street.parent.name}人民政府"
    return kind if kind not in ("street", "district") else "市志愿服务联合会"


def _records(
    rng: random.Random,
    *,
    teams: list[tuple[Any, Any, Any]],
    volunteers: list[Volunteer],
    root: Any,
    today: date,
    count: int,
) -> None:
    """Training, award and evaluation records (记录办法 第八至十条) through the services."""
    actor_of_team = {team.pk: actor for team, _, actor in teams}
    members = [
        (v, team, actor)
        for team, _, actor in teams
        for v in Volunteer.objects.filter(memberships__team=team, memberships__left_at=None)
    ]
    chosen = rng.sample(members, min(count, len(members))) if members else []
    trainings = []
    for i, (v, team, actor) in enumerate(chosen):
        title, content, hours, organizer = TRAININGS[i % len(TRAININGS)]
        trainings.append(
            services.add_training(
                actor=actor,
                volunteer_id=v.pk,
                team_id=team.pk,
                title=title,
                content=content,
                hours=hours,
                organizer=organizer,
                # a few recorded late (more than 10 working days after the training)
                held_on=today - timedelta(days=rng.choice([3, 5, 8, 40, 90])),
            )
        )
        if i % 4 == 0:
            title, grantor, level, government = AWARDS[i // 4 % len(AWARDS)]
            services.add_award(
                actor=actor,
                volunteer_id=v.pk,
                team_id=team.pk,
                title=f"{today.year - 1}年度{title}",
                awarded_on=today - timedelta(days=rng.randint(30, 300)),
                grantor=_grantor(v, grantor),
                level=level,
                government=government,
                proof_note="表彰决定文件复印件（志愿者提供）" if government else "",
            )
    if trainings:
        services.correct_record(
            actor=actor_of_team.get(trainings[0].team_id, root),
            kind="training",
            record_id=trainings[0].pk,
            reason="志愿者申请更正：实际学习时长",
            hours=str(trainings[0].hours + 1),
        )
    if len(trainings) > 1:
        services.void_record(
            actor=actor_of_team.get(trainings[1].team_id, root),
            kind="training",
            record_id=trainings[1].pk,
            reason="重复登记",
        )
    signups = (
        Signup.objects.filter(attendance="confirmed")
        .select_related("slot__activity")
        .order_by("pk")
    )
    ratings = ["excellent", "excellent", "good", "good", "good", "pass"]
    for signup in signups:
        if rng.random() < 0.3:
            continue  # not every service gets an evaluation
        served = timezone.localtime(signup.slot.starts_at).date()
        services.add_evaluation(
            actor=actor_of_team.get(signup.slot.activity.team_id, root),
            signup_id=signup.pk,
            rating=rng.choice(ratings),
            comment=rng.choice(["", "认真负责", "守时，耐心细致", "主动帮助他人"]),
            evaluated_on=min(today, served + timedelta(days=rng.randint(0, 14))),
        )
