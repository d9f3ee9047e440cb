"""Lightly edited copies of texts: embedlab's near-duplicate check against cleanlab Datalab's.

The data: a seeded sample of Rotten Tomatoes texts (at least 8 words each), plus edited copies
of some of them, each with 1-3 (or `--edits heavy`: 3-4) edits a person's copy has: a typo
(two letters swapped, one dropped or doubled), the case changed, punctuation dropped or added,
a word dropped or inserted, doubled spaces, a prefix or suffix ("RT: ", " (via web)"), the last
words cut off with "...". embedlab ingests and embeds the texts with `minilm` (not timed), then
the timed run is the CLI a user types: `embedlab quality NAME minilm --export issues.csv`
(every check). Datalab's timed run is a process that reads the same vectors and runs
`find_issues` for near-duplicates only.

Scored on pairs: a planted pair is found when embedlab's export names one text as the other's
copy or puts both in one group; for Datalab when one is in the other's `near_duplicate_sets`.
A found pair that was not planted is false unless both texts are equal after normalisation
(case, accents, punctuation, spaces): duplicates the corpus already had.

    .venv-bench/bin/python benchmarks/text_copies.py --n 3000 --copies 60 --seed 0
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import OFFLINE_ENV, machine_summary, print_scored_runs
from quality_planted import timed

INSERTS = ("really", "very", "just", "so", "the")
AFFIXES = ("RT: {}", "{} (via web)", "Review: {}", "{} #movies")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="Rotten Tomatoes texts sampled")
    parser.add_argument("--copies", type=int, default=60, help="edited copies planted")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edits", choices=("light", "heavy"), default="light")
    parser.add_argument("--workdir", type=Path, help="keep the data and workspace here")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def editors(rng: random.Random) -> list[Callable[[str], str]]:
    """The edits, each a function of one text, drawing from `rng`."""

    def typo(text: str) -> str:
        words = text.split(" ")
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:
            j = rng.randrange(1, len(word) - 1)
            word = rng.choice(
                [
                    word[:j] + word[j + 1] + word[j] + word[j + 2 :],
                    word[:j] + word[j + 1 :],
                    word[:j] + word[j] + word[j:],
                ]
            )
        words[i] = word
        return " ".join(words)

    def case(text: str) -> str:
        return rng.choice([text.lower(), text.upper(), text.title()])

    def punctuation(text: str) -> str:
        return rng.choice(
            [text.replace(",", "").replace(".", ""), text + "!", text.replace(" ", ", ", 1)]
        )

    def drop_word(text: str) -> str:
        words = text.split()
        del words[rng.randrange(len(words))]
        return " ".join(words)

    def insert_word(text: str) -> str:
        words = text.split()
        words.insert(rng.randrange(len(words) + 1), rng.choice(INSERTS))
        return " ".join(words)

    def spaces(text: str) -> str:
        return text.replace(" ", "  ", 2)

    def affix(text: str) -> str:
        return rng.choice(AFFIXES).format(text)

    def cut(text: str) -> str:
        words = text.split()
        return " ".join(words[: max(6, len(words) - rng.randint(1, 2))]) + "..."

    return [typo, case, punctuation, drop_word, insert_word, spaces, affix, cut]


def plant(folder: Path, n: int, n_copies: int, seed: int, heavy: bool) -> list[list[str]]:
    """Write `texts.csv` (id, text, label) with planted copies; return the planted id pairs."""
    from embedlab.io.sandbox import get_sandbox

    rng = random.Random(seed)
    frame = get_sandbox("rotten-tomatoes").load()
    frame = frame[frame["text"].str.split().str.len() >= 8].sample(n=n, random_state=seed)
    texts, labels = list(frame["text"]), list(frame["label"])
    edits = editors(rng)
    rows = [(f"t{i}", texts[i], labels[i]) for i in range(n)]
    pairs = []
    for c, i in enumerate(rng.sample(range(n), n_copies)):
        text = texts[i]
        for edit in rng.sample(edits, rng.randint(3, 4) if heavy else rng.randint(1, 3)):
            text = edit(text)
        rows.append((f"c{c}", text, labels[i]))
        pairs.append([f"t{i}", f"c{c}"])
    rng.shuffle(rows)
    with (folder / "texts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "label"])
        writer.writerows(rows)
    return pairs


def datalab_child(data: Path) -> None:
    """Datalab's near-duplicate check on the saved vectors; prints its pairs (rows) as JSON."""
    from cleanlab import Datalab

    vectors = np.load(data)["vectors"]
    lab = Datalab(data={"row": np.arange(len(vectors))}, verbosity=0)
    lab.find_issues(features=vectors, issue_types={"near_duplicate": {}})
    sets = lab.get_info("near_duplicate")["near_duplicate_sets"]
    print(json.dumps([[int(a), int(b)] for a, others in enumerate(sets) for b in others if a < b]))


def embedlab_pairs(export: Path) -> set[frozenset[str]]:
    """Pairs within each near-duplicate group of the export, and each copy with its original."""
    groups: dict[str, set[str]] = defaultdict(set)
    with export.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["issue"] != "near_duplicate":
                continue
            groups[row["group"] or row["id"]].add(row["id"])
            original = (row["suggestion"] or "").removeprefix("remove: a copy of ")
            if original != row["suggestion"]:
                groups[row["group"] or row["id"]].add(original)
    return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}


def score(found: set[frozenset[str]], planted: set[frozenset[str]], texts: dict) -> dict:
    """Pair recall, the duplicates the corpus already had, false pairs and precision."""
    from embedlab.analysis.duplicates import normalise_text

    hits = found & planted
    natural = {p for p in found - planted if len({normalise_text(texts[i]) for i in p}) == 1}
    false = found - planted - natural
    return {
        "pairs found": len(found),
        "planted found": len(hits),
        "recall": len(hits) / len(planted),
        "already in corpus": len(natural),
        "false": len(false),
        "precision": (len(hits) + len(natural)) / max(len(found), 1),
    }


def main() -> None:
    args = parse_args()
    if args.side == "datalab":
        datalab_child(args.data)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="embedlab-text-copies-"))
    work.mkdir(parents=True, exist_ok=True)
    workspace, truth_path = work / "ws", work / "planted.json"
    if not truth_path.exists():
        truth_path.write_text(
            json.dumps(plant(work, args.n, args.copies, args.seed, args.edits == "heavy"))
        )
    planted = {frozenset(p) for p in json.loads(truth_path.read_text())}
    with (work / "texts.csv").open(encoding="utf-8", newline="") as handle:
        texts = {row["id"]: row["text"] for row in csv.DictReader(handle)}
    env = {**os.environ, **OFFLINE_ENV}
    cli = [sys.executable, "-m", "embedlab.cli", "--workspace", str(workspace)]
    if not workspace.exists():
        ingest = ["ingest", "texts", str(work / "texts.csv"), "--id", "id", "--text", "text"]
        subprocess.run([*cli, *ingest, "--label", "label"], env=env, check=True)
    subprocess.run([*cli, "embed", "texts", "--method", "minilm"], env=env, check=True)
    export = work / "issues.csv"
    ours = timed([*cli, "quality", "texts", "minilm", "--export", str(export)], env)

    from embedlab import Workspace

    space = Workspace(workspace).space("texts", "minilm")
    ids = list(space.ids())
    data = work / "vectors.npz"
    np.savez(data, vectors=space.vectors())
    theirs = timed([sys.executable, __file__, "--side", "datalab", "--data", str(data)], env)
    their_pairs = {frozenset((ids[a], ids[b])) for a, b in json.loads(theirs[2])}
    results = {
        "embedlab (every check)": (ours, score(embedlab_pairs(export), planted, texts)),
        "Datalab (near_duplicate only)": (theirs, score(their_pairs, planted, texts)),
    }
    print_scored_runs(
        f"Edited text copies: {len(texts):,} Rotten Tomatoes texts, {len(planted)} planted "
        f"pairs ({args.edits} edits, seed {args.seed}), minilm",
        results,
    )
    print(machine_summary(2))


if __name__ == "__main__":
    main()
