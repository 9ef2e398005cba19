"""FilterSets shared by the HTML lists, the exports and the API lists."""

from __future__ import annotations

import contextlib
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from shegong.core.filters import IdFilter
from shegong.core.pii import blind_index
from shegong.core.tree import subtree_q
from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.regions.models import Region

from .choices import ActivityStatus, EntryKind, GuardianConsent, VolunteerStatus
from .models import Activity, HoursEntry, Volunteer


class VolunteerFilterSet(django_filters.FilterSet):
    """``q``: 志愿者编号, or an exact phone / ID number (found by blind index)."""

    q = django_filters.CharFilter(label="编号/手机/身份证号", method="filter_q")
    star = django_filters.NumberFilter(
        label="星级不低于", field_name="star_level", lookup_expr="gte"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=VolunteerStatus.choices)
    team = IdFilter(label="队伍", method="filter_team")
    guardian_consent = django_filters.ChoiceFilter(
        label="监护人同意方式",
        field_name="guardian_consent_method",
        choices=GuardianConsent.choices,
    )

    class Meta:
        model = Volunteer
        fields = ["q", "star", "status", "team", "guardian_consent"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(number=value.upper())
        with contextlib.suppress(ValidationFailure):
            condition |= Q(phone_bidx=blind_index("phone", validate_mobile(value)))
        if len(value) == 18:
            condition |= Q(id_number_bidx=blind_index("id_number", value))
        return queryset.filter(condition)

    def filter_team(self, queryset: Any, name: str, value: int) -> Any:
        return queryset.filter(
            pk__in=Volunteer.objects.filter(
                memberships__team_id=value, memberships__left_at=None
            ).values("pk")
        )


class ActivityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="活动名称", field_name="title", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=ActivityStatus.choices)
    team = IdFilter(label="队伍", field_name="team_id")

    class Meta:
        model = Activity
        fields = ["q", "status", "team"]


class HoursFilterSet(django_filters.FilterSet):
    volunteer = django_filters.CharFilter(label="志愿者编号", field_name="volunteer__number")
    kind = django_filters.ChoiceFilter(label="类型", choices=EntryKind.choices)
    since = django_filters.DateFilter(
        label="服务日期从", field_name="service_date", lookup_expr="gte"
    )
    until = django_filters.DateFilter(label="至", field_name="service_date", lookup_expr="lte")
    activity = IdFilter(label="活动", field_name="activity_id")
    # The cockpit's drill-down: the entries whose place lies in a region's subtree.
    region = IdFilter(label="区划", method="filter_region")

    class Meta:
        model = HoursEntry
        fields = ["volunteer", "kind", "since", "until", "activity", "region"]

    def filter_region(
        self, queryset: QuerySet[HoursEntry], name: str, value: int
    ) -> QuerySet[HoursEntry]:
        root = Region.objects.filter(pk=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(subtree_q(root.path, "region__path"))
