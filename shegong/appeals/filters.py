from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone

from shegong.core.filters import IdFilter
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import OPEN_ORDER_STATES, AppealKind, AppealStatus, Channel, Stream
from .models import Appeal, AppealQuerySet, WorkOrder
from .search import number_q, text_search_q
from .services.identity import identity_visible_q

DUE_SOON = timedelta(hours=72)  # as the workbench's 临期 queue
CLOCK_CHOICES = [("overdue", "已超期"), ("due_soon", "临期（72小时内到期）")]


def clock_q(which: str, now: datetime) -> Q:
    """Appeals with an open work order (待签收/办理中) past its deadline (``overdue``) or due
    within 72 hours (``due_soon``): the cockpit's figures and the list they link to."""
    orders = WorkOrder.objects.filter(status__in=OPEN_ORDER_STATES)
    if which == "overdue":
        orders = orders.filter(due_at__lt=now)
    else:
        orders = orders.filter(due_at__gte=now, due_at__lte=now + DUE_SOON)
    return Q(pk__in=orders.values("appeal_id"))


def counted_q() -> Q:
    """What the cockpit counts (docs/cockpit.md): not a 检举控告, not merged into another."""
    return ~Q(kind=AppealKind.XF_ACCUSATION) & ~Q(status=AppealStatus.MERGED)


class AppealFilterSet(django_filters.FilterSet):
    """Shared by the workbench search, the export and the API list."""

    q = django_filters.CharFilter(label="关键词", method="filter_q")
    number = django_filters.CharFilter(label="编号", method="filter_number")
    status = django_filters.MultipleChoiceFilter(label="状态", choices=AppealStatus.choices)
    kind = django_filters.ChoiceFilter(label="类别", choices=AppealKind.choices)
    stream = django_filters.ChoiceFilter(label="来源", choices=Stream.choices)
    channel = django_filters.ChoiceFilter(label="渠道", choices=Channel.choices)
    region = IdFilter(label="区划", method="filter_region")
    since = django_filters.DateFilter(
        label="登记起", field_name="registered_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label="登记止", field_name="registered_at", lookup_expr="date__lte"
    )

    # The cockpit's drill-down (docs/cockpit.md): a figure's records with its filters.
    category = django_filters.CharFilter(label="诉求类别（一级）", method="filter_category")
    counted = django_filters.BooleanFilter(label="仅统计口径", method="filter_counted")
    clock = django_filters.ChoiceFilter(label="时限", choices=CLOCK_CHOICES, method="filter_clock")
    group = django_filters.BooleanFilter(label="集体访/联名", field_name="is_group")

    class Meta:
        model = Appeal
        fields = [
            "q",
            "number",
            "status",
            "kind",
            "stream",
            "channel",
            "region",
            "since",
            "until",
            "category",
            "counted",
            "clock",
            "group",
        ]

    def filter_category(self, queryset: AppealQuerySet, name: str, value: str) -> AppealQuerySet:
        """Exact 一级 category; "-" is the appeals not yet categorised."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(category_l1="" if value == "-" else value)

    def filter_counted(
        self, queryset: AppealQuerySet, name: str, value: bool | None
    ) -> AppealQuerySet:
        return queryset.filter(counted_q()) if value else queryset

    def filter_clock(self, queryset: AppealQuerySet, name: str, value: str) -> AppealQuerySet:
        return queryset.filter(clock_q(value, timezone.now())) if value else queryset

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        """Chinese substring search over the masked title and body, through the text index
        (``appeals.search.text_search_q``); an appeal number is an exact look-up. A query
        cannot confirm an identifier the viewer sees masked; pass ``request=`` so the viewer
        is known (without it every appeal counts as hidden)."""
        value = value.strip()
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        return queryset.filter(text_search_q(value, visible=identity_visible_q(user)))

    def filter_number(self, queryset: Any, name: str, value: str) -> Any:
        """Exact, on the unique index: ``rx2026…`` and full-width ``ＲＸ２０２６…`` as typed
        find ``RX2026…`` (never ``iexact``, which reads every row)."""
        if not value.strip():
            return queryset
        return queryset.filter(number_q(value))

    def filter_region(self, queryset: Any, name: str, value: int) -> Any:
        root = Region.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(subtree_q(root.path, "region__path"))
