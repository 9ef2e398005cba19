from __future__ import annotations

import django_filters
from django.db.models import Q

from shegong.core.filters import IdFilter

from .choices import RegionLevel
from .models import Region, RegionQuerySet


class RegionFilterSet(django_filters.FilterSet):
    """Shared by the HTML list, the export and the API list."""

    q = django_filters.CharFilter(label="关键词", method="filter_q")
    level = django_filters.TypedChoiceFilter(label="层级", choices=RegionLevel.choices, coerce=int)
    parent = IdFilter(label="上级", field_name="parent_id")
    within = IdFilter(label="所属区划", method="filter_within")
    is_active = django_filters.BooleanFilter(label="有效")

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "within", "is_active"]

    def filter_q(self, queryset: RegionQuerySet, name: str, value: str) -> RegionQuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_within(self, queryset: RegionQuerySet, name: str, value: int) -> RegionQuerySet:
        root = Region.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.descendants_of(root)
