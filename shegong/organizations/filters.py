"""FilterSets shared by the HTML lists, the exports and the API lists."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q

from shegong.core.filters import IdFilter
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import (
    CoverageMode,
    EntityKind,
    FindingStatus,
    Industry,
    OrgKind,
    OrgStatus,
    Rule,
    SizeBand,
)
from .models import Entity, Finding, PartyOrganization

COVERAGE_STATES = [
    ("org", "已组织覆盖"),
    ("work_only", "仅工作覆盖（指导员）"),
    ("gap", "两个覆盖均空白"),
    *CoverageMode.choices,
]


def _within(queryset: Any, value: int, field: str) -> Any:
    root = Region.objects.filter(pk=value).only("path").first()
    if root is None:
        return queryset.none()
    return queryset.filter(subtree_q(root.path, field))


class _Styled(django_filters.FilterSet):
    """Bootstrap classes and ``f-<name>`` ids on the rendered filter widgets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, form_field in self.form.fields.items():
            css = "form-select" if hasattr(form_field, "choices") else "form-control"
            form_field.widget.attrs.update({"class": f"{css} {css}-sm", "id": f"f-{name}"})


class EntityFilterSet(_Styled):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    within = IdFilter(label="区划", method="filter_within")
    street = IdFilter(label="街道/乡镇", field_name="street_id")
    kind = django_filters.ChoiceFilter(label="类型", empty_label="全部", choices=EntityKind.choices)
    industry = django_filters.ChoiceFilter(
        label="行业门类", empty_label="全部", choices=Industry.choices
    )
    size_band = django_filters.ChoiceFilter(
        label="规模", empty_label="全部", choices=SizeBand.choices
    )
    coverage = django_filters.ChoiceFilter(
        label="覆盖情况", empty_label="全部", choices=COVERAGE_STATES, method="filter_coverage"
    )
    organization = IdFilter(label="覆盖党组织", field_name="organization_id")
    is_active = django_filters.BooleanFilter(label="存续")

    class Meta:
        model = Entity
        fields = ["q", "within", "street", "kind", "industry", "size_band", "coverage"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def filter_within(self, queryset: Any, name: str, value: int) -> Any:
        return _within(queryset, value, "region_path")

    def filter_coverage(self, queryset: Any, name: str, value: str) -> Any:
        if value == "org":
            return queryset.exclude(coverage_mode=CoverageMode.NONE)
        if value == "work_only":
            return queryset.filter(coverage_mode=CoverageMode.NONE, has_instructor=True)
        if value == "gap":
            return queryset.filter(coverage_mode=CoverageMode.NONE, has_instructor=False)
        return queryset.filter(coverage_mode=value)


class FindingFilterSet(_Styled):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    rule = django_filters.ChoiceFilter(label="规则", empty_label="全部", choices=Rule.choices)
    status = django_filters.ChoiceFilter(
        label="状态",
        empty_label="全部",
        choices=[("active", "未关闭"), *FindingStatus.choices],
        method="filter_status",
    )
    within = IdFilter(label="区划", method="filter_within")
    street = IdFilter(label="街道/乡镇", field_name="street_id")
    assignee = IdFilter(label="承办人", field_name="assignee_id")

    class Meta:
        model = Finding
        fields = ["q", "rule", "status", "within", "street", "assignee"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        return queryset.filter(subject_name__icontains=value) if value else queryset

    def filter_status(self, queryset: Any, name: str, value: str) -> Any:
        if value == "active":
            return queryset.open()
        return queryset.filter(status=value)

    def filter_within(self, queryset: Any, name: str, value: int) -> Any:
        return _within(queryset, value, "region_path")


class OrgFilterSet(_Styled):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    kind = django_filters.ChoiceFilter(label="类别", empty_label="全部", choices=OrgKind.choices)
    status = django_filters.ChoiceFilter(
        label="状态", empty_label="全部", choices=OrgStatus.choices
    )
    within = IdFilter(label="区划", method="filter_within")
    parent = IdFilter(label="上级党组织", field_name="parent_id")

    class Meta:
        model = PartyOrganization
        fields = ["q", "kind", "status", "within", "parent"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_within(self, queryset: Any, name: str, value: int) -> Any:
        return _within(queryset, value, "region__path")
