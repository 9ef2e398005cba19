from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from shegong.lib.text import parse_id

from .audit_display import action_labels
from .models import AuditEvent


class IdField(forms.IntegerField):
    """A row id typed into a query string: ASCII digits the database can store
    (``shegong.lib.text.parse_id``); anything else is invalid."""

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdFilter(django_filters.NumberFilter):
    """Filters by a row id (``?region=12``). ``NumberFilter`` reads a decimal and hands
    "99999999999999999999" to the database (SQLite: OverflowError, a 500); this filter's
    field refuses it, and django-filter then leaves the filter out, as for any invalid value.
    """

    field_class = IdField


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
