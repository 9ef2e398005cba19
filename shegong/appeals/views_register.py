"""Staff registration of an appeal (来信 / 来访 / 来电 …, 代填): the form page and the
region cascade's HTMX calls. The intake service checks every field; this page shows all
of the problems at once and keeps what was typed."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, need_capability
from shegong.core.roles import Cap
from shegong.regions.models import Region

from . import attachments as attachment_service
from . import region_cascade
from .forms import RegisterForm, digits
from .services import workflow as wf
from .services.intake import IntakeData, IntakeError, check_submission, submit_appeal


def _ids(values: list[str]) -> list[int]:
    """The ids among ``values`` (a multiple select); anything else is left out."""
    return [n for n in map(digits, values) if n is not None]


def _representatives(text: str) -> list[dict[str, str]]:
    reps = []
    for line in text.splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if parts:
            reps.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else ""})
    return reps


def _intake_data(form: RegisterForm, region: Region | None, accused_ids: list[int]) -> IntakeData:
    """The submission as typed: cleaned values where a field is valid, the raw text where it
    is not (so the intake service reports every field's problem at once)."""
    raw = form.data
    clean = form.cleaned_data if hasattr(form, "cleaned_data") else {}

    def text(name: str) -> str:
        value = clean.get(name)
        return str(value) if value is not None else str(raw.get(name, "") or "")

    def flag(name: str) -> bool:
        return bool(clean.get(name)) if name in clean else bool(raw.get(name))

    headcount = clean.get("headcount")
    return IntakeData(
        kind=text("kind"),
        channel=text("channel"),
        urgency=text("urgency"),
        title=text("title"),
        body=text("body"),
        region_id=region.pk if region else 0,
        address=text("address"),
        name=text("name"),
        phone=text("phone"),
        id_number=text("id_number"),
        petitioner_address=text("petitioner_address"),
        identity_confidential=flag("identity_confidential"),
        is_group=flag("is_group"),
        headcount=headcount if isinstance(headcount, int) else 1,
        representatives=_representatives(text("representatives")),
        accused_unit_ids=accused_ids,
        proxy_note=text("proxy_note"),
    )


# Django form field → the intake service's error key (the template shows one message per key).
_FORM_ERROR_KEYS = {"accused_unit_codes": "accused_units"}


@capability_required(Cap.APPEALS_REGISTER)
def register(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = RegisterForm(request.POST or None)
    errors: dict[str, str] = {}
    region: Region | None = None
    matches: list[Region] = []
    if request.method == "POST":
        picked = request.POST.get("pick_region", "")
        picked_id = digits(picked)
        if picked_id is not None:
            region = region_cascade.picked(user, picked_id)
        else:
            region = region_cascade.chosen_region(user, request.POST.getlist("region"))
        if picked or request.POST.get("action") == "regions":
            # Without JavaScript: the cascade's next level, or the search's matches.
            matches = region_cascade.search(user, request.POST.get("region_q", ""))
            return _register_page(request, form, errors, region, matches)
        form.is_valid()
        accused_ids = _ids(request.POST.getlist("accused_units"))
        codes = [
            c.strip()
            for c in (form.data.get("accused_unit_codes") or "").replace("，", ",").split(",")
            if c.strip()
        ]
        if codes:  # the API-era typed codes, still accepted from old bookmarks and scripts
            by_code = wf.unit_ids_by_codes(codes)
            if len(by_code) != len(codes):
                errors["accused_units"] = "被检举控告单位编码有误"
            accused_ids += by_code
        if region is None and any(v.strip() for v in request.POST.getlist("region")):
            errors["region"] = "所选发生地不在您的管辖范围内，请重新选择"
        intake = _intake_data(form, region, accused_ids)
        for key, message in check_submission(actor=user, data=intake).items():
            errors.setdefault(key, message)
        for name, messages_ in form.errors.items():
            errors.setdefault(_FORM_ERROR_KEYS.get(name, name), str(messages_[0]))
        if not errors:
            try:
                appeal, code = submit_appeal(
                    actor=user,
                    data=intake,
                    proxied=bool(form.cleaned_data.get("proxied")),
                    idempotency_key=request.POST.get("submission_id") or None,
                    region=region,
                )
                for upload in request.FILES.getlist("files"):
                    attachment_service.add_attachment(
                        actor=user, appeal=appeal, upload=upload, name=upload.name or "附件"
                    )
            except IntakeError as exc:
                errors.update(exc.errors)
            except DomainError as exc:
                errors["general"] = exc.message
            else:
                if code:
                    messages.success(
                        request, f"已登记 {appeal.number}。请告知群众查询码：{code}（只显示这一次）"
                    )
                return redirect("appeals:detail", pk=appeal.pk)
    return _register_page(request, form, errors, region, matches)


def _register_page(
    request: AuthedHttpRequest,
    form: RegisterForm,
    errors: dict[str, str],
    region: Region | None,
    matches: list[Region],
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "appeals/register.html",
        {
            "form": form,
            "errors": errors,
            "error_list": [m for k, m in errors.items() if k != "general"],
            "levels": region_cascade.cascade(user, region),
            "chosen": region,
            "matches": matches,
            "query": request.POST.get("region_q", ""),
            "accused_choices": wf.dispatch_targets(),
            "accused_chosen": set(_ids(request.POST.getlist("accused_units"))),
            "submission_id": request.POST.get("submission_id") or uuid.uuid4().hex,
            "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), ("登记诉求", None)],
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def region_cascade_view(request: AuthedHttpRequest) -> HttpResponse:
    """The cascade for the chosen regions (``?region=…`` per select, or a search pick
    ``?pick_region=<id>``): the registration form's HTMX call."""
    need_capability(request, Cap.APPEALS_REGISTER)
    user = request.user
    picked = digits(request.GET.get("pick_region", ""))
    if picked is not None:
        region = region_cascade.picked(user, picked)
    else:
        region = region_cascade.chosen_region(user, request.GET.getlist("region"))
    return render(
        request,
        "appeals/partials/_region_cascade.html",
        {"levels": region_cascade.cascade(user, region), "chosen": region},
    )


@login_required
@require_GET
def region_search_view(request: AuthedHttpRequest) -> HttpResponse:
    """Regions of the clerk's jurisdiction matching ``?region_q=`` (HTMX, as you type)."""
    need_capability(request, Cap.APPEALS_REGISTER)
    query = request.GET.get("region_q", "")
    return render(
        request,
        "appeals/partials/_region_matches.html",
        {"matches": region_cascade.search(request.user, query), "query": query.strip()},
    )
