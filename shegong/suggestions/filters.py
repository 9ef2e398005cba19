"""FilterSets: one for suggestions (the staff list, the XLSX export and the API list share
it), one for themes, one for the public transparency list."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone

from shegong.appeals.choices import Stream
from shegong.appeals.models import Appeal
from shegong.appeals.services.identity import search_free_text
from shegong.core.filters import IdFilter
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import Outcome, ThemeStatus
from .models import PublicationConsent, SolicitationTheme

STATE_CHOICES = [
    ("unstarted", "未启动评估"),
    ("pending", "待评估"),
    ("overdue", "评估已超期"),
    ("decided", "已评估"),
]


class SuggestionFilterSet(django_filters.FilterSet):
    """Over ``Appeal.objects.visible_to(user).filter(kind=people_suggestion)``."""

    q = django_filters.CharFilter(label="关键词", method="filter_q")
    state = django_filters.ChoiceFilter(
        label="评估状态", choices=STATE_CHOICES, method="filter_state"
    )
    outcome = django_filters.ChoiceFilter(
        label="评估结果", choices=Outcome.choices, field_name="evaluation__outcome"
    )
    theme = IdFilter(label="征集主题", field_name="theme_link__theme_id")
    unit = IdFilter(label="评估单位", field_name="evaluation__unit_id")
    region = IdFilter(label="区划", method="filter_region")
    since = django_filters.DateFilter(
        label="登记起", field_name="registered_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label="登记止", field_name="registered_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Appeal
        fields = ["q", "state", "outcome", "theme", "unit", "region", "since", "until"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return search_free_text(queryset, value, getattr(self.request, "user", None))

    def filter_state(self, queryset: Any, name: str, value: str) -> Any:
        now = timezone.now()
        if value == "unstarted":
            return queryset.filter(evaluation__isnull=True)
        if value == "pending":
            return queryset.filter(evaluation__outcome=Outcome.PENDING)
        if value == "overdue":
            return queryset.filter(evaluation__outcome=Outcome.PENDING, evaluation__due_at__lt=now)
        if value == "decided":
            return queryset.filter(evaluation__isnull=False).exclude(
                evaluation__outcome=Outcome.PENDING
            )
        return queryset

    def filter_region(self, queryset: Any, name: str, value: int) -> Any:
        root = Region.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(subtree_q(root.path, "region__path"))


class ThemeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=ThemeStatus.choices)

    class Meta:
        model = SolicitationTheme
        fields = ["q", "status"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class PublicAppealFilterSet(django_filters.FilterSet):
    """The public list: searches only the anonymised texts."""

    q = django_filters.CharFilter(label="关键词", method="filter_q")
    stream = django_filters.ChoiceFilter(
        label="类别", choices=Stream.choices, field_name="appeal__stream"
    )
    unit = IdFilter(label="承办单位", field_name="appeal__lead_unit_id")
    district = IdFilter(label="区县", method="filter_district")
    month = django_filters.CharFilter(label="办结月份", method="filter_month")

    class Meta:
        model = PublicationConsent
        fields = ["q", "stream", "unit", "district", "month"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()[:50]
        if not value:
            return queryset
        return queryset.filter(
            Q(anonymised_title__icontains=value) | Q(anonymised_summary__icontains=value)
        )

    def filter_district(self, queryset: Any, name: str, value: int) -> Any:
        root = Region.objects.filter(pk=value, is_active=True).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(subtree_q(root.path, "appeal__region__path"))

    def filter_month(self, queryset: Any, name: str, value: str) -> Any:
        from .services.figures import month_bounds

        try:
            year, month = (int(p) for p in value.split("-", 1))
            start, end = month_bounds(date(year, month, 1))
        except (TypeError, ValueError):
            return queryset
        return queryset.filter(appeal__closed_at__gte=start, appeal__closed_at__lt=end)
