"""The department's table: its rows built in one pass show exactly what the per-cell
template showed (numbers localised, names escaped, links), and the page serves them."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from shegong.compliance import testing as t
from shegong.compliance.models import AreaQuarter, BranchQuarter
from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.judge import quarter_of
from shegong.compliance.services.overview import TableRow, city_table, last_run
from shegong.compliance.views.pages import table_body
from shegong.organizations.models import Entity
from shegong.organizations.services import orgs
from shegong.orglife.models import Meeting
from shegong.regions.models import Region

NOW = datetime(2026, 12, 20, 10, tzinfo=timezone.get_fixed_timezone(480))

# The row markup the template rendered cell by cell before ``table_body`` (the reference).
PER_CELL = Template(
    "{% for r in rows %}<tr>\n"
    '<td>{% if by == "branch" %}<a href="{% url \'compliance:branch\' r.key %}">{{ r.label }}'
    '</a>{% elif r.drill %}<a href="{{ r.drill }}&amp;quarter={{ quarter }}">{{ r.label }}</a>'
    "{% else %}{{ r.label }}{% endif %}</td>\n"
    '<td class="text-end">{{ r.branches }}</td><td class="text-end">{{ r.two_new }}</td>'
    '<td class="text-end">{{ r.compliant }}</td><td class="text-end">{{ r.rate }}</td>'
    '<td class="text-end">{{ r.missing }}</td><td class="text-end">{{ r.quorum_failed }}</td>'
    '<td class="text-end">{{ r.minutes_missing }}</td>'
    '<td class="text-end">{{ r.minutes_late }}</td>'
    '<td class="text-end">{{ r.lapse_risks }}</td></tr>\n{% endfor %}'
)
LABELS = ["第1区", "A&B <联合> 党支部", '"引号"支部', "（未归属）", "O'Neil 支部"]


def _random_rows(rng: random.Random, by: str) -> list[TableRow]:
    rows = []
    for i in range(40):
        branches = rng.choice([0, 1, 7, 999, 1000, 12345, 2_000_000])
        compliant = rng.randint(0, branches)
        drill = rng.choice(["", f"?by=street&district={i}", f"?by=branch&street={i}"])
        rows.append(
            TableRow(
                key=str(rng.randint(1, 10**6)),
                label=rng.choice(LABELS),
                branches=branches,
                two_new=rng.randint(0, branches),
                compliant=compliant,
                rate=f"{compliant * 100 / branches:.1f}%" if branches else "—",
                missing=rng.choice([0, 3, 1500, 99_999]),
                kinds_short=rng.randint(0, 9),
                quorum_failed=rng.randint(0, 2000),
                minutes_missing=rng.randint(0, 20),
                minutes_late=rng.randint(0, 5000),
                lapse_risks=rng.randint(0, 10**6),
                drill=drill,
            )
        )
    return rows


@pytest.mark.parametrize("by", ["district", "street", "sector", "branch"])
@pytest.mark.parametrize("seed", [1, 2])
def test_table_body_equals_the_per_cell_template(by: str, seed: int) -> None:
    rows = _random_rows(random.Random(seed), by)
    want = PER_CELL.render(Context({"rows": rows, "by": by, "quarter": "2026Q4"}))
    assert str(table_body(rows, by, "2026Q4")) == want


@pytest.mark.django_db
def test_table_page_shows_the_rows_escaped_and_linked(world, branch, client_for) -> None:
    branch.name = "北一<社区>党支部"
    branch.save(update_fields=["name"])
    with time_machine.travel(NOW, tick=False):
        run_compliance()
        r = client_for(world.dept_admin).get(
            reverse("compliance:table") + f"?by=branch&street={world.north.pk}&quarter=2026Q4"
        )
        city = client_for(world.dept_admin).get(reverse("compliance:table") + "?quarter=2026Q4")
    html = r.content.decode()
    link = reverse("compliance:branch", args=[branch.pk])
    assert f'<a href="{link}">北一&lt;社区&gt;党支部</a>' in html
    assert "北一<社区>" not in html
    row = city.context["rows"][0]
    assert (
        f'<a href="?by=street&amp;district={row["key"]}&amp;quarter=2026Q4">{row["label"]}</a>'
        in city.content.decode()
    )


# --- the per-street sums (AreaQuarter) equal the GROUP BY over the branch rows ----------

TODAY = date(2027, 2, 10)
KINDS = ["assembly", "committee", "group", "lecture", "theme_day", "org_life", "evaluation"]


def _tables(user, quarter: int, *, totals: bool) -> dict[tuple[str, str], list[TableRow]]:
    out = {}
    for by in ("district", "street", "sector"):
        for name, filters in (
            ("all", {}),
            ("district", {"district": user.region.children.order_by("code").first().pk}),
            ("street", {"street": Region.objects.filter(level=3).order_by("code").first().pk}),
            ("two_new", {"two_new_only": True}),
        ):
            out[(by, name)] = city_table(user, quarter, by, totals=totals, **filters)
    return out


def _meetings(rng: random.Random, org_id: int, n: int) -> None:
    for _ in range(n):
        day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 400))
        t.meeting(org_id, rng.choice(KINDS), day, minutes=rng.choice(["", "记录"]))


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_area_sums_equal_the_branch_rows_also_after_a_rejudgement(world, seed) -> None:
    rng = random.Random(seed)
    places = [world.north_one, world.south_one, world.north, world.district_b]
    branches = [
        orgs.create_organization(
            actor=world.root,
            code=f"A-{seed}-{i}",
            name=f"汇总党支部{i}",
            kind="branch",
            region_id=rng.choice(places).pk,
        )
        for i in range(8)
    ]
    for i, org in enumerate(branches[:3]):
        Entity.objects.create(
            credit_code=f"91339900MA{seed}{i:07d}",
            name=f"两新企业{i}",
            kind="enterprise",
            region=org.region,
            organization=org,
            coverage_mode="joint",
        )
    for org in branches:
        for _ in range(rng.randint(0, 12)):
            t.member(org.pk, joined=date(2024, 1, 1))
        _meetings(rng, org.pk, rng.randint(0, 20))
    admin = world.dept_admin
    quarters = (quarter_of(TODAY) - 1, quarter_of(TODAY))
    with time_machine.travel(datetime(2027, 2, 10, 3, tzinfo=NOW.tzinfo), tick=False):
        run_compliance(today=TODAY)
    before = {q: _tables(admin, q, totals=True) for q in quarters}
    for q in quarters:
        assert before[q] == _tables(admin, q, totals=False)
        assert sum(r["branches"] for r in before[q][("district", "all")]) == len(branches)
    # A re-judgement of one branch (重新检查) after its meetings changed: the sums follow.
    changed = branches[rng.randrange(len(branches))]
    Meeting.objects.filter(organization=changed).delete()
    with time_machine.travel(datetime(2027, 2, 11, 3, tzinfo=NOW.tzinfo), tick=False):
        run_compliance(today=TODAY, org_ids=[changed.pk])
    for q in quarters:
        assert _tables(admin, q, totals=True) == _tables(admin, q, totals=False)
    assert any(_tables(admin, q, totals=True) != before[q] for q in quarters)
    assert last_run(admin, quarters[0]) == datetime(2027, 2, 11, 3, tzinfo=NOW.tzinfo)
    assert AreaQuarter.objects.count() == len(
        set(BranchQuarter.objects.values_list("quarter", "district", "street", "two_new"))
    )


@pytest.mark.django_db
def test_a_street_scope_groups_its_own_branch_rows(world, branch, make_other_branch) -> None:
    make_other_branch()
    with time_machine.travel(NOW, tick=False):
        run_compliance()
        quarter = quarter_of(NOW.date())
        city = city_table(world.dept_admin, quarter, "district")
        street = city_table(world.users["street_north"], quarter, "district")
    assert [r["branches"] for r in city] == [2]
    assert [r["branches"] for r in street] == [1]
