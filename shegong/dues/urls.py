from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/<int:pk>/", views.org_page, name="org"),
    path("orgs/<int:pk>/export/", views.org_export, name="org-export"),
    path("orgs/<int:pk>/copy-forward/", views.copy_forward, name="copy-forward"),
    path("members/<int:pk>/", views.member_page, name="member"),
    path("members/<int:pk>/assess/", views.assess, name="assess"),
    path("members/<int:pk>/pay/", views.pay, name="pay"),
    path("payments/<int:pk>/reverse/", views.reverse, name="reverse"),
    path("assessments/<int:pk>/hardship/", views.hardship_propose, name="hardship-propose"),
    path("hardships/", views.hardship_list, name="hardships"),
    path("hardships/<int:pk>/decide/", views.hardship_decide, name="hardship-decide"),
    path("import/", views.import_bases, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/errors/", views.import_errors, name="import-errors"),
]
