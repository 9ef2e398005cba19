from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .nav import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from .models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {
        "nav_sections": nav_for(user) if user is not None else [],
        "city_name": settings.SHEGONG_CITY_NAME,
        "unread_notifications": unread,
    }
