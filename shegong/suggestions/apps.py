from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "shegong.suggestions"
    label = "suggestions"
    verbose_name = "人民建议征集"

    def ready(self) -> None:
        from shegong.appeals import hooks
        from shegong.core.nav import NavItem, register
        from shegong.core.panels import register_panel
        from shegong.core.roles import Cap

        from .cockpit import SuggestionsPanel
        from .extensions import link_evaluation, portal, scrub_evaluation

        register_panel(SuggestionsPanel())  # the cockpit's panel (docs/cockpit.md)

        # The citizen portal (appeals) offers 公开同意 and 征集主题 links through this.
        hooks.portal_publication.register(portal)
        hooks.appeal_page_links.register(link_evaluation)
        hooks.appeal_anonymised.register(scrub_evaluation)

        register(
            NavItem("群众诉求", "人民建议", "suggestions:list", Cap.SUGGESTIONS_VIEW, order=40),
            NavItem("群众诉求", "征集主题", "suggestions:themes", Cap.SUGGESTIONS_VIEW, order=45),
            NavItem(
                "群众诉求", "公开管理", "suggestions:publication", Cap.PUBLICATION_MANAGE, order=50
            ),
        )
