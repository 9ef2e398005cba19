"""Pages of the 党组织书记 (带头人): the list, a profile (training, 述职评议, member link), and
the department's list of branches without a secretary and secretaries short of training."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability
from shegong.core.roles import Cap
from shegong.lib.text import parse_id
from shegong.members.models import Member

from ..forms import ReviewForm
from ..services import secretaries as services
from ..services.common import is_superior
from .common import BASE_CRUMB


@capability_required(Cap.STUDY_VIEW)
def secretary_list(request: AuthedHttpRequest) -> HttpResponse:
    posts = services.visible_secretaries(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        posts = posts.filter(organization__name__icontains=q)
    page = Paginator(posts, 30).get_page(request.GET.get("page"))
    context = {
        "q": q,
        "page": page,
        "rows": services.secretary_rows(list(page.object_list)),
        "year": timezone.localdate().year,
        "breadcrumbs": [BASE_CRUMB, ("党组织书记", None)],
    }
    return render(request, "study/secretaries.html", context)


def _profile_page(
    request: AuthedHttpRequest, pk: int, *, form: ReviewForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    post = get_object_or_404(
        services.visible_committee(user).select_related(
            "organization", "organization__region", "study_profile__member"
        ),
        pk=pk,
    )
    row = services.secretary_rows([post])[0]
    today = timezone.localdate()
    context = {
        "post": post,
        "row": row,
        "reviews": services.reviews_of(post),
        "history": services.history_of(user, post),
        "candidates": list(
            Member.objects.visible_to(user)
            .party_members()
            .filter(organization_id=post.organization_id)
            .order_by("pk")[:500]
        ),
        "form": form or ReviewForm(initial={"year": today.year - 1, "reviewed_on": today}),
        # 述职评议 and the member link are the superior body's (``services.is_superior``)
        "can_manage": has_capability(user, Cap.STUDY_MANAGE)
        and is_superior(user, post.organization),
        "is_secretary": post.post == "secretary",
        "breadcrumbs": [
            BASE_CRUMB,
            ("党组织书记", "/study/secretaries/"),
            (post.organization.name, None),
        ],
    }
    return render(request, "study/secretary.html", context, status=status)


@capability_required(Cap.STUDY_VIEW)
def secretary_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _profile_page(request, pk)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def secretary_link(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(services.visible_committee(request.user), pk=pk)
    member_id = parse_id(request.POST.get("member", ""))
    try:
        services.link_member(
            actor=request.user,
            committee_member_id=pk,
            member_id=member_id,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return _profile_page(request, pk, status=422)
    messages.success(request, "已关联党员档案" if member_id else "已取消关联")
    return redirect("study:secretary", pk=pk)


@capability_required(Cap.STUDY_MANAGE)
@require_POST
def secretary_review(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(services.visible_committee(request.user), pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_review(
                actor=request.user,
                committee_member_id=pk,
                year=data["year"],
                grade=data["grade"],
                evaluator=data["evaluator"],
                comments=data["comments"],
                reviewed_on=data["reviewed_on"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已登记述职评议结果")
            return redirect("study:secretary", pk=pk)
    return _profile_page(request, pk, form=form, status=422)


@capability_required(Cap.STUDY_VIEW)
def gaps(request: AuthedHttpRequest) -> HttpResponse:
    """Two lists, each paged on its own (``?page=`` and ``?gpage=``), counted up to the cap."""
    user = request.user
    page = paginate_capped(request, services.lacking_secretary(user), 50)
    gap_page = paginate_capped(request, services.gap_posts(user), 30, page_param="gpage")
    context = {
        "page": page,
        "gap_page": gap_page,
        "gaps": services.secretary_rows(gap_page.object_list),
        # each pager keeps the other list's page
        "lacking_query": urlencode({"gpage": gap_page.number}),
        "gap_query": urlencode({"page": page.number}),
        "year": timezone.localdate().year,
        "breadcrumbs": [BASE_CRUMB, ("缺书记与培训不足", None)],
    }
    return render(request, "study/gaps.html", context)
