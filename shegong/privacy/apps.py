from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Cross-cutting personal-data duties (个人信息保护法): a person's data on lawful request.
    At the top of the layers: it reads appeals, volunteers and members."""

    name = "shegong.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from shegong.core.nav import NavItem, register
        from shegong.core.roles import Cap

        from .services import may_request

        register(
            NavItem(
                "系统",
                "个人信息查阅申请",
                "privacy:person-request",
                Cap.PRIVACY_REQUEST,
                order=80,
                when=may_request,
            ),
        )
