"""Changing the rule parameters and the current post ladder (audited)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..models import Person, PostLadder, TalentPolicy
from ..models.policy import (
    DEFAULT_DEGREE_YEARS,
    FOUR_POSTS_NAME,
    FOUR_POSTS_TEMPLATE,
    FOUR_POSTS_YEARS_PER_STEP,
)

NUMBER_FIELDS = [
    "hours_assistant",
    "hours_intermediate",
    "degree_hours",
    "validity_years",
    "first_registration_months",
    "renewal_window_months",
    "warn_days",
    "excellent_quota_percent",
    "failing_years",
    "staffing_per_10k",
]
# Sensible ranges (inclusive): beyond them a value is a typing error, overflows a small
# integer column on PostgreSQL or pushes a date past the calendar.
BOUNDS: dict[str, tuple[int, int]] = {
    "hours_assistant": (0, 1000),
    "hours_intermediate": (0, 1000),
    "degree_hours": (0, 1000),
    "validity_years": (1, 20),
    "first_registration_months": (1, 120),
    "renewal_window_months": (1, 120),
    "warn_days": (0, 3650),
    "excellent_quota_percent": (0, 100),
    "failing_years": (1, 20),
    "staffing_per_10k": (0, 1000),
}
MAX_YEARS_PER_STEP = 20
# the columns a grade and a post are stored in (Evaluation.grade, Person.post, Decision.post_*)
MAX_GRADE_NAME = 10
MAX_POST_NAME = 30
_LINE = re.compile(r"^\s*(.+?)\s*[:：]\s*(\d+)\s*[-－~～至]\s*(\d+)\s*$")


def parse_posts(text: str) -> dict[str, list[int]]:
    """``岗位：低-高`` per line → ``{岗位: [低, 高]}``."""
    posts: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise DomainError(f"岗位等级第{number}行应为“岗位：起始级-最高级”，例如 社区正职：7-18")
        low, high = int(match.group(2)), int(match.group(3))
        if not 1 <= low <= high <= 60:
            raise DomainError(f"岗位等级第{number}行的等级范围不正确")
        if len(match.group(1)) > MAX_POST_NAME:
            raise DomainError(f"岗位等级第{number}行：岗位名称不能超过{MAX_POST_NAME}个字")
        posts[match.group(1)] = [low, high]
    if not posts:
        raise DomainError("请至少填写一个岗位")
    return posts


def update_policy(*, actor: User, data: Mapping[str, str]) -> TalentPolicy:
    require_capability(actor, Cap.TALENT_POLICY, "您的角色不能修改人才工作参数")
    values: dict[str, int] = {}
    for name in NUMBER_FIELDS:
        raw = str(data.get(name, "")).strip()
        label = getattr(TalentPolicy._meta.get_field(name), "verbose_name", name)
        if not raw.isdigit():
            raise DomainError(f"“{label}”应为非负整数")
        low, high = BOUNDS[name]
        if not low <= int(raw) <= high:
            raise DomainError(f"“{label}”应在{low}到{high}之间")
        values[name] = int(raw)
    if values["renewal_window_months"] >= values["validity_years"] * 12:
        raise DomainError("再登记期应短于登记有效期")
    grades = [g.strip() for g in re.split(r"[、,，\s]+", str(data.get("grades", ""))) if g.strip()]
    if len(grades) < 2 or len(set(grades)) != len(grades):
        raise DomainError("考核等次至少两个且不能重复，由高到低用顿号分隔")
    if any(len(g) > MAX_GRADE_NAME for g in grades):
        raise DomainError(f"考核等次名称不能超过{MAX_GRADE_NAME}个字")
    posts = parse_posts(str(data.get("ladder_posts", "")))
    step = str(data.get("years_per_step", "")).strip()
    if not step.isdigit() or not 1 <= int(step) <= MAX_YEARS_PER_STEP:
        raise DomainError(f"每晋一级所需年限应为1到{MAX_YEARS_PER_STEP}之间的整数")
    with transaction.atomic():
        policy = TalentPolicy.current()
        before = audit.snapshot(policy)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.grades = grades
        policy.save()
        ladder = PostLadder.current()
        ladder_before = {"posts": ladder.posts, "years_per_step": ladder.years_per_step}
        ladder.posts, ladder.years_per_step = posts, int(step)
        ladder.save()
        changes = audit.diff(before, audit.snapshot(policy))
        if ladder_before != {"posts": posts, "years_per_step": int(step)}:
            changes["ladder"] = [
                str(ladder_before),
                str({"posts": posts, "years_per_step": int(step)}),
            ]
        audit.record("talent_policy_changed", actor=actor, target=policy, changes=changes)
    return policy


def use_ladder(*, actor: User, ladder_id: int) -> PostLadder:
    """Make another ladder (e.g. 四岗二十四级) the current one."""
    require_capability(actor, Cap.TALENT_POLICY, "您的角色不能修改人才工作参数")
    with transaction.atomic():
        ladder = PostLadder.objects.select_for_update().filter(pk=ladder_id).first()
        if ladder is None:
            raise DomainError("岗位等级序列不存在")
        PostLadder.objects.exclude(pk=ladder.pk).update(is_current=False)
        ladder.is_current = True
        ladder.save(update_fields=["is_current"])
        audit.record(
            "talent_policy_changed",
            actor=actor,
            target=ladder,
            changes={"ladder": [None, ladder.name]},
        )
    return ladder


def adopt_four_posts(*, actor: User) -> PostLadder:
    """Make 四岗二十四级 current, created from ``FOUR_POSTS_TEMPLATE`` the first time (an
    existing row keeps the ranges the department has edited)."""
    require_capability(actor, Cap.TALENT_POLICY, "您的角色不能修改人才工作参数")
    with transaction.atomic():
        ladder, created = PostLadder.objects.get_or_create(
            name=FOUR_POSTS_NAME,
            defaults={
                "posts": FOUR_POSTS_TEMPLATE,
                "years_per_step": FOUR_POSTS_YEARS_PER_STEP,
                "degree_years": DEFAULT_DEGREE_YEARS,
            },
        )
        if created:
            audit.record(
                "talent_policy_changed",
                actor=actor,
                target=ladder,
                changes={"ladder": [None, str(FOUR_POSTS_TEMPLATE)]},
            )
        return use_ladder(actor=actor, ladder_id=ladder.pk)


def people_off_ladder(actor: User, ladder: PostLadder) -> int:
    """Active people (that ``actor`` sees) whose post is not a post of ``ladder``: their
    level is not computed (未定岗) until their post is changed."""
    return (
        Person.objects.visible_to(actor)
        .active()
        .exclude(post="")
        .exclude(post__in=list(ladder.posts))
        .count()
    )
