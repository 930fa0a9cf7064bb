"""The page of a paged term query: the first N articles, in IRI order, that its parameter selects.

A paged listing (`# page: N`, `after`; queries/README.md "Paged listings") chooses its page with
a sub-SELECT in its own text, `{ SELECT ... ?g ?article WHERE { ... } ORDER BY ?article LIMIT N }`.
The listings over every article read `?article a ckg:Article` there, and `kg.query.choose_page`
picks the page among all articles. A *term* query (`evidence`, `drugs-for-manifestation`,
`patients-with-antibody`, `adverse-events` with a drug) pages over only the graphs its
parameter selects; its page sub-SELECT has this shape (docs/scale.md, "Session 4: term queries"). A query
with two branches (`adverse-events`: a listing without a drug, a term page with one) has one
page sub-SELECT per branch; the term page is the one a non-empty parameter drives:

    { SELECT DISTINCT ?x_key ?after ?g ?article WHERE {
        { SELECT DISTINCT ?x_key ?g WHERE { ...resolve ?x_key, then GRAPH ?g { ... } } }
        GRAPH ?g { ?article a ckg:Article }
        FILTER(STR(?article) > STR(?after))
      } ORDER BY ?article LIMIT N }

The inner SELECT (the *candidate graphs*) names the graphs that hold the term. Evaluated as
written, Oxigraph hash-joins the candidates with every article of the store and sorts with
an `ORDER BY` that decodes both IRIs at each comparison, and then hash-joins the page with the
statements of the whole store. So on the embedded store `choose_term_page`:

1. runs the candidate-graphs SELECT alone (Oxigraph reads the term's statements or direct
   edges per resolved concept and hands over one IRI per graph);
2. names each graph's article by kg's own naming (`kg.rdf.graph_iri` / `article_iri` of the
   same article id, so graph order is article order), keeps the first N + 1 after `after`
   (Python compares str by code point, as SPARQL compares `STR()` values), and checks in one
   query that those graphs hold exactly those articles (a store written with other names
   falls back to evaluating the page sub-SELECT's pattern itself, without ORDER BY);
3. returns the query text without its page sub-SELECT, to run on a dataset of only the page's
   graphs and the vocabulary graph: there every `GRAPH ?g` of the rest of the query can only
   bind a page graph (the vocabulary graph holds no article data), which is what the join
   with the page sub-SELECT did. With the sub-SELECT left in, Oxigraph's plan for the join
   read every statement of the page's graphs (evidence, rituximab, 1k articles: 70 ms
   against 8 ms without it).

With the store's clean catalogue index (`kg.store_index`, `choose_term_page(index=...)`), step
1 is replaced when the candidate SELECT is `resolution GRAPH ?g { source }` with `source` one of
`kg.store_index.TERM_SOURCES` (`_index_source`): the resolution alone runs in Oxigraph, and the
first graphs after `after` that hold a resolved concept, each with the concepts it holds, are
range reads of the index's term table (`_by_index`); the naming check of step 2 still runs on
the store. Without it (dirty, missing, another pattern), the steps above. The resolution itself
is read from the index too when it is a term by its lookup key, or with its descendants
(`?c rdfs:subClassOf* ?t`: the index's closure table, `_resolve_by_closure`); the root of HPO,
12,171 classes, costs ~100 ms CPU to walk in SPARQL. And when the page binds the concepts
(`# page-concepts:`), a group of the rest that only repeats the candidate SELECT's resolution is
cut from what runs (`_redundant_resolution`): it could only keep values already bound
(docs/scale.md, "Session 6: root-term pages").

The text other engines run is the query's own, so rdflib and `kg query --endpoint` answer the
same rows page by page (tests/test_term_pages.py compares them on a built store).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kg.query import AFTER, ARTICLE_CLASS, pick_articles
from kg.rdf import VOCAB_GRAPH, article_iri, graph_iri
from kg.store_index import IndexReader

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# kg.rdf names an article's graph and its article node with the same escaped id after these
# prefixes, so one is the other with the prefix swapped (no unquoting) and graph IRI order is
# article IRI order.
_GRAPH_PREFIX = graph_iri("x")[:-1]
_ARTICLE_PREFIX = article_iri("x")[:-1]

_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_SUB_SELECT = re.compile(r"\{\s*SELECT\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_PAGE_END = re.compile(r"\s*ORDER\s+BY\s+\?article\s+LIMIT\s+(\d+)\s*\}$", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
# `# page-concepts: ?treated as ?phenotype`: the values of the candidate SELECT's ?treated in
# a page's graphs are every ?phenotype the rest of the query can match there (the query's
# author vouches for it), so what runs on the page may be restricted to them
# `... from N`: without the catalogue index, fetch the concepts per graph only when the term
# resolves to at least N concepts (the pick then reads a row per graph and concept instead of
# per graph, which costs more than it saves for narrow terms: docs/scale.md, "Session 5")
# `... pairs from M`: bind (graph, concept) pairs from M concepts held by the page (at most
# PAIRS_FROM): where the rest of the query reads few statements per graph, the pairs' one join
# with the page's statements pays off sooner (docs/scale.md, "Session 6: root-term pages")
_PAGE_CONCEPTS = re.compile(r"^#\s*page-concepts\s*:\s*\?(\w+)\s+as\s+\?(\w+)(?:\s+from\s+(\d+))?(?:\s+pairs\s+from\s+(\d+))?\s*$",
                            re.IGNORECASE | re.MULTILINE)


# From this many concepts held by a page's graphs, what runs on the page binds (graph, concept)
# pairs instead of the concepts alone. Measured on the real 10k build (evidence, first page, CPU
# ms): 11 concepts 40 (pairs 235), 45 concepts 105 (pairs 222), 571 concepts 1,456 (pairs 467):
# the concepts alone cost ~2.5 ms per concept (a seek per concept, role and page graph), the
# pairs ~200 ms plus ~0.2 ms per pair (docs/scale.md, "Session 5: broad terms").
PAIRS_FROM = 100


@dataclass(frozen=True)
class TermPage:
    """What to run for one page of a term query on the embedded store."""

    graphs: list[str]  # the page's article graphs, then the vocabulary graph
    next_after: str | None  # the `after` value of the next page; None on the last page
    text: str  # the query without its page sub-SELECT, for a dataset of `graphs` only


@dataclass(frozen=True)
class _Select:
    """A `{ SELECT projection WHERE { pattern } ... }` group of a query text."""

    start: int  # offset of its `{`
    end: int  # offset just past its closing `}`
    projection: str
    pattern_start: int  # offset of the WHERE group's content
    pattern: str  # the WHERE group, without its braces
    tail: str  # what follows the WHERE group inside the braces (ORDER BY, LIMIT, ...)

    @property
    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.projection))


def _blank_comments(text: str) -> str:
    """The text with comment lines blanked to spaces, so offsets into it are offsets into the
    original. Catalogue queries comment whole lines only; a '#' inside a line is usually an
    IRI's fragment (PREFIX ckg: <...vocab#>), so it stays."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append(" " * len(body) + line[len(body) :] if body.lstrip().startswith("#") else line)
    return "".join(out)


def _group_end(text: str, start: int) -> int:
    """The offset just past the `}` closing the group whose `{` is at `start`; braces inside
    string literals and IRIs do not count."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c == "<" and (m := _IRI.match(text, i)):
            i = m.end() - 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced braces")


def _sub_select(text: str, pos: int, end: int) -> _Select | None:
    """The first `{ SELECT ... WHERE { ... } ... }` group starting in text[pos:end]."""
    sub = _SUB_SELECT.search(text, pos, end)
    if sub is None:
        return None
    where = _WHERE.search(text, sub.end(), end)
    if where is None:
        return None
    try:
        close_where = _group_end(text, where.end() - 1)
        close = _group_end(text, sub.start())
    except ValueError:
        return None
    return _Select(sub.start(), close, text[sub.end() : where.start()].strip(), where.end(), text[where.end() : close_where - 1],
                   text[close_where:close])


@dataclass(frozen=True)
class PageSelect:
    """A paged query's page sub-SELECT and, for a term page, its candidate-graphs SELECT."""

    prologue: str  # the query's PREFIX/BASE declarations
    page: _Select
    size: int  # the page sub-SELECT's LIMIT
    candidates: _Select | None  # the inner SELECT of the graphs the parameter selects
    text: str  # the whole query

    def prefixes(self) -> dict[str, str]:
        """{prefix: IRI} of the prologue's PREFIX declarations ("" for the empty prefix)."""
        return {p or "": iri for p, iri in _PREFIX_DECL.findall(self.prologue)}

    def candidate_graphs_query(self, concept: str | None = None) -> str:
        """The candidate SELECT alone; with `concept`, projecting that variable of its pattern
        as well (one row per graph and concept)."""
        assert self.candidates is not None
        projection = self.candidates.projection + (f" ?{concept}" if concept else "")
        return f"{self.prologue}\nSELECT {projection} WHERE {{{self.candidates.pattern}}}"

    def page_concepts(self) -> tuple[str, str] | None:
        """(candidate variable, variable of the rest) of a `# page-concepts:` line whose
        candidate variable occurs in the candidate SELECT's pattern; else None."""
        m = _PAGE_CONCEPTS.search(self.text)
        if m is None or self.candidates is None or m.group(1) not in _VARIABLE.findall(self.candidates.pattern):
            return None
        return m.group(1), m.group(2)

    def page_concepts_from(self) -> int:
        """The N of a `# page-concepts: ... from N` line (0 without one)."""
        m = _PAGE_CONCEPTS.search(self.text)
        return int(m.group(3)) if m is not None and m.group(3) else 0

    def pairs_from(self) -> int:
        """From how many concepts held by a page it binds (graph, concept) pairs: the M of a
        `# page-concepts: ... pairs from M` line, never more than `PAIRS_FROM`."""
        m = _PAGE_CONCEPTS.search(self.text)
        return min(PAIRS_FROM, int(m.group(4))) if m is not None and m.group(4) else PAIRS_FROM

    def page_pattern_query(self) -> str:
        """The page sub-SELECT without ORDER BY and LIMIT: every (article, graph) of the page's
        pattern after `after`, for Python to sort."""
        return f"{self.prologue}\nSELECT {self.page.projection} WHERE {{{self.page.pattern}}}"

    def next_after_query(self) -> str:
        """The two articles at the end of the page, in the page's order: for an endpoint, whose
        own evaluation of the page sub-SELECT the client cannot see (`kg.remote`)."""
        return (f"{self.prologue}\nSELECT {self.page.projection} WHERE {{{self.page.pattern}}}\n"
                f"ORDER BY ?article OFFSET {self.size - 1} LIMIT 2")

    def without_page(self, instead: str = "", drop: tuple[int, int] | None = None) -> str:
        """The query with its page sub-SELECT cut out (for a dataset of the page's graphs), or
        replaced by `instead` (a VALUES block: it stays in the page sub-SELECT's group); `drop`:
        a span of the text after the page sub-SELECT to cut as well (`_redundant_resolution`)."""
        text = self.text
        if drop is not None:
            assert drop[0] >= self.page.end, drop
            text = text[: drop[0]] + text[drop[1] :]
        return text[: self.page.start] + instead + text[self.page.end :]


def page_selects(text: str) -> list[PageSelect]:
    """The page sub-SELECTs of a paged query's text, in text order: one per branch that pages
    (`adverse-events` has two: the listing's, and the drug's term page)."""
    blank = _blank_comments(text)
    top = _SELECT.search(blank)
    if top is None:
        return []
    prologue, found, pos = blank[: top.start()].strip(), [], top.end()
    while (page := _sub_select(blank, pos, len(blank))) is not None:
        end = _PAGE_END.match(page.tail)
        if {"article", "g"} <= page.variables and end is not None:
            inner = _sub_select(blank, page.pattern_start, page.pattern_start + len(page.pattern))
            if inner is not None and "g" not in inner.variables:
                inner = None
            found.append(PageSelect(prologue, page, int(end.group(1)), inner, text))
            pos = page.end
        else:  # another kind of sub-SELECT: a page may be inside it
            pos = page.pattern_start
    return found


def page_select(text: str) -> PageSelect | None:
    """The first page sub-SELECT of a paged query's text, or None when it has none of that shape."""
    found = page_selects(text)
    return found[0] if found else None


def is_term_page(select: PageSelect | None, substitutions: Mapping[ox.Variable, object]) -> bool:
    """Whether the page has a candidate-graphs SELECT that a non-empty parameter other than
    `after` drives: then it is picked among the graphs that parameter selects, not among all
    articles. An empty value (an optional parameter not given) selects no graph: its branch
    does not answer (`adverse-events` without a drug is the listing)."""
    if select is None or select.candidates is None:
        return False
    return any(v.value in select.candidates.variables and str(getattr(t, "value", t)) != ""
               for v, t in substitutions.items() if v.value != AFTER)


def term_page_select(text: str, substitutions: Mapping[ox.Variable, object]) -> PageSelect | None:
    """The page sub-SELECT that is a term page with these substitutions (`is_term_page`), or
    None when the page is among all articles."""
    return next((s for s in page_selects(text) if is_term_page(s, substitutions)), None)


def choose_term_page(
    store: ox.Store, text: str, substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal], after: str, size: int,
    index: IndexReader | None = None,
) -> TermPage | None:
    """One page of a paged term query on the embedded store: run `TermPage.text` with
    `substitutions` on a dataset of only `TermPage.graphs` (as default and named graphs). None
    when the query is not a term page (its page is among all articles: `kg.query.choose_page`).

    `size` is the query's `# page: N`; it must agree with the page sub-SELECT's LIMIT.
    `index`: the store's clean catalogue index (`kg.store_index.open_reader`), whose `term`
    table picks the page when the candidate SELECT's graph pattern is one of its sources."""
    select = term_page_select(text, substitutions)
    if select is None:
        return None
    assert select.candidates is not None
    if select.size != size:
        raise ValueError(f"the page sub-SELECT's LIMIT {select.size} and '# page: {size}' disagree")
    mapping = select.page_concepts()
    concepts: dict[str, set[str]] = {}  # graph -> the candidate concepts it holds
    chosen = None
    if index is not None:
        chosen = _by_index(store, index, select, substitutions, after, size, mapping and mapping[0], concepts)
    if chosen is None and mapping is not None and select.page_concepts_from():
        found = _index_source(select)
        resolved = _resolve(store, select, substitutions, found) if found is not None else None
        if resolved is not None and len(resolved) < select.page_concepts_from():
            mapping = None  # a narrow term: the page's graphs alone
    if chosen is None:
        chosen = _by_naming(store, select, substitutions, after, size, mapping and mapping[0], concepts)
    if chosen is None:
        chosen = _by_pattern(store, select, substitutions, after, size)
        mapping = None  # no concepts per graph from the page pattern
    pairs, next_after = chosen
    graphs = sorted({g for _, g in pairs})
    if mapping is None or not concepts:
        return TermPage([*graphs, VOCAB_GRAPH], next_after, select.without_page())
    # only the concepts the page's graphs hold: the rest of the query then seeks statements
    # for those, not for every resolved concept in every page graph (broad HPO terms:
    # thousands of classes; docs/scale.md, "Session 4: term queries")
    held = sorted({c for g in graphs for c in concepts.get(g, ())})
    # the rest's own resolution of the term, when it repeats the candidate SELECT's, can only
    # keep the concepts bound here (all of them resolved): cut, as Oxigraph would walk the whole
    # is_a tree below the term again (HP:0000118: ~125 ms of a 10k evidence page)
    drop = _redundant_resolution(select, mapping, substitutions)
    if len(held) < select.pairs_from():
        values = f"VALUES ?{mapping[1]} {{ {' '.join(held)} }}"
    else:
        # each graph with only its own concepts: past ~100 concepts the seeks of every concept
        # in every page graph cost more than Oxigraph's join with the page's statements
        rows = " ".join(f"({ox.NamedNode(g)} {c})" for g in graphs for c in sorted(concepts.get(g, ())))
        values = f"VALUES (?g ?{mapping[1]}) {{ {rows} }}"
    return TermPage([*graphs, VOCAB_GRAPH], next_after, select.without_page(values, drop))


# --------------------------------------------------------------------------- the index's way

_GRAPH_G = re.compile(r"\bGRAPH\s+\?g\s*\{", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
# the tokens a source's graph pattern is written with; anything else: not a source
_TOKEN = re.compile(r"\s*(?:(<[^<>\"{}|^`\\\s]*>)|[?$](\w+)|([A-Za-z][\w.-]*)?:([\w-]*)|(\ba\b)|([|/^*+?.;,()]))")
_RDF_TYPE_IRI = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _canonical(pattern: str, prefixes: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """A graph pattern with prefixed names written out and its variables renamed in order of
    first occurrence (?0, ?1, ...), and the original names in that order: two patterns that
    differ only in names and spacing have the same text. None for what this does not parse."""
    out: list[str] = []
    names: list[str] = []
    pos, end = 0, len(pattern.rstrip())
    while pos < end:
        m = _TOKEN.match(pattern, pos)
        if m is None or m.end() == pos:
            return None
        iri, var, prefix, local, a, punct = m.groups()
        if iri:
            out.append(iri)
        elif var:
            if var not in names:
                names.append(var)
            out.append(f"?{names.index(var)}")
        elif a:
            out.append(_RDF_TYPE_IRI)
        elif punct:
            out.append(punct)
        else:
            base = prefixes.get(prefix or "")
            if base is None:
                return None
            out.append(f"<{base}{local}>")
        pos = m.end()
    while out and out[-1] == ".":
        out.pop()
    return " ".join(out), names


def _index_source(select: PageSelect) -> tuple[int, str, str] | None:
    """(number of the `kg.store_index.TERM_SOURCES` pattern, the concept variable, the pattern
    that resolves it) when the candidate SELECT is `resolution GRAPH ?g { source }` with the
    source's concept the only variable the two share; else None (the index cannot tell)."""
    from kg.store_index import TERM_SOURCES

    assert select.candidates is not None
    pattern = select.candidates.pattern
    found = [m for m in _GRAPH_G.finditer(pattern)]
    if len(found) != 1:
        return None
    start = found[0].start()
    try:
        end = _group_end(pattern, found[0].end() - 1)
    except ValueError:
        return None
    body, rest = pattern[found[0].end() : end - 1], pattern[:start] + pattern[end:]
    prefixes = select.prefixes()
    mine = _canonical(body, prefixes)
    if mine is None:
        return None
    for number, source in enumerate(TERM_SOURCES):
        theirs = _canonical(source, {})
        if theirs is None or theirs[0] != mine[0]:
            continue
        concept = mine[1][theirs[1].index("c")]
        rest_vars = set(_VARIABLE.findall(rest))
        # the concept joins the two; the source's other variables are its own
        if "g" in rest_vars or concept not in rest_vars or (set(mine[1]) - {concept}) & (rest_vars | select.candidates.variables):
            return None
        return number, concept, rest
    return None


def _resolve(store: ox.Store, select: PageSelect, subs: Mapping, found: tuple[int, str, str]) -> set[str] | None:
    """The concepts (N-Triples terms) the candidate SELECT's resolution part gives with these
    substitutions; None when one is a blank node (it cannot be named in the index or VALUES)."""
    assert select.candidates is not None
    _, variable, rest = found
    names = sorted(select.candidates.variables - {"g"} | {variable})
    resolution = f"{select.prologue}\nSELECT DISTINCT {' '.join('?' + v for v in names)} WHERE {{{rest}}}"
    resolved = set()
    for row in store.query(resolution, use_default_graph_as_union=True,
                           substitutions={v: t for v, t in subs.items() if v.value in names} or None):
        term = row[variable]
        if term is None or isinstance(term, ox.BlankNode):
            return None
        resolved.add(str(term))
    return resolved


_LOOKUP_KEY = ox.NamedNode("https://w3id.org/casekg/vocab#lookupKey")
_GRAPH_GROUP = re.compile(r"\s*GRAPH\s+(<[^<>\"{}|^`\\\s]*>|[A-Za-z][\w.-]*:[\w-]*|:[\w-]*)\s*\{", re.IGNORECASE)
# the two resolutions the index answers (canonical form, `_canonical`): a term by its lookup
# key, and the term with its HPO descendants; ?0 is the term, ?1 the key
_BY_KEY = f"?0 <{_LOOKUP_KEY.value}> ?1"
_WITH_DESCENDANTS = f"{_BY_KEY} . ?2 <http://www.w3.org/2000/01/rdf-schema#subClassOf> * ?0"


def _graph_group(pattern: str, prefixes: Mapping[str, str]) -> tuple[str, str, int, int] | None:
    """(graph IRI, body, start, end) of a `GRAPH <iri> { body }` group at the start of
    `pattern` (blanks before it allowed; end: just past its `}`); None otherwise."""
    m = _GRAPH_GROUP.match(pattern)
    if m is None:
        return None
    try:
        end = _group_end(pattern, m.end() - 1)
    except ValueError:
        return None
    name = m.group(1)
    if name.startswith("<"):
        iri = name[1:-1]
    else:
        prefix, local = name.split(":", 1)
        if prefix not in prefixes:
            return None
        iri = prefixes[prefix] + local
    start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
    return iri, pattern[m.end() : end - 1], start, end


def _resolution(select: PageSelect, found: tuple[int, str, str]) -> tuple[str, list[str]] | None:
    """The candidate SELECT's resolution (the pattern beside its source group) when it is one
    `GRAPH <vocabulary> { ... }` group: its canonical body and variables (`_canonical`), else None."""
    prefixes = select.prefixes()
    group = _graph_group(found[2], prefixes)
    if group is None or group[0] != VOCAB_GRAPH or found[2][group[3]:].strip():
        return None
    return _canonical(group[1], prefixes)


def _resolve_by_closure(store: ox.Store, index: IndexReader, select: PageSelect, subs: Mapping,
                        found: tuple[int, str, str]) -> dict[int, str] | None:
    """The numbered concepts (kg.store_index) the candidate SELECT's resolution gives, read from
    the index when the resolution is a term by its lookup key (`?t ckg:lookupKey ?key`, the
    concept being ?t) or with its descendants (`... ?c rdfs:subClassOf* ?t`, by the closure
    table), the key bound by a substitution; else None (`_resolve` runs it in SPARQL). Concepts
    that occur in no graph are left out: the page cannot hold them."""
    assert select.candidates is not None
    _, variable, _ = found
    resolution = _resolution(select, found)
    if resolution is None:
        return None
    canonical, names = resolution
    if canonical == _WITH_DESCENDANTS and index.has_closure:
        term, key, concept = names
    elif canonical == _BY_KEY:
        (term, key), concept = names, names[0]
    else:
        return None
    value = {v.value: t for v, t in subs.items()}.get(key)
    # the key must be what the candidate SELECT binds (a projected substitution), the rest free
    if concept != variable or value is None or key not in select.candidates.variables or {term, concept} & set(
            v.value for v in subs if v.value in select.candidates.variables):
        return None
    terms = [q.subject for q in store.quads_for_pattern(None, _LOOKUP_KEY, value, ox.NamedNode(VOCAB_GRAPH))]
    if any(isinstance(t, ox.BlankNode) for t in terms):
        return None  # (cannot be named in the index or in VALUES: `_resolve` says so too)
    named = [str(t) for t in terms]
    return index.descendants(named) if concept != term else index.concept_ids(named)


def _redundant_resolution(select: PageSelect, mapping: tuple[str, str], subs: Mapping) -> tuple[int, int] | None:
    """The span, in the query text, of a group of the top-level WHERE that repeats the
    candidate SELECT's resolution for the variable the page binds (`# page-concepts: ?c as
    ?x`: `VALUES ?x` or `VALUES (?g ?x)`, every value resolved), or None. Such a group can only
    keep the bound values and bind its own variables, so cutting it changes no row when the
    query is SELECT DISTINCT, the group sits beside the page (same group: the values are joined
    with it), its key is the same substituted variable and its other variables occur nowhere
    else in the text."""
    assert select.candidates is not None
    found = _index_source(select)
    if found is None or found[1] != mapping[0]:
        return None
    resolution = _resolution(select, found)
    if resolution is None:
        return None
    canonical, names = resolution
    blank = _blank_comments(select.text)
    top = _SELECT.search(blank)
    where = _WHERE.search(blank, top.end()) if top is not None else None
    if top is None or where is None or not re.match(r"\s*DISTINCT\b", blank[top.end():], re.IGNORECASE):
        return None
    prefixes = select.prefixes()
    substituted = {v.value for v in subs}
    try:
        close = _group_end(blank, where.end() - 1)
    except ValueError:
        return None
    page_beside, span, private, i = False, None, set(), where.end()
    while i < close - 1:  # the top group's own members: nested groups are stepped over
        c = blank[i]
        group = _graph_group(blank[i:close - 1], prefixes) if c in "Gg" and not (blank[i - 1].isalnum() or blank[i - 1] in "?$:_") else None
        if group is not None:
            iri, body, start, end = group
            if span is None and iri == VOCAB_GRAPH and _same_resolution(body, prefixes, canonical, names, mapping, substituted,
                                                                           select.candidates.variables):
                span, private = (i + start, i + end), set(_VARIABLE.findall(body)) - {mapping[1]} - substituted
            i += end
        elif c == "{":
            page_beside |= i == select.page.start
            i = _group_end(blank, i)
        elif c in "\"'<":
            i = _skip_term(blank, i)
        else:
            i += 1
    if not page_beside or span is None or span[0] < select.page.end:
        return None
    outside = blank[: select.page.start] + blank[select.page.end : span[0]] + blank[span[1] :]
    return None if private & set(_VARIABLE.findall(outside)) else span


def _same_resolution(body: str, prefixes: Mapping[str, str], canonical: str, names: list[str], mapping: tuple[str, str],
                     substituted: set[str], projected: set[str]) -> bool:
    """Whether a group body is the candidate resolution (`canonical`, `names`) with its
    concept variable renamed mapping[0] -> mapping[1], the same substituted key variables
    (projected by the candidate SELECT, so bound there too) and free variables of its own."""
    mine = _canonical(body, prefixes)
    if mine is None or mine[0] != canonical or len(mine[1]) != len(names):
        return False
    for theirs, ours in zip(names, mine[1]):
        if theirs == mapping[0]:
            if ours != mapping[1]:
                return False
        elif theirs in substituted:
            if ours != theirs or theirs not in projected:
                return False
        elif ours in substituted or ours == mapping[1]:
            return False
    return True


def _skip_term(text: str, i: int) -> int:
    """The offset just past the string literal or IRI starting at `i` (or i + 1)."""
    c = text[i]
    if c == "<":
        m = _IRI.match(text, i)
        return m.end() if m else i + 1
    j = i + 1
    while j < len(text) and text[j] != c:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _graph_bound(after: str) -> str | None:
    """The graph IRI bound equivalent to `article > after` for kg-named graphs: a graph
    `_GRAPH_PREFIX + id` names an article after `after` exactly when the graph sorts after the
    bound. None when no kg-named article sorts after `after`."""
    if after.startswith(_ARTICLE_PREFIX):
        return _GRAPH_PREFIX + after[len(_ARTICLE_PREFIX) :]
    # otherwise `after` sorts before every id under the prefix, or after all of them
    return "" if after < _ARTICLE_PREFIX else None


def _by_index(store: ox.Store, index: IndexReader, select: PageSelect, subs: Mapping, after: str, size: int,  # noqa: ANN202
              concept: str | None = None, concepts: dict[str, set[str]] | None = None):
    """The page from the catalogue index's `term` table: the candidate SELECT's resolution is
    read from the index's closure (`_resolve_by_closure`) or else runs in Oxigraph (the
    vocabulary graph), the graphs that hold a resolved concept come from SQLite, then kg's naming and the page check as in `_by_naming`. None when the candidate
    SELECT is not an indexed source or a graph of that source is not kg-named. With
    `concept` (the source's concept variable), `concepts` gets each page graph's concepts."""
    assert select.candidates is not None
    found = _index_source(select)
    if found is None:
        return None
    number, variable, rest = found
    bounds = index.term_graph_range(number)
    if bounds is not None and not all(b.startswith(_GRAPH_PREFIX) for b in bounds):
        return None  # (every graph between two kg-named ones is kg-named: they share the prefix)
    resolved = _resolve_by_closure(store, index, select, subs, found)
    if resolved is None:
        resolved = _resolve(store, select, subs, found)
    if resolved is None:
        return None
    bound = _graph_bound(after)
    held = index.term_graphs(number, resolved, bound, size + 1) if bound is not None and resolved else []
    cut = len(_GRAPH_PREFIX)
    named = {(_ARTICLE_PREFIX + g[cut:], g) for g, _ in held}
    pairs, next_after, looked_at = pick_articles(named, after, size)
    if not _named_right(store, named, looked_at):
        return None
    if concept == variable and concepts is not None:
        concepts.update((g, set(c)) for g, c in held)
    return pairs, next_after


def _projected(subs: Mapping[ox.Variable, ox.NamedNode | ox.Literal], sel: _Select) -> dict:
    # Oxigraph refuses a substitution of a variable the SELECT does not project
    return {v: t for v, t in subs.items() if v.value in sel.variables}


def _by_naming(store: ox.Store, select: PageSelect, subs: Mapping, after: str, size: int,  # noqa: ANN202
               concept: str | None = None, concepts: dict[str, set[str]] | None = None):
    """The page from the candidate graphs and kg's graph/article naming, checked on the page's
    graphs; None when a graph is not named that way or holds another article. With `concept`,
    `concepts` gets each graph's values of that candidate variable (in SPARQL syntax)."""
    assert select.candidates is not None
    rows = store.query(select.candidate_graphs_query(concept), use_default_graph_as_union=True,
                       substitutions=_projected(subs, select.candidates) or None)
    names = [v.value for v in rows.variables]
    ig = names.index("g")
    if concept is not None and concepts is not None:
        ic = names.index(concept)
        for r in rows:
            concepts.setdefault(r[ig].value, set()).add(str(r[ic]))
        graphs = set(concepts)
    else:
        graphs = {r[ig].value for r in rows}
    if not all(g.startswith(_GRAPH_PREFIX) for g in graphs):
        return None
    cut = len(_GRAPH_PREFIX)
    named = {(_ARTICLE_PREFIX + g[cut:], g) for g in graphs}
    pairs, next_after, looked_at = pick_articles(named, after, size)
    # the graphs looked at (the page and the one after it, which decides whether a next page
    # exists) must hold exactly the articles their names say: one index lookup per graph (a
    # VALUES join with the same pattern was hash-joined with every article)
    return (pairs, next_after) if _named_right(store, named, looked_at) else None


def _named_right(store: ox.Store, named: set[tuple[str, str]], looked_at: list[str]) -> bool:
    """Whether the graphs of the articles looked at hold exactly the articles their names say."""
    looked = set(looked_at)
    expected = {p for p in named if p[0] in looked}
    article_class = ox.NamedNode(ARTICLE_CLASS)
    held = {(q.subject.value, q.graph_name.value) for _, g in expected
            for q in store.quads_for_pattern(None, _RDF_TYPE, article_class, ox.NamedNode(g))}
    return held == expected


def _by_pattern(store: ox.Store, select: PageSelect, subs: Mapping, after: str, size: int):  # noqa: ANN202
    """The page from the page sub-SELECT's own pattern (exact for any naming; slower: Oxigraph
    joins the candidates with every article of the store)."""
    rows = store.query(select.page_pattern_query(), use_default_graph_as_union=True,
                       substitutions=_projected(subs, select.page) or None)
    names = [v.value for v in rows.variables]
    ia, ig = names.index("article"), names.index("g")
    pairs, next_after, _ = pick_articles({(r[ia].value, r[ig].value) for r in rows}, after, size)
    return pairs, next_after
