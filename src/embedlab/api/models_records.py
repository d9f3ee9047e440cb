"""Response and request models of the ratings and records routes: recommendations for a
user, and the categories and encodings of tabular records (the rest are in api/models.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from embedlab.api.models import RequestBody
from embedlab.checks import MAX_SEED


class SeenItemInfo(BaseModel):
    """An item the user has seen: their rating (or count), and its similarity to a pick."""

    id: str
    row: int
    text: str | None
    value: float
    similarity: float | None = None


class RecommendedItem(BaseModel):
    """One recommendation, with the seen items nearest to it as the reason."""

    rank: int
    id: str
    row: int
    text: str | None
    label: str | None
    score: float
    because: list[SeenItemInfo]


class Recommendations(BaseModel):
    """A user's top unseen items (rows on the item map) and their history, best rated first."""

    dataset: str
    space: str
    user: str
    picks: list[RecommendedItem]
    history: list[SeenItemInfo]


class CategoriesRequest(RequestBody):
    """Make a dataset of a categorical column's values with their learned entity vectors."""

    column: str = Field(..., min_length=1, max_length=200)
    into: str | None = Field(None, min_length=1, max_length=100)  # default NAME-COLUMN


class CategoriesResult(BaseModel):
    """The categories dataset made: its name, the space of the values' vectors, its size."""

    dataset: str
    space: str
    source: str
    column: str
    n_items: int
    dim: int
    other_count: int  # items whose value was rare or unseen (the '<other>' row)


class EncodingsRequest(RequestBody):
    """Predict `target` from the records: one-hot vs entity vs numeric PCA, same models."""

    target: str = Field(..., min_length=1, max_length=200)
    columns: list[str] | None = Field(None, max_length=1000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    entity: dict[str, str | int | float] = Field(default_factory=dict)  # entity parameters


class EncodingScoreInfo(BaseModel):
    """One feature set with one downstream model, scored on the held-out rows."""

    features: str
    dim: int
    model: str
    metrics: dict[str, float]
    seconds: float


class EncodingsResult(BaseModel):
    """Every feature set and model on one split: what the split held and each held-out score."""

    target: str
    task: str
    n_train: int
    n_test: int
    rows_without_target: int
    categorical_columns: list[str]
    numeric_columns: list[str]
    onehot_dim: int
    entity_dim: int
    scores: list[EncodingScoreInfo]
