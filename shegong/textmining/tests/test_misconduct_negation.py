"""Review finding N9: a misconduct word under a negation ("没有收受") is no accusation of it."""

from __future__ import annotations

from shegong.textmining.triage import official_misconduct


def test_a_negated_word_is_ignored() -> None:
    assert (
        official_misconduct("反映物业问题", "经了解，工作人员没有收受任何好处，只是态度不好。")
        is None
    )


def test_a_negation_a_few_characters_before_is_ignored() -> None:
    assert official_misconduct("物业问题", "该科长并未向我们索贿，请督促物业维修。") is None


def test_an_affirmed_word_still_counts() -> None:
    match = official_misconduct("检举某科长", "某科长收受开发商红包，违规审批。")
    assert (match.words if match else None) == ("收受", "红包", "违规审批")


def test_a_negation_in_another_clause_does_not_hide_the_word() -> None:
    match = official_misconduct("检举", "事情没有解决。某科长收受开发商的钱。")
    assert (match.words if match else None) == ("收受",)


def test_a_word_negated_once_and_affirmed_once_counts() -> None:
    match = official_misconduct("检举", "他说没有受贿，但我们有证据证明他受贿。")
    assert (match.words if match else None) == ("受贿",)
