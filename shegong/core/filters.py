from __future__ import annotations

import django_filters

from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(label="事件", lookup_expr="exact")
    actor = django_filters.CharFilter(
        label="操作人", field_name="actor_repr", lookup_expr="icontains"
    )
    target_type = django_filters.CharFilter(label="对象类型", lookup_expr="exact")
    target_id = django_filters.CharFilter(label="对象编号", lookup_expr="exact")
    since = django_filters.DateFilter(
        label="起始日期", field_name="occurred_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label="截止日期", field_name="occurred_at", lookup_expr="date__lte"
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]
