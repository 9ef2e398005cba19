"""Normalisation: width, script, case, whitespace, punctuation-free match keys."""

from __future__ import annotations

from shegong.textmining.normalize import cjk_ratio, has_chinese, match_key, normalize


def test_fullwidth_letters_digits_and_punctuation_become_halfwidth() -> None:
    assert normalize("ＡＢＣ１２３，（你好）！") == "abc123,(你好)!"


def test_traditional_becomes_simplified() -> None:
    assert normalize("後來於臺灣發現這個問題") == "后来于台湾发现这个问题"


def test_whitespace_and_invisible_characters() -> None:
    assert normalize("  小区\u200b\t噪音 \n\n 扰民  ") == "小区 噪音 扰民"


def test_idempotent_and_none() -> None:
    text = "ＡＢ 後來 ① 小區,  噪音"
    assert normalize(normalize(text)) == normalize(text)
    assert normalize(None) == ""
    assert normalize("") == ""


def test_match_key_ignores_punctuation_and_spacing() -> None:
    assert match_key("小区噪音，扰民！ 请处理。") == match_key("小区噪音扰民请处理")


def test_chinese_detection() -> None:
    assert has_chinese("小区噪音")
    assert not has_chinese("Noise at night, please help")
    assert cjk_ratio("hello") == 0.0
    assert cjk_ratio("小区abc") == 0.4
