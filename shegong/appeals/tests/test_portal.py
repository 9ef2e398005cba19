"""The public citizen portal: submit with SMS verification, receipt once, track, add info."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from shegong.appeals.choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    EventKind,
    Stream,
    TimeUnit,
)
from shegong.appeals.models import Appeal, AppealEvent, AppealPolicy, PolicyClock
from shegong.appeals.services import workflow as wf
from shegong.core.notify import ConsoleSmsSender
from shegong.core.pii import plain

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
SUBMIT = "/portal/submit/"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def citizen() -> Client:
    return Client()


def last_code(phone: str = PHONE) -> str:
    texts = [text for to, text in ConsoleSmsSender.outbox if to == phone]
    assert texts, f"no SMS to {phone}"
    match = re.search(r"验证码是(\d{6})", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def form_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "action": "submit",
        "stream": Stream.HOTLINE,
        "token": str(uuid.uuid4()),
        "kind": AppealKind.HL_COMPLAINT,
        "title": "小区路灯不亮",
        "body": "北一社区3号楼前路灯坏了两周，晚上出行不安全。",
        "district": str(world.district.pk),
        "street": str(world.north.pk),
        "community": str(world.north_one.pk),
        "address": "幸福路12号3号楼东侧",
        "name": "张小明",
        "phone": PHONE,
        "sms_code": "",
        "id_number": "",
    }
    data.update(overrides)
    return data


def send_code(client: Client, phone: str = PHONE, **extra: Any) -> Any:
    return client.post("/portal/sms-code/", {"phone": phone}, HTTP_HX_REQUEST="true", **extra)


def submit(client: Client, world: Any, verify: bool = True, **overrides: Any) -> Any:
    data = form_data(world, **overrides)
    if verify and data["phone"] and not data["sms_code"]:
        send_code(client, data["phone"])
        data["sms_code"] = last_code(data["phone"])
    return client.post(f"{SUBMIT}?stream={data['stream']}", data)


def submit_and_read_receipt(client: Client, world: Any, **overrides: Any) -> tuple[str, str]:
    response = submit(client, world, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/portal/receipt/"
    page = client.get("/portal/receipt/").content.decode()
    number = re.search(r'data-testid="receipt-number">([A-Z0-9]+)<', page).group(1)
    code = re.search(r'data-testid="receipt-code">([A-Z0-9]{8})<', page).group(1)
    return number, code


def track(client: Client, number: str, code: str, **extra: Any) -> Any:
    return client.post(
        "/portal/track/", {"action": "lookup", "number": number, "code": code}, **extra
    )


# --- home ------------------------------------------------------------------------------------


def test_home_lists_the_four_choices_with_clocks_from_the_policies(world, citizen) -> None:
    page = citizen.get("/portal/").content.decode()
    for label in ("我要反映问题（12345）", "我要信访", "我要提建议（人民建议）", "查询办理进度"):
        assert label in page
    assert 'class="sg-portal"' in page
    assert "示范市群众诉求服务" in page
    assert "您的个人信息依法加密保存，仅用于办理您的诉求" in page
    assert "15日内告知您是否受理" in page  # 信访工作条例 default
    assert "2小时内受理，即时派单" in page  # hotline default
    # A new city-wide version changes what citizens read: nothing is hard-coded.
    policy = AppealPolicy.objects.create(
        kind=AppealKind.XF_CLAIM,
        version=99,
        effective_from=timezone.now() - timedelta(minutes=1),
        name="测试版本",
    )
    PolicyClock.objects.create(
        policy=policy, key=ClockKey.TRIAGE, value=10, unit=TimeUnit.WORKING_DAY
    )
    page = citizen.get("/portal/").content.decode()
    assert "10个工作日内告知您是否受理" in page
    assert "http://" not in page
    assert "https://" not in page


def test_unknown_stream_goes_back_home(world, citizen) -> None:
    response = citizen.get(f"{SUBMIT}?stream=nonsense")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_submit_form_shows_the_kinds_of_its_stream_and_a_token(world, citizen) -> None:
    page = citizen.get(f"{SUBMIT}?stream=xf").content.decode()
    assert "申诉求决" in page
    assert "检举控告" in page
    assert "投诉" not in page
    assert "被检举" not in page  # the accused unit is recorded by staff, not asked here
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', page).group(1)
    assert uuid.UUID(token)
    assert "获取验证码" in page
    assert "请对我的身份保密" in page


# --- submit, receipt ---------------------------------------------------------------------------


def test_submit_with_sms_verification_and_receipt_shown_once(world, citizen) -> None:
    response = send_code(citizen)
    assert "验证码已发送至 139****5678" in response.content.decode()
    number, code = submit_and_read_receipt(citizen, world, sms_code=last_code())
    appeal = Appeal.objects.get(number=number)
    assert appeal.channel == Channel.PORTAL
    assert appeal.registered_by is None
    assert appeal.proxied_by is None
    assert appeal.region == world.north_one
    assert appeal.petitioner.phone_verified_at is not None
    assert plain(appeal.petitioner.phone) == PHONE
    assert len(code) == 8
    # Shown once: the session copy is gone after the first view.
    again = citizen.get("/portal/receipt/").content.decode()
    assert code not in again
    assert number not in again
    assert "回执已显示过" in again


def test_receipt_states_the_statutory_next_step_from_the_policy(world, citizen) -> None:
    submit(
        citizen,
        world,
        stream=Stream.PETITION,
        kind=AppealKind.XF_CLAIM,
        title="拖欠补偿款",
    )
    page = citizen.get("/portal/receipt/").content.decode()
    assert "请截图或记下查询码" in page
    assert "我们将在15日内告知您是否受理" in page
    assert "信访工作条例" in page  # the legal basis of the clock


def test_double_submit_with_the_same_token_makes_one_appeal(world, citizen) -> None:
    data = form_data(world)
    send_code(citizen)
    data["sms_code"] = last_code()
    first = citizen.post(f"{SUBMIT}?stream=hotline", data)
    second = citizen.post(f"{SUBMIT}?stream=hotline", data)
    assert first.status_code == second.status_code == 302
    assert Appeal.objects.count() == 1
    page = citizen.get("/portal/receipt/").content.decode()
    assert Appeal.objects.get().number in page
    # A refresh after the receipt was seen still makes no second appeal and no second code.
    third = citizen.post(f"{SUBMIT}?stream=hotline", data)
    assert third.status_code == 302
    assert Appeal.objects.count() == 1
    page = citizen.get("/portal/receipt/").content.decode()
    assert 'data-testid="receipt-code-gone"' in page


def test_double_click_race_still_shows_the_code(world, citizen) -> None:
    """The browser shows only the second response of a double click: it gets the code."""
    data = form_data(world)
    send_code(citizen)
    data["sms_code"] = last_code()
    citizen.post(f"{SUBMIT}?stream=hotline", data)
    session = citizen.session
    session.pop("portal_receipt")  # the first response was never displayed
    session.save()
    citizen.post(f"{SUBMIT}?stream=hotline", data)
    page = citizen.get("/portal/receipt/").content.decode()
    assert re.search(r'data-testid="receipt-code">[A-Z0-9]{8}<', page)
    assert Appeal.objects.count() == 1


def test_validation_errors_are_inline_in_chinese_and_keep_the_input(world, citizen) -> None:
    response = citizen.post(
        f"{SUBMIT}?stream=hotline",
        {"stream": "hotline", "token": str(uuid.uuid4()), "body": "只写了内容", "phone": "123"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    for message in ("请选择问题类别", "请填写标题", "请选择发生地所在的区县", "请填写11位手机号码"):
        assert message in page
    assert "只写了内容" in page
    assert 'value="123"' in page
    assert "is-invalid" in page
    assert Appeal.objects.count() == 0


def test_intake_errors_are_shown_next_to_the_field(world, citizen) -> None:
    response = submit(citizen, world, title="短", body="太短", id_number="110101199003071234")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写标题（2–200字）" in page
    assert "请把事情经过和诉求写清楚（至少5个字）" in page
    assert "身份证号码校验位错误" in page
    assert 'data-testid="error-body"' in page
    assert 'data-testid="error-id_number"' in page
    assert Appeal.objects.count() == 0
    # The phone stays verified for this visit: fixing the text needs no new code.
    fixed = form_data(world, title="路灯", body="北一社区3号楼前路灯坏了两周。")
    response = citizen.post(f"{SUBMIT}?stream=hotline", fixed)
    assert response.status_code == 302
    assert Appeal.objects.get().petitioner.phone_verified_at is not None


def test_phone_without_code_or_with_a_wrong_code_is_refused(world, citizen) -> None:
    response = submit(citizen, world, verify=False)
    assert "请填写短信验证码" in response.content.decode()
    send_code(citizen)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = submit(citizen, world, sms_code=wrong)
    assert "验证码不正确" in response.content.decode()
    assert Appeal.objects.count() == 0


def test_sms_code_is_void_after_five_wrong_attempts(world, citizen) -> None:
    send_code(citizen)
    good = last_code()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(4):
        assert "验证码不正确" in submit(citizen, world, sms_code=wrong).content.decode()
    assert "验证码错误次数过多" in submit(citizen, world, sms_code=wrong).content.decode()
    page = submit(citizen, world, sms_code=good).content.decode()
    assert "验证码已过期或尚未获取" in page
    assert Appeal.objects.count() == 0


def test_sms_not_required_when_the_setting_is_off(world, citizen, settings) -> None:
    settings.SHEGONG_PORTAL_REQUIRE_SMS = False
    assert "获取验证码" not in citizen.get(f"{SUBMIT}?stream=hotline").content.decode()
    response = submit(citizen, world, verify=False)
    assert response.status_code == 302
    assert Appeal.objects.get().petitioner.phone_verified_at is None
    assert ConsoleSmsSender.outbox == []


def test_anonymous_hotline_report_needs_no_phone(world, citizen) -> None:
    response = submit(citizen, world, name="", phone="", kind=AppealKind.HL_REPORT)
    assert response.status_code == 302
    assert Appeal.objects.get().petitioner is None


def test_xf_claim_without_name_is_rejected(world, citizen) -> None:
    response = submit(citizen, world, stream=Stream.PETITION, kind=AppealKind.XF_CLAIM, name="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "信访事项请填写姓名" in page
    assert 'data-testid="error-name"' in page
    assert Appeal.objects.count() == 0


def test_confidential_flag_is_stored(world, citizen) -> None:
    submit(citizen, world, identity_confidential="on")
    assert Appeal.objects.get().identity_confidential is True


def test_accusation_is_always_confidential(world, citizen) -> None:
    response = submit(
        citizen, world, stream=Stream.PETITION, kind=AppealKind.XF_ACCUSATION, name=""
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.identity_confidential is True
    assert appeal.accused_units.count() == 0


def test_deepest_consistent_region_is_used(world, citizen) -> None:
    # Street chosen, community left over from another street (no JS): the street counts.
    submit(citizen, world, community=str(world.south_one.pk))
    assert Appeal.objects.get().region == world.north


def test_people_suggestion_has_a_single_kind(world, citizen) -> None:
    page = citizen.get(f"{SUBMIT}?stream=suggestion").content.decode()
    assert 'type="hidden" name="kind" value="people_suggestion"' in page
    response = submit(citizen, world, stream=Stream.SUGGESTION, kind=AppealKind.PEOPLE_SUGGESTION)
    assert response.status_code == 302
    assert Appeal.objects.get().number.startswith("JY")


# --- region cascader -----------------------------------------------------------------------


def test_region_options_return_only_active_children(world, citizen) -> None:
    world.south.is_active = False
    world.south.save(update_fields=["is_active"])
    page = citizen.get(f"/portal/regions/?parent={world.district.pk}").content.decode()
    assert "北街道" in page
    assert "南街道" not in page
    assert "西一街道" not in page
    assert page.strip().startswith("<option")
    page = citizen.get(f"/portal/regions/?parent={world.north.pk}").content.decode()
    assert "北一社区" in page
    assert "北二社区" in page
    # Grids are not offered; an inactive parent or garbage gives no options.
    community = citizen.get(f"/portal/regions/?parent={world.north_one.pk}").content.decode()
    assert "网格" not in community
    for parent in (world.south.pk, "x", ""):
        page = citizen.get(f"/portal/regions/?parent={parent}").content.decode()
        assert page.count("<option") == 1


def test_cascader_without_javascript(world, citizen) -> None:
    data = form_data(world, action="regions", street="", community="")
    page = citizen.post(f"{SUBMIT}?stream=hotline", data).content.decode()
    assert "北街道" in page
    assert "南街道" in page
    assert "小区路灯不亮" in page  # what was typed is kept
    assert Appeal.objects.count() == 0


def test_send_code_without_javascript(world, citizen) -> None:
    data = form_data(world, action="send_code")
    page = citizen.post(f"{SUBMIT}?stream=hotline", data).content.decode()
    assert "验证码已发送至 139****5678" in page
    assert "小区路灯不亮" in page
    assert len(ConsoleSmsSender.outbox) == 1


# --- rate limits -----------------------------------------------------------------------------


def test_sms_code_rate_limits(world, citizen, settings) -> None:
    settings.SHEGONG_PORTAL_SMS_DAILY_PER_IP = 10  # SHEGONG_SMS_DAILY_PER_ADDRESS
    assert "验证码已发送" in send_code(citizen).content.decode()
    again = send_code(citizen).content.decode()
    assert "验证码发送太频繁，请60秒后再试" in again
    assert len(ConsoleSmsSender.outbox) == 1
    assert "请填写11位手机号码" in send_code(citizen, "12345").content.decode()
    # The per-address cap (here 10 a day), whatever the phone.
    ip = {"REMOTE_ADDR": "10.1.2.3"}
    for i in range(10):
        assert "验证码已发送" in send_code(citizen, f"1380000{i:04d}", **ip).content.decode()
    refused = send_code(citizen, "13800009999", **ip).content.decode()
    assert "今天获取验证码的次数已达上限" in refused
    assert "验证码已发送" in send_code(citizen, "13800009999").content.decode()  # other IP


def test_sms_code_is_stored_hashed(world, citizen) -> None:
    send_code(citizen)
    code = last_code()
    from shegong.core import sms_verification as sms

    entry = cache.get(f"portal:sms:code:{sms.phone_key(PHONE)}")
    assert entry is not None
    assert code not in str(entry)
    assert PHONE not in str(entry)


def test_track_brute_force_is_limited_per_address(world, citizen, make_appeal) -> None:
    appeal, code = make_appeal()
    for _ in range(10):
        response = track(citizen, appeal.number, "WRONGXYZ")
        assert "编号或查询码不正确" in response.content.decode()
    locked = track(citizen, appeal.number, code)
    assert locked.status_code == 429
    assert "查询失败次数过多" in locked.content.decode()
    assert "已登记" not in locked.content.decode()
    # Another address is not affected.
    assert track(citizen, appeal.number, code, REMOTE_ADDR="10.9.9.9").status_code == 302


# --- track -----------------------------------------------------------------------------------


def test_track_with_correct_and_incorrect_code(world, citizen) -> None:
    number, code = submit_and_read_receipt(citizen, world)
    other = Client()
    wrong_code = track(other, number, "ABCDEFGH").content.decode()
    wrong_number = track(other, "RX20990101" + "0000001", code).content.decode()
    for page in (wrong_code, wrong_number):
        assert "编号或查询码不正确" in page
        assert "已登记" not in page
    # Same message either way: nothing tells which part was wrong.
    extract = re.compile(r'data-testid="track-error">([^<]+)<')
    assert extract.search(wrong_code).group(1) == extract.search(wrong_number).group(1)
    response = track(other, number.lower(), code.lower())
    assert response.status_code == 302
    page = other.get("/portal/track/").content.decode()
    assert "已登记" in page
    assert number in page
    assert f"您的诉求已登记，编号 {number}" in page


def test_track_page_shows_nothing_personal_or_internal(world, citizen) -> None:
    number, code = submit_and_read_receipt(
        citizen, world, name="张小明", id_number="11010519491231002X"
    )
    appeal = Appeal.objects.get(number=number)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        instructions="内部意见：请先核实诉求人身份",
    )
    order = appeal.work_orders.get()
    track(citizen, number, code)
    page = citizen.get("/portal/track/").content.decode()
    assert "办理中" in page
    assert "市住建局" in page  # the lead unit's name only
    assert "预计答复时间" in page
    assert f"{timezone.localtime(order.due_at):%Y-%m-%d}" in page
    for secret in (
        "张小明",
        PHONE,
        "139****5678",
        "11010519491231002X",
        "内部意见",
        "请先核实",
        "dispatcher",  # staff user name
        "王伟",  # unit contact person
        "13812345678",  # unit contact phone
        "幸福路12号",  # address detail stays internal
    ):
        assert secret not in page, secret
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk)
    wf.reply_order(actor=world.handler_unit_a, order_id=order.pk, text="路灯已于今日修复。")
    page = citizen.get("/portal/track/").content.decode()
    assert "已答复" in page
    assert "路灯已于今日修复。" in page
    assert "预计答复时间" not in page
    assert 'data-testid="track-reply"' in page


def test_add_information_from_the_track_page(world, citizen, make_appeal) -> None:
    appeal, code = make_appeal()
    track(citizen, appeal.number, code)
    response = citizen.post("/portal/track/", {"action": "info", "text": "又坏了一盏灯"})
    assert response.status_code == 302
    page = citizen.get("/portal/track/").content.decode()
    assert "补充材料已提交" in page
    assert "您补充的材料已收到" in page
    event = AppealEvent.objects.get(appeal=appeal, kind=EventKind.INFO_ADDED)
    assert event.note == "又坏了一盏灯"
    assert "又坏了一盏灯" not in page  # the text itself is not echoed on the timeline
    response = citizen.post("/portal/track/", {"action": "info", "text": ""})
    assert "请填写补充内容" in response.content.decode()


def test_add_information_needs_a_tracked_appeal(world, citizen, make_appeal) -> None:
    make_appeal()
    response = citizen.post("/portal/track/", {"action": "info", "text": "冒充补充"})
    assert response.status_code == 302
    assert not AppealEvent.objects.filter(kind=EventKind.INFO_ADDED).exists()


def test_closed_appeal_offers_no_information_form(world, citizen, make_appeal) -> None:
    appeal, code = make_appeal()
    wf.reject_appeal(actor=world.dispatcher, appeal_id=appeal.pk, reason="不属于受理范围")
    track(citizen, appeal.number, code)
    page = citizen.get("/portal/track/").content.decode()
    assert AppealStatus.REJECTED.label in page
    assert "提交补充材料" not in page
    assert "不予受理：不属于受理范围" in page  # the public note of the decision


def test_leaving_the_tracked_appeal(world, citizen, make_appeal) -> None:
    appeal, code = make_appeal()
    track(citizen, appeal.number, code)
    citizen.post("/portal/track/", {"action": "leave"})
    page = citizen.get("/portal/track/").content.decode()
    assert appeal.number not in page
    assert "请输入提交时得到的登记编号" in page


# --- publication consent (个人信息保护法 第十三~十五条) ---------------------------------------


def test_consent_to_publication_on_the_form_and_withdrawal_on_the_track_page(
    world, citizen
) -> None:
    from shegong.suggestions.models import PublicationConsent

    number, code = submit_and_read_receipt(citizen, world, publication_consent="on")
    consent = PublicationConsent.objects.get(appeal__number=number)
    assert (consent.source, consent.withdrawn_at) == ("portal", None)
    assert "张小明" not in consent.anonymised_summary + consent.anonymised_title
    other = Client()
    track(other, number, code)
    page = other.get("/portal/track/").content.decode()
    assert 'data-testid="track-publication"' in page
    other.post("/portal/track/", {"action": "withdraw_publication"})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert 'data-testid="track-publication"' not in other.get("/portal/track/").content.decode()
    # Without a tracked appeal in the session nothing is withdrawn (and nothing breaks).
    assert Client().post("/portal/track/", {"action": "withdraw_publication"}).status_code == 302


def test_no_consent_recorded_unticked_or_for_a_confidential_identity(world, citizen) -> None:
    from shegong.suggestions.models import PublicationConsent

    submit_and_read_receipt(citizen, world)
    submit_and_read_receipt(
        Client(), world, identity_confidential="on", publication_consent="on", phone=""
    )
    assert PublicationConsent.objects.count() == 0


def test_consent_ticked_on_a_resubmission_of_the_same_form_counts(world, citizen) -> None:
    """Back, tick the box, send again: the same appeal (idempotent), and the consent."""
    from shegong.suggestions.models import PublicationConsent

    data = form_data(world)
    send_code(citizen, data["phone"])
    data["sms_code"] = last_code(data["phone"])
    url = f"{SUBMIT}?stream={data['stream']}"
    assert citizen.post(url, data).status_code == 302
    assert citizen.post(url, {**data, "publication_consent": "on"}).status_code == 302
    assert Appeal.objects.count() == 1
    assert PublicationConsent.objects.get().appeal == Appeal.objects.get()
