"""The one jurisdiction-and-role scoping mechanism of Shegong.

Every list, detail, API endpoint, export, cockpit figure and user-triggered task starts
from ``Model.objects.visible_to(user)``. A model opts in by using :class:`ScopedQuerySet`
and declaring a :class:`Scope`::

    class UnitQuerySet(ScopedQuerySet, TreeQuerySet): ...

    class Unit(TreeNode):
        scope = Scope(capability="units.view", region="region", unit="")
        objects = UnitQuerySet.as_manager()

``region``/``unit`` name the relation path from the model to a Region/Unit (``""`` means
the row *is* the Region/Unit). A row is visible when the user holds the capability and the
row lies in the user's region subtree **or** in the user's unit subtree. A user whose
region is the root of the tree (the city) sees the whole city. Superusers see everything.

Out of scope means 404, never 403 (see :func:`get_visible_or_404`): we do not reveal that
a row exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DataError, models
from django.http import Http404

from .tree import subtree_q

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class ScopedUser(Protocol):
    """What scoping needs from a user (``accounts.User`` implements it).

    Read-only members (properties), so a model field, a plain attribute or a
    ``cached_property`` all satisfy them.
    """

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    @property
    def scope_region_path(self) -> str | None: ...

    @property
    def scope_unit_path(self) -> str | None: ...

    @property
    def has_citywide_scope(self) -> bool: ...

    def has_capability(self, capability: str, /) -> bool: ...


class Actor(ScopedUser, Protocol):
    """Who performs a service call, as far as ``core`` needs to know: a signed-in staff
    member (``accounts.User`` implements it; the end of ``accounts/models.py`` has mypy
    prove it).

    Core's helpers (audit, export records, personal-data reveal, staging, notices) take an
    ``Actor``; services of the apps above ``accounts`` take ``accounts.models.User``, which
    also has the region/unit rows.
    """

    @property
    def pk(self) -> int: ...

    @property
    def role(self) -> str: ...

    def get_username(self) -> str: ...


def signed_in(user: Actor | AnonymousUser | None) -> Actor:
    """``user`` as an :class:`Actor`; ``PermissionDenied`` for ``None`` and anonymous users.

    Core's helpers accept ``request.user`` as it is (views behind login should take
    ``accounts.http.AuthedHttpRequest``, whose ``user`` is already an actor) and call this.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    return user


def active_user(user: ScopedUser | AnonymousUser | None) -> ScopedUser | None:
    """``user`` if it is a signed-in, active user, else ``None``."""
    if user is None or isinstance(user, AnonymousUser):
        return None
    if not user.is_authenticated or not user.is_active:
        return None
    return user


@dataclass(frozen=True)
class Scope:
    """How a model relates to jurisdictions.

    capability: what the user's role must allow to see rows of this model at all.
    region / unit: relation paths (or ``""`` for self) to a Region / Unit; None if the
    model has no such link. Several paths may be given as a tuple (any one matching).
    """

    capability: str | None
    region: str | Sequence[str] | None = None
    unit: str | Sequence[str] | None = None
    # A column on the model itself holding a region path string (e.g. audit events keep
    # the path of their target at the time they were written).
    region_path_column: str | None = None
    # Extra conditions on the row a path goes through, keyed by the path: e.g. a team sees
    # a volunteer only through a membership that has not ended,
    # ``{"memberships__team__unit": {"memberships__left_at": None}}``. Applied in the same
    # filter as the subtree test, so both hold for the same related row.
    path_filters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _paths(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _prefix(path: str) -> str:
    return f"{path}__path" if path else "path"


class ScopedQuerySet(models.QuerySet):  # type arguments omitted on purpose: see pyproject.toml
    """QuerySet with the ``visible_to(user)`` predicate."""

    def visible_to(self, user: ScopedUser | AnonymousUser | None) -> Self:
        scope: Scope | None = getattr(self.model, "scope", None)
        if scope is None:
            raise TypeError(f"{self.model.__name__} declares no Scope")
        user = active_user(user)
        if user is None:
            return self.none()
        if user.is_superuser:
            return self
        if scope.capability and not user.has_capability(scope.capability):
            return self.none()
        if user.has_citywide_scope:
            return self
        condition = models.Q()
        matched = False
        region_path = user.scope_region_path
        unit_path = user.scope_unit_path
        multi_valued = False
        for path, rels in ((region_path, scope.region), (unit_path, scope.unit)):
            if not path:
                continue
            for rel in _paths(rels):
                filters = scope.path_filters.get(rel, {})
                semi_join = _semi_join_q(self.model, rel, path, filters)
                if semi_join is not None:
                    condition |= semi_join
                else:
                    condition |= subtree_q(path, _prefix(rel)) & models.Q(**filters)
                    multi_valued |= _is_multi_valued(self.model, rel)
                matched = True
        if scope.region_path_column and region_path:
            condition |= subtree_q(region_path, scope.region_path_column)
            matched = True
        if not matched:
            return self.none()
        if multi_valued:
            inner = self.model._base_manager.filter(condition).values("pk")
            return self.filter(pk__in=inner)
        return self.filter(condition)


def _semi_join_q(
    model: type[models.Model], rel: str, path: str, filters: Mapping[str, object]
) -> models.Q | None:
    """The condition "``rel`` leads into the subtree of ``path``" as semi-joins.

    Each multi-valued hop of ``rel`` (a reverse foreign key: ``work_orders``, ``reviews``,
    ``memberships``, ``appeals``) becomes ``<key> IN (SELECT <fk> FROM <related table>
    WHERE <rest of the path>)``, so the database can start from the related table's
    unit/region rows (through their path index) instead of joining every row of this
    model with every related row. The rel's ``path_filters`` go into the subquery of the
    hop they name, relative to the related model, so they hold for the same related row
    as the subtree test (as in the joined form). Semantics are those of the joined form:
    a row matches iff some chain of related rows satisfies the subtree test and the
    filters.

    Returns None when the path has no multi-valued hop (the plain condition is already a
    join on single-valued relations) or a hop that this rewrite does not cover (a
    many-to-many relation, a generic relation, a filter on another branch): the caller
    then keeps the joined form.
    """
    parts = [p for p in rel.split("__") if p]
    current: type[models.Model] | None = model
    for i, part in enumerate(parts):
        if current is None:
            return None
        field = current._meta.get_field(part)
        if not (field.many_to_many or field.one_to_many):
            current = _related_model(field)
            continue
        if isinstance(field, models.ManyToManyField):
            return _m2m_semi_join_q(field, parts, i, path, filters)
        fk = getattr(field, "field", None)
        if not (
            isinstance(field, models.ManyToOneRel)
            and not field.many_to_many
            and isinstance(fk, models.ForeignKey)
        ):
            return None
        hop = "__".join(parts[: i + 1]) + "__"
        if any(not key.startswith(hop) for key in filters):
            return None
        inner_filters = {key[len(hop) :]: value for key, value in filters.items()}
        related = _related_model(field)
        if related is None:
            return None
        rest = "__".join(parts[i + 1 :])
        inner = _semi_join_q(related, rest, path, inner_filters)
        if inner is None:
            inner = subtree_q(path, _prefix(rest)) & models.Q(**inner_filters)
            if _is_multi_valued(related, rest):
                return None
        keys = related._base_manager.filter(inner).values(fk.attname)
        target = "__".join([*parts[:i], fk.target_field.name, "in"])
        return models.Q(**{target: keys})
    return None


def _m2m_semi_join_q(
    field: models.ManyToManyField,
    parts: list[str],
    i: int,
    path: str,
    filters: Mapping[str, object],
) -> models.Q | None:
    """A forward many-to-many hop (``Supervision.appeals``) as two semi-joins: ``key IN
    (SELECT source_id FROM through WHERE target_id IN (<the related rows in scope>))``;
    the same rows as the join through the link table. None (keep the joined form) when the
    path has ``path_filters``."""
    if filters:
        return None
    related = _related_model(field)
    through = getattr(field.remote_field, "through", None)
    if related is None or not (isinstance(through, type) and issubclass(through, models.Model)):
        return None
    source = through._meta.get_field(field.m2m_field_name())
    target = through._meta.get_field(field.m2m_reverse_field_name())
    if not (isinstance(source, models.ForeignKey) and isinstance(target, models.ForeignKey)):
        return None
    rest = "__".join(parts[i + 1 :])
    inner = _semi_join_q(related, rest, path, {})
    if inner is None:
        if _is_multi_valued(related, rest):
            return None
        inner = subtree_q(path, _prefix(rest))
    related_keys = related._base_manager.filter(inner).values(target.target_field.attname)
    keys = through._base_manager.filter(**{f"{target.attname}__in": related_keys}).values(
        source.attname
    )
    return models.Q(**{"__".join([*parts[:i], source.target_field.name, "in"]): keys})


def _related_model(field: object) -> type[models.Model] | None:
    related = getattr(field, "related_model", None)
    if isinstance(related, type) and issubclass(related, models.Model):
        return related
    return None


def _is_multi_valued(model: type[models.Model], rel: str) -> bool:
    current: Any = model
    for part in [p for p in rel.split("__") if p]:
        field = current._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        current = field.related_model
    return False


_M = TypeVar("_M", bound=models.Model)


def get_visible_or_404(
    model: type[_M], user: ScopedUser | AnonymousUser | None, **lookup: object
) -> _M:
    """Fetch one row through the user's scope; anything else is a 404 (never a 403).

    The model's default manager must be scoped (system check ``shegong.E002``)."""
    rows = model._default_manager.all()
    if not isinstance(rows, ScopedQuerySet):
        raise TypeError(f"{model.__name__} declares no Scope")
    try:
        row: _M = rows.visible_to(user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError, DataError) as exc:
        # A key no row can have (text, a number beyond the column) is a 404 as well.
        raise Http404 from exc
    return row
