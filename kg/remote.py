"""Remote stores: the graph on a SPARQL 1.1 triple-store server instead of the embedded one.

Writes use the SPARQL 1.1 Graph Store HTTP Protocol: one PUT per article named graph
(`?graph=<graph IRI>`), which replaces the graph whole, so pushing an article again is
idempotent, like `Store.replace_article`; the article's concepts are POSTed (merged) into the
shared vocabulary graph first. Reads use the SPARQL 1.1 Protocol and come back
as the same `kg.query.Result` the embedded store gives, so `kg.query.format_result` works.

Catalogue parameters: the embedded store binds them with Oxigraph substitutions, which a
remote endpoint cannot do. Here a `VALUES` row with the bound terms is placed at the start
of every WHERE group (the top-level one and each sub-SELECT's), which gives the same
answers for the catalogue's patterns (a FILTER on the parameter in the same group sees it).
The parameter values travel as N-Triples terms inside VALUES, never as query text.

The catalogue also reads patterns outside GRAPH: the remote default graph must be the
union of the named graphs (`oxigraph serve --union-default-graph`; Fuseki
`tdb2:unionDefaultGraph true`; GraphDB and Virtuoso do this by default).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from kg.errors import CaseKGError, QueryError
from kg.query import AFTER, ARTICLE_CLASS, Catalogue, QueryDef, Result, after_value, bind, page_size, query_text, resolve
from kg.rdf import CKG, PREFIXES, RDFS, VOCAB_GRAPH, article_id_from_graph, article_iri, graph_iri

Term = ox.NamedNode | ox.BlankNode | ox.Literal
DEFAULT_TIMEOUT = 120.0
RESULTS_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


class RemoteError(CaseKGError):
    """A remote store or endpoint that refused or failed a request (one-line message)."""


def is_url(location: object) -> bool:
    """True for an http(s) URL (a remote store), False for a directory path."""
    return isinstance(location, str) and re.match(r"^https?://", location, re.IGNORECASE) is not None


def _session(session: Any = None) -> Any:
    if session is not None:
        return session
    import requests

    return requests.Session()


def _with_params(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(x for x in (parts.query, urlencode(params)) if x)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check(resp: Any, what: str) -> None:
    if resp.status_code >= 400:
        raise RemoteError(f"{what}: HTTP {resp.status_code}: {_one_line(resp.text) or resp.reason}")


# ----------------------------------------------------------------------------- Graph Store Protocol


def push_graph(url: str, graph: str, triples: Iterable[ox.Triple], *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """PUT `triples` as the whole content of named graph `graph` on a Graph Store Protocol endpoint."""
    body = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b""
    target = _with_params(url, {"graph": graph})
    try:
        resp = _session(session).put(target, data=body, headers={"Content-Type": "application/n-triples"}, timeout=timeout)
    except OSError as exc:
        raise RemoteError(f"{url}: cannot reach the store: {_one_line(exc)}") from None
    _check(resp, f"PUT {graph} to {url}")


def add_to_graph(url: str, graph: str, triples: Iterable[ox.Triple], *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """POST `triples` into named graph `graph` (Graph Store Protocol merge: RDF set union)."""
    body = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b""
    try:
        resp = _session(session).post(
            _with_params(url, {"graph": graph}), data=body, headers={"Content-Type": "application/n-triples"}, timeout=timeout
        )
    except OSError as exc:
        raise RemoteError(f"{url}: cannot reach the store: {_one_line(exc)}") from None
    _check(resp, f"POST to {graph} on {url}")


def push_article(url: str, article_id: str, quads: Iterable[ox.Quad], *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Replace the article's named graph on the remote store with its quads (one PUT) and add
    its quads for the shared vocabulary graph (`kg.rdf.VOCAB_GRAPH`) to that graph (one POST).

    The embedded store does both in one transaction; over the Graph Store Protocol they are two
    requests, vocabulary first, so an article graph never refers to concepts the vocabulary
    lacks. Both are idempotent: a failed push is repaired by pushing again."""
    g = graph_iri(article_id)
    triples, vocabulary = [], []
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
        if name == g:
            triples.append(q.triple)
        elif name == VOCAB_GRAPH:
            vocabulary.append(q.triple)
        else:
            raise ValueError(f"quad outside the article graph <{g}> and the vocabulary graph: {q}")
    if vocabulary:
        add_to_graph(url, VOCAB_GRAPH, vocabulary, session=session, timeout=timeout)
    push_graph(url, g, triples, session=session, timeout=timeout)


def get_graph(url: str, graph: str, *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> list[ox.Triple]:
    """GET a named graph's triples ([] when the server has no such graph)."""
    try:
        resp = _session(session).get(_with_params(url, {"graph": graph}), headers={"Accept": "application/n-triples"}, timeout=timeout)
    except OSError as exc:
        raise RemoteError(f"{url}: cannot reach the store: {_one_line(exc)}") from None
    if resp.status_code == 404:
        return []
    _check(resp, f"GET {graph} from {url}")
    media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
    return [q.triple for q in ox.parse(resp.content, format=fmt)]


def delete_graph(url: str, graph: str, *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """DELETE a named graph; False when it was not there (404), which is not an error."""
    try:
        resp = _session(session).delete(_with_params(url, {"graph": graph}), timeout=timeout)
    except OSError as exc:
        raise RemoteError(f"{url}: cannot reach the store: {_one_line(exc)}") from None
    if resp.status_code == 404:
        return False
    _check(resp, f"DELETE {graph} from {url}")
    return True


def delete_article(url: str, article_id: str, *, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> bool:
    return delete_graph(url, graph_iri(article_id), session=session, timeout=timeout)


# ----------------------------------------------------------------------------- SPARQL Protocol client

_KEYWORD = re.compile(r"[A-Za-z]+")
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+")
_PNAME = re.compile(r"[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*:[\w.\-:%\\\u00b7\u00c0-\uffff]*|:[\w.\-:%\\\u00b7\u00c0-\uffff]*")


def inject_values(sparql: str, substitutions: Mapping[str | ox.Variable, Term]) -> str:
    """Bind variables the way Oxigraph substitutions do, for endpoints that lack them:
    a `VALUES (?a ?b) { (t1 t2) }` row at the start of every WHERE group."""
    if not substitutions:
        return sparql
    names = [(k.value if isinstance(k, ox.Variable) else str(k).lstrip("?$")) for k in substitutions]
    row = " ".join(str(t) for t in substitutions.values())  # N-Triples forms: escaped, cannot break out
    values = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    out: list[str] = []
    i, n = 0, len(sparql)
    pending = False  # the next "{" opens a WHERE group
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            m = _STRING.match(sparql, i)
            j = m.end() if m else i + 1
        elif c == "<":
            m = _IRIREF.match(sparql, i)
            j = m.end() if m else i + 1
        elif c in "?$":
            m = _VAR.match(sparql, i)
            j = m.end() if m else i + 1
        elif c.isalpha() or c == ":" or c == "_":
            m = _PNAME.match(sparql, i)
            if m and m.end() > i:
                j = m.end()  # a prefixed name is never a keyword
            else:
                m = _KEYWORD.match(sparql, i)
                j = m.end() if m else i + 1
                word = sparql[i:j].upper()
                if word in ("SELECT", "ASK", "DESCRIBE", "WHERE"):
                    pending = True
                elif word in ("VALUES", "CONSTRUCT"):
                    pending = False  # a VALUES data block or a CONSTRUCT template is not a group
        elif c == "{":
            out.append("{")
            if pending:
                out.append(values)
                pending = False
            i += 1
            continue
        else:
            j = i + 1
        out.append(sparql[i:j])
        i = j
    return "".join(out)


_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z_][\w.\-]*)?\s*:", re.IGNORECASE)


def with_prefixes(sparql: str) -> str:
    """Declare our usual prefixes the text uses but does not declare (the embedded store
    predefines them; a remote endpoint does not)."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(sparql)}
    missing = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w.\-]){re.escape(p)}:", sparql)]
    if not missing:
        return sparql
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + sparql


def _term(cell: Mapping[str, Any]) -> Term | ox.Triple | None:
    kind = cell.get("type")
    value = cell.get("value")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        try:
            return ox.BlankNode(value)
        except ValueError:
            return ox.BlankNode()
    if kind in ("literal", "typed-literal"):
        if cell.get("xml:lang"):
            return ox.Literal(value, language=cell["xml:lang"])
        if cell.get("datatype"):
            return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]))
        return ox.Literal(value)
    if kind == "triple":
        s, p, o = (_term(value[k]) for k in ("subject", "predicate", "object"))
        return ox.Triple(s, p, o)
    return None


def query(
    endpoint: str,
    sparql: str,
    substitutions: Mapping[str | ox.Variable, Term] | None = None,
    *,
    session: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
    default_graph_as_union: bool = False,
) -> Result:
    """Run SPARQL on any SPARQL 1.1 Protocol endpoint and return a `kg.query.Result`.

    `substitutions` (what `kg.query.bind` returns) are bound with VALUES and their echo
    columns are dropped, as `kg.query.run` does. `default_graph_as_union=True` adds
    Oxigraph's `union-default-graph` request parameter (other servers ignore or refuse it).
    Raises QueryError with the endpoint's message on failure."""
    subs = dict(substitutions or {})
    text = with_prefixes(inject_values(sparql, subs))
    form = {"query": text}
    if default_graph_as_union:
        form["union-default-graph"] = ""
    try:
        resp = _session(session).post(endpoint, data=form, headers={"Accept": RESULTS_ACCEPT}, timeout=timeout)
    except OSError as exc:
        raise QueryError(f"{endpoint}: cannot reach the endpoint: {_one_line(exc)}") from None
    if resp.status_code >= 400:
        raise QueryError(f"{endpoint}: HTTP {resp.status_code}: {_one_line(resp.text) or resp.reason}")
    media = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    echoes = {(k.value if isinstance(k, ox.Variable) else str(k).lstrip("?$")) for k in subs}
    if media in ("application/sparql-results+json", "application/json"):
        try:
            data = json.loads(resp.content)
        except ValueError as exc:
            raise QueryError(f"{endpoint}: not SPARQL JSON results: {_one_line(exc)}") from None
        if "boolean" in data:
            return Result(boolean=bool(data["boolean"]))
        variables = [v for v in data.get("head", {}).get("vars", []) if v not in echoes]
        rows = [tuple(_term(b[v]) if v in b else None for v in variables) for b in data.get("results", {}).get("bindings", [])]
        return Result(variables=variables, rows=rows)
    fmt = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}.get(media)
    if fmt is None:
        raise QueryError(f"{endpoint}: unexpected response type {media or '(none)'!r}")
    try:
        triples = [q.triple for q in ox.parse(resp.content, format=fmt)]
    except SyntaxError as exc:
        raise QueryError(f"{endpoint}: unreadable {media}: {_one_line(exc)}") from None
    return Result(variables=["subject", "predicate", "object"], rows=[(t.subject, t.predicate, t.object) for t in triples])


def run(endpoint: str, query_or_name: str, params: Mapping[str, str] | None = None, *, catalogue: Catalogue | None = None, **kwargs: Any) -> Result:
    """`kg.query.run` against a remote endpoint: a catalogue name, a `.rq` path or SPARQL text."""
    qdef = resolve(query_or_name, catalogue)
    result = query(endpoint, query_text(qdef, params), bind(qdef, params), **kwargs)
    result.query = qdef
    if page_size(qdef, params) is not None:
        result.next_after = _next_after(endpoint, qdef, params, **kwargs)
    return result


def _next_after(endpoint: str, qdef: QueryDef, params: Mapping[str, str] | None, **kwargs: Any) -> str | None:
    """The `after` value of the page following this one of a paged listing (None on the last
    page): the page's last article, if any article sorts after it. The endpoint ran the
    query's own page sub-SELECT; this asks for the two articles at its end, in the same order."""
    from kg.term_pages import term_page_select

    subs = bind(qdef, params)
    select = term_page_select(qdef.text, subs)
    if select is not None:  # its page is among the graphs its parameter selects
        sparql = select.next_after_query()
        subs = {v: t for v, t in subs.items() if v.value in select.page.variables}
    else:
        sparql = (
            f"SELECT DISTINCT ?after ?article WHERE {{ GRAPH ?g {{ ?article a <{ARTICLE_CLASS}> }} "
            f"FILTER(STR(?article) > STR(?after)) }} ORDER BY ?article OFFSET {qdef.page - 1} LIMIT 2"
        )
        subs = {ox.Variable(AFTER): ox.Literal(after_value(qdef, params))}
    result = query(endpoint, sparql, subs, **kwargs)
    return result.rows[0][result.variables.index("article")].value if len(result.rows) == 2 else None


# ----------------------------------------------------------------------------- a Store look-alike


def query_endpoint_for(store_url: str) -> str | None:
    """The SPARQL query endpoint beside a Graph Store endpoint, for the servers whose layout
    is known: Oxigraph (`/store` -> `/query`) and Fuseki (`/ds/data` -> `/ds/query`)."""
    parts = urlsplit(store_url)
    for gsp, q in (("/store", "/query"), ("/data", "/query")):
        if parts.path.endswith(gsp):
            return urlunsplit((parts.scheme, parts.netloc, parts.path[: -len(gsp)] + q, "", ""))
    return None


class RemoteStore:
    """The part of `kg.store.Store` that `kg build` uses, on a remote server:
    `article_hash`, `replace_article`, `remove_article`, `articles`, `stats`, `query`.

    `url` is the Graph Store Protocol endpoint; `query_endpoint` the SPARQL endpoint
    (derived for Oxigraph and Fuseki when not given)."""

    read_only = False
    path = None

    def __init__(self, url: str, *, query_endpoint: str | None = None, session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self.query_endpoint = query_endpoint or query_endpoint_for(url)
        if self.query_endpoint is None:
            raise RemoteError(f"{url}: cannot tell the SPARQL query endpoint of this store; give it (KG_ENDPOINT / --endpoint)")
        self.session = _session(session)
        self.timeout = timeout

    def __enter__(self) -> "RemoteStore":
        return self

    @property
    def oxigraph(self) -> "RemoteDataset":
        """The pyoxigraph.Store calls `kg build` makes directly, answered by the server."""
        return RemoteDataset(self)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def _select(self, sparql: str) -> list[dict[str, str]]:
        try:
            return query(self.query_endpoint, sparql, session=self.session, timeout=self.timeout).dicts()
        except QueryError as exc:
            raise RemoteError(str(exc)) from None

    def article_hash(self, article_id: str) -> str | None:
        return self._article_value(article_id, "contentHash")

    def article_fingerprint(self, article_id: str) -> str | None:
        return self._article_value(article_id, "extractorFingerprint")

    def _article_value(self, article_id: str, prop: str) -> str | None:
        rows = self._select(
            f"SELECT ?v WHERE {{ GRAPH <{graph_iri(article_id)}> {{ <{article_iri(article_id)}> <{CKG}{prop}> ?v }} }} LIMIT 1"
        )
        return rows[0]["v"] if rows else None

    def replace_article(self, article_id: str, quads: Iterable[ox.Quad]) -> None:
        push_article(self.url, article_id, quads, session=self.session, timeout=self.timeout)

    def remove_article(self, article_id: str) -> None:
        delete_article(self.url, article_id, session=self.session, timeout=self.timeout)

    def prune_vocabulary(self) -> int:
        """As `Store.prune_vocabulary`: drop vocabulary concepts no article graph types any
        more, keeping the is_a chains of those still used. The vocabulary graph is read once
        and, when something goes, PUT back whole (one atomic replace on the server)."""
        used_rows = self._select(
            f"SELECT DISTINCT ?c WHERE {{ GRAPH <{VOCAB_GRAPH}> {{ ?c a ?t }} GRAPH ?g {{ ?c a ?t2 }} FILTER(?g != <{VOCAB_GRAPH}>) }}"
        )
        used = {r["c"] for r in used_rows if "c" in r}
        triples = get_graph(self.url, VOCAB_GRAPH, session=self.session, timeout=self.timeout)
        parents: dict[str, list[str]] = {}
        for t in triples:
            if t.predicate.value == RDFS + "subClassOf" and isinstance(t.object, ox.NamedNode):
                parents.setdefault(t.subject.value, []).append(t.object.value)
        todo = list(used)
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in used:
                    used.add(p)
                    todo.append(p)
        keep = [t for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value in used]
        removed = len(triples) - len(keep)
        if removed:
            push_graph(self.url, VOCAB_GRAPH, keep, session=self.session, timeout=self.timeout)
        return removed

    def articles(self) -> list[str]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(a for a in (article_id_from_graph(r["g"]) for r in rows if "g" in r) if a is not None)

    def query(self, sparql: str, substitutions: Mapping[str | ox.Variable, Term] | None = None) -> Result:
        return query(self.query_endpoint, sparql, substitutions, session=self.session, timeout=self.timeout)

    def stats(self) -> dict[str, Any]:
        """The same counts as `Store.stats()`, computed by the server (no union default graph needed)."""
        from kg.store import compact

        def one(sparql: str) -> int:
            rows = self._select(sparql)
            return int(rows[0]["n"]) if rows and "n" in rows[0] else 0

        classes = {
            compact(r["c"]): int(r["n"])
            for r in self._select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")
        }
        predicates = {
            compact(r["p"]): int(r["n"]) for r in self._select("SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")
        }
        return {
            "triples": one("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
            "graphs": one("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
            "articles": len(self.articles()),
            "classes": classes,
            "predicates": predicates,
        }


class _Solution:
    """A SELECT row that reads like pyoxigraph's QuerySolution: by variable name or index."""

    def __init__(self, variables: list[str], row: tuple) -> None:
        self._variables = variables
        self._row = row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return self._row[key]
        name = key.value if isinstance(key, ox.Variable) else str(key).lstrip("?$")
        return self._row[self._variables.index(name)]


class RemoteDataset:
    """The subset of `pyoxigraph.Store` that `kg.build` uses on `store.oxigraph`, over HTTP:
    `extend` (new article graphs: POSTed per graph, vocabulary first), `quads_for_pattern`,
    `len`, `named_graphs` and SELECT/ASK `query` (with the server's own default graph)."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store

    def _q(self, sparql: str) -> Result:
        try:
            return query(self.store.query_endpoint, sparql, session=self.store.session, timeout=self.store.timeout)
        except QueryError as exc:
            raise RemoteError(str(exc)) from None

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        by_graph: dict[str, list[ox.Triple]] = {}
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise ValueError(f"the remote store keeps every triple in a named graph: {q}")
            by_graph.setdefault(q.graph_name.value, []).append(q.triple)
        for g in sorted(by_graph, key=lambda g: g != VOCAB_GRAPH):  # vocabulary first
            add_to_graph(self.store.url, g, by_graph[g], session=self.store.session, timeout=self.store.timeout)

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> Iterator[ox.Quad]:
        terms = {"s": s, "p": p, "o": o, "g": g}
        values = " ".join(f"VALUES ?{k} {{ {v} }}" for k, v in terms.items() if v is not None)
        res = self._q(f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}")
        for row in res.rows:
            yield ox.Quad(row[0], row[1], row[2], row[3])

    def __len__(self) -> int:
        rows = self._q("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").dicts()
        return int(rows[0]["n"]) if rows else 0

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        for row in self._q("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows:
            yield row[0]

    def query(self, sparql: str, **_: Any) -> Any:
        res = self._q(sparql)
        if res.boolean is not None:
            return res.boolean
        return [_Solution(res.variables, row) for row in res.rows]


def open_store(location: str | Any, *, read_only: bool = False, query_endpoint: str | None = None) -> Any:
    """`kg.store.Store` for a directory, `RemoteStore` for an http(s) URL."""
    if is_url(location):
        return RemoteStore(str(location), query_endpoint=query_endpoint)
    from kg.store import Store

    return Store(location, read_only=read_only)
