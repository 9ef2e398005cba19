"""Level-1 (and level-2) appeal category classifier.

Pure Python + scikit-learn, no Django. Text = normalised ``title`` + ``body``. Features are
TF-IDF over character 1-3-grams (:class:`~shegong.textmining.fastmodel.CharNgramTfidf`); the
classifier is a linear model whose scores are calibrated (Platt sigmoid,
``CalibratedClassifierCV``) so that ``confidence`` is a probability. Which candidate is used
is chosen by stratified k-fold cross-validation on the training records (:func:`train`); the
figures go into the model card.

Level 2: see :mod:`shegong.textmining.taxonomy` — by default a keyword similarity of the
text to the level-2 and level-3 class names under the predicted level 1. When the training
records carry ``category_l2`` labels, a second model is learned on them and used for every
level-1 class that has labelled level-2 examples (name similarity remains the fallback).

Artifacts: a model directory holds ``category_l1.joblib`` (the fitted pipelines) and
``category_l1.card.json`` (provenance, training command, CV figures, library versions,
SHA-256 of the joblib file). :func:`load_model` refuses a directory whose card names another
scikit-learn version or whose joblib hash does not match — unpickling a model made by a
different scikit-learn can silently give wrong answers.
"""

from __future__ import annotations

import hashlib
import json
import platform
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

from shegong.textmining.normalize import normalize
from shegong.textmining.taxonomy import Taxonomy

__all__ = [
    "CANDIDATES",
    "CategoryModel",
    "CategoryPrediction",
    "ModelLoadError",
    "TrainingRecord",
    "compose_text",
    "cross_validate",
    "default_model_dir",
    "load_model",
    "train",
]

MODEL_FILE: Final = "category_l1.joblib"
CARD_FILE: Final = "category_l1.card.json"
CARD_FORMAT: Final = 1


class ModelLoadError(RuntimeError):
    """The model directory cannot be used (missing, corrupt, or made by another sklearn)."""


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """One labelled appeal. ``category_l2`` is optional (most data has only level 1)."""

    title: str
    body: str
    category_l1: str
    category_l2: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryPrediction:
    """Predicted categories of one appeal.

    ``confidence`` is the calibrated probability of ``category_l1`` (in [0, 1]);
    ``alternatives`` lists the top level-1 classes with their probabilities, best first.
    ``l2_source`` says how level 2 was found: ``"model"`` (learned from level-2 labels),
    ``"names"`` (keyword similarity to the taxonomy names) or ``"none"``.
    """

    category_l1: str
    confidence: float
    category_l2: str | None
    l2_score: float
    l2_source: str
    alternatives: tuple[tuple[str, float], ...]


def compose_text(title: str | None, body: str | None) -> str:
    """The classifier's input: normalised title (twice) and body.

    The title is the citizen's own summary; giving it double weight raised CV macro-F1 by
    0.002-0.006 in 7 of the 8 configurations compared in development (docs/triage.md).
    """
    t = normalize(title)
    b = normalize(body)
    if t and b:
        return f"{t}。{t}。{b}"
    return b or t


def _char_tfidf() -> Any:
    from shegong.textmining.fastmodel import CharNgramTfidf

    return CharNgramTfidf(max_n=3, min_df=2, max_df=0.9)


def _svc(c: float) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=c, class_weight="balanced")

    return make


def _sgd(alpha: float) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(
            loss="modified_huber",
            alpha=alpha,
            max_iter=50,
            tol=1e-4,
            class_weight="balanced",
            random_state=0,
        )

    return make


# name -> (features factory, classifier factory). Kept small on purpose: every candidate is
# evaluated by k-fold CV and the choice among them is itself cross-validated (nested CV).
# Word features (jieba) were tried in development and did not beat characters (docs/triage.md)
# while costing ~2 ms per appeal, so no candidate segments words.
CANDIDATES: Final[dict[str, tuple[Callable[[], Any], Callable[[], Any]]]] = {
    "char1-3+linearsvc(C=1,balanced)": (_char_tfidf, _svc(1.0)),
    "char1-3+linearsvc(C=2,balanced)": (_char_tfidf, _svc(2.0)),
    "char1-3+sgd(modified_huber,alpha=1e-4,balanced)": (_char_tfidf, _sgd(1e-4)),
}
DEFAULT_CANDIDATE: Final = "char1-3+linearsvc(C=1,balanced)"


def _make_pipeline(candidate: str, *, calibrate: bool = True) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    features, clf = CANDIDATES[candidate]
    est = clf()
    if calibrate:
        est = CalibratedClassifierCV(est, method="sigmoid", cv=3, ensemble=False)
    return Pipeline([("features", features()), ("clf", est)])


def _as_records(records: Iterable[TrainingRecord | Mapping[str, Any]]) -> list[TrainingRecord]:
    out: list[TrainingRecord] = []
    for r in records:
        if isinstance(r, TrainingRecord):
            out.append(r)
            continue
        l1 = str(r.get("category_l1") or "").strip()
        if not l1:
            continue
        l2 = str(r.get("category_l2") or "").strip() or None
        out.append(TrainingRecord(str(r.get("title") or ""), str(r.get("body") or ""), l1, l2))
    return out


def _per_class(y: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(labels), zero_division=0)
    return {
        lab: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }


def cross_validate(
    records: Iterable[TrainingRecord | Mapping[str, Any]],
    *,
    candidates: Sequence[str] | None = None,
    folds: int = 5,
    nested: bool = True,
    seed: int = 0,
    n_jobs: int = 1,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold CV of each candidate, and (``nested``) of choosing among them.

    Returns a dict for the model card: per candidate accuracy and macro-F1 (mean and
    per-fold); ``selected`` — the candidate with the best mean macro-F1; per-class
    precision/recall/F1 of the selected candidate's out-of-fold predictions; and, when
    ``nested``, the accuracy and macro-F1 of the whole procedure "select by inner CV, then
    fit" measured on outer folds — the honest estimate, since the plain figure of the
    selected candidate is slightly optimistic (it won on these very folds).
    """
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    recs = _as_records(records)
    texts = np.array([compose_text(r.title, r.body) for r in recs], dtype=object)
    y = np.array([r.category_l1 for r in recs], dtype=object)
    labels = sorted(set(y.tolist()))
    names = list(candidates or CANDIDATES)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(skf.split(texts, y))
    say = log or (lambda _m: None)

    def oof(name: str, idx_splits: list[tuple[Any, Any]], xs: Any, ys: Any) -> np.ndarray:
        from joblib import Parallel, delayed

        def fit_predict(tr: Any, te: Any) -> tuple[Any, np.ndarray]:
            model = _make_pipeline(name).fit(xs[tr], ys[tr])
            return te, model.predict(xs[te])

        pred = np.empty(len(ys), dtype=object)
        for te, p in Parallel(n_jobs=n_jobs)(delayed(fit_predict)(tr, te) for tr, te in idx_splits):
            pred[te] = p
        return pred

    results: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for name in names:
        t0 = time.perf_counter()
        pred = oof(name, splits, texts, y)
        preds[name] = pred
        fold_acc = [float(accuracy_score(y[te], pred[te])) for _, te in splits]
        fold_f1 = [float(f1_score(y[te], pred[te], average="macro")) for _, te in splits]
        results[name] = {
            "accuracy": round(float(accuracy_score(y, pred)), 4),
            "macro_f1": round(float(np.mean(fold_f1)), 4),
            "macro_f1_pooled": round(float(f1_score(y, pred, average="macro")), 4),
            "fold_accuracy": [round(v, 4) for v in fold_acc],
            "fold_macro_f1": [round(v, 4) for v in fold_f1],
            "seconds": round(time.perf_counter() - t0, 1),
        }
        say(f"{name}: accuracy {results[name]['accuracy']} macro-F1 {results[name]['macro_f1']}")
    selected = max(names, key=lambda n: results[n]["macro_f1"])
    out: dict[str, Any] = {
        "method": f"stratified {folds}-fold cross-validation (shuffle, random_state={seed})",
        "records": len(recs),
        "labels": labels,
        "candidates": results,
        "selected": selected,
        "accuracy": results[selected]["accuracy"],
        "macro_f1": results[selected]["macro_f1"],
        "per_class": _per_class(y.tolist(), preds[selected].tolist(), labels),
    }
    if nested and len(names) > 1:
        outer_pred = np.empty(len(y), dtype=object)
        chosen: list[str] = []
        for k, (tr, te) in enumerate(splits):
            inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed + 1 + k)
            inner_splits = list(inner.split(texts[tr], y[tr]))
            best, best_f1 = names[0], -1.0
            for name in names:
                p = oof(name, inner_splits, texts[tr], y[tr])
                f = float(f1_score(y[tr], p, average="macro"))
                if f > best_f1:
                    best, best_f1 = name, f
            chosen.append(best)
            outer_pred[te] = _make_pipeline(best).fit(texts[tr], y[tr]).predict(texts[te])
            say(f"nested fold {k + 1}/{folds}: chose {best}")
        fold_f1 = [float(f1_score(y[te], outer_pred[te], average="macro")) for _, te in splits]
        out["nested"] = {
            "method": f"outer {folds}-fold, inner 3-fold selection among the candidates",
            "accuracy": round(float(accuracy_score(y, outer_pred)), 4),
            "macro_f1": round(float(np.mean(fold_f1)), 4),
            "fold_macro_f1": [round(v, 4) for v in fold_f1],
            "chosen_per_fold": chosen,
            "per_class": _per_class(y.tolist(), outer_pred.tolist(), labels),
        }
    return out


@dataclass
class CategoryModel:
    """A fitted level-1 model, an optional level-2 model, the taxonomy and the model card.

    Thread-safe for prediction (scikit-learn ``predict_proba`` does not mutate the model).
    """

    pipeline: Any
    taxonomy: Taxonomy
    card: dict[str, Any] = field(default_factory=dict)
    l2_pipeline: Any | None = None
    l2_parents: dict[str, str] = field(default_factory=dict)  # "l1/l2" label -> l1

    _fast: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def _proba(self, which: str, pipeline: Any, texts: list[str]) -> np.ndarray:
        """``pipeline.predict_proba`` through the compiled fast path when it compiles."""
        if which not in self._fast:
            from shegong.textmining.fastmodel import CharNgramTfidf, CompiledLinear

            fast: Any = None
            feats = pipeline.named_steps.get("features")
            if isinstance(feats, CharNgramTfidf):
                try:
                    fast = (feats, CompiledLinear.from_calibrated(pipeline.named_steps["clf"]))
                except (AttributeError, ValueError):
                    fast = None
            self._fast[which] = fast
        fast = self._fast[which]
        if fast is None:
            return np.asarray(pipeline.predict_proba(texts))
        feats, lin = fast
        return lin.predict_proba(feats.transform(texts))

    def predict_texts(self, texts: Sequence[str], *, top: int = 3) -> list[CategoryPrediction]:
        """Predict for texts already passed through :func:`compose_text`."""
        if not texts:
            return []
        proba = self._proba("l1", self.pipeline, list(texts))
        classes = self.labels
        l2_proba = None
        l2_classes: list[str] = []
        if self.l2_pipeline is not None:
            l2_proba = self._proba("l2", self.l2_pipeline, list(texts))
            l2_classes = [str(c) for c in self.l2_pipeline.classes_]
        out: list[CategoryPrediction] = []
        for i, text in enumerate(texts):
            order = np.argsort(-proba[i])[:top]
            l1 = classes[int(order[0])]
            conf = float(proba[i, order[0]])
            l2: str | None = None
            l2_score = 0.0
            source = "none"
            if l2_proba is not None:
                mask = [self.l2_parents.get(c) == l1 for c in l2_classes]
                if any(mask):
                    scores = np.where(mask, l2_proba[i], -1.0)
                    j = int(np.argmax(scores))
                    share = float(l2_proba[i, j] / max(float(l2_proba[i][mask].sum()), 1e-12))
                    l2, l2_score, source = l2_classes[j].split("/", 1)[1], share, "model"
            if l2 is None:
                guess = self.taxonomy.guess_l2(l1, text, normalized=True)
                if guess is not None:
                    l2, l2_score, source = guess.category_l2, guess.score, "names"
            out.append(
                CategoryPrediction(
                    category_l1=l1,
                    confidence=round(min(max(conf, 0.0), 1.0), 4),
                    category_l2=l2,
                    l2_score=round(l2_score, 4),
                    l2_source=source,
                    alternatives=tuple(
                        (classes[int(j)], round(float(proba[i, j]), 4)) for j in order
                    ),
                )
            )
        return out

    def predict(
        self, items: Iterable[tuple[str | None, str | None]], *, top: int = 3
    ) -> list[CategoryPrediction]:
        """Predict for ``(title, body)`` pairs, in order."""
        return self.predict_texts([compose_text(t, b) for t, b in items], top=top)

    def predict_one(self, title: str | None, body: str | None) -> CategoryPrediction:
        """Predict one appeal."""
        return self.predict([(title, body)])[0]

    def save(self, directory: str | Path) -> Path:
        """Write ``category_l1.joblib`` and ``category_l1.card.json`` into ``directory``."""
        import joblib

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": CARD_FORMAT,
            "pipeline": self.pipeline,
            "l2_pipeline": self.l2_pipeline,
            "l2_parents": self.l2_parents,
            "taxonomy": self.taxonomy.to_json(),
        }
        path = out / MODEL_FILE
        joblib.dump(payload, path, compress=3)
        card = dict(self.card)
        card["artifact"] = {
            "file": MODEL_FILE,
            "sha256": _sha256(path),
            "bytes": path.stat().st_size,
        }
        card.update(_versions())
        self.card = card
        (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2), "utf-8")
        return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, Any]:
    import joblib
    import sklearn

    return {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "joblib_version": joblib.__version__,
        "python_version": platform.python_version(),
    }


def train(
    records: Iterable[TrainingRecord | Mapping[str, Any]],
    *,
    taxonomy: Taxonomy | None = None,
    candidate: str | None = None,
    evaluate: bool = True,
    nested: bool = False,
    folds: int = 5,
    n_jobs: int = 1,
    provenance: Mapping[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> CategoryModel:
    """Fit a :class:`CategoryModel` on labelled records (``TrainingRecord`` or mappings with
    ``title, body, category_l1[, category_l2]``).

    ``candidate`` fixes the pipeline; otherwise (with ``evaluate``) the candidate with the best
    CV macro-F1 is used, and without ``evaluate`` the default candidate. ``evaluate`` puts the
    CV figures into the card (:func:`cross_validate`); it multiplies training time by ~5 per
    candidate. Records with fewer than ``folds`` examples of a class make CV impossible:
    evaluation is then skipped and the card says so.
    """
    recs = _as_records(records)
    if not recs:
        raise ValueError("no labelled records to train on")
    classes = {r.category_l1 for r in recs}
    if len(classes) < 2:
        raise ValueError("training needs at least two level-1 classes")
    t0 = time.perf_counter()
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "name": "shegong.textmining category_l1",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": len(recs),
        "class_counts": {c: sum(r.category_l1 == c for r in recs) for c in sorted(classes)},
        "provenance": dict(provenance or {}),
    }
    min_count = min(card["class_counts"].values())
    chosen = candidate
    if evaluate and min_count >= folds:
        cv = cross_validate(
            recs,
            candidates=[candidate] if candidate else None,
            folds=folds,
            nested=nested and candidate is None,
            n_jobs=n_jobs,
            log=log,
        )
        card["cross_validation"] = cv
        chosen = chosen or cv["selected"]
    elif evaluate:
        card["cross_validation"] = {"skipped": f"a class has fewer than {folds} examples"}
    chosen = chosen or DEFAULT_CANDIDATE
    if chosen not in CANDIDATES:
        raise ValueError(f"unknown candidate {chosen!r}; choose from {sorted(CANDIDATES)}")
    texts = [compose_text(r.title, r.body) for r in recs]
    y = [r.category_l1 for r in recs]
    calibrate = min_count >= 3
    pipeline = _make_pipeline(chosen, calibrate=calibrate)
    if not calibrate:
        from sklearn.calibration import CalibratedClassifierCV

        pipeline.set_params(clf=CalibratedClassifierCV(CANDIDATES[chosen][1](), cv=2))
    pipeline.fit(texts, y)
    l2_pipeline = None
    l2_parents: dict[str, str] = {}
    l2_recs = [(t, r) for t, r in zip(texts, recs, strict=True) if r.category_l2]
    l2_labels = {f"{r.category_l1}/{r.category_l2}" for _, r in l2_recs}
    if len(l2_labels) >= 2:
        counts = dict.fromkeys(l2_labels, 0)
        for _, r in l2_recs:
            counts[f"{r.category_l1}/{r.category_l2}"] += 1
        l2_pipeline = _make_pipeline(chosen, calibrate=min(counts.values()) >= 3)
        if min(counts.values()) < 3:
            l2_pipeline = _make_pipeline(chosen, calibrate=False)
            from sklearn.linear_model import LogisticRegression

            l2_pipeline.set_params(clf=LogisticRegression(max_iter=1000))
        l2_pipeline.fit(
            [t for t, _ in l2_recs], [f"{r.category_l1}/{r.category_l2}" for _, r in l2_recs]
        )
        l2_parents = {lab: lab.split("/", 1)[0] for lab in l2_labels}
        card["level2"] = {
            "source": "model",
            "records": len(l2_recs),
            "classes": len(l2_labels),
            "note": "learned from category_l2 labels; taxonomy-name similarity for other l1",
        }
    else:
        card["level2"] = {
            "source": "names",
            "note": "no level-2 labels: level 2 is guessed by keyword similarity of the text "
            "to the taxonomy's level-2 and level-3 names under the predicted level 1; "
            "its accuracy is unmeasured",
        }
    card["candidate"] = chosen
    card["calibration"] = "CalibratedClassifierCV(method='sigmoid', cv=3, ensemble=False)"
    card["train_seconds"] = round(time.perf_counter() - t0, 1)
    return CategoryModel(
        pipeline=pipeline,
        taxonomy=taxonomy or Taxonomy.default(),
        card=card,
        l2_pipeline=l2_pipeline,
        l2_parents=l2_parents,
    )


def default_model_dir() -> Path:
    """The directory of the model shipped in the package."""
    return Path(str(resources.files(__package__).joinpath("models")))


_cache: dict[str, CategoryModel] = {}
_cache_lock = threading.Lock()


def load_model(directory: str | Path | None = None, *, verify: bool = True) -> CategoryModel:
    """Load a model directory (default: the shipped model), cached per path.

    Raises :class:`ModelLoadError` with a clear message when the files are missing, the
    joblib hash does not match the card, or the card's scikit-learn version differs from the
    installed one (``verify=False`` skips the last two checks — only for forensics).
    """
    path = Path(directory) if directory is not None else default_model_dir()
    key = str(path.resolve())
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        model = _load(path, verify=verify)
        _cache[key] = model
        return model


def _load(path: Path, *, verify: bool) -> CategoryModel:
    import joblib
    import sklearn

    card_path = path / CARD_FILE
    model_path = path / MODEL_FILE
    if not card_path.is_file() or not model_path.is_file():
        raise ModelLoadError(
            f"model directory {path} lacks {CARD_FILE} or {MODEL_FILE}; "
            "train one with `python -m shegong.textmining.cli train`"
        )
    try:
        card = json.loads(card_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read model card {card_path}: {exc}") from exc
    if verify:
        want = card.get("sklearn_version")
        if want != sklearn.__version__:
            raise ModelLoadError(
                f"model in {path} was trained with scikit-learn {want}, but {sklearn.__version__}"
                " is installed; install scikit-learn=="
                f"{want} or retrain with `python -m shegong.textmining.cli train`"
            )
        digest = card.get("artifact", {}).get("sha256")
        if digest != _sha256(model_path):
            raise ModelLoadError(f"{model_path} does not match the SHA-256 in {card_path}")
    try:
        payload = joblib.load(model_path)
    except Exception as exc:  # a corrupt or foreign pickle: say which file
        raise ModelLoadError(f"cannot load {model_path}: {exc}") from exc
    if payload.get("format") != CARD_FORMAT:
        raise ModelLoadError(f"{model_path} has unsupported format {payload.get('format')}")
    return CategoryModel(
        pipeline=payload["pipeline"],
        taxonomy=Taxonomy.from_json(payload["taxonomy"]),
        card=card,
        l2_pipeline=payload.get("l2_pipeline"),
        l2_parents=dict(payload.get("l2_parents") or {}),
    )
