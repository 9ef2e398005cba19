"""Questions about a region subtree that readers ask before narrowing their rows to it."""

from __future__ import annotations

from django.db.models import Q

from shegong.core.tree import PATH_END

from .models import Region


def holds_every_region(path: str) -> bool:
    """Whether the subtree at ``path`` holds every region (two probes of the path index):
    rows inside it then need no region condition (a second root region makes it false)."""
    outside = Q(path__lt=path) | Q(path__gte=path + PATH_END)
    return not Region.objects.filter(outside).exists()
