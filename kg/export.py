"""`kg export`: a networkx projection of the RDF graph, and writers for the tools people use.

Each view is defined twice, on purpose in one place each:

1. `view_quads(store, view)`: one SPARQL SELECT over the article graphs that picks the RDF
   the view is made of (statements, their evidence, concepts, patients, articles), as quads
   with their article graph. The RDF formats (Turtle, N-Quads, JSON-LD) write exactly these,
   so a view exported as RDF is lossless and can be re-projected.
2. `project(quads, view)`: Python that turns those quads into a `networkx.MultiDiGraph`
   (aggregation, outcome counts and labels are easier and clearer here than in SPARQL).

`to_networkx(store, view)` is both steps; scripts use it. Nodes are keyed by IRI; edges by
their predicate (compact form, e.g. `ckg:receivedDrug`), so a patient can have a phenotype
edge and an adverse-event edge to the same manifestation. List-valued attributes are Python
lists in the graph; the flat formats (GraphML, GEXF, CSV, DOT) write them as JSON text
because those formats have no nested data and sentences may contain any separator.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import unquote

import networkx as nx
import pyoxigraph as ox

from kg import __version__
from kg.rdf import BASE, BIBO, BIOLINK, CKG, DCT, DRUG_KINDS, FABIO, OA, PREFIXES, PROV, RDF, RDFS, SKOS, PRISM

VIEWS = ("patients", "summary", "evidence")
FORMATS = ("graphml", "gexf", "cyjs", "jsonld", "turtle", "nquads", "csv", "dot", "html")
RDF_FORMATS = ("jsonld", "turtle", "nquads")
EXTENSIONS = {
    "graphml": ".graphml",
    "gexf": ".gexf",
    "cyjs": ".cyjs",
    "jsonld": ".jsonld",
    "turtle": ".ttl",
    "nquads": ".nq",
    "csv": ".csv",
    "dot": ".dot",
    "html": ".html",
}

# Node type -> colour (colour-blind-safe Tableau 10), shared by GEXF, DOT, cyjs and HTML.
TYPE_COLORS = {
    "Patient": "#4C78A8",
    "Drug": "#F58518",
    "Manifestation": "#54A24B",
    "Autoantibody": "#B279A2",
    "Disease": "#E45756",
    "Article": "#9D9D9D",
    "Statement": "#EECA3B",
    "Sentence": "#72B7B2",
    "Concept": "#BAB0AC",
    "Resource": "#BAB0AC",
}

OUTCOMES = ("resolved", "improved", "remission_maintained", "unchanged", "worsened", "relapsed", "unspecified")

_CLASS_TYPES = {
    CKG + "Patient": "Patient",
    CKG + "Drug": "Drug",
    CKG + "Manifestation": "Manifestation",
    CKG + "Autoantibody": "Autoantibody",
    CKG + "Disease": "Disease",
    CKG + "Concept": "Concept",
    CKG + "Article": "Article",
    CKG + "Statement": "Statement",
    CKG + "Sentence": "Sentence",
}
_CONCEPT_TYPES = ("Drug", "Manifestation", "Autoantibody", "Disease", "Concept")

# Human labels for the edge predicates the views produce.
_PREDICATE_LABELS = {
    CKG + "describes": "describes",
    CKG + "receivedDrug": "received",
    BIOLINK + "has_phenotype": "has phenotype",
    CKG + "hasAutoantibody": "has autoantibody",
    CKG + "hasDisease": "has disease",
    BIOLINK + "has_adverse_event": "had adverse event",
    BIOLINK + "applied_to_treat": "applied to treat",
    CKG + "drug": "drug",
    CKG + "concept": "concept",
    CKG + "patient": "patient",
    PROV + "wasDerivedFrom": "evidence sentence",
    OA + "hasSource": "in article",
}


# ---------------------------------------------------------------------------------------- RDF


_ART_P = (RDF + "type", DCT + "title", DCT + "identifier", BIBO + "pmid", BIBO + "doi", FABIO + "hasPublicationYear",
          PRISM + "publicationName", CKG + "describes")
_PAT_P = (RDFS + "label", CKG + "patientId", CKG + "ageInYears", CKG + "sex")
_STMT_P = (CKG + "kind", CKG + "patient", CKG + "inArticle", CKG + "drug", CKG + "concept", CKG + "outcome",
           CKG + "outcomeText", CKG + "polarity", CKG + "assertionStatus", CKG + "contextCue", CKG + "reason",
           PROV + "wasDerivedFrom")
_EV_P = (BIOLINK + "supporting_text", OA + "hasTarget")
_SENT_P = (CKG + "sentenceIndex", OA + "hasSource")
_CONCEPT_P = (SKOS + "notation",)

_VIEW_SELECTORS = {
    # Direct patient edges exist only for present findings, so the view reads present statements.
    "patients": "?st a ckg:Statement ; ckg:assertionStatus ckg:Present .",
    "summary": "?st ckg:assertionStatus ckg:Present ; ckg:kind ?kind . FILTER(?kind IN (\"outcome\", \"adverse_event\"))",
    # Evidence is where negated and hypothetical statements belong: keep every status.
    "evidence": "?st a ckg:Statement .",
}


def _view_sparql(view: str) -> str:
    sel = _VIEW_SELECTORS[view]
    branches = [
        f"{{ {sel} BIND(?st AS ?s) }}",
        f"{{ {sel} ?st prov:wasDerivedFrom ?s }}",
        f"{{ {sel} {{ ?st ckg:drug ?s }} UNION {{ ?st ckg:concept ?s }} }}",
        f"{{ {sel} ?st ckg:patient ?s }}",
        f"{{ {sel} ?st ckg:inArticle ?s }}",
    ]
    if view == "patients":
        branches.append("{ ?s a ckg:Patient }")  # patients without present findings still belong to their article
        branches.append("{ ?s a ckg:Article }")
    if view == "evidence":
        branches.append(f"{{ {sel} ?st prov:wasDerivedFrom/oa:hasTarget ?s }}")
    preds = sorted(set(_ART_P + _PAT_P + _STMT_P + _EV_P + _CONCEPT_P + (RDFS + "label",)
                       + (_SENT_P if view == "evidence" else ())))
    plist = ", ".join(f"<{p}>" for p in preds)
    # One SELECT inside GRAPH ?g rather than CONSTRUCT: the quads keep their article graph, so
    # N-Quads and JSON-LD exports keep the one-graph-per-article structure.
    return (
        "SELECT DISTINCT ?s ?p ?o ?g WHERE { GRAPH ?g {\n  "
        + "\n  UNION ".join(branches)
        + f"\n  ?s ?p ?o . FILTER(?p IN ({plist}))\n}} }}"
    )


def _oxigraph(store: Any) -> tuple[ox.Store, Any]:
    """(pyoxigraph store, closer) for a kg Store, a pyoxigraph Store or a path."""
    from kg.store import Store

    if isinstance(store, ox.Store):
        return store, None
    if isinstance(store, Store):
        return store.oxigraph, None
    st = Store(store, read_only=True)
    return st.oxigraph, st


def view_quads(store: Any, view: str = "patients", query: str | None = None) -> list[ox.Quad]:
    """The RDF a view is projected from, as quads in their article graphs.

    `store`: a `kg.store.Store`, a `pyoxigraph.Store` or a path to an on-disk store.
    `query`: CONSTRUCT (or DESCRIBE) text, a `.rq` path or a catalogue name; its triples
    (run over the union of all graphs) replace the view, in the default graph."""
    oxs, closer = _oxigraph(store)
    try:
        if query is not None:
            return _construct(oxs, query)
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        res = oxs.query(_view_sparql(view), prefixes=dict(PREFIXES))
        quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in res]
        quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
        return quads
    finally:
        if closer is not None:
            closer.close()


def _construct(oxs: ox.Store, query: str) -> list[ox.Quad]:
    from kg.errors import QueryError
    from kg.query import resolve

    qdef = resolve(query)
    try:
        res = oxs.query(qdef.text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
    except SyntaxError as exc:
        raise QueryError(f"{qdef.name}: SPARQL syntax error: {exc}") from None
    if not isinstance(res, ox.QueryTriples):
        raise QueryError(f"{qdef.name}: --query needs a CONSTRUCT or DESCRIBE query (it returns a graph)")
    triples = {(t.subject, t.predicate, t.object) for t in res}
    quads = [ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples]
    quads.sort(key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    return quads


# ---------------------------------------------------------------------------------------- projection


class _Index:
    """Triples by subject and predicate, graphs ignored (concepts repeat in every article graph)."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self.po: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        seen = set()
        for q in quads:
            key = (q.subject, q.predicate, q.object)
            if key in seen:
                continue
            seen.add(key)
            self.po[q.subject][q.predicate.value].append(q.object)
        for preds in self.po.values():
            for objs in preds.values():
                objs.sort(key=str)  # deterministic choice of "first" value

    def one(self, s: Any, p: str) -> Any | None:
        objs = self.po.get(s, {}).get(p)
        return objs[0] if objs else None

    def val(self, s: Any, p: str) -> str | None:
        o = self.one(s, p)
        return None if o is None else o.value

    def all(self, s: Any, p: str) -> list[Any]:
        return list(self.po.get(s, {}).get(p, ()))

    def subjects_of_type(self, cls: str) -> list[Any]:
        t = ox.NamedNode(cls)
        return sorted((s for s, preds in self.po.items() if t in preds.get(RDF + "type", ())), key=str)


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _outcome_name(iri: str) -> str:
    # ckg:RemissionMaintained -> remission_maintained (the kg.model spelling)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", _local(iri)).lower()


def compact_iri(iri: str) -> str:
    from kg.store import compact

    return compact(iri)


def _article_id(iri: str) -> str:
    m = re.match(re.escape(BASE) + r"article/([^/]+)", iri)
    return unquote(m.group(1)) if m else ""


# For CONSTRUCT results without rdf:type: the type the IRI scheme of kg.rdf implies.
_IRI_TYPES = (
    (re.compile(re.escape(BASE) + r"article/[^/]+/patient/[^/]+$"), "Patient"),
    (re.compile(re.escape(BASE) + r"article/[^/]+/statement/[^/]+$"), "Statement"),
    (re.compile(re.escape(BASE) + r"article/[^/]+/sentence/[^/]+$"), "Sentence"),
    (re.compile(re.escape(BASE) + r"article/[^/]+$"), "Article"),
    (re.compile(re.escape(BASE) + r"antibody/"), "Autoantibody"),
    (re.compile(re.escape(BASE) + r"concept/drug/"), "Drug"),
    (re.compile(re.escape(BASE) + r"concept/manifestation/"), "Manifestation"),
    (re.compile(re.escape(BASE) + r"concept/disease/"), "Disease"),
    (re.compile(re.escape(BASE) + r"concept/antibody/"), "Autoantibody"),
    (re.compile(r"https://go\.drugbank\.com/drugs/"), "Drug"),
    (re.compile(r"http://purl\.obolibrary\.org/obo/HP_"), "Manifestation"),
    (re.compile(r"http://www\.orpha\.net/ORDO/|https://omim\.org/entry/"), "Disease"),
)


def _node_type(idx: _Index, s: Any) -> str:
    types = {_CLASS_TYPES.get(t.value) for t in idx.all(s, RDF + "type")} - {None}
    for t in ("Patient", "Article", "Statement", "Sentence", "Drug", "Autoantibody", "Disease", "Manifestation", "Concept"):
        if t in types:
            return t
    if isinstance(s, ox.NamedNode):
        for pattern, t in _IRI_TYPES:
            if pattern.match(s.value):
                return t
    return "Resource"


@dataclass
class _Stmt:
    iri: str
    kind: str
    status: str
    article: str
    patient: str | None
    drug: str | None
    concept: str | None
    outcome: str | None
    polarity: str | None
    cue: str | None
    reason: str | None
    sentence: str | None
    sentence_iri: str | None
    graph_kind_class: str = ""


def _statements(idx: _Index) -> list[_Stmt]:
    out = []
    for s in idx.subjects_of_type(CKG + "Statement"):
        kind = idx.val(s, CKG + "kind") or ""
        ev = idx.one(s, PROV + "wasDerivedFrom")
        outcome = idx.val(s, CKG + "outcome")
        out.append(_Stmt(
            iri=s.value,
            kind=kind,
            status=_local(idx.val(s, CKG + "assertionStatus") or CKG + "Present").lower(),
            article=idx.val(s, CKG + "inArticle") or "",
            patient=idx.val(s, CKG + "patient"),
            drug=idx.val(s, CKG + "drug"),
            concept=idx.val(s, CKG + "concept"),
            outcome=_outcome_name(outcome) if outcome else ("unspecified" if kind == "outcome" else None),
            polarity=idx.val(s, CKG + "polarity"),
            cue=idx.val(s, CKG + "contextCue"),
            reason=idx.val(s, CKG + "reason"),
            sentence=idx.val(ev, BIOLINK + "supporting_text") if ev is not None else None,
            sentence_iri=idx.val(ev, OA + "hasTarget") if ev is not None else None,
        ))
    return out


def _node_attrs(idx: _Index, iri: str) -> dict[str, Any]:
    s = ox.NamedNode(iri)
    ntype = _node_type(idx, s)
    attrs: dict[str, Any] = {"label": "", "type": ntype, "ontology_id": "", "iri": iri, "color": TYPE_COLORS.get(ntype, "#BAB0AC")}
    if ntype == "Article":
        aid = idx.val(s, DCT + "identifier") or _article_id(iri)
        attrs.update(label=aid, article=aid, title=idx.val(s, DCT + "title") or "")
        pmid = idx.val(s, BIBO + "pmid")
        attrs["ontology_id"] = f"PMID:{pmid}" if pmid else ""
        year = idx.val(s, FABIO + "hasPublicationYear")
        if year and year.isdigit():
            attrs["year"] = int(year)
        attrs["journal"] = idx.val(s, PRISM + "publicationName") or ""
        attrs["doi"] = idx.val(s, BIBO + "doi") or ""
    elif ntype == "Patient":
        aid = _article_id(iri)
        label = idx.val(s, RDFS + "label") or _local(iri)
        # "Patient 1" is ambiguous across articles: say which report.
        attrs.update(label=f"{label} ({aid})" if aid else label, article=aid)
        age = idx.val(s, CKG + "ageInYears")
        if age is not None:
            try:
                attrs["age"] = float(age)
            except ValueError:
                pass
        sex = idx.val(s, CKG + "sex")
        if sex:
            attrs["sex"] = sex
    else:
        attrs["label"] = idx.val(s, RDFS + "label") or unquote(_local(iri)).replace("-", " ")
        attrs["ontology_id"] = idx.val(s, SKOS + "notation") or ""
    return attrs


class _EdgeAcc:
    def __init__(self) -> None:
        self.statements: set[str] = set()
        self.sentences: dict[str, None] = {}
        self.outcomes: Counter[str] = Counter()
        self.outcome_patients: dict[str, set[str]] = defaultdict(set)
        self.patients: set[str] = set()
        self.articles: set[str] = set()
        self.drugs: set[str] = set()
        self.statuses: set[str] = set()

    def add(self, st: _Stmt, drug_label: str | None = None) -> None:
        self.statements.add(st.iri)
        if st.sentence:
            self.sentences[st.sentence] = None
        who = st.patient or f"{st.article}#unknown-patient"
        if st.outcome:
            self.outcomes[st.outcome] += 1
            self.outcome_patients[st.outcome].add(who)
        self.patients.add(who)
        self.articles.add(st.article)
        self.statuses.add(st.status)
        if drug_label:
            self.drugs.add(drug_label)


def _patient_key(st: _Stmt) -> str:
    return st.patient or f"{st.article}#unknown-patient"


def project(quads: Iterable[ox.Quad], view: str = "patients") -> nx.MultiDiGraph:
    """Project view quads (from `view_quads`, or re-read from an RDF export) to networkx.

    `view` is one of VIEWS, or `"query"` for the generic projection of any RDF graph."""
    quads = list(quads)
    idx = _Index(quads)
    g = nx.MultiDiGraph(view=view, generator=f"casekg {__version__}")
    if view == "query":
        _project_generic(g, idx)
        return g
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    stmts = _statements(idx)
    g.graph["statements"] = {st.iri: _stmt_record(st, idx) for st in stmts}
    {"patients": _project_patients, "summary": _project_summary, "evidence": _project_evidence}[view](g, idx, stmts)
    _node_counts(g, stmts)
    return g


def _stmt_record(st: _Stmt, idx: _Index) -> dict[str, Any]:
    def label(iri: str | None) -> str:
        return (idx.val(ox.NamedNode(iri), RDFS + "label") or "") if iri else ""

    rec = {"kind": st.kind, "status": st.status, "article": _article_id(st.article), "patient": st.patient or "",
           "patient_label": label(st.patient), "drug": st.drug or "", "drug_label": label(st.drug),
           "concept": st.concept or "", "concept_label": label(st.concept), "outcome": st.outcome or "",
           "cue": st.cue or "", "polarity": st.polarity or "", "reason": st.reason or "", "sentence": st.sentence or ""}
    return rec


def _add_node(g: nx.MultiDiGraph, idx: _Index, iri: str | None) -> bool:
    if not iri:
        return False
    if iri not in g:
        g.add_node(iri, **_node_attrs(idx, iri))
    return True


def _finish_edges(g: nx.MultiDiGraph, edges: Mapping[tuple[str, str, str], _EdgeAcc], summary: bool = False) -> None:
    for (u, v, pred), acc in sorted(edges.items()):
        attrs: dict[str, Any] = {
            "predicate": compact_iri(pred),
            "predicate_iri": pred,
            "label": _PREDICATE_LABELS.get(pred, _local(pred)),
            "outcome": ",".join(o for o in OUTCOMES if o in acc.outcomes),
            "statements": len(acc.statements),
            "patients": len(acc.patients),
            "articles": len(acc.articles),
            "evidence": sorted(acc.statements),
            "sentences": list(acc.sentences),
        }
        if acc.drugs:
            attrs["drugs"] = ",".join(sorted(acc.drugs))
        if summary:
            attrs["weight"] = len(acc.patients)
            if pred == BIOLINK + "applied_to_treat":
                counts = {o: len(acc.outcome_patients.get(o, ())) for o in OUTCOMES}
                for o in OUTCOMES:
                    attrs[f"patients_{o}"] = counts[o]
                # The outcome most patients had (ties: the better outcome, in OUTCOMES order).
                attrs["outcome"] = max(OUTCOMES, key=lambda o: (counts[o], -OUTCOMES.index(o))) if acc.patients else ""
                attrs["outcomes"] = ",".join(o for o in OUTCOMES if counts[o])
        g.add_edge(u, v, key=attrs["predicate"], **attrs)


def _project_patients(g: nx.MultiDiGraph, idx: _Index, stmts: list[_Stmt]) -> None:
    for a in idx.subjects_of_type(CKG + "Article"):
        _add_node(g, idx, a.value)
    for p in idx.subjects_of_type(CKG + "Patient"):
        _add_node(g, idx, p.value)
    edges: dict[tuple[str, str, str], _EdgeAcc] = defaultdict(_EdgeAcc)
    for a in idx.subjects_of_type(CKG + "Article"):
        for p in idx.all(a, CKG + "describes"):
            if p.value in g:
                edges[(a.value, p.value, CKG + "describes")]  # noqa: B018 - creates the edge
    for st in stmts:
        if st.status != "present" or not st.patient or st.patient not in g:
            continue
        drug_label = idx.val(ox.NamedNode(st.drug), RDFS + "label") if st.drug else None
        targets: list[tuple[str | None, str, str | None]] = []
        if st.kind in DRUG_KINDS:  # the statement's subject is a drug the patient received
            targets.append((st.drug, CKG + "receivedDrug", None))
        if st.kind == "phenotype":
            targets.append((st.concept, BIOLINK + "has_phenotype", None))
        elif st.kind == "outcome":
            # treating a manifestation says the patient had it; the edge carries the outcome and the drug
            targets.append((st.concept, BIOLINK + "has_phenotype", drug_label))
        elif st.kind == "adverse_event":
            targets.append((st.concept, BIOLINK + "has_adverse_event", drug_label))
        elif st.kind == "antibody" and (st.polarity or "").lower() != "negative":
            targets.append((st.concept, CKG + "hasAutoantibody", None))
        elif st.kind == "disease":
            targets.append((st.concept, CKG + "hasDisease", None))
        for target, pred, drug in targets:
            if _add_node(g, idx, target):
                edges[(st.patient, target, pred)].add(st, drug)
    _finish_edges(g, edges)


def _project_summary(g: nx.MultiDiGraph, idx: _Index, stmts: list[_Stmt]) -> None:
    edges: dict[tuple[str, str, str], _EdgeAcc] = defaultdict(_EdgeAcc)
    for st in stmts:
        if st.status != "present" or not st.drug or not st.concept:
            continue
        pred = BIOLINK + ("applied_to_treat" if st.kind == "outcome" else "has_adverse_event")
        _add_node(g, idx, st.drug)
        _add_node(g, idx, st.concept)
        edges[(st.drug, st.concept, pred)].add(st)
    _finish_edges(g, edges, summary=True)


def _statement_label(st: _Stmt, rec: Mapping[str, Any]) -> str:
    parts = [rec["drug_label"], rec["concept_label"]]
    body = " → ".join(p for p in parts if p) or st.kind
    extra = [x for x in (st.outcome if st.kind == "outcome" else None, st.polarity, st.status if st.status != "present" else None) if x]
    return f"{st.kind.replace('_', ' ')}: {body}" + (f" ({', '.join(extra)})" if extra else "")


def _project_evidence(g: nx.MultiDiGraph, idx: _Index, stmts: list[_Stmt]) -> None:
    edges: dict[tuple[str, str, str], _EdgeAcc] = defaultdict(_EdgeAcc)
    records = g.graph["statements"]
    for st in stmts:
        rec = records[st.iri]
        g.add_node(st.iri, label=_statement_label(st, rec), type="Statement", ontology_id="", iri=st.iri,
                   color=TYPE_COLORS["Statement"], kind=st.kind, status=st.status, outcome=st.outcome or "",
                   cue=st.cue or "", sentence=st.sentence or "", article=_article_id(st.article))
        for target, pred in ((st.drug, CKG + "drug"), (st.concept, CKG + "concept"), (st.patient, CKG + "patient")):
            if _add_node(g, idx, target):
                edges[(st.iri, target, pred)].add(st)
        if st.sentence_iri:
            s_node = ox.NamedNode(st.sentence_iri)
            if st.sentence_iri not in g:
                text = st.sentence or ""
                index = idx.val(s_node, CKG + "sentenceIndex")
                g.add_node(st.sentence_iri, label=(text[:77] + "…") if len(text) > 80 else text, type="Sentence",
                           ontology_id="", iri=st.sentence_iri, color=TYPE_COLORS["Sentence"], text=text,
                           article=_article_id(st.sentence_iri), sentence_index=int(index) if index and index.lstrip("-").isdigit() else -1)
            edges[(st.iri, st.sentence_iri, PROV + "wasDerivedFrom")].add(st)
            src = idx.val(s_node, OA + "hasSource")
            if _add_node(g, idx, src):
                edges[(st.sentence_iri, src, OA + "hasSource")].add(st)
    _finish_edges(g, edges)


def _node_counts(g: nx.MultiDiGraph, stmts: list[_Stmt]) -> None:
    """Per node: statements, distinct patients and articles of the view's statements it takes part in."""
    st_n: dict[str, set[str]] = defaultdict(set)
    pat_n: dict[str, set[str]] = defaultdict(set)
    art_n: dict[str, set[str]] = defaultdict(set)
    for u, v, data in g.edges(data=True):
        for node in (u, v):
            for s in data["evidence"]:
                st_n[node].add(s)
    by_iri = {st.iri: st for st in stmts}
    used = set().union(*st_n.values()) if st_n else set()
    for s in used:
        # articles and patients count the statements about them, even via describes-only edges
        for node in (by_iri[s].article, by_iri[s].patient):
            if node and node in g:
                st_n[node].add(s)
    for node, ss in st_n.items():
        for s in ss:
            st = by_iri[s]
            pat_n[node].add(_patient_key(st))
            art_n[node].add(st.article)
    for node, data in g.nodes(data=True):
        data["statements"] = len(st_n.get(node, ()))
        data["patients"] = len(pat_n.get(node, ()))
        data["articles"] = len(art_n.get(node, ()))


def _project_generic(g: nx.MultiDiGraph, idx: _Index) -> None:
    """Any RDF graph: IRI/blank-node objects become edges, literals node attributes."""

    def node_id(t: Any) -> str:
        return t.value if isinstance(t, ox.NamedNode) else f"_:{t.value}"

    def ensure(t: Any) -> str:
        nid = node_id(t)
        if nid not in g:
            ntype = _node_type(idx, t)
            g.add_node(nid, label="", type=ntype, ontology_id="", iri=t.value if isinstance(t, ox.NamedNode) else "",
                       color=TYPE_COLORS.get(ntype, "#BAB0AC"))
        return nid

    counts: Counter[tuple[str, str, str]] = Counter()
    for s, preds in sorted(idx.po.items(), key=lambda kv: str(kv[0])):
        if isinstance(s, ox.Triple):
            continue
        sid = ensure(s)
        data = g.nodes[sid]
        for p, objs in sorted(preds.items()):
            for o in objs:
                if isinstance(o, ox.Literal):
                    key = {RDFS + "label": "label", DCT + "title": "label", SKOS + "notation": "ontology_id"}.get(p) or _attr_name(p)
                    if key in ("label", "ontology_id"):
                        data[key] = data[key] or o.value
                    else:
                        data[key] = o.value if key not in data else f"{data[key]}\n{o.value}"
                elif p == RDF + "type":
                    data.setdefault("rdf_types", []).append(compact_iri(o.value))
                elif isinstance(o, (ox.NamedNode, ox.BlankNode)):
                    oid = ensure(o)
                    pc = compact_iri(p)
                    counts[(sid, oid, pc)] += 1
                    g.add_edge(sid, oid, key=pc, predicate=pc, predicate_iri=p, label=_PREDICATE_LABELS.get(p, _local(p)),
                               outcome="", statements=0, patients=0, articles=0, evidence=[], sentences=[])
    for nid, data in g.nodes(data=True):
        if not data["label"]:
            data["label"] = unquote(_local(nid)) or nid
        data.setdefault("statements", 0)
        data.setdefault("patients", 0)
        data.setdefault("articles", 0)


def _attr_name(pred: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", compact_iri(pred).replace(":", "_"))


def to_networkx(store: Any, view: str = "patients", query: str | None = None) -> nx.MultiDiGraph:
    """The graph of a view (`patients`, `summary`, `evidence`) or of a CONSTRUCT query.

    `store`: a `kg.store.Store`, a `pyoxigraph.Store` or a path to an on-disk store.
    Nodes are IRIs with `label`, `type`, `ontology_id`, `iri`, `color` and counts
    (`statements`, `patients`, `articles`); edges are keyed by compact predicate and carry
    `predicate`, `label`, `outcome`, counts and `evidence` (statement IRIs) / `sentences`.
    `graph.graph["statements"]` maps each statement IRI to its kind, status, labels, outcome
    and sentence (views only).

        >>> g = to_networkx(".kg/store", view="summary")
        >>> sorted(g.edges(data="weight"), key=lambda e: -e[2])[:5]
    """
    quads = view_quads(store, view, query)
    return project(quads, "query" if query is not None else view)


# ---------------------------------------------------------------------------------------- writers


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, dict)):
        return json.dumps(list(value) if isinstance(value, (set, tuple)) else value, ensure_ascii=False)
    return value


def flat_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with only scalar attributes (lists as JSON text), for GraphML/GEXF/CSV/DOT."""
    out = nx.MultiDiGraph(**{k: v for k, v in g.graph.items() if isinstance(v, (str, int, float, bool))})
    for n, d in g.nodes(data=True):
        out.add_node(n, **{k: _flat(v) for k, v in d.items() if v is not None})
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **{kk: _flat(vv) for kk, vv in d.items() if vv is not None})
    return out


def write_graphml(g: nx.MultiDiGraph) -> bytes:
    fg = flat_graph(g)
    # networkx would use the multi-edge key (the predicate) as the edge id, but GraphML edge
    # ids must be unique in the document; the predicate stays an edge attribute.
    for i, (_, _, d) in enumerate(fg.edges(data=True)):
        d["id"] = f"e{i}"
    buf = io.BytesIO()
    nx.write_graphml_xml(fg, buf, encoding="utf-8", prettyprint=True, edge_id_from_attribute="id")
    return buf.getvalue()


def _rgb(color: str) -> dict[str, int]:
    c = color.lstrip("#")
    return {"r": int(c[0:2], 16), "g": int(c[2:4], 16), "b": int(c[4:6], 16)}


def write_gexf(g: nx.MultiDiGraph) -> bytes:
    fg = flat_graph(g)
    for n, d in fg.nodes(data=True):
        # viz:color and size so Gephi opens the file already coloured by type.
        d["viz"] = {"color": {**_rgb(d.get("color", "#BAB0AC")), "a": 1.0}, "size": 5.0 + 2.0 * min(d.get("patients", 0), 20)}
    for i, (u, v, k, d) in enumerate(fg.edges(keys=True, data=True)):
        d["id"] = f"e{i}"
    buf = io.BytesIO()
    nx.write_gexf(fg, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    return buf.getvalue()


def cyjs_data(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Cytoscape.js elements JSON, also read by Cytoscape desktop (File > Import > Network)."""
    nodes = []
    for n, d in g.nodes(data=True):
        data = {"id": n, "name": d.get("label", n), **{k: v for k, v in d.items() if v is not None}}
        nodes.append({"data": data, "classes": d.get("type", "Resource")})
    edges = []
    for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True)):
        data = {"id": f"e{i}", "source": u, "target": v, "interaction": d.get("predicate", k),
                **{kk: vv for kk, vv in d.items() if vv is not None}}
        edges.append({"data": data, "classes": _local(d.get("predicate", k))})
    return {
        "format_version": "1.0",
        "generated_by": f"casekg {__version__}",
        "target_cytoscapejs_version": "~3.0",
        "data": {"name": f"casekg {g.graph.get('view', '')}", "view": g.graph.get("view", "")},
        "elements": {"nodes": nodes, "edges": edges},
    }


def write_cyjs(g: nx.MultiDiGraph) -> bytes:
    return (json.dumps(cyjs_data(g), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_tables(g: nx.MultiDiGraph) -> tuple[str, str]:
    fg = flat_graph(g)
    # Gephi's spreadsheet import recognises Id/Label and Source/Target/Type/Label/Weight.
    ncols: list[str] = []
    for _, d in fg.nodes(data=True):
        ncols.extend(k for k in d if k not in ncols and k != "label")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Id", "Label", *ncols])
    for n, d in fg.nodes(data=True):
        w.writerow([n, d.get("label", ""), *[d.get(c, "") for c in ncols]])
    nodes_csv = buf.getvalue()
    ecols: list[str] = []
    for _, _, d in fg.edges(data=True):
        ecols.extend(k for k in d if k not in ecols and k not in ("label", "weight"))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Source", "Target", "Type", "Label", "Weight", *ecols])
    for u, v, d in fg.edges(data=True):
        w.writerow([u, v, "Directed", d.get("label", ""), d.get("weight", d.get("statements", 1) or 1), *[d.get(c, "") for c in ecols]])
    return nodes_csv, buf.getvalue()


def csv_paths(output: Path) -> tuple[Path, Path]:
    """`out.csv` -> `out.nodes.csv`, `out.edges.csv`; a directory -> `dir/nodes.csv`, `dir/edges.csv`."""
    if output.is_dir() or output.suffix == "":
        return output / "nodes.csv", output / "edges.csv"
    stem = output.with_suffix("")
    return stem.with_name(stem.name + ".nodes.csv"), stem.with_name(stem.name + ".edges.csv")


def _dot_str(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def write_dot(g: nx.MultiDiGraph) -> bytes:
    fg = flat_graph(g)
    lines = [f"digraph {_dot_str('casekg ' + str(g.graph.get('view', '')))} {{",
             '  graph [overlap=false, splines=true, fontname="Helvetica"];',
             '  node [style=filled, fontname="Helvetica", fontsize=10, shape=box, penwidth=0];',
             '  edge [fontname="Helvetica", fontsize=8, color="#888888"];']
    shapes = {"Patient": "ellipse", "Article": "note", "Statement": "diamond", "Sentence": "plaintext"}
    for n, d in fg.nodes(data=True):
        attrs = {k: v for k, v in d.items() if k not in ("color",)}
        extra = ", ".join(f"{_dot_id(k)}={_dot_str(v)}" for k, v in attrs.items() if k not in ("label",))
        lines.append(f"  {_dot_str(n)} [label={_dot_str(d.get('label', n))}, fillcolor={_dot_str(d.get('color', '#BAB0AC'))}, "
                     f"shape={shapes.get(d.get('type', ''), 'box')}{', ' + extra if extra else ''}];")
    for u, v, k, d in fg.edges(keys=True, data=True):
        label = d.get("label", k) + (f" ({d['outcome']})" if d.get("outcome") else "")
        extra = ", ".join(f"{_dot_id(kk)}={_dot_str(vv)}" for kk, vv in d.items() if kk not in ("label", "weight"))
        lines.append(f"  {_dot_str(u)} -> {_dot_str(v)} [label={_dot_str(label)}, weight={int(d.get('weight', 1) or 1)}"
                     f"{', ' + extra if extra else ''}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _dot_id(key: str) -> str:
    # Graphviz ignores unknown attributes but they must be valid IDs; prefix ours so they
    # never collide with Graphviz's own (e.g. "type", "color").
    return "ckg_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


# ---------------------------------------------------------------------------------------- RDF writers


def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD context (kg/web_assets/casekg.context.jsonld)."""
    return json.loads(asset_text("casekg.context.jsonld"))["@context"]


def write_rdf(quads: list[ox.Quad], fmt: str) -> bytes:
    if fmt == "nquads":
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    if fmt == "turtle":
        # Turtle has no graphs: concepts that repeat across article graphs are written once.
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b""
    if fmt == "jsonld":
        return _jsonld(quads)
    raise ValueError(f"not an RDF format: {fmt}")


def _jsonld(quads: list[ox.Quad]) -> bytes:
    import rdflib

    ds = rdflib.Dataset()
    nq = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    if nq:
        ds.parse(data=nq.decode("utf-8"), format="nquads")
    ctx = jsonld_context()
    text = ds.serialize(format="json-ld", context=ctx, auto_compact=True, indent=1)
    data = json.loads(text)
    if isinstance(data, list):  # an empty dataset: rdflib gives [], still put the context in
        data = {"@context": ctx, "@graph": data}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------- assets / HTML


def asset_text(name: str) -> str:
    return resources.files("kg").joinpath("web_assets", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    # Safe inside <script>: "</script>" and "<!--" cannot appear in the JSON text.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def viewer_payload(g: nx.MultiDiGraph) -> dict[str, Any]:
    data = cyjs_data(g)
    return {
        "view": g.graph.get("view", ""),
        "generator": f"casekg {__version__}",
        "colors": TYPE_COLORS,
        "outcomes": list(OUTCOMES),
        "elements": data["elements"]["nodes"] + data["elements"]["edges"],
        "statements": g.graph.get("statements", {}),
    }


def write_html(g: nx.MultiDiGraph, title: str | None = None) -> bytes:
    """One self-contained page: Cytoscape.js, the viewer code and the graph inlined."""
    view = g.graph.get("view", "")
    title = title or f"casekg — {view} view"
    page = asset_text("viewer.html")
    lib = asset_text("cytoscape.min.js")
    licence = asset_text("cytoscape.LICENSE")
    replacements = {
        "{{TITLE}}": html_lib.escape(title),
        "{{CSS}}": asset_text("viewer.css"),
        "{{CYTOSCAPE_LICENSE}}": licence.replace("*/", "* /"),
        "{{CYTOSCAPE}}": lib.replace("</script", "<\\/script"),
        "{{DATA}}": _script_json(viewer_payload(g)),
        "{{VIEWER}}": asset_text("viewer.js"),
    }
    # One pass, so text inside the inserted assets is never taken for a placeholder.
    out = re.sub(r"\{\{[A-Z_]+\}\}", lambda m: replacements.get(m.group(0), m.group(0)), page)
    return out.encode("utf-8")


# ---------------------------------------------------------------------------------------- entry point


@dataclass
class ExportResult:
    paths: list[Path] = field(default_factory=list)
    nodes: int = 0
    edges: int = 0
    triples: int = 0


def render(store: Any, fmt: str, view: str = "patients", query: str | None = None) -> dict[str, bytes]:
    """The export as {suffix: bytes}: one entry, or `nodes`/`edges` for CSV."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    quads = view_quads(store, view, query)
    if fmt in RDF_FORMATS:
        return {"": write_rdf(quads, fmt)}
    g = project(quads, "query" if query is not None else view)
    if fmt == "csv":
        nodes_csv, edges_csv = _csv_tables(g)
        return {"nodes": nodes_csv.encode("utf-8"), "edges": edges_csv.encode("utf-8")}
    writer = {"graphml": write_graphml, "gexf": write_gexf, "cyjs": write_cyjs, "dot": write_dot, "html": write_html}[fmt]
    return {"": writer(g)}


def export(store: Any, fmt: str, output: str | os.PathLike[str] | None, view: str = "patients",
           query: str | None = None) -> list[Path]:
    """Write the export to `output` (atomically); returns the paths written."""
    from kg.atomic import write_bytes_atomic

    parts = render(store, fmt, view, query)
    if output is None:
        raise ValueError("output path required")
    out = Path(output)
    if fmt == "csv":
        npath, epath = csv_paths(out)
        npath.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(npath, parts["nodes"])
        write_bytes_atomic(epath, parts["edges"])
        return [npath, epath]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out, parts[""])
    return [out]


__all__ = [
    "VIEWS", "FORMATS", "TYPE_COLORS", "OUTCOMES", "to_networkx", "view_quads", "project", "flat_graph",
    "write_graphml", "write_gexf", "write_cyjs", "cyjs_data", "write_dot", "write_rdf", "write_html",
    "jsonld_context", "render", "export", "csv_paths",
]
