"""Materialized-path trees (regions, units, party organizations later).

Every node stores ``path`` = ``/<ancestor segments>/<own segment>/``; the segment is the
pk by default, or a stable natural key (regions use their code, so a whole import can be
inserted in one ``bulk_create`` with paths known up front). A subtree is a half-open
string range ``[path, path + "~")`` — a plain B-tree range scan on SQLite and PostgreSQL
alike, which is what makes jurisdiction scoping (``core.scoping``) cheap at city scale.
Invariant: ``path`` of a node always starts with its parent's path; only
:func:`assign_path` and :func:`move_subtree` write it.

Copies of a node's path stored on other rows (a rollup limited by a path range without a
join) are declared with :func:`register_path_copy` — by the app that owns them, in its
``AppConfig.ready()``, so this layer never imports it — and :func:`move_subtree` rewrites
them in the same transaction and with the same prefix swap as the tree's own paths. A copy
meant "as at the time" (a fact of record) is not registered and keeps its old path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self, TypeVar

from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

PATH_END = "~"  # sorts after '/' and every digit


def subtree_q(prefix: str, field: str = "path") -> models.Q:
    """Q for all rows whose ``field`` lies in the subtree rooted at ``prefix``."""
    return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + PATH_END})


class TreeQuerySet(models.QuerySet):  # type arguments omitted on purpose: see pyproject.toml
    def descendants_of(self, node: TreeNode, *, include_self: bool = True) -> Self:
        qs = self.filter(subtree_q(node.path))
        return qs if include_self else qs.exclude(pk=node.pk)

    def ancestors_of(self, node: TreeNode, *, include_self: bool = False) -> Self:
        prefixes = path_prefixes(node.path)
        if not include_self:
            prefixes = prefixes[:-1]
        return self.filter(path__in=prefixes).order_by("depth")


class TreeNode(models.Model):
    """Abstract tree node; subclasses declare ``parent = ForeignKey("self", ...)``."""

    path = models.CharField("路径", max_length=255, blank=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级深度", default=0, editable=False)

    # Declared by each subclass as ``ForeignKey("self", null=True)``.
    parent: TreeNode | None
    parent_id: int | None

    class Meta:
        abstract = True

    def path_segment(self) -> str:
        """This node's own path segment (override for a natural key)."""
        return str(self.pk)

    def is_descendant_of(self, other: TreeNode) -> bool:
        return self.path.startswith(other.path)


N = TypeVar("N", bound=TreeNode)


def path_prefixes(path: str) -> list[str]:
    """``/a/b/c/`` → ``["/a/", "/a/b/", "/a/b/c/"]``."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def child_path(parent_path: str | None, segment: str) -> str:
    if "/" in segment or not segment:
        raise ValueError(f"invalid path segment {segment!r}")
    return f"{parent_path or '/'}{segment}/"


def depth_of(path: str) -> int:
    return path.count("/") - 2


@dataclass(frozen=True)
class PathCopy:
    """``model.field`` holds a copy of some tree node's ``path`` (whole, not a prefix)."""

    model: type[models.Model]
    field: str
    # Called in the move's transaction before the copies are rewritten: takes the lock the
    # copies' own writer holds (a rollup's sync), so a writer that read the old path either
    # commits before the rewrite (which then sees its rows) or reads the new path after.
    lock: Callable[[], object] | None = dataclasses.field(default=None, compare=False)


_PATH_COPIES: dict[type[models.Model], list[PathCopy]] = {}


def register_path_copy(
    tree: type[TreeNode],
    model: type[models.Model],
    field_name: str,
    lock: Callable[[], object] | None = None,
) -> None:
    """Declare that ``model.field_name`` copies the path of a ``tree`` node and follows
    moves: :func:`move_subtree` rewrites the copies of the moved subtree with the tree
    (idempotent: registering twice is registering once). ``lock``: see ``PathCopy``."""
    copy = PathCopy(model, field_name, lock)
    copies = _PATH_COPIES.setdefault(_concrete(tree), [])
    if copy not in copies:
        copies.append(copy)


def path_copies(tree: type[TreeNode]) -> tuple[PathCopy, ...]:
    return tuple(_PATH_COPIES.get(_concrete(tree), ()))


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model or model


def _swap_prefix(field: str, old_path: str, new_path: str) -> Concat:
    return Concat(Value(new_path), Substr(F(field), Length(Value(old_path)) + 1))


def assign_path(node: N) -> N:
    """Set path/depth from the parent and the node's segment, and store them."""
    parent_path = node.parent.path if node.parent_id and node.parent else "/"
    node.path = child_path(parent_path, node.path_segment())
    node.depth = depth_of(node.path)
    type(node)._base_manager.filter(pk=node.pk).update(path=node.path, depth=node.depth)
    return node


def move_subtree(node: N, new_parent: N | None) -> N:
    """Re-parent ``node`` (and/or re-key it) and rewrite its subtree's paths in one UPDATE,
    and the registered copies of them (:func:`register_path_copy`) in one UPDATE each."""
    if new_parent is not None and new_parent.path.startswith(node.path):
        raise ValueError("cannot move a node under its own subtree")
    model = type(node)
    old_path = node.path
    new_path = child_path(new_parent.path if new_parent else "/", node.path_segment())
    depth_shift = depth_of(new_path) - depth_of(old_path)
    with transaction.atomic():
        model._base_manager.filter(pk=node.pk).update(parent=new_parent)
        if new_path != old_path:
            model._base_manager.filter(subtree_q(old_path)).update(
                path=_swap_prefix("path", old_path, new_path),
                depth=F("depth") + depth_shift,
            )
            for copy in path_copies(model):
                if copy.lock is not None:
                    copy.lock()
                copy.model._base_manager.filter(subtree_q(old_path, copy.field)).update(
                    **{copy.field: _swap_prefix(copy.field, old_path, new_path)}
                )
    node.parent = new_parent
    node.path = new_path
    node.depth = depth_of(new_path)
    return node
