"""ELMo held-out perplexity on Rotten Tomatoes, and the sense-separation check of contextual
token vectors (MiniLM vs the ELMo trained here) for the word "play".

Steps, all through embedlab's pipeline in one workspace (a temporary folder):
1. ingest sandbox:rotten-tomatoes (13,905 texts), `embed --method elmo` with the default
   parameters (timed; held-out perplexity and the unigram baseline from the embed report);
2. `tokens --word play` with minilm and with elmo; the real occurrences whose sense a rule can
   tell (previous word a determiner -> the noun, a stage play or a radio play; 'to', a pronoun
   or a modal -> the verb) are scored by nearest-neighbour agreement and k-means purity;
3. the same scores on 24 handwritten sentences (12 theatre, 12 verb).

Run: PYTHONPATH=src .venv/bin/python benchmarks/elmo_senses.py [--n 13905] [--param dim=64]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from embedlab.analysis.senses import PLAY_SENSES, sense_separation
from embedlab.analysis.tokens import Occurrence, elmo_token_vectors, minilm_token_vectors
from embedlab.methods.elmo import token_spans
from embedlab.methods.transformer import MiniLM
from embedlab.pipeline.embed import embed, load_estimator
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.tokens import token_dataset
from embedlab.store.workspace import Workspace

NOUN_BEFORE = {"a", "the", "this", "that", "his", "her", "their", "its", "whose", "radio"}
VERB_BEFORE = {"to", "i", "you", "we", "they", "can", "will", "would", "could", "must"}


def rule_senses(workspace: Workspace, dataset: str) -> tuple[list[int], list[str]]:
    """Rows of the tokens dataset whose sense the previous word tells, and those senses."""
    data = workspace.dataset(dataset).to_arrow().to_pylist()
    source = {row["id"]: row["text"] for row in workspace.dataset("rt").to_arrow().to_pylist()}
    rows, senses = [], []
    for index, item in enumerate(data):
        forms = [f for f, _, _ in token_spans(source[item["source_id"]])]
        before = forms[item["position"] - 1] if item["position"] > 0 else ""
        if before in NOUN_BEFORE or before in VERB_BEFORE:
            rows.append(index)
            senses.append("noun" if before in NOUN_BEFORE else "verb")
    return rows, senses


def handwritten(elmo: object) -> dict[str, object]:
    texts = [t for group in PLAY_SENSES.values() for t in group]
    senses = [s for s, group in PLAY_SENSES.items() for _ in group]
    occurrences = []
    for row, text in enumerate(texts):
        position, (_, start, end) = next(
            (i, s) for i, s in enumerate(token_spans(text)) if s[0] == "play"
        )
        occurrences.append(Occurrence(row, position, start, end, text[start:end]))
    minilm = minilm_token_vectors(texts, occurrences, MiniLM().fit())
    elmo_vectors = elmo_token_vectors(texts, occurrences, elmo)  # type: ignore[arg-type]
    return {
        "minilm": sense_separation(minilm, senses).to_dict(),
        "elmo": sense_separation(elmo_vectors, senses).to_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=None, help="a seeded sample of N texts")
    parser.add_argument("--param", action="append", default=[], help="ELMo KEY=VALUE")
    args = parser.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(folder)
        ingest(ws, "rt", "sandbox:rotten-tomatoes", limit=args.n)
        started = time.time()
        report = embed(ws, "rt", "elmo", params=params)
        fit_s = time.time() - started
        result: dict[str, object] = {
            "texts": len(ws.dataset("rt")),
            "cpu_count": os.cpu_count(),
            "load_average_before": os.getloadavg(),
            "elmo_embed_s": round(fit_s, 1),
            "elmo_report": report.method_report,
        }
        for method in ("minilm", "elmo"):
            made = token_dataset(ws, "rt", "play", method)
            rows, senses = rule_senses(ws, made.dataset)
            vectors = ws.space(made.dataset, made.space).vectors()[rows]
            result[f"rt_play_{method}"] = {
                "occurrences": made.n_occurrences,
                **sense_separation(vectors, senses).to_dict(),
            }
        result["handwritten_play"] = handwritten(load_estimator(ws, ws.space("rt", "elmo")))
        result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2, default=lambda x: np.asarray(x).tolist()))


if __name__ == "__main__":
    main()
