"""The 文书模板 pages; included as ``path("documents/", include(...))``."""

from __future__ import annotations

from django.urls import path, re_path

from . import document_views

app_name = "documents"
urlpatterns = [
    path("", document_views.document_list, name="list"),
    path("<str:key>/", document_views.document_detail, name="detail"),
    re_path(
        r"^(?P<key>[\w.-]+)/(?P<version>default|active|\d+)\.docx$",
        document_views.document_file,
        name="file",
    ),
    re_path(
        r"^(?P<key>[\w.-]+)/(?P<version>default|active|\d+)/preview\.docx$",
        document_views.document_preview,
        name="preview",
    ),
    path("<str:key>/<int:pk>/activate/", document_views.document_activate, name="activate"),
    path("<str:key>/revert/", document_views.document_revert, name="revert"),
]
