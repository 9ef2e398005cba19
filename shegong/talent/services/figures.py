"""The figures of the talent page, its XLSX and the cockpit panel — one definition each,
over rows ``visible_to`` the viewer.

- 持证率: active people holding at least one credential in a registration period (valid or
  in the re-registration window) ÷ active people, by unit and by the region level above.
- 学时完成率: credentials in a period whose hours met the requirement ÷ credentials in a
  period.
- 考核等次分布: grades of the latest year's evaluations.
- 即将到期: credentials whose validity ends within the policy's ``warn_days``.
- 配备标准: active 社区工作者 ÷ (urban population ÷ 10,000 × standard) per district/street
  whose population is entered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from shegong.core.scoping import ScopedUser
from shegong.regions.models import Region

from ..choices import Category
from ..models import Credential, Evaluation, Person
from .common import policy
from .credentials import period_progress


@dataclass(frozen=True)
class Row:
    label: str
    numerator: int
    denominator: int
    key: int = 0

    @property
    def rate(self) -> float:
        return round(self.numerator * 100 / self.denominator, 1) if self.denominator else 0.0


def _holding(today: date) -> Q:
    return Q(credentials__valid_until__gte=today, credentials__period_start__lte=today)


def certified_by_unit(user: ScopedUser, today: date) -> list[Row]:
    people = Person.objects.visible_to(user).active()
    rows = (
        people.values("unit_id", "unit__name")
        .annotate(
            total=Count("pk", distinct=True),
            held=Count("pk", distinct=True, filter=_holding(today)),
        )
        .order_by("unit__name")
    )
    return [Row(r["unit__name"], r["held"], r["total"], r["unit_id"]) for r in rows]


def certified_by_region(user: ScopedUser, today: date, level: int) -> list[Row]:
    """By the region of ``level`` (街道 or 区县) that contains each person's region."""
    regions = {r.path: r for r in Region.objects.filter(level=level)}
    counts: dict[str, list[int]] = {}
    people = Person.objects.visible_to(user).active()
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


def certified_overall(user: ScopedUser, today: date) -> Row:
    people = Person.objects.visible_to(user).active()
    return Row("合计", people.filter(_holding(today)).distinct().count(), people.count())


def hours_completion(user: ScopedUser, today: date) -> Row:
    p = policy()
    creds = Credential.objects.visible_to(user).filter(
        person__left_on__isnull=True, period_start__lte=today, valid_until__gte=today
    )
    met = sum(1 for c in creds if period_progress(c, p).met)
    return Row("学时完成", met, creds.count())


def grade_distribution(user: ScopedUser) -> tuple[int | None, list[Row]]:
    evaluations = Evaluation.objects.visible_to(user).exclude(grade="")
    year = evaluations.order_by("-cycle__year").values_list("cycle__year", flat=True).first()
    if year is None:
        return None, []
    counts = dict(evaluations.filter(cycle__year=year).values_list("grade").annotate(n=Count("pk")))
    total = sum(counts.values())
    return year, [Row(g, int(counts.get(g, 0)), total) for g in policy().grade_list]


def expiring(user: ScopedUser, today: date) -> list[Credential]:
    until = today + timedelta(days=policy().warn_days)
    return list(
        Credential.objects.visible_to(user)
        .filter(person__left_on__isnull=True, valid_until__gte=today, valid_until__lte=until)
        .select_related("person", "person__unit")
        .order_by("valid_until")[:200]
    )


def staffing(user: ScopedUser, level: int) -> list[Row]:
    """Community workers against the standard, for regions of ``level`` with a population."""
    standard = policy().staffing_per_10k
    people = Person.objects.visible_to(user).active().filter(category=Category.COMMUNITY_WORKER)
    paths = list(people.values_list("region__path", flat=True))
    out = []
    for region in Region.objects.visible_to(user).filter(level=level, population__gt=0):
        have = sum(1 for p in paths if str(p).startswith(region.path))
        need = int(region.population or 0) * standard // 10000
        out.append(Row(region.name, have, need, region.pk))
    return sorted(out, key=lambda r: r.label)
