"""`kg dump` / `kg load`: the whole graph as N-Quads or TriG, for moving between stores and
for releases. `.gz` after the extension compresses.

Atomicity
- dump: streamed into a temp file beside the target, fsynced, renamed over it; a reader
  (or a crash) sees the old file or the complete new one.
- load into a new store (the directory does not exist or is empty): bulk-loaded into a
  temp directory beside it, which is renamed into place only when complete.
- load into an existing store (or a remote one): the file is parsed to the end first, so a
  malformed file changes nothing; then each named graph in it is replaced whole in one
  transaction (one Graph Store PUT for a remote store), as `kg build` replaces an article;
  the shared vocabulary graph (`kg.rdf.VOCAB_GRAPH`) is merged into, never replaced, since
  it also serves the articles that are not in the file.
  A crash midway leaves some graphs new and some old, each one whole; loading again
  finishes the job (replacing a graph is idempotent). Graphs not in the file are kept.
Every quad must be in a named graph: the store keeps one graph per article.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import pyoxigraph as ox

from kg.atomic import atomic_writer
from kg.errors import CaseKGError, InputError
from kg.rdf import PREFIXES, VOCAB_GRAPH

FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
_SUFFIXES = {".nq": "nquads", ".nquads": "nquads", ".trig": "trig"}


@dataclass
class LoadSummary:
    graphs: int = 0
    quads: int = 0
    new_store: bool = False


def format_for(path: str | os.PathLike[str] | None, fmt: str | None = None) -> tuple[ox.RdfFormat, bool]:
    """(RDF format, gzip?) from an explicit format name or the file name (`x.nq`, `x.trig.gz`)."""
    name = str(path or "").lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    if fmt:
        key = fmt.lower().replace("-", "")
        if key not in FORMATS:
            raise CaseKGError(f"unknown dump format {fmt!r} (nquads, trig)")
        return FORMATS[key], gz
    for suffix, key in _SUFFIXES.items():
        if name.endswith(suffix):
            return FORMATS[key], gz
    raise CaseKGError(f"{path}: cannot tell the format from the name; use .nq or .trig (optionally .gz), or --format")


# ----------------------------------------------------------------------------- dump


def dump(store: Any, output: str | os.PathLike[str] | IO[bytes], fmt: str | None = None) -> int:
    """Write every quad of `store` (a path, `kg.store.Store` or `pyoxigraph.Store`) to `output`
    (a path, written atomically, or a binary stream such as stdout). Returns the quad count."""
    from kg.store import Store

    if isinstance(store, (str, os.PathLike)):
        if not Path(store).is_dir():
            raise CaseKGError(f"{store}: no store here; run `kg build` first")
        with Store(store, read_only=True) as st:
            return dump(st.oxigraph, output, fmt)
    ox_store = store.oxigraph if isinstance(store, Store) else store
    if not isinstance(output, (str, os.PathLike)):
        rdf_format, _ = format_for(None, fmt or "nquads")
        _write(ox_store, output, rdf_format)
        return len(ox_store)
    target = Path(output)
    rdf_format, gz = format_for(target, fmt)
    with atomic_writer(target) as raw:
        if gz:
            # mtime=0: the same graph gives the same bytes, so release files are reproducible
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped:
                _write(ox_store, zipped, rdf_format)
        else:
            _write(ox_store, raw, rdf_format)
    return len(ox_store)


def _write(ox_store: ox.Store, stream: IO[bytes], rdf_format: ox.RdfFormat) -> None:
    if rdf_format == ox.RdfFormat.TRIG:
        ox_store.dump(stream, rdf_format, prefixes=dict(PREFIXES))
    else:
        ox_store.dump(stream, rdf_format)


# ----------------------------------------------------------------------------- load


@contextlib.contextmanager
def _opened(source: str | os.PathLike[str] | IO[bytes], gz: bool) -> Iterator[IO[bytes]]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            yield gzip.GzipFile(fileobj=fh, mode="rb") if gz else fh
    else:
        yield gzip.GzipFile(fileobj=source, mode="rb") if gz else source


def _scan(source: str | os.PathLike[str], rdf_format: ox.RdfFormat, gz: bool) -> tuple[int, list[str], bool]:
    """Parse to the end: (quads, graphs in order of first appearance, graphs contiguous?)."""
    count, order, seen, contiguous, current = 0, [], set(), True, None
    with _opened(source, gz) as fh:
        try:
            for q in ox.parse(fh, format=rdf_format):
                g = q.graph_name
                if isinstance(g, ox.DefaultGraph):
                    raise InputError(source, f"quad {count + 1} is in the default graph; the store keeps every triple in a named graph (one per article)")
                if not isinstance(g, ox.NamedNode):
                    raise InputError(source, f"quad {count + 1} is in a blank-node graph; graphs must be named by IRIs")
                key = str(g)
                if key != current:
                    if key in seen:
                        contiguous = False
                    else:
                        seen.add(key)
                        order.append(key)
                    current = key
                count += 1
        except SyntaxError as exc:
            raise InputError(source, f"not valid {rdf_format.name}: {exc}") from None
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(source, f"cannot read: {exc}") from None
    return count, order, contiguous


def _groups(source: str | os.PathLike[str], rdf_format: ox.RdfFormat, gz: bool, contiguous: bool) -> Iterator[tuple[Any, list[ox.Quad]]]:
    """(graph, its quads) one graph at a time; a file whose graphs are interleaved is grouped in memory."""
    with _opened(source, gz) as fh:
        if not contiguous:
            by_graph: dict[str, tuple[Any, list[ox.Quad]]] = {}
            for q in ox.parse(fh, format=rdf_format):
                by_graph.setdefault(str(q.graph_name), (q.graph_name, []))[1].append(q)
            yield from by_graph.values()
            return
        graph, batch = None, []
        for q in ox.parse(fh, format=rdf_format):
            if graph is not None and q.graph_name != graph:
                yield graph, batch
                batch = []
            graph = q.graph_name
            batch.append(q)
        if batch:
            yield graph, batch


def _replace_graph(ox_store: ox.Store, graph: Any, quads: list[ox.Quad]) -> None:
    # One update is one Oxigraph transaction: DROP and INSERT commit together (as in Store.replace_article).
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    ox_store.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")


def _merge_graph(ox_store: ox.Store, graph: Any, quads: list[ox.Quad]) -> None:
    # The shared vocabulary graph serves every article, also those not in the file: add, never drop.
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    ox_store.update(f"INSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")


def load(
    store: str | os.PathLike[str],
    source: str | os.PathLike[str] | IO[bytes],
    fmt: str | None = None,
    *,
    query_endpoint: str | None = None,
) -> LoadSummary:
    """Load an N-Quads/TriG file (or binary stream; `-` reads stdin) into `store`: a store
    directory (created if missing) or a Graph Store Protocol URL. See the module doc for what
    is atomic."""
    from kg.remote import add_to_graph, is_url, push_graph

    spooled = None
    if not isinstance(source, (str, os.PathLike)) or str(source) == "-":
        # Two passes (validate, then write) need a file we can read twice.
        stream = sys.stdin.buffer if str(source) == "-" else source
        rdf_format, gz = format_for(None, fmt or "nquads")
        spooled = tempfile.NamedTemporaryFile(prefix="kg-load-", suffix=".rdf", delete=False)
        with spooled:
            shutil.copyfileobj(stream, spooled)
        path: str | os.PathLike[str] = spooled.name
    else:
        path = source
        if not Path(path).is_file():
            raise InputError(path, "no such file")
        rdf_format, gz = format_for(path, fmt)
    try:
        count, graphs, contiguous = _scan(path, rdf_format, gz)
        summary = LoadSummary(graphs=len(graphs), quads=count)
        if is_url(str(store)):
            for graph, quads in _groups(path, rdf_format, gz, contiguous):
                write = add_to_graph if graph.value == VOCAB_GRAPH else push_graph
                write(str(store), graph.value, [q.triple for q in quads])
            return summary
        target = Path(store)
        if not target.exists() or (target.is_dir() and not any(target.iterdir())):
            summary.new_store = True
            _load_new(target, path, rdf_format, gz)
            return summary
        from kg.store import Store

        with Store(target) as st:
            for graph, quads in _groups(path, rdf_format, gz, contiguous):
                if graph.value == VOCAB_GRAPH:
                    _merge_graph(st.oxigraph, graph, quads)
                else:
                    _replace_graph(st.oxigraph, graph, quads)
        return summary
    finally:
        if spooled is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(spooled.name)


def _load_new(target: Path, path: str | os.PathLike[str], rdf_format: ox.RdfFormat, gz: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".loading", dir=target.parent))
    try:
        st = ox.Store(str(tmp))
        with _opened(path, gz) as fh:
            st.bulk_load(fh, rdf_format)
        st.flush()
        del st  # pyoxigraph closes RocksDB when the last reference goes
        if target.exists():
            target.rmdir()  # empty, checked by the caller
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
