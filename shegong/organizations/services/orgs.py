"""Party organizations: create, edit, move (隶属 change), merge, dissolve, 换届, committee.

Every function loads through ``visible_to(actor)``, writes the row, its readable
``OrgHistory`` line and the audit event in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.audit_display import change_lines
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.core.tree import child_path, depth_of, move_subtree, subtree_q
from shegong.regions.models import Region

from ..choices import BRANCH_KINDS, CommitteePost, CoverageMode, HistoryKind, OrgKind, OrgStatus
from ..models import (
    CommitteeMember,
    Entity,
    OrgAdministrator,
    OrgHistory,
    PartyOrganization,
)
from .common import check_counts, check_term_years
from .coverage import refresh_cells
from .rules import reevaluate_subjects

# A child may not be of a "higher" kind than its parent: branches carry no organizations.
_KIND_RANK = {
    OrgKind.COMMITTEE: 3,
    OrgKind.GENERAL_BRANCH: 2,
    OrgKind.BRANCH: 1,
    OrgKind.JOINT_BRANCH: 1,
    OrgKind.TEMPORARY_BRANCH: 1,
}


def _load(actor: User, org_id: int, *, lock: bool = False) -> PartyOrganization:
    qs = PartyOrganization.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update()
    org = qs.filter(pk=org_id).select_related("region").first()
    if org is None:
        raise DomainError("党组织不存在或不在您的管辖范围内")
    return org


def _check_parent(kind: str, parent: PartyOrganization | None) -> None:
    if parent is None:
        return
    if parent.status != OrgStatus.ACTIVE:
        raise DomainError("上级党组织已撤销或合并，不能作为上级")
    if parent.kind in BRANCH_KINDS:
        raise DomainError("党支部下不能再设党组织，请选择党委或党总支作为上级")
    # A 党委 may sit under a 党委 (e.g. 街道两新综合党委 under the 区 committee); otherwise a
    # child ranks strictly below its parent (党委 > 党总支 > 党支部).
    child_rank, parent_rank = _KIND_RANK[OrgKind(kind)], _KIND_RANK[OrgKind(parent.kind)]
    if child_rank > parent_rank or (child_rank == parent_rank and kind != OrgKind.COMMITTEE):
        raise DomainError(
            f"{OrgKind(kind).label}不能隶属于{OrgKind(parent.kind).label}，请检查隶属关系"
        )


def _history(
    org: PartyOrganization,
    kind: str,
    detail: str,
    *,
    actor: User,
    on: date | None = None,
    related: PartyOrganization | None = None,
) -> None:
    OrgHistory.objects.create(
        organization=org,
        kind=kind,
        happened_on=on or timezone.localdate(),
        detail=detail[:500],
        related=related,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def create_organization(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    region_id: int,
    parent_id: int | None = None,
    founded_on: date | None = None,
    term_started_on: date | None = None,
    term_years: int | None = None,
    is_community: bool = False,
    formal_members: int = 0,
    probationary_members: int = 0,
    note: str = "",
) -> PartyOrganization:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError("组织编码和名称不能为空")
    if kind not in OrgKind.values:
        raise DomainError("请选择党组织类别")
    check_counts(
        formal_members=("正式党员数", formal_members),
        probationary_members=("预备党员数", probationary_members),
    )
    check_term_years(term_years)
    with transaction.atomic():
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("所在区划不存在或不在您的管辖范围内")
        parent = None
        if parent_id is not None:
            parent = _load(actor, parent_id)
        elif not (actor.is_superuser or actor.has_citywide_scope):
            # A top-level organization outside a tree only for the whole-city administrator.
            raise DomainError("请选择上级党组织")
        _check_parent(kind, parent)
        if PartyOrganization.objects.filter(code=code).exists():
            raise DomainError(f"组织编码 {code} 已存在")
        org = PartyOrganization.objects.create(
            code=code,
            name=name,
            kind=kind,
            region=region,
            parent=parent,
            founded_on=founded_on,
            term_started_on=term_started_on or founded_on,
            term_years=term_years,
            is_community=is_community,
            formal_members=formal_members,
            probationary_members=probationary_members,
            note=note,
        )
        org.path = child_path(parent.path if parent else "/", str(org.pk))
        org.depth = depth_of(org.path)
        PartyOrganization.objects.filter(pk=org.pk).update(path=org.path, depth=org.depth)
        _history(
            org,
            HistoryKind.FOUNDED,
            f"成立{org.get_kind_display()}" + (f"，隶属{parent.name}" if parent else ""),
            actor=actor,
            on=founded_on,
        )
        audit.record(
            "party_organization_created",
            actor=actor,
            target=org,
            changes=audit.diff({}, audit.snapshot(org)),
        )
    return org


EDITABLE = (
    "name",
    "kind",
    "founded_on",
    "term_years",
    "is_community",
    "formal_members",
    "probationary_members",
    "note",
)
NULLABLE = ("founded_on", "term_years")


def update_organization(*, actor: User, org_id: int, **changes: Any) -> PartyOrganization:
    """Edit plain attributes (members, kind, dates). 隶属 changes go through ``move``."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(f"不能修改：{'、'.join(sorted(unknown))}")
    labels = {f.name: str(f.verbose_name) for f in PartyOrganization._meta.fields}
    blank = [labels[f] for f in changes if changes[f] is None and f not in NULLABLE]
    if blank:
        raise DomainError(f"{'、'.join(blank)}不能为空")
    check_counts(
        formal_members=("正式党员数", changes.get("formal_members")),
        probationary_members=("预备党员数", changes.get("probationary_members")),
    )
    check_term_years(changes.get("term_years"))
    with transaction.atomic():
        org = _load(actor, org_id, lock=True)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能修改")
        before = audit.snapshot(org)
        if "kind" in changes and changes["kind"] != org.kind:
            if changes["kind"] not in OrgKind.values:
                raise DomainError("请选择党组织类别")
            parent = org.parent
            _check_parent(changes["kind"], parent)
            if (
                changes["kind"] in BRANCH_KINDS
                and org.children.filter(status=OrgStatus.ACTIVE).exists()
            ):
                raise DomainError("该组织下还有下级党组织，不能改为党支部")
        for field, value in changes.items():
            if field == "name":
                value = (value or "").strip()
                if not value:
                    raise DomainError("名称不能为空")
            setattr(org, field, value)
        org.save()
        diff = audit.diff(before, audit.snapshot(org))
        diff.pop("updated_at", None)
        if diff:
            _history(
                org,
                HistoryKind.CHANGED,
                "；".join(change_lines(diff, org._meta.label_lower)),
                actor=actor,
            )
            audit.record("party_organization_changed", actor=actor, target=org, changes=diff)
            # A corrected count, kind or term closes the findings it settles, now.
            reevaluate_subjects(actor=actor, org_ids=[org.pk])
    return org


def move_organization(
    *, actor: User, org_id: int, new_parent_id: int, on: date | None = None, note: str = ""
) -> PartyOrganization:
    """Change 隶属关系: re-parent the subtree (paths rewritten in one UPDATE), keep history."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    with transaction.atomic():
        org = _load(actor, org_id, lock=True)
        new_parent = _load(actor, new_parent_id)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能调整隶属关系")
        if new_parent.pk == org.parent_id:
            raise DomainError("新的上级与原上级相同")
        _check_parent(org.kind, new_parent)
        old_parent = org.parent
        old_path = org.path
        try:
            move_subtree(org, new_parent)
        except ValueError as exc:
            raise DomainError("不能调整到本组织的下级组织之下") from exc
        actor.__dict__.pop("_org_admin_paths", None)  # the links may point into the subtree
        if not PartyOrganization.objects.visible_to(actor).filter(pk=org.pk).exists():
            raise DomainError("调整后该组织将不在您的管辖范围内，请联系上级管理员办理")
        detail = f"隶属关系由“{old_parent.name if old_parent else '无'}”调整为“{new_parent.name}”"
        if note:
            detail += f"（{note}）"
        _history(org, HistoryKind.MOVED, detail, actor=actor, on=on, related=new_parent)
        audit.record(
            "party_organization_moved",
            actor=actor,
            target=org,
            changes={
                "parent": [old_parent.pk if old_parent else None, new_parent.pk],
                "path": [old_path, org.path],
            },
            note=note,
        )
    return org


def merge_organizations(
    *, actor: User, source_id: int, target_id: int, on: date | None = None, note: str = ""
) -> PartyOrganization:
    """Merge ``source`` into ``target``: members, covered entities, children and open
    administrators move to the target; the source stays as a ``merged`` row with history."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    on = on or timezone.localdate()
    with transaction.atomic():
        source = _load(actor, source_id, lock=True)
        target = _load(actor, target_id, lock=True)
        if source.pk == target.pk:
            raise DomainError("不能与自身合并")
        if source.status != OrgStatus.ACTIVE or target.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能再合并")
        if target.path.startswith(source.path):
            raise DomainError("不能并入本组织的下级组织")
        children = list(source.children.filter(status=OrgStatus.ACTIVE))
        if children and target.kind in BRANCH_KINDS:
            raise DomainError("被合并组织还有下级党组织，不能并入党支部")
        for child in children:
            # The children move under the target: the same rank rule as any 隶属 change.
            try:
                _check_parent(child.kind, target)
            except DomainError as exc:
                raise DomainError(
                    f"下级组织“{child.name}”不能随合并转入“{target.name}”：{exc.message}"
                ) from exc
        for child in children:
            move_subtree(child, target)
            _history(
                child,
                HistoryKind.MOVED,
                f"因“{source.name}”并入“{target.name}”，隶属关系随之调整",
                actor=actor,
                on=on,
                related=target,
            )
        entities = list(source.covered_entities.values_list("pk", flat=True))
        streets = set(source.covered_entities.values_list("street_id", flat=True))
        # An entity whose own branch merged into another organization is no longer 单独建.
        new_mode = (
            CoverageMode.JOINT if target.kind == OrgKind.JOINT_BRANCH else CoverageMode.ATTACHED
        )
        moved_entities = Entity.objects.filter(pk__in=entities).update(
            organization=target, coverage_mode=new_mode
        )
        refresh_cells(streets)
        before_target = audit.snapshot(target)
        target.formal_members += source.formal_members
        target.probationary_members += source.probationary_members
        target.save(update_fields=["formal_members", "probationary_members", "updated_at"])
        CommitteeMember.objects.filter(organization=source, ended_on__isnull=True).update(
            ended_on=on
        )
        links = list(OrgAdministrator.objects.filter(organization=source).select_related("user"))
        for link in links:
            audit.record(
                "org_administrator_removed",
                actor=actor,
                target=source,
                changes={"user": link.user.get_username()},
                note=f"因并入“{target.name}”取消",
            )
        OrgAdministrator.objects.filter(pk__in=[link.pk for link in links]).delete()
        source.status = OrgStatus.MERGED
        source.merged_into = target
        source.ended_on = on
        source.save(update_fields=["status", "merged_into", "ended_on", "updated_at"])
        detail = f"并入“{target.name}”" + (f"（{note}）" if note else "")
        _history(source, HistoryKind.MERGED_INTO, detail, actor=actor, on=on, related=target)
        _history(
            target,
            HistoryKind.ABSORBED,
            f"“{source.name}”并入本组织，转入正式党员 {source.formal_members} 名、预备党员 "
            f"{source.probationary_members} 名、覆盖单位 {moved_entities} 个",
            actor=actor,
            on=on,
            related=source,
        )
        audit.record(
            "party_organization_merged",
            actor=actor,
            target=source,
            changes={
                "merged_into": [None, target.pk],
                "entities_moved": moved_entities,
                "administrators_removed": [link.user.get_username() for link in links],
                "target_members": [
                    before_target["formal_members"],
                    target.formal_members,
                ],
            },
            note=note,
        )
        reevaluate_subjects(actor=actor, org_ids=[source.pk, target.pk])
    return target


def dissolve_organization(
    *, actor: User, org_id: int, on: date | None = None, note: str = ""
) -> PartyOrganization:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    if not note.strip():
        raise DomainError("请填写撤销原因")
    on = on or timezone.localdate()
    with transaction.atomic():
        org = _load(actor, org_id, lock=True)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("该党组织已撤销或合并")
        if org.children.filter(status=OrgStatus.ACTIVE).exists():
            raise DomainError("该组织下还有下级党组织，请先调整或撤销下级组织")
        if org.covered_entities.exists():
            raise DomainError("仍有两新组织由该党组织覆盖，请先调整其覆盖方式")
        CommitteeMember.objects.filter(organization=org, ended_on__isnull=True).update(ended_on=on)
        org.status = OrgStatus.DISSOLVED
        org.ended_on = on
        org.save(update_fields=["status", "ended_on", "updated_at"])
        _history(org, HistoryKind.DISSOLVED, f"撤销：{note}", actor=actor, on=on)
        audit.record(
            "party_organization_dissolved",
            actor=actor,
            target=org,
            changes={"status": [OrgStatus.ACTIVE, OrgStatus.DISSOLVED]},
            note=note,
        )
        reevaluate_subjects(actor=actor, org_ids=[org.pk])
    return org


def record_re_election(
    *,
    actor: User,
    org_id: int,
    on: date,
    committee: list[tuple[str, str]],
    note: str = "",
) -> PartyOrganization:
    """换届: the new term starts ``on``; current committee members leave, the elected
    ``committee`` (name, post) take office. Exactly one 书记 is required."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    secretaries = [n for n, p in committee if p == CommitteePost.SECRETARY]
    if len(secretaries) != 1:
        raise DomainError("换届须选出一名书记")
    if any(p not in CommitteePost.values or not n.strip() for n, p in committee):
        raise DomainError("请填写每位班子成员的姓名和职务")
    if on > timezone.localdate():
        raise DomainError("换届日期不能晚于今天")
    with transaction.atomic():
        org = _load(actor, org_id, lock=True)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能换届")
        if org.term_started_on and on < org.term_started_on:
            raise DomainError("换届日期不能早于本届任期开始日期")
        before = org.term_started_on
        CommitteeMember.objects.filter(organization=org, ended_on__isnull=True).update(ended_on=on)
        CommitteeMember.objects.bulk_create(
            [
                CommitteeMember(organization=org, name=n.strip(), post=p, started_on=on)
                for n, p in committee
            ]
        )
        org.term_started_on = on
        org.save(update_fields=["term_started_on", "updated_at"])
        names = "、".join(f"{CommitteePost(p).label}{n}" for n, p in committee)
        _history(
            org,
            HistoryKind.RE_ELECTED,
            f"换届，新一届班子：{names}" + (f"（{note}）" if note else ""),
            actor=actor,
            on=on,
        )
        audit.record(
            "party_organization_re_elected",
            actor=actor,
            target=org,
            changes={
                "term_started_on": [before, on],
                "committee": [[n, p] for n, p in committee],
            },
            note=note,
        )
        # The new term closes 任期届满未换届 and the 换届提醒 of the old term at once.
        reevaluate_subjects(actor=actor, org_ids=[org.pk])
    return org


def add_committee_member(
    *, actor: User, org_id: int, name: str, post: str, started_on: date
) -> CommitteeMember:
    """增补 a secretary or committee member during the term."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    if not name.strip() or post not in CommitteePost.values:
        raise DomainError("请填写姓名并选择职务")
    with transaction.atomic():
        org = _load(actor, org_id, lock=True)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能增补班子成员")
        if (
            post == CommitteePost.SECRETARY
            and org.committee.filter(post=post, ended_on__isnull=True).exists()
        ):
            raise DomainError("该组织已有在任书记，请先办理原书记离任")
        member = CommitteeMember.objects.create(
            organization=org, name=name.strip(), post=post, started_on=started_on
        )
        audit.record(
            "committee_member_added",
            actor=actor,
            target=org,
            changes={"name": name.strip(), "post": post, "started_on": started_on},
        )
        reevaluate_subjects(actor=actor, org_ids=[org.pk])
    return member


def end_committee_member(*, actor: User, member_id: int, ended_on: date) -> CommitteeMember:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    with transaction.atomic():
        orgs = PartyOrganization.objects.visible_to(actor)
        member = (
            CommitteeMember.objects.select_for_update()
            .filter(pk=member_id, organization__in=orgs.values("pk"), ended_on__isnull=True)
            .first()
        )
        if member is None:
            raise DomainError("班子成员不存在、已离任或不在您的管辖范围内")
        if ended_on < member.started_on:
            raise DomainError("离任日期不能早于任职日期")
        member.ended_on = ended_on
        member.save(update_fields=["ended_on"])
        audit.record(
            "committee_member_ended",
            actor=actor,
            target=member.organization,
            changes={"name": member.name, "post": member.post, "ended_on": ended_on},
        )
    return member


def _check_admin_link_scope(actor: User, org: PartyOrganization) -> None:
    """An administrator link puts the organization's subtree and its covered entities into the
    linked user's scope, so only city-wide staff, superusers or holders of ``ORGS_ADMINS`` may
    set one, and never beyond the actor's own region (checked on every active descendant and
    every covered entity, not only on the organization itself)."""
    if actor.is_superuser or actor.has_citywide_scope:
        return
    if not actor.has_capability(Cap.ORGS_ADMINS):
        raise DomainError("只有市级管理员或具有“设置党组织管理员”权限的人员可以设置管理员")
    region_path = actor.scope_region_path
    if not region_path:
        raise DomainError("您没有区划管辖范围，不能设置党组织管理员")
    outside_orgs = (
        PartyOrganization.objects.filter(subtree_q(org.path), status=OrgStatus.ACTIVE)
        .exclude(subtree_q(region_path, "region__path"))
        .exists()
    )
    outside_entities = (
        Entity.objects.filter(subtree_q(org.path, "organization__path"))
        .exclude(subtree_q(region_path, "region_path"))
        .exists()
    )
    if outside_orgs or outside_entities:
        raise DomainError(
            "该党组织的下级组织或覆盖单位有不在您管辖区划内的，不能设置管理员，请由上级管理员办理"
        )


def set_org_administrator(*, actor: User, org_id: int, user_id: int) -> OrgAdministrator:
    """Link a user (e.g. a 党组织书记 account) to the organization they administer.

    The link widens the user's scope (``models.administered_paths``), so it is guarded by
    :func:`_check_admin_link_scope` and an actor may never link themselves."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    from shegong.accounts.models import User

    if user_id == actor.pk:
        raise DomainError("不能把自己设为党组织管理员，请由上级管理员办理")
    with transaction.atomic():
        org = _load(actor, org_id)
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能设置管理员")
        _check_admin_link_scope(actor, org)
        user = User.objects.visible_to(actor).filter(pk=user_id, is_active=True).first()
        if user is None:
            raise DomainError("账号不存在或已停用")
        link, created = OrgAdministrator.objects.get_or_create(user=user, organization=org)
        if created:
            audit.record(
                "org_administrator_set",
                actor=actor,
                target=org,
                changes={"user": user.get_username()},
            )
    return link


def remove_org_administrator(*, actor: User, link_id: int) -> None:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护党组织")
    with transaction.atomic():
        visible = PartyOrganization.objects.visible_to(actor).values("pk")
        link = (
            OrgAdministrator.objects.select_related("user", "organization")
            .filter(pk=link_id, organization__in=visible)
            .first()
        )
        if link is None:
            raise DomainError("管理员不存在或不在您的管辖范围内")
        org, username = link.organization, link.user.get_username()
        link.delete()
        audit.record(
            "org_administrator_removed", actor=actor, target=org, changes={"user": username}
        )
