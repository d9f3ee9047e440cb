"""Request and response models of the routes that turn a view into data: a tag's rows (to
restore a view from its URL) and a selection made into a new dataset (the rest are in
api/models.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from embedlab.api.models import RequestBody, RowNumber


class TagRows(BaseModel):
    """The rows of the items saved under a tag, in dataset order."""

    tag: str
    rows: list[int]


class SubsetRequest(RequestBody):
    """A new dataset of some items of this one: by exactly one of a tag, ids or rows."""

    name: str = Field(..., min_length=1, max_length=64)
    tag: str | None = Field(default=None, min_length=1, max_length=100)
    ids: list[str] | None = Field(default=None, max_length=10_000_000)
    rows: list[RowNumber] | None = Field(default=None, max_length=10_000_000)  # type: ignore[valid-type]


class SubsetMade(BaseModel):
    """The dataset a subset became."""

    dataset: str
    n_items: int
    source: str
    columns: list[str]
