from __future__ import annotations

import django_filters
from django.db.models import Q

from shegong.core.filters import IdFilter
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import UnitKind
from .models import Unit, UnitQuerySet


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    kind = django_filters.ChoiceFilter(label="类别", choices=UnitKind.choices)
    region = IdFilter(label="所属区划", method="filter_region")
    handling = django_filters.BooleanFilter(label="承办单位", field_name="is_handling_unit")

    class Meta:
        model = Unit
        fields = ["q", "kind", "region", "handling"]

    def filter_q(self, queryset: UnitQuerySet, name: str, value: str) -> UnitQuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__startswith=value)
        )

    def filter_region(self, queryset: UnitQuerySet, name: str, value: int) -> UnitQuerySet:
        root = Region.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(subtree_q(root.path, "region__path"))
