"""Periodic job: the compliance engine (daily, after the coverage rules)."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def run_compliance_rules() -> dict[str, int]:
    from .services.engine import run_compliance

    return run_compliance().as_dict()


register_periodic("compliance.engine", run_compliance_rules, every="daily", at="02:40")
