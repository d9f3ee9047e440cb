"""DeepWalk (Perozzi et al., 2014) and node2vec (Grover & Leskovec, 2016): random walks on the
graph, then skip-gram with negative sampling over the walks as sentences: embedlab's own
window-batched kernel by default (skipgram.py: the walks are trained chunk by chunk as they are
made, never stored), or gensim's in corpus_file mode with `trainer="gensim"`. Node embeddings
are transductive: `transform` returns the vectors learned for the nodes of the graph given to
`fit`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, register
from embedlab.methods.graph.input import GraphInput, as_graph_input
from embedlab.methods.word.base import SMALL_CORPUS_TOKENS, train_from_file
from embedlab.words.corpus import temporary_folder

if TYPE_CHECKING:
    from embedlab.methods.graph.walks import WalkCorpus

WalkChunks = Iterator[tuple[np.ndarray, int]]
#: Who trains the skip-gram: embedlab's window-batched numba kernel (skipgram.py) or gensim.
TRAINERS = ("embedlab", "gensim")


class WalkEmbedder(Embedder):
    """Shared parameters, training and state of the walk methods."""

    modality = "graph"
    p: float = 1.0
    q: float = 1.0

    vectors_: np.ndarray

    def __init__(
        self,
        *,
        dimensions: int = 128,
        walk_length: int = 80,
        num_walks: int = 10,
        window: int = 10,
        negative: int = 5,
        sample: float = 1e-3,
        alpha: float = 0.025,
        epochs: int = 1,
        workers: int = 0,
        seed: int = 0,
        trainer: str = "embedlab",
    ) -> None:
        self.dimensions = dimensions
        self.walk_length = walk_length
        self.num_walks = num_walks
        self.window = window
        self.negative = negative
        self.sample = sample
        self.alpha = alpha
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.trainer = trainer

    def _check_int(self, name: str, minimum: int) -> None:
        value = getattr(self, name)
        ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
        self._check_param(name, ok and value >= minimum, f"an int >= {minimum}")

    def _check_float(self, name: str, low: float, high: float | None, expected: str) -> None:
        value = getattr(self, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and value > low and (high is None or value <= high)
        self._check_param(name, ok, expected)

    def _validate_params(self) -> None:
        for name, minimum in (
            ("dimensions", 1),
            ("walk_length", 2),
            ("num_walks", 1),
            ("window", 1),
            ("negative", 1),
            ("epochs", 1),
            ("workers", 0),
            ("seed", 0),
        ):
            self._check_int(name, minimum)
        ok = isinstance(self.sample, int | float) and 0 <= self.sample < 1
        self._check_param("sample", ok, "a float in the range [0, 1)")
        self._check_float("alpha", 0.0, 1.0, "a float in the range (0, 1]")
        self._check_param("trainer", self.trainer in TRAINERS, f"one of {', '.join(TRAINERS)}")

    def fit(self, X: Any) -> WalkEmbedder:
        """Walk from every node `num_walks` times and train skip-gram on the walks."""
        self._validate_params()
        graph = as_graph_input(X, type(self).__name__)
        # The walk and skip-gram kernels are numba: compiled on first use, imported on fit only
        # (importing numba costs every command that lists the methods ~0.25 s).
        from embedlab.methods.graph.walks import count_tokens, threads_for, walk_chunks, write_walks

        workers = self.workers or os.cpu_count() or 1
        chunks = partial(
            walk_chunks,
            graph.indptr,
            graph.indices,
            graph.weights,
            weighted=graph.weighted,
            num_walks=self.num_walks,
            walk_length=self.walk_length,
            p=float(self.p),
            q=float(self.q),
            seed=int(self.seed),
        )
        n_walks = self.num_walks * graph.n_nodes
        label = f"Walking ({self.name}): {graph.n_nodes:,} nodes x {self.num_walks}"
        with threads_for(workers):
            if self.trainer == "gensim":
                with temporary_folder() as folder:
                    path = Path(folder) / "walks.txt"
                    corpus = write_walks(path, chunks(), graph.n_nodes, label=label, total=n_walks)
                    counts = corpus.counts
                    workers = 1 if corpus.n_tokens < SMALL_CORPUS_TOKENS else workers
                    self.vectors_, losses = self._train_gensim(corpus, workers)
            else:
                with progress.task(label, total=n_walks) as bar:
                    counts = count_tokens(chunks(), graph.n_nodes, bar.advance)
                workers = 1 if counts.sum() < SMALL_CORPUS_TOKENS else workers
                self.vectors_, losses = self._train_own(chunks, counts, workers)
        self.dimension_ = int(self.vectors_.shape[1])
        self.report_ = {
            "nodes": graph.n_nodes,
            "walks": n_walks,
            "walk_tokens": int(counts.sum()),
            "loss_per_epoch": losses,
            "workers": workers,
            "trainer": self.trainer,
        }
        return self

    def _train_own(
        self, chunks: Callable[[], WalkChunks], counts: np.ndarray, workers: int
    ) -> tuple[np.ndarray, list[float]]:
        """embedlab's skip-gram (skipgram.py) on the walks, regenerated chunk by chunk."""
        total = self.epochs * self.num_walks * len(counts)
        from embedlab.methods.graph.skipgram import train_walks
        from embedlab.methods.graph.walks import threads_for

        label = f"skip-gram ({self.name}): {self.epochs} epoch(s)"
        with threads_for(workers), progress.task(label, total=total) as bar:
            return train_walks(
                chunks,
                counts,
                dimensions=self.dimensions,
                window=self.window,
                negative=self.negative,
                sample=self.sample,
                alpha=self.alpha,
                epochs=self.epochs,
                seed=self.seed,
                threads=workers,
                advance=bar.advance,
            )

    def _train_gensim(self, corpus: WalkCorpus, workers: int) -> tuple[np.ndarray, list[float]]:
        """gensim's skip-gram with negative sampling over the walk file; node-row order."""
        from gensim.models import Word2Vec

        model = Word2Vec(
            vector_size=self.dimensions,
            sg=1,
            hs=0,
            window=self.window,
            negative=self.negative,
            sample=self.sample,
            alpha=self.alpha,
            min_count=1,
            workers=workers,
            seed=self.seed,
        )
        tokens = [str(row) for row in range(len(corpus.counts))]
        model.build_vocab_from_freq(
            dict(zip(tokens, corpus.counts.tolist(), strict=True)), corpus_count=corpus.n_walks
        )
        losses = train_from_file(
            model,
            str(corpus.path),
            total_words=corpus.n_tokens,
            total_examples=corpus.n_walks,
            epochs=self.epochs,
            label=f"skip-gram ({self.name}, gensim)",
        )
        rows = [model.wv.key_to_index[token] for token in tokens]
        vectors = np.ascontiguousarray(model.wv.vectors[rows], dtype=np.float32)
        return vectors, losses

    def transform(self, X: Any) -> np.ndarray:
        """The learned vectors of the selected nodes of the graph given to `fit`."""
        self._check_fitted()
        graph = as_graph_input(X, type(self).__name__)
        return node_rows(self.vectors_, graph, type(self).__name__)

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"vectors": self.vectors_}

    def set_state(self, state: dict[str, np.ndarray]) -> WalkEmbedder:
        self.vectors_ = np.ascontiguousarray(state["vectors"], dtype=np.float32)
        self.dimension_ = int(self.vectors_.shape[1])
        self.report_ = {"nodes": int(self.vectors_.shape[0])}
        return self


def node_rows(vectors: np.ndarray, graph: GraphInput, method: str) -> np.ndarray:
    """The rows of `vectors` for the graph's selected nodes; the graph must be the fitted one."""
    if graph.n_nodes != vectors.shape[0]:
        raise InvalidInputError(
            f"This {method} was fitted on a graph of {vectors.shape[0]:,} nodes; got one of "
            f"{graph.n_nodes:,}. Node embeddings belong to the graph they were learned on: fit "
            "on this graph."
        )
    return np.ascontiguousarray(vectors[graph.selected_rows()], dtype=np.float32)


@register
class DeepWalk(WalkEmbedder):
    """DeepWalk: uniform (weight-proportional) random walks + skip-gram."""

    name = "deepwalk"
    summary = "DeepWalk node vectors: weighted random walks + skip-gram"


#: the allowed range of node2vec's p and q: beyond it a walk may take millions of tries a step
BIAS_RANGE = (0.01, 100.0)


@register
class Node2Vec(WalkEmbedder):
    """node2vec: second-order walks biased by the return parameter p (low p: come back) and
    the in-out parameter q (low q: move outwards, DFS-like; high q: stay local, BFS-like)."""

    name = "node2vec"
    summary = "node2vec node vectors: p/q-biased second-order walks + skip-gram"

    def __init__(
        self,
        *,
        dimensions: int = 128,
        walk_length: int = 80,
        num_walks: int = 10,
        window: int = 10,
        p: float = 1.0,
        q: float = 1.0,
        negative: int = 5,
        sample: float = 1e-3,
        alpha: float = 0.025,
        epochs: int = 1,
        workers: int = 0,
        seed: int = 0,
        trainer: str = "embedlab",
    ) -> None:
        super().__init__(
            dimensions=dimensions,
            walk_length=walk_length,
            num_walks=num_walks,
            window=window,
            negative=negative,
            sample=sample,
            alpha=alpha,
            epochs=epochs,
            workers=workers,
            seed=seed,
            trainer=trainer,
        )
        self.p = p
        self.q = q

    def _validate_params(self) -> None:
        super()._validate_params()
        # rejection sampling tries up to max(1/p, 1, 1/q) / min(1/p, 1, 1/q) steps per accepted
        # one: with p or q unbounded (inf, 1e300) a walk at a leaf never leaves it
        low, high = BIAS_RANGE
        expected = f"a float in the range [{low:g}, {high:g}]"
        for name in ("p", "q"):
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            self._check_param(name, ok and low <= value <= high, expected)
