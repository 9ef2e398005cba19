"""四岗二十四级: a template ladder (4 posts, levels 1–24, a step every 2 years) the
department adopts from the parameters page; switching is audited, the page carries no
placeholder wording, people on a post the new ladder lacks are counted for the user."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from shegong.core.models import AuditEvent
from shegong.talent.models import Person, PostLadder
from shegong.talent.models.policy import FOUR_POSTS_TEMPLATE, FOUR_POSTS_YEARS_PER_STEP
from shegong.talent.services import people

from .conftest import ClientFor, TalentKit, at


def test_the_template_spans_four_posts_and_twenty_four_levels() -> None:
    lows = sorted(low for low, _ in FOUR_POSTS_TEMPLATE.values())
    highs = sorted(high for _, high in FOUR_POSTS_TEMPLATE.values())
    assert (
        list(FOUR_POSTS_TEMPLATE),
        lows[0],
        highs[-1],
        FOUR_POSTS_YEARS_PER_STEP,
    ) == (["社区正职", "社区副职", "社区委员", "社区专职工作者"], 1, 24, 2)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_adopting_the_template_from_the_page(kit: TalentKit, client_for: ClientFor) -> None:
    Person.objects.filter(pk=kit.worker.pk).update(post="社区副职")
    client = client_for(kit.world.dept_admin)
    page = client.get("/talent/policy/").content.decode()
    assert ("四岗二十四级" in page, "占位" in page, "placeholder" in page.lower()) == (
        True,
        False,
        False,
    )
    response = client.post("/talent/policy/", {"use_ladder": "four_posts"}, follow=True)
    ladder = PostLadder.current()
    view = people.ladder_of(Person.objects.get(pk=kit.worker.pk), today=timezone.localdate())
    # 社区副职 from 2019-07-01 with a 学士 (3 years): 6 + 3 = 9 years, 4 steps of 2 years
    low = FOUR_POSTS_TEMPLATE["社区副职"][0]
    assert (ladder.name, ladder.years_per_step, view and view.step.level) == (
        "四岗二十四级",
        2,
        low + 4,
    )
    assert AuditEvent.objects.filter(action="talent_policy_changed").exists()
    body = response.content.decode()
    # the colleague and the south worker have no post; nobody else is off the new ladder
    assert "已启用岗位等级序列“四岗二十四级”" in body


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_switching_back_and_people_off_the_ladder_are_counted(
    kit: TalentKit, client_for: ClientFor
) -> None:
    client = client_for(kit.world.dept_admin)
    first = PostLadder.current()
    client.post("/talent/policy/", {"use_ladder": "four_posts"})
    # the worker is 其他社区工作者 (三岗十八级): not a post of 四岗二十四级
    body = client.post("/talent/policy/", {"use_ladder": "four_posts"}, follow=True)
    assert "1名在岗人员的岗位不在该序列中" in body.content.decode()
    client.post("/talent/policy/", {"use_ladder": str(first.pk)})
    assert PostLadder.current().pk == first.pk


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_switch_message_points_to_a_decision_not_the_record(
    kit: TalentKit, client_for: ClientFor
) -> None:
    """A post moves only by an approved 晋升/降级 decision (the record's form shows it
    read-only): the count of people off the new ladder says so, not 「在人员档案中调整」."""
    body = client_for(kit.world.dept_admin).post(
        "/talent/policy/", {"use_ladder": "four_posts"}, follow=True
    )
    assert "须逐人提出晋升或降级决定，经审批后重新定岗" in body.content.decode()


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_ladder_section_does_not_send_the_user_to_the_record(
    kit: TalentKit, client_for: ClientFor
) -> None:
    page = client_for(kit.world.dept_admin).get("/talent/policy/").content.decode()
    section = page.split('data-testid="ladders"', 1)[1].split("</section>", 1)[0]
    assert ("在档案中调整岗位" in section, "晋升或降级决定" in section) == (False, True)
