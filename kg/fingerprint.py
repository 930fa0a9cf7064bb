"""What, besides an article's text, decides its graph: the extractor's fingerprint.

`kg build` skips an article whose stored content hash matches its text. Without more, a new
casekg (a new lexicon, another pipeline, another graph model) would leave every unchanged
article with the graph an older version made - and a catalogue query written for the new
graph model silently finds nothing there. Each article graph therefore records the
fingerprint it was built with (`ckg:extractorFingerprint`), and a build re-extracts articles
whose fingerprint differs. Bump `GRAPH_MODEL` when `kg/rdf.py` changes what it writes, and
`kg.nlp.lexicons.LEXICON_VERSION` when the lexicon changes; pipeline config changes are
picked up by hash.
"""

from __future__ import annotations

import functools
import hashlib
import json

import kg

# 2: shortcut properties on statements and precomputed article counts (docs/graph-model.md)
GRAPH_MODEL = "2"


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """"casekg VERSION; lexicon N; pipeline HASH; graph N" for this installation."""
    from kg.nlp.lexicons import LEXICON_VERSION
    from kg.nlp.pipeline import PIPELINE

    config = hashlib.sha256(json.dumps(PIPELINE, sort_keys=True).encode()).hexdigest()[:12]
    return f"casekg {kg.__version__}; lexicon {LEXICON_VERSION}; pipeline {config}; graph {GRAPH_MODEL}"
