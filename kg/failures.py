"""Extraction failures remembered beside an on-disk store.

A failed article has no graph, so without a record `kg list` could only call it "not built",
the same as an article nobody has tried yet. `kg build` and `kg add` record the failure here
(with the content hash it failed on and the one-line message) and clear it once the article
builds; `kg list` shows "failed" while the corpus still holds that same content.

Remote stores (Graph Store Protocol URLs) keep no record: nothing is written to a server
that is not RDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from kg.atomic import write_text_atomic

FILE_NAME = ".kg-failed.json"


def _path(store: str | Path) -> Path | None:
    from kg.remote import is_url

    return None if is_url(str(store)) else Path(store) / FILE_NAME


def load(store: str | Path) -> dict[str, dict[str, str | None]]:
    """{article id: {"sha256": content hash or None, "error": message}}; {} when none or unreadable."""
    path = _path(store)
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged record only loses the "failed" label, never data
    return data if isinstance(data, dict) else {}


def update(store: str | Path, failed: dict[str, tuple[str | None, str]], succeeded: Iterable[str] = ()) -> None:
    """Record `failed` ({id: (content hash, message)}) and forget `succeeded`; atomic, no-op if unchanged."""
    path = _path(store)
    if path is None:
        return
    record = load(store)
    before = dict(record)
    for aid in succeeded:
        record.pop(aid, None)
    for aid, (sha, message) in failed.items():
        record[aid] = {"sha256": sha, "error": message}
    if record == before:
        return
    if record:
        path.parent.mkdir(parents=True, exist_ok=True)  # kg add can fail before the store exists
        write_text_atomic(path, json.dumps(record, indent=1, sort_keys=True))
    else:
        path.unlink(missing_ok=True)
