"""The figures of the talent page, its XLSX and the cockpit panel — one definition each,
over rows ``visible_to`` the viewer.

- 持证率: active people holding at least one credential in a registration period (valid or
  in the re-registration window) ÷ active people, by unit and by the region level above.
- 学时完成率: credentials in a period whose hours met the requirement ÷ credentials in a
  period.
- 考核等次分布: grades of the latest year's evaluations.
- 即将到期: credentials whose validity ends within the policy's ``warn_days``.
- 配备标准: active 社区工作者 ÷ (urban population ÷ 10,000 × standard) per district/street
  whose population is entered.

Every function takes ``root``: a region path (the cockpit's region filter, see
``core.panels.region_root``) that narrows the viewer's rows to people serving inside that
subtree; ``None`` is all the viewer sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from shegong.core.scoping import ScopedUser
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.regions.subtree import holds_every_region

from ..choices import Category, CredentialLevel
from ..models import Credential, Evaluation, HoursRecord, Person
from .common import policy


@dataclass(frozen=True)
class Row:
    label: str
    numerator: int
    denominator: int
    key: int = 0

    @property
    def rate(self) -> float:
        return round(self.numerator * 100 / self.denominator, 1) if self.denominator else 0.0


def _inside(root: str | None, path_field: str) -> Q:
    """Rows whose region path lies under ``root``; no condition for the whole tree (a path
    range joined to every region of a metro city costs more than the rest of the panel)."""
    if root is None or holds_every_region(root):
        return Q()
    return subtree_q(root, path_field)


def _people(user: ScopedUser, root: str | None) -> QuerySet[Person]:
    return Person.objects.visible_to(user).active().filter(_inside(root, "region__path"))


def _under(qs: QuerySet[Credential], root: str | None) -> QuerySet[Credential]:
    return qs.filter(_inside(root, "person__region__path"))


def _holding(today: date) -> Q:
    return Q(credentials__valid_until__gte=today, credentials__period_start__lte=today)


def certified_by_unit(user: ScopedUser, today: date, root: str | None = None) -> list[Row]:
    people = _people(user, root)
    rows = (
        people.values("unit_id", "unit__name")
        .annotate(
            total=Count("pk", distinct=True),
            held=Count("pk", distinct=True, filter=_holding(today)),
        )
        .order_by("unit__name")
    )
    return [Row(r["unit__name"], r["held"], r["total"], r["unit_id"]) for r in rows]


def certified_by_region(
    user: ScopedUser, today: date, level: int, root: str | None = None
) -> list[Row]:
    """By the region of ``level`` (街道 or 区县) that contains each person's region."""
    regions = {r.path: r for r in Region.objects.filter(level=level)}
    counts: dict[str, list[int]] = {}
    people = _people(user, root)
    held_ids = set(people.filter(_holding(today)).values_list("pk", flat=True))
    for pk, path in people.values_list("pk", "region__path"):
        owner = next((p for p in regions if str(path).startswith(p)), None)
        if owner is None:
            continue
        pair = counts.setdefault(owner, [0, 0])
        pair[1] += 1
        pair[0] += 1 if pk in held_ids else 0
    return sorted(
        (Row(regions[p].name, held, total, regions[p].pk) for p, (held, total) in counts.items()),
        key=lambda r: r.label,
    )


def certified_overall(user: ScopedUser, today: date, root: str | None = None) -> Row:
    people = _people(user, root)
    return Row("合计", people.filter(_holding(today)).distinct().count(), people.count())


def hours_completion(user: ScopedUser, today: date, root: str | None = None) -> Row:
    """Two aggregate queries whatever the number of credentials: each credential's hours in
    its period are a correlated sum (``talent_hours_idx`` on person, day), compared in SQL
    with the hours its level requires."""
    p = policy()
    creds = _under(Credential.objects.visible_to(user), root).filter(
        person__left_on__isnull=True, period_start__lte=today, valid_until__gte=today
    )
    hours = (
        HoursRecord.objects.filter(
            person_id=OuterRef("person_id"),
            studied_on__gte=OuterRef("period_start"),
            studied_on__lte=OuterRef("valid_until"),
        )
        .order_by()
        .values("person_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    money = DecimalField(max_digits=9, decimal_places=1)
    required = Case(
        When(level=CredentialLevel.ASSISTANT, then=Value(Decimal(p.hours_assistant))),
        default=Value(Decimal(p.hours_intermediate)),
        output_field=money,
    )
    met = (
        creds.annotate(
            earned=Coalesce(Subquery(hours, output_field=money), Value(Decimal(0))),
            required=required,
        )
        .filter(earned__gte=F("required"))
        .count()
    )
    return Row("学时完成", met, creds.count())


def grade_distribution(user: ScopedUser, root: str | None = None) -> tuple[int | None, list[Row]]:
    evaluations = Evaluation.objects.visible_to(user).exclude(grade="")
    evaluations = evaluations.filter(_inside(root, "person__region__path"))
    year = evaluations.order_by("-cycle__year").values_list("cycle__year", flat=True).first()
    if year is None:
        return None, []
    counts = dict(evaluations.filter(cycle__year=year).values_list("grade").annotate(n=Count("pk")))
    total = sum(counts.values())
    return year, [Row(g, int(counts.get(g, 0)), total) for g in policy().grade_list]


def expiring(user: ScopedUser, today: date, root: str | None = None) -> list[Credential]:
    until = today + timedelta(days=policy().warn_days)
    return list(
        _under(Credential.objects.visible_to(user), root)
        .filter(person__left_on__isnull=True, valid_until__gte=today, valid_until__lte=until)
        .select_related("person", "person__unit")
        .order_by("valid_until")[:200]
    )


def staffing(user: ScopedUser, level: int, root: str | None = None) -> list[Row]:
    """Community workers against the standard, for regions of ``level`` with a population
    (inside ``root``)."""
    standard = policy().staffing_per_10k
    people = _people(user, root).filter(category=Category.COMMUNITY_WORKER)
    paths = list(people.values_list("region__path", flat=True))
    out = []
    regions = Region.objects.visible_to(user).filter(level=level, population__gt=0)
    if root is not None:
        regions = regions.filter(subtree_q(root, "path"))
    for region in regions:
        have = sum(1 for p in paths if str(p).startswith(region.path))
        need = int(region.population or 0) * standard // 10000
        out.append(Row(region.name, have, need, region.pk))
    return sorted(out, key=lambda r: r.label)
