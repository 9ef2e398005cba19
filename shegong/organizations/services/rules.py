"""The coverage rules engine.

Each rule is a function returning ``{subject_key: Violation}`` for the subjects that break
it; :func:`run_rules` reconciles that with the open findings: new subjects open a finding,
subjects still in breach get fresh evidence, and open findings whose subject no longer
breaks the rule are closed as ``auto_resolved`` with the reason recorded. The key is
``rule + subject``, protected by a partial unique constraint, so repeated or concurrent
runs never duplicate an open finding.

Thresholds come from :class:`CoveragePolicy` (defaults from domain-rules §4.1, §4.2, §6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.regions.models import Region

from ..choices import (
    BRANCH_KINDS,
    OPEN_FINDING_STATUSES,
    CoverageMode,
    FindingStatus,
    OrgKind,
    OrgStatus,
    Rule,
)
from ..models import CoveragePolicy, Entity, Finding, PartyOrganization
from .common import street_code_of

BASIS: dict[str, str] = {
    Rule.MUST_BUILD: (
        "党章第三十条；支部工作条例（试行）第二章；"
        "中办《关于加强社会组织党的建设工作的意见（试行）》"
    ),
    Rule.NO_COMMITTEE: "支部工作条例（试行）第六章（正式党员7人以上的党支部设立支部委员会）",
    Rule.TERM_OVERDUE: "党章第三十一条；支部工作条例（试行）第六章；基层组织选举工作条例第三条",
    Rule.JOINT_TOO_LARGE: (
        "支部工作条例（试行）第二章（联合党支部一般不超过5个单位；党支部党员一般不超过50人）"
    ),
    Rule.UNCOVERED_LARGE: "两新组织党建“两个覆盖”要求（规模门槛为平台参数，各地自定）",
    Rule.GENERAL_BRANCH_DUE: (
        "党和国家机关基层组织工作条例第六条（党员50人以上、100人以下的，设立党的总支部委员会）"
    ),
    Rule.PARTY_COMMITTEE_DUE: (
        "党和国家机关基层组织工作条例第五条（党员100人以上的，设立党的基层委员会）"
    ),
    Rule.TERM_ENDING: (
        "党章第三十一条；支部工作条例（试行）第六章；机关基层组织工作条例第八条（任期届满按期换届）"
    ),
}

# Kinds that may grow into a 党总支 / 党委. A 联合党支部 over 50 members is reported by
# JOINT_TOO_LARGE (split it or let units build their own), not as an upgrade.
_UPGRADABLE_TO_GENERAL = (OrgKind.BRANCH, OrgKind.TEMPORARY_BRANCH)
_UPGRADABLE_TO_COMMITTEE = (OrgKind.BRANCH, OrgKind.TEMPORARY_BRANCH, OrgKind.GENERAL_BRANCH)


@dataclass
class Violation:
    entity: Entity | None
    organization: PartyOrganization | None
    region_id: int
    region_path: str
    subject_name: str
    evidence: str
    responsible_level: str


def _street_label(path: str, streets: dict[str, str]) -> str:
    code = street_code_of(path)
    name = streets.get(code or "", "")
    return f"{name}党（工）委" if name else "属地街道/乡镇党（工）委"


def _entity_violation(entity: Entity, evidence: str, streets: dict[str, str]) -> Violation:
    return Violation(
        entity=entity,
        organization=None,
        region_id=entity.region_id,
        region_path=entity.region_path,
        subject_name=f"{entity.name}（{entity.credit_code}）",
        evidence=evidence,
        responsible_level=_street_label(entity.region_path, streets),
    )


def _org_violation(org: PartyOrganization, evidence: str) -> Violation:
    parent = org.parent
    return Violation(
        entity=None,
        organization=org,
        region_id=org.region_id,
        region_path=org.region.path,
        subject_name=org.name,
        evidence=evidence,
        responsible_level=f"上级党组织：{parent.name}" if parent else "所在地党（工）委",
    )


def must_build(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """≥ branch_min_formal formal members employed and no own (单独建) organization."""
    found = {}
    qs = entities.filter(is_active=True, formal_members__gte=policy.branch_min_formal).exclude(
        coverage_mode=CoverageMode.SINGLE
    )
    for e in qs.only(
        "pk", "name", "credit_code", "region_id", "region_path", "formal_members", "coverage_mode"
    ).iterator(chunk_size=2000):
        mode = CoverageMode(e.coverage_mode).label
        found[f"entity:{e.pk}"] = _entity_violation(
            e,
            f"在职正式党员 {e.formal_members} 名（≥{policy.branch_min_formal}），"
            f"当前组织覆盖：{mode}，应单独建立党组织",
            streets,
        )
    return found


def no_committee(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """A branch with ≥ committee_threshold formal members but fewer sitting committee
    members than committee_min_members (a 书记 alone is not a 支部委员会)."""
    qs = (
        orgs.filter(
            status=OrgStatus.ACTIVE,
            kind__in=BRANCH_KINDS,
            formal_members__gte=policy.committee_threshold,
        )
        .annotate(sitting=Count("committee", filter=Q(committee__ended_on__isnull=True)))
        .filter(sitting__lt=policy.committee_min_members)
        .select_related("parent", "region")
    )
    return {
        f"org:{o.pk}": _org_violation(
            o,
            f"正式党员 {o.formal_members} 名（≥{policy.committee_threshold}），"
            f"在任班子成员 {o.sitting} 名，"
            f"未设立支部委员会（应 ≥{policy.committee_min_members} 名委员）",
        )
        for o in qs
    }


def term_overdue(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """The term (default by kind; 村/社区 branches 5 years) ended more than
    ``term_grace_days`` ago and no 换届 was recorded since."""
    found = {}
    qs = orgs.filter(status=OrgStatus.ACTIVE, term_started_on__isnull=False).select_related(
        "parent", "region"
    )
    for o in qs.iterator(chunk_size=2000):
        ends = o.term_ends_on(policy)
        if ends is None:
            continue
        late = (today - ends).days
        if late > policy.term_grace_days:
            years = (ends.year - o.term_started_on.year) if o.term_started_on else 0
            found[f"org:{o.pk}"] = _org_violation(
                o,
                f"本届任期自 {o.term_started_on:%Y-%m-%d} 起，任期 {years} 年，应于 "
                f"{ends:%Y-%m-%d} 换届，已超过 {late} 天未换届",
            )
    return found


def joint_too_large(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """A 联合党支部 covering more than joint_branch_max_units entities or with more than
    branch_soft_max members."""
    qs = (
        orgs.filter(status=OrgStatus.ACTIVE, kind=OrgKind.JOINT_BRANCH)
        .annotate(units=Count("covered_entities", filter=Q(covered_entities__is_active=True)))
        .filter(
            Q(units__gt=policy.joint_branch_max_units)
            | Q(formal_members__gt=policy.branch_soft_max - F("probationary_members"))
        )
        .select_related("parent", "region")
    )
    found = {}
    for o in qs:
        parts = []
        if o.units > policy.joint_branch_max_units:
            parts.append(f"覆盖单位 {o.units} 个（上限 {policy.joint_branch_max_units}）")
        if o.members_total > policy.branch_soft_max:
            parts.append(f"党员 {o.members_total} 名（上限 {policy.branch_soft_max}）")
        found[f"org:{o.pk}"] = _org_violation(o, "；".join(parts) + "，应拆分或单独建立")
    return found


def uncovered_large(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """Entities at or above the size threshold with neither organization nor instructor."""
    found = {}
    qs = entities.filter(
        is_active=True,
        employees__gte=policy.large_entity_employees,
        coverage_mode=CoverageMode.NONE,
        has_instructor=False,
    )
    for e in qs.only("pk", "name", "credit_code", "region_id", "region_path", "employees").iterator(
        chunk_size=2000
    ):
        found[f"entity:{e.pk}"] = _entity_violation(
            e,
            f"从业人员 {e.employees} 人（≥{policy.large_entity_employees}），"
            "既无党组织覆盖，也未选派党建指导员/联络员",
            streets,
        )
    return found


def _members_line(o: PartyOrganization) -> str:
    return (
        f"党员 {o.members_total} 名（正式党员 {o.formal_members} 名、"
        f"预备党员 {o.probationary_members} 名）"
    )


def general_branch_due(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """A 党支部 (or 临时党支部) with general_branch_threshold to party_committee_threshold − 1
    members (正式 + 预备: the 条例 counts 党员) — suggest a 党总支."""
    qs = (
        orgs.filter(status=OrgStatus.ACTIVE, kind__in=_UPGRADABLE_TO_GENERAL)
        .annotate(total=F("formal_members") + F("probationary_members"))
        .filter(
            total__gte=policy.general_branch_threshold,
            total__lt=policy.party_committee_threshold,
        )
        .select_related("parent", "region")
    )
    return {
        f"org:{o.pk}": _org_violation(
            o,
            f"{_members_line(o)}，达到 {policy.general_branch_threshold} 名，"
            f"现为{OrgKind(o.kind).label}，应报上级党组织批准设立党总支",
        )
        for o in qs
    }


def party_committee_due(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """A 党支部 or 党总支 with ≥ party_committee_threshold members — suggest a 基层党委."""
    qs = (
        orgs.filter(status=OrgStatus.ACTIVE, kind__in=_UPGRADABLE_TO_COMMITTEE)
        .annotate(total=F("formal_members") + F("probationary_members"))
        .filter(total__gte=policy.party_committee_threshold)
        .select_related("parent", "region")
    )
    return {
        f"org:{o.pk}": _org_violation(
            o,
            f"{_members_line(o)}，达到 {policy.party_committee_threshold} 名，"
            f"现为{OrgKind(o.kind).label}，应报上级党组织批准设立党的基层委员会",
        )
        for o in qs
    }


def months_before(day: date, months: int) -> date:
    """``day`` minus ``months`` calendar months (31 March − 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover — 28 always exists


def term_ending(
    entities: Any, orgs: Any, policy: CoveragePolicy, today: date, streets: dict[str, str]
) -> dict[str, Violation]:
    """Reminders before a term ends: from ``term_reminder_first_months`` before the end, and
    again from ``term_reminder_second_months`` before it, until the term is overdue (then
    TERM_OVERDUE takes over). The key holds the term's end and the lead time
    (``org:<pk>:term:<end>:<n>m``), so each reminder opens once per term, the second one
    replaces the first, and a 换届 (a new end) closes it."""
    leads = sorted(
        {m for m in (policy.term_reminder_first_months, policy.term_reminder_second_months) if m},
        reverse=True,
    )
    if not leads:
        return {}
    found = {}
    qs = orgs.filter(status=OrgStatus.ACTIVE, term_started_on__isnull=False).select_related(
        "parent", "region"
    )
    for o in qs.iterator(chunk_size=2000):
        ends = o.term_ends_on(policy)
        if ends is None or (today - ends).days > policy.term_grace_days:
            continue
        due = [m for m in leads if today >= months_before(ends, m)]
        if not due:
            continue
        lead = due[-1]  # the nearest reminder reached
        years = ends.year - o.term_started_on.year
        left = (ends - today).days
        when = f"还有 {left} 天" if left >= 0 else f"已届满 {-left} 天，尚在宽限期内"
        found[f"org:{o.pk}:term:{ends:%Y%m%d}:{lead}m"] = _org_violation(
            o,
            f"本届任期自 {o.term_started_on:%Y-%m-%d} 起，任期 {years} 年，将于 "
            f"{ends:%Y-%m-%d} 届满（{when}）；届满前 {lead} 个月提醒：请向上级党组织报告，"
            "筹备换届选举",
        )
    return found


RULES: dict[str, Callable[..., dict[str, Violation]]] = {
    Rule.MUST_BUILD: must_build,
    Rule.NO_COMMITTEE: no_committee,
    Rule.TERM_OVERDUE: term_overdue,
    Rule.JOINT_TOO_LARGE: joint_too_large,
    Rule.UNCOVERED_LARGE: uncovered_large,
    Rule.GENERAL_BRANCH_DUE: general_branch_due,
    Rule.PARTY_COMMITTEE_DUE: party_committee_due,
    Rule.TERM_ENDING: term_ending,
}


def _stale_note(rule: str, today: date, how: str = "规则复查") -> str:
    if rule == Rule.TERM_ENDING:
        return f"{today:%Y-%m-%d} {how}：已换届、任期已变更或已进入下一次提醒，本提醒自动关闭"
    return f"{today:%Y-%m-%d} {how}：条件已不再成立，自动消除"


def _subjects_in_scope(findings: list[Finding], entities: Any, orgs: Any) -> list[Finding]:
    entity_ids = [f.entity_id for f in findings if f.entity_id]
    org_ids = [f.organization_id for f in findings if f.organization_id]
    checked: set[tuple[str, int]] = set()
    for i in range(0, len(entity_ids), 900):
        chunk = entities.filter(pk__in=entity_ids[i : i + 900]).values_list("pk", flat=True)
        checked.update(("e", pk) for pk in chunk)
    for i in range(0, len(org_ids), 900):
        chunk = orgs.filter(pk__in=org_ids[i : i + 900]).values_list("pk", flat=True)
        checked.update(("o", pk) for pk in chunk)
    return [
        f for f in findings if ("e", f.entity_id) in checked or ("o", f.organization_id) in checked
    ]


@dataclass
class RunResult:
    opened: int = 0
    refreshed: int = 0
    auto_resolved: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "refreshed": self.refreshed,
            "auto_resolved": self.auto_resolved,
        }


def run_rules(
    *, actor: User | None = None, today: date | None = None, now: datetime | None = None
) -> RunResult:
    """Check every rule. With an ``actor`` only subjects and findings in their scope are
    touched (a street clerk re-checks their street); without one (the periodic job) the
    whole city is checked."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if actor is not None:
        from shegong.core.roles import Cap

        require_capability(actor, Cap.ORGS_TASKS, "您的角色不能运行覆盖规则检查")
        entities = Entity.objects.visible_to(actor)
        orgs = PartyOrganization.objects.visible_to(actor)
        findings = Finding.objects.visible_to(actor)
    else:
        entities = Entity.objects.all()
        orgs = PartyOrganization.objects.all()
        findings = Finding.objects.all()
    policy = CoveragePolicy.current()
    streets = dict(Region.objects.filter(level=3).values_list("code", "name"))
    street_ids = dict(Region.objects.filter(level=3).values_list("code", "pk"))
    result = RunResult()
    with transaction.atomic():
        for rule, check in RULES.items():
            violations = check(entities, orgs, policy, today, streets)
            open_rows = {
                f.subject_key: f
                for f in findings.select_for_update().filter(
                    rule=rule, status__in=OPEN_FINDING_STATUSES
                )
            }
            new = []
            seen: list[int] = []
            changed: list[Finding] = []
            for key, v in violations.items():
                current = open_rows.get(key)
                if current is not None:
                    street_id = street_ids.get(street_code_of(v.region_path) or "")
                    fresh = (v.evidence[:500], v.region_id, v.region_path, street_id)
                    if fresh != (
                        current.evidence,
                        current.region_id,
                        current.region_path,
                        current.street_id,
                    ):
                        # The evidence changed, or the subject moved (its findings follow it).
                        current.evidence, current.region_id = fresh[0], fresh[1]
                        current.region_path, current.street_id = fresh[2], fresh[3]
                        current.last_seen_at = now
                        changed.append(current)
                    else:
                        seen.append(current.pk)
                    result.refreshed += 1
                    continue
                new.append(
                    Finding(
                        rule=rule,
                        subject_key=key,
                        entity=v.entity,
                        organization=v.organization,
                        region_id=v.region_id,
                        region_path=v.region_path,
                        street_id=street_ids.get(street_code_of(v.region_path) or ""),
                        subject_name=v.subject_name[:200],
                        evidence=v.evidence[:500],
                        legal_basis=BASIS[rule][:200],
                        responsible_level=v.responsible_level[:200],
                        opened_at=now,
                        last_seen_at=now,
                    )
                )
            for i in range(0, len(seen), 900):
                Finding.objects.filter(pk__in=seen[i : i + 900]).update(last_seen_at=now)
            Finding.objects.bulk_update(
                changed,
                ["evidence", "region", "region_path", "street", "last_seen_at"],
                batch_size=500,
            )
            try:
                if new:
                    with transaction.atomic():
                        Finding.objects.bulk_create(new, batch_size=1000)
            except IntegrityError:
                # A concurrent run opened some of them first: insert one by one, skip those.
                for finding in new:
                    try:
                        with transaction.atomic():
                            finding.save(force_insert=True)
                    except IntegrityError:
                        continue
            result.opened += len(new)
            if rule == Rule.TERM_ENDING and new:
                _tell_administrators(new)
            stale = [f for key, f in open_rows.items() if key not in violations]
            if actor is not None:
                # A scoped run resolves only findings whose subject it actually checked.
                stale = _subjects_in_scope(stale, entities, orgs)
            gone = [f.pk for f in stale]
            for i in range(0, len(gone), 900):
                Finding.objects.filter(pk__in=gone[i : i + 900]).update(
                    status=FindingStatus.AUTO_RESOLVED,
                    closed_at=now,
                    close_note=_stale_note(rule, today),
                )
            result.auto_resolved += len(gone)
        audit.record(
            "coverage_rules_run",
            actor=actor,
            target_type="organizations.finding",
            target_repr="覆盖规则检查",
            changes=result.as_dict(),
        )
    return result


def _tell_administrators(reminders: list[Finding]) -> None:
    """A new 换届 reminder goes to the people who keep the organization (its own
    administrators, e.g. the 书记's account) and those of its parent, as an in-app notice,
    so the reminder reaches them without anyone opening the findings list."""
    from django.urls import reverse

    from shegong.core.notify import notify

    from ..models import OrgAdministrator

    orgs = {
        f.organization_id: f
        for f in reminders
        if f.pk is not None and f.organization_id is not None  # inserted by this run
    }
    if not orgs:
        return
    rows = PartyOrganization.objects.filter(pk__in=list(orgs)).only("pk", "name", "parent_id")
    for org in rows:
        keepers = [org.pk] + ([org.parent_id] if org.parent_id else [])
        users = [
            link.user
            for link in OrgAdministrator.objects.filter(organization_id__in=keepers)
            .select_related("user")
            .order_by("pk")
        ]
        finding = orgs[org.pk]
        notify(
            users,
            f"换届提醒：{org.name}",
            finding.evidence,
            url=reverse("organizations:org", args=[org.pk]),
            keep=("landline",),  # an office number in a notice stays callable
        )


def reevaluate_subjects(
    *,
    actor: User,
    entity_ids: Iterable[int | None] = (),
    org_ids: Iterable[int | None] = (),
    now: datetime | None = None,
) -> int:
    """Re-check the open findings of the given subjects now, in the caller's transaction.

    Called by the services that change the facts a rule reads (换届, member counts, kind,
    coverage, instructors, committee, merge, dissolve), so a finding whose condition no
    longer holds is closed as 已自动消除 at once instead of at the nightly run; open ones
    still in breach get fresh evidence. It only closes and refreshes: a subject that newly
    breaks a rule is found by the next run (nightly, after an import, or 重新检查), which
    keeps a single edit cheap and never opens findings outside the nightly bookkeeping.
    Returns how many findings were closed."""
    e_ids = sorted({pk for pk in entity_ids if pk})
    o_ids = sorted({pk for pk in org_ids if pk})
    if not e_ids and not o_ids:
        return 0
    subjects = Q(entity_id__in=e_ids) | Q(organization_id__in=o_ids)
    rows = list(
        Finding.objects.select_for_update().filter(subjects, status__in=OPEN_FINDING_STATUSES)
    )
    if not rows:
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = CoveragePolicy.current()
    streets: dict[str, str] = {}
    if any(f.entity_id for f in rows):
        streets = dict(Region.objects.filter(level=3).values_list("code", "name"))
    entities = Entity.objects.filter(pk__in=e_ids)
    orgs = PartyOrganization.objects.filter(pk__in=o_ids)
    by_rule: dict[str, list[Finding]] = {}
    for f in rows:
        by_rule.setdefault(f.rule, []).append(f)
    closed = 0
    for rule, findings in by_rule.items():
        check = RULES.get(rule)
        if check is None:
            continue
        violations = check(entities, orgs, policy, today, streets)
        gone = []
        for f in findings:
            v = violations.get(f.subject_key)
            if v is None:
                gone.append(f.pk)
            elif v.evidence[:500] != f.evidence:
                Finding.objects.filter(pk=f.pk).update(evidence=v.evidence[:500], last_seen_at=now)
        if gone:
            Finding.objects.filter(pk__in=gone).update(
                status=FindingStatus.AUTO_RESOLVED,
                closed_at=now,
                close_note=_stale_note(rule, today, "登记变更后即时复查"),
            )
            closed += len(gone)
    if closed:
        audit.record(
            "coverage_rules_run",
            actor=actor,
            target_type="organizations.finding",
            target_repr="覆盖规则即时复查（登记变更后）",
            changes={"auto_resolved": closed},
        )
    return closed
