"""Serving pages at ``/serving/``: staff pages behind login and capability, portal pages
(``wish/``, ``confirm/``, ``nearby/``, ``checkin/``) for residents and volunteers."""

from django.urls import URLPattern, URLResolver, path

from .views import orders, portal, reports

app_name = "serving"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", orders.order_list, name="orders"),
    path("orders/new/", orders.order_new, name="order-new"),
    path("orders/<int:pk>/", orders.order_detail, name="order"),
    # before the actions' pattern, which would take "photos", "contact" and "checkout" as an action
    path("orders/<int:pk>/photos/", orders.order_photo, name="order-photo"),
    path("orders/<int:pk>/contact/", orders.order_contact, name="order-contact"),
    path("orders/<int:pk>/checkout/", orders.order_checkout, name="order-checkout"),
    path("orders/<int:pk>/<str:action>/", orders.order_action, name="order-action"),
    path("convert/<int:appeal_pk>/", orders.convert, name="convert"),
    path("photos/<str:token>/", orders.photo, name="photo"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/new/", reports.report_new, name="report-new"),
    path("reports/<int:pk>/end/", reports.report_end, name="report-end"),
    path("reports/back/", reports.report_back, name="report-back"),
    path("figures/", reports.figures_page, name="figures"),
    path("policy/", reports.policy, name="policy"),
    # portal (residents; volunteers signed in on the volunteer portal)
    path("wish/", portal.wish, name="wish"),
    path("sms-code/", portal.sms_code, name="sms-code"),
    path("confirm/<str:number>/", portal.confirm, name="confirm"),
    path("nearby/", portal.nearby, name="nearby"),
    path("nearby/<int:pk>/", portal.order, name="portal-order"),
    path("checkin/<str:token>/", portal.checkin, name="checkin"),
]
