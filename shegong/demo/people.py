"""Fictional people for the demo city: names, mobile numbers, the demo password.

Shared by ``generator`` (accounts) and ``appeals`` (petitioners); it imports neither, so the
two do not import each other (the acyclic contract in pyproject.toml).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

DEMO_PASSWORD = "Shegong@2026"  # noqa: S105 — printed for the demo; never used in production
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华国志海燕晓东红梅玉文博涵轩浩然欣怡思远佳宇航"
)


def random_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def random_mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "158", "186", "187", "135", "177", "199"]) + "".join(
        str(rng.randint(0, 9)) for _ in range(8)
    )


@contextmanager
def demo_password_hashed_once() -> Iterator[None]:
    """Every demo account gets ``DEMO_PASSWORD``: hash it once for the whole run.

    Argon2 (settings.PASSWORD_HASHERS) costs ~0.3 s of CPU and 100 MB per hash on purpose;
    the city demo creates ~400 accounts through ``accounts.services.create_user``, which
    was two minutes of hashing the same public password. Inside this block
    ``User.set_password(DEMO_PASSWORD)`` stores one argon2 hash (one salt) computed on first
    use; any other password is hashed as usual. Everything else about the accounts —
    validation, scope checks, the audit event — still goes through the service. Demo
    accounts sharing a salt reveals nothing: their password is printed on the screen.
    """
    from django.contrib.auth import base_user
    from django.contrib.auth.hashers import BasePasswordHasher

    namespace = vars(base_user)  # the name set_password() calls
    original = namespace["make_password"]
    hashed: list[str] = []

    def make_password(
        password: str | None, salt: str | None = None, hasher: str | BasePasswordHasher = "default"
    ) -> str:
        if password != DEMO_PASSWORD or salt is not None or hasher != "default":
            return original(password, salt, hasher)
        if not hashed:
            hashed.append(original(password))
        return hashed[0]

    namespace["make_password"] = make_password
    try:
        yield
    finally:
        namespace["make_password"] = original
