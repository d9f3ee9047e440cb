"""The HTTP API's request and response models: what /openapi.json says every route takes and
returns, and what the front end's TypeScript types are generated from.

Free-form values (run parameters, a dataset's own columns, a check's summary) are `JsonValue`:
any JSON, named so a client knows it is data and not a forgotten type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from embedlab.checks import MAX_SEED
from embedlab.pipeline.graph import DEFAULT_K

JsonValue = TypeAliasType(
    "JsonValue",
    "str | int | float | bool | None | list[JsonValue] | dict[str, JsonValue]",
)
#: One value of a dataset's column, such as a given label (an int for digits, a str for texts).
Scalar = TypeAliasType("Scalar", "str | int | float | bool | None")
MAX_ROW = 2**32 - 1  # rows travel as uint32


def bounded_int(what: str, low: int, high: int) -> Any:
    """An int in [low, high] whose error names `what`, the range and the value given (and
    whose schema says the range)."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"{what} must be an int in [{low}, {high}]. Got {value} instead.")
        return value

    return Annotated[
        int, AfterValidator(check), Field(json_schema_extra={"minimum": low, "maximum": high})
    ]


Seed = bounded_int("seed", 0, MAX_SEED)
RowNumber = bounded_int("row", 0, MAX_ROW)
NeighbourCount = Annotated[int, Field(ge=1, le=100)]


# -- map ----------------------------------------------------------------------------------------


class RequestBody(BaseModel):
    """A request body: a field the model does not have is refused (422 naming it), not
    silently ignored, so that a misspelt option is not mistaken for the default."""

    model_config = ConfigDict(extra="forbid")


class DatasetSummary(BaseModel):
    """One dataset in the workspace's list."""

    name: str
    n_items: int
    text_column: str | None
    label_column: str | None
    source: str | None
    spaces: list[str]


class GraphCounts(BaseModel):
    """What ingesting an edge list found."""

    n_nodes: int
    n_edges: int
    n_edge_rows: int
    directed: bool
    weighted: bool
    self_loops: int
    duplicate_edges: int
    isolated_nodes: int
    added_missing_nodes: int


class DatasetMeta(BaseModel):
    """What ingest recorded about a dataset."""

    source: str | None = None
    n_items: int | None = None
    modality: Literal["image", "text", "table", "graph"] | None = None
    kind: Literal["words", "graph"] | None = None  # a dataset derived from a corpus, or a graph
    directed: bool | None = None
    graph: GraphCounts | None = None
    text_column: str | None = None
    label_column: str | None = None
    image_column: str | None = None
    limit: int | None = None
    skipped_empty_text: int = 0
    skipped_rows: list[int] = Field(default_factory=list)
    renamed_columns: dict[str, str] = Field(default_factory=dict)
    skipped_files: list[list[str]] = Field(default_factory=list)
    n_skipped_files: int = 0


class SpaceInfo(BaseModel):
    """One embedding space of a dataset, with its graph and projections."""

    name: str
    status: Literal["complete", "partial", "deleted"]
    stale: bool
    method: str | None
    dim: int | None
    params: dict[str, JsonValue]
    graph: str | None
    projections: list[str]


class RunInfo(BaseModel):
    """One run of the manifest: what made a result, with which parameters and versions."""

    run_id: str
    kind: str
    space: str
    method: str
    params: dict[str, JsonValue]
    seed: int | None
    duration_s: float
    input_version: str
    versions: dict[str, str]


class FieldInfo(BaseModel):
    """A field the map can be coloured by."""

    name: str
    kind: Literal["category", "number"]
    source: str
    space: str | None = None


class DatasetInfo(BaseModel):
    """One dataset: columns, spaces, runs and colour fields."""

    name: str
    n_items: int
    columns: list[str]
    meta: DatasetMeta
    version: str
    spaces: list[SpaceInfo]
    runs: list[RunInfo]
    fields: list[FieldInfo]


class Legend(FieldInfo):
    """A field's categories with their counts, or its numeric range."""

    categories: list[str]
    counts: list[int]
    min: float | None
    max: float | None
    missing: int


class ProjectionMade(BaseModel):
    """A projection was computed (or an equal one reused)."""

    dataset: str
    space: str
    method: Literal["umap", "tsne", "pca"]
    dims: int
    reused: bool
    n_items: int


class Warming(BaseModel):
    """The dataset's item index (ids, texts, labels of every item) is being built in the
    background, so that the first selection on the map needs no wait."""

    dataset: str
    n_items: int


class SearchHit(BaseModel):
    """One search result with its row on the map."""

    rank: int
    id: str
    score: float
    text: str | None
    label: JsonValue  # a list when the label column holds lists (multi-label JSONL)
    space: str
    row: int


class SearchResult(BaseModel):
    """The hits of a search, best first."""

    query: str
    by: Literal["text", "id"]
    space: str
    hits: list[SearchHit]


class ClustersMade(BaseModel):
    """Cluster sizes and the field that colours the map by cluster."""

    dataset: str
    space: str
    n_clusters: int
    sizes: list[int]
    field: str


class Comparison(BaseModel):
    """How two spaces agree on each item's neighbours, and the field that shows it."""

    dataset: str
    spaces: list[str]
    field: str
    mean_jaccard: float
    no_shared_neighbour: int
    k: int


class ChangedItem(BaseModel):
    """An item whose neighbours differ between two spaces: those it gained and lost (ids, and
    their rows for the map), nearest first."""

    row: int
    id: str
    jaccard: float
    gained: list[str]
    lost: list[str]
    gained_rows: list[int]
    lost_rows: list[int]


class NeighbourhoodChanges(BaseModel):
    """The items whose neighbourhoods changed most between two spaces, most changed first."""

    dataset: str
    spaces: list[str]
    k: int
    items: list[ChangedItem]


class TrustSummary(BaseModel):
    """How far a map keeps each item's neighbours of the full space (its k neighbours in the
    stored graph that are among its k nearest on the map), and the field that shows it."""

    dataset: str
    space: str
    method: Literal["umap", "tsne", "pca"]
    dims: int
    k: int
    field: str
    mean_trust: float
    median_trust: float
    no_neighbour_kept: int
    random_map_trust: float


class RegionName(BaseModel):
    """One cluster of a map and its name; x, y in the map's drawn coordinates ([-0.95, 0.95])."""

    level: Literal["coarse", "fine"]
    cluster: int
    x: float
    y: float
    size: int
    name: str
    terms: list[str]


class MapRegionNames(BaseModel):
    """The regions of a map named at two zoom levels, and what the names come from."""

    dataset: str
    space: str
    method: Literal["umap", "tsne", "pca"]
    dims: int
    source: Literal["texts", "labels", "words", "ids"]
    labels: list[RegionName]


# -- items --------------------------------------------------------------------------------------


class ItemSummary(BaseModel):
    """What a grid card shows of an item."""

    row: int
    id: str
    label: str | None
    text: str | None
    image: bool


class Neighbour(ItemSummary):
    """A neighbour of an item, with its cosine similarity."""

    score: float


class GraphNeighbours(BaseModel):
    """The nodes linked to an item by an edge (either direction), beside its embedding
    neighbours: `degree` of them in all, the first `limit` listed."""

    degree: int
    neighbours: list[ItemSummary]


class LabelCount(BaseModel):
    label: str
    count: int


class SelectionPage(BaseModel):
    """One page of a selection and the number of selected items per label."""

    total: int
    offset: int
    counts: list[LabelCount]
    items: list[ItemSummary]


class ItemDetails(BaseModel):
    """Every field of one item, its derived columns (by result) and its correction."""

    row: int
    id: str
    label_column: str | None
    text_column: str | None
    image: bool
    values: dict[str, JsonValue]
    derived: dict[str, dict[str, JsonValue]]
    corrected_label: str | None


class TagRequest(RequestBody):
    """Items to save under a tag, by row and/or id."""

    tag: str = Field(..., min_length=1, max_length=100)
    rows: list[RowNumber] = Field(default_factory=list)  # type: ignore[valid-type]
    ids: list[str] = Field(default_factory=list)


class TagSaved(BaseModel):
    tag: str
    tagged: int


class CorrectionRequest(RequestBody):
    """Label corrections, item id -> corrected label."""

    corrections: dict[str, str] = Field(..., min_length=1, max_length=100_000)


class CorrectionsSaved(BaseModel):
    corrected: int
    total: int


# -- quality ------------------------------------------------------------------------------------


class Histogram(BaseModel):
    """Counts of a check's statistic, with the threshold that flags an item when there is one."""

    statistic: str
    edges: list[float]
    counts: list[int]
    threshold: float | None


class WorstItem(ItemSummary):
    score: float
    flag: bool


class QualityCheckView(BaseModel):
    """One check on the Data Quality page."""

    name: str
    field: str
    summary: dict[str, JsonValue]
    flagged: int
    histogram: Histogram
    worst: list[WorstItem]


class DuplicateGroup(BaseModel):
    group: int
    rows: list[int]
    ids: list[str]
    score: float
    items: list[ItemSummary]


class DataQualityPage(BaseModel):
    dataset: str
    space: str
    n_items: int
    checks: list[QualityCheckView]
    duplicate_groups: list[DuplicateGroup]


class QualityIssue(BaseModel):
    """One flagged (item, check)."""

    id: str
    issue: str
    score: float
    given: Scalar
    suggestion: Scalar
    signal: str | None = None  # which signal raised the flag (e.g. 'local+group', 'aligned')
    group: int | None = None  # the group (from 1) it was found in: near-duplicates, foreign


class QualityRun(BaseModel):
    """What a quality run found: per-check summaries, duplicate groups, the worst issues."""

    dataset: str
    space: str
    n_items: int
    checks: dict[str, dict[str, JsonValue]]
    duplicate_groups: list[list[str]]
    label_confusion: dict[str, dict[str, int]]
    issues: list[QualityIssue]
    corrections_applied: int = 0  # labels changed by the corrections recorded so far
    recheck: dict[str, dict[str, int]] = {}  # per check: resolved, remaining, new


class LabelIssue(ItemSummary):
    """A suspected label error: the given label, the suggested one, any correction made."""

    given: Scalar
    suggested: Scalar
    score: float
    corrected: str | None


class ClassRate(BaseModel):
    label: str
    items: int
    issues: int
    rate: float


class LabelQualityPage(BaseModel):
    dataset: str
    space: str
    label_column: str | None
    classes: list[str]
    flagged: int
    offset: int
    issues: list[LabelIssue]
    confusion: dict[str, dict[str, int]]
    per_class: list[ClassRate]
    corrections: int


# -- autolabel, impute, image quality -----------------------------------------------------------


class AutolabelRequest(RequestBody):
    """Label spreading over the space's graph: from the dataset's labels, or (with `known`)
    from that many of them with the rest hidden, to measure accuracy."""

    label: str | None = None
    known: int | None = Field(None, ge=1)
    k: NeighbourCount = DEFAULT_K
    seed: Seed = 0  # type: ignore[valid-type]


class AutolabelResult(BaseModel):
    dataset: str
    space: str
    known: int
    predicted: int
    accuracy: float | None
    mean_confidence: float
    field: str


class ImputeRequest(RequestBody):
    """The column whose missing values to estimate from each item's neighbours."""

    column: str = Field(..., min_length=1)
    k: NeighbourCount = DEFAULT_K
    seed: Seed = 0  # type: ignore[valid-type]


class ImputeEvaluation(BaseModel):
    """Estimates of hidden known values against the truth and a naive guess."""

    kind: Literal["numeric", "categorical"]
    hidden: int
    answered: int
    mae: float | None = None
    baseline_mae: float | None = None
    accuracy: float | None = None
    baseline_accuracy: float | None = None


class ImputedValue(BaseModel):
    id: str
    estimate: Scalar
    support: float


class ImputeResult(BaseModel):
    dataset: str
    space: str
    column: str
    missing: int
    estimated: int
    evaluation: ImputeEvaluation
    examples: list[ImputedValue]
    field: str


class ImageQualityRequest(RequestBody):
    """Absolute thresholds per check (dark, bright, low_contrast, blurry) instead of the
    dataset-relative fence, and the fence in MADs."""

    thresholds: dict[str, float] = Field(default_factory=dict)
    fence: float = Field(3.0, gt=0, le=100)


class ScoredId(BaseModel):
    id: str
    score: float


class ImageCheckSummary(BaseModel):
    """One image check: how many flagged, its threshold where it has one, the worst items."""

    flagged: int
    threshold: float | None = None
    median: float | None = None
    grey_images: int | None = None
    groups: int | None = None
    params: dict[str, JsonValue]
    flagged_ids: list[str]
    worst: list[ScoredId]


class ImageQualityResult(BaseModel):
    dataset: str
    n_items: int
    checks: dict[str, ImageCheckSummary]


# -- other --------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    status: int
    type: str
    message: str


class ErrorBody(BaseModel):
    """The one error body of every failure."""

    error: ErrorDetail


# -- recommendations ------------------------------------------------------------------------------
