"""`tokens`: a dataset of every occurrence of a word in a text dataset, with a space of their
contextual token vectors, so `project`, `cluster`, the map and the app show the word's senses.

`token_dataset(ws, "reviews", "play", "minilm")` stores
- dataset `reviews-play` (or `out`): one item per occurrence, `id` = "TEXT_ID:POSITION" (token
  index), `text` = the sentence around it, `source_id`, `position`, `start`, `end`, `form`;
  its input: the corpus. Run again with the other method, it is kept and the second space goes
  beside the first;
- space `minilm` (or `elmo`) of it: the contextual vectors; its inputs are the tokens dataset
  and, for elmo, the ELMo space whose model made them, so re-ingesting the corpus or
  re-training the ELMo makes it stale.
A dataset of that name that `tokens` did not make is never replaced. Nothing is written when
the word does not occur.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from embedlab.analysis.tokens import (
    Occurrence,
    elmo_token_vectors,
    find_occurrences,
    minilm_token_vectors,
    sentence_around,
)
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.methods.base import Embedder
from embedlab.methods.elmo import ELMo
from embedlab.methods.transformer import MiniLM
from embedlab.pipeline.embed import load_estimator
from embedlab.pipeline.spaces import space_table, store_space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import NAME_PATTERN, Dataset, Space, Workspace, validate_name

TokenMethod = Literal["minilm", "elmo"]
TOKEN_METHODS = ("minilm", "elmo")


@dataclass
class TokensReport:
    dataset: str
    corpus: str
    word: str
    method: str
    space: str
    n_occurrences: int
    n_texts: int
    dim: int
    duration_s: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "corpus": self.corpus,
            "word": self.word,
            "method": self.method,
            "space": self.space,
            "n_occurrences": self.n_occurrences,
            "n_texts": self.n_texts,
            "dim": self.dim,
            "duration_s": round(self.duration_s, 3),
            "notes": self.notes,
        }


def default_name(corpus: str, word: str) -> str:
    """`CORPUS-WORD` when the word can be part of a name, else `CORPUS-tokens`."""
    name = f"{corpus}-{word.strip().lower()}"
    return name if NAME_PATTERN.match(name) else f"{corpus}-tokens"


def token_dataset(
    workspace: Workspace,
    name: str,
    word: str,
    method: str = "minilm",
    *,
    space: str | None = None,
    out: str | None = None,
) -> TokensReport:
    """Find every occurrence of `word` in dataset `name` and store them with their contextual
    vectors by `method` (minilm, or elmo from the fitted ELMo space `space`, default 'elmo')."""
    started = time.time()
    if method not in TOKEN_METHODS:
        raise InvalidInputError(
            f"Token vectors come from 'minilm' or 'elmo'; got method '{method}'."
        )
    corpus = workspace.dataset(name)
    target = validate_name(default_name(name, word) if out is None else out, "tokens dataset")
    _refuse_other_dataset(workspace, target, corpus)
    texts = [str(t or "") for t in corpus.texts()]
    model, elmo_space = _token_model(workspace, corpus, method, space)
    lowercase = model.lowercase if isinstance(model, ELMo) else True
    occurrences = find_occurrences(texts, word, lowercase)
    if not occurrences:
        raise InvalidInputError(
            f"The word '{word}' does not occur in the {len(texts):,} texts of dataset '{name}' "
            "(matched as a whole token, case-insensitively; Korean by morphemes)."
        )
    if isinstance(model, ELMo):
        vectors = elmo_token_vectors(texts, occurrences, model)
    else:
        vectors = minilm_token_vectors(texts, occurrences, model)
    notes = _notes(model, word)
    with workspace.writing():
        dataset = _current_dataset(workspace, target, corpus, occurrences)
        if dataset is None:
            dataset = _store_dataset(workspace, target, corpus, texts, occurrences, word, method)
        stored = _store_vectors(workspace, dataset, method, model, vectors, elmo_space, word)
    return TokensReport(
        dataset=target,
        corpus=name,
        word=word,
        method=method,
        space=stored.name,
        n_occurrences=len(occurrences),
        n_texts=len({o.row for o in occurrences}),
        dim=stored.dim,
        duration_s=time.time() - started,
        notes=notes,
    )


def _token_model(
    workspace: Workspace, corpus: Dataset, method: str, space: str | None
) -> tuple[Embedder, Space | None]:
    """The model giving token vectors, and the ELMo space it was restored from (if any)."""
    if method == "minilm":
        if space is not None:
            raise InvalidInputError(
                "--space names a trained ELMo space; 'minilm' is pretrained and needs none."
            )
        return MiniLM().fit(), None
    names = workspace.space_names(corpus.name)
    if space is None and "elmo" not in names:  # it said "Make one" of an ELMo stored by name
        entries = [workspace.catalog.get("space", corpus.name, n) for n in names]
        elmo = [e.name for e in entries if e is not None and e.meta.get("method") == "elmo"]
        if elmo:
            raise NotFoundError(
                f"No space 'elmo' in dataset '{corpus.name}'; its ELMo space(s): "
                f"{', '.join(map(repr, elmo))}. Pass one with --space NAME."
            )
    found = workspace.space(corpus, space or "elmo")
    if found.method != "elmo":
        raise InvalidInputError(
            f"Space '{found.name}' of '{corpus.name}' was made by '{found.method}', not 'elmo': "
            f"token vectors need an ELMo. Train one with `embedlab embed {corpus.name} --method "
            "elmo` and pass its space with --space."
        )
    return load_estimator(workspace, found), found


def _notes(model: Embedder, word: str) -> list[str]:
    if isinstance(model, ELMo) and not model.in_vocabulary(word):
        return [
            f"'{word}' is not in the ELMo vocabulary (seen fewer than min_count times in its "
            "training texts): its vectors come from the <unk> row and the context alone."
        ]
    return []


def _refuse_other_dataset(workspace: Workspace, target: str, corpus: Dataset) -> None:
    if target == corpus.name:
        raise InvalidInputError(
            f"The tokens dataset cannot replace its corpus '{corpus.name}': pass --out NAME."
        )
    if workspace.has_dataset(target):
        existing = workspace.dataset(target)
        if existing.meta.get("kind") != "tokens":
            raise InvalidInputError(
                f"Dataset '{target}' already exists and was not made by `tokens` (it holds "
                f"{len(existing):,} items); it is never replaced. Pass --out NAME."
            )


def _current_dataset(
    workspace: Workspace, target: str, corpus: Dataset, occurrences: list[Occurrence]
) -> Dataset | None:
    """The stored tokens dataset when it holds these very occurrences of the current corpus (a
    second method's space then goes beside the first one's), else None."""
    if not workspace.has_dataset(target):
        return None
    existing = workspace.dataset(target)
    ids = corpus.ids()
    wanted = [f"{ids[o.row]}:{o.position}" for o in occurrences]
    same_source = existing.meta.get("inputs") == {corpus.ref: corpus.version}
    return existing if same_source and existing.ids() == wanted else None


def _store_dataset(
    workspace: Workspace,
    target: str,
    corpus: Dataset,
    texts: list[str],
    occurrences: list[Occurrence],
    word: str,
    method: str,
) -> Dataset:
    ids = corpus.ids()
    table = pa.table(
        {
            "id": pa.array([f"{ids[o.row]}:{o.position}" for o in occurrences], pa.string()),
            "text": [sentence_around(texts[o.row], o.start, o.end) for o in occurrences],
            "source_id": pa.array([ids[o.row] for o in occurrences], pa.string()),
            "position": pa.array([o.position for o in occurrences], pa.int64()),
            "start": pa.array([o.start for o in occurrences], pa.int64()),
            "end": pa.array([o.end for o in occurrences], pa.int64()),
            "form": pa.array([o.form for o in occurrences], pa.string()),
        }
    )
    meta = {
        "source": f"occurrences of '{word}' in dataset '{corpus.name}'",
        "n_items": table.num_rows,
        "text_column": "text",
        "label_column": None,
        "skipped_empty_text": 0,
        "skipped_rows": [],
        "renamed_columns": {},
        "image_column": None,
        "modality": "text",
        "skipped_files": [],
        "n_skipped_files": 0,
        "kind": "tokens",
        "word": word,
        "corpus": corpus.name,
        "token_method": method,
    }
    dataset_run = RunRecord(
        kind="tokens-dataset",
        dataset=target,
        method=method,
        params={"word": word, "corpus": corpus.name},
        report={"n_items": table.num_rows},
    )
    workspace.save_result(
        "dataset", target, target, table, run=dataset_run, inputs=[corpus], meta=meta
    )
    return workspace.dataset(target)


def _store_vectors(
    workspace: Workspace,
    dataset: Dataset,
    method: str,
    model: Embedder,
    vectors: np.ndarray,
    elmo_space: Space | None,
    word: str,
) -> Space:
    """The space of the occurrences; it is restored (search queries) from the ELMo's fitted
    state, or MiniLM's empty one."""
    run = RunRecord(
        kind="tokens",
        dataset=dataset.name,
        space=method,
        method=method,
        params=model.get_params(),
        seed=getattr(model, "seed", None),
    )
    if elmo_space is None:
        workspace.save_model_state(run.run_id, model.get_state())
        extra = None
    else:  # the fitted ELMo this space came from
        extra = {"state_run": elmo_space.meta["state_run"]}
    signature = {"method": method, "params": model.get_params(), "columns": ["text"]}
    inputs = [dataset] + ([elmo_space] if elmo_space is not None else [])
    return store_space(
        workspace,
        dataset,
        method,
        space_table(dataset.ids(), vectors),
        estimator=model,
        signature=signature,
        run=run,
        method_report={"word": word, "occurrences": len(vectors), "token_vectors": True},
        inputs=inputs,
        extra=extra,
    )
