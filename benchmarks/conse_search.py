"""Text-to-image search quality of ConSE on Fashion-MNIST: precision@50 per class name query.

Needs a workspace where `fashion` holds an `efficientnet-lite0` and a `conse` space:
    embedlab ingest fashion sandbox:fashion-mnist
    embedlab embed fashion --method efficientnet-lite0
    embedlab embed fashion --method conse
    .venv/bin/python benchmarks/conse_search.py [--workspace PATH]
"""

from __future__ import annotations

import argparse
from collections import Counter

from embedlab import Workspace, search

QUERIES = {
    "a sneaker": "Sneaker",
    "a handbag": "Bag",
    "trousers": "Trouser",
    "a dress": "Dress",
    "an ankle boot": "Ankle boot",
    "a sandal": "Sandal",
    "a t-shirt": "T-shirt/top",
    "a pullover sweater": "Pullover",
    "a coat": "Coat",
    "a shirt": "Shirt",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default=None)
    parser.add_argument("-k", type=int, default=50)
    args = parser.parse_args()
    workspace = Workspace(args.workspace)
    precisions = []
    for query, label in QUERIES.items():
        hits = search(workspace, "fashion", "efficientnet-lite0", query, k=args.k)
        counts = Counter(h.label for h in hits)
        precisions.append(counts[label] / args.k)
        print(
            f"{query!r:24} precision@{args.k} {precisions[-1]:.2f}  "
            f"top labels {counts.most_common(3)}  (through '{hits[0].space}')"
        )
    print(f"mean precision@{args.k}: {sum(precisions) / len(precisions):.3f}")


if __name__ == "__main__":
    main()
