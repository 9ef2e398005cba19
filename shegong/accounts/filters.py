from __future__ import annotations

import django_filters
from django.db.models import Q

from .models import User, UserQuerySet
from .roles import Role


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)
    is_active = django_filters.BooleanFilter(label="启用")

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def filter_q(self, queryset: UserQuerySet, name: str, value: str) -> UserQuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))
