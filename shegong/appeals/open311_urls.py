"""Open311 GeoReport v2 routes, mounted at ``open311/v2/`` (see docs/open311.md).

Every resource carries its format as an extension (``services.json``); anything else under
the prefix answers 404 in the spec's error format.
"""

from django.urls import re_path

from . import open311

app_name = "open311"

FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^services" + FORMAT, open311.services_view, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+)" + FORMAT,
        open311.service_definition_view,
        name="service",
    ),
    re_path(r"^requests" + FORMAT, open311.requests_view, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)" + FORMAT,
        open311.request_view,
        name="request",
    ),
    re_path(r"^", open311.not_found_view, name="not-found"),
]
