from django.urls import path

from . import views, views_accountability, views_register, views_workbench

app_name = "appeals"

urlpatterns = [
    path("", views_workbench.workbench, name="workbench"),
    path("bulk-dispatch/", views_workbench.bulk_dispatch, name="bulk-dispatch"),
    path("search/", views.search, name="search"),
    path("export/", views.export, name="export"),
    path("new/", views_register.register, name="register"),
    path("new/regions/", views_register.region_cascade_view, name="region-cascade"),
    path("new/regions/search/", views_register.region_search_view, name="region-search"),
    path("policies/", views.policies, name="policies"),
    path("supervisions/", views_accountability.supervisions, name="supervisions"),
    path("supervisions/<int:pk>/", views_accountability.supervision, name="supervision"),
    path("ranking/", views_accountability.ranking, name="ranking"),
    path("ranking/drill/", views_accountability.drill, name="drill"),
    path("ranking/contest/<int:fact_id>/", views_accountability.contest, name="contest"),
    path("score-appeals/", views_accountability.score_appeals, name="score-appeals"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/identity/<int:petitioner_id>/<str:field>/", views.reveal, name="reveal"),
    path("<int:pk>/text/<str:field>/", views.reveal_text, name="reveal-text"),
    path("<int:pk>/attachments/<str:token>/", views.attachment, name="attachment"),
]
