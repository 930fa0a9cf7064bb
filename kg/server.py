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
from kg.query import Catalogue, QueryDef, Result, bind, format_result
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


@dataclass
class Reply:
    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    rows: int = 0


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
            reply = execute(handle.get(), job, parse_store=empty)
        except Exception as exc:  # noqa: BLE001 - one bad query must not kill the worker
            reply = Reply(500, "text/plain; charset=utf-8", f"internal error: {_one_line(exc)}\n".encode())
        conn.send(reply)


def execute(store: ox.Store, job: Job, *, parse_store: ox.Store | None = None) -> Reply:
    """Run one job on `store` and serialise its answer (also usable in-process, e.g. in tests)."""
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
    if job.default_graphs is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        kwargs["substitutions"] = {ox.Variable(v): _decode_term(k, val, dt, lang) for v, k, val, dt, lang in job.substitutions}
    try:
        res = store.query(job.sparql, **kwargs)
        return _serialise(res, job)
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
        Mount("/static", app=StaticFiles(directory=str(WEB_DIR)), name="static"),
    ]
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
        headers.update(extra_headers or {})
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)

    def _formats(self, request: Any, params: Mapping[str, list[str]]) -> tuple[str | None, str | None]:
        fmt = (params.get("format") or params.get("output") or [None])[0]
        return negotiate(request.headers.get("accept"), fmt)

    # ------------------------------------------------------------------ routes

    async def index(self, request: Any):  # noqa: ANN201
        from starlette.responses import FileResponse

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
            qdef.text,
            results_fmt,
            graph_fmt,
            self.max_rows,
            substitutions=tuple(encode_term(v.value, t) for v, t in subs.items()),
            drop=tuple(v.value for v in subs),
        )
        return await self._run(job)

    async def _rows(self, sparql: str, subs: Mapping[str, ox.NamedNode | ox.Literal], limit: int | None = None) -> list[dict[str, Any]]:
        job = Job(
            sparql,
            "json",
            None,
            limit if limit is not None else self.max_rows,
            substitutions=tuple(encode_term(k, v) for k, v in subs.items()),
            drop=tuple(subs),
        )
        try:
            reply = await self.pool.run(job, self.timeout)
        except QueryTimeout:
            raise Refused(504, f"query timed out after {self.timeout:g} s") from None
        except Busy:
            raise Refused(503, "all query workers are busy; try again") from None
        if reply.status != 200:
            raise Refused(reply.status, reply.body.decode().strip())
        data = json.loads(reply.body)
        return [{k: v for k, v in b.items()} for b in data["results"]["bindings"]]

    async def entity(self, request: Any):  # noqa: ANN201
        from starlette.responses import JSONResponse

        iri = request.query_params.get("iri", "").strip()
        if iri.startswith("<") and iri.endswith(">"):
            iri = iri[1:-1]
        try:
            node = ox.NamedNode(iri)
        except ValueError as exc:
            return self._text(400, f"iri: not a valid IRI: {_one_line(exc)}")
        try:
            props = await self._rows(_ENTITY_PROPS, {"entity": node}, limit=500)
            stmts = await self._rows(_ENTITY_STATEMENTS, {"entity": node}, limit=self.max_rows)
        except Refused as exc:
            return self._text(exc.status, exc.message)
        return JSONResponse(entity_page(iri, props, stmts))

    async def search(self, request: Any):  # noqa: ANN201
        from starlette.responses import JSONResponse

        q = request.query_params.get("q", "").strip()
        key = lookup_key(q)
        if not key:
            return JSONResponse({"q": q, "matches": []})
        try:
            rows = await self._rows(_SEARCH, {"key": ox.Literal(key)}, limit=50)
        except Refused as exc:
            return self._text(exc.status, exc.message)
        matches: dict[str, dict[str, Any]] = {}
        for r in rows:
            m = matches.setdefault(r["iri"]["value"], {"iri": r["iri"]["value"], "label": "", "types": []})
            if "label" in r and not m["label"]:
                m["label"] = r["label"]["value"]
            if "type" in r and r["type"]["value"] not in m["types"]:
                m["types"].append(r["type"]["value"])
        return JSONResponse({"q": q, "matches": list(matches.values())})


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

_ENTITY_PROPS = (
    _PFX
    + """
SELECT DISTINCT ?entity ?p ?o ?oLabel WHERE {
  ?entity ?p ?o .
  FILTER(?p != ckg:lookupKey)
  OPTIONAL { ?o rdfs:label ?oLabel }
}
ORDER BY ?p ?o
"""
)

# A concept's statements include those about its HPO descendants; a patient's or an
# article's are the statements about them. Mentions give the offsets to highlight.
_ENTITY_STATEMENTS = (
    _PFX
    + """
SELECT DISTINCT ?entity ?statement ?kind ?status ?cue ?drug ?drugLabel ?concept ?conceptLabel ?patient ?patientLabel
       ?article ?title ?pmid ?doi ?sentence ?sStart ?mStart ?mEnd WHERE {
  { ?c rdfs:subClassOf* ?entity . { ?statement ckg:drug ?c } UNION { ?statement ckg:concept ?c } }
  UNION { ?statement ckg:patient ?entity }
  UNION { ?statement ckg:inArticle ?entity }
  GRAPH ?g {
    ?statement ckg:kind ?kind ; ckg:assertionStatus ?status ; ckg:inArticle ?article .
    OPTIONAL { ?statement ckg:contextCue ?cue }
    OPTIONAL { ?statement ckg:drug ?drug . ?drug rdfs:label ?drugLabel }
    OPTIONAL { ?statement ckg:concept ?concept . ?concept rdfs:label ?conceptLabel }
    OPTIONAL { ?statement ckg:patient ?patient . OPTIONAL { ?patient rdfs:label ?patientLabel } }
    OPTIONAL { ?article dct:title ?title }
    OPTIONAL { ?article bibo:pmid ?pmid }
    OPTIONAL { ?article bibo:doi ?doi }
    OPTIONAL {
      ?statement prov:wasDerivedFrom ?ev .
      ?ev biolink:supporting_text ?sentence .
      OPTIONAL { ?ev oa:hasTarget/oa:hasSelector ?spos . ?spos a oa:TextPositionSelector ; oa:start ?sStart . }
      OPTIONAL { ?ev ckg:mention/oa:hasSelector ?mpos . ?mpos a oa:TextPositionSelector ; oa:start ?mStart ; oa:end ?mEnd . }
    }
  }
}
ORDER BY ?article ?sStart ?statement
"""
)

_SEARCH = (
    _PFX
    + """
SELECT DISTINCT ?key ?iri ?label ?type WHERE {
  ?iri ckg:lookupKey ?key .
  OPTIONAL { ?iri rdfs:label ?label }
  OPTIONAL { ?iri a ?type }
}
LIMIT 200
"""
)


def _v(row: Mapping[str, Any], key: str) -> str | None:
    cell = row.get(key)
    return cell["value"] if cell else None


def entity_page(iri: str, props: list[dict[str, Any]], stmts: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON for the UI's entity page: the entity's own statements and the extracted
    statements about it, each with its evidence sentence and highlight ranges."""
    from kg.store import compact

    label = None
    types: list[str] = []
    properties = []
    for r in props:
        p, o = _v(r, "p"), r.get("o")
        if p == PREFIXES["rdfs"] + "label" and label is None:
            label = o["value"]
        if p == PREFIXES["rdf"] + "type":
            types.append(compact(o["value"]))
        properties.append({"p": p, "pLabel": compact(p), "o": o, "oLabel": _v(r, "oLabel")})
    statements: dict[str, dict[str, Any]] = {}
    for r in stmts:
        sid = _v(r, "statement")
        s = statements.get(sid)
        if s is None:
            pmid, doi = _v(r, "pmid"), _v(r, "doi")
            s = statements[sid] = {
                "statement": sid,
                "kind": _v(r, "kind"),
                "status": compact(_v(r, "status") or "").split(":")[-1],
                "cue": _v(r, "cue"),
                "drug": _v(r, "drug"),
                "drugLabel": _v(r, "drugLabel"),
                "concept": _v(r, "concept"),
                "conceptLabel": _v(r, "conceptLabel"),
                "patient": _v(r, "patient"),
                "patientLabel": _v(r, "patientLabel"),
                "article": _v(r, "article"),
                "title": _v(r, "title"),
                "pmid": pmid,
                "doi": doi,
                "pubmed": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
                "doiUrl": f"https://doi.org/{doi}" if doi else None,
                "sentence": _v(r, "sentence"),
                "highlights": [],
            }
        start, ms, me = _v(r, "sStart"), _v(r, "mStart"), _v(r, "mEnd")
        if s["sentence"] and start is not None and ms is not None and me is not None:
            a, b = int(ms) - int(start), int(me) - int(start)
            if 0 <= a < b <= len(s["sentence"]) and [a, b] not in s["highlights"]:
                s["highlights"].append([a, b])
    for s in statements.values():
        s["highlights"].sort()
    return {"iri": iri, "label": label or compact(iri), "types": sorted(set(types)), "properties": properties, "statements": list(statements.values())}


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
