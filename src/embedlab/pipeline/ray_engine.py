"""`embed --engine ray`: the rows of an embedding run as Ray Data `map_batches` over an actor pool.

`pipeline.embed.embed` resolves the dataset, fits the method on the driver (on its `fit_sample`,
as the local engine does), saves the fitted state and opens the partial table; then, instead of
embedding the rows itself, it hands them to `RayEngine.embed_rows`. The rows are cut into the
same batches as the local engine's; each batch is one Ray Data item. An actor pool of `workers`
actors, each holding one copy of the method (rebuilt from `get_state`/`set_state`), reads its
batch's rows from the dataset's Lance table, embeds them and appends them to the partial table
as one Lance fragment (one atomic commit per batch, so a killed run resumes like a local one).
The driver then finishes as the local engine does: the partial rows become the space in one
catalog commit, and nothing is visible before it.

Ray is optional (`pip install embedlab[ray]`) and imported only here, only when used. Without an
address a private local Ray is started (`workers` CPUs, no dashboard, quiet logs) and shut down
at the end; with one the run joins that cluster, whose nodes must see the workspace folder
(shared storage) and have embedlab installed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import methods, progress
from embedlab.errors import EmbedlabError, InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder
from embedlab.pipeline.embed import RowWork, _numeric_matrix
from embedlab.preprocess.image import ImageDecodeError, decode_rgb
from embedlab.store.workspace import vectors_to_arrow

RAY_INSTALL = "pip install embedlab[ray]"
#: How long a cluster address may take to answer before the run gives up (seconds).
CONNECT_TIMEOUT_S = 10.0
#: Ray keeps its session files (and spills objects) under the temp folder.
MIN_TMP_FREE_BYTES = 1 << 30
#: The local Ray's object store: only row numbers and counts travel through it.
LOCAL_OBJECT_STORE_BYTES = 512 << 20


def import_ray() -> ModuleType:
    """The `ray` module, or a MissingDependencyError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is the part used
    except ImportError:
        raise MissingDependencyError(
            f"The Ray engine needs Ray Data, which is not installed: {RAY_INSTALL}"
        ) from None
    return ray


def check_workers(workers: int | None) -> int | None:
    """`workers` as given when it is an int >= 1 (None: decided when Ray starts)."""
    if workers is not None and (
        not isinstance(workers, int) or isinstance(workers, bool) or workers < 1
    ):
        raise InvalidInputError(f"--workers must be an int >= 1; got {workers!r}.")
    return workers


def check_method(method: str) -> None:
    """Graph methods embed the whole graph at once: there are no rows to spread out."""
    if methods.get(method).modality == "graph":
        raise InvalidInputError(
            f"Method '{method}' embeds a whole graph at once; run it on the local engine "
            "(without --engine ray)."
        )


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Refuse, within `timeout_s`, an address where no server listens (Ray itself retries for
    a minute or more). 'auto' (the cluster started on this machine) is left to Ray."""
    if address == "auto":
        return
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInputError(
            f"--address must be HOST:PORT (the head node's GCS address, e.g. 10.0.0.5:6379), "
            f"ray://HOST:PORT or 'auto'; got {address!r}."
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InvalidInputError(
            f"Cannot reach a Ray cluster at {address!r}: {reason}. Start one with "
            "`ray start --head` on the head node and pass the address it prints."
        ) from None


def check_temp_space(folder: str | None = None) -> None:
    """Ray writes its session folder (sockets, logs, spilled objects) under the temp folder."""
    where = folder or os.environ.get("RAY_TMPDIR") or tempfile.gettempdir()
    free = shutil.disk_usage(where).free
    if free < MIN_TMP_FREE_BYTES:
        raise InvalidInputError(
            f"A local Ray needs at least {MIN_TMP_FREE_BYTES >> 20} MiB free in '{where}' for "
            f"its session files; {free >> 20} MiB are free. Free some space or point RAY_TMPDIR "
            "at a folder with room."
        )


def _quiet_ray() -> None:
    """No usage statistics (there may be no network), no progress bars or notices of Ray's."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    for name in ("ray", "ray.data", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)


def start_ray(address: str | None, workers: int | None) -> bool:
    """Join the cluster at `address`, or start a local Ray with `workers` CPUs. Returns whether
    this call started it (and so must shut it down); a Ray already running is used as it is."""
    ray = import_ray()
    if address is not None:
        check_reachable(address)
    if ray.is_initialized():
        return False
    _quiet_ray()
    common = {"logging_level": logging.ERROR, "log_to_driver": False}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork support is experimental.*")
        if address is not None:
            try:
                ray.init(address=address, **common)
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise InvalidInputError(
                    f"Cannot join the Ray cluster at {address!r}: {error}"
                ) from None
        else:
            check_temp_space()
            try:
                ray.init(
                    num_cpus=workers or os.cpu_count() or 1,
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                    _node_ip_address="127.0.0.1",  # no network needed on one machine
                    **common,
                )
            except (ConnectionError, RuntimeError, OSError) as error:
                raise EmbedlabError(
                    f"Could not start a local Ray: {error}. Its session files go to "
                    f"'{tempfile.gettempdir()}' (set RAY_TMPDIR to move them), or join a running "
                    "cluster with --address."
                ) from None
    return True


def _quiet_data_context(ray: ModuleType) -> None:
    """This process's Ray Data settings: our own bar over committed batches, not Ray's."""
    with warnings.catch_warnings():  # Ray's own deprecated settings, read on first use
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def block_input(data: pa.Table, estimator: Embedder, columns: list[str], dataset: str) -> Any:
    """The method's input for one batch of dataset rows (`id` plus the columns used)."""
    modality = estimator.modality
    if modality == "text":
        return [str(v) for v in data.column(columns[0]).to_pylist()]
    if modality == "image":
        return [_decode(source, item) for source, item in _pairs(data, columns[0])]
    frame = data.to_pandas()
    if modality == "numeric":
        return _numeric_matrix(frame, columns, dataset)
    return frame[columns].to_numpy(dtype=object)


def _pairs(data: pa.Table, column: str) -> zip[tuple[Any, str]]:
    return zip(data.column(column).to_pylist(), data.column("id").to_pylist(), strict=True)


def _decode(source: Any, item: str) -> Any:
    try:
        return decode_rgb(source)
    except ImageDecodeError as error:
        where = source if isinstance(source, str) else "stored bytes"
        raise InvalidInputError(
            f"The image of item '{item}' ({where}) can no longer be read: {error}. Committed "
            "batches are kept; fix or re-ingest, then run embed again."
        ) from None


@dataclass(frozen=True)
class _Job:
    """What every actor needs to rebuild the method and find the tables (plain values only)."""

    method: str
    params: dict[str, Any]
    state: dict[str, np.ndarray]
    lance_path: str
    dataset: str
    dataset_table: str
    partial_table: str
    columns: list[str]
    threads: int


class EmbedActor:
    """One Ray actor: one copy of the fitted method, and the two tables it reads and appends."""

    def __init__(self, job: _Job) -> None:
        from embedlab.store.lance_connect import connect

        cls = methods.get(job.method)
        params = dict(job.params)
        if "threads" in cls.param_names() and not params.get("threads"):
            params["threads"] = job.threads  # the actor's CPUs, not every core of the node
        self.estimator = cls.from_params(params).set_state(job.state)
        db = connect(job.lance_path)
        self.source = db.open_table(job.dataset_table)
        self.sink = db.open_table(job.partial_table)
        self.job = job

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        done = [self._embed(np.asarray(rows, dtype=np.int64)) for rows in batch["rows"]]
        return {"rows": np.asarray(done, dtype=np.int64)}

    def _embed(self, rows: np.ndarray) -> int:
        """Read, embed and commit one batch (in the order given, as the local engine does)."""
        sorter = np.argsort(rows, kind="stable")  # Lance takes rows back in stored order
        data = self.source.take_offsets(rows[sorter].tolist()).select(["id", *self.job.columns])
        data = data.to_arrow().take(pa.array(np.argsort(sorter)))
        estimator = self.estimator
        vectors = estimator.transform(
            block_input(data, estimator, self.job.columns, self.job.dataset)
        )
        report = getattr(estimator, "report_", {})
        counts = json.dumps({k: report.get(k, 0) for k in estimator.counted_keys})
        batch = {
            "row": pa.array(rows, pa.int64()),
            "id": data.column("id").combine_chunks().cast(pa.string()),
            "vector": vectors_to_arrow(vectors),
            "counts": pa.array([counts] + [None] * (len(rows) - 1), pa.string()),
        }
        self.sink.add(pa.table(batch))
        return len(rows)


def _no_restarts() -> dict[str, Any]:
    """No restarted actors: one that died after committing a batch would commit it twice. A
    failed batch fails the run; committed batches are kept for the next one."""
    return {"max_restarts": 0}


def embedlab_cause(error: BaseException) -> EmbedlabError | None:
    """The embedlab error a Ray task failed with, found through Ray's wrappers."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, EmbedlabError):
            return current
        seen.add(id(current))
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return None


class RayEngine:
    """Runs the rows of `embed` on Ray: `with RayEngine(workers=2) as engine: embed(...,
    engine=engine)`. Entering starts or joins Ray (a bad address fails here, before anything is
    computed); leaving shuts down a Ray it started."""

    name = "ray"

    def __init__(self, *, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.workers = check_workers(workers)
        self._started = False

    def __enter__(self) -> RayEngine:
        self._started = start_ray(self.address, self.workers)
        self._check_capacity()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._started:
            import_ray().shutdown()
            self._started = False

    def _cluster_cpus(self) -> int:
        return max(1, int(import_ray().cluster_resources().get("CPU", 1)))

    def _check_capacity(self) -> None:
        """A pool larger than the cluster would wait for CPUs forever: refuse it now. Without
        a worker count, the pool takes every CPU of the cluster (or of the local Ray)."""
        cpus = self._cluster_cpus()
        if self.workers is None:
            self.workers = cpus
        if self.workers > cpus:
            raise InvalidInputError(
                f"--workers {self.workers} needs {self.workers} CPUs (one per worker), and the "
                f"Ray cluster has {cpus}. Use --workers {cpus} or add nodes."
            )

    @contextlib.contextmanager
    def session(self) -> Iterator[RayEngine]:
        """This engine with Ray running: entered here when nothing started Ray yet (and shut
        down on leaving), else the running Ray with the pool sized to its CPUs."""
        if self.address is not None:
            check_reachable(self.address)  # also where this process already runs a Ray
        with contextlib.ExitStack() as stack:
            if not import_ray().is_initialized():
                stack.enter_context(self)
            elif self.workers is None:
                self._check_capacity()
            yield self

    def embed_rows(self, work: RowWork) -> None:
        """Embed `work.rows_todo` in batches of `work.batch_rows` on the actor pool, each batch
        appended to the partial table as one committed fragment."""
        check_method(work.estimator.name)
        with self.session():
            description = f"Embedding with {work.estimator.name} on Ray ({self.workers} workers)"
            with progress.task(description, total=work.total) as bar:
                bar.advance(len(work.state.done))
                if len(work.rows_todo):
                    for committed in self._run(work):
                        bar.advance(committed)
        work.state.table.checkout_latest()  # the actors committed from other processes

    def _run(self, work: RowWork) -> Iterator[int]:
        """The Ray Data pipeline: one item per batch, mapped by the actor pool; yields the rows
        each finished batch committed."""
        job = _Job(
            method=work.estimator.name,
            params=work.estimator.get_params(),
            state=work.estimator.get_state(),
            lance_path=str(work.workspace.lance_path.resolve()),
            dataset=work.dataset.name,
            dataset_table=work.dataset.entry.table,
            partial_table=work.state.table.name,
            columns=work.columns,
            threads=1,
        )
        rows, size = work.rows_todo, work.batch_rows
        batches = [{"rows": rows[i : i + size]} for i in range(0, len(rows), size)]
        for out in self.map_items(batches, EmbedActor, job, num_cpus=job.threads):
            yield int(out["rows"].sum())

    def map_items(
        self, items: list[dict[str, Any]], actor: type, job: Any, *, num_cpus: int = 1
    ) -> Iterator[dict[str, np.ndarray]]:
        """Each of `items` (one dict of plain values each) through one call of an `actor`
        built from `job`, on a pool of `self.workers` actors; yields each call's output as it
        finishes (in any order), an embedlab error of an actor raised as itself."""
        ray = import_ray()
        _quiet_data_context(ray)
        data = ray.data.from_items(items, override_num_blocks=min(len(items), 4096))
        with warnings.catch_warnings():  # Ray deprecates the only way to pass max_restarts
            warnings.simplefilter("ignore", DeprecationWarning)
            mapped = data.map_batches(
                actor,
                fn_constructor_args=(job,),
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=self.workers),
                num_cpus=num_cpus,
                ray_remote_args_fn=_no_restarts,
            )
        try:
            yield from mapped.iter_batches(batch_size=None, batch_format="numpy")
        except Exception as error:
            cause = embedlab_cause(error)
            if cause is not None:
                raise cause from None
            raise
