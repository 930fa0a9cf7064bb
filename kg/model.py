"""Plain data handed from one stage to the next.

corpus -> text -> extraction -> RDF. Nothing here knows about spaCy or rdflib, so
each stage can be built and tested alone. All character offsets in these classes
point into the *original* article text as stored in the corpus, never into the
repaired text that the NLP pipeline saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Entity types, shared by the extractor, the graph and the annotation writers.
DRUG = "Drug"
ANTIBODY = "Antibody"
MANIFESTATION = "Manifestation"
DISEASE = "Disease"
OUTCOME = "Outcome"
ADVERSE_EVENT = "AdverseEvent"
DOSE = "Dose"
ENTITY_TYPES = (DRUG, ANTIBODY, MANIFESTATION, DISEASE, OUTCOME, ADVERSE_EVENT, DOSE)

# `Mention.attrs["role"]` of a Drug mention that names a chemical the patient was not given: a
# measured lab analyte ("serum creatinine"; set by the lexicon and kg.nlp.case_terms) or a
# chemical merely named - a contrast agent, a stain, a drug from the literature (set by
# kg.nlp.drug_use). Such a mention stays a chemical mention but is never a drug exposure.
ANALYTE_ROLE = "analyte"
NAMED_ROLE = "named"
NOT_ADMINISTERED_ROLES = frozenset((ANALYTE_ROLE, NAMED_ROLE))

# Assertion status of a mention or statement (ConText categories we keep).
PRESENT = "present"
NEGATED = "negated"
HYPOTHETICAL = "hypothetical"
HISTORICAL = "historical"
UNCERTAIN = "uncertain"
STATUSES = (PRESENT, NEGATED, HYPOTHETICAL, HISTORICAL, UNCERTAIN)

# Outcome values of a treatment on a manifestation.
OUTCOME_VALUES = ("resolved", "improved", "unchanged", "worsened", "relapsed", "remission_maintained")

# Statement kinds.
StatementKind = Literal[
    "exposure",  # patient received drug (dose, route, frequency on the statement)
    "phenotype",  # patient has manifestation
    "antibody",  # patient has autoantibody (polarity in value: positive/negative)
    "disease",  # patient has disease
    "outcome",  # drug -> manifestation with an outcome value
    "adverse_event",  # drug caused event in patient
    "discontinuation",  # drug stopped; reason mention (if any) in target, reason text in value
    "dose_change",  # drug tapered or its dose/route changed, not stopped (tapered/reduced/increased/changed in value)
    "finding_outcome",  # finding resolved/improved/... with no drug named (outcome value in value)
]
STATEMENT_KINDS = ("exposure", "phenotype", "antibody", "disease", "outcome", "adverse_event", "discontinuation",
                   "dose_change", "finding_outcome")


@dataclass(frozen=True)
class ArticleMeta:
    """Bibliographic metadata as a curator records it (corpus/<id>/meta.json)."""

    id: str
    title: str = ""
    journal: str = ""
    year: int | None = None
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    source_url: str | None = None
    source_format: str = "text"
    license: str | None = None


@dataclass(frozen=True)
class Article:
    """One corpus entry: its original text exactly as stored, and its metadata."""

    meta: ArticleMeta
    text: str
    sha256: str  # of the stored text bytes; decides whether a rebuild is needed
    path: str = ""  # where the text lives, for error messages

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str  # original text[start:end]


@dataclass
class Mention:
    """An entity mention. `concept_id` is a CURIE (HP:0000988, DRUGBANK:DB11817,
    MESH:D008727, ORPHA:221, OMIM:..., CASEKG:anti-NXP2) or None if unlinked."""

    id: str  # stable within the article: "m0", "m1", ... in text order
    type: str  # one of ENTITY_TYPES
    text: str  # surface text, original[start:end]
    start: int
    end: int
    sentence: int
    label: str  # normalised preferred label ("anti-NXP2", "Erythema", "baricitinib")
    concept_id: str | None = None
    xrefs: tuple[str, ...] = ()  # further CURIEs for the same concept
    status: str = PRESENT
    cue: str | None = None  # the context cue text that set a non-present status
    patient: str | None = None  # Patient.id
    attrs: dict[str, str] = field(default_factory=dict)  # dose, unit, frequency, route, polarity, body_site, outcome


@dataclass
class Patient:
    id: str  # "P1", "P2", ... in order of introduction
    label: str  # "Patient 1", "the second patient", "A 45-year-old woman"
    start: int  # where the patient is introduced (original offsets)
    end: int
    sentence: int
    age: float | None = None  # years
    sex: str | None = None  # "female" | "male"


@dataclass
class Statement:
    """A fact about one patient, with the evidence sentence it came from."""

    id: str  # "s0", "s1", ...
    kind: str  # one of STATEMENT_KINDS
    patient: str | None  # Patient.id; None when the article has no identifiable patient
    subject: str  # Mention.id: the drug for exposure/outcome/adverse_event/discontinuation, else the finding
    target: str | None = None  # Mention.id: manifestation (outcome), event (adverse_event), reason (discontinuation)
    value: str | None = None  # outcome value, antibody polarity, discontinuation reason text
    status: str = PRESENT
    cue: str | None = None
    sentence: int = 0
    attrs: dict[str, str] = field(default_factory=dict)  # dose/frequency/route for exposures


@dataclass
class Extraction:
    article_id: str
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    software: str = ""  # "casekg <version>"

    def mention(self, mention_id: str) -> Mention:
        for m in self.mentions:
            if m.id == mention_id:
                return m
        raise KeyError(mention_id)
