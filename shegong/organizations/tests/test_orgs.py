"""The party organization tree: kinds under kinds, moves, merges, dissolution, 换届."""

from __future__ import annotations

from datetime import date

import pytest

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import CommitteeMember, Entity, OrgAdministrator
from shegong.organizations.services import entities, orgs

pytestmark = pytest.mark.django_db


def test_kind_hierarchy(world, make_org) -> None:
    district = make_org(kind="committee", region=world.district)
    street = make_org(kind="committee", region=world.north, parent=district)  # 党委 under 党委
    general = make_org(kind="general_branch", parent=street)
    make_org(kind="branch", parent=general)
    with pytest.raises(DomainError, match="党总支不能隶属于党总支"):
        make_org(kind="general_branch", parent=general)
    branch = make_org(kind="branch", parent=street)
    with pytest.raises(DomainError, match="党支部下不能再设党组织"):
        make_org(kind="branch", parent=branch)
    with pytest.raises(DomainError, match="党委不能隶属于党总支"):
        make_org(kind="committee", parent=general)
    # A general branch with children cannot become a branch.
    with pytest.raises(DomainError, match="下级党组织"):
        orgs.update_organization(actor=world.root, org_id=general.pk, kind="branch")
    assert general.path.startswith(street.path)
    assert general.depth == 2


def test_duplicate_code_and_scope_of_region(world, make_org) -> None:
    make_org(code="X-1")
    with pytest.raises(DomainError, match="已存在"):
        make_org(code="X-1")
    with pytest.raises(DomainError, match="管辖范围"):
        orgs.create_organization(
            actor=world.street_north,
            code="X-2",
            name="越权",
            kind="branch",
            region_id=world.south.pk,
        )


def test_merge_moves_members_entities_children_and_keeps_history(world, make_org, make_entity):
    street = make_org(kind="committee", region=world.north)
    source = make_org(
        kind="general_branch", parent=street, formal_members=10, probationary_members=2
    )
    child = make_org(kind="branch", parent=source)
    target = make_org(kind="committee", parent=street, formal_members=5)
    e = make_entity()
    entities.set_coverage(
        actor=world.root, entity_id=e.pk, mode=CoverageMode.SINGLE, organization_id=source.pk
    )
    orgs.add_committee_member(
        actor=world.root, org_id=source.pk, name="甲", post="secretary", started_on=date(2024, 1, 1)
    )
    secretary_link = OrgAdministrator.objects.create(user=world.secretary, organization=source)
    orgs.merge_organizations(
        actor=world.root, source_id=source.pk, target_id=target.pk, note="机构调整"
    )
    source.refresh_from_db()
    target.refresh_from_db()
    child.refresh_from_db()
    assert source.status == "merged"
    assert source.merged_into == target
    assert source.ended_on
    assert (target.formal_members, target.probationary_members) == (15, 2)
    assert child.parent == target
    assert child.path.startswith(target.path)
    e.refresh_from_db()
    assert e.organization == target
    assert e.coverage_mode == CoverageMode.ATTACHED
    assert CommitteeMember.objects.get(name="甲").ended_on is not None
    assert not OrgAdministrator.objects.filter(pk=secretary_link.pk).exists()
    assert source.history.filter(kind="merged_into").exists()
    assert target.history.filter(kind="absorbed", related=source).exists()
    assert AuditEvent.objects.filter(action="party_organization_merged").count() == 1
    with pytest.raises(DomainError):
        orgs.update_organization(actor=world.root, org_id=source.pk, name="再改")


def test_merge_into_own_subtree_is_refused(world, make_org) -> None:
    parent = make_org(kind="committee")
    child = make_org(kind="branch", parent=parent)
    with pytest.raises(DomainError, match="下级"):
        orgs.merge_organizations(actor=world.root, source_id=parent.pk, target_id=child.pk)


def test_dissolve_requires_reason_and_no_children_or_entities(world, make_org, make_entity) -> None:
    parent = make_org(kind="committee")
    branch = make_org(kind="branch", parent=parent)
    with pytest.raises(DomainError, match="撤销原因"):
        orgs.dissolve_organization(actor=world.root, org_id=branch.pk, note=" ")
    with pytest.raises(DomainError, match="下级党组织"):
        orgs.dissolve_organization(actor=world.root, org_id=parent.pk, note="合并")
    e = make_entity()
    entities.set_coverage(actor=world.root, entity_id=e.pk, mode="joint", organization_id=parent.pk)
    orgs.dissolve_organization(actor=world.root, org_id=branch.pk, note="企业注销")
    with pytest.raises(DomainError, match="覆盖"):
        orgs.dissolve_organization(actor=world.root, org_id=parent.pk, note="x")
    branch.refresh_from_db()
    assert branch.status == "dissolved"


def test_re_election_rules(world, make_org) -> None:
    org = make_org(term_started_on=date(2022, 3, 1))
    with pytest.raises(DomainError, match="一名书记"):
        orgs.record_re_election(
            actor=world.root, org_id=org.pk, on=date(2025, 3, 1), committee=[("甲", "member")]
        )
    with pytest.raises(DomainError, match="早于"):
        orgs.record_re_election(
            actor=world.root, org_id=org.pk, on=date(2021, 3, 1), committee=[("甲", "secretary")]
        )
    with pytest.raises(DomainError, match="晚于今天"):
        orgs.record_re_election(
            actor=world.root, org_id=org.pk, on=date(2099, 1, 1), committee=[("甲", "secretary")]
        )
    orgs.record_re_election(
        actor=world.root,
        org_id=org.pk,
        on=date(2025, 3, 1),
        committee=[("甲", "secretary"), ("乙", "organization")],
    )
    orgs.record_re_election(
        actor=world.root, org_id=org.pk, on=date(2025, 4, 1), committee=[("丙", "secretary")]
    )
    assert list(org.committee.filter(ended_on__isnull=True).values_list("name", flat=True)) == [
        "丙"
    ]
    assert org.committee.count() == 3
    with pytest.raises(DomainError, match="在任书记"):
        orgs.add_committee_member(
            actor=world.root,
            org_id=org.pk,
            name="丁",
            post="secretary",
            started_on=date(2025, 5, 1),
        )


def test_set_coverage_rules(world, make_org, make_entity) -> None:
    joint = make_org(kind="joint_branch")
    e = make_entity()
    with pytest.raises(DomainError, match="联合党支部"):
        entities.set_coverage(
            actor=world.root, entity_id=e.pk, mode="single", organization_id=joint.pk
        )
    with pytest.raises(DomainError, match="不应填写"):
        entities.set_coverage(
            actor=world.root, entity_id=e.pk, mode="none", organization_id=joint.pk
        )
    with pytest.raises(DomainError, match="请填写覆盖"):
        entities.set_coverage(actor=world.root, entity_id=e.pk, mode="joint")
    assert Entity.objects.get(pk=e.pk).coverage_mode == "none"


def test_entity_credit_code_is_validated_and_unique(world, make_entity) -> None:
    with pytest.raises(DomainError, match="校验位"):
        make_entity(credit_code="91339900000000001A")
    e = make_entity()
    with pytest.raises(DomainError, match="已登记"):
        make_entity(credit_code=e.credit_code.lower())
    with pytest.raises(DomainError, match="不能是区县"):
        make_entity(region=world.district)


def test_workforce_only_for_platforms(world, make_entity) -> None:
    firm = make_entity()
    platform = make_entity(kind="platform", name="外卖平台")
    with pytest.raises(DomainError, match="平台企业"):
        entities.set_workforce(
            actor=world.root,
            platform_id=firm.pk,
            region_id=world.district.pk,
            group="courier",
            workers=10,
        )
    with pytest.raises(DomainError, match="不能超过"):
        entities.set_workforce(
            actor=world.root,
            platform_id=platform.pk,
            region_id=world.district.pk,
            group="courier",
            workers=1,
            formal_members=2,
        )
    row = entities.set_workforce(
        actor=world.root,
        platform_id=platform.pk,
        region_id=world.district.pk,
        group="delivery_rider",
        workers=800,
        formal_members=12,
    )
    again = entities.set_workforce(
        actor=world.root,
        platform_id=platform.pk,
        region_id=world.district.pk,
        group="delivery_rider",
        workers=900,
        formal_members=15,
    )
    assert row.pk == again.pk
    assert again.workers == 900


def test_instructor_phone_is_encrypted_and_masked(world, make_entity) -> None:
    e = make_entity()
    with pytest.raises(DomainError, match="手机号码"):
        entities.assign_instructor(actor=world.root, entity_id=e.pk, name="甲", phone="123")
    i = entities.assign_instructor(actor=world.root, entity_id=e.pk, name="甲", phone="13912345678")
    i.refresh_from_db()
    assert str(i.phone) == "139****5678"
    event = AuditEvent.objects.filter(action="instructor_assigned").last()
    assert "13912345678" not in str(event.changes)


def test_merge_refuses_children_that_would_outrank_the_target(world, make_org) -> None:
    top = make_org(kind="committee", region=world.north, code="M-TOP")
    source = make_org(kind="committee", region=world.north, parent=top, code="M-SRC")
    child = make_org(kind="committee", region=world.north, parent=source, code="M-CHILD")
    target = make_org(kind="general_branch", region=world.north, parent=top, code="M-TGT")
    with pytest.raises(DomainError, match="不能随合并转入"):
        orgs.merge_organizations(actor=world.root, source_id=source.pk, target_id=target.pk)
    child.refresh_from_db()
    source.refresh_from_db()
    assert child.parent_id == source.pk
    assert source.status == "active"
    # A general branch under the source may follow it into a committee.
    other = make_org(kind="committee", region=world.north, parent=top, code="M-OK")
    orgs.merge_organizations(actor=world.root, source_id=source.pk, target_id=other.pk)
    child.refresh_from_db()
    assert child.parent_id == other.pk


def test_merge_audits_the_administrator_links_it_removes(world, make_org) -> None:
    top = make_org(kind="committee", region=world.north, code="A-TOP")
    source = make_org(region=world.north_one, parent=top, code="A-SRC")
    target = make_org(region=world.north_one, parent=top, code="A-TGT")
    orgs.set_org_administrator(actor=world.root, org_id=source.pk, user_id=world.secretary.pk)
    orgs.merge_organizations(actor=world.root, source_id=source.pk, target_id=target.pk)
    assert not OrgAdministrator.objects.filter(organization=source).exists()
    removed = AuditEvent.objects.get(action="org_administrator_removed")
    assert removed.changes == {"user": "secretary"}
    assert target.name in removed.note
    merged = AuditEvent.objects.get(action="party_organization_merged")
    assert merged.changes["administrators_removed"] == ["secretary"]


def test_history_of_a_change_reads_in_chinese(world, make_org) -> None:
    org = make_org(formal_members=7)
    orgs.update_organization(actor=world.root, org_id=org.pk, formal_members=9, note="换届后调整")
    line = org.history.get(kind="changed").detail
    assert line == "正式党员数：7 → 9；备注：换届后调整"


def test_history_written_before_the_labels_reads_in_chinese(world, make_org, client_for) -> None:
    from shegong.organizations.models import OrgHistory

    org = make_org()
    OrgHistory.objects.create(
        organization=org,
        kind="changed",
        happened_on=date(2026, 11, 2),
        detail="formal_members: 7 → 9；note:  → 换届后调整；is_community: False → True",
    )
    body = client_for(world.root).get(f"/organizations/orgs/{org.pk}/").content.decode()
    assert "正式党员数：7 → 9；备注：换届后调整；村、社区党组织：否 → 是" in body
    assert "formal_members:" not in body
