"""The yearly base import (XLSX/CSV): a dry run that reports every bad cell, then an
all-or-nothing commit. A member is found by 身份证号 (blind index), in the actor's scope;
re-importing the same file changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.tabular import SAMPLE_COLUMN, SAMPLE_NOTE, Column, ImportReport, without_samples
from shegong.lib.text import parse_id
from shegong.members.models import Member

from ..choices import AssessmentSource, Category
from ..models import DuesAssessment
from .assessments import _write, compute
from .common import check_year, need, parse_money

IMPORT_SPEC = (
    Column("身份证号", required=True, aliases=("公民身份号码", "身份证号码")),
    Column("姓名"),
    Column("年度", required=True, aliases=("核定年度",)),
    Column("党员类别", required=True, aliases=("类别",)),
    Column("计算基数", aliases=("党费计算基数", "税后月收入", "月工资收入")),
    SAMPLE_COLUMN,
)
IMPORT_COLUMNS = [c.name for c in IMPORT_SPEC if c is not SAMPLE_COLUMN]
TEMPLATE_COLUMNS = [c.name for c in IMPORT_SPEC]
REQUIRED_COLUMNS = [c.name for c in IMPORT_SPEC if c.required]
# Short names people write for a category, besides the full labels and the codes.
CATEGORY_ALIASES: dict[str, str] = {
    **{label: value for value, label in Category.choices},
    "在职": Category.SALARIED,
    "在职党员": Category.SALARIED,
    "离退休": Category.RETIREE,
    "离退休党员": Category.RETIREE,
    "退休": Category.RETIREE,
    "农民": Category.FARMER,
    "学生": Category.STUDENT,
    "下岗失业": Category.UNEMPLOYED,
    "失业": Category.UNEMPLOYED,
    "抚恤救济": Category.RELIEF,
    "低保": Category.DIBAO,
}


def template_example() -> list[list[str]]:
    year = str(timezone.localdate().year)
    return [["339901199001011234", "张三", year, "在职党员", "4800.00", SAMPLE_NOTE]]


def import_assessments(
    *, actor: User, rows: Iterable[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Dry run (``commit=False``) or commit; any bad row → nothing written."""
    need(actor, Cap.DUES_MANAGE, "您的角色不能导入党费基数")
    report = ImportReport()
    kept = without_samples(rows, report)
    report.total = len(kept)
    today = timezone.localdate()
    parsed: list[tuple[int, str, int, str, Decimal | None]] = []
    seen: dict[tuple[str, int], int] = {}
    for number, raw in kept:
        text = {k: (v or "").strip() for k, v in raw.items()}
        bad = False
        id_number = text.get("身份证号", "")
        if not id_number:
            report.add(number, "身份证号", "身份证号不能为空")
            bad = True
        year = parse_id(text.get("年度", "")) or 0
        try:
            if not year:
                raise DomainError(f"年度“{text.get('年度', '')}”应为四位年份，如 {today.year}")
            check_year(year, today)
        except DomainError as exc:
            report.add(number, "年度", exc.message)
            bad = True
        category = CATEGORY_ALIASES.get(text.get("党员类别", ""), text.get("党员类别", ""))
        base: Decimal | None = None
        try:
            if text.get("计算基数"):
                base = parse_money(text["计算基数"], "计算基数")
            compute(category, base)
        except DomainError as exc:
            column = "党员类别" if category not in Category.values else "计算基数"
            report.add(number, column, exc.message)
            bad = True
        key = (id_number.upper(), year)
        if id_number and key in seen:
            report.add(number, "身份证号", f"与第 {seen[key]} 行重复（同一党员同一年度）")
            bad = True
        seen.setdefault(key, number)
        if not bad:
            parsed.append((number, id_number, year, category, base))
    # One entry per (member, year): a file may hold several years of one member.
    indexes = {(blind_index("id_number", p[1]), p[2]): p for p in parsed}
    members = {
        m.id_number_bidx: m
        for m in Member.objects.visible_to(actor)
        .select_related("organization__region")
        .filter(id_number_bidx__in=list({bidx for bidx, _ in indexes}))
    }
    existing = {
        (a.member_id, a.year): a
        for a in DuesAssessment.objects.filter(member__in=[m.pk for m in members.values()])
    }
    todo: list[tuple[Member, int, str, Decimal | None]] = []
    for (bidx, _), (number, _, year, category, base) in indexes.items():
        member = members.get(bidx)
        if member is None:
            report.add(number, "身份证号", "找不到该身份证号的党员，或不在您的管辖范围内")
            continue
        if not member.is_party_member:
            report.add(number, "身份证号", "该人员不是预备党员或正式党员，不需核定党费")
            continue
        current = existing.get((member.pk, year))
        if current is None:
            report.created += 1
        elif current.category == category and current.base == base:
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        todo.append((member, year, category, base))
    if not commit or not report.ok:
        return report
    with transaction.atomic():
        for member, year, category, base in todo:
            _write(
                actor=actor,
                member=member,
                year=year,
                category=category,
                base=base,
                source=AssessmentSource.IMPORT,
            )
    report.committed = True
    return report
