from django.contrib import admin
from django.urls import include, path

from shegong.accounts.api import router as accounts_router
from shegong.appeals.api import router as appeals_router
from shegong.cockpit.api import router as cockpit_router
from shegong.compliance.api import router as compliance_router
from shegong.core.api import api
from shegong.core.api_routes import router as core_router
from shegong.dues.api import router as dues_router
from shegong.members.api import router as members_router
from shegong.organizations.api import router as organizations_router
from shegong.orglife.api import router as orglife_router
from shegong.regions.api import router as regions_router
from shegong.reports.api import router as reports_router
from shegong.serving.api import router as serving_router
from shegong.study.api import router as study_router
from shegong.suggestions.api import router as suggestions_router
from shegong.talent.api import router as talent_router
from shegong.transfers.api import router as transfers_router
from shegong.triage.api import router as triage_router
from shegong.units.api import router as units_router
from shegong.volunteers.api import router as volunteers_router

api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", units_router)
api.add_router("/", appeals_router)
api.add_router("/", suggestions_router)
api.add_router("/", triage_router)
api.add_router("/", organizations_router)
api.add_router("/", volunteers_router)
api.add_router("/", members_router)
api.add_router("/", transfers_router)
api.add_router("/", dues_router)
api.add_router("/", orglife_router)
api.add_router("/", study_router)
api.add_router("/", compliance_router)
api.add_router("/", serving_router)
api.add_router("/", talent_router)
api.add_router("/", cockpit_router)
api.add_router("/", reports_router)

admin.site.site_header = "社工平台 · 系统管理"
admin.site.site_title = "社工平台"

urlpatterns = [
    path("", include("shegong.core.urls")),
    path("accounts/", include("shegong.accounts.urls")),
    path("regions/", include("shegong.regions.urls")),
    path("units/", include("shegong.units.urls")),
    path("documents/", include("shegong.core.document_urls")),
    path("portal/", include("shegong.appeals.portal_urls")),
    path("portal/", include("shegong.suggestions.portal_urls")),
    path("appeals/", include("shegong.appeals.notice_urls")),
    path("appeals/", include("shegong.appeals.urls")),
    path("suggestions/", include("shegong.suggestions.urls")),
    path("triage/", include("shegong.triage.urls")),
    path("organizations/", include("shegong.organizations.urls")),
    path("volunteers/", include("shegong.volunteers.urls")),
    path("volunteer/", include("shegong.volunteers.portal_urls")),
    path("members/", include("shegong.members.urls")),
    path("transfers/", include("shegong.transfers.urls")),
    path("dues/", include("shegong.dues.urls")),
    path("orglife/", include("shegong.orglife.urls")),
    path("study/", include("shegong.study.urls")),
    path("compliance/", include("shegong.compliance.urls")),
    path("privacy/", include("shegong.privacy.urls")),
    path("serving/", include("shegong.serving.urls")),
    path("talent/", include("shegong.talent.urls")),
    path("cockpit/", include("shegong.cockpit.urls")),
    path("reports/", include("shegong.reports.urls")),
    path("api/", api.urls),
    path("open311/v2/", include("shegong.appeals.open311_urls")),
    path("admin/", admin.site.urls),
]
