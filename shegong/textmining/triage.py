"""The triage facade: one call per intake — classify, locate, route, check duplicates.

Pure Python, no Django. This is the entry point the appeals app wires in (see
``docs/triage.md``): build one :class:`TriageEngine` per process (loading the model, the
near-duplicate index and the routing history takes seconds), call :meth:`TriageEngine.triage`
for a new appeal, :meth:`TriageEngine.record_intake` once the appeal is committed,
:meth:`TriageEngine.record_decision` when a dispatcher's final unit is known, and
:meth:`TriageEngine.forget` when an appeal must disappear (withdrawn as spam, erased).

Concurrency: reads are thread-safe; writes (record_*, forget) take one lock, and reads do
not block on it — a read during a write may or may not see that write.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shegong.textmining.classify import CategoryModel, CategoryPrediction, compose_text, load_model
from shegong.textmining.duplicates import DuplicateMatch, GroupSignal, NearDuplicateIndex
from shegong.textmining.normalize import cjk_ratio, has_chinese
from shegong.textmining.places import PlaceMatch, PlaceMatcher
from shegong.textmining.routing import HistoryRecord, Router, RoutingHistory, UnitSuggestion

__all__ = [
    "AppealInput",
    "MisconductMatch",
    "TriageEngine",
    "TriageResult",
    "official_misconduct",
    "text_flags",
]

FLAG_EMPTY = "empty"
FLAG_NOT_CHINESE = "not_chinese"
FLAG_TOO_SHORT = "too_short"
FLAG_MESSAGES = {
    FLAG_EMPTY: "标题和内容均为空",
    FLAG_NOT_CHINESE: "文本不是中文（或中文过少），分类结果不可靠",
    FLAG_TOO_SHORT: "文本过短，分类结果不可靠",
}


@dataclass(frozen=True, slots=True)
class AppealInput:
    """What triage needs to know about one appeal. ``person_key`` is an opaque blind index
    of the citizen (never a name or phone number); ``region_code`` is the place the citizen
    chose, if any (text mentions are used otherwise)."""

    appeal_id: str
    title: str = ""
    body: str = ""
    region_code: str | None = None
    address: str | None = None
    person_key: str | None = None
    time: datetime | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.title else self.body


@dataclass(frozen=True, slots=True)
class TriageResult:
    """Everything triage found for one appeal. ``flags`` name text problems
    (:data:`FLAG_MESSAGES` has the Chinese wording); ``category`` is None only for empty
    text."""

    appeal_id: str
    category: CategoryPrediction | None
    region_code: str | None
    place: PlaceMatch | None
    units: tuple[UnitSuggestion, ...]
    duplicates: tuple[DuplicateMatch, ...]
    repeats: tuple[DuplicateMatch, ...]
    group: GroupSignal | None
    flags: tuple[str, ...]
    elapsed_ms: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)


def text_flags(title: str | None, body: str | None) -> tuple[str, ...]:
    """Problems with an appeal's text that make automatic triage unreliable."""
    text = f"{title or ''}{body or ''}"
    if not text.strip():
        return (FLAG_EMPTY,)
    if not has_chinese(text, min_chars=2) or cjk_ratio(text) < 0.2:
        return (FLAG_NOT_CHINESE,)
    if len(compose_text(title, body)) < 6:
        return (FLAG_TOO_SHORT,)
    return ()


# Misconduct by officials (the level-1 class 纪检监察 of the official taxonomy): the words
# that name it, by level-2 class. The taxonomy's own level-2/level-3 names plus the everyday
# words petitioners use for them. Matched on normalised text (simplified, half-width).
MISCONDUCT_L1 = "纪检监察"
MISCONDUCT_TERMS: dict[str, tuple[str, ...]] = {
    "贪污贿赂": (
        "贪污",
        "受贿",
        "索贿",
        "行贿",
        "收受",
        "收钱",
        "红包",
        "回扣",
        "好处费",
        "挪用公款",
        "侵吞",
        "权钱交易",
        "买官卖官",
        "财产来源不明",
        "利益输送",
    ),
    "滥用职权": ("滥用职权", "以权谋私", "打击报复", "徇私舞弊", "吃拿卡要", "违规审批"),
    "失职渎职": ("失职", "渎职", "玩忽职守", "包庇纵容", "充当保护伞", "保护伞"),
    "干部作风": (
        "官僚主义",
        "形式主义",
        "奢靡之风",
        "享乐主义",
        "公款吃喝",
        "公车私用",
        "违规吃喝",
        "作风粗暴",
        "门难进",
        "脸难看",
        "事难办",
    ),
    "党政处分": ("党纪处分", "政纪处分", "违反党纪", "违纪"),
}


# "没有收受红包", "并未发现贿赂": a word under a negation a few characters before it (in the
# same clause) is no accusation of it.
NEGATIONS = ("没有", "没", "未", "并未", "从未", "不曾", "不存在")
NEGATION_WINDOW = 6
_CLAUSE_END = re.compile(r"[，。！？；：,.!?;:、\n]")


def _affirmed(text: str, term: str) -> bool:
    """``term`` occurs in ``text`` at least once without a negation just before it."""
    start = text.find(term)
    while start != -1:
        before = _CLAUSE_END.split(text[max(0, start - NEGATION_WINDOW) : start])[-1]
        if not any(word in before for word in NEGATIONS):
            return True
        start = text.find(term, start + 1)
    return False


@dataclass(frozen=True, slots=True)
class MisconductMatch:
    """An accusation reads as misconduct by officials: the 纪检监察 level-2 class with the
    most matched words (ties: the order of :data:`MISCONDUCT_TERMS`) and every word found."""

    category_l2: str
    words: tuple[str, ...]


def official_misconduct(title: str | None, body: str | None) -> MisconductMatch | None:
    """Words of misconduct by officials in an appeal's text, or None. A transparent keyword
    rule (no learned model): it is applied to 检举控告 only, where a dispatcher sends such
    matters to 纪检监察 or the accused's superior (信访工作条例 第二十二条第二款、第三十条)."""
    from shegong.textmining.normalize import normalize

    text = normalize(f"{title or ''} {body or ''}").replace(" ", "")
    best: tuple[int, str] | None = None
    words: list[str] = []
    for l2, terms in MISCONDUCT_TERMS.items():
        found = [t for t in terms if _affirmed(text, t)]
        # "保护伞" inside "充当保护伞" counts once.
        found = [t for t in found if not any(t != o and t in o for o in found)]
        words += found
        if found and (best is None or len(found) > best[0]):
            best = (len(found), l2)
    if best is None:
        return None
    return MisconductMatch(best[1], tuple(words))


class TriageEngine:
    """Classifier + place matcher + router + near-duplicate index, used together.

    ``group_window`` / ``group_min_people`` configure group-appeal signals;
    ``repeat_threshold`` the similarity for same-person repeats (lower than the
    near-duplicate threshold: people restating their own matter rephrase more).
    """

    def __init__(
        self,
        *,
        model: CategoryModel | None = None,
        router: Router | None = None,
        duplicates: NearDuplicateIndex | None = None,
        places: PlaceMatcher | None = None,
        group_window: timedelta = timedelta(days=7),
        group_min_people: int = 5,
        repeat_threshold: float = 0.3,
        explain: bool = True,
    ) -> None:
        self.model = model if model is not None else load_model()
        self.router = router if router is not None else Router()
        self.duplicates = duplicates if duplicates is not None else NearDuplicateIndex()
        self.places = places
        self.group_window = group_window
        self.group_min_people = group_min_people
        self.repeat_threshold = repeat_threshold
        self.explain = explain
        self._lock = threading.Lock()

    def triage(self, appeal: AppealInput, *, k: int = 3) -> TriageResult:
        """Classify, locate, suggest ``k`` units and look for duplicates, repeats and a group.

        Does not change any index: call :meth:`record_intake` after the appeal is saved.
        """
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        flags = text_flags(appeal.title, appeal.body)
        text = appeal.text
        category = None
        if FLAG_EMPTY not in flags:
            category = self.model.predict_one(appeal.title, appeal.body)
        t1 = time.perf_counter()
        timings["classify"] = (t1 - t0) * 1000
        place = None
        region = appeal.region_code
        if self.places is not None and FLAG_EMPTY not in flags:
            place = self.places.locate(text, appeal.address)
            if region is None and place is not None:
                region = place.code
        t2 = time.perf_counter()
        timings["place"] = (t2 - t1) * 1000
        units: tuple[UnitSuggestion, ...] = ()
        if FLAG_EMPTY not in flags:
            units = tuple(
                self.router.suggest(
                    text,
                    category_l1=category.category_l1 if category else None,
                    category_l2=category.category_l2 if category else None,
                    region_code=region,
                    k=k,
                    explain=self.explain,
                )
            )
        t3 = time.perf_counter()
        timings["route"] = (t3 - t2) * 1000
        dups: tuple[DuplicateMatch, ...] = ()
        repeats: tuple[DuplicateMatch, ...] = ()
        group = None
        if FLAG_EMPTY not in flags and len(self.duplicates):
            dups = tuple(self.duplicates.query(text, exclude=appeal.appeal_id))
            if appeal.person_key:
                repeats = tuple(
                    self.duplicates.repeats(
                        text,
                        appeal.person_key,
                        threshold=self.repeat_threshold,
                        exclude=appeal.appeal_id,
                    )
                )
            if appeal.time is not None:
                group = self.duplicates.group_check(
                    text,
                    time=appeal.time,
                    window=self.group_window,
                    person_key=appeal.person_key,
                    min_people=self.group_min_people,
                )
        t4 = time.perf_counter()
        timings["duplicates"] = (t4 - t3) * 1000
        return TriageResult(
            appeal_id=appeal.appeal_id,
            category=category,
            region_code=region,
            place=place,
            units=units,
            duplicates=dups,
            repeats=repeats,
            group=group,
            flags=flags,
            elapsed_ms=round((t4 - t0) * 1000, 3),
            timings_ms={k2: round(v, 3) for k2, v in timings.items()},
        )

    def record_intake(self, appeal: AppealInput) -> None:
        """Add a saved appeal to the near-duplicate index (call it on commit)."""
        with self._lock:
            self.duplicates.add(
                appeal.appeal_id, appeal.text, person_key=appeal.person_key, time=appeal.time
            )

    def record_decision(
        self,
        appeal_id: Hashable,
        text: str,
        unit: str,
        *,
        category: str | None = None,
        region_code: str | None = None,
    ) -> None:
        """Add a dispatcher's final routing decision to the history."""
        with self._lock:
            self.router.history.add(
                HistoryRecord(str(appeal_id), text, unit, category, region_code)
            )

    def forget(self, appeal_id: Hashable) -> bool:
        """Remove an appeal from the near-duplicate index (history keeps decisions)."""
        with self._lock:
            return self.duplicates.remove(appeal_id)

    def save(self, directory: str | Path) -> None:
        """Persist the indexes (not the model, which has its own directory)."""
        out = Path(directory)
        with self._lock:
            self.duplicates.save(out / "duplicates")
            self.router.history.save(out / "history")
            rules = [asdict(r) for r in self.router.rules]
            (out / "rules.json").write_text(json.dumps(rules, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: str | Path, **kwargs: Any) -> TriageEngine:
        """Rebuild an engine from :meth:`save` output (pass ``model``/``places`` as needed)."""
        from shegong.textmining.routing import RoutingRule

        src = Path(directory)
        rules = [RoutingRule(**r) for r in json.loads((src / "rules.json").read_text("utf-8"))]
        router = Router(rules, RoutingHistory.load(src / "history"))
        return cls(router=router, duplicates=NearDuplicateIndex.load(src / "duplicates"), **kwargs)
