"""Build the ~13M-token English corpus for the word-vector benchmarks from Debian packages.

`apt-get download` fetches linux-doc-6.1 (reST sources), dict-gcide (the GNU dictionary),
wordnet-base (glosses) and python3.11-doc (info manuals) into a cache folder, `dpkg-deb -x`
unpacks them there (no root needed), and their text is written to one file, one line per
non-empty source line. Nothing goes into the repository.

    .venv/bin/python benchmarks/word_corpus.py [--cache ~/.cache/embedlab/word-corpus]

Prints the path of the corpus file (`corpus.txt` in the cache folder). A second run reuses it.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("linux-doc-6.1", "dict-gcide", "wordnet-base", "python3.11-doc")
DEFAULT_CACHE = Path("~/.cache/embedlab/word-corpus").expanduser()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    return parser.parse_args()


def fetch(cache: Path, packages: tuple[str, ...] = PACKAGES) -> Path:
    """Download and unpack the packages (skipped for those already unpacked)."""
    debs, root = cache / "debs", cache / "root"
    debs.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    for package in packages:
        if any(debs.glob(f"{package}_*.deb")):
            continue
        print(f"apt-get download {package}")
        subprocess.run(["apt-get", "download", package], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        stamp = root / f".{deb.name}.done"
        if not stamp.exists():
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            stamp.touch()
    return root


def source_files(root: Path) -> Iterator[Path]:
    yield from sorted((root / "usr/share/doc/linux-doc-6.1/Documentation").rglob("*.rst"))
    yield from sorted((root / "usr/share/dictd").glob("gcide.dict*"))
    yield from sorted((root / "usr/share/wordnet").glob("data.*"))
    yield from sorted((root / "usr/share/info").glob("python*.info*"))


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if path.name.startswith("gcide.dict") and path.suffix == ".dz":
        raw = gzip.decompress(path.read_bytes())  # dictzip is gzip-compatible
    return raw.decode("utf-8", errors="replace")


def python_doc_sections(cache: Path = DEFAULT_CACHE) -> list[tuple[str, str]]:
    """(title, body) of every section of the Python 3.11 manual (python3.11-doc's info file)
    whose title is unique: the section number is dropped from the title, the underline, the
    sub-section menu and the title itself from the body."""
    root = fetch(cache, ("python3.11-doc",))
    text = read_text(root / "usr/share/info/python3.11.info.gz")
    sections = []
    for node in text.split("\x1f")[1:]:
        lines = node.strip("\n").split("\n")
        heading = next((i for i in range(1, len(lines)) if lines[i].strip()), len(lines))
        if heading + 1 >= len(lines) or not re.fullmatch(r"[*=\-.]{3,}", lines[heading + 1]):
            continue
        title = re.sub(r"^[\d.]+\s+", "", lines[heading].strip())
        body = "\n".join(lines[heading + 2 :]).split("\n* Menu:")[0].strip()
        if body:
            sections.append((title, body))
    counts = Counter(title for title, _ in sections)
    return [(title, body) for title, body in sections if counts[title] == 1]


RST_UNDERLINE = re.compile(r"([=\-~^*#+])\1{2,}")


def kernel_doc_sections(cache: Path = DEFAULT_CACHE) -> list[tuple[str, str]]:
    """(title, body) of every reST section of the Linux 6.1 documentation (linux-doc-6.1) whose
    title is unique and whose body has at least 50 words: a title is a line underlined by a
    run of one punctuation character at least as long; the body runs to the next title."""
    root = fetch(cache, ("linux-doc-6.1",))
    sections: list[tuple[str, str]] = []
    for path in sorted((root / "usr/share/doc/linux-doc-6.1/Documentation").rglob("*.rst*")):
        lines = read_text(path).splitlines()
        heads = [
            i
            for i in range(len(lines) - 1)
            if lines[i].strip()
            and not RST_UNDERLINE.fullmatch(lines[i].strip())
            and RST_UNDERLINE.fullmatch(lines[i + 1].strip())
            and len(lines[i + 1].strip()) >= len(lines[i].strip())
        ]
        for head, end in zip(heads, [*heads[1:], len(lines) + 1][: len(heads)], strict=True):
            body = "\n".join(lines[head + 2 : end - 1]).strip()
            if len(body.split()) >= 50:
                sections.append((lines[head].strip(), body))
    counts = Counter(title for title, _ in sections)
    return [(title, body) for title, body in sections if counts[title] == 1]


def wordnet_glosses(cache: Path = DEFAULT_CACHE) -> list[tuple[str, str]]:
    """(lemma, definition) of every WordNet 3.0 noun synset whose first lemma names no other
    synset: the lemma with its underscores as spaces, the gloss without its quoted examples."""
    root = fetch(cache, ("wordnet-base",))
    pairs = []
    for line in read_text(root / "usr/share/wordnet/data.noun").splitlines():
        if line.startswith(" ") or " | " not in line:
            continue  # the licence header
        fields, gloss = line.split(" | ", 1)
        lemma = fields.split()[4].replace("_", " ")
        definition = gloss.split('; "')[0].strip().strip(";").strip()
        pairs.append((lemma, definition))
    counts = Counter(lemma.lower() for lemma, _ in pairs)
    return [(lemma, gloss) for lemma, gloss in pairs if counts[lemma.lower()] == 1]


def build(cache: Path) -> Path:
    corpus = cache / "corpus.txt"
    if corpus.exists():
        return corpus
    root = fetch(cache)
    tmp = corpus.with_suffix(".tmp")
    lines = tokens = 0
    with tmp.open("w", encoding="utf-8") as out:
        for path in source_files(root):
            for line in read_text(path).splitlines():
                line = line.strip()
                if line:
                    out.write(line + "\n")
                    lines += 1
                    tokens += len(line.split())
    tmp.rename(corpus)
    print(f"{lines:,} lines, {tokens:,} whitespace tokens")
    return corpus


if __name__ == "__main__":
    print(build(parse_args().cache.expanduser()))
