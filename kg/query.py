"""The SPARQL query catalogue: `.rq` files with a header, safe parameters, result formats.

A catalogue file starts with a comment block:

    # title: Drugs used for a manifestation
    # description: ... (may repeat; lines are joined)
    # param: manifestation (required) - label, synonym or HPO ID
    # param: drug (optional) - ... [default: ]

A parameter `name` is bound to the variable `?name` with Oxigraph substitutions
(SEP-0007): the value becomes an RDF term, the query text is never edited, so a value
cannot change the query. Oxigraph only substitutes variables that the SELECT projects,
so catalogue queries project their parameters; those echo columns are dropped from the
result. An optional parameter that is not given is bound to its default, or to the empty
string, so queries test `STR(?p) = ""` (BOUND() does not see substituted values).
A value written `<http://...>` is bound as an IRI, anything else as a plain string literal.

For fast, forgiving matching each parameter `name` whose query mentions `?name_key` also
gets `?name_key` bound to `kg.rdf.lookup_key(value)` (lower case, letters and digits only),
the form stored as `ckg:lookupKey` on every concept. Matching the key as a constant in a
triple pattern is an index lookup; computing it in SPARQL with BIND/REPLACE is not pushed
into the pattern by Oxigraph and scans every key (measured: 6 ms against 190 ms on 1.75M quads).

A parameter named `limit` is special: SPARQL cannot bind a LIMIT to a variable, so a query
that declares `# param: limit (optional) - ... [default: N]` gets `LIMIT n` appended to its
text by `query_text` (n checked to be a non-negative integer, so nothing else can get in;
0 means no limit) and `limit` is not a substitution. Run the text from `query_text`, never
`QueryDef.text`, wherever parameters are bound (`run`, `kg.remote.run`, `kg serve`).

Paged listings (keyset paging by article): a query with the header line `# page: N` and an
optional `after` parameter answers for the first N articles whose IRI sorts after `after`,
chosen by a sub-SELECT in its own text (`ORDER BY ?article LIMIT N`), so it is one plain SPARQL
query that any engine answers with the same rows. Oxigraph would still read and sort every
article and hash-join the statements of the whole store, so `run` first picks the page itself
(`page_of_articles`) and runs the query on a dataset of only those articles' graphs: the
query's own page sub-SELECT then finds the same N articles, at the cost of one page
(docs/scale.md, session 3). `Result.next_after` is the last article of a full page: the
`after` value of the next page (None on the last page). `# page: N unless PARAM`: the query
is paged only while the optional parameter PARAM is empty (its text pages only the branch that
answers then); with PARAM given it runs whole, as an unpaged query.

On an on-disk store with a clean catalogue index (`kg.store_index`, a SQLite file in the store
directory kept by every write through `kg.store.Store`), the page is one range read of the
index instead of a read of every article IRI (100k articles: ~650 ms CPU), a term query's page
comes from its term table (`kg.term_pages`: range reads instead of the term's statements
over the whole store; docs/scale.md, "Session 5: broad terms"), and a query with
the header line `# precomputed: NAME` (`drug-outcome-summary`) is answered from the index's
summary rows, the same rows in the same order as its text. Without a usable index (an older
store, one written by other tools, a remote endpoint), both are computed as before.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterator, Mapping

import pyoxigraph as ox

from kg.errors import QueryError

_HEADER = re.compile(r"^#\s*(title|description|param|page|precomputed)\s*:\s*(.*)$", re.IGNORECASE)
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<req>required|optional)\))?\s*(?:[-\u2013\u2014:]\s*(?P<desc>.*?))?\s*(?:\[default:\s*(?P<default>[^\]]*)\])?\s*$",
    re.IGNORECASE,
)
_PAGE = re.compile(r"^(\d+)(?:\s+unless\s+([A-Za-z_][A-Za-z0-9_]*))?$", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Param:
    name: str
    required: bool = True
    description: str = ""
    default: str | None = None


@dataclass(frozen=True)
class QueryDef:
    name: str
    text: str
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    path: Path | None = None
    page: int | None = None  # articles per page of a paged listing (`# page: N`)
    page_unless: str | None = None  # `# page: N unless PARAM`: not paged when PARAM is given
    precomputed: str | None = None  # `# precomputed: NAME`: kg.store_index can answer it

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query(text: str, name: str = "query", path: Path | None = None) -> QueryDef:
    """Read the header comment block of a `.rq` text."""
    title, desc, params, page, precomputed, unless = "", [], [], None, None, None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header ends at the first line of SPARQL
        m = _HEADER.match(stripped)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            desc.append(value)
        elif key == "page":
            pm = _PAGE.match(value)
            if not pm or int(pm.group(1)) < 1:
                raise QueryError(f"{path or name}: bad page header {value!r}; expected a number of articles >= 1 [unless PARAM]")
            page, unless = int(pm.group(1)), pm.group(2)
        elif key == "precomputed":
            from kg.store_index import PRECOMPUTED

            if value not in PRECOMPUTED:
                raise QueryError(f"{path or name}: unknown precomputed answer {value!r} (known: {', '.join(PRECOMPUTED)})")
            precomputed = value
        else:
            pm = _PARAM.match(value)
            if not pm:
                raise QueryError(f"{path or name}: bad param header {value!r}; expected 'name (required|optional) - description'")
            default = pm.group("default")
            required = (pm.group("req") or "required").lower() == "required"
            params.append(Param(pm.group("name"), required, (pm.group("desc") or "").strip(), default.strip() if default is not None else None))
    qdef = QueryDef(name=name, text=text, title=title or name, description=" ".join(desc), params=tuple(params), path=path, page=page,
                    page_unless=unless, precomputed=precomputed)
    if page is not None and qdef.param(AFTER) is None:
        raise QueryError(f"{path or name}: a paged query (# page: N) needs an optional '{AFTER}' parameter")
    if unless is not None and (qdef.param(unless) is None or qdef.param(unless).required):
        raise QueryError(f"{path or name}: '# page: ... unless {unless}' needs an optional '{unless}' parameter")
    return qdef


class Catalogue:
    """The `.rq` files of a directory, by name (file name without `.rq`)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        if directory is None:
            from kg.paths import queries_dir

            directory = queries_dir()
        self.dir = Path(directory)
        self._queries: dict[str, QueryDef] = {}
        if self.dir.is_dir():
            for p in sorted(self.dir.glob("*.rq")):
                self._queries[p.stem] = parse_query(p.read_text(encoding="utf-8"), p.stem, p)

    def __iter__(self) -> Iterator[QueryDef]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> QueryDef:
        try:
            return self._queries[name]
        except KeyError:
            raise QueryError(f"unknown query {name!r}; `kg query --list` shows the catalogue") from None


@dataclass
class Result:
    """A finished query: SELECT rows (pyoxigraph terms or None), an ASK boolean, or
    CONSTRUCT/DESCRIBE triples presented as subject/predicate/object rows."""

    variables: list[str] = field(default_factory=list)
    rows: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    query: QueryDef | None = None
    next_after: str | None = None  # paged listings: the `after` value of the next page

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, str]]:
        """Rows as {variable: plain value} (unbound variables left out)."""
        return [{v: _plain(t) for v, t in zip(self.variables, row) if t is not None} for row in self.rows]


def resolve(query: str, catalogue: Catalogue | None = None) -> QueryDef:
    """A catalogue name, a path to a `.rq` file, or SPARQL text."""
    catalogue = catalogue if catalogue is not None else Catalogue()
    q = query.strip()
    if q in catalogue:
        return catalogue.get(q)
    if "\n" not in q and (q.endswith(".rq") or os.sep in q) and not re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", q, re.I):
        path = Path(q)
        if not path.is_file():
            raise QueryError(f"{q}: no such query file")
        return parse_query(path.read_text(encoding="utf-8"), path.stem, path)
    if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", q, re.I) or "{" in q:
        return parse_query(query, "query")
    raise QueryError(f"unknown query {q!r}; `kg query --list` shows the catalogue")


def bind(qdef: QueryDef, params: Mapping[str, str] | None) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """Check `params` against the query's declared parameters and turn them into terms.

    Queries without a header (ad-hoc SPARQL) accept any variable that occurs in the text."""
    params = dict(params or {})
    if qdef.params:
        declared = {p.name for p in qdef.params}
        unknown = sorted(set(params) - declared)
        if unknown:
            raise QueryError(f"{qdef.name}: unknown parameter {unknown[0]!r} (parameters: {', '.join(sorted(declared))})")
        for p in qdef.params:
            if p.name not in params:
                if p.required and p.default is None:
                    raise QueryError(f"{qdef.name}: missing required parameter {p.name!r} (--param {p.name}=VALUE)")
                params[p.name] = p.default if p.default is not None else ""
    else:
        used = set(_VARIABLE.findall(_strip_comments(qdef.text)))
        unknown = sorted(set(params) - used)
        if unknown:
            raise QueryError(f"{qdef.name}: unknown parameter {unknown[0]!r}: the query has no variable ?{unknown[0]}")
    from kg.rdf import lookup_key

    if qdef.param(LIMIT) is not None:
        _limit(qdef, params.pop(LIMIT))  # goes into the text (query_text), never a substitution
    out = {ox.Variable(k): _term(k, v) for k, v in params.items()}
    text = _strip_comments(qdef.text)
    for k, v in params.items():
        if re.search(rf"[?$]{re.escape(k)}_key\b", text):
            out[ox.Variable(f"{k}_key")] = ox.Literal(lookup_key(v))
    return out


LIMIT = "limit"
AFTER = "after"
ARTICLE_CLASS = "https://w3id.org/casekg/vocab#Article"


def _limit(qdef: QueryDef, value: str) -> int:
    if not str(value).strip():
        return 0  # an optional limit without a default
    try:
        n = int(str(value).strip())
    except ValueError:
        n = -1
    if n < 0:
        raise QueryError(f"{qdef.name}: parameter 'limit' must be a whole number >= 0 (0: no limit), not {value!r}")
    return n


def query_limit(qdef: QueryDef, params: Mapping[str, str] | None = None) -> int:
    """The row limit of `qdef` with `params` (given, or the `limit` parameter's default); 0 =
    no limit, also for a query without a `limit` parameter."""
    p = qdef.param(LIMIT)
    if p is None:
        return 0
    return _limit(qdef, (params or {}).get(LIMIT, p.default if p.default is not None else "0"))


def query_text(qdef: QueryDef, params: Mapping[str, str] | None = None) -> str:
    """The SPARQL to run for `qdef` with `params`: its text, plus `LIMIT n` when the query
    declares a `limit` parameter (given, or its default; 0 = no limit)."""
    n = query_limit(qdef, params)
    return qdef.text if n == 0 else f"{qdef.text.rstrip()}\nLIMIT {n}\n"


def _term(name: str, value: str) -> ox.NamedNode | ox.Literal:
    if value.startswith("<") and value.endswith(">"):
        try:
            return ox.NamedNode(value[1:-1])
        except ValueError as exc:
            raise QueryError(f"parameter {name!r}: not a valid IRI: {exc}") from None
    return ox.Literal(value)


def run(store, query: str, params: Mapping[str, str] | None = None, *, catalogue: Catalogue | None = None) -> Result:  # noqa: ANN001
    """Run a catalogue query (by name), a `.rq` file or SPARQL text on `store`.

    `store` is a `kg.store.Store`, a `pyoxigraph.Store` or a path to an on-disk store
    (opened read-only for the duration of the query)."""
    from kg.store import Store

    qdef = resolve(query, catalogue)
    subs = bind(qdef, params)
    text = query_text(qdef, params)
    if isinstance(store, (str, os.PathLike)):
        try:
            with Store(store, read_only=True) as st:
                return _run_bound(st, qdef, subs, text, params)
        except FileNotFoundError as exc:
            raise QueryError(str(exc)) from None
    return _run_bound(store, qdef, subs, text, params)


def _run_bound(store, qdef: QueryDef, subs: dict, text: str, params: Mapping[str, str] | None) -> Result:  # noqa: ANN001
    size = page_size(qdef, params)
    if size is None and qdef.precomputed is None:
        return _execute(store, qdef, subs, text)
    oxi = store if isinstance(store, ox.Store) else getattr(store, "reader", None)
    if not isinstance(oxi, ox.Store):
        return _execute(store, qdef, subs, text)  # another engine: the query's own text does it
    index_dir = getattr(store, "path", None)  # a kg.store.Store on disk has a catalogue index
    if qdef.precomputed is not None:
        from kg.store_index import open_reader

        index = open_reader(index_dir)
        if index is None:
            return _execute(oxi, qdef, subs, text)
        try:
            return precomputed_result(index, qdef, params)
        finally:
            index.close()
    graphs, next_after, text = pick_page(oxi, text, subs, after_value(qdef, params), size, index_dir)
    result = _execute(oxi, qdef, subs, text, graphs=[ox.NamedNode(g) for g in graphs])
    result.next_after = next_after
    return result


def pick_page(store: ox.Store, text: str, subs: Mapping[ox.Variable, ox.NamedNode | ox.Literal], after: str, size: int,
              index_dir: str | os.PathLike[str] | None) -> tuple[list[str], str | None, str]:
    """The page a paged query runs on, as `kg query` and `kg serve` pick it: the page's graph
    IRIs, the `after` value of the next page (None on the last one), and the text to run on a
    dataset of those graphs. A term query's page is among the graphs its parameter selects
    (kg.term_pages, which also cuts the page sub-SELECT out of the text); a listing's among all
    articles (`choose_page`, by the catalogue index in `index_dir` when it is clean)."""
    from kg.store_index import open_reader
    from kg.term_pages import choose_term_page

    index = open_reader(index_dir)
    try:
        term = choose_term_page(store, text, subs, after, size, index=index)
        if term is not None:
            return term.graphs, term.next_after, term.text
        graphs, next_after = choose_page(store, after, size, index=index)
    finally:
        if index is not None:
            index.close()
    return graphs, next_after, text


def precomputed_result(index, qdef: QueryDef, params: Mapping[str, str] | None) -> Result:  # noqa: ANN001
    """The answer of a `# precomputed:` query from a clean `kg.store_index.IndexReader`: its
    rows (such a query projects no parameter; `limit` cuts them as its LIMIT would)."""
    variables, rows = precomputed_rows(index, qdef.precomputed, query_limit(qdef, params))
    return Result(variables=variables, rows=rows, query=qdef)


def precomputed_rows(index, name: str, limit: int = 0) -> tuple[list[str], list[tuple]]:  # noqa: ANN001
    """Variables and rows of the precomputed answer `name` (kg.store_index.PRECOMPUTED), at
    most `limit` rows (0: all)."""
    from kg.store_index import DRUG_OUTCOME_VARIABLES, DRUG_OUTCOMES

    if name != DRUG_OUTCOMES:
        raise QueryError(f"unknown precomputed answer {name!r}")
    return list(DRUG_OUTCOME_VARIABLES), index.drug_outcomes(limit)


def choose_page(store: ox.Store, after: str, size: int, *, index=None) -> tuple[list[str], str | None]:  # noqa: ANN001
    """The graph IRIs of the `size` articles after `after` (a paged listing's page, picked as
    `page_of_articles` does), and the `after` value of the next page (None on the last one).
    `index`: a clean `kg.store_index.IndexReader` of the same store, which picks the same page
    by one range read."""
    # one article more than a page: whether another page follows, so the last page is never empty
    page = index.page(after, size + 1) if index is not None else page_of_articles(store, after, size + 1)
    pairs, next_after, _ = pick_articles(page, after, size)
    return sorted({g for _, g in pairs}), next_after


def pick_articles(pairs: Collection[tuple[str, str]], after: str, size: int) -> tuple[list[tuple[str, str]], str | None, list[str]]:
    """Of (article, graph) pairs, those of the first `size` articles after `after` (sorted), the
    next page's `after` (None when no article follows them), and the articles looked at: one
    more than a page, so the last page is never empty. A listing's page and a term page
    (kg.term_pages) are both picked here; Python compares str by code point, as SPARQL
    compares STR() values."""
    chosen = heapq.nsmallest(size + 1, {a for a, _ in pairs if a > after})
    page = set(chosen[:size])
    return sorted(p for p in pairs if p[0] in page), (chosen[size - 1] if len(chosen) > size else None), chosen


def page_size(qdef: QueryDef, params: Mapping[str, str] | None) -> int | None:
    """Articles per page when `qdef` runs paged with `params`; None when it runs whole (not a
    paged query, or its `unless` parameter is given)."""
    if qdef.page is None:
        return None
    if qdef.page_unless is not None:
        p = qdef.param(qdef.page_unless)
        if str((params or {}).get(qdef.page_unless, (p.default if p is not None else None) or "")).strip():
            return None
    return qdef.page


def after_value(qdef: QueryDef, params: Mapping[str, str] | None) -> str:
    """The `after` parameter as a plain IRI string ("" for the first page)."""
    p = qdef.param(AFTER)
    value = (params or {}).get(AFTER, (p.default if p is not None else None) or "").strip()
    return value[1:-1] if value.startswith("<") and value.endswith(">") else value


def page_of_articles(store: ox.Store, after: str, n: int) -> list[tuple[str, str]]:
    """(article IRI, graph IRI) of the first `n` articles whose IRI sorts after `after`, in
    IRI order: what a paged query's `ORDER BY ?article LIMIT n` sub-SELECT picks.

    Chosen here rather than by SPARQL: Oxigraph's ORDER BY decodes both IRIs from the store at
    every comparison (10k articles: 455 ms CPU to sort them, against 3 ms to scan them), and
    each row handed to Python costs ~3 microseconds per term, so only the article IRIs of the
    whole store come out (10k: 35 ms CPU), then the graphs of the `n` chosen ones. Python
    compares str by code point, as SPARQL compares STR() values."""
    everyone = (r[0].value for r in store.query(f"SELECT ?a WHERE {{ GRAPH ?g {{ ?a a <{ARTICLE_CLASS}> }} }}"))
    chosen = heapq.nsmallest(n, {a for a in everyone if a > after})  # a set: an article typed in two graphs counts once
    if not chosen:
        return []
    values = " ".join(str(ox.NamedNode(a)) for a in chosen)  # N-Triples IRIs: escaped
    graphs = store.query(f"SELECT ?a ?g WHERE {{ VALUES ?a {{ {values} }} GRAPH ?g {{ ?a a <{ARTICLE_CLASS}> }} }}")
    return sorted((r[0].value, r[1].value) for r in graphs)


def _execute(store, qdef: QueryDef, subs: dict, text: str, graphs: list[ox.NamedNode] | None = None) -> Result:  # noqa: ANN001
    """`graphs`: run on a dataset of only these named graphs (also the default graph)."""
    from kg.rdf import PREFIXES

    try:
        if graphs is not None:
            res = store.query(text, default_graph=graphs or [ox.DefaultGraph()], named_graphs=graphs,
                              substitutions=subs or None, prefixes=dict(PREFIXES))
        elif isinstance(store, ox.Store):
            res = store.query(text, use_default_graph_as_union=True, substitutions=subs or None, prefixes=dict(PREFIXES))
        else:
            res = store.query(text, subs or None)
        if isinstance(res, ox.QueryBoolean):
            return Result(boolean=bool(res), query=qdef)
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            rows = [tuple(sol[i] for i in range(len(variables))) for sol in res]
            # Parameters are inputs: their echo columns (needed for substitution) are not results.
            echoes = {v.value for v in subs}
            keep = [i for i, v in enumerate(variables) if v not in echoes]
            if len(keep) != len(variables):
                variables = [variables[i] for i in keep]
                rows = [tuple(r[i] for i in keep) for r in rows]
            return Result(variables=variables, rows=rows, query=qdef)
        rows = [(t.subject, t.predicate, t.object) for t in res]
        return Result(variables=["subject", "predicate", "object"], rows=rows, query=qdef)
    except SyntaxError as exc:
        raise QueryError(f"{qdef.name}: SPARQL syntax error: {_one_line(exc)}") from None
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"{qdef.name}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in text.splitlines())


# --------------------------------------------------------------------------- formatting


def _plain(term) -> str:  # noqa: ANN001
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def _display(term) -> str:  # noqa: ANN001
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        from kg.store import compact

        return compact(term.value)
    return " ".join(_plain(term).split())  # newlines and tabs would break the table


def _json_term(term) -> dict[str, str] | None:  # noqa: ANN001
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    return None


def format_result(result: Result, fmt: str = "table") -> str:
    """`table` (aligned, IRIs shortened with known prefixes), `csv` and `tsv` (SPARQL 1.1
    CSV/TSV results), `json` (SPARQL 1.1 JSON results)."""
    fmt = fmt.lower()
    if fmt == "json":
        if result.boolean is not None:
            return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"
        bindings = [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows]
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, indent=2, ensure_ascii=False) + "\n"
    if result.boolean is not None:
        if fmt in ("csv", "tsv"):
            return f"boolean\n{str(result.boolean).lower()}\n"
        return ("yes" if result.boolean else "no") + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow([_plain(t) for t in row])
        return buf.getvalue()
    if fmt == "tsv":
        # SPARQL 1.1 TSV: terms in their N-Triples/Turtle form, so IRIs and literals stay distinguishable.
        lines = ["\t".join("?" + v for v in result.variables)]
        for row in result.rows:
            lines.append("\t".join("" if t is None else str(t).replace("\t", "\\t") for t in row))
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _table(result)
    raise QueryError(f"unknown format {fmt!r} (table, csv, tsv, json)")


def _table(result: Result, max_width: int = 60) -> str:
    headers = result.variables
    cells = [[_clip(_display(t), max_width) for t in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    sep = "  "
    lines = [sep.join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), sep.join("-" * w for w in widths)]
    for r in cells:
        lines.append(sep.join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    hint = next_page_hint(result)
    if hint:
        lines.append(hint)
    return "\n".join(lines) + "\n"


def next_page_hint(result: Result) -> str | None:
    """How to ask for the next page of a paged listing, or None (not paged, or the last page)."""
    if not result.next_after:
        return None
    # shell-quoted: an IRI may hold characters a shell would read
    return f"next page: --param after='<{result.next_after}>'"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"
