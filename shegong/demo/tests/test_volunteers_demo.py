from __future__ import annotations

import pytest
from django.db.models import Sum

from shegong.core.models import AuditEvent
from shegong.demo.generator import generate
from shegong.demo.volunteers import SIZES
from shegong.volunteers import services
from shegong.volunteers.models import (
    Activity,
    AwardRecord,
    Certificate,
    EvaluationRecord,
    HoursEntry,
    Signup,
    TrainingRecord,
    Volunteer,
)

pytestmark = pytest.mark.django_db


def test_small_demo_volunteers_go_through_the_services() -> None:
    generate("small", log=lambda _m: None, appeals=20)  # the volunteers part is full size
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
    # training, award and evaluation records, through the services (audited)
    assert TrainingRecord.objects.filter(status="valid").exists()
    assert TrainingRecord.objects.filter(status="voided").count() == 1
    assert TrainingRecord.objects.filter(revision=2).count() == 1
    assert AwardRecord.objects.exists()
    assert EvaluationRecord.objects.filter(signup__isnull=False).exists()
    recorded = AuditEvent.objects.filter(action__startswith="volunteer_training_").count()
    assert recorded == TrainingRecord.objects.count() + 2  # + correction + void
    with_records = Certificate.objects.get(include_records=True)
    assert with_records.records
    assert services.verify_certificate(with_records.verify_code).genuine
