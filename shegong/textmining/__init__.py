"""Smart triage text mining for appeals: a pure library (no Django, no network).

Entry points (details in ``docs/triage.md``):

* :class:`TriageEngine` — one call per intake: category, place, unit suggestions,
  near-duplicates, same-person repeats, group-appeal signal.
* :func:`load_model` / :func:`train` — the level-1/level-2 category classifier.
* :class:`NearDuplicateIndex`, :func:`detect_groups` — repeats and near-duplicates.
* :class:`Router`, :class:`RoutingRule`, :class:`RoutingHistory`, :func:`evaluate_routing`.
* :class:`PlaceMatcher` — the city's regions named in a text.
* :func:`detect_hotspots` — topic × place bursts over a baseline.
* :func:`normalize`, :class:`Segmenter` — the text pipeline.
* ``python -m shegong.textmining.cli`` — batch subcommands.

Heavy libraries (scikit-learn, jieba, cpca) load on first use, not on import.
"""

from __future__ import annotations

from shegong.textmining.classify import (
    CategoryModel,
    CategoryPrediction,
    ModelLoadError,
    TrainingRecord,
    load_model,
    train,
)
from shegong.textmining.duplicates import (
    DuplicateMatch,
    GroupAppeal,
    GroupSignal,
    NearDuplicateIndex,
    detect_groups,
)
from shegong.textmining.hotspots import Hotspot, HotspotRecord, detect_hotspots
from shegong.textmining.normalize import match_key, normalize
from shegong.textmining.places import PlaceMatch, PlaceMatcher, Region
from shegong.textmining.routing import (
    HistoryRecord,
    Router,
    RoutingHistory,
    RoutingRule,
    UnitSuggestion,
    evaluate_routing,
)
from shegong.textmining.segment import Segmenter, default_segmenter
from shegong.textmining.taxonomy import Taxonomy
from shegong.textmining.triage import AppealInput, TriageEngine, TriageResult

__all__ = [
    "AppealInput",
    "CategoryModel",
    "CategoryPrediction",
    "DuplicateMatch",
    "GroupAppeal",
    "GroupSignal",
    "HistoryRecord",
    "Hotspot",
    "HotspotRecord",
    "ModelLoadError",
    "NearDuplicateIndex",
    "PlaceMatch",
    "PlaceMatcher",
    "Region",
    "Router",
    "RoutingHistory",
    "RoutingRule",
    "Segmenter",
    "Taxonomy",
    "TrainingRecord",
    "TriageEngine",
    "TriageResult",
    "UnitSuggestion",
    "default_segmenter",
    "detect_groups",
    "detect_hotspots",
    "evaluate_routing",
    "load_model",
    "match_key",
    "normalize",
    "train",
]
