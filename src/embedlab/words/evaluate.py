"""Intrinsic evaluation of word vectors on the standard sets shipped in gensim's test data:
Google analogies (accuracy, 3CosAdd or 3CosMul, question words excluded), WordSim353 and
SimLex-999 (Spearman correlation with human scores). Questions and pairs with a word outside
the vocabulary are skipped and counted, as gensim and the original scripts do; words are
lower-cased when the vocabulary is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError, did_you_mean
from embedlab.words.vectors import (
    AnalogyMethod,
    WordVectors,
    analogy_scores,
    check_analogy_method,
)

Benchmark = Literal["analogy", "wordsim353", "simlex999"]
BENCHMARKS: tuple[Benchmark, ...] = ("analogy", "wordsim353", "simlex999")
FILES = {
    "analogy": "questions-words.txt",
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
}
RESTRICT_VOCAB = 300_000  # gensim's default: answers among the 300k most frequent words
SCORE_BYTES = 256 * 2**20  # one batch of analogy questions' score matrices stays under this
#: float32 (questions x vocabulary) matrices alive at once while scoring a batch
SCORE_MATRICES = {"3cosadd": 2, "3cosmul": 6}


@dataclass
class BenchmarkScore:
    """One benchmark on one set of vectors: the score, how many items were used and skipped."""

    benchmark: str
    score: float  # accuracy (analogy) or Spearman's rho (similarity)
    used: int
    out_of_vocabulary: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def benchmark_path(benchmark: str) -> Path:
    """The file of a benchmark in gensim's installed test data."""
    if benchmark not in FILES:
        raise InvalidInputError(
            f"Unknown word benchmark '{benchmark}'. {did_you_mean(benchmark, list(FILES))}"
        )
    from gensim.test.utils import datapath

    return Path(datapath(FILES[benchmark]))


def _lowercase(vectors: WordVectors) -> bool:
    sample = vectors.words[:1000].tolist()
    return all(w == w.lower() for w in sample)


def read_analogies(path: Path, lowercase: bool = True) -> list[tuple[str, list[tuple[str, ...]]]]:
    """Sections of a questions-words file: [(section, [(a, b, c, expected), ...]), ...]."""
    sections: list[tuple[str, list[tuple[str, ...]]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        parts = line.lower().split() if lowercase else line.split()
        if len(parts) == 4 and sections:
            sections[-1][1].append(tuple(parts))
    return sections


def analogy_accuracy(
    vectors: WordVectors,
    path: Path | None = None,
    *,
    method: AnalogyMethod = "3cosadd",
    restrict_vocab: int = RESTRICT_VOCAB,
    batch: int | None = None,
) -> BenchmarkScore:
    """Share of analogy questions 'a b c d' (a is to b as c is to d) whose best answer to
    b - a + c among the first `restrict_vocab` words, a, b and c excluded, is d. Questions are
    scored `batch` at a time (default: as many as keep the score matrices under 256 MB)."""
    check_analogy_method(method, "analogy_accuracy")
    path = path or benchmark_path("analogy")
    sections = read_analogies(path, lowercase=_lowercase(vectors))
    limit = min(restrict_vocab, len(vectors))
    index = {w: i for w, i in vectors.index.items() if i < limit}
    questions, oov, per_section = [], 0, {}
    for name, items in sections:
        rows = [tuple(index.get(w, -1) for w in q) for q in items]
        known = [r for r in rows if min(r) >= 0]
        oov += len(rows) - len(known)
        per_section[name] = [len(questions), len(questions) + len(known)]
        questions.extend(known)
    if not questions:
        return BenchmarkScore("analogy", float("nan"), 0, oov, {"method": method})
    q = np.asarray(questions, dtype=np.int64)
    unit = np.ascontiguousarray(vectors.unit[:limit])
    if batch is None:
        batch = max(1, SCORE_BYTES // (SCORE_MATRICES[method] * 4 * limit))
    correct = np.zeros(len(q), dtype=bool)
    with progress.task("Analogy questions", total=len(q)) as bar:
        for start in range(0, len(q), batch):
            part = q[start : start + batch]
            a, b, c, d = part.T
            scores = analogy_scores(unit, b, a, c, method)  # b - a + c
            rows = np.arange(len(part))
            for x in (a, b, c):
                scores[rows, x] = -np.inf
            correct[start : start + len(part)] = scores.argmax(axis=1) == d
            bar.advance(len(part))
    sections_acc = {
        name: round(float(correct[lo:hi].mean()), 4)
        for name, (lo, hi) in per_section.items()
        if hi > lo
    }
    return BenchmarkScore(
        "analogy",
        float(correct.mean()),
        len(q),
        oov,
        {"method": method, "correct": int(correct.sum()), "sections": sections_acc},
    )


def read_word_pairs(path: Path, lowercase: bool = True) -> list[tuple[str, str, float]]:
    """Tab-separated 'word1 word2 score' lines; '#' lines are comments."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        a, b = (parts[0].lower(), parts[1].lower()) if lowercase else (parts[0], parts[1])
        pairs.append((a, b, float(parts[2])))
    return pairs


def word_pair_correlation(
    vectors: WordVectors, benchmark: str = "wordsim353", path: Path | None = None
) -> BenchmarkScore:
    """Spearman correlation between cosine similarities and human scores of word pairs."""
    from scipy.stats import spearmanr

    path = path or benchmark_path(benchmark)
    pairs = read_word_pairs(path, lowercase=_lowercase(vectors))
    used = [
        (vectors.index[a], vectors.index[b], s)
        for a, b, s in pairs
        if a in vectors.index and b in vectors.index
    ]
    oov = len(pairs) - len(used)
    if len(used) < 3:
        return BenchmarkScore(benchmark, float("nan"), len(used), oov)
    rows = np.asarray([(a, b) for a, b, _ in used])
    cosine = np.einsum("ij,ij->i", vectors.unit[rows[:, 0]], vectors.unit[rows[:, 1]])
    human = np.asarray([s for _, _, s in used])
    rho = spearmanr(cosine, human).statistic
    return BenchmarkScore(benchmark, float(rho), len(used), oov)


def evaluate_word_vectors(
    vectors: WordVectors,
    benchmarks: list[str] | tuple[str, ...] = BENCHMARKS,
    *,
    analogy_method: AnalogyMethod = "3cosadd",
) -> list[BenchmarkScore]:
    """The named benchmarks ('analogy', 'wordsim353', 'simlex999') on one set of vectors."""
    scores = []
    check_analogy_method(analogy_method, "evaluate_word_vectors", "analogy_method")
    for name in benchmarks:
        benchmark_path(name)  # a typo fails before any work
    for name in benchmarks:
        if name == "analogy":
            scores.append(analogy_accuracy(vectors, method=analogy_method))
        else:
            scores.append(word_pair_correlation(vectors, name))
    return scores
