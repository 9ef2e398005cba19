from __future__ import annotations

from typing import Any

import django_filters
from django.apps import apps
from django.db.models import QuerySet

from .audit_display import action_labels
from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    # A person types the event's Chinese name (or part of it); the code still works.
    action = django_filters.CharFilter(label="事件", method="filter_action")
    actor = django_filters.CharFilter(
        label="操作人", field_name="actor_repr", lookup_expr="icontains"
    )
    target_type = django_filters.CharFilter(label="对象类型", method="filter_target_type")
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

    def filter_action(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        value = value.strip()
        codes = {code for code, label in action_labels().items() if value in label}
        return queryset.filter(action__in=codes | {value})

    def filter_target_type(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        value = value.strip()
        types = {
            f"{m._meta.app_label}.{m._meta.model_name}"
            for m in apps.get_models()
            if value and value in str(m._meta.verbose_name)
        }
        return queryset.filter(target_type__in=types | {value})
