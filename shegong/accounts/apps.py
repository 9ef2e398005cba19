from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shegong.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register

        from .roles import Cap

        register(
            NavItem("系统", "用户管理", "accounts:user-list", Cap.ACCOUNTS_VIEW, order=10),
            NavItem("系统", "双因素认证", "accounts:otp-enrol", None, order=85),
            NavItem("系统", "API 令牌", "accounts:token-list", None, order=90),
        )
