"""What a person reads from a ``shegong`` command is Chinese: its --help, its output and
its errors (``错误：…``, not Django's ``CommandError: …``)."""

from __future__ import annotations

import re

import pytest
from django.core.management import get_commands, load_command_class

from shegong.core.management.base import Command as ShegongCommand
from shegong.core.tests.test_no_english import english_words

# Our commands: every management command that lives in a shegong app.
OURS = sorted(name for name, app in get_commands().items() if app.startswith("shegong."))
# Option names, metavars, choices and defaults are typed, not read: not words to translate.
TYPED = re.compile(r"(?<!\w)--?[\w-]+|\bX-[\w-]+|\b[A-Z_]{2,}\b|\{[^}]*\}|\[[^\]]*\]|%\(\w+\)s")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # no wrapping inside "X-Forwarded-Proto"


def _help_text(name: str) -> str:
    command = load_command_class(get_commands()[name], name)
    return command.create_parser("shegong", name).format_help()


def test_the_scan_finds_our_commands() -> None:
    assert {"verify_audit", "serve", "demo", "verify_volunteer_ledger", "triage"} <= set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_every_command_says_its_help_in_chinese(name: str) -> None:
    command = load_command_class(get_commands()[name], name)
    assert isinstance(command, ShegongCommand)
    text = TYPED.sub(" ", _help_text(name))
    allowed = {"shegong", name, *name.split("_"), "Python", "python", "waitress", "cron"}
    allowed |= {"auto", "small", "city", "metro", "init", "status", "add", "train"}
    allowed |= {"evaluate", "routing", "load", "boundaries"}  # sub-command names, typed as they are
    allowed |= {"Redis", "RQ", "supervisor", "systemd"}  # product names
    assert english_words(text) - allowed == set(), text


def test_help_keeps_the_usage_line_in_chinese() -> None:
    text = _help_text("verify_audit")
    assert text.startswith("用法：shegong verify_audit")
    assert "选项" in text
    assert "显示本帮助后退出" in text


@pytest.mark.django_db
def test_verify_audit_reports_in_chinese(world, capsys, monkeypatch) -> None:
    from django.core.management import base
    from django.db import connection

    # run_from_argv closes the connections when it ends; the test database must stay open.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    command = load_command_class("shegong.core", "verify_audit")
    command.run_from_argv(["shegong", "verify_audit"])
    assert capsys.readouterr().out.strip().startswith("审计链完整：已校验")

    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET note = 'forged' WHERE seq = 3")
    command = load_command_class("shegong.core", "verify_audit")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["shegong", "verify_audit"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == "错误：审计链异常：第 3 条记录的内容被改动"


def test_the_shegong_front_prints_chinese_help(capsys) -> None:
    from shegong.cli import main

    main(["--help"])
    out = capsys.readouterr().out
    assert "启动网页服务" in out
    assert english_words(TYPED.sub(" ", out)) - {"shegong", "serve", "demo", "help"} <= {
        "migrate",
        "createsuperuser",
        "worker",
        "scheduler",
        "verify",
        "audit",
        "rotate",
        "backup",
        "restore",
        "keys",
        "small",
        "city",
        "metro",
        "size",
        "host",
        "port",
        "anonymise",
        "appeals",
    }
