"""Notice and timeline downloads; included as ``path("appeals/", include(...))``."""

from __future__ import annotations

from django.urls import path, register_converter

from . import notice_views
from .models import NoticeKind
from .notices import NOTICE_FORMATS, TIMELINE_FORMATS


class _OneOf:
    """A path converter matching exactly one of a fixed set of words."""

    values: tuple[str, ...] = ()
    regex = ""

    def __init_subclass__(cls) -> None:
        cls.regex = "|".join(cls.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        if value not in self.values:
            raise ValueError(value)
        return value


class NoticeKindConverter(_OneOf):
    values = tuple(NoticeKind.values)


class NoticeFormatConverter(_OneOf):
    values = NOTICE_FORMATS


class TimelineFormatConverter(_OneOf):
    values = TIMELINE_FORMATS


register_converter(NoticeKindConverter, "notice_kind")
register_converter(NoticeFormatConverter, "notice_fmt")
register_converter(TimelineFormatConverter, "timeline_fmt")

app_name = "appeal_notices"
urlpatterns = [
    path(
        "<int:pk>/notices/<notice_kind:kind>.<notice_fmt:fmt>",
        notice_views.notice_download,
        name="notice",
    ),
    path(
        "<int:pk>/timeline.<timeline_fmt:fmt>",
        notice_views.timeline_export,
        name="timeline",
    ),
]
