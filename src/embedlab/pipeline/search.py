"""`search`: items of a space nearest to a text, an item id or a vector."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from embedlab import methods
from embedlab.analysis.search import check_query_vector, nearest
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.items import id_lookups, similar_ids
from embedlab.pipeline.embed import load_estimator
from embedlab.pipeline.graphs import graph_neighbours, is_graph
from embedlab.pipeline.index import SpaceIndex, space_index
from embedlab.store.handles import take_rows
from embedlab.store.workspace import Dataset, Space, Workspace

QueryKind = Literal["text", "id", "vector"]


@dataclass
class SearchHit:
    rank: int
    id: str
    score: float
    text: str | None
    label: Any
    space: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchRows:
    """What a search found, before any payload is read: rows of `dataset` and their cosine
    similarities, best first, in `space` (the text space a text query went to, if another)."""

    dataset: Dataset
    space: str
    rows: np.ndarray
    scores: np.ndarray


def search(
    workspace: Workspace,
    name: str,
    space: str,
    query: Any,
    *,
    by: QueryKind = "text",
    k: int = 10,
) -> list[SearchHit]:
    """The k items nearest to `query`: a text (embedded by the space's own method), an item id
    (the item itself is left out) or a vector of the space's dimension. Answered from the
    space's persisted index (pipeline/index.py: built on the first search, then reused), the
    candidates re-ranked by exact cosine similarity."""
    found = search_rows(workspace, name, space, query, by, k)
    return _hits(found.dataset, found.space, found.rows, found.scores)


def search_rows(
    workspace: Workspace, name: str, space: str, query: Any, by: QueryKind, k: int
) -> SearchRows:
    """`search` without reading the hits' ids, texts and labels: for a caller that holds them
    (the API's item index), which saves a table read per query."""
    with workspace.catalog.snapshot():
        return _search(workspace, name, space, query, by=by, k=k)


def _search(
    workspace: Workspace, name: str, space: str, query: Any, *, by: QueryKind, k: int
) -> SearchRows:
    space_obj = workspace.space(name, space)
    if by in ("text", "id") and not str(query).strip():
        what = "a text to look for" if by == "text" else "an item id"
        raise InvalidInputError(f"The search query is empty; expected {what}.")
    if by == "text" and not _embeds_text(space_obj.method):
        return _search(
            workspace, name, _text_space_for(workspace, name, space_obj), query, by=by, k=k
        )
    if by not in ("text", "id", "vector"):
        raise InvalidInputError(f"Search by {by!r} is not supported; use 'text', 'id' or 'vector'.")
    dataset = space_obj.source
    index = space_index(workspace, space_obj)
    exclude = None
    if by == "id":
        exclude = _row_of(space_obj, str(query), index)
        stored = _stored_neighbours(workspace, space_obj, exclude, k)
        if stored is not None:  # the graph already holds the answer: no scan of the space
            return SearchRows(dataset, space, *stored)
    if by == "text":
        estimator = load_estimator(workspace, space_obj)
        embed_text = getattr(estimator, "embed_text", estimator.transform)
        vector = embed_text([str(query)])[0]
    elif by == "id":
        vector = np.asarray(index.unit[exclude])
    else:
        vector = check_query_vector(query, space_obj.dim, space)
    _check_direction(vector, query, by, space_obj)
    rows, scores = nearest(index.backend, np.asarray(vector, dtype=np.float32), k, exclude=exclude)
    return SearchRows(dataset, space, rows, scores)


def _check_direction(vector: np.ndarray, query: Any, by: QueryKind, space: Space) -> None:
    """Refuse a query vector of zeros: every item would score 0 and the ranking would be the
    dataset's order. A text gets one when the space's method knows none of its words."""
    if np.any(np.asarray(vector) != 0):
        return
    if by == "text":
        raise InvalidInputError(
            f"The query {str(query)[:80]!r} has no word that space '{space.name}' "
            f"({space.method}) knows, so its vector is all zeros and every item would score 0. "
            "Expected words that occur in the dataset's texts."
        )
    what = f"The vector of item '{query}'" if by == "id" else "The query vector"
    raise InvalidInputError(
        f"{what} is all zeros: it has no direction, so its cosine similarity to every item is "
        "0. Expected a vector with a nonzero value."
    )


@dataclass
class ItemNeighbours:
    """An item's nearest items in a space and, for a graph, the nodes it has an edge to."""

    item: str
    hits: list[SearchHit]
    graph_neighbours: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "hits": [h.to_dict() for h in self.hits],
            "graph_neighbours": self.graph_neighbours,
        }


def item_neighbours(
    workspace: Workspace, name: str, space: str, item: str, *, k: int = 10
) -> ItemNeighbours:
    """The k items nearest to item `item` (itself left out); on a graph dataset also the ids
    of its graph neighbours, so that embedding and graph neighbours can be put side by side."""
    hits = search(workspace, name, space, item, by="id", k=k)
    dataset = workspace.dataset(name)
    linked = None
    if is_graph(dataset):
        ids = dataset.ids()
        rows = graph_neighbours(workspace, dataset, _row_of(workspace.space(dataset, space), item))
        linked = [ids[int(r)] for r in rows]
    return ItemNeighbours(str(item), hits, linked)


def _row_of(space: Space, item: str, index: SpaceIndex | None = None) -> int:
    """The row of an item id (a hash lookup in the space's index when given); failing that,
    of the one item whose text is exactly `item` (so a film is found by its title as well as
    its id)."""
    if index is not None:
        row = index.find(item)  # not row_of: its error's hint would scan the ids a second time
        if row is not None:
            return row
    else:
        ids = space.ids()
        for candidate in id_lookups(item):
            if candidate in ids:
                return ids.index(candidate)
    column = space.source.text_column
    texts = space.source.column(column) if column else []
    rows = [row for row, text in enumerate(texts) if text == item]
    if len(rows) == 1:
        return rows[0]
    if rows:
        ids = space.ids()
        shown = ", ".join(f"'{ids[r]}'" for r in rows[:5])
        raise NotFoundError(
            f"'{item}' is the title of {len(rows)} items in dataset '{space.dataset}' (ids "
            f"{shown}); give the id instead."
        )
    raise NotFoundError(
        f"No item with id '{item}' in dataset '{space.dataset}' ({len(space.source)} items)"
        + (f", nor with that {column}." if column else ".")
        + similar_ids(item, space.ids())
    )


def _stored_neighbours(
    workspace: Workspace, space: Space, row: int, k: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """A row's neighbours read from the space's current graph when it holds k of them."""
    entry = workspace.result("neighbors", space.dataset, space.name)
    if entry is None or not isinstance(k, int) or not 1 <= k <= entry.meta["k"]:
        return None
    stored = workspace.open_table(entry).take_offsets([row]).to_arrow().to_pylist()[0]
    return np.asarray(stored["indices"][:k]), np.asarray(stored["similarities"][:k])


def _hits(dataset: Dataset, space: str, rows: np.ndarray, scores: np.ndarray) -> list[SearchHit]:
    columns = ["id"] + [c for c in (dataset.text_column, dataset.label_column) if c]
    payload = take_rows(dataset.table, rows, columns)
    return [
        SearchHit(
            rank=i + 1,
            id=item["id"],
            score=round(float(score), 6),
            text=item.get(dataset.text_column) if dataset.text_column else None,
            label=item.get(dataset.label_column) if dataset.label_column else None,
            space=space,
        )
        for i, (item, score) in enumerate(zip(payload, scores, strict=True))
    ]


def _embeds_text(method: str) -> bool:
    cls = methods.get(method)
    return cls.modality == "text" or hasattr(cls, "embed_text")


def _text_space_for(workspace: Workspace, name: str, space: Any) -> str:
    """An image space cannot embed text; a ConSE space of the same dataset can stand in."""
    for other in workspace.space_names(name):
        if _embeds_text(workspace.space(name, other).method):
            return other
    kind = methods.get(space.method).modality
    hint = (
        f" For text-to-image search make a ConSE space: `embedlab embed {name} --method "
        "conse`; a text search on this space then goes through it."
        if kind == "image"
        else ""
    )
    raise InvalidInputError(
        f"Space '{space.name}' was made by '{space.method}' from {kind} data, so it cannot embed "
        f"a text query. Search it by item id or by vector.{hint}"
    )
