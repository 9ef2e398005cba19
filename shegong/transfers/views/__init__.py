"""Pages of 组织关系转接: list, detail with timeline and actions, start (from a member, or
an arrival from outside), 介绍信 download, and the 建议转接 list. Views only translate:
every list starts from ``visible_to`` and every change is a service call."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.members.models import Member

from .. import services
from ..choices import TransferAction, TransferKind, TransferStatus
from ..forms import InboundForm, StartForm
from ..models import Transfer
from ..services.letters import letter_file
from ..services.workflow import InboundPerson

DIRECTIONS = (("", "全部"), ("out", "转出"), ("in", "转入"))


@login_required
def transfer_list(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.MEMBERS_VIEW)
    direction = request.GET.get("direction", "")
    open_only = request.GET.get("open", "") == "1"
    status = request.GET.get("status", "")
    status = status if status in TransferStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in TransferKind.values else ""
    qs = services.filtered_transfers(
        request.user, direction=direction, open_only=open_only, status=status, kind=kind
    )
    page = paginate_capped(request, qs, 50)
    today = timezone.localdate()
    rows = [(t, t.letter_expired(today)) for t in page.object_list]
    return render(
        request,
        "transfers/transfer_list.html",
        {
            "page": page,
            "rows": rows,
            "directions": DIRECTIONS,
            "direction": direction,
            "open_only": open_only,
            "status": status,
            "kind": kind,
            "statuses": TransferStatus.choices,
            "kinds": TransferKind.choices,
            "can_manage": request.user.has_capability(Cap.TRANSFERS_MANAGE),
        },
    )


@login_required
def transfer_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.MEMBERS_VIEW)
    transfer = get_visible_or_404(Transfer, request.user, pk=pk)
    today = timezone.localdate()
    actions = services.actions_for(request.user, transfer)
    return render(
        request,
        "transfers/transfer_detail.html",
        {
            "transfer": transfer,
            "member": transfer.member,
            "steps": transfer.steps.select_related("actor"),
            "actions": [(a, TransferAction(a).label) for a in actions],
            "expired": transfer.letter_expired(today),
            "needs_note": (TransferAction.RETURN, TransferAction.CANCEL),
            "can_manage": request.user.has_capability(Cap.TRANSFERS_MANAGE),
        },
    )


@login_required
@require_POST
def transfer_act(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.TRANSFERS_MANAGE)
    transfer = get_visible_or_404(Transfer, request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        services.act_on_transfer(
            actor=request.user,
            transfer_id=transfer.pk,
            action=action,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{TransferAction(action).label}")
    return redirect("transfers:detail", pk=transfer.pk)


@login_required
def transfer_start(request: AuthedHttpRequest, member_id: int) -> HttpResponse:
    need_capability(request, Cap.TRANSFERS_MANAGE)
    member = get_visible_or_404(Member, request.user, pk=member_id)
    org_query = request.GET.get("org_q", "")
    choices = services.receiving_candidates(org_query, exclude_id=member.organization_id)
    form = StartForm(request.POST or None, org_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.start_transfer(
                actor=request.user,
                member_id=member.pk,
                kind=data["kind"],
                to_organization_id=data["to_organization"],
                outside_organization=data["outside_organization"],
                reason=data["reason"],
                dues_paid_through=data["dues_paid_through"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已发起组织关系转接 {transfer.number}")
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/transfer_start.html",
        {"form": form, "member": member, "org_query": org_query},
    )


@login_required
def inbound_start(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.TRANSFERS_MANAGE)
    form = InboundForm(
        request.POST or None, org_choices=services.covered_organizations(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.start_inbound_transfer(
                actor=request.user,
                to_organization_id=data["to_organization"],
                person=InboundPerson(
                    name=data["name"],
                    id_number=data["id_number"],
                    stage=data["stage"],
                    phone=data["phone"],
                    admitted_on=data["admitted_on"],
                    confirmed_on=data["confirmed_on"],
                ),
                outside_organization=data["outside_organization"],
                outside_letter_number=data["outside_letter_number"],
                letter_valid_until=data["letter_valid_until"],
                reason=data["reason"],
                dues_paid_through=data["dues_paid_through"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记转入 {transfer.number}")
            return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "transfers/inbound_start.html", {"form": form})


@login_required
def letter_download(request: AuthedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    need_capability(request, Cap.TRANSFERS_MANAGE)
    transfer = get_visible_or_404(Transfer, request.user, pk=pk)
    try:
        data, filename, content_type = letter_file(
            actor=request.user, transfer_id=transfer.pk, fmt=fmt
        )
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("transfers:detail", pk=transfer.pk)
    response = HttpResponse(data, content_type=content_type)
    ascii_name = f"letter-{transfer.number}.{fmt}"
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


@login_required
def suggestions(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.MEMBERS_VIEW)
    today: date = timezone.localdate()
    org_id = parse_id(request.GET.get("org"))
    page = paginate_capped(
        request, services.away_members(request.user, today=today, organization_id=org_id), 50
    )
    rows = [services.suggestion_of(member) for member in page.object_list]
    return render(
        request,
        "transfers/suggestions.html",
        {
            "page": page,
            "query": f"org={org_id}" if org_id else "",
            "rows": rows,
            "today": today,
            "can_manage": request.user.has_capability(Cap.TRANSFERS_MANAGE),
        },
    )
