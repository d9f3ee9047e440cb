"""Chosen output sizes end to end: a dims=N space answers text queries through its stored
projection; `evaluate --dims` and `evaluate --against pca`; the bad inputs they refuse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from embedlab.analysis.evaluate import train_test_rows
from embedlab.analysis.neighbors import normalize_rows
from embedlab.errors import InvalidInputError
from embedlab.methods.projected import Projected
from embedlab.pipeline.embed import embed, load_estimator
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.search import search
from embedlab.store.workspace import Workspace

QUERY = "a football match and a goal"


@pytest.fixture
def topics(ws: Workspace, topics_csv: Path) -> Workspace:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    return ws


@pytest.mark.slow
def test_text_query_goes_through_the_stored_projection(topics: Workspace) -> None:
    report = embed(topics, "topics", "minilm", space="minilm-8", params={"dims": "8"})
    space = topics.space("topics", "minilm-8")
    assert space.dim == 8 and space.params["dims"] == 8 and report.method_report["dims"] == 8
    estimator = load_estimator(topics, space)  # as search loads it: from the saved state
    assert isinstance(estimator, Projected)
    state = topics.load_model_state(space.meta["state_run"])
    full_query = estimator.inner.transform([QUERY])
    expected = (full_query - state["dims.mean"]) @ state["dims.components"].T
    unit = normalize_rows(space.vectors())
    scores = unit @ (expected[0] / np.linalg.norm(expected))
    hits = search(topics, "topics", "minilm-8", QUERY, k=5)
    assert [h.id for h in hits] == [
        topics.dataset("topics").ids()[i] for i in np.argsort(-scores)[:5]
    ]
    np.testing.assert_allclose([h.score for h in hits], np.sort(scores)[::-1][:5], atol=1e-5)
    assert [h.label for h in hits].count("sport") >= 4


def test_dims_wider_than_the_model_stores_nothing(topics: Workspace) -> None:
    with pytest.raises(InvalidInputError, match=r"range \[1, 384\].* Got 500 instead"):
        embed(topics, "topics", "minilm", params={"dims": 500})
    assert topics.entries("space", "topics") == []


def precision_at(vectors: np.ndarray, labels: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Brute force: share of each query's k nearest other items (cosine) with its label."""
    unit = normalize_rows(vectors)
    sims = unit[queries] @ unit.T
    sims[np.arange(len(queries)), queries] = -np.inf
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return float((labels[nearest] == labels[queries][:, None]).mean())


def lsa_space(run, path: Path, topics_csv: Path) -> None:  # type: ignore[no-untyped-def]
    run(
        "ingest",
        "topics",
        str(topics_csv),
        "--text",
        "body",
        "--label",
        "topic",
        "--id",
        "doc",
        ws=path,
    )
    code, _, err = run(
        "embed", "topics", "--method", "tfidf-svd", "--param", "n_components=8",
        "--param", "min_df=1", ws=path,
    )  # fmt: skip
    assert code == 0, err


def test_evaluate_dims_table_and_json(run, topics_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / "w"
    lsa_space(run, path, topics_csv)
    code, out, err = run("evaluate", "topics", "tfidf-svd", "--dims", "2,6,4", "-k", "3", ws=path)
    assert code == 0, err
    assert "bytes/item" in out and "precision@3" in out and "(full)" in out
    code, out, _ = run(
        "evaluate", "topics", "tfidf-svd", "--dims", "6,4,2", "-k", "3", "--json", ws=path
    )
    rows = json.loads(out)
    assert [r["dims"] for r in rows] == [8, 6, 4, 2]
    assert [r["bytes_per_item"] for r in rows] == [32, 24, 16, 8]
    assert rows[0]["explained_variance"] is None and 0 < rows[-1]["explained_variance"] < 1
    assert all(0 <= r["knn"] <= 1 for r in rows)
    ws = Workspace(path)
    vectors = ws.space("topics", "tfidf-svd").vectors()
    labels = np.asarray(ws.dataset("topics").column("topic"), dtype=object)
    _, test = train_test_rows(labels, None, seed=0)
    assert rows[0]["n_queries"] == rows[0]["n_test"] == len(test) == 6  # every test item
    expected = precision_at(vectors, labels, test, 3)
    assert rows[0]["precision_at_k"] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dims", "0"], "--dims 0 is out of range for space 'tfidf-svd': sizes must be in"),
        (["--dims", "9"], r"--dims 9 is out of range .* \[1, 8\]"),
        (["--dims", "4,x"], "--dims expects comma-separated ints; got 'x'"),
        (["--dims", "4", "--against", "pca"], "Use --dims or --against, not both"),
        (["--against", "pca"], "space 'tfidf-svd' was made by 'tfidf-svd' from text data"),
        (["--against", "umap"], "--against takes 'pca'; got 'umap'"),
    ],
)
def test_evaluate_sizes_refuses_bad_input(
    run, topics_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    lsa_space(run, tmp_path / "w", topics_csv)
    code, _, err = run("evaluate", "topics", "tfidf-svd", *args, ws=tmp_path / "w")
    assert code == 2 and re.search(message, " ".join(err.split())), err


@pytest.mark.slow
def test_autoencoders_against_pca_and_the_wrong_modality(run, tmp_path: Path) -> None:
    path = tmp_path / "w"
    run("ingest", "digits", "sandbox:digits", "--limit", "300", ws=path)
    for method in ("autoencoder", "mlp-autoencoder"):
        code, out, err = run(
            "embed", "digits", "--method", method, "--param", "dims=6", "--param", "epochs=2",
            ws=path,
        )  # fmt: skip
        assert code == 0, err
        assert "validation_loss" in out and "epochs_run: 2" in out
    code, out, err = run(
        "evaluate",
        "digits",
        "autoencoder",
        "mlp-autoencoder",
        "--against",
        "pca",
        "--json",
        ws=path,
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["name"] for r in rows] == [
        "autoencoder", "pca@6 (baseline)", "mlp-autoencoder", "pca@6 (baseline)",
    ]  # fmt: skip
    assert all(r["dim"] == 6 and r["reconstruction_mse"] > 0 for r in rows)
    code, out, _ = run("evaluate", "digits", "autoencoder", "--against", "pca", ws=path)
    assert code == 0 and "MSE" in out and "pca@6" in out
    code, _, err = run("embed", "digits", "--method", "autoencoder", "--param", "dims=0", ws=path)
    assert code == 2 and "The 'dims' parameter of ConvAutoencoder must be an int >= 1" in err


def test_image_autoencoder_on_a_text_dataset_is_refused(topics: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="embeds images, but dataset 'topics' has none"):
        embed(topics, "topics", "autoencoder")
    with pytest.raises(InvalidInputError, match="needs numeric columns"):
        embed(topics, "topics", "mlp-autoencoder")
    assert topics.entries("space", "topics") == []
