"""One OpenAPI schema name, one model: ninja files every body and response model under its
class name, so two different classes of one name share one entry and the API documents (and
schemathesis checks) one of them for both — the other's answers then "violate" their schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import get_args

from ninja.constants import NOT_SET
from pydantic import BaseModel


def _models_in(annotation: object, seen: set[type]) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation, seen)
    for arg in get_args(annotation):
        yield from _models_in(arg, seen)


def documented_models() -> Iterator[tuple[str, type[BaseModel]]]:
    """(operation, model) for every model a body or an answer of the API is made of."""
    from django.urls import get_resolver

    from shegong.core.api import api

    assert get_resolver().url_patterns  # the apps' routers are mounted with the URLs
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                label = f"{','.join(operation.methods)} {path}"
                roots = [m for m in operation.models if m.__ninja_param_source__ == "body"]
                roots += [m for m in operation.response_models.values() if m is not NOT_SET]
                for root in roots:
                    seen: set[type] = set()
                    for field in root.model_fields.values():
                        for model in _models_in(field.annotation, seen):
                            yield label, model


def test_every_schema_name_is_one_model() -> None:
    by_name: dict[str, dict[str, str]] = {}
    for label, model in documented_models():
        shape = json.dumps(model.model_json_schema(), sort_keys=True, default=str)
        by_name.setdefault(model.__name__, {}).setdefault(shape, label)
    shared = {name: sorted(shapes.values()) for name, shapes in by_name.items() if len(shapes) > 1}
    assert shared == {}, shared
