"""How audit events read on screen: Chinese action names and changes as "字段：旧 → 新".

An extension point, since core imports no domain app: each app keeps an ``audit_labels``
module (``shegong/<app>/audit_labels.py``) calling :func:`register_action_labels` (and
:func:`register_field_labels` for keys of ``changes`` that are not fields of the target
model). ``CoreConfig.ready`` imports every installed app's ``audit_labels`` module.

Field names come from the target model's ``verbose_name`` where the target model is known
(``AuditEvent.target_type`` is its ``app_label.model_name``); values of fields with choices
read as their labels. The stored event is not changed (it is hash-chained): this only reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

_ACTIONS: dict[str, str] = {}
_FIELDS: dict[str, str] = {}
_TARGETS: dict[str, str] = {}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def register_action_labels(labels: Mapping[str, str]) -> None:
    """Add ``action name → 中文`` labels (called from an app's ``audit_labels`` module)."""
    _ACTIONS.update(labels)


def register_field_labels(labels: Mapping[str, str]) -> None:
    """Add labels for keys of ``changes`` that are not fields of the target model."""
    _FIELDS.update(labels)


def register_target_labels(labels: Mapping[str, str]) -> None:
    """Names of audit targets that are not models (``appeals.ranking`` → 三率考核排名)."""
    _TARGETS.update(labels)


def action_labels() -> dict[str, str]:
    return dict(_ACTIONS)


def action_label(action: str) -> str:
    """The Chinese name of an action; an unregistered one reads as 其他操作."""
    return _ACTIONS.get(action, "其他操作")


def _model(target_type: str) -> type[models.Model] | None:
    if "." not in target_type:
        return None
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def model_label(target_type: str) -> str:
    """The Chinese name of an audit target type: the model's verbose_name, or a registered
    name for targets that are not models; "" if unknown."""
    model = _model(target_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return _TARGETS.get(target_type, "")


@lru_cache(maxsize=1)
def _fields_by_name() -> dict[str, list[models.Field[Any, Any]]]:
    """Every concrete field of every installed model, by name (for keys the target model
    does not have, e.g. ``role`` of a team membership recorded on the team)."""
    result: dict[str, list[models.Field[Any, Any]]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            result.setdefault(field.name, []).append(field)
    return result


@lru_cache(maxsize=1)
def _all_choices() -> dict[str, str]:
    """Choice value → label over every model field, for values whose label is unambiguous."""
    seen: dict[str, set[str]] = {}
    for fields in _fields_by_name().values():
        for field in fields:
            for value, label in field.flatchoices:
                if isinstance(value, str) and value:
                    seen.setdefault(value, set()).add(str(label))
    return {value: labels.pop() for value, labels in seen.items() if len(labels) == 1}


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except Exception:  # FieldDoesNotExist, or a reverse relation
            field = None
        if isinstance(field, models.Field) and field.concrete:
            return field
    return None


def _named(field: models.Field[Any, Any]) -> bool:
    """Whether the field has a verbose_name of its own (Django's default is the name)."""
    return str(field.verbose_name) != field.name.replace("_", " ")


def field_label(key: str, model: type[models.Model] | None = None) -> str:
    field = _field(model, key)
    if field is not None and _named(field):
        return str(field.verbose_name)
    if key in _FIELDS:
        return _FIELDS[key]
    for other in _fields_by_name().get(key, []):
        if _named(other):
            return str(other.verbose_name)
    return key


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _codes_to_labels(text: str) -> str:
    """Codes inside a text (``people_suggestion v1``, an action name) read as their labels."""

    def one(match: re.Match[str]) -> str:
        code = match.group(0)
        return _ACTIONS.get(code) or _all_choices().get(code) or code

    return _CODE.sub(one, text)


def value_text(value: Any, key: str = "", model: type[models.Model] | None = None) -> str:
    """One value as a person reads it."""
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(value_text(v, key, model) for v in value) if value else "无"
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(k, model)}：{value_text(v, k, model)}" for k, v in value.items()
        )
    if isinstance(value, str):
        return _string_text(value, key, model)
    return str(value)


def _string_text(value: str, key: str, model: type[models.Model] | None) -> str:
    if _ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    field = _field(model, key)
    if field is not None and field.choices:
        return {str(v): str(lbl) for v, lbl in field.flatchoices}.get(value, value)
    if isinstance(field, models.CharField | models.TextField):
        return value  # as typed: a user name that looks like a code stays as it is
    for candidate in _fields_by_name().get(key, []):
        label = {str(v): str(lbl) for v, lbl in candidate.flatchoices}.get(value)
        if label is not None:
            return label
    if field is None and value in _all_choices():
        return _all_choices()[value]
    return _codes_to_labels(value)


def change_lines(changes: Any, target_type: str = "") -> list[str]:
    """``changes`` as lines: ``字段：旧 → 新`` for a change, ``字段：值`` for a plain fact."""
    if not changes:
        return []
    if not isinstance(changes, dict):
        return [value_text(changes)]
    model = _model(target_type)
    lines: list[str] = []
    for key, value in changes.items():
        label = field_label(key, model)
        if isinstance(value, list) and len(value) == 2 and not _is_plain_list(key, model):
            before, after = value
            if before is None or before == "":
                lines.append(f"{label}：{value_text(after, key, model)}")
            else:
                lines.append(
                    f"{label}：{value_text(before, key, model)} → {value_text(after, key, model)}"
                )
        else:
            lines.append(f"{label}：{value_text(value, key, model)}")
    return lines


# Keys whose value is a list of items, not a [before, after] pair.
_PLAIN_LISTS = {"assist", "appeals", "created_codes_sample", "codes", "ids", "numbers"}


def _is_plain_list(key: str, model: type[models.Model] | None) -> bool:
    return key in _PLAIN_LISTS


_LEGACY_SEGMENT = re.compile(r"^([a-z][a-z0-9_]*): (.*?) → (.*)$", re.S)
_LEGACY_VALUES: dict[str, Any] = {"None": None, "True": True, "False": False}


def legacy_change_text(text: str, target_type: str) -> str:
    """Text written before the labels existed (``formal_members: 7 → 9；note:  → x``) as
    ``正式党员数：7 → 9；备注：x``; any other text is returned unchanged."""
    segments = text.split("；")
    if not all(_LEGACY_SEGMENT.match(segment) for segment in segments):
        return text
    changes: dict[str, list[Any]] = {}
    for segment in segments:
        match = _LEGACY_SEGMENT.match(segment)
        assert match is not None
        key, before, after = match.groups()
        changes[key] = [_LEGACY_VALUES.get(before, before), _LEGACY_VALUES.get(after, after)]
    return "；".join(change_lines(changes, target_type))
