from __future__ import annotations

from typing import Any

import django_filters

from shegong.core.filters import IdFilter
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import AppealKind, AppealStatus, Channel, Stream
from .models import Appeal
from .search import number_q, text_search_q
from .services.identity import identity_visible_q


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

    class Meta:
        model = Appeal
        fields = ["q", "number", "status", "kind", "stream", "channel", "region", "since", "until"]

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
