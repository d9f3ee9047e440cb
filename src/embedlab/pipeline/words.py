"""Words: train word vectors on a stored text dataset and store them like any other result.

`train_words(ws, "corpus", "glove")` reads the texts of dataset `corpus` (streamed in batches),
trains, and stores
- the words dataset `corpus-words`: one item per vocabulary word (`id` = the word, `word`, the
  text column, and `count`), most frequent first;
- a space named after the method (`glove`), row i = word i, with the fitted state saved like
  `embed` saves it (so `search`, `neighbors`, `project`, `export` and the app work on it).
Methods trained with the same vocabulary options (min_count, max_vocab, preprocessing) share
one words dataset; a run that would change the vocabulary under other methods' spaces is
refused unless `replace=True` (those spaces go) or another `words_dataset` name is given.
A dataset of that name that is not a words dataset (its meta has no kind 'words') is never
replaced. Nothing is written until training has succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from embedlab import methods
from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.methods.word import WordEmbedder, WordOneHot
from embedlab.pipeline.spaces import space_table, store_space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace, validate_name
from embedlab.words.bias import (
    WeatResult,
    bias_direction,
    hard_debias,
    project,
    run_weat,
    word_sets,
)
from embedlab.words.evaluate import BENCHMARKS, evaluate_word_vectors
from embedlab.words.vectors import AnalogyMethod, WordScore, WordVectors, check_analogy_method

#: `embedlab words --method NAME` -> registered method.
WORD_METHODS = {
    "word2vec": "word2vec",
    "glove": "glove",
    "onehot": "word-onehot",
    "pretrained": "pretrained-words",
}
WORDS_SUFFIX = "-words"
TEXT_BATCH_ROWS = 10_000


class DatasetTexts:
    """The texts of a stored dataset as a restartable iterable, read in batches."""

    def __init__(self, dataset: Dataset) -> None:
        if not dataset.text_column:
            raise InvalidInputError(
                f"Dataset '{dataset.name}' has no text column, so there is no corpus to train "
                f"word vectors on. Ingest the texts with --text COLUMN (columns: "
                f"{', '.join(dataset.columns)})."
            )
        self.dataset = dataset
        self.column = dataset.text_column

    def __iter__(self) -> Iterator[str]:
        query = self.dataset.table.search().select([self.column]).limit(None)
        for batch in query.to_batches(TEXT_BATCH_ROWS):
            for text in batch.column(0).to_pylist():
                yield "" if text is None else str(text)

    def __len__(self) -> int:
        return len(self.dataset)


@dataclass
class WordsReport:
    dataset: str
    corpus: str
    space: str | None
    method: str
    params: dict[str, Any]
    n_words: int
    dim: int
    reused: bool
    dataset_written: bool
    dropped_spaces: list[str]
    duration_s: float
    method_report: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "corpus": self.corpus,
            "space": self.space,
            "method": self.method,
            "params": self.params,
            "n_words": self.n_words,
            "dim": self.dim,
            "reused": self.reused,
            "dataset_written": self.dataset_written,
            "dropped_spaces": self.dropped_spaces,
            "duration_s": round(self.duration_s, 3),
            "method_report": self.method_report,
            "note": self.note,
        }


def word_method(method: str) -> type[WordEmbedder]:
    name = WORD_METHODS.get(method, method)
    if name not in WORD_METHODS.values():
        raise NotFoundError(
            f"Unknown word method '{method}'. {did_you_mean(method, list(WORD_METHODS))}"
        )
    cls = methods.get(name)
    assert issubclass(cls, WordEmbedder)
    return cls


def _vocabulary_signature(corpus: Dataset, estimator: WordEmbedder) -> dict[str, Any]:
    return {
        "corpus": corpus.name,
        "corpus_version": corpus.version,
        **estimator.vocabulary_params(),
    }


def train_words(
    workspace: Workspace,
    corpus: str,
    method: str,
    *,
    params: dict[str, Any] | None = None,
    space: str | None = None,
    words_dataset: str | None = None,
    replace: bool = False,
    force: bool = False,
) -> WordsReport:
    """Train `method` (word2vec, glove, onehot, pretrained) on the texts of dataset `corpus`;
    store the words dataset and the space (see the module docstring)."""
    started = time.time()
    source = workspace.dataset(corpus)
    texts = DatasetTexts(source)
    estimator = word_method(method).from_params(params or {})
    assert isinstance(estimator, WordEmbedder)
    estimator.check_params()  # an unknown source was reported after a vocabulary conflict
    name = validate_name(
        corpus + WORDS_SUFFIX if words_dataset is None else words_dataset, "words dataset"
    )
    space = validate_name(method if space is None else space, "space")
    signature = _vocabulary_signature(source, estimator)
    space_signature = {
        "method": estimator.name,
        "params": estimator.get_params(),
        "columns": ["word"],
        "corpus_version": source.version,
    }
    existing = workspace.dataset(name) if workspace.has_dataset(name) else None
    if existing is not None and existing.meta.get("kind") != "words":
        _refuse_other_dataset(workspace, existing)
    same_vocabulary = existing is not None and existing.meta.get("vocabulary") == signature
    if same_vocabulary and not force:
        found = workspace.catalog.get("space", name, space)
        if (
            found is not None
            and found.status == "complete"
            and all(found.meta.get(k) == v for k, v in space_signature.items())
            and workspace.is_fresh(found)
        ):
            return _reused(workspace, name, corpus, space, started)
    others = (
        []
        if existing is None or same_vocabulary
        else [s for s in workspace.space_names(name) if s != space]
    )
    if others and not replace:
        assert existing is not None
        changes = _differences(existing.meta.get("vocabulary", {}), signature)
        raise InvalidInputError(
            f"Words dataset '{name}' holds the vocabulary of spaces {', '.join(others)}, made "
            f"with other vocabulary options ({changes}). "
            f"Training '{method}' would replace that vocabulary and drop those spaces. Pass "
            "--replace to do so, or --dataset NAME to store these words beside them; or use "
            "the same options."
        )
    estimator.fit(texts)  # nothing is written before this succeeds
    with workspace.writing():
        run = RunRecord(
            kind="words",
            dataset=name,
            space=space,
            method=estimator.name,
            params=estimator.get_params(),
            seed=getattr(estimator, "seed", None),
        )
        written = not same_vocabulary or _words_differ(workspace.dataset(name), estimator)
        if written:
            _store_words_dataset(workspace, name, source, estimator, signature, run)
        space_obj, note = _store_space(workspace, name, space, estimator, space_signature, run)
    return WordsReport(
        dataset=name,
        corpus=corpus,
        space=space_obj.name if space_obj else None,
        method=method,
        params=estimator.get_params(),
        n_words=len(estimator.words_),
        dim=int(space_obj.dim) if space_obj else estimator.dimension_,
        reused=False,
        dataset_written=written,
        dropped_spaces=others if written else [],
        duration_s=time.time() - started,
        method_report=dict(estimator.report_),
        note=note,
    )


def _refuse_other_dataset(workspace: Workspace, existing: Dataset) -> None:
    """A dataset of that name that `train_words` did not write is never replaced."""
    spaces = workspace.space_names(existing.name)
    held = f" and its spaces {', '.join(spaces)}" if spaces else ""
    source = existing.meta.get("source")
    origin = f" from '{source}'" if source else ""
    raise InvalidInputError(
        f"Dataset '{existing.name}' already exists and is not a words dataset (it holds "
        f"{len(existing):,} items{origin}); storing the words under that name would replace "
        f"it{held}. Pass --dataset NAME to store the words under another name."
    )


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = [f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in new if old.get(k) != new.get(k)]
    return ", ".join(changed) or "a different corpus version"


def _words_differ(dataset: Dataset, estimator: WordEmbedder) -> bool:
    stored = dataset.ids()
    return stored != estimator.words_.tolist()


def _reused(
    workspace: Workspace, name: str, corpus: str, space: str, started: float
) -> WordsReport:
    space_obj = workspace.space(name, space)
    return WordsReport(
        dataset=name,
        corpus=corpus,
        space=space,
        method=space_obj.method,
        params=space_obj.params,
        n_words=int(space_obj.meta["n_items"]),
        dim=space_obj.dim,
        reused=True,
        dataset_written=False,
        dropped_spaces=[],
        duration_s=time.time() - started,
        method_report=space_obj.meta.get("method_report", {}),
    )


def _store_words_dataset(
    workspace: Workspace,
    name: str,
    source: Dataset,
    estimator: WordEmbedder,
    signature: dict[str, Any],
    run: RunRecord,
) -> None:
    words = estimator.words_.tolist()
    table = pa.table(
        {
            "id": pa.array(words, pa.string()),
            "word": pa.array(words, pa.string()),
            "count": pa.array(estimator.counts_, pa.int64()),
        }
    )
    meta = {
        "source": f"words of dataset '{source.name}'",
        "n_items": len(words),
        "text_column": "word",
        "label_column": None,
        "skipped_empty_text": 0,
        "skipped_rows": [],
        "renamed_columns": {},
        "image_column": None,
        "modality": "text",
        "skipped_files": [],
        "n_skipped_files": 0,
        "kind": "words",
        "vocabulary": signature,
    }
    vocabulary_run = RunRecord(
        kind="words-vocabulary",
        dataset=name,
        method=estimator.name,
        params=signature,
        report={"n_items": len(words), "tokens": estimator.report_.get("tokens")},
    )
    workspace.save_result(
        "dataset", name, name, table, run=vocabulary_run, inputs=[source], meta=meta
    )


def _store_space(
    workspace: Workspace,
    name: str,
    space: str,
    estimator: WordEmbedder,
    space_signature: dict[str, Any],
    run: RunRecord,
) -> tuple[Space | None, str]:
    dataset = workspace.dataset(name)
    if isinstance(estimator, WordOneHot):
        if estimator.dimension_ > estimator.max_dimension:
            report = estimator.report_
            note = (
                f"One-hot space not stored: {report['dimension']:,} x {report['dimension']:,} "
                f"float32 would take {report['one_hot_dense_bytes'] / 2**20:,.1f} MiB (a "
                f"{report['embedding_dimension']}-d dense embedding of the same words: "
                f"{report['embedding_bytes'] / 2**20:,.1f} MiB). It is stored up to "
                f"max_dimension={estimator.max_dimension:,} words (--param max_dimension=N)."
            )
            run.report = {"n_items": len(dataset), **estimator.report_, "note": note}
            run.duration_s = time.time() - run.started_at
            workspace.manifest.record(run)
            return None, note
        vectors = estimator.one_hot_matrix()
    else:
        assert estimator.vectors_ is not None
        vectors = estimator.vectors_
    workspace.save_model_state(run.run_id, estimator.get_state())
    stored = store_space(
        workspace,
        dataset,
        space,
        space_table(estimator.words_.tolist(), vectors),
        estimator=estimator,
        signature=space_signature,
        run=run,
        method_report=dict(estimator.report_),
    )
    return stored, ""


# -- using them ------------------------------------------------------------------------------
def word_vectors(workspace: Workspace, dataset: str, space: str) -> WordVectors:
    """The vectors of a stored space, looked up by word (the dataset's item ids)."""
    return WordVectors.from_space(workspace, dataset, space)


def similar_words(
    workspace: Workspace, dataset: str, space: str, word: str, *, k: int = 10
) -> list[WordScore]:
    return word_vectors(workspace, dataset, space).most_similar(word, k=k)


def analogy(
    workspace: Workspace,
    dataset: str,
    space: str,
    a: str,
    b: str,
    c: str,
    *,
    k: int = 5,
    method: AnalogyMethod = "3cosadd",
) -> list[WordScore]:
    """a - b + c ('king man woman' -> queen)."""
    return word_vectors(workspace, dataset, space).analogy(a, b, c, k=k, method=method)


# -- evaluation ------------------------------------------------------------------------------
def evaluate_words(
    workspace: Workspace,
    dataset: str,
    spaces: list[str] | None = None,
    *,
    benchmarks: list[str] | tuple[str, ...] = BENCHMARKS,
    analogy_method: AnalogyMethod = "3cosadd",
) -> list[dict[str, Any]]:
    """One row per space: each benchmark's score, items used and out-of-vocabulary count.
    Spaces with one-hot vectors are scored too (they show what no notion of similarity gives).
    Recorded in the manifest."""
    check_analogy_method(analogy_method, "evaluate_words", "analogy_method")
    names = spaces if spaces else workspace.space_names(dataset)
    if not names:
        raise NotFoundError(
            f"Dataset '{dataset}' has no spaces to evaluate. Train some with `embedlab words`."
        )
    run = RunRecord(
        kind="evaluate",
        dataset=dataset,
        method="word-benchmarks",
        params={"spaces": names, "benchmarks": list(benchmarks), "analogy": analogy_method},
    )
    rows = []
    for name in names:
        vectors = word_vectors(workspace, dataset, name)
        scores = evaluate_word_vectors(vectors, benchmarks, analogy_method=analogy_method)
        rows.append(
            {
                "space": name,
                "method": workspace.space(dataset, name).method,
                "n_words": len(vectors),
                "dim": vectors.dim,
                "scores": {s.benchmark: s.to_dict() for s in scores},
            }
        )
    run.report = {"results": rows}
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
    return rows


# -- bias ------------------------------------------------------------------------------------
@dataclass
class BiasReport:
    dataset: str
    space: str
    before: WeatResult
    direction_explained: float
    projections: dict[str, float]
    after: WeatResult | None = None
    projections_after: dict[str, float] | None = None
    debiased_space: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "space": self.space,
            "weat": self.before.to_dict(),
            "direction_explained_variance": round(self.direction_explained, 4),
            "projections": {k: round(v, 4) for k, v in self.projections.items()},
            "weat_after": self.after.to_dict() if self.after else None,
            "projections_after": (
                {k: round(v, 4) for k, v in self.projections_after.items()}
                if self.projections_after is not None
                else None
            ),
            "debiased_space": self.debiased_space,
        }


def measure_bias(
    workspace: Workspace,
    dataset: str,
    space: str,
    *,
    test: str = "weat-gender-career",
    debias: Literal["hard"] | None = None,
    permutations: int = 10_000,
    seed: int = 0,
) -> BiasReport:
    """WEAT `test` on a space, the gender direction and the occupations' projections on it;
    with `debias="hard"` the same after hard de-biasing, stored as space SPACE-debiased."""
    if debias not in (None, "hard"):
        raise InvalidInputError(f"Unknown de-biasing '{debias}'; the one available is 'hard'.")
    vectors = word_vectors(workspace, dataset, space)
    before = run_weat(vectors, test, permutations=permutations, seed=seed)
    direction, explained = bias_direction(vectors)
    occupations = word_sets()["occupations"]
    projections = _sorted(project(vectors, occupations, direction))
    report = BiasReport(dataset, space, before, explained, projections)
    run = RunRecord(
        kind="bias",
        dataset=dataset,
        space=space,
        method="weat+hard-debias" if debias else "weat",
        params={"test": test, "debias": debias, "permutations": permutations},
        seed=seed,
        input_version=workspace.space(dataset, space).version,
    )
    if debias == "hard":
        fixed = hard_debias(vectors, direction)
        report.after = run_weat(fixed, test, permutations=permutations, seed=seed)
        report.projections_after = _sorted(project(fixed, occupations, direction))
        report.debiased_space = _store_debiased(workspace, dataset, space, fixed, run)
    else:
        run.report = {"weat": before.to_dict()}
        with workspace.writing():
            run.duration_s = time.time() - run.started_at
            workspace.manifest.record(run)
    return report


def _sorted(projections: dict[str, float]) -> dict[str, float]:
    return dict(sorted(projections.items(), key=lambda kv: kv[1]))


def _store_debiased(
    workspace: Workspace, dataset: str, space: str, fixed: WordVectors, run: RunRecord
) -> str:
    """The de-biased vectors as a space beside the original, with a fitted state of the same
    method whose vectors are the de-biased ones (so text search goes through them too)."""
    original = workspace.space(dataset, space)
    name = validate_name(f"{space}-debiased", "space")
    state = workspace.load_model_state(original.meta["state_run"])
    state["vectors"] = fixed.vectors
    with workspace.writing():
        run.space = name
        workspace.save_model_state(run.run_id, state)
        signature = {k: original.meta[k] for k in ("method", "params", "columns")}
        store_space(
            workspace,
            original.source,
            name,
            space_table(fixed.words.tolist(), fixed.vectors),
            estimator=methods.get(original.method).from_params(original.params),
            signature=signature,
            run=run,
            method_report={"debias": "hard", "from_space": space},
            inputs=[original],
            extra={"debiased_from": space},
        )
    return name
