"""Helpers of the members pages."""

from __future__ import annotations

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.tree import subtree_q
from shegong.lib.text import parse_id
from shegong.organizations.models import PartyOrganization

from ..choices import Stage, Standing, WorkerGroup
from ..models import MemberQuerySet

BASE_CRUMB = ("党员", "/members/")


def query_string(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("count", None)
    return query.urlencode()


def filter_members(
    request: AuthedHttpRequest, members: MemberQuerySet
) -> tuple[MemberQuerySet, PartyOrganization | None]:
    """The list's filters: branch subtree (``org``), stage, standing, floating, worker group.
    ``members`` is already scoped; the branch is looked up among the visible ones."""
    get = request.GET
    org = None
    if (org_id := parse_id(get.get("org", ""))) is not None:
        org = PartyOrganization.objects.visible_to(request.user).filter(pk=org_id).first()
        members = (
            members.filter(subtree_q(org.path, "organization__path")) if org else members.none()
        )
    if (stage := get.get("stage", "")) in Stage.values:
        members = members.filter(stage=stage)
    standing = get.get("standing", "on_roll")
    if standing == "on_roll":
        members = members.on_roll()
    elif standing in Standing.values:
        members = members.filter(standing=standing)
    if get.get("floating") == "1":
        members = members.filter(is_floating=True)
    group = get.get("worker_group", "")
    if group == "any":
        members = members.exclude(worker_group="")
    elif group and group in WorkerGroup.values:
        members = members.filter(worker_group=group)
    return members, org


def people_ids(request: AuthedHttpRequest) -> list[int]:
    out = []
    for raw in request.POST.getlist("people"):
        if (pk := parse_id(raw)) is not None:
            out.append(pk)
    return out


__all__ = ["BASE_CRUMB", "filter_members", "people_ids", "query_string"]
