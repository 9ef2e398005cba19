"""The department's table: its rows built in one pass show exactly what the per-cell
template showed (numbers localised, names escaped, links), and the page serves them."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.overview import TableRow
from shegong.compliance.views.pages import table_body

NOW = datetime(2026, 12, 20, 10, tzinfo=timezone.get_fixed_timezone(480))

# The row markup the template rendered cell by cell before ``table_body`` (the reference).
PER_CELL = Template(
    "{% for r in rows %}<tr>\n"
    "<td>{% if by == \"branch\" %}<a href=\"{% url 'compliance:branch' r.key %}\">{{ r.label }}"
    '</a>{% elif r.drill %}<a href="{{ r.drill }}&amp;quarter={{ quarter }}">{{ r.label }}</a>'
    "{% else %}{{ r.label }}{% endif %}</td>\n"
    '<td class="text-end">{{ r.branches }}</td><td class="text-end">{{ r.two_new }}</td>'
    '<td class="text-end">{{ r.compliant }}</td><td class="text-end">{{ r.rate }}</td>'
    '<td class="text-end">{{ r.missing }}</td><td class="text-end">{{ r.quorum_failed }}</td>'
    '<td class="text-end">{{ r.minutes_missing }}</td>'
    '<td class="text-end">{{ r.minutes_late }}</td>'
    '<td class="text-end">{{ r.lapse_risks }}</td></tr>\n{% endfor %}'
)
LABELS = ["第1区", "A&B <联合> 党支部", "\"引号\"支部", "（未归属）", "O'Neil 支部"]


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
