"""Search by 1–2 characters through the gram index (issue 13): the rows are exactly those of
``icontains`` on the masked text, the index is what the plan reads, the triggers keep it in
step, and the search stays inside the viewer's scope."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.models import Q

from shegong.appeals.models import Appeal
from shegong.appeals.search import masked_text_q, text_search_q
from shegong.appeals.search_short import indexable_short_term, short_grams, short_term_q
from shegong.appeals.tests.test_search_indexes import analyze, clone_appeals

# A small alphabet so that random terms hit often: Chinese characters, ASCII letters in
# both cases, digits, full-width and Chinese punctuation, a space.
ALPHABET = "区街噪音路灯水管漏物业停车小楼 aAbB12，。（）Ｘ*"


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 40)))


@pytest.fixture
def texts(world, make_appeal) -> list[Appeal]:
    """400 appeals with random masked texts."""
    lead, _ = make_appeal()
    rows = [lead, *clone_appeals(lead, 399)]
    rng = random.Random(13)
    for row in rows:
        Appeal.objects.filter(pk=row.pk).update(masked_search_text=random_text(rng))
    return rows


def terms() -> list[str]:
    rng = random.Random(7)
    chosen = {rng.choice(ALPHABET) for _ in range(30)}
    chosen |= {rng.choice(ALPHABET) + rng.choice(ALPHABET) for _ in range(120)}
    return sorted(chosen)


def ids(q: Q) -> list[int]:
    return sorted(Appeal.objects.filter(q).values_list("pk", flat=True))


@pytest.mark.django_db
def test_short_terms_find_exactly_the_rows_of_the_like(texts) -> None:
    mismatched = [
        term
        for term in terms()
        if ids(masked_text_q(term)) != ids(Q(masked_search_text__icontains=term))
    ]
    assert mismatched == []


@pytest.mark.django_db
def test_most_random_terms_go_through_the_index(texts) -> None:
    # the equality above is about the index, not the fallback
    assert sum(short_term_q(t) is not None for t in terms()) > 60


@pytest.mark.django_db
def test_a_two_character_term_is_found_after_the_text_changes(texts) -> None:
    Appeal.objects.filter(pk=texts[0].pk).update(masked_search_text="新增一处积水")
    assert ids(masked_text_q("积水")) == [texts[0].pk]


@pytest.mark.django_db
def test_the_old_text_is_no_longer_found_after_it_changes(texts) -> None:
    Appeal.objects.filter(masked_search_text__contains="噪").update(masked_search_text="无")
    assert ids(masked_text_q("噪")) == []


@pytest.mark.django_db
def test_a_deleted_appeal_leaves_the_index(texts) -> None:
    Appeal.objects.filter(pk=texts[1].pk).update(masked_search_text="孤例")
    Appeal.objects.filter(pk=texts[1].pk).delete()
    assert ids(masked_text_q("孤例")) == []


@pytest.mark.django_db
def test_an_appeal_through_intake_is_found_by_two_characters(world, make_appeal) -> None:
    appeal, _ = make_appeal(title="井盖松动", body="人行道井盖松动，存在隐患。")
    assert ids(masked_text_q("井盖")) == [appeal.pk]


@pytest.mark.django_db
def test_a_short_search_stays_in_the_viewer_scope(world, make_appeal) -> None:
    make_appeal(title="井盖松动", body="人行道井盖松动，存在隐患。")
    visible = Appeal.objects.visible_to(world.handler_unit_b)
    assert visible.filter(text_search_q("井盖", visible=None)).count() == 0


@pytest.mark.django_db
def test_the_short_search_reads_the_gram_index(texts) -> None:
    analyze()
    rows = Appeal.objects.filter(masked_text_q("噪音")).values("pk")
    if connection.vendor == "sqlite":
        assert "VIRTUAL TABLE INDEX" in rows.explain()
        return
    with connection.cursor() as cursor:  # 400 rows: show the index is usable at all
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "appeal_short_grams_gin" in rows.explain()


def test_grams_are_the_letters_digits_and_their_pairs() -> None:
    assert short_grams("区噪音，a1") == "区 区噪 噪 噪音 音 a a1 1"


def test_punctuation_is_not_an_indexable_term() -> None:
    assert not indexable_short_term("，")


def test_a_full_width_letter_is_not_an_indexable_term() -> None:
    assert not indexable_short_term("Ｘ")
