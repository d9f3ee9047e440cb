"""Entity embeddings: the dimension rule, seeds, rare and unseen categories, missing targets,
what the tables learn, and the bad inputs."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.entity import EntityEmbedding
from embedlab.methods.records import OTHER, Records, embedding_dimension
from tests.methods.film_records import film_table

FILMS = film_table().drop(columns=["id", "title"])


@pytest.fixture(scope="module")
def fitted() -> EntityEmbedding:
    return EntityEmbedding(target="critic_rating").fit(FILMS)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_dimension_rule() -> None:
    assert [embedding_dimension(c) for c in (2, 3, 7, 9, 99, 100, 5000)] == [1, 2, 4, 5, 50, 50, 50]
    assert embedding_dimension(30, max_dim=8) == 8


def test_tables_follow_the_rule_and_numbers_are_appended(fitted: EntityEmbedding) -> None:
    report = fitted.report_
    assert fitted.columns_ == ["genre", "studio", "mpaa", "decade"]
    assert fitted.numeric_columns_ == ["year", "runtime"]
    for column, table in zip(fitted.columns_, fitted.embeddings_, strict=True):
        rows = report["tables"][column]["categories"] + 1  # the '<other>' row
        assert table.shape == (rows, embedding_dimension(rows)), column
    assert report["tables"]["genre"]["dimension"] == 4  # 6 genres + '<other>' = 7 -> 4
    assert fitted.dimension_ == sum(t.shape[1] for t in fitted.embeddings_) + 2
    vectors = fitted.transform(FILMS)
    assert vectors.shape == (len(FILMS), fitted.dimension_) and vectors.dtype == np.float32
    assert vectors[:, -2].std() == pytest.approx(1.0, abs=0.1)  # year, standardised
    runtime = vectors[:, -1]
    assert np.isfinite(runtime).all() and (runtime[FILMS["runtime"].isna().to_numpy()] == 0).all()


def test_rows_without_target_are_left_out_of_training_but_embedded(
    fitted: EntityEmbedding,
) -> None:
    report = fitted.report_
    assert report["rows_without_target"] == 20
    assert report["rows_trained"] + report["rows_validation"] == len(FILMS) - 20
    assert report["rows_validation"] == round(0.2 * (len(FILMS) - 20))
    assert report["task"] == "regression" and report["epochs_run"] >= report["best_epoch"] >= 1
    assert len(fitted.transform(FILMS)) == len(FILMS)


def test_same_seed_same_vectors_other_seed_other_vectors() -> None:
    first = EntityEmbedding(target="critic_rating", seed=3).fit_transform(FILMS)
    again = EntityEmbedding(target="critic_rating", seed=3).fit_transform(FILMS)
    other = EntityEmbedding(target="critic_rating", seed=4).fit_transform(FILMS)
    np.testing.assert_array_equal(first, again)
    assert first.shape != other.shape or not np.allclose(first, other)


def test_genres_with_like_effects_sit_together(fitted: EntityEmbedding) -> None:
    """Drama (+1.0) and Documentary (+1.2) push the rating up, Horror (-1.0) and Comedy (-0.6)
    down; checked by hand for seeds 0-4: cos(Drama, Documentary) >= 0.997, cos(Drama, Horror)
    <= -0.995, cos(Horror, Comedy) >= 0.88."""
    values, vectors = fitted.category_vectors("genre")
    by_value = dict(zip(values, vectors, strict=True))
    assert cosine(by_value["Drama"], by_value["Documentary"]) > 0.9
    assert cosine(by_value["Drama"], by_value["Horror"]) < -0.5
    assert cosine(by_value["Horror"], by_value["Comedy"]) > 0.5


def test_rare_and_unseen_values_share_the_other_row(fitted: EntityEmbedding) -> None:
    values, table = fitted.category_vectors("studio")
    assert values[0] == OTHER and fitted.report_["tables"]["studio"]["distinct_values"] > len(
        values
    )
    counts = FILMS["studio"].value_counts()
    rare = counts.index[counts < 3][0]
    assert rare not in values
    probe = FILMS.iloc[:2].copy()
    probe["studio"] = [rare, "A studio never seen"]
    vectors = fitted.transform(probe)
    studio = slice(4, 4 + table.shape[1])  # genre's 4 dimensions come first
    np.testing.assert_allclose(vectors[0, studio], table[0])
    np.testing.assert_allclose(vectors[1, studio], table[0])
    assert fitted.report_["other_values"] == 2


def test_other_row_never_trained_is_the_weighted_mean() -> None:
    estimator = EntityEmbedding(target="critic_rating", min_count=1).fit(FILMS)
    values, table = estimator.category_vectors("genre")  # every genre kept: nothing in '<other>'
    counts = FILMS["genre"].value_counts()  # the training rows hold ~80% of each
    assert values[0] == OTHER
    weights = np.array([counts[v] for v in values[1:]], dtype=float)
    np.testing.assert_allclose(
        table[0], (weights[:, None] * table[1:]).sum(0) / weights.sum(), atol=0.01
    )


def test_text_target_is_a_classification() -> None:
    estimator = EntityEmbedding(target="genre", epochs=5).fit(FILMS)
    assert estimator.report_["task"] == "classification"
    assert "genre" not in estimator.columns_
    assert estimator.report_["loss"] == "cross-entropy"


def test_state_round_trip_through_npz_without_pickle(fitted: EntityEmbedding) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **fitted.get_state())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        restored = EntityEmbedding(target="critic_rating").set_state(dict(data))
    np.testing.assert_array_equal(restored.transform(FILMS), fitted.transform(FILMS))


def test_records_from_a_frame_keep_numbers_and_categories_apart() -> None:
    records = Records.from_frame(FILMS)
    assert records.is_numeric("year") and not records.is_numeric("genre")
    assert len(records[np.arange(5)]) == 5


@pytest.mark.parametrize(
    ("change", "params", "message"),
    [
        (lambda f: f, {"target": "rating"}, "target column 'rating' is not among"),
        (lambda f: f.assign(critic_rating=5.0), {}, "constant (5 in all 400"),
        (lambda f: f.assign(genre="Drama"), {}, "Column 'genre' has one category ('Drama')"),
        (lambda f: f, {"task": "regression", "target": "genre"}, "holds 'Thriller' at row 0"),
        (lambda f: f.iloc[:19], {}, "at least 20 rows with a target; column 'critic_rating' has"),
        (lambda f: f[["year", "critic_rating"]], {}, "at least one categorical"),
        (lambda f: f, {"target": None}, "The 'target' parameter of EntityEmbedding"),
        (lambda f: f, {"task": "ranking"}, "The 'task' parameter of EntityEmbedding must be one"),
        (lambda f: f, {"min_count": 500}, "no category seen at least min_count=500 times"),
        (  # trained 400 one-row classes (an id column) and reported a loss, as if it learned
            lambda f: f.assign(code=[f"c{i}" for i in range(len(f))]),
            {"target": "code"},
            "Each of the 400 labelled rows has a class of its own in target column 'code'",
        ),
        (lambda f: f, {"categorical": "year,yaer"}, "--param categorical names 'yaer', which"),
    ],
)
def test_bad_inputs_are_refused_clearly(change, params, message: str) -> None:  # type: ignore[no-untyped-def]
    estimator = EntityEmbedding(**{"target": "critic_rating", **params})
    with pytest.raises(InvalidInputError, match=_escaped(message)):
        estimator.fit(change(FILMS.copy()))


def test_transform_names_missing_columns(fitted: EntityEmbedding) -> None:
    with pytest.raises(InvalidInputError, match="the input lacks \\['studio'\\]"):
        fitted.transform(FILMS.drop(columns=["studio"]))
    with pytest.raises(InvalidInputError, match="pandas DataFrame or embedlab Records"):
        fitted.transform(np.zeros((3, 3)))


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


def test_input_frame_is_not_changed() -> None:
    frame = FILMS.copy()
    EntityEmbedding(target="critic_rating", epochs=2).fit(frame)
    pd.testing.assert_frame_equal(frame, FILMS)


class _Recorder:
    """A progress reporter that keeps what the tasks showed."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.started: list[tuple[str, float | None]] = []

    def start(self, description: str, total: float | None) -> _Recorder:
        self.started.append((description, total))
        return self

    def finish(self, task: object) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass

    def show(self, text: str) -> None:
        self.shown.append(text)


def test_training_shows_its_loss_on_the_progress_bar() -> None:
    from embedlab import progress

    recorder = _Recorder()
    with progress.use_reporter(recorder):
        estimator = EntityEmbedding(target="critic_rating", epochs=3, patience=10).fit(FILMS)
    assert recorder.started == [("Training entity embeddings on 'critic_rating'", 3)]
    assert len(recorder.shown) == estimator.report_["epochs_run"] == 3
    assert all(t.startswith("loss ") and ", validation " in t for t in recorder.shown)
