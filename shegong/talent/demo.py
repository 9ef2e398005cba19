"""Demo data of the talent app (issue 18), made through its services.

``generate(size_name, rng=..., log=...)`` — the same signature as the other demo modules
(``shegong/demo/party_study.py``): for a sample of street offices and communities, a corps
of community workers (on the current post ladder, with degrees), social workers and
grassroots cadres; credentials at every stage (awaiting first registration, valid, inside
the re-registration window with hours met or short, expired); continuing-education hours;
a class running today with enrolments and attendance and one in two weeks; a few practice
postings; last year's evaluation per street with the 优秀 quota respected; a couple of
proposed decisions. The lead wires it into ``shegong demo``."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index
from shegong.regions.choices import RegionLevel
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .choices import Category
from .models import Person, PostLadder
from .sample import id_number, make_person
from .services import credentials, decisions, evaluation, training

UNITS = {"small": 6, "city": 40, "metro": 120}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _people(
    root: User, unit: Unit, rng: random.Random, seq: list[int], today: date
) -> list[Person]:
    posts = list(PostLadder.current().posts)
    out: list[Person] = []
    for i in range(rng.randint(4, 8)):
        seq[0] += 1
        while Person.objects.filter(
            id_number_bidx=blind_index("id_number", id_number(seq[0]))
        ).exists():
            seq[0] += 1
        category = (
            Category.COMMUNITY_WORKER
            if i < 4
            else rng.choice([Category.SOCIAL_WORKER, Category.CADRE])
        )
        started = today - timedelta(days=rng.randint(200, 6000))
        person = make_person(
            root,
            seq=seq[0],
            unit_id=unit.pk,
            region_id=unit.region_id,
            category=category,
            name=_name(rng),
            post=(
                posts[min(i, len(posts) - 1)]
                if category == Category.COMMUNITY_WORKER and posts
                else ""
            ),
            started_on=started if category == Category.COMMUNITY_WORKER else None,
            degree=rng.choice(["", "", "bachelor", "bachelor", "master"]),
            phone=f"139{seq[0]:08d}",
        )
        out.append(person)
    return out


def _credential(root: User, person: Person, rng: random.Random, today: date) -> None:
    if rng.random() < 0.35:
        return
    level = rng.choice(["assistant", "assistant", "intermediate", "senior"])
    passed = today - timedelta(days=rng.randint(60, 1900))
    registered = passed + timedelta(days=rng.randint(15, 300))
    try:
        credential = credentials.add_credential(
            actor=root,
            person_id=person.pk,
            level=level,
            number=f"SG{person.pk:06d}",
            passed_on=passed,
            registered_on=registered if registered <= today else None,
        )
    except DomainError:
        return
    if credential.period_start is None:
        return
    required = 72 if level == "assistant" else 90
    target = rng.choice([0.3, 0.7, 0.95, 1.0, 1.2]) * required
    earned = 0.0
    day = credential.period_start
    while earned < target and day < today:
        hours = rng.choice([4, 6, 8, 12, 16])
        day = min(today, day + timedelta(days=rng.randint(20, 120)))
        credentials.add_hours(
            actor=root,
            person_id=person.pk,
            hours=hours,
            studied_on=day,
            title=rng.choice(
                ["社会工作伦理研修", "个案管理实务", "社区营造工作坊", "督导能力提升班"]
            ),
            evidence="市社会工作者协会学时证明",
        )
        earned += hours


def _classes(root: User, unit: Unit, people: list[Person], rng: random.Random) -> None:
    now = timezone.now()
    today_class = training.create_class(
        actor=root,
        title=f"{unit.region.name}社区工作者专题培训",
        kind="topic",
        unit_id=unit.pk,
        region_id=unit.region_id,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=6),
        capacity=max(len(people), 5),
        hours=6,
        place=f"{unit.name}会议室",
    )
    training.create_class(
        actor=root,
        title=f"{unit.region.name}社会工作实务培训班",
        kind="course",
        unit_id=unit.pk,
        region_id=unit.region_id,
        starts_at=now + timedelta(days=14),
        ends_at=now + timedelta(days=15),
        capacity=20,
        hours=12,
    )
    for person in people:
        if rng.random() < 0.7:
            enrolment = training.enrol(actor=root, class_id=today_class.pk, person_id=person.pk)
            if rng.random() < 0.6:
                training.mark_attended(actor=root, enrolment_id=enrolment.pk)


def _cycle(root: User, street_region_id: int, year: int, rng: random.Random) -> None:
    try:
        cycle = evaluation.open_cycle(actor=root, year=year, region_id=street_region_id)
    except DomainError:
        return
    for row in cycle.evaluations.order_by("pk"):
        grade = rng.choices(["优秀", "称职", "基本称职", "不称职"], weights=[3, 12, 2, 1])[0]
        try:
            evaluation.grade(actor=root, evaluation_id=row.pk, grade=grade, comment="年度工作实绩")
        except DomainError:
            evaluation.grade(actor=root, evaluation_id=row.pk, grade="称职", comment="年度工作实绩")


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    root = (
        User.objects.filter(username="admin").first()
        or User.objects.filter(is_superuser=True).first()
    )
    if root is None:
        log("社会工作人才：没有管理员账号，跳过")
        return
    today = timezone.localdate()
    units = list(
        Unit.objects.filter(is_active=True, kind__in=[UnitKind.STREET_OFFICE, UnitKind.COMMUNITY])
        .select_related("region")
        .order_by("pk")
    )
    chosen = rng.sample(units, min(len(units), UNITS.get(size_name, 6)))
    seq = [rng.randint(100, 400)]
    people: list[Person] = []
    for unit in chosen:
        corps = _people(root, unit, rng, seq, today)
        for person in corps:
            _credential(root, person, rng, today)
        _classes(root, unit, corps, rng)
        people += corps
    for person in rng.sample(people, min(len(people), 4)):
        training.start_posting(
            actor=root,
            person_id=person.pk,
            kind=rng.choice(["secondment", "rotation", "sink"]),
            host_unit_id=chosen[0].pk,
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=120),
        )
    streets = {
        u.region.pk if u.region.level == RegionLevel.STREET else (u.region.parent_id or u.region.pk)
        for u in chosen
    }
    for street in sorted(streets):
        _cycle(root, street, today.year - 1, rng)
    for person in people[:2]:
        decisions.propose(
            actor=root,
            person_id=person.pk,
            kind="award",
            title="年度优秀社区工作者",
            basis="年度考核优秀，群众满意率高",
        )
    log(f"社会工作人才：{len(people)} 人，{len(chosen)} 个单位")
