"""System checks that protect the foundation's invariants."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import Error, register

from .pii import BlindIndexField, EncryptedField
from .scoping import ScopedQuerySet


@register()
def check_personal_data_fields(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        for field in names.values():
            if isinstance(field, BlindIndexField):
                source = names.get(field.source)
                if not isinstance(source, EncryptedField):
                    errors.append(
                        Error(
                            f"{model.__name__}.{field.name} indexes {field.source!r}, "
                            "which is not an EncryptedField",
                            id="shegong.E001",
                        )
                    )
    return errors


@register()
def check_scoped_models(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for model in apps.get_models():
        if getattr(model, "scope", None) is None:
            continue
        if not isinstance(model._default_manager.all(), ScopedQuerySet):
            errors.append(
                Error(
                    f"{model.__name__} declares a Scope but its manager has no visible_to()",
                    id="shegong.E002",
                )
            )
    return errors


@register()
def check_retention(app_configs: object = None, **kwargs: object) -> list[Error]:
    """SHEGONG_RETENTION_DAYS names known kinds and keeps each at least its minimum."""
    from .retention import problems

    return [Error(text, id="shegong.E020") for text in problems()]
