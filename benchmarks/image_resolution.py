"""Accuracy against speed of efficientnet-lite0 by input resolution, on Fashion-MNIST.

A seeded sample of the train split (default 2,000) and of the test split (default 500); for each
resolution: images/s of embedding both, kNN@10 (cosine) and linear-probe accuracy on the test
sample. Used to choose the automatic resolution for small images.

    .venv/bin/python benchmarks/image_resolution.py 32 64 96 128 224
"""

from __future__ import annotations

import argparse
import time
import warnings

from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from embedlab.io.sandbox import get_sandbox
from embedlab.methods.cnn import EfficientNetLite0
from embedlab.preprocess.image import decode_rgb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("resolutions", type=int, nargs="+")
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=500)
    args = parser.parse_args()
    dataset = get_sandbox("fashion-mnist")
    dataset.fetch()
    frame = dataset.load()
    train = frame[frame["split"] == "train"].sample(args.train, random_state=0)
    test = frame[frame["split"] == "test"].sample(args.test, random_state=0)
    train_images = [decode_rgb(b) for b in train["image"]]
    test_images = [decode_rgb(b) for b in test["image"]]
    for resolution in args.resolutions:
        model = EfficientNetLite0(resolution=resolution).fit(train_images[:8])
        model.transform(train_images[:32])  # warm-up
        start = time.perf_counter()
        a, b = model.transform(train_images), model.transform(test_images)
        rate = (len(a) + len(b)) / (time.perf_counter() - start)
        knn = KNeighborsClassifier(10, metric="cosine").fit(a, train["label"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe = LogisticRegression(max_iter=2000).fit(a, train["label"])
        print(
            f"resolution {resolution}: {rate:.0f} img/s, kNN@10 "
            f"{knn.score(b, test['label']):.3f}, linear probe {probe.score(b, test['label']):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
