from typing import Any

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from shegong.core.api import require_capability
from shegong.core.scoping import get_visible_or_404

from .filters import UserFilterSet
from .models import User
from .roles import Cap

router = Router(tags=["账号"])


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    region_id: int | None
    unit_id: int | None
    is_active: bool
    phone_masked: str

    @staticmethod
    def resolve_role_label(obj: User) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_phone_masked(obj: User) -> str:
        return str(obj.phone)


class MeOut(UserOut):
    capabilities: list[str]
    jurisdiction: str

    @staticmethod
    def resolve_capabilities(obj: User) -> list[str]:
        return sorted(obj.capabilities)

    @staticmethod
    def resolve_jurisdiction(obj: User) -> str:
        return obj.jurisdiction_label


class UserFilter(FilterSchema):
    q: str | None = None
    role: str | None = None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    return request.user


@router.get("/users", response=list[UserOut])
@paginate
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    require_capability(request, Cap.ACCOUNTS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return UserFilterSet(data, queryset=User.objects.visible_to(request.user)).qs


@router.get("/users/{user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: int) -> Any:
    return get_visible_or_404(User, request.user, pk=user_id)
