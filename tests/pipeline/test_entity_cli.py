"""Entity embeddings through the CLI: embed, categories (stored with provenance), evaluate
--target, and the exit codes of bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.store.workspace import Workspace
from tests.methods.film_records import film_table
from tests.test_cli import assert_clear_error

ENTITY = ["--method", "entity", "--param", "target=critic_rating"]


@pytest.fixture
def films_csv(tmp_path: Path) -> Path:
    path = tmp_path / "films.csv"
    film_table().to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_embed_then_categories_map_the_genres(run, films_csv: Path) -> None:
    assert run("ingest", "films", str(films_csv), "--text", "title")[0] == 0
    code, out, err = run("embed", "films", *ENTITY, "--json")
    assert code == 0, err
    info = json.loads(out)
    report = info["method_report"]
    stored = Workspace(run.workspace).space("films", "entity").meta["columns"]
    assert stored == ["genre", "studio", "mpaa", "decade", "year", "runtime"]
    assert report["rows_without_target"] == 20 and report["task"] == "regression"
    assert info["dim"] == report["dimension"] < report["onehot_dimension"]

    code, out, err = run("categories", "films", "entity", "genre", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert (made["dataset"], made["n_items"], made["dim"]) == ("films-genre", 7, 4)
    workspace = Workspace(run.workspace)
    genres = workspace.dataset("films-genre")
    table = genres.to_arrow().to_pandas().set_index("id")
    assert table.loc["Drama", "count"] == (film_table()["genre"] == "Drama").sum()
    assert table["count"].sum() == 400 and "mean_critic_rating" in table.columns
    assert list(genres.entry.meta["inputs"]) == ["space:films:entity"]
    space = workspace.space("films-genre", "entity")
    assert space.dim == 4 and space.ids()[0] == "<other>"

    code, out, err = run("neighbors", "films-genre", "entity", "--id", "Drama", "-k", "2", "--json")
    assert code == 0, err
    nearest = [hit["id"] for hit in json.loads(out)["hits"]]
    assert nearest[0] in {"Documentary", "War"}  # the other genres that raise the rating
    assert run("project", "films-genre", "entity", "--method", "pca")[0] == 0
    _the_app_serves_the_genre_map(run.workspace)

    # a new entity space replaces the old one: the categories computed from it go with it
    code, _, err = run("embed", "films", *ENTITY, "--param", "seed=1")
    assert code == 0, err
    assert not Workspace(run.workspace).has_dataset("films-genre")


@pytest.mark.slow
def test_evaluate_target_compares_the_encodings(run, films_csv: Path) -> None:
    assert run("ingest", "films", str(films_csv), "--text", "title")[0] == 0
    code, out, err = run("evaluate", "films", "--target", "critic_rating", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["n_train"], result["n_test"], result["rows_without_target"]) == (304, 76, 20)
    rows = [(s["features"], s["model"]) for s in result["scores"]]
    assert rows == [
        (features, model)
        for features in ("one-hot", "entity", "numeric PCA")
        for model in ("ridge", "gbm")
    ]
    assert all(set(s["metrics"]) == {"r2", "rmse"} for s in result["scores"])
    assert result["entity_dim"] < result["onehot_dim"]
    entity = result["entity_report"]
    assert entity["rows_trained"] + entity["rows_validation"] == result["n_train"]

    code, out, err = run("evaluate", "films", "--target", "critic_rating")
    assert code == 0, err
    assert "One-hot: " in out and "entity: " in out and "R^2" in out

    code, out, err = run(
        "evaluate", "films", "--target", "genre", "--columns", "studio,mpaa,year", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["task"] == "classification" and result["numeric_columns"] == ["year"]
    assert all(set(s["metrics"]) == {"accuracy", "macro_f1"} for s in result["scores"])


def test_bad_inputs_exit_2_and_store_nothing(run, films_csv: Path, tmp_path: Path) -> None:
    assert run("ingest", "films", str(films_csv), "--text", "title")[0] == 0
    assert_clear_error(*run("embed", "films", "--method", "entity")[::2], "'target' parameter")
    code, _, err = run("embed", "films", "--method", "entity", "--param", "target=critic_ratng")
    assert_clear_error(
        code, err, "no target column 'critic_ratng'", "Did you mean 'critic_rating'?"
    )
    code, _, err = run("embed", "films", *ENTITY, "--columns", "genre,critic_rating")
    assert_clear_error(code, err, "is the target; it cannot also be an input column")
    code, _, err = run("evaluate", "films", "--target", "nope")
    assert_clear_error(code, err, "no target column 'nope'")
    code, _, err = run("evaluate", "films", "entity", "--target", "critic_rating")
    assert_clear_error(code, err, "it takes no spaces")
    assert Workspace(run.workspace).space_names("films") == []

    constant = tmp_path / "constant.csv"
    film_table().assign(critic_rating=7.0, mpaa="R").to_csv(constant, index=False)
    assert run("ingest", "flat", str(constant), "--text", "title")[0] == 0
    code, _, err = run("embed", "flat", "--method", "entity", "--param", "target=critic_rating")
    assert_clear_error(code, err, "target column 'critic_rating' is constant")
    code, _, err = run("embed", "flat", "--method", "entity", "--param", "target=genre")
    assert_clear_error(code, err, "Column 'mpaa' has one category ('R')")
    assert Workspace(run.workspace).space_names("flat") == []


def test_categories_refuses_what_it_cannot_map(run, films_csv: Path) -> None:
    assert run("ingest", "films", str(films_csv), "--text", "title")[0] == 0
    assert run("embed", "films", "--method", "onehot", "--columns", "genre")[0] == 0
    code, _, err = run("categories", "films", "onehot", "genre")
    assert_clear_error(code, err, "was made by 'onehot'", "--method entity")
    assert run("embed", "films", *ENTITY, "--columns", "genre,mpaa,year")[0] == 0
    code, _, err = run("categories", "films", "entity", "year")
    assert_clear_error(code, err, "Column 'year' has no embedding table", "'genre'")
    code, _, err = run("categories", "films", "entity", "genre", "--as", "films")
    assert_clear_error(code, err, "Dataset 'films' exists and is not a categories dataset")
    assert Workspace(run.workspace).dataset_names() == ["films"]


def _the_app_serves_the_genre_map(path: Path) -> None:
    from fastapi.testclient import TestClient

    from embedlab.api.app import create_app

    client = TestClient(create_app(path))
    info = client.get("/api/datasets/films-genre")
    assert info.status_code == 200, info.text
    assert info.json()["meta"]["text_column"] == "value"
    projection = client.get("/api/datasets/films-genre/spaces/entity/projection?method=pca&dims=2")
    assert projection.status_code == 200, projection.text
    item = client.get("/api/datasets/films-genre/item", params={"id": "Horror"})
    assert item.status_code == 200 and item.json()["id"] == "Horror"
