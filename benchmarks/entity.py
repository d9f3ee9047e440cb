"""Entity embeddings against one-hot (and numeric PCA) on the films table, same models, one run.

Data: the `films` sandbox (17,472 films from Wikidata in bokeh-sampledata's movies.db, fetched
into the cache on first use); target `critic_rating` (Rotten Tomatoes average critic score,
0-10; 342 films have none and are left out). Inputs: every column but the id, the title and the
target: genre, genres, mpaa, country, language, director, studio, decade (categories) and year,
runtime, oscars (numbers).

What runs is `embedlab evaluate films --target critic_rating` without the workspace:
`analysis.encodings.compare_encodings` on a seeded 80/20 split of the rows with a target. The
entity tables are fitted on the training rows only (their early-stopping validation part is
carved from the training rows); the one-hot categories and the numeric standardisation too. The
same downstream models (ridge, HistGradientBoosting) are fitted on each feature set, and the
held-out R^2 / RMSE printed. Nothing is tuned on the test rows: the entity defaults were chosen
on the entity's own validation loss inside the training rows.

    PYTHONPATH=src python benchmarks/entity.py [--seed 0] [--target critic_rating]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from embedlab.analysis.encodings import compare_encodings
from embedlab.io.sandbox import get_sandbox
from embedlab.methods.records import Records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default="critic_rating")
    parser.add_argument("--threads", type=int, default=1, help="threads of the downstream models")
    args = parser.parse_args()

    sandbox = get_sandbox("films")
    sandbox.fetch()
    frame = sandbox.load().drop(columns=["id", "title"])
    started = time.perf_counter()
    comparison = compare_encodings(
        Records.from_frame(frame), args.target, seed=args.seed, threads=args.threads
    )
    total = time.perf_counter() - started
    print(
        f"films: {len(frame):,} rows, target {args.target} ({comparison.task}), train "
        f"{comparison.n_train:,} / test {comparison.n_test:,}, "
        f"{comparison.rows_without_target} rows without a target left out"
    )
    print(f"categorical: {', '.join(comparison.categorical_columns)}")
    print(f"numeric: {', '.join(comparison.numeric_columns)}")
    report = comparison.entity_report
    print(
        f"entity fit: {report['epochs_run']} epochs (best {report['best_epoch']}), validation "
        f"loss {report['validation_loss']}, {report['train_seconds']} s; tables "
        + ", ".join(
            f"{c} {t['categories'] + 1}x{t['dimension']}" for c, t in report["tables"].items()
        )
    )
    print()
    names = list(comparison.scores[0].metrics)
    print(f"| features | dim | model | {' | '.join(names)} | seconds |")
    print("|---|---:|---|" + "---:|" * (len(names) + 1))
    for score in comparison.scores:
        values = " | ".join(f"{score.metrics[n]:.4f}" for n in names)
        print(f"| {score.features} | {score.dim:,} | {score.model} | {values} | {score.seconds} |")
    print()
    first = names[0]
    for model in dict.fromkeys(s.model for s in comparison.scores):
        by = {s.features: s.metrics[first] for s in comparison.scores if s.model == model}
        verdict = "met" if by["entity"] > by["one-hot"] else "NOT met"
        print(
            f"{model}: entity {first} {by['entity']:.4f} vs one-hot {by['one-hot']:.4f} "
            f"({by['entity'] - by['one-hot']:+.4f}): target {verdict}"
        )
    print(
        f"dimensions: one-hot {comparison.onehot_dim:,}, entity {comparison.entity_dim:,} "
        f"({comparison.onehot_dim / comparison.entity_dim:.1f}x fewer)"
    )
    load = os.getloadavg()
    print(
        f"whole comparison {total:.1f} s; machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (shared with other engineers' jobs)"
    )


if __name__ == "__main__":
    main()
