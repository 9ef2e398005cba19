"""Periodic job: forget idle login-throttle rows (throttle.purge_idle), hourly."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def purge_login_throttle() -> dict[str, int]:
    from .throttle import purge_idle

    return {"deleted": purge_idle()}


register_periodic("accounts.purge_login_throttle", purge_login_throttle, every="hourly")
