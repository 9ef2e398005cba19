"""The lawful-request page: a form (ID number or mobile, legal basis) and the workbook."""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap

from . import services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@sensitive_post_parameters("value", "basis")
@capability_required(Cap.PRIVACY_REQUEST)
@require_http_methods(["GET", "POST"])
def person_request(request: AuthedHttpRequest) -> HttpResponse:
    if not services.may_request(request.user):
        raise PermissionDenied
    form = {
        "kind": request.POST.get("kind", "id_number"),
        "basis": request.POST.get("basis", ""),
    }
    error = ""
    if request.method == "POST":
        try:
            _, body = services.export_person(
                actor=request.user,
                kind=form["kind"],
                raw=request.POST.get("value", ""),
                basis=form["basis"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response = HttpResponse(body, content_type=XLSX)
            name = quote(f"个人信息查阅-{stamp}.xlsx")
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "form": form,
        "error": error,
        "kinds": services.KEY_KINDS,
        "legal_basis": services.LEGAL_BASIS,
        "breadcrumbs": [("个人信息查阅申请", None)],
    }
    return render(request, "privacy/person_request.html", context, status=400 if error else 200)
