"""The public citizen portal (no login): the home page and the region cascader.

Submitting (``portal_submit.py``: form, SMS check, receipt) and tracking (``portal_track.py``:
progress, rating, more information, withdrawing the consent to publish) are beside it; the
promises in words are in ``portal_policy.py``. Every appeal goes through ``services.intake``
(channel 网上（群众门户）, no actor). The time limits the citizen reads come from the city-wide
policies, never from numbers in this file. Rate limits and the SMS check live in
:mod:`shegong.core.sms_verification`; the tracking brute-force guard is in
``portal_track.py``. See docs/portal.md.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from shegong.accounts.http import HtmxHttpRequest
from shegong.lib.text import parse_id
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from .choices import Stream
from .portal_forms import EMPTY_CHILD_LABEL, STREAM_TITLES, active_children
from .portal_policy import STREAM_SAMPLE_KIND, city_policy, stream_promises
from .portal_policy import citable_basis as citable_basis  # the old import path


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    cards = []
    for stream, who, what in (
        (
            Stream.HOTLINE,
            "生活中遇到的困难和问题",
            "如噪音扰民、路灯损坏、物业纠纷、政策咨询、求助、投诉、举报等。",
        ),
        (
            Stream.PETITION,
            "对国家机关及其工作人员的意见",
            "申诉求决、建议意见、检举控告，依照《信访工作条例》办理。"
            "申诉求决和建议意见须填写真实姓名；检举控告依法为您保密。",
        ),
        (
            Stream.SUGGESTION,
            "对城市发展和治理的好点子",
            "对经济社会发展、公共服务、城市管理提出意见建议。",
        ),
    ):
        policy = city_policy(STREAM_SAMPLE_KIND[stream], now)
        cards.append(
            {
                "stream": stream,
                "title": STREAM_TITLES[stream],
                "who": who,
                "what": what,
                "promises": stream_promises(stream, policy),
                "url": reverse("portal:submit") + f"?stream={stream}",
            }
        )
    return render(request, "appeals/portal/home.html", {"cards": cards, "page_title": "首页"})


@require_GET
def region_options(request: HtmxHttpRequest) -> HttpResponse:
    """``<option>``s of the active children of ``?parent=<id>`` (the cascader's HTMX call)."""
    parent_id = request.GET.get("parent", "")
    parent = None
    if (parent_pk := parse_id(parent_id)) is not None:
        parent = (
            Region.objects.filter(
                pk=parent_pk,
                is_active=True,
                level__in=[RegionLevel.DISTRICT, RegionLevel.STREET],
            )
            .select_related("parent")
            .first()
        )
    if parent is None or (parent.parent is not None and not parent.parent.is_active):
        options: list[Region] = []
        empty = "请先选择上一级"
    else:
        options = list(active_children(parent))
        empty = EMPTY_CHILD_LABEL[RegionLevel(parent.level + 1)]
    return render(
        request, "appeals/portal/_region_options.html", {"options": options, "empty": empty}
    )
