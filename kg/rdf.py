"""Extraction + Article -> quads in one named graph per article, plus the shared vocabulary graph.

IRIs are minted from content, never from counters or clocks, so extracting the same
article twice yields the same IRIs and a rebuild replaces a graph with an identical one.
The model is described in ontology/casekg.ttl and docs/graph-model.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
import weakref
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable, NamedTuple, Protocol
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from kg import __version__
from kg.model import (
    ADVERSE_EVENT,
    ANTIBODY,
    DISEASE,
    DRUG,
    MANIFESTATION,
    NEGATED,
    OUTCOME_VALUES,
    PRESENT,
    Article,
    Extraction,
    Mention,
    Statement,
)

BASE = "https://w3id.org/casekg/"
CKG = BASE + "vocab#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
BIBO = "http://purl.org/ontology/bibo/"
FABIO = "http://purl.org/spar/fabio/"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
BIOLINK = "https://w3id.org/biolink/vocab/"
OBO = "http://purl.obolibrary.org/obo/"

PREFIXES = {
    "ckg": CKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "bibo": BIBO,
    "fabio": FABIO,
    "prism": PRISM,
    "schema": SCHEMA,
    "prov": PROV,
    "oa": OA,
    "biolink": BIOLINK,
    "obo": OBO,
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
}

# Statement kind -> class local name.
KIND_CLASS = {
    "exposure": "DrugExposure",
    "phenotype": "PhenotypeFinding",
    "antibody": "AntibodyFinding",
    "disease": "DiseaseFinding",
    "outcome": "TreatmentOutcome",
    "adverse_event": "AdverseEvent",
    "discontinuation": "Discontinuation",
    "dose_change": "DoseChange",
    "finding_outcome": "FindingOutcome",
}
# Kinds whose `subject` mention is the drug; the others' subject is the finding itself.
DRUG_KINDS = frozenset({"exposure", "outcome", "adverse_event", "discontinuation", "dose_change"})
# Kinds that carry an outcome value: a drug's on a finding, and a finding's own (no drug named).
OUTCOME_KINDS = frozenset({"outcome", "finding_outcome"})

# Mention type -> (concept class local name, slug used for unlinked concept IRIs).
TYPE_CLASS = {
    DRUG: ("Drug", "drug"),
    MANIFESTATION: ("Manifestation", "manifestation"),
    ADVERSE_EVENT: ("Manifestation", "manifestation"),  # an adverse event is a manifestation caused by a drug
    DISEASE: ("Disease", "disease"),
    ANTIBODY: ("Autoantibody", "antibody"),
}


def status_iri(status: str) -> str:
    return CKG + status.capitalize()


def outcome_iri(value: str) -> str:
    return CKG + "".join(part.capitalize() for part in value.split("_"))


# The one shared graph of ontology-snapshot data about concepts (synonyms, lookup keys,
# cross-references, the HPO is_a chain with its ancestors). Deliberately outside BASE/graph/,
# so `article_id_from_graph` never reads it as an article.
VOCAB_GRAPH = BASE + "vocabulary"


def graph_iri(article_id: str) -> str:
    return f"{BASE}graph/{_seg(article_id)}"


def article_iri(article_id: str) -> str:
    return f"{BASE}article/{_seg(article_id)}"


def patient_iri(article_id: str, patient_id: str) -> str:
    return f"{article_iri(article_id)}/patient/{_seg(patient_id)}"


def article_id_from_graph(graph: str) -> str | None:
    prefix = BASE + "graph/"
    if not graph.startswith(prefix):
        return None
    from urllib.parse import unquote

    return unquote(graph[len(prefix) :])


def lookup_key(text: str) -> str:
    """Case-, space- and punctuation-insensitive key: "Anti NXP-2" and "anti-NXP2" meet.

    Catalogue queries compute the same key in SPARQL with
    REPLACE(LCASE(STR(?x)), "[^0-9a-z]", ""), so keep the two in step.
    """
    return _NOT_KEY.sub("", text.lower())


_NOT_KEY = re.compile(r"[^0-9a-z]")


class Vocab(Protocol):
    def label(self, curie: str) -> str | None: ...
    def synonyms(self, curie: str) -> tuple[str, ...]: ...
    def ancestors(self, curie: str) -> tuple[str, ...]: ...
    def parents(self, curie: str) -> tuple[str, ...]: ...
    def iri(self, curie: str) -> str: ...


# _seg and _slug are pure and see the same few thousand values over and over (article and
# patient ids, mention types, concept labels): memoised per process.
@functools.lru_cache(maxsize=1 << 14)
def _seg(value: str) -> str:
    return quote(value, safe="-._~")


@functools.lru_cache(maxsize=1 << 16)
def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    # A label with no ASCII letters at all ("肺炎") must still get its own IRI: hash the original.
    return slug or "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


# json.dumps with these options, built once: dumps makes a new encoder on every call, which
# cost as much as the encoding. No circular check: the parts are flat tuples of scalars.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str, check_circular=False)


def _digest(*parts: object) -> str:
    blob = _DIGEST_JSON.encode(parts)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# Predicates, classes and the IRIs of concepts and articles recur in every article; building
# a NamedNode is most of the cost of making a quad, so they are made once per process.
_node = functools.lru_cache(maxsize=1 << 16)(NamedNode)

# A literal as the builders keep it: (lexical form, datatype IRI or None for a plain string).
_Lit = tuple
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
# The predicates and classes of the per-statement and per-span triples (tens per statement),
# joined once instead of on every call.
_TYPE = RDF + "type"
_OA_START, _OA_END, _OA_EXACT, _OA_PREFIX, _OA_SUFFIX = (OA + x for x in ("start", "end", "exact", "prefix", "suffix"))
_OA_HAS_SOURCE, _OA_HAS_SELECTOR, _OA_HAS_TARGET, _OA_HAS_BODY = (OA + x for x in ("hasSource", "hasSelector", "hasTarget", "hasBody"))
_OA_SPECIFIC_RESOURCE, _OA_POSITION, _OA_QUOTE = (OA + x for x in ("SpecificResource", "TextPositionSelector", "TextQuoteSelector"))
_OA_ANNOTATION, _OA_MOTIVATED_BY, _OA_DESCRIBING = OA + "Annotation", OA + "motivatedBy", OA + "describing"
_CKG_EVIDENCE, _CKG_MENTION, _CKG_STATEMENT = CKG + "Evidence", CKG + "mention", CKG + "Statement"
_CKG_SENTENCE_TEXT, _CKG_SENTENCE_START, _CKG_SENTENCE_END = CKG + "sentenceText", CKG + "sentenceStart", CKG + "sentenceEnd"
_PROV_DERIVED, _PROV_GENERATED = PROV + "wasDerivedFrom", PROV + "wasGeneratedBy"
_SUPPORTING_TEXT = BIOLINK + "supporting_text"
_CKG_DRUG_START, _CKG_DRUG_END = CKG + "drugMentionStart", CKG + "drugMentionEnd"
_CKG_CONCEPT_START, _CKG_CONCEPT_END = CKG + "conceptMentionStart", CKG + "conceptMentionEnd"
_CKG_KIND, _CKG_PATIENT, _CKG_IN_ARTICLE, _CKG_ASSERTION_STATUS = (CKG + x for x in ("kind", "patient", "inArticle", "assertionStatus"))


class _Builder:
    """An ordered set of triples of one graph, kept as plain strings until the end.

    A key is (subject IRI, predicate IRI, object), the object an IRI (`str`) or a literal
    (`_Lit`). Hashing string tuples is several times cheaper than making and hashing a
    pyoxigraph Quad per call, and a worker only needs N-Quads text: `nquads` writes it
    directly, `quads` makes the pyoxigraph objects for in-process callers. Both keep insertion
    order and drop duplicates, as the Quad-keyed ordered set this replaces did.
    """

    __slots__ = ("graph", "keys")

    def __init__(self, graph: str) -> None:
        self.graph = graph
        self.keys: dict[tuple, str | None] = {}  # vocabulary keys may carry their line (`_with_lines`)

    def add(self, s: str, p: str, o: str | _Lit) -> None:
        self.keys[(s, p, o)] = None  # an existing key keeps its first position

    def extend(self, keys: dict[tuple, str | None]) -> None:
        self.keys.update(keys)

    def lit(self, s: str, p: str, value: object, datatype: str | None = None) -> None:
        if value is None or value == "":
            return
        # xsd:string is the plain literal's datatype: one key for both, as in Oxigraph
        dt = None if datatype == _XSD_STRING else datatype or None
        self.keys[(s, p, (str(value), dt))] = None

    def text(self, s: str, p: str, value: str) -> None:
        """A plain literal, kept even when empty (`lit` drops empty values)."""
        self.keys[(s, p, (value, None))] = None

    def quads(self) -> list[Quad]:
        if self.graph == VOCAB_GRAPH:
            return [_vocabulary_quad(k) for k in self.keys]
        g = NamedNode(self.graph)
        return [Quad(_node(s), _node(p), _term(o), g) for s, p, o in self.keys]

    def nquads(self) -> str:
        """The N-Quads text `pyoxigraph.serialize(self.quads(), format=N_QUADS)` writes."""
        if self.graph == VOCAB_GRAPH:
            # the memoised vocabulary triples carry their line as the value (`_with_lines`)
            return "".join([line or _vocabulary_line(k) for k, line in self.keys.items()])
        tail = f" <{self.graph}> .\n"
        return "".join([f"<{s}> <{p}> <{o}>{tail}" if o.__class__ is str else f"<{s}> <{p}> {_nq_literal(o)}{tail}"
                        for s, p, o in self.keys])


# The vocabulary graph's triples recur in every article that uses the concept (the memo in
# `_concept` hands out the same keys): their Quads and lines are made once per process.
@functools.lru_cache(maxsize=1 << 16)
def _vocabulary_quad(key: tuple) -> Quad:
    return Quad(_node(key[0]), _node(key[1]), _term(key[2]), _node(VOCAB_GRAPH))


@functools.lru_cache(maxsize=1 << 16)
def _vocabulary_line(key: tuple) -> str:
    s, p, o = key
    return f"<{s}> <{p}> {f'<{o}>' if o.__class__ is str else _nq_literal(o)} <{VOCAB_GRAPH}> .\n"


def _with_lines(keys: dict[tuple, str | None]) -> dict[tuple, str]:
    """Vocabulary-graph keys with their N-Quads line as the value: memoised concept triples
    recur in most articles, and a worker then joins their lines without a lookup per triple."""
    return {k: line or _vocabulary_line(k) for k, line in keys.items()}


def _checked(iri: str) -> str:
    """`iri`, or the ValueError pyoxigraph raises for it: the N-Quads path makes no NamedNode,
    so IRIs that come from data (ontology, metadata) are parsed here, once per process."""
    _node(iri)
    return iri


def _term(o: str | _Lit) -> NamedNode | Literal:
    if o.__class__ is str:
        return _node(o)
    return Literal(o[0], datatype=_node(o[1])) if o[1] else Literal(o[0])


# What Oxigraph's N-Triples/N-Quads writer escapes in a literal (oxrdf `print_quoted_str`):
# the ECHAR shorthands, and other control characters and U+FFFE/U+FFFF as \uXXXX; everything
# else verbatim (tests/test_rdf.py compares every code point with pyoxigraph.serialize).
_NQ_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f\ufffe\uffff]')
_NQ_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _nq_escape(match: re.Match) -> str:
    c = match.group()
    return _NQ_ECHAR.get(c) or f"\\u{ord(c):04X}"


def _nq_literal(o: _Lit) -> str:
    # Not memoised: most of an article's literals (sentences, quotes, offsets) are its own, so
    # a cache mostly missed and churned. Printable text without '"' or '\\' holds nothing
    # `_NQ_SPECIAL` matches (its other characters are not printable): two C scans, no regex.
    text = o[0]
    if not (text.isprintable() and '"' not in text and "\\" not in text):
        text = _NQ_SPECIAL.sub(_nq_escape, text)
    return f'"{text}"^^<{o[1]}>' if o[1] else f'"{text}"'


def split_quads(quads: Iterable[Quad]) -> tuple[list[Quad], list[Quad]]:
    """(article-graph quads, vocabulary-graph quads) of `article_quads` output, order kept."""
    article: list[Quad] = []
    vocabulary: list[Quad] = []
    for q in quads:
        if isinstance(q.graph_name, NamedNode) and q.graph_name.value == VOCAB_GRAPH:
            vocabulary.append(q)
        else:
            article.append(q)
    return article, vocabulary


def article_quads(
    article: Article,
    extraction: Extraction,
    *,
    generated_at: datetime | None = None,
    vocab: Vocab | None = None,
    fingerprint: str | None = None,
) -> list[Quad]:
    """All quads for one article: its facts in the named graph `graph_iri(article.id)`, and
    the ontology-snapshot data of the concepts it uses in `VOCAB_GRAPH` (shared by all
    articles; `split_quads` separates the two). Each concept keeps its type, label and
    notation in the article graph too, so an article graph still describes itself.

    `generated_at` is the extraction time recorded with PROV-O (pass it for reproducible
    output; defaults to now). `vocab` defaults to `kg.vocab`; tests may pass a stub.
    `fingerprint` (`kg.fingerprint.fingerprint()` in builds) is recorded on the article, so a
    later casekg knows to rebuild the graph.
    """
    g = _article_graph(article, extraction, generated_at, vocab, fingerprint)
    return [*g.b.quads(), *g.v.quads()]


class ArticleNQuads(NamedTuple):
    """`article_quads` as N-Quads bytes, the article graph's and the vocabulary graph's apart."""

    article: bytes  # == serialize(split_quads(article_quads(...))[0], N_QUADS)
    vocabulary: bytes  # == serialize(split_quads(article_quads(...))[1], N_QUADS)
    count: int  # len(article_quads(...))


def article_nquads(
    article: Article,
    extraction: Extraction,
    *,
    generated_at: datetime | None = None,
    vocab: Vocab | None = None,
    fingerprint: str | None = None,
) -> ArticleNQuads:
    """The bytes a build worker sends, byte for byte what serialising `article_quads` gives,
    written straight from strings: no pyoxigraph term or Quad objects are made (about half of
    `article_quads`'s cost), and the vocabulary quads come apart for free."""
    g = _article_graph(article, extraction, generated_at, vocab, fingerprint)
    return ArticleNQuads(g.b.nquads().encode(), g.v.nquads().encode(), len(g.b.keys) + len(g.v.keys))


def _article_graph(article: Article, extraction: Extraction, generated_at: datetime | None,
                   vocab: Vocab | None, fingerprint: str | None) -> _ArticleGraph:
    if vocab is None:
        from kg import vocab as _vocab

        vocab = _vocab  # type: ignore[assignment]
    when = generated_at or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    g = _ArticleGraph(article, extraction, when, vocab, fingerprint)
    g.build()
    return g


class _ArticleGraph:
    def __init__(self, article: Article, extraction: Extraction, when: datetime, vocab: Vocab,
                 fingerprint: str | None = None) -> None:
        self.article = article
        self.x = extraction
        self.when = when
        self.vocab = vocab
        self.b = _Builder(graph_iri(article.id))
        self.v = _Builder(VOCAB_GRAPH)
        self.a = article_iri(article.id)
        self.mentions = {m.id: m for m in extraction.mentions}
        self.sentences = {s.index: s for s in extraction.sentences}
        self.concepts_done: set[str] = set()
        self.iris = _memo(_IRI_MEMOS, vocab)
        self.fingerprint = fingerprint
        self.sentences_done: set[int] = set()
        self.mentions_done: set[str] = set()
        self.described: set[str] = set()  # patients the article describes (its patientCount)
        software = extraction.software or f"casekg {__version__}"
        self.agent = f"{BASE}agent/{_slug(software)}"
        self.activity = f"{self.a}/extraction"
        self.software = software

    # ------------------------------------------------------------------ top level

    def build(self) -> None:
        self._article()
        self._provenance()
        patient_ids = {p.id for p in self.x.patients}
        for p in self.x.patients:
            self._patient(p)
        # A report without an identified patient still describes one: give its facts a home
        # rather than dropping the patient-level edges. Only when no patient was found at all,
        # since with several patients an unassigned fact is ambiguous.
        self.fallback_patient = None
        if not patient_ids and any(s.patient is None for s in self.x.statements):
            self.fallback_patient = patient_iri(self.article.id, "unidentified")
            self.b.add(self.fallback_patient, RDF + "type", CKG + "Patient")
            self.b.add(self.fallback_patient, RDF + "type", BIOLINK + "Case")
            self.b.lit(self.fallback_patient, RDFS + "label", "the patient (not identified in the text)")
            self.b.lit(self.fallback_patient, CKG + "patientId", "unidentified")
            self.b.add(self.a, CKG + "describes", self.fallback_patient)
            self.described.add(self.fallback_patient)
        self.statement_kinds: dict[str, str] = {}
        for st in self.x.statements:
            self._statement(st, patient_ids)
        self._summary()

    def _summary(self) -> None:
        # Precomputed counts on the article node, so a per-article listing reads a few quads
        # per article instead of aggregating every statement in the store (docs/scale.md).
        # Safe to precompute: an article graph is only ever replaced whole.
        b, a = self.b, self.a
        b.lit(a, CKG + "patientCount", len(self.described), XSD + "integer")
        if not self.statement_kinds:
            return
        by_kind: dict[str, int] = {}
        for kind in self.statement_kinds.values():
            by_kind[kind] = by_kind.get(kind, 0) + 1
        b.lit(a, CKG + "statementCount", len(self.statement_kinds), XSD + "integer")
        b.lit(a, CKG + "statementsByKind", ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))

    def _article(self) -> None:
        b, a, meta = self.b, self.a, self.article.meta
        for cls in (CKG + "Article", FABIO + "CaseReport", SCHEMA + "MedicalScholarlyArticle"):
            b.add(a, RDF + "type", cls)
        b.lit(a, DCT + "identifier", meta.id)
        b.lit(a, DCT + "title", meta.title)
        b.lit(a, BIBO + "pmid", meta.pmid)
        b.lit(a, FABIO + "hasPubMedCentralId", meta.pmcid)
        b.lit(a, BIBO + "doi", meta.doi)
        b.lit(a, PRISM + "publicationName", meta.journal)
        if meta.year is not None:
            b.lit(a, FABIO + "hasPublicationYear", f"{int(meta.year):04d}", XSD + "gYear")
        for author in meta.authors:
            b.lit(a, DCT + "creator", author)
        if meta.authors:
            # dct:creator values are unordered; keep the citation order too.
            b.lit(a, BIBO + "authorList", "; ".join(meta.authors))
        if meta.source_url and re.match(r"^https?://[^\s<>\"{}|\\^`]+$", meta.source_url):
            _node(meta.source_url)  # a URL the IRI parser refuses fails the article, as it always did
            b.add(a, DCT + "source", meta.source_url)
        b.lit(a, DCT + "license", meta.license)
        b.lit(a, CKG + "sourceFormat", meta.source_format)
        b.lit(a, CKG + "contentHash", self.article.sha256)
        b.lit(a, CKG + "extractorFingerprint", self.fingerprint)

    def _provenance(self) -> None:
        b = self.b
        b.add(self.activity, RDF + "type", PROV + "Activity")
        b.add(self.activity, RDF + "type", CKG + "Extraction")
        b.add(self.activity, PROV + "used", self.a)
        b.add(self.activity, PROV + "wasAssociatedWith", self.agent)
        b.lit(self.activity, PROV + "endedAtTime", _datetime(self.when), XSD + "dateTime")
        b.add(self.agent, RDF + "type", PROV + "SoftwareAgent")
        b.lit(self.agent, RDFS + "label", self.software)

    def _patient(self, p) -> None:  # noqa: ANN001 - kg.model.Patient
        b = self.b
        iri = patient_iri(self.article.id, p.id)
        b.add(iri, RDF + "type", CKG + "Patient")
        b.add(iri, RDF + "type", BIOLINK + "Case")
        b.lit(iri, RDFS + "label", p.label or p.id)
        b.lit(iri, CKG + "patientId", p.id)
        if p.age is not None:
            b.lit(iri, CKG + "ageInYears", _decimal(p.age), XSD + "decimal")
        b.lit(iri, CKG + "sex", p.sex)
        b.add(self.a, CKG + "describes", iri)
        self.described.add(iri)
        if p.sentence in self.sentences:
            b.add(iri, CKG + "introducedIn", self._sentence(p.sentence))

    # ------------------------------------------------------------------ statements

    def _statement(self, st: Statement, patient_ids: set[str]) -> None:
        b = self.b
        subject = self.mentions.get(st.subject)
        target = self.mentions.get(st.target) if st.target else None
        if subject is None or st.kind not in KIND_CLASS:
            return  # a statement about a mention we do not have cannot be grounded
        patient = None
        if st.patient is not None and st.patient in patient_ids:
            patient = patient_iri(self.article.id, st.patient)
        elif st.patient is None:
            patient = self.fallback_patient
        subj_concept = self._concept(subject)
        targ_concept = self._concept(target) if target is not None else None
        iri = f"{self.a}/statement/{self._statement_key(st, subject, target)}"

        self.statement_kinds[iri] = st.kind
        keys = b.keys  # as in `_evidence`
        keys[(iri, _TYPE, _KIND_IRI[st.kind])] = None
        keys[(iri, _TYPE, _CKG_STATEMENT)] = None  # materialised so queries need no inference
        b.lit(iri, _CKG_KIND, st.kind)
        if patient:
            keys[(iri, _CKG_PATIENT, patient)] = None
        keys[(iri, _CKG_IN_ARTICLE, self.a)] = None
        status = st.status if st.status in _STATUSES else PRESENT
        keys[(iri, _CKG_ASSERTION_STATUS, _STATUS_IRI[status])] = None
        if status == NEGATED:
            b.lit(iri, BIOLINK + "negated", "true", XSD + "boolean")
        b.lit(iri, CKG + "contextCue", st.cue)

        if st.kind in DRUG_KINDS:
            b.add(iri, CKG + "drug", subj_concept)
            if targ_concept:
                b.add(iri, CKG + "concept", targ_concept)
        else:
            b.add(iri, CKG + "concept", subj_concept)

        if st.kind in OUTCOME_KINDS and st.value:
            if st.value in OUTCOME_VALUES:
                b.add(iri, CKG + "outcome", outcome_iri(st.value))
            else:
                b.lit(iri, CKG + "outcomeText", st.value)
        if st.kind == "antibody":
            polarity = (st.value or subject.attrs.get("polarity") or "").lower()
            if polarity in ("positive", "negative"):
                b.lit(iri, CKG + "polarity", polarity)
        if st.kind == "discontinuation":
            b.lit(iri, CKG + "reason", st.value or (target.label if target else None))
        if st.kind == "dose_change":
            b.lit(iri, CKG + "doseChange", st.value)
        if st.kind in ("exposure", "dose_change"):
            self._dose(iri, st, subject)  # for a dose change, the dose it changed to where the sentence says
        finding = target if st.kind in DRUG_KINDS else subject
        if finding is not None:
            for site in (finding.attrs.get("body_site") or "").split(";"):
                b.lit(iri, CKG + "bodySite", site.strip() or None)

        self._evidence(iri, st, [m for m in (subject, target) if m is not None])
        self._evidence_shortcuts(iri, st, subject, target)
        keys[(iri, _PROV_GENERATED, self.activity)] = None
        self._direct_edges(st, status, patient, subj_concept, targ_concept)

    def _direct_edges(self, st: Statement, status: str, patient: str | None, subj: str, targ: str | None) -> None:
        # Shortcut edges for simple queries, only for findings asserted present: a negated,
        # hypothetical, historical or uncertain finding lives only as a statement with its cue.
        if status != PRESENT:
            return
        b = self.b
        if st.kind == "antibody" and (st.value or "").lower() == "negative":
            return  # a negative antibody test is the absence of the antibody
        if patient:
            if st.kind in DRUG_KINDS:
                b.add(patient, CKG + "receivedDrug", subj)
            elif st.kind == "phenotype":
                b.add(patient, BIOLINK + "has_phenotype", subj)
            elif st.kind == "antibody":
                b.add(patient, CKG + "hasAutoantibody", subj)
            elif st.kind == "disease":
                b.add(patient, CKG + "hasDisease", subj)
        if st.kind == "outcome" and targ:
            b.add(subj, BIOLINK + "applied_to_treat", targ)
        if st.kind == "adverse_event" and targ:
            b.add(subj, BIOLINK + "has_adverse_event", targ)

    def _statement_key(self, st: Statement, subject: Mention, target: Mention | None) -> str:
        # Content, not the extractor's running ids: the same fact from the same sentence gets
        # the same IRI across runs, and two identical facts merge into one statement.
        def m(x: Mention | None) -> object:
            return None if x is None else (x.type, x.concept_id or x.label, x.start, x.end)

        sent = self.sentences.get(st.sentence)
        span = (sent.start, sent.end) if sent else st.sentence
        return _digest(st.kind, st.patient, m(subject), m(target), st.value, st.status, st.cue, span, sorted(st.attrs.items()))

    def _dose(self, iri: str, st: Statement, drug: Mention) -> None:
        attrs = {**{k: v for k, v in drug.attrs.items() if k in _DOSE_KEYS}, **{k: v for k, v in st.attrs.items() if k in _DOSE_KEYS}}
        if not any(attrs.get(k) for k in _DOSE_KEYS):
            return
        b = self.b
        node = iri + "/dose"
        b.add(iri, CKG + "dose", node)
        b.add(node, RDF + "type", CKG + "Dose")
        dose, unit = (attrs.get("dose") or "").strip(), (attrs.get("unit") or "").strip()
        value = _number(dose)
        if value is None and dose:
            # "10 mg" in one attribute: split the number off.
            match = re.match(r"^\s*(\d+(?:[.,]\d+)?)\s*([^\d\s].*)?$", dose)
            if match:
                value = _number(match.group(1).replace(",", "."))
                unit = unit or (match.group(2) or "").strip()
        if value is not None:
            b.lit(node, CKG + "doseValue", value, XSD + "decimal")
        b.lit(node, CKG + "doseUnit", unit)
        b.lit(node, CKG + "frequency", attrs.get("frequency"))
        b.lit(node, CKG + "route", attrs.get("route"))
        amount = dose if (not unit or unit in dose) else f"{dose} {unit}"
        text = attrs.get("text") or " ".join(x for x in (amount, attrs.get("route"), attrs.get("frequency")) if x)
        b.lit(node, CKG + "doseText", text.strip())

    # ------------------------------------------------------------------ evidence

    def _evidence(self, iri: str, st: Statement, mentions: list[Mention]) -> None:
        # Keys written straight into the builder's dict (what `_Builder.add` does): tens of
        # these per statement, and the method call cost as much as the insertion.
        keys = self.b.keys
        ev = iri + "/evidence"
        keys[(iri, _PROV_DERIVED, ev)] = None
        keys[(ev, _TYPE, _CKG_EVIDENCE)] = None
        keys[(ev, _TYPE, _OA_ANNOTATION)] = None
        keys[(ev, _OA_MOTIVATED_BY, _OA_DESCRIBING)] = None
        keys[(ev, _OA_HAS_BODY, iri)] = None
        sent = self.sentences.get(st.sentence)
        if sent is not None:
            keys[(ev, _OA_HAS_TARGET, self._sentence(st.sentence))] = None
            self.b.lit(ev, _SUPPORTING_TEXT, sent.text)
        else:
            # No sentence record: the article itself is the only target we can name.
            keys[(ev, _OA_HAS_TARGET, self.a)] = None
        for m in mentions:
            keys[(ev, _CKG_MENTION, self._mention(m))] = None

    def _evidence_shortcuts(self, iri: str, st: Statement, subject: Mention, target: Mention | None) -> None:
        # The sentence and mention offsets again, as plain properties of the statement: the
        # Web Annotation path (evidence -> target -> selector) needs OPTIONALs over several
        # patterns, which Oxigraph evaluates as a hash join over every selector in the store
        # (docs/scale.md). These are copies; the annotation above stays the full record.
        b = self.b
        keys = b.keys  # as in `_evidence`; offsets are ints, never the empty values `lit` drops
        sent = self.sentences.get(st.sentence)
        if sent is not None:
            b.lit(iri, _CKG_SENTENCE_TEXT, sent.text)
            keys[(iri, _CKG_SENTENCE_START, (str(sent.start), _XSD_INTEGER))] = None
            keys[(iri, _CKG_SENTENCE_END, (str(sent.end), _XSD_INTEGER))] = None
        if st.kind in DRUG_KINDS:
            keys[(iri, _CKG_DRUG_START, (str(subject.start), _XSD_INTEGER))] = None
            keys[(iri, _CKG_DRUG_END, (str(subject.end), _XSD_INTEGER))] = None
            concept = target
        else:
            concept = subject
        if concept is not None:
            keys[(iri, _CKG_CONCEPT_START, (str(concept.start), _XSD_INTEGER))] = None
            keys[(iri, _CKG_CONCEPT_END, (str(concept.end), _XSD_INTEGER))] = None

    def _sentence(self, index: int) -> str:
        s = self.sentences[index]
        node = f"{self.a}/sentence/{index}"
        if index in self.sentences_done:
            return node
        self.sentences_done.add(index)
        self._specific_resource(node, s.start, s.end, s.text, CKG + "Sentence")
        self.b.lit(node, CKG + "sentenceIndex", index, XSD + "integer")
        return node

    def _mention(self, m: Mention) -> str:
        node = f"{self.a}/mention/{m.start}-{m.end}-{_slug(m.type)}"
        if node in self.mentions_done:
            return node
        self.mentions_done.add(node)
        self._specific_resource(node, m.start, m.end, m.text, CKG + "Mention")
        self.b.add(node, CKG + "denotes", self._concept(m))
        self.b.lit(node, CKG + "mentionType", m.type)
        return node

    def _specific_resource(self, node: str, start: int, end: int, exact: str, cls: str) -> None:
        b, text = self.b, self.article.text
        keys = b.keys  # as in `_evidence`: what `add`, `lit` and `text` would write, in order
        keys[(node, _TYPE, _OA_SPECIFIC_RESOURCE)] = None
        keys[(node, _TYPE, cls)] = None
        keys[(node, _OA_HAS_SOURCE, self.a)] = None
        pos, q = node + "/position", node + "/quote"
        keys[(node, _OA_HAS_SELECTOR, pos)] = None
        keys[(pos, _TYPE, _OA_POSITION)] = None
        keys[(pos, _OA_START, (str(start), _XSD_INTEGER))] = None
        keys[(pos, _OA_END, (str(end), _XSD_INTEGER))] = None
        keys[(node, _OA_HAS_SELECTOR, q)] = None
        keys[(q, _TYPE, _OA_QUOTE)] = None
        keys[(q, _OA_EXACT, (exact, None))] = None
        if 0 <= start <= end <= len(text):
            # Web Annotation asks for enough context to re-anchor the quote if offsets drift;
            # none at the very start or end of the text (`lit` drops empty values)
            prefix, suffix = text[max(0, start - 32) : start], text[end : end + 32]
            if prefix:
                keys[(q, _OA_PREFIX, (prefix, None))] = None
            if suffix:
                keys[(q, _OA_SUFFIX, (suffix, None))] = None

    # ------------------------------------------------------------------ concepts

    def _concept(self, m: Mention) -> str:
        curie = m.concept_id
        iri = None
        if curie:
            iri = self._curie_iri(curie)
        cls, slug_type = TYPE_CLASS.get(m.type, ("Concept", _slug(m.type)))
        if iri is None:
            iri = f"{BASE}concept/{slug_type}/{_slug(m.label or m.text)}"
            curie = None
        if iri in self.concepts_done:
            return iri
        self.concepts_done.add(iri)
        b = self.b
        label = (self.vocab.label(curie) if curie else None) or m.label or m.text
        # In the article graph: what the article's statements need to read on their own.
        b.add(iri, RDF + "type", CKG + cls)
        b.lit(iri, RDFS + "label", label)
        if curie:
            b.lit(iri, SKOS + "notation", curie)
        # In the vocabulary graph: the same three, plus synonyms, keys, xrefs and the is_a
        # chain. They depend only on the concept and the ontology snapshot, and most concepts
        # recur across articles, so they are computed once per process (the ordered set of the
        # builder drops what an earlier concept of this article already added, as before).
        key = (iri, cls, curie, label, m.label, tuple(m.xrefs))
        self.v.extend(_memoised(_memo(_VOCAB_MEMOS, self.vocab), key, lambda: self._concept_vocabulary(iri, cls, curie, label, m)))
        return iri

    def _curie_iri(self, curie: str) -> str | None:
        """`vocab.iri(curie)` checked by the IRI parser, or None for a CURIE it refuses; a
        statement's subject and target ask for the same few CURIEs over and over, so answers
        are kept per ontology snapshot (`_IRI_MEMOS`), apart from `_concept`'s memo so that
        they do not push its concepts out."""
        return _memoised(self.iris, curie, lambda: self._checked_iri(curie))

    def _checked_iri(self, curie: str) -> str | None:
        try:
            iri = self.vocab.iri(curie)
        except ValueError:
            return None
        return _checked(iri)  # outside the try: an IRI the parser refuses fails the article, as before

    def _concept_vocabulary(self, iri: str, cls: str, curie: str | None, label: str, m: Mention) -> dict[tuple, str]:
        v = _Builder(VOCAB_GRAPH)
        v.add(iri, RDF + "type", CKG + cls)
        v.lit(iri, RDFS + "label", label)
        if curie:
            v.lit(iri, SKOS + "notation", curie)
        keys = {lookup_key(label)}
        if curie:
            keys.add(lookup_key(curie))
            for syn in self.vocab.synonyms(curie):
                v.lit(iri, SKOS + "altLabel", syn)
                keys.add(lookup_key(syn))
            for x in m.xrefs:
                try:
                    v.add(iri, SKOS + "exactMatch", _checked(self.vocab.iri(x)))
                except ValueError:
                    continue
            if curie.startswith("HP:"):
                self._hpo_chain(v, curie, iri)
        if m.label and m.label != label:
            # The extractor's normalised label ("anti-NXP2") is how people will search.
            v.lit(iri, SKOS + "altLabel", m.label)
            keys.add(lookup_key(m.label))
        for k in sorted(keys - {""}):  # "" would match the empty optional parameter
            v.lit(iri, CKG + "lookupKey", k)
        return _with_lines(v.keys)  # never changed afterwards: the memo hands the same dict to every article

    def _hpo_chain(self, v: _Builder, curie: str, iri: str) -> None:
        # The is_a DAG from the term up to HP:0000118, with labels, so a query for a broad
        # term ("Abnormality of the skin") finds the specific ones via rdfs:subClassOf*.
        # All of it goes to the vocabulary graph.
        ancestors_done: set[str] = set()
        ancestors = tuple(self.vocab.ancestors(curie))
        keep = set(ancestors)
        get_parents = getattr(self.vocab, "parents", None)
        memo = _memo(_VOCAB_MEMOS, self.vocab)
        for node_curie in (curie, *ancestors):
            node = _checked(self.vocab.iri(node_curie))
            parents = [p for p in (get_parents(node_curie) if get_parents else ()) if p in keep]
            if get_parents is None and node_curie == curie:
                parents = list(ancestors)  # no DAG available: the closure is still correct
            for p in parents:
                v.add(node, RDFS + "subClassOf", _checked(self.vocab.iri(p)))
            if node_curie == curie or node in ancestors_done:
                continue
            ancestors_done.add(node)
            # An ancestor's own triples depend on it alone, and the upper HPO levels are shared
            # by most terms: made once per process, like the concept's (`_concept`).
            v.extend(_memoised(memo, ("hpo ancestor", node_curie), lambda: self._hpo_ancestor(node, node_curie)))

    def _hpo_ancestor(self, node: str, node_curie: str) -> dict[tuple, str]:
        d = _Builder(VOCAB_GRAPH)
        label = self.vocab.label(node_curie)
        if label:
            d.lit(node, RDFS + "label", label)
        d.lit(node, SKOS + "notation", node_curie)
        keys = {lookup_key(node_curie)} | ({lookup_key(label)} if label else set())
        for syn in self.vocab.synonyms(node_curie):
            d.lit(node, SKOS + "altLabel", syn)
            keys.add(lookup_key(syn))
        for k in sorted(keys - {""}):
            d.lit(node, CKG + "lookupKey", k)
        return _with_lines(d.keys)


# Vocabulary-graph quads per concept, per ontology snapshot (kg.vocab or a test's stub);
# weak keys so a stub's memo goes with it. Cleared when full, so memory stays bounded.
_VOCAB_MEMOS: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()
_VOCAB_MEMO_SIZE = 4096
_MISSING = object()
_IRI_MEMOS: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()


def _memo(memos: "weakref.WeakKeyDictionary[object, dict]", vocab: object) -> dict | None:
    """The memo of `memos` (`_VOCAB_MEMOS`: vocabulary-graph quads; `_IRI_MEMOS`: CURIE ->
    checked IRI or None) for this ontology snapshot."""
    try:
        return memos.setdefault(vocab, {})
    except TypeError:  # an object that cannot be weakly referenced: no memo
        return None


def _memoised(memo: dict | None, key: object, compute: Callable[[], object]) -> object:
    """`memo[key]`, made by `compute` on a miss (every time without a memo); the memo is cleared
    when full, so a long build does not grow without limit."""
    if memo is None:
        return compute()
    value = memo.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        if len(memo) >= _VOCAB_MEMO_SIZE:
            memo.clear()
        memo[key] = value
    return value


_STATUSES = ("present", "negated", "hypothetical", "historical", "uncertain")
_STATUS_IRI = {status: status_iri(status) for status in _STATUSES}
_KIND_IRI = {kind: CKG + cls for kind, cls in KIND_CLASS.items()}
_DOSE_KEYS = ("dose", "unit", "frequency", "route", "text")


def _number(text: str) -> str | None:
    try:
        d = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not d.is_finite():
        return None
    return _decimal(d)


def _decimal(value: float | Decimal) -> str:
    # Oxigraph's canonical xsd:decimal form ("45", "0.5"): what we write is what a reader
    # gets back, so quads compare equal before and after a store round trip.
    return format(Decimal(str(value)).normalize(), "f")


def _datetime(when: datetime) -> str:
    text = when.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iter_prefixes() -> Iterable[tuple[str, str]]:
    return PREFIXES.items()
