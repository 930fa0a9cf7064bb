"""`casekg_case_terms`: case-report annotation conventions learned from MACCROBAT train documents.

Case reports name findings and treatments in words that no ontology lists as such ("enlarged",
"asymptomatic", "recurrence", "sedation", "medications") and type some findings differently from
the ontologies we link to (MACCROBAT marks "pleural effusion" a disorder, not a sign). A small
table, derived by `build_table` from the 128 MACCROBAT *training* documents of our split (never
the dev fifth or any test data), records three kinds of rows:

- `add TYPE PHRASE`: a phrase (1-4 lower-case tokens) that the rules miss and that the training
  documents annotate as TYPE in at least `min_ratio` of the places where it occurs uncovered;
  added as an unlinked TYPE span where no Drug/Manifestation/Disease span overlaps it;
- `retype FROM TO PHRASE`: a rule span of type FROM with this text is annotated TO in most
  training occurrences (and FROM in few); the span keeps its CURIE and gets type TO;
- `nonmed Drug PHRASE`: a rule Drug span with this text is almost never a medication in the
  training documents (lab analytes such as "creatinine", "ACTH"; stains; "alcohol" in a social
  history); it gets `_.attrs["role"] = "analyte"`, which keeps the chemical mention (BC5CDR
  counts it) but not as a drug exposure.

All of it applies only to case-report narratives (`kg.nlp.genre.is_case_narrative`, the gate the
lexicon's case-only terms use too), where MACCROBAT's conventions fit; abstracts are untouched.
The table is `kg/data/case_terms_maccrobat.tsv`, rebuilt with
`python -m kg.nlp.case_terms build [OUT]` (seconds; then rebuild the finding-type weights, which
are learned on the spans this table types); `kg/data/case_terms_curated.tsv`
adds rows in the same format chosen from general knowledge (generic treatments, analytes, tracers).
"""


import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg.model import DISEASE, DRUG, MANIFESTATION
from kg.nlp import extensions, genre
from kg.nlp.doctext import doc_text
from kg.nlp.tables import table_rows

DATA = Path(__file__).resolve().parent.parent / "data" / "case_terms_maccrobat.tsv"
CURATED = DATA.with_name("case_terms_curated.tsv")
_TYPES = (DRUG, MANIFESTATION, DISEASE)
MAX_TOKENS = 4
# Annotated in MACCROBAT but not findings or treatments of the graph: outcomes (the outcomes
# component reads those) and words that name no clinical concept on their own.
NOT_LEARNED = frozenset("alive|completely recovered|recovered|remission|relief|improvement|object|modifications".split("|"))
# A chemical right next to one of these words is being given, not measured ("calcium supplements").
_GIVEN = frozenset("supplement supplements supplementation replacement tablets tablet infusion infused oral intravenous "
                   "iv administered given channel gluconate carbonate chloride therapy treatment dose".split())


# A figure reference read as a short form ("white matter lesions (Fig.1A)" made "Fig.1A" a lesion).
_FIGURE_WORD = re.compile(r"\b(?:fig|table)", re.I)
_FIGURE = re.compile(r"^(?:fig|figs|figure|figures|table|tables)\b\.?\s*\S{0,6}$", re.I)


_FINDINGS = (MANIFESTATION, DISEASE)
# A word the rules left unlinked but that is built like a diagnosis ("fibroadenoma", "hypoplasia",
# "steatohepatitis", "maculopathy"): case reports name rare disorders no lexicon lists, and
# MACCROBAT marks such words disorders (train: 31 of 35 uncovered ones that are annotated at all).
# kg.nlp.abstract_terms reads the same shapes outside case reports.
DISORDER_ENDINGS = ("oma", "omas", "omata", "itis", "osis", "opathy", "opathies", "plasia", "emia", "aemia", "iasis",
                    "iases", "ectasis", "ectases")
DISORDER_WORD = re.compile(rf"(?<![\w-])[a-z-]{{3,}}(?:{'|'.join(DISORDER_ENDINGS)})(?![\w-])", re.I)
# A word built like the name of a sign ("polyarthralgia", "epigastralgia", "organomegaly",
# "hypokinesis") is the sign's own name, which the lexicon may spell otherwise or not list; train:
# of 13 uncovered ones 10 are gold signs (the -ectomy procedures built the same way are no match).
# Words that end like both ("leukocytosis", "ptosis") are signs. Case reports only: in abstracts
# (kg.nlp.abstract_terms) the corpora's conventions for signs differ.
_SIGN_SUFFIXES = ("algia", "algias", "uria", "urias", "penia", "penias", "cytosis", "ptosis", "megaly", "megalies",
                  "plegia", "plegias", "paresis", "rrhoea", "rrhea", "rrhage", "rrhages", "pnoea", "pnea", "cardia",
                  "trophy", "trophies", "kinesia", "kinesis", "phasia", "phagia", "esthesia", "aesthesia", "tonia",
                  "thermia", "oxia", "spasm", "spasms", "edema", "oedema", "emesis", "ataxia", "phonia", "osmia",
                  "ptysis")
# Both shapes in one scan of the text for words long enough, then the endings by str.endswith: a
# regex alternation of the ~60 endings costs 2.5 times the disorder regex alone (24 vs 9 ms per
# pass over the 32 dev reports), the word scan and endswith 5 ms.
_LONG_WORD = re.compile(r"(?<![\w-])[a-z-]{7,}(?![\w-])", re.I)
_SHAPE_ENDINGS = (*_SIGN_SUFFIXES, *DISORDER_ENDINGS)


def _word_shape(word: str) -> str | None:
    """MANIFESTATION for a (lower-case) word built like a sign's name, DISEASE for one built like a
    diagnosis, with at least three letters before the ending (as `DISORDER_WORD` asks); else None."""
    if not word.endswith(_SHAPE_ENDINGS):  # most long words: one call
        return None
    for endings, typ in ((_SIGN_SUFFIXES, MANIFESTATION), (DISORDER_ENDINGS, DISEASE)):
        if word.endswith(endings) and any(word.endswith(e) and len(word) - len(e) >= 3 for e in endings):
            return typ
    return None


# A finding named as what a diagnosis is or fits ("diagnosed with X", "consistent with X") is a
# disorder (train: 17 of 19 such rule Manifestation spans that gold marks as a finding).
_DIAGNOSIS_PHRASES = (r"diagnosed\s+(?:as|with)", r"diagnosis\s+of", r"consistent\s+with", r"suggestive\s+of",
                      r"compatible\s+with")


def _cue_before(phrases: Sequence[str]) -> re.Pattern:
    """One of `phrases` ending the text searched, then an article and up to two words."""
    return re.compile(rf"\b(?:{'|'.join(phrases)})\s+(?:(?:an?|the)\s+)?(?:[\w-]+\s+){{0,2}}$", re.I)


_DIAGNOSIS_BEFORE = _cue_before(_DIAGNOSIS_PHRASES)
# "<modifier> disease/syndrome/disorder" left unlinked names a disorder ("CNS disease", "capillary leak
# syndrome"; train: 21 of 28 that gold marks at all, after dropping modifiers that name none).
_DISORDER_HEAD = re.compile(r"\b(?:diseases?|syndromes?|disorders?)\b")
# Words that name a disorder or an abnormal state whatever stands before them ("multiorgan failure",
# "end organ dysfunction", "electrolyte abnormalities", "pulmonary congestion", "thyroid storm"); unlike
# "disease" they stand alone too ("no other abnormality"). The type they start with: a diagnosis or a
# state (finding_type decides in the end). Train, where no rule span covered them: of 73 disorder and
# state words 60 are gold findings (32 disorders, 28 signs); of 32 imaging and examination words
# (signal changes, opacities, bruits, leaks, deposits) 28; of 11 state adjectives (below) 11.
_FINDING_HEADS: dict[str, str] = {
    **dict.fromkeys("dysfunction failure deficiency injury injuries infection infections crisis crises arrest collapse storm "
                    "polyp polyps ruptured hypoplastic".split(), DISEASE),
    **dict.fromkeys("insufficiency deterioration deficit deficits abnormality abnormalities rupture perforation "
                    "perforations bruit bruits leak leaks leakage congestion atypia shadow shadows deposit deposits "
                    "hypodensity hypodensities hyperdensity hyperdensities hypointensity hypointensities hyperintensity "
                    "hyperintensities opacity opacities opacification".split(), MANIFESTATION),
    # physical and imaging findings named by what happened to a structure ("small bowel obstruction",
    # "contrast extravasation", "FDG uptake", "abdominal guarding"); train, uncovered: 65 of 80 are gold
    # signs (general words such as "changes", "signs", "findings", "growth", "fluid" are far lower)
    **dict.fromkeys("obstruction obstructions occlusion occlusions consolidation consolidations defect defects dilation "
                    "dilatation distention distension infiltrate infiltrates extravasation compression stricture "
                    "strictures regurgitation discomfort emboli erosion erosions vegetation vegetations displacement "
                    "enhancement uptake complication complications guarding plaque plaques".split(), MANIFESTATION),
}
# adjectives: the words before them are their subject ("the ear was hypoplastic"), no modifier. The
# patient's state in an adjective ("she was febrile and lethargic") is the sign its noun names
# (session 6 added swollen ... hoarse: uncovered on train, 11 of 12 are gold signs).
_STATE_ADJECTIVES = frozenset(
    "febrile lethargic somnolent drowsy unconscious confused disoriented restless edematous oedematous tachypneic "
    "tachypnoeic tachycardic bradycardic dyspneic dyspnoeic cyanotic jaundiced icteric diaphoretic cachectic hypoxic "
    "hypoxemic hypoxaemic inflamed swollen distended tender agitated plethoric congested hoarse".split())
_FINDING_HEADS.update(dict.fromkeys(_STATE_ADJECTIVES, MANIFESTATION))
_ADJECTIVE_HEAD = frozenset(("ruptured", "hypoplastic", *_STATE_ADJECTIVES))
_FINDING_HEAD_IDS = frozenset(get_string_id(w) for w in _FINDING_HEADS)  # looked up by the tokens' LOWER
_MODIFIERS = re.compile(r"(?<![\w'-])(?:[A-Za-z][\w'-]*\s+){1,2}$")  # the one or two words before the head
_WORD = re.compile(r"\S+")
_NOT_A_MODIFIER = frozenset(
    "the a an this that these those his her their its of and or no any underlying other same such previous prior "
    "new known primary secondary without with was were is but similar above below following which had has have "
    "having in on for from to by as at again also nor neither either not some all both after before since due "
    "reveal reveals revealed revealing show shows showed shown showing find finds found indicate indicates indicated "
    "indicating highlighted observe observed observing exclude excluded excluding develop developed developing suggest "
    "suggested suggesting confirm confirmed demonstrate demonstrated demonstrating noted presented suffered experienced "
    "done caused causing".split())
# Words built the same way that name no disorder (procedures, tissue, cell biology, normal values).
_NOT_DISORDER = frozenset(
    "diagnosis cytodiagnosis prognosis anastomosis stroma stromas stoma stomas mitosis apoptosis orthosis "
    "hemostasis haemostasis homeostasis osmosis symbiosis meiosis phagocytosis endocytosis exocytosis "
    "necroptosis chemotaxis diploma diplomas aroma melanosis anesthesia anaesthesia cardioplegia diathermia".split())
# A finding word that names what a test, score or procedure is about ("tumor markers", "Glasgow coma
# scale", "body mass index", "tumor resection") asserts no finding (train: 33 of 35 such finding
# spans are no MACCROBAT finding; MACCROBAT marks the whole as a diagnostic or therapeutic procedure;
# session 7 added serology/screen/study: "viral hepatitis serologies", "cardiomyopathy study", 5 of 5).
_MEASURED_BY = frozenset(
    "markers marker index score scores scale level levels test tests count counts ratio stain staining screening "
    "panel titer titre titers titres workup assessment resection resections excision removal board serology serologies "
    "screen study studies".split())
_MEASURED_BY_IDS = frozenset(get_string_id(w) for w in _MEASURED_BY)
_SHORT = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Za-z0-9-]{0,7}$")  # "CMP", "VTs"; not "Tumor"
# A short form that the report never defines and no dictionary knows, named as what the diagnosis
# is ("a diagnosis of PV was made", "consistent with NEC", "diagnosed with idiopathic BCS",
# "confirmed SFTL") is a disorder, and so is every other use of it in the report (MACCROBAT types
# a phrase one way within a report). Case reports write the disorder's long form in the title or
# abstract, which MACCROBAT's text leaves out. Undefined short forms in general are disorders 14%
# of the time on train (session 6); of the 38 spans this rule adds in the joint CV, 34 are gold
# disorders. "confirmed by" introduces the test, not the diagnosis ("confirmed by CSF cytology").
_DIAGNOSIS_CUE = _cue_before((*_DIAGNOSIS_PHRASES, r"diagnoses\s+of", r"suspicion\s+of", r"confirm(?:ed|ing|s)?(?!\s+by\b)",
                              r"confirmation\s+of", r"support\s+for"))
# every cue of _DIAGNOSIS_CUE holds one of these words
_DIAGNOSIS_STEMS = ("diagnos", "consistent", "compatible", "suggestive", "suspicion", "confirm", "support")
_DIAGNOSIS_STEM = re.compile("|".join(_DIAGNOSIS_STEMS), re.I)
_COMPOUND_NEXT = re.compile(r"[-\u2013][A-Z]")
_CAPITAL_WORD = re.compile(r"(?<![\w-])[A-Z][A-Za-z0-9-]{1,7}(?![\w])")
_ROMAN = re.compile(r"^[IVX]+[A-Ca-c]?$")  # a stage or class ("stage IIIB"), not a short form


def phrase_key(tokens: Sequence[str]) -> str:
    """The lookup key of a token sequence: lower-case tokens joined by one space."""
    return " ".join(t.lower() for t in tokens)


@dataclass
class Table:
    add: dict[str, str] = field(default_factory=dict)  # phrase -> type
    retype: dict[tuple[str, str], str] = field(default_factory=dict)  # (phrase, from type) -> to type
    nonmed: set[str] = field(default_factory=set)  # Drug phrases that are not medications
    # first token of every `add` phrase -> the phrase lengths starting with it (longest first)
    first: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # the same keyed by the first token's string ID (a Doc's LOWER array)
    first_ids: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def index(self) -> "Table":
        lens: dict[str, set[int]] = defaultdict(set)
        for p in self.add:
            toks = p.split(" ")
            lens[toks[0]].add(len(toks))
        self.first = {k: tuple(sorted(v, reverse=True)) for k, v in lens.items()}
        self.first_ids = {get_string_id(k): v for k, v in self.first.items()}
        return self


def read_table(*paths: Path | str, tokenizer: Callable[[str], Doc] | None = None) -> Table:
    """The rows of tables written by `write_table` (or curated in the same format: action, type(s),
    phrase[, counts]). With `tokenizer`, phrases are keyed by its tokens ("fresh-frozen plasma" ->
    "fresh - frozen plasma"), as the component matches them."""
    t = Table()
    for path in paths or (DATA,):
        for cols in table_rows(path):
            key = phrase_key(w.text for w in tokenizer(cols[2])) if tokenizer else cols[2].lower()
            if cols[0] == "add":
                t.add[key] = cols[1]
            elif cols[0] == "retype":
                src, dst = cols[1].split(">")
                t.retype[(key, src)] = dst
            elif cols[0] == "nonmed":
                t.nonmed.add(key)
    return t.index()


def find_phrases(words: Sequence[str], table: Table, blocked: set[int]) -> list[tuple[int, int, str]]:
    """Non-overlapping `add` phrases in `words` (longest first, left to right) whose tokens are
    not in `blocked` (covered by a rule span): (start, end, type)."""
    low = [w.lower() for w in words]
    first = table.first
    return _choose_phrases(len(low), [i for i, w in enumerate(low) if w in first], lambda i: first[low[i]],
                           lambda a, b: " ".join(low[a:b]), table, blocked)


def _doc_phrases(words: "LowerWords", table: Table, blocked: set[int]) -> list[tuple[int, int, str]]:
    """`find_phrases` over a Doc's LOWER IDs: only the tokens that start some `add` phrase are
    decoded (building every token's text cost a third of the component)."""
    ids, first = words.lower_ids, table.first_ids
    return _choose_phrases(len(ids), [i for i, h in enumerate(ids) if h in first], lambda i: first[ids[i]],
                           words.key, table, blocked)


def _choose_phrases(n: int, starts: list[int], lengths: Callable[[int], tuple[int, ...]], key: Callable[[int, int], str],
                    table: Table, blocked: set[int]) -> list[tuple[int, int, str]]:
    """The longest-first, left-to-right choice of `add` phrases among `n` tokens, given the tokens
    that start some phrase (`starts`, ascending), the phrase lengths starting there, and the
    `phrase_key` of a token range."""
    out: list[tuple[int, int, str]] = []
    end = 0
    for i in starts:
        if i < end or i in blocked:
            continue
        for k in lengths(i):
            if i + k <= n and not any(j in blocked for j in range(i, i + k)):
                typ = table.add.get(key(i, i + k))
                if typ is not None:
                    out.append((i, i + k, typ))
                    end = i + k
                    break
    return out


# string ID -> string, for the process: the StringStore decodes a new str on every lookup
_LOWER_STRINGS: dict[int, str] = {}


class LowerWords:
    """The lower-case text of a Doc's tokens by their LOWER string IDs (token objects cost more);
    kg.nlp.finding_type's view of a Doc builds on it, and kg.nlp.drug_use borrows `word` (as
    `finding_type._DocView.lower`) for a class with the same `lower_ids` and `strings`."""

    def __init__(self, doc: Doc, ids: list[int] | None = None) -> None:
        self.lower_ids: list[int] = doc.to_array("LOWER").tolist() if ids is None else ids
        self.strings = doc.vocab.strings

    def word(self, i: int) -> str:
        h = self.lower_ids[i]
        w = _LOWER_STRINGS.get(h)
        if w is None:
            w = _LOWER_STRINGS[h] = self.strings[h]
        return w

    def key(self, start: int, end: int) -> str:
        """`phrase_key` of tokens start..end."""
        return " ".join([self.word(i) for i in range(start, end)])


def _finding_tokens(spans: Sequence[Span]) -> set[int]:
    return {i for s in spans if s.label_ in _TYPES for i in range(s.start, s.end)}


class CaseTerms:
    def __init__(self, nlp: Language, name: str, path: str) -> None:
        extensions.register()
        self.name = name
        paths = [p for p in path.split(",") if p] or [DATA, CURATED]
        self.table = read_table(*paths, tokenizer=nlp.tokenizer)

    def __call__(self, doc: Doc) -> Doc:
        # fewer tokens than the words a case report needs: no case report, and no need for the
        # text (outside kg.extract, doc_text has to build it: spaCy joins every token)
        text = doc_text(doc) if len(doc) >= genre.MIN_WORDS else None
        group = doc.spans.get(extensions.SPAN_GROUP)
        spans = list(group) if group is not None else []
        # a slice of the text is a span's text (Span.text joins its tokens, several times slower)
        surface = (lambda s: s.text) if text is None else (lambda s: text[s.start_char:s.end_char])
        if (text is None or _FIGURE_WORD.search(text)) and any(_FIGURE.match(surface(s)) for s in spans):
            spans = [s for s in spans if not _FIGURE.match(surface(s))]
            doc.spans[extensions.SPAN_GROUP] = spans
        if text is None or not genre.is_case_narrative(doc):
            return doc
        spans = _short_forms_like_long_forms(spans, text)
        words = LowerWords(doc)
        lower = words.lower_ids
        kept, named = [], set()
        for s in spans:
            key = words.key(s.start, s.end)
            if s.label_ == DRUG and key == "h2o" and _after_length_unit(s):
                continue  # "PEEP 7 cm H2O" is a pressure unit (ventilator settings), not water given
            if s.label_ in _FINDINGS and s.end < len(doc) and lower[s.end] in _MEASURED_BY_IDS:
                named.update(range(s.start, s.end))  # no finding of its own, nor one of the rules below
                continue
            if s.label_ == DRUG and key in self.table.nonmed and not _given(s):
                s._.attrs = {**(s._.attrs or {}), "role": "analyte"}
            to = self.table.retype.get((key, s.label_))
            if s.label_ == MANIFESTATION and _DIAGNOSIS_BEFORE.search(text, max(0, s.start_char - 60), s.start_char):
                to = DISEASE
            if to is not None:
                s = retyped(s, to)
            kept.append(s)
        blocked = _finding_tokens(kept) | named
        found = _doc_phrases(words, self.table, blocked)
        for start, end, _ in found:
            blocked.update(range(start, end))
        for m in _LONG_WORD.finditer(text):  # one scan of the text, not a Python loop over tokens
            word = m.group().lower()
            shape = _word_shape(word)
            sp = doc.char_span(m.start(), m.end()) if shape and disorder_shaped(word) else None
            if sp is not None and len(sp) == 1 and sp.start not in blocked:
                found.append((sp.start, sp.end, shape))
                blocked.add(sp.start)
        # the rare head word first, then the words before it; the finding heads are looked up by
        # token (a regex alternation of ~70 words over the text cost 4% of the worker)
        heads = [(h.start(), h.end(), h.group().lower(), False) for h in _DISORDER_HEAD.finditer(text)]
        for i in [i for i, h in enumerate(lower) if h in _FINDING_HEAD_IDS]:
            heads.append((doc[i].idx, doc[i].idx + len(doc[i]), doc[i].lower_, True))
        for h_start, h_end, word, alone in heads:
            mods = _MODIFIERS.search(text, max(0, h_start - 60), h_start) if word not in _ADJECTIVE_HEAD else None
            first = _first_modifier(mods) if mods else None
            if first is None and alone:
                first = h_start
            sp = doc.char_span(first, h_end) if first is not None else None
            if sp is not None and not any(i in blocked for i in range(sp.start, sp.end)):
                found.append((sp.start, sp.end, _FINDING_HEADS.get(word, DISEASE) if alone else DISEASE))
                blocked.update(range(sp.start, sp.end))
        found += _diagnosed_short_forms(doc, text, blocked)
        for start, end, typ in found:
            sp = Span(doc, start, end, label=typ)
            sp._.concept_label = text[sp.start_char:sp.end_char]
            sp._.xrefs = ()
            sp._.attrs = {"source": "case_terms"}
            kept.append(sp)
        doc.spans[extensions.SPAN_GROUP] = kept
        return doc


def _diagnosed_short_forms(doc: Doc, text: str, blocked: set[int]) -> list[tuple[int, int, str]]:
    """(start, end, DISEASE) for each uncovered use of a short form that the report names as a
    diagnosis once at least (`_DIAGNOSIS_CUE` right before it: words and spaces only, so within
    its sentence). A scan of the text; tokens are looked up only for the forms a cue names (a
    loop over every token would cost more than the rest of the component)."""
    uses: dict[str, list[re.Match]] = defaultdict(list)
    cued: set[str] = set()
    stems: list[int] | None = None  # where the cue words start, found on the first short form
    for m in _CAPITAL_WORD.finditer(text):
        form = m.group()
        if not _SHORT.match(form) or _ROMAN.match(form) or _FIGURE_WORD.match(form):
            continue
        if text[m.start() - 1:m.start()] in ("-", "\u2013") or _COMPOUND_NEXT.match(text, m.end()):
            continue  # one part of a compound name ("BCS-TIPS index")
        uses[form].append(m)
        if form in cued:
            continue
        if stems is None:
            stems = _stem_starts(text)
        # the cue regex only where one of its words starts in the window (most forms have none)
        window = max(0, m.start() - 70)
        k = bisect_left(stems, window)
        if k < len(stems) and stems[k] < m.start() and _DIAGNOSIS_CUE.search(text, window, m.start()) and \
                _free(doc, m, blocked):
            cued.add(form)
    return [(sp.start, sp.end, DISEASE) for form in sorted(cued) for m in uses[form] if (sp := _free(doc, m, blocked))]


def _stem_starts(text: str) -> list[int]:
    """Sorted offsets where a `_DIAGNOSIS_STEMS` word starts, any case: `str.find` on the lower-
    cased text (five times faster than the case-blind regex), or the regex where lower-casing
    changes the text's length (a few non-ASCII letters do) and so the offsets."""
    low = text.lower()
    if len(low) != len(text):
        return [m.start() for m in _DIAGNOSIS_STEM.finditer(text)]
    out = []
    for stem in _DIAGNOSIS_STEMS:
        i = low.find(stem)
        while i != -1:
            out.append(i)
            i = low.find(stem, i + 1)
    return sorted(out)


def _free(doc: Doc, m: re.Match, blocked: set[int]) -> Span | None:
    """The one-token span of `m`, unless a span holds it already or holds the next token, which
    it then names something about ("CNS metastases")."""
    sp = doc.char_span(m.start(), m.end())
    if sp is None or len(sp) != 1 or sp.start in blocked or sp.end in blocked:
        return None
    return sp


def _short_forms_like_long_forms(spans: list[Span], text: str) -> list[Span]:
    """A short form ("CMP") takes the finding type of the long form with its concept in the same
    document ("cardiomyopathy (CMP)" is a disease, so is every "CMP"): the lexicon types each span
    by its own words, and an abbreviation's letters do not read as a diagnosis. `text`: the Doc's
    text (a slice of it is the span's text; Span.text joins its tokens, several times slower)."""
    long_type: dict[str, tuple[int, str]] = {}
    short: dict[int, bool] = {}  # index in spans -> linked finding spelled like a short form
    for i, s in enumerate(spans):
        kb = s.kb_id_
        if kb and s.label_ in _FINDINGS:
            surface = text[s.start_char:s.end_char]
            short[i] = bool(_SHORT.match(surface))
            if not short[i] and len(surface) > long_type.get(kb, (0, ""))[0]:
                long_type[kb] = (len(surface), s.label_)
    if not long_type:
        return spans
    out = []
    for i, s in enumerate(spans):
        lt = long_type.get(s.kb_id_) if short.get(i) else None
        out.append(retyped(s, lt[1]) if lt and lt[1] != s.label_ else s)
    return out


def _first_modifier(m: re.Match) -> int | None:
    """Where a named disorder starts: at the first of the words right before its name that are not
    words that name nothing ("with renal disease" -> "renal disease", "manometry found failure" ->
    "failure"); None when the word right before is one of those ("had disease")."""
    start = None
    for w in reversed(list(_WORD.finditer(m.group()))):
        if w.group().lower() in _NOT_A_MODIFIER:
            break
        start = m.start() + w.start()
    return start


def disorder_shaped(word: str) -> bool:
    """A word shaped like a diagnosis ("fibroadenoma", "hypoplasia"), not a normal value
    ("normokalemia") or one of the words built the same way that name no disorder."""
    return len(word) >= 7 and word not in _NOT_DISORDER and not word.startswith("normo")


def _after_length_unit(s: Span) -> bool:
    i = s.start - 1
    while i >= 0 and s.doc[i].is_space:  # "7\u2005cm\u2005H2O": spaCy keeps odd spaces as tokens
        i -= 1
    return i >= 0 and s.doc[i].lower_ in ("cm", "mm")


def _given(s: Span) -> bool:
    doc = s.doc
    return any(t.lower_ in _GIVEN for t in doc[max(0, s.start - 2):s.start]) or any(
        t.lower_ in _GIVEN for t in doc[s.end:s.end + 2])


def retyped(s: Span, label: str) -> Span:
    """A copy of `s` with another type, keeping its CURIE and extension values."""
    new = Span(s.doc, s.start, s.end, label=label, kb_id=s.kb_id)
    for attr in ("concept_label", "xrefs", "attrs", "status", "cue"):
        setattr(new._, attr, getattr(s._, attr))
    return new


@Language.factory("casekg_case_terms", default_config={"path": ""})
def make_case_terms(nlp: Language, name: str, path: str) -> CaseTerms:
    """`path`: comma-separated tables ("" = the shipped learned MACCROBAT table and the curated
    one). Which documents count as case reports is `kg.nlp.genre`'s decision, shared with the
    lexicon."""
    return CaseTerms(nlp, name, path)


# --------------------------------------------------------------------------- learning the table


def build_table(docs: Sequence, nlp: Language, **params: float) -> list[tuple[str, str, str, int, int]]:
    """Rows (action, type, phrase, positive occurrences, occurrences) learned from brat gold docs
    (kg.gold.GoldDoc); `params` are `learn_rows`' thresholds.

    `nlp` is the pipeline *without* this component (the rules whose output it corrects).
    """
    return learn_rows([(d, nlp(d.text)) for d in docs], nlp.tokenizer, **params)


def learn_rows(
    parsed: Sequence[tuple],  # (kg.gold.GoldDoc, Doc parsed by the pipeline without this component)
    tok: Callable[[str], Doc],
    *,
    min_ratio: float = 0.5,
    min_count: int = 2,
    min_docs: int = 2,
    retype_ratio: float = 0.7,
    nonmed_ratio: float = 0.2,
) -> list[tuple[str, str, str, int, int]]:
    """The rows of `build_table`, from documents already parsed (cross-validation parses each
    document once)."""
    docs = [d for d, _ in parsed]
    gold_phr: set[str] = set()
    for d in docs:
        for m in d.mentions:
            if m.type in _TYPES:
                words = [t.text for t in tok(m.text) if not t.is_space]
                if 1 <= len(words) <= MAX_TOKENS and not any(ch.isdigit() for ch in m.text) and \
                        phrase_key(words) not in NOT_LEARNED:
                    gold_phr.add(phrase_key(words))
    cand = Table(add={p: "?" for p in gold_phr}).index()
    occ: dict[str, int] = defaultdict(int)
    pos: dict[tuple[str, str], int] = defaultdict(int)
    pos_docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    span_occ: dict[tuple[str, str], int] = defaultdict(int)
    span_pos: dict[tuple[str, str, str], int] = defaultdict(int)
    span_docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d, doc in parsed:
        gold = defaultdict(list)
        for m in d.mentions:
            gold[m.type].append((m.start, m.end))

        def hits(a: int, b: int) -> set[str]:
            return {t for t in _TYPES if any(a < y and x < b for x, y in gold[t])}

        spans = [s for s in doc.spans.get(extensions.SPAN_GROUP, []) if s.label_ in _TYPES]
        for s in spans:
            key = (phrase_key(t.text for t in s), s.label_)
            span_occ[key] += 1
            span_docs[key].add(d.id)
            for t in hits(s.start_char, s.end_char):
                span_pos[(*key, t)] += 1
        for a, b, _ in find_phrases([t.text for t in doc], cand, _finding_tokens(spans)):
            sp = doc[a:b]
            p = phrase_key(t.text for t in sp)
            occ[p] += 1
            for t in hits(sp.start_char, sp.end_char):
                pos[(p, t)] += 1
                pos_docs[(p, t)].add(d.id)
    rows = []
    for (p, t), n in pos.items():
        if n >= min_count and len(pos_docs[(p, t)]) >= min_docs and n / occ[p] >= min_ratio:
            # the best type if a phrase qualifies for two
            if all(n >= pos.get((p, u), 0) for u in _TYPES):
                rows.append(("add", t, p, n, occ[p]))
    for (p, typ), n in span_occ.items():
        if n < min_count + 1 or len(span_docs[(p, typ)]) < min_docs:
            continue
        own = span_pos.get((p, typ, typ), 0)
        if typ == DRUG:
            if own / n <= nonmed_ratio:
                rows.append(("nonmed", DRUG, p, own, n))
            continue
        other = DISEASE if typ == MANIFESTATION else MANIFESTATION
        o = span_pos.get((p, typ, other), 0)
        if o / n >= retype_ratio and own / n <= 1 - retype_ratio:
            rows.append(("retype", f"{typ}>{other}", p, o, n))
    return sorted(rows)


# How the shipped table is remade, in its header: it goes stale when the rules before this component
# change what they find (a new lexicon version), and the finding-type weights are learned on spans it
# types, so they are rebuilt after it. Both builds are deterministic (same tree, same bytes).
REBUILD = "python -m kg.nlp.case_terms build, then python -m kg.nlp.finding_type build"


def write_table(rows: Sequence[tuple[str, str, str, int, int]], path: Path | str, note: str = "") -> None:
    """The table file; `note` (e.g. the lexicon version it was learned on) ends its first comment."""
    head = ("# action\ttype\tphrase\tpositive\toccurrences\n"
            f"# Learned by kg.nlp.case_terms.build_table from the 128 MACCROBAT train documents of our split{note}.\n"
            f"# Rebuild: {REBUILD}.\n")
    Path(path).write_text(head + "".join(f"{a}\t{t}\t{p}\t{n}\t{o}\n" for a, t, p, n, o in rows), encoding="utf-8")


def cross_validate(docs: Sequence, pre: Language, full: Language, folds: int = 5, **params: float):  # noqa: ANN201
    """`folds`-fold cross-validation of the learned table on gold docs (kg.gold.GoldDoc): the table
    learned from the other folds (`learn_rows(**params)`, plus the curated rows) is used by `full`'s
    case_terms component on each held-out fold. `pre` is the pipeline up to this component.
    Returns one kg.evaluate.Report (MACCROBAT profile) summed over the folds."""
    import tempfile

    from kg.evaluate import cross_validate_component

    comp = full.get_pipe("casekg_case_terms")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.tsv"

        def fit(training: list[tuple]) -> None:
            write_table(learn_rows(training, pre.tokenizer, **params), path)
            comp.table = read_table(path, CURATED, tokenizer=full.tokenizer)

        return cross_validate_component(docs, pre, full, fit, folds)


if __name__ == "__main__":
    import sys

    from kg import gold
    from kg.evaluate import format_report
    from kg.nlp.pipeline import PIPELINE, build_nlp

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args or args[0] not in ("build", "cv"):
        sys.exit("usage: python -m kg.nlp.case_terms build [OUT.tsv] | cv")
    names = [n for n, _ in PIPELINE]
    upto = names.index("casekg_case_terms") if "casekg_case_terms" in names else names.index("casekg_lexicon") + 1
    if args[0] == "cv":
        # the thresholds and row kinds are chosen by this figure (train only; dev reports)
        params = {k.lstrip("-"): float(v) for k, v in (a.split("=", 1) for a in sys.argv[1:] if a.startswith("--"))}
        print(format_report(cross_validate(gold.maccrobat_train(), build_nlp(PIPELINE[:upto]), build_nlp(), **params)))
        sys.exit(0)
    out = Path(args[1]) if len(args) > 1 else DATA
    from kg.nlp.lexicons import LEXICON_VERSION

    rows = build_table(gold.maccrobat_train(), build_nlp(PIPELINE[:upto]))
    write_table(rows, out, f", on the spans of lexicon v{LEXICON_VERSION}")
    counts = defaultdict(int)
    for r in rows:
        counts[r[0]] += 1
    print(f"{len(rows)} rows ({dict(counts)}) -> {out}")
