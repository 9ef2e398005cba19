"""Rendering a notice's text (the editable ``NoticeTemplate`` rows) — audited.

``render_notice`` is the only place the name is decrypted for a notice, and it audits
every call (``appeal_notice_generated``); user text only ever enters as a context *value*,
so it is printed, never evaluated as template code. One rendered line is one paragraph.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap

from ..models import Appeal, NoticeKind, NoticeTemplate
from .context import (
    RenderedNotice,
    check_notice_permission,
    notice_context,
    sample_context,
    unavailable_reason,
)

# Tags that reach outside the context (files, libraries, URLs, the whole context dump).
_FORBIDDEN_TAGS = re.compile(r"{%\s*(load|include|extends|debug|ssi|url)\b")

_ENGINE = Engine(autoescape=False, string_if_invalid="")


def validate_template_body(body: str) -> None:
    """Raise ValidationError (Chinese) unless ``body`` compiles and renders as a template."""
    match = _FORBIDDEN_TAGS.search(body or "")
    if match:
        raise ValidationError(
            f"文书模板不能使用 {{% {match[1]} %}} 标签，只能使用文档中列出的变量和基本标签",
            code="forbidden_tag",
        )
    try:
        template = _ENGINE.from_string(body or "")
    except TemplateSyntaxError as exc:
        raise ValidationError(
            f"文书模板语法错误：{exc}。"
            "请检查 {{ }} 与 {% %} 是否成对、标签和过滤器名称是否正确",
            code="template_syntax",
        ) from exc
    try:
        text = template.render(Context(sample_context(), autoescape=False))
    except Exception as exc:  # a filter may raise on the sample values
        raise ValidationError(f"文书模板无法生成：{exc}", code="template_render") from exc
    if not text.strip():
        raise ValidationError("文书模板生成的正文为空", code="template_empty")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render_notice(
    appeal: Appeal,
    kind: str,
    *,
    viewer: Any,
    fmt: str = "preview",
    now: datetime | None = None,
) -> RenderedNotice:
    """Render one notice of ``appeal`` for ``viewer`` and audit it.

    Reloads the appeal through ``visible_to(viewer)``; raises ``PermissionDenied`` when the
    role may not issue it, ``DomainError`` when the state does not allow it or the
    template is missing/broken. ``fmt`` is recorded in the audit event.
    """
    if kind not in NoticeKind.values:
        raise DomainError("未知的文书类型", code="notice_unknown")
    loaded = (
        Appeal.objects.visible_to(viewer)
        .select_related("policy", "region", "petitioner", "lead_unit")
        .filter(pk=appeal.pk)
        .first()
    )
    if loaded is None:
        raise DomainError("诉求不存在或不在您的管辖范围内", code="not_found")
    check_notice_permission(viewer, loaded, kind)
    why = unavailable_reason(loaded, kind)
    if why:
        raise DomainError(why, code="notice_unavailable")
    template = NoticeTemplate.objects.filter(kind=kind).first()
    if template is None:
        raise DomainError(f"尚未配置“{NoticeKind(kind).label}”的文书模板，请联系管理员")
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    context = notice_context(loaded, kind, viewer=viewer, issuer=template.issuer, today=today)
    try:
        text = _ENGINE.from_string(template.body).render(Context(context, autoescape=False))
    except TemplateSyntaxError as exc:
        raise DomainError(f"文书模板有误，请联系管理员修改：{exc}") from exc
    notice = RenderedNotice(
        title=template.title.strip(),
        paragraphs=_paragraphs(text),
        issuer=template.issuer.strip(),
        date=today,
        kind=kind,
        number=loaded.number,
        fields=context,
    )
    audit.record(
        "appeal_notice_generated",
        actor=viewer,
        target=loaded,
        at=now,
        changes={"kind": kind, "format": fmt},
    )
    return notice


def save_notice_template(*, actor: Any, template: NoticeTemplate) -> NoticeTemplate:
    """Create or change a template (admin), validated and audited."""
    if actor is None or not actor.has_capability(Cap.APPEALS_POLICY):
        raise PermissionDenied("您的角色不能修改文书模板")
    try:
        validate_template_body(template.body)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    fields = ["kind", "title", "body", "issuer"]
    with transaction.atomic():
        existing = (
            NoticeTemplate.objects.select_for_update().filter(pk=template.pk).first()
            if template.pk
            else None
        )
        before = audit.snapshot(existing, fields) if existing else {}
        template.save()
        audit.record(
            "notice_template_changed" if existing else "notice_template_created",
            actor=actor,
            target=template,
            changes=audit.diff(before, audit.snapshot(template, fields)),
        )
    return template
