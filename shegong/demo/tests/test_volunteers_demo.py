from __future__ import annotations

import pytest
from django.db.models import Sum

from shegong.demo.generator import generate
from shegong.demo.volunteers import SIZES
from shegong.volunteers import services
from shegong.volunteers.models import Activity, Certificate, HoursEntry, Signup, Volunteer

pytestmark = pytest.mark.django_db


def test_small_demo_volunteers_go_through_the_services() -> None:
    generate("small", log=lambda _m: None)
    assert Volunteer.objects.count() == SIZES["small"].volunteers
    assert Activity.objects.filter(status="published").exists()
    assert Signup.objects.filter(attendance="confirmed").exists()
    assert Signup.objects.filter(status="waitlisted").exists()
    assert Certificate.objects.exists()
    assert services.verify_ledger(save=False).ok
    ledger = HoursEntry.objects.aggregate(s=Sum("hours"))["s"]
    assert Volunteer.objects.aggregate(s=Sum("total_hours"))["s"] == ledger
    for cert in Certificate.objects.all():
        assert services.verify_certificate(cert.verify_code).genuine
