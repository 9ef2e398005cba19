"""Fictional people for the demo city: names, mobile numbers, the demo password.

Shared by ``generator`` (accounts) and ``appeals`` (petitioners); it imports neither, so the
two do not import each other (the acyclic contract in pyproject.toml).
"""

from __future__ import annotations

import random

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
