"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint, the query catalogue over HTTP and a web UI.

Why queries run in worker processes
-----------------------------------
pyoxigraph cannot interrupt a running query: a thread can stop *between* result rows, but
one `next()` on an ORDER BY or a big aggregate can run for minutes, and that thread cannot
be killed. Each query therefore runs in one of a small pool of worker processes
(`python -c` children on a socketpair), each holding its own read-only handle on the store. A query
that passes its deadline gets a 504 and its worker is killed (SIGKILL) and replaced, so a
runaway query costs at most `timeout` seconds of one core. The result-row cap is applied
while streaming rows inside the worker, so a huge result is never materialised.
The price: results cross a pipe (already serialised, so this is one copy of the response
body), and an in-memory store cannot be served (workers open the store by path).

Why SERVICE is detected inside the worker, by Oxigraph's own parser
--------------------------------------------------------------------
pyoxigraph *executes* `SERVICE <url>` (outgoing HTTP) and its tokenizer does not need a
word boundary before a keyword (`?s ?p 1SERVICE <x> {}` is accepted), so a regex over the
text is not reliable. When the text contains "service" in any case, the worker parses a
copy with every occurrence renamed to a same-length run of letters: occurrences inside
IRIs, strings, comments, variable or prefixed names still parse, a SERVICE keyword
becomes a bare word, which SPARQL never accepts. If the renamed copy fails to parse the
original is never run (fail closed); a second copy with SERVICE -> GRAPH (same grammar)
tells a refused federated query (403) from an ordinary syntax error (400).
SPARQL Update (incl. LOAD) cannot run at all: `Store.query` only parses queries. Updates
are recognised up front only to answer with a clear 403 instead of a parser message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

import pyoxigraph as ox

from kg.errors import QueryError
from kg.query import (Catalogue, QueryDef, Result, after_value, bind, format_result, page_size, pick_page,
                      precomputed_rows, query_limit, query_text)
from kg.store_index import open_reader
from kg.rdf import CKG as CKG_NS
from kg.rdf import PREFIXES, lookup_key

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
WEB_DIR = Path(__file__).resolve().parent / "web"

# ----------------------------------------------------------------------------- formats

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
# media type -> (format for SELECT/ASK, format for CONSTRUCT/DESCRIBE); None: not offered.
_MEDIA: dict[str, tuple[str | None, str | None]] = {
    "application/sparql-results+json": ("json", None),
    "application/json": ("json", "jsonld"),
    "application/sparql-results+xml": ("xml", None),
    "application/xml": ("xml", "rdfxml"),
    "text/xml": ("xml", "rdfxml"),
    "text/csv": ("csv", None),
    "text/tab-separated-values": ("tsv", None),
    "text/turtle": (None, "turtle"),
    "application/x-turtle": (None, "turtle"),
    "text/n3": (None, "turtle"),  # Turtle is a subset of N3
    "application/n-triples": (None, "ntriples"),
    "text/plain": (None, "ntriples"),
    "application/ld+json": (None, "jsonld"),
    "application/rdf+xml": (None, "rdfxml"),
}
# The `format`/`output` request parameter (SPARQLWrapper sends it beside Accept; handy in links).
_FORMAT_PARAM: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "n-triples": (None, "ntriples"),
    "json-ld": (None, "jsonld"),
    "jsonld": (None, "jsonld"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
}


class NotAcceptable(Exception):
    pass


def negotiate(accept: str | None, format_param: str | None = None) -> tuple[str | None, str | None]:
    """(results format, graph format) for an Accept header and an optional `format` parameter.

    Either may be None, meaning the client accepts none of ours for that query form; both
    None raises NotAcceptable. A missing Accept or `*/*` gives JSON results and Turtle."""
    if format_param:
        key = format_param.strip().lower()
        pair = _FORMAT_PARAM.get(key) or _MEDIA.get(key.split(";")[0].strip())
        if pair is None:
            raise NotAcceptable(f"unknown format {format_param!r}; use one of {', '.join(sorted(_FORMAT_PARAM))}")
        return pair
    if not accept or not accept.strip():
        return "json", "turtle"
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0 and math.isfinite(q):
            ranked.append((-q, i, media))
    ranked.sort()
    results = graph = None
    for _, _, media in ranked:
        if media in ("*/*", "application/*", "text/*"):
            results = results or ("json" if media != "text/*" else "csv")
            graph = graph or "turtle"
            continue
        pair = _MEDIA.get(media)
        if pair:
            results = results or pair[0]
            graph = graph or pair[1]
    if results is None and graph is None:
        offered = ", ".join([*RESULT_TYPES.values(), *GRAPH_TYPES.values()])
        raise NotAcceptable(f"none of the accepted media types ({accept}) is offered; offered: {offered}")
    return results, graph


# ----------------------------------------------------------------------------- refusals

_PROLOGUE = re.compile(
    r"""\A(?:\s+|\#[^\n]*(?:\n|\Z)|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*""",
    re.IGNORECASE,
)
_UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}
_FORM_WORDS = {"select", "construct", "describe", "ask"}


class Refused(Exception):
    """A request this endpoint will not run: `status` and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refuse_updates(text: str) -> None:
    """Raise Refused(403) when the text is SPARQL Update (LOAD included) rather than a query.

    Only for the message: Oxigraph's query parser rejects updates anyway."""
    rest = text[_PROLOGUE.match(text).end() :] if text else ""
    m = re.match(r"[A-Za-z]+", rest)
    word = m.group(0).lower() if m else ""
    if word in _UPDATE_WORDS:
        what = "LOAD" if word == "load" else "SPARQL Update"
        raise Refused(403, f"{what} is not allowed: this endpoint is read-only (it answers SELECT, ASK, CONSTRUCT and DESCRIBE)")


_SERVICE = re.compile("service", re.IGNORECASE)
_SERVICE_SILENT = re.compile(r"service(\s*silent(?![A-Za-z0-9_]))?", re.IGNORECASE)


def _service_check(text: str, parse: Any) -> None:
    """Raise Refused unless Oxigraph parses `text` with no SERVICE keyword in it.

    `parse(text)` must raise SyntaxError for text that is not a valid query and must not
    evaluate anything that reaches the network."""
    if not _SERVICE.search(text):
        return
    renamed = _SERVICE.sub("qjxvzkw", text)  # letters only: stays valid in names and language tags
    try:
        parse(renamed)
        return
    except SyntaxError as exc:
        renamed_error = exc
    try:
        parse(_SERVICE_SILENT.sub("GRAPH", text))
    except SyntaxError:
        # Malformed regardless of SERVICE; the renamed copy has the original's positions.
        raise Refused(400, f"SPARQL syntax error: {_one_line(renamed_error)}") from None
    raise Refused(403, "SERVICE (federated query to another endpoint) is not allowed on this endpoint")


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 500 else text[:497] + "..."


# ----------------------------------------------------------------------------- worker side


@dataclass
class Job:
    sparql: str
    results_fmt: str | None = "json"
    graph_fmt: str | None = "turtle"
    max_rows: int = DEFAULT_MAX_ROWS
    substitutions: tuple[tuple[str, str, str, str | None, str | None], ...] = ()  # (var, kind, value, datatype, lang)
    drop: tuple[str, ...] = ()  # parameter echo columns not to return
    default_graphs: tuple[str, ...] | None = None  # protocol default-graph-uri; None: union of all graphs
    named_graphs: tuple[str, ...] | None = None  # protocol named-graph-uri; None: all
    kind: str = "sparql"  # or "entity" / "search": `sparql` holds the IRI / the search text
    page: int | None = None  # a paged catalogue listing: articles per page (run on that page's graphs only)
    after: str = ""  # ... and the article IRI the page starts after
    precomputed: str | None = None  # a `# precomputed:` catalogue query: answered from the store's index when clean
    limit: int = 0  # ... cut to this many rows (0: all), as its LIMIT would


@dataclass
class Reply:
    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    rows: int = 0
    next_after: str | None = None  # a paged listing's next page starts after this article


def encode_term(var: str, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, str, str, str | None, str | None]:
    if isinstance(term, ox.NamedNode):
        return (var, "iri", term.value, None, None)
    if isinstance(term, ox.BlankNode):
        return (var, "bnode", term.value, None, None)
    return (var, "literal", term.value, term.datatype.value if not term.language else None, term.language)


def _decode_term(kind: str, value: str, datatype: str | None, lang: str | None) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)


class _StoreHandle:
    """A read-only store that is reopened when the files under it change, so a server keeps
    answering with current data while `kg build` writes (a read-only RocksDB handle is a
    snapshot of the moment it was opened)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.store = ox.Store.read_only(path)
        self.signature = self._signature()
        self.checked = time.monotonic()

    def _signature(self) -> tuple[int, int]:
        newest, count = 0, 0
        with os.scandir(self.path) as it:
            for entry in it:
                count += 1
                with contextlib.suppress(OSError):
                    newest = max(newest, entry.stat().st_mtime_ns)
        return newest, count

    def get(self) -> ox.Store:
        now = time.monotonic()
        if now - self.checked >= 1.0:  # at most one directory scan per second
            self.checked = now
            sig = self._signature()
            if sig != self.signature:
                self.store = ox.Store.read_only(self.path)
                self.signature = sig
        return self.store


def _worker_entry(fd: int, store_path: str) -> None:  # pragma: no cover - runs in a child process
    import signal
    from multiprocessing.connection import Connection

    # Ctrl-C in `kg serve` reaches the whole process group; the parent stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_main(Connection(fd), store_path)


def _worker_main(conn: Any, store_path: str) -> None:  # pragma: no cover - runs in a child process
    try:
        handle = _StoreHandle(store_path)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails start-up
        conn.send(("fatal", _one_line(exc)))
        return
    conn.send(("ready", None))
    empty = ox.Store()  # for parse-only checks: nothing to read, nothing to fetch
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply = execute(handle.get(), job, parse_store=empty, index_dir=store_path)
        except Exception as exc:  # noqa: BLE001 - one bad query must not kill the worker
            reply = Reply(500, "text/plain; charset=utf-8", f"internal error: {_one_line(exc)}\n".encode())
        conn.send(reply)


def execute(store: ox.Store, job: Job, *, parse_store: ox.Store | None = None, index_dir: str | None = None) -> Reply:
    """Run one job on `store` and serialise its answer (also usable in-process, e.g. in tests).
    `index_dir`: the store's directory, whose catalogue index (kg.store_index) picks pages
    and answers precomputed queries when it is clean."""
    if job.kind in ("entity", "search"):
        try:
            data = entity_data(store, job.sparql, job.max_rows) if job.kind == "entity" else search_data(store, job.sparql, job.max_rows)
        except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
            return _text_reply(400, f"{job.kind} lookup failed: {_one_line(exc)}")
        return Reply(200, "application/json", json.dumps(data, ensure_ascii=False).encode(), bool(data.get("truncated")))
    parse_store = parse_store if parse_store is not None else ox.Store()
    prefixes = dict(PREFIXES)

    def parse_only(text: str) -> None:
        res = parse_store.query(text, prefixes=prefixes)
        # SELECT/CONSTRUCT/DESCRIBE are lazy: query() parses and plans without evaluating.
        del res

    try:
        _service_check(job.sparql, parse_only)
    except Refused as exc:
        return _text_reply(exc.status, exc.message)

    kwargs: dict[str, Any] = {"prefixes": prefixes}
    next_after = None
    sparql = job.sparql
    substitutions = {ox.Variable(v): _decode_term(k, val, dt, lang) for v, k, val, dt, lang in job.substitutions}
    index = open_reader(index_dir) if job.precomputed and index_dir else None
    if index is not None:
        try:
            if job.results_fmt is None:
                return _not_acceptable("SELECT", RESULT_TYPES.values())
            # the same rows as the query's text, from the summary kept at every write
            cap = job.max_rows if job.max_rows and job.max_rows > 0 else 0
            variables, rows = precomputed_rows(index, job.precomputed, job.limit)
            truncated = bool(cap) and len(rows) > cap
            return _results_reply(Result(variables=variables, rows=rows[:cap] if cap else rows), job.results_fmt, truncated)
        finally:
            index.close()
    if job.page:
        # the page picked as `kg query` picks it: the query then reads one page's graphs, not
        # every statement of the store (its own page sub-SELECT finds the same articles)
        graphs, next_after, sparql = pick_page(store, sparql, substitutions, job.after, job.page, index_dir)
        kwargs["default_graph"] = [ox.NamedNode(g) for g in graphs] or [ox.DefaultGraph()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in graphs]
    elif job.default_graphs is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None and not job.page:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if substitutions:
        kwargs["substitutions"] = substitutions
    try:
        res = store.query(sparql, **kwargs)
        reply = _serialise(res, job)
        reply.next_after = next_after
        return reply
    except SyntaxError as exc:
        return _text_reply(400, f"SPARQL syntax error: {_one_line(exc)}")
    except (OSError, RuntimeError, ValueError) as exc:
        return _text_reply(400, f"query failed: {_one_line(exc)}")


def _text_reply(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode())


def _serialise(res: Any, job: Job) -> Reply:
    cap = job.max_rows if job.max_rows and job.max_rows > 0 else None
    if isinstance(res, ox.QueryBoolean):
        if job.results_fmt is None:
            return _not_acceptable("ASK", RESULT_TYPES.values())
        result = Result(boolean=bool(res))
        return _results_reply(result, job.results_fmt, False)
    if isinstance(res, ox.QuerySolutions):
        if job.results_fmt is None:
            return _not_acceptable("SELECT", RESULT_TYPES.values())
        variables = [v.value for v in res.variables]
        keep = [i for i, v in enumerate(variables) if v not in job.drop]
        rows = []
        truncated = False
        for sol in res:
            if cap is not None and len(rows) >= cap:
                truncated = True
                break
            rows.append(tuple(sol[i] for i in keep))
        result = Result(variables=[variables[i] for i in keep], rows=rows)
        return _results_reply(result, job.results_fmt, truncated)
    # CONSTRUCT / DESCRIBE
    if job.graph_fmt is None:
        return _not_acceptable("CONSTRUCT/DESCRIBE", GRAPH_TYPES.values())
    triples = []
    truncated = False
    for t in res:
        if cap is not None and len(triples) >= cap:
            truncated = True
            break
        triples.append(t)
    fmt = _GRAPH_FORMATS[job.graph_fmt]
    prefixes = dict(PREFIXES) if job.graph_fmt in ("turtle", "rdfxml") else None
    body = ox.serialize(triples, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(triples, format=fmt)
    media = GRAPH_TYPES[job.graph_fmt]
    if job.graph_fmt in ("turtle", "ntriples"):
        media += "; charset=utf-8"
    return Reply(200, media, body, truncated, len(triples))


def _not_acceptable(form: str, offered: Iterable[str]) -> Reply:
    return _text_reply(406, f"a {form} query cannot answer in the requested format; offered: {', '.join(offered)}")


def _results_reply(result: Result, fmt: str, truncated: bool) -> Reply:
    if fmt == "xml":
        body = results_xml(result).encode()
    else:
        body = format_result(result, fmt).encode()
    media = RESULT_TYPES[fmt]
    if fmt in ("csv", "tsv"):
        media += "; charset=utf-8"
    return Reply(200, media, body, truncated, len(result.rows))


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    return _xml_escape(_XML_INVALID.sub("\ufffd", text))


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_x(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_x(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={_xml_attr(term.language)}>{_x(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={_xml_attr(term.datatype.value)}>{_x(term.value)}</literal>"
        return f"<literal>{_x(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        parts = "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object"))
        return f"<triple>{parts}</triple>"
    return ""


def results_xml(result: Result) -> str:
    """SPARQL 1.1 Query Results XML Format."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.boolean is not None:
        out.append(f"<head/><boolean>{str(result.boolean).lower()}</boolean></sparql>\n")
        return "".join(out)
    out.append("<head>" + "".join(f"<variable name={_xml_attr(v)}/>" for v in result.variables) + "</head><results>")
    for row in result.rows:
        out.append("<result>")
        for v, t in zip(result.variables, row):
            if t is not None:
                out.append(f"<binding name={_xml_attr(v)}>{_xml_term(t)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out)


# ----------------------------------------------------------------------------- the pool


class Busy(Exception):
    pass


class QueryTimeout(Exception):
    pass


class _Worker:
    """A `python -c` child speaking pickled messages over a socketpair.

    Not `multiprocessing.Process`: its "spawn" start method re-imports the parent's
    `__main__`, which breaks for scripts and notebooks that start a server."""

    def __init__(self, store_path: str) -> None:
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        parent, child = socket.socketpair()
        env = dict(os.environ)
        src = str(Path(__file__).resolve().parent.parent)  # so a source checkout works un-installed
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        code = "import sys; from kg.server import _worker_entry; _worker_entry(int(sys.argv[1]), sys.argv[2])"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(child.fileno()), store_path], pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL
        )
        child.close()
        self.conn = Connection(parent.detach())

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)


class WorkerPool:
    """`size` worker processes, each running one query at a time against the store."""

    def __init__(self, store_path: str | os.PathLike[str], size: int = 2) -> None:
        self.store_path = str(store_path)
        self.size = max(1, size)
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    async def _spawn(self) -> _Worker:
        loop = asyncio.get_running_loop()
        w = await loop.run_in_executor(None, _Worker, self.store_path)
        self._all.add(w)
        ok = await self._wait_readable(w, 120.0)
        msg = w.conn.recv() if ok else ("fatal", "worker did not start within 120 s")
        if msg[0] != "ready":
            w.kill()
            self._all.discard(w)
            raise RuntimeError(f"{self.store_path}: cannot open the store: {msg[1]}")
        return w

    async def _respawn(self) -> None:
        if self._closed:
            return
        try:
            w = await self._spawn()
        except Exception:  # noqa: BLE001 - the store vanished: leave the pool smaller
            return
        if self._closed:
            w.kill()
            return
        assert self._idle is not None
        self._idle.put_nowait(w)

    @staticmethod
    async def _wait_readable(w: _Worker, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        fd = w.conn.fileno()
        loop.add_reader(fd, lambda: fut.done() or fut.set_result(None))
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            loop.remove_reader(fd)

    async def run(self, job: Job, timeout: float) -> Reply:
        """Run `job` in a worker within `timeout` seconds (queueing included)."""
        assert self._idle is not None, "pool not started"
        deadline = time.monotonic() + timeout
        try:
            w = await asyncio.wait_for(self._idle.get(), timeout)
        except asyncio.TimeoutError:
            raise Busy() from None
        healthy = False
        try:
            w.conn.send(job)
            if not await self._wait_readable(w, max(0.0, deadline - time.monotonic())):
                raise QueryTimeout()
            reply = w.conn.recv()
            healthy = True
            return reply
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise RuntimeError(f"query worker died: {_one_line(exc) or 'no reply'}") from None
        finally:
            if healthy:
                self._idle.put_nowait(w)
            else:
                # Timed out, crashed, or the request was cancelled mid-query: the worker may
                # still be computing, and killing it is the only way to stop Oxigraph.
                w.kill()
                self._all.discard(w)
                asyncio.get_running_loop().create_task(self._respawn())

    async def close(self) -> None:
        self._closed = True
        for w in list(self._all):
            with contextlib.suppress(Exception):
                w.conn.send(None)
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(None, w.kill) for w in list(self._all)))
        self._all.clear()


# ----------------------------------------------------------------------------- the app


def create_app(
    store_path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    catalogue: Catalogue | str | os.PathLike[str] | None = None,
    workers: int | None = None,
    cors: bool = True,
):  # noqa: ANN201 - starlette.applications.Starlette
    """The Starlette application for `kg serve`.

    `store_path` is an on-disk store (opened read-only by each worker); `timeout` bounds
    each query in seconds, queueing included; `max_rows` caps result rows / triples (0: no
    cap); `catalogue` is a Catalogue or a directory of `.rq` files (default: the shipped one);
    `workers` is the number of query processes (default: min(4, CPUs))."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    store_path = Path(store_path)
    if not store_path.is_dir():
        raise FileNotFoundError(f"{store_path}: no store here; run `kg build` first")
    if not isinstance(catalogue, Catalogue):
        catalogue = Catalogue(catalogue)
    size = workers if workers is not None else min(4, os.cpu_count() or 1)
    pool = WorkerPool(store_path, size)
    api = _Api(pool, catalogue, timeout, max_rows)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any):  # noqa: ANN202
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    routes = [
        Route("/", api.index, methods=["GET"]),
        Route("/sparql", api.sparql, methods=["GET", "POST"]),
        Route("/query", api.sparql, methods=["GET", "POST"]),  # Oxigraph/Fuseki-style alias
        Route("/update", api.update, methods=["GET", "POST"]),
        Route("/queries", api.list_queries, methods=["GET"]),
        Route("/queries/{name}", api.catalogue_query, methods=["GET", "POST"]),
        Route("/api/entity", api.entity, methods=["GET"]),
        Route("/api/search", api.search, methods=["GET"]),
        Route("/healthz", api.health, methods=["GET"]),
    ]
    if WEB_DIR.is_dir():  # absent from a wheel built without kg/web/* in package-data
        routes.append(Mount("/static", app=StaticFiles(directory=str(WEB_DIR)), name="static"))
    middleware = []
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Accept", "Content-Type", "Authorization"],
                expose_headers=["X-KG-Truncated", "X-KG-Rows", "Content-Type"],
                max_age=3600,
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    app.state.catalogue = catalogue
    return app


class _Api:
    def __init__(self, pool: WorkerPool, catalogue: Catalogue, timeout: float, max_rows: int) -> None:
        self.pool = pool
        self.catalogue = catalogue
        self.timeout = timeout
        self.max_rows = max_rows

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _text(status: int, message: str, headers: Mapping[str, str] | None = None):  # noqa: ANN205
        from starlette.responses import PlainTextResponse

        return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status, headers=dict(headers or {}))

    async def _run(self, job: Job, extra_headers: Mapping[str, str] | None = None):  # noqa: ANN202
        from starlette.responses import Response

        try:
            reply = await self.pool.run(job, self.timeout)
        except QueryTimeout:
            return self._text(504, f"query timed out after {self.timeout:g} s (the limit is set with kg serve --timeout)")
        except Busy:
            return self._text(503, f"all {self.pool.size} query workers stayed busy for {self.timeout:g} s; try again", {"Retry-After": "5"})
        except RuntimeError as exc:
            return self._text(500, str(exc))
        headers = {"X-KG-Rows": str(reply.rows), "Vary": "Accept"}
        if reply.truncated:
            headers["X-KG-Truncated"] = f"max-rows={job.max_rows}"
        if reply.next_after:
            headers["X-KG-Next-After"] = reply.next_after
        headers.update(extra_headers or {})
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)

    def _formats(self, request: Any, params: Mapping[str, list[str]]) -> tuple[str | None, str | None]:
        fmt = (params.get("format") or params.get("output") or [None])[0]
        return negotiate(request.headers.get("accept"), fmt)

    # ------------------------------------------------------------------ routes

    async def index(self, request: Any):  # noqa: ANN201
        from starlette.responses import FileResponse

        if not (WEB_DIR / "index.html").is_file():
            return self._text(404, "the web UI is not installed (kg/web/ is missing); /sparql and /queries work")
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    async def health(self, request: Any):  # noqa: ANN201
        from starlette.responses import JSONResponse

        return JSONResponse({"ok": True, "workers": self.pool.size, "timeout": self.timeout, "max_rows": self.max_rows})

    async def update(self, request: Any):  # noqa: ANN201
        return self._text(403, "SPARQL Update is not allowed: this endpoint is read-only")

    async def sparql(self, request: Any):  # noqa: ANN201
        params = _multi(request.url.query)
        query: str | None = None
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await request.body()
            if ctype == "application/x-www-form-urlencoded":
                for k, v in _multi(body.decode("utf-8", "replace")).items():
                    params.setdefault(k, []).extend(v)
            elif ctype == "application/sparql-query":
                query = body.decode("utf-8", "replace")
            elif ctype == "application/sparql-update":
                return self._text(403, "SPARQL Update is not allowed: this endpoint is read-only")
            else:
                return self._text(
                    415,
                    f"unsupported Content-Type {ctype or '(none)'!r}: POST a query as "
                    "application/x-www-form-urlencoded (query=...) or application/sparql-query",
                )
        if "update" in params:
            return self._text(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if query is None:
            queries = params.get("query", [])
            if len(queries) > 1:
                return self._text(400, "more than one query parameter")
            if not queries:
                if request.method == "POST":
                    return self._text(400, "no query: send query=... (form) or an application/sparql-query body")
                return await self.service_description(request)
            query = queries[0]
        if not query.strip():
            return self._text(400, "empty query")
        try:
            refuse_updates(query)
            results_fmt, graph_fmt = self._formats(request, params)
            default_graphs = tuple(_check_iri(g, "default-graph-uri") for g in params.get("default-graph-uri", [])) or None
            named_graphs = tuple(_check_iri(g, "named-graph-uri") for g in params.get("named-graph-uri", [])) or None
        except Refused as exc:
            return self._text(exc.status, exc.message)
        except NotAcceptable as exc:
            return self._text(406, str(exc))
        if named_graphs is not None and default_graphs is None:
            # The protocol: with only named-graph-uri given, the default graph is empty.
            default_graphs = ()
        job = Job(query, results_fmt, graph_fmt, self.max_rows, default_graphs=default_graphs, named_graphs=named_graphs)
        return await self._run(job)

    async def service_description(self, request: Any):  # noqa: ANN201
        from starlette.responses import RedirectResponse, Response

        accept = request.headers.get("accept", "")
        if "text/html" in accept and "turtle" not in accept:
            return RedirectResponse("/", status_code=303)  # a person in a browser: show the UI
        try:
            _, graph_fmt = negotiate(accept or "text/turtle")
        except NotAcceptable as exc:
            return self._text(406, str(exc))
        graph_fmt = graph_fmt or "turtle"
        endpoint = str(request.url.replace(query=""))
        ttl = service_description(endpoint, self.timeout, self.max_rows)
        if graph_fmt == "turtle":
            body = ttl.encode()
        else:
            triples = [q.triple for q in ox.parse(ttl, format=ox.RdfFormat.TURTLE)]
            body = ox.serialize(triples, format=_GRAPH_FORMATS[graph_fmt])
        return Response(body, media_type=GRAPH_TYPES[graph_fmt], headers={"Vary": "Accept"})

    async def list_queries(self, request: Any):  # noqa: ANN201
        from starlette.responses import JSONResponse

        base = str(request.base_url).rstrip("/")
        return JSONResponse({"queries": [catalogue_entry(q, base) for q in self.catalogue], "prefixes": dict(PREFIXES)})

    async def catalogue_query(self, request: Any):  # noqa: ANN201
        name = request.path_params["name"]
        if name not in self.catalogue:
            return self._text(404, f"unknown query {name!r}; GET /queries lists the catalogue")
        qdef = self.catalogue.get(name)
        params = _multi(request.url.query)
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                return self._text(415, "POST catalogue parameters as application/x-www-form-urlencoded")
            for k, v in _multi((await request.body()).decode("utf-8", "replace")).items():
                params.setdefault(k, []).extend(v)
        try:
            results_fmt, graph_fmt = self._formats(request, params)
        except NotAcceptable as exc:
            return self._text(406, str(exc))
        values: dict[str, str] = {}
        for k, vs in params.items():
            if k in ("format", "output"):
                continue
            if len(vs) > 1:
                return self._text(400, f"{name}: parameter {k!r} given {len(vs)} times")
            values[k] = vs[0]
        try:
            subs = bind(qdef, values)
        except QueryError as exc:
            return self._text(400, str(exc))
        job = Job(
            query_text(qdef, values),
            results_fmt,
            graph_fmt,
            self.max_rows,
            substitutions=tuple(encode_term(v.value, t) for v, t in subs.items()),
            drop=tuple(v.value for v in subs),
            page=page_size(qdef, values),
            after=after_value(qdef, values),
            precomputed=qdef.precomputed,
            limit=query_limit(qdef, values),
        )
        response = await self._run(job)
        nxt = response.headers.get("x-kg-next-after")
        if nxt:  # RFC 8288: clients follow rel="next" to page through a listing
            response.headers["Link"] = f'<{request.url.include_query_params(after=f"<{nxt}>")}>; rel="next"'
        return response

    async def _lookup(self, job: Job) -> Any:
        """Run an entity/search job in a worker; its JSON answer, or a text error response."""
        from starlette.responses import Response

        try:
            reply = await self.pool.run(job, self.timeout)
        except QueryTimeout:
            return self._text(504, f"query timed out after {self.timeout:g} s")
        except Busy:
            return self._text(503, "all query workers are busy; try again", {"Retry-After": "5"})
        except RuntimeError as exc:
            return self._text(500, str(exc))
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type)

    async def entity(self, request: Any):  # noqa: ANN201
        iri = request.query_params.get("iri", "").strip()
        if iri.startswith("<") and iri.endswith(">"):
            iri = iri[1:-1]
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            return self._text(400, f"iri: not a valid IRI: {_one_line(exc)}")
        limit = min(self.max_rows or ENTITY_STATEMENTS, ENTITY_STATEMENTS)
        return await self._lookup(Job(iri, max_rows=limit, kind="entity"))

    async def search(self, request: Any):  # noqa: ANN201
        from starlette.responses import JSONResponse

        q = request.query_params.get("q", "").strip()
        if not lookup_key(q):
            return JSONResponse({"q": q, "matches": []})
        return await self._lookup(Job(q, max_rows=50, kind="search"))


def _multi(query_string: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in parse_qsl(query_string, keep_blank_values=True):
        out.setdefault(k, []).append(v)
    return out


def _check_iri(value: str, what: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError as exc:
        raise Refused(400, f"{what}: not a valid IRI {value!r}: {_one_line(exc)}") from None


def catalogue_entry(q: QueryDef, base: str = "") -> dict[str, Any]:
    """One catalogue query as JSON: what `GET /queries` lists."""
    example = {p.name: p.default or "" for p in q.params if p.required}
    return {
        "name": q.name,
        "title": q.title,
        "description": q.description,
        "params": [{"name": p.name, "required": p.required, "description": p.description, "default": p.default} for p in q.params],
        "sparql": q.text,
        "url": f"{base}/queries/{q.name}",
        "example": f"{base}/queries/{q.name}" + (f"?{urlencode(example)}" if example else ""),
    }


def service_description(endpoint: str, timeout: float, max_rows: int) -> str:
    """SPARQL 1.1 Service Description of this endpoint, in Turtle."""
    fmts = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
    ep = "<" + endpoint.replace(">", "%3E") + ">"
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ckg: <https://w3id.org/casekg/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

[] a sd:Service ;
  sd:endpoint {ep} ;
  dct:title "casekg SPARQL endpoint (read-only)" ;
  dct:description "Case reports as a knowledge graph: one named graph per article; the default graph is the union of all article graphs. SPARQL Update, LOAD and SERVICE are refused." ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat {", ".join("formats:" + f for f in fmts)} ;
  ckg:queryTimeoutSeconds "{timeout:g}"^^xsd:decimal ;
  ckg:maxResultRows {int(max_rows)} ;
  sd:defaultDataset [
    a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; dct:description "the union of all article graphs" ]
  ] .
"""


# ----------------------------------------------------------------------------- entity pages

_PFX = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())
ENTITY_STATEMENTS = 500  # statements on one entity page

# Why several small queries instead of one: with the union default graph Oxigraph returns a
# triple once per graph that holds it (a drug's label is in every article that mentions the
# drug), so one big query with OPTIONAL labels multiplies rows across graphs, and its
# OPTIONAL parts were evaluated without the statement bound (seconds to minutes on 1k
# reports). Finding the statements first, then reading each one inside its own article
# graph with VALUES-bound (node, graph) pairs, takes milliseconds.


def _select(store: ox.Store, sparql: str) -> list[ox.QuerySolution]:
    return list(store.query(_PFX + "\n" + sparql, use_default_graph_as_union=True))


def _pairs(pairs: Iterable[tuple[Any, Any]]) -> str:
    return " ".join(f"({a} {b})" for a, b in pairs)


def entity_data(store: ox.Store, iri: str, limit: int = ENTITY_STATEMENTS) -> dict[str, Any]:
    """What the UI's entity page shows: the entity's own properties, and the extracted
    statements about it (a concept's include its HPO descendants'; a patient's or an
    article's are those about them), each with its sentence and highlight ranges."""
    from kg.store import compact

    e = str(ox.NamedNode(iri))  # validated IRI in N-Triples form: safe to place in the text
    props = _select(store, f"SELECT DISTINCT ?p ?o WHERE {{ {e} ?p ?o FILTER(?p != ckg:lookupKey) }} ORDER BY ?p ?o LIMIT 500")
    label, types, properties, targets = None, [], [], []
    for r in props:
        p, o = r["p"].value, r["o"]
        if p == PREFIXES["rdfs"] + "label" and label is None:
            label = o.value
        if p == PREFIXES["rdf"] + "type":
            types.append(compact(o.value))
        properties.append({"p": p, "pLabel": compact(p), "o": _json_cell(o), "oLabel": None})
        if isinstance(o, ox.NamedNode):
            targets.append(o)
    if targets:
        # one label per object, from any one graph
        names = _select(
            store,
            f"SELECT ?o (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?o {{ {' '.join(map(str, set(targets)))} }} ?o rdfs:label ?l }} GROUP BY ?o",
        )
        by_o = {r["o"].value: r["label"].value for r in names if r["label"] is not None}
        for prop in properties:
            prop["oLabel"] = by_o.get(prop["o"]["value"]) if prop["o"]["type"] == "uri" else None

    found = _select(
        store,
        f"""SELECT DISTINCT ?statement ?g WHERE {{
  {{ SELECT DISTINCT ?statement WHERE {{
      {{ ?c rdfs:subClassOf* {e} . {{ ?statement ckg:drug ?c }} UNION {{ ?statement ckg:concept ?c }} }}
      UNION {{ ?statement ckg:patient {e} }} UNION {{ ?statement ckg:inArticle {e} }}
  }} LIMIT {int(limit) + 1} }}
  GRAPH ?g {{ ?statement ckg:kind ?kind }}
}}""",
    )
    truncated = len({r["statement"].value for r in found}) > limit
    pairs = [(r["statement"], r["g"]) for r in found][:limit]
    statements: dict[str, dict[str, Any]] = {}
    if pairs:
        nodes, evidence = set(), set()
        for r in _select(store, f"SELECT ?statement ?g ?p ?o WHERE {{ VALUES (?statement ?g) {{ {_pairs(pairs)} }} GRAPH ?g {{ ?statement ?p ?o }} }}"):
            s = statements.setdefault(r["statement"].value, {"statement": r["statement"].value, "highlights": []})
            key = _STATEMENT_KEYS.get(r["p"].value)
            if key:
                s[key] = r["o"].value
            if r["p"].value in _NODE_KEYS:
                nodes.add((r["o"], r["g"]))
            if r["p"].value == PREFIXES["prov"] + "wasDerivedFrom":
                evidence.add((r["o"], r["g"]))
                s["_evidence"] = r["o"].value
        info: dict[str, dict[str, str]] = {}
        if nodes:
            for r in _select(
                store,
                f"SELECT ?x ?p ?o WHERE {{ VALUES (?x ?g) {{ {_pairs(nodes)} }} GRAPH ?g {{ ?x ?p ?o }} "
                "FILTER(?p IN (rdfs:label, dct:title, bibo:pmid, bibo:doi)) }",
            ):
                info.setdefault(r["x"].value, {}).setdefault(r["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1], r["o"].value)
        sentences: dict[str, tuple[str, int]] = {}
        marks: dict[str, list[tuple[int, int]]] = {}
        if evidence:
            for r in _select(
                store,
                f"SELECT ?ev ?sentence ?start WHERE {{ VALUES (?ev ?g) {{ {_pairs(evidence)} }} GRAPH ?g {{ "
                "?ev biolink:supporting_text ?sentence ; oa:hasTarget ?t . ?t oa:hasSelector ?pos . "
                "?pos a oa:TextPositionSelector ; oa:start ?start } }",
            ):
                sentences[r["ev"].value] = (r["sentence"].value, int(r["start"].value))
            for r in _select(
                store,
                f"SELECT ?ev ?ms ?me WHERE {{ VALUES (?ev ?g) {{ {_pairs(evidence)} }} GRAPH ?g {{ "
                "?ev ckg:mention ?m . ?m oa:hasSelector ?pos . ?pos a oa:TextPositionSelector ; oa:start ?ms ; oa:end ?me } }",
            ):
                marks.setdefault(r["ev"].value, []).append((int(r["ms"].value), int(r["me"].value)))
        for s in statements.values():
            ev = s.pop("_evidence", None)
            s["status"] = compact(s.get("status", "")).split(":")[-1]
            for key in ("drug", "concept", "patient"):
                s[key + "Label"] = info.get(s.get(key, ""), {}).get("label")
            art = info.get(s.get("article", ""), {})
            s["title"], s["pmid"], s["doi"] = art.get("title"), art.get("pmid"), art.get("doi")
            s["pubmed"] = f"https://pubmed.ncbi.nlm.nih.gov/{s['pmid']}/" if s["pmid"] else None
            s["doiUrl"] = f"https://doi.org/{s['doi']}" if s["doi"] else None
            sentence, start = sentences.get(ev or "", (None, 0))
            s["sentence"] = sentence
            if sentence:
                s["highlights"] = sorted({(a - start, b - start) for a, b in marks.get(ev or "", []) if 0 <= a - start < b - start <= len(sentence)})
                s["highlights"] = [list(h) for h in s["highlights"]]
            s["_order"] = (s.get("article", ""), start, s["statement"])
    ordered = sorted(statements.values(), key=lambda s: s.pop("_order"))
    for s in ordered:
        for key in ("kind", "cue", "drug", "concept", "patient", "article"):
            s.setdefault(key, None)
    return {
        "iri": iri,
        "label": label or compact(iri),
        "types": sorted(set(types)),
        "properties": properties,
        "statements": ordered,
        "truncated": truncated,
    }


_STATEMENT_KEYS = {
    CKG_NS + "kind": "kind",
    CKG_NS + "assertionStatus": "status",
    CKG_NS + "contextCue": "cue",
    CKG_NS + "drug": "drug",
    CKG_NS + "concept": "concept",
    CKG_NS + "patient": "patient",
    CKG_NS + "inArticle": "article",
}
_NODE_KEYS = {CKG_NS + "drug", CKG_NS + "concept", CKG_NS + "patient", CKG_NS + "inArticle"}


def _json_cell(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    return {"type": "literal", "value": term.value}


def search_data(store: ox.Store, q: str, limit: int = 50) -> dict[str, Any]:
    """Concepts whose label, synonym or ID has the lookup key of `q` (as the catalogue matches)."""
    key = ox.Literal(lookup_key(q))
    found = _select(store, f"SELECT DISTINCT ?iri WHERE {{ ?iri ckg:lookupKey {key} }} LIMIT {int(limit)}")
    pairs = []
    for r in found:  # one graph per concept is enough to read its label and types
        g = _select(store, f"SELECT ?g WHERE {{ GRAPH ?g {{ {r['iri']} ckg:lookupKey {key} }} }} LIMIT 1")
        if g:
            pairs.append((r["iri"], g[0]["g"]))
    # No OPTIONAL: Oxigraph evaluates an OPTIONAL's pattern without the outer bindings here,
    # i.e. over every label in every graph; two plain lookups are milliseconds.
    matches: dict[str, dict[str, Any]] = {}
    for iri, _g in pairs:
        matches[iri.value] = {"iri": iri.value, "label": "", "types": []}
    if pairs:
        for r in _select(store, f"SELECT ?iri ?type WHERE {{ VALUES (?iri ?g) {{ {_pairs(pairs)} }} GRAPH ?g {{ ?iri a ?type }} }}"):
            matches[r["iri"].value]["types"].append(r["type"].value)
        for r in _select(store, f"SELECT ?iri ?label WHERE {{ VALUES (?iri ?g) {{ {_pairs(pairs)} }} GRAPH ?g {{ ?iri rdfs:label ?label }} }}"):
            matches[r["iri"].value]["label"] = matches[r["iri"].value]["label"] or r["label"].value
    return {"q": q, "matches": sorted(matches.values(), key=lambda m: (m["label"].lower(), m["iri"]))}


def run_server(
    store_path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    catalogue: Catalogue | str | os.PathLike[str] | None = None,
    workers: int | None = None,
    log_level: str = "info",
) -> None:
    """Serve until interrupted (what `kg serve` runs)."""
    import uvicorn

    app = create_app(store_path, timeout=timeout, max_rows=max_rows, catalogue=catalogue, workers=workers)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
