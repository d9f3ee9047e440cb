"""Autoencoders against PCA at the same dimension on Fashion-MNIST, in one run.

Both sides are fitted on the same training images only and measured on held-out test images:
reconstruction error (mean squared error per input value, in the units each pair shares),
linear-probe and kNN@10 accuracy (trained on the training embeddings, scored on the test ones).

- images: `autoencoder` (convolutional, pixels in [0, 1]) vs `pixels-pca` (same pixels);
- the same images as a numeric table of 784 columns: `mlp-autoencoder` (standardised columns)
  vs `pca` (standardised columns).

    python benchmarks/autoencoder.py                    # 10,000 train / 2,000 test, dims 32
    python benchmarks/autoencoder.py --train 2000 --test 500 --epochs 3   # smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from typing import Any

import numpy as np

from embedlab.analysis.evaluate import probe
from embedlab.io.images import read_idx
from embedlab.io.sandbox import _fm_fetch, _fm_locate
from embedlab.methods import get


def fashion_mnist(n_train: int, n_test: int) -> tuple[np.ndarray, ...]:
    """The first n_train training and n_test test images (uint8 28x28) and their labels."""
    folder = _fm_locate() or _fm_fetch()
    parts = []
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        parts.append(read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")[:n])
        parts.append(read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")[:n])
    return tuple(parts)


def measure(
    name: str, estimator: Any, train: Any, test: Any, labels: np.ndarray, n_train: int
) -> dict[str, Any]:
    """Fit on `train`, embed both parts, then reconstruction error on `test` and the probes."""
    started = time.perf_counter()
    estimator.fit(train)
    fit_s = time.perf_counter() - started
    vectors = np.concatenate([estimator.transform(train), estimator.transform(test)])
    mse = float(np.mean(estimator.reconstruction_error(test)))
    rows = np.arange(len(labels))
    result = probe(name, vectors, labels, rows[:n_train], rows[n_train:], k=10, seed=0)
    report = getattr(estimator, "report_", {})
    return {
        "method": name,
        "dim": result.dim,
        "test_reconstruction_mse": round(mse, 5),
        "linear_probe": result.linear_probe,
        "knn10": result.knn,
        "fit_s": round(fit_s, 1),
        "epochs_run": report.get("epochs_run"),
        "best_epoch": report.get("best_epoch"),
        "stopped_early": report.get("stopped_early"),
        "validation_loss": report.get("validation_loss"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=10_000)
    parser.add_argument("--test", type=int, default=2_000)
    parser.add_argument("--dims", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    train_x, train_y, test_x, test_y = fashion_mnist(args.train, args.test)
    labels = np.concatenate([train_y, test_y]).astype(str)
    train_images, test_images = list(train_x), list(test_x)
    train_table = train_x.reshape(len(train_x), -1).astype(np.float32)
    test_table = test_x.reshape(len(test_x), -1).astype(np.float32)
    net = {"dims": args.dims, "epochs": args.epochs, "threads": args.threads, "seed": 0}
    sides = [
        ("autoencoder", get("autoencoder")(**net), train_images, test_images),
        ("pixels-pca", get("pixels-pca")(n_components=args.dims), train_images, test_images),
        ("mlp-autoencoder", get("mlp-autoencoder")(**net), train_table, test_table),
        ("pca (standardised)", get("pca")(n_components=args.dims), train_table, test_table),
    ]
    print(
        f"Fashion-MNIST: train {args.train:,} / test {args.test:,}, dims {args.dims}, "
        f"threads {args.threads}, {platform.machine()} Python {platform.python_version()}"
    )
    results = []
    for name, estimator, train, test in sides:
        results.append(measure(name, estimator, train, test, labels, args.train))
        print(json.dumps(results[-1]), flush=True)
    print()
    print("| method | dim | test reconstruction MSE | linear probe | kNN@10 | fit s | epochs |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        epochs = (
            f"{r['epochs_run']} (best {r['best_epoch']}, early stop: {r['stopped_early']})"
            if r["epochs_run"]
            else ""
        )
        print(
            f"| {r['method']} | {r['dim']} | {r['test_reconstruction_mse']:.5f} | "
            f"{r['linear_probe']:.3f} | {r['knn10']:.3f} | {r['fit_s']:.1f} | {epochs} |"
        )


if __name__ == "__main__":
    main()
