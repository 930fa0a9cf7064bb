"""How often an uncovered phrase of a MACCROBAT case report is a finding, by a learned scorer.

The session-7 measurement of a span-level gap filler (docs/quality.md, "MACCROBAT session 7"):
the lexicon and `kg.nlp.case_terms` find the findings that have a name, and MACCROBAT also marks
a long tail of descriptions ("crusting", "diverticula", "weak breath sounds") that no word list
reaches. Candidates are the runs of content words that no span of the pipeline up to
`casekg_finding_type` covers (cut at function words, punctuation, numbers and report verbs; the
last `MAX_TOKENS` words of a longer run); a logistic regression (`kg.nlp.finding_type.train`)
scores each from the phrase's own words, its head word's standing in the HPO and disease
vocabularies (how many names hold it, how many end in it), the words around it, the sentence's
cue words ("revealed", "complained of"), nearness to a finding span and the report's own use of
the head word. 5-fold CV by document (document i in fold i % 5), train only.

`python benchmarks/uncovered_phrases.py [--l2=X] [--target=any|sign|new]` prints, per
probability threshold, how many candidates the scorer keeps and how many of them overlap a gold
finding (any type), a gold Sign_symptom, and a gold finding no existing span touches. An added
span pays for overlap F1 where more than F1/2 of such spans are right (about 0.36 for signs).
The candidates read the shipped case_terms table, which was learned from these 128 reports too
(the joint CV of `kg.nlp.finding_type` learns it per fold; the figures in the docs came from a
pipeline hook that did, since removed).
"""


import functools
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span

from kg import vocab
from kg.model import DISEASE, MANIFESTATION
from kg.nlp import extensions, genre
from kg.nlp.finding_type import Model, _DocView, train

MAX_TOKENS = 4  # the last words of a longer run: MACCROBAT's findings are short, modifiers are entities of their own
_FINDINGS = (MANIFESTATION, DISEASE)
_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"^[A-Za-z][A-Za-z'-]*$")
# Words that end a candidate: function words, and the verbs and nouns of report prose that
# frame a finding rather than name one ("revealed", "patient", "admitted").
_BREAK = frozenset(STOP_WORDS) | frozenset(
    "patient patients reveal reveals revealed revealing show shows showed shown showing find finds found indicate "
    "indicated indicating observe observed exclude excluded develop developed developing suggest suggested suggesting "
    "confirm confirmed demonstrate demonstrated demonstrating noted presented present presenting suffered experienced "
    "complained complaining admitted underwent undergo performed done given received started treated caused causing "
    "diagnosed diagnosis year years old month months day days week weeks hour hours time times man woman boy girl male "
    "female age aged history case report reported mr mrs dr".split())


def _word_ok(w: str) -> bool:
    return bool(_ALPHA.match(w)) and w.lower() not in _BREAK


def candidates(doc: Doc, covered: set[int]) -> list[tuple[int, int]]:
    """(start, end) token runs of content words that no span covers, inside one sentence, at
    most `MAX_TOKENS` long (the last ones of a longer run, where the head of an English noun
    phrase stands)."""
    out = []
    for sent in doc.sents:
        start = None
        for i in range(sent.start, sent.end + 1):
            if i < sent.end and i not in covered and _word_ok(doc[i].text):
                if start is None:
                    start = i
            elif start is not None:
                out.append((max(start, i - MAX_TOKENS), i))
                start = None
    return out


@functools.lru_cache(maxsize=1)
def word_index() -> dict[str, tuple[int, int, int, int]]:
    """Lower-case word -> (HPO names holding it, HPO names ending in it, disease names holding
    it, disease names ending in it), over the phenotype and disease vocabularies' labels and
    synonyms. Built once per process (about a second), cached on disk with the vocabularies."""
    return vocab.load_cached("uncovered-phrase-words", vocab.cache_key("uncovered_phrases", "1"), _build_word_index)


def _build_word_index() -> dict[str, tuple[int, int, int, int]]:
    counts: dict[str, list[int]] = {}
    split = re.compile(r"[a-z][a-z'-]*")
    for curie, t in vocab.snapshot().terms.items():
        if t.kind == "hpo":
            if not vocab.is_phenotypic_abnormality(curie):
                continue
            k = 0
        elif t.kind == "disease":
            k = 2
        else:
            continue
        for name in {t.label, *(s for s, _, _ in t.synonyms)}:
            words = split.findall(name.lower())
            if not words:
                continue
            for w in set(words):
                counts.setdefault(w, [0, 0, 0, 0])[k] += 1
            counts.setdefault(words[-1], [0, 0, 0, 0])[k + 1] += 1
    return {w: tuple(c) for w, c in counts.items()}


_PROCEDURE = ("ectomy", "ectomies", "otomy", "ostomy", "scopy", "graphy", "gram", "grams", "plasty", "therapy")


@functools.lru_cache(maxsize=1)
def _sites() -> frozenset[str]:
    from kg.nlp.anatomy import body_sites

    return frozenset(body_sites())


def _bin(n: int) -> str:
    return "0" if n == 0 else "1" if n <= 2 else "3" if n <= 10 else "11" if n <= 50 else "51"


@functools.lru_cache(maxsize=20000)
def _word_features(words: tuple[str, ...]) -> tuple[str, ...]:
    index = word_index()
    head = words[-1]
    f = [f"h={head}", f"h3={head[-3:]}", f"h4={head[-4:]}", f"n={len(words)}", *(f"w={w}" for w in words)]
    if len(words) > 1:
        f.append(f"f={words[0]}")
        f.append(f"t={' '.join(words)}")
    hh, he, dh, de = index.get(head, (0, 0, 0, 0))
    f += [f"hpo_has={_bin(hh)}", f"hpo_end={_bin(he)}", f"dis_has={_bin(dh)}", f"dis_end={_bin(de)}"]
    sites = _sites()
    if head in sites:
        f.append("head_site")
    elif any(w in sites for w in words):
        f.append("has_site")
    if head.endswith(_PROCEDURE) or head == "biopsy":
        f.append("head_procedure")
    for w in words[:-1]:
        c = index.get(w, (0, 0, 0, 0))
        if c[0] + c[2]:
            f.append("mod_in_vocab")
            break
    return tuple(f)


def span_features(start: int, end: int, view: _DocView, finding_at: Sequence[int],
                  finding_words: frozenset[str] = frozenset(), head_count: int = 1) -> list[str]:
    """Sparse features of the candidate doc[start:end]; `finding_at`: ascending token indices
    where a finding span starts or ends (for nearness)."""
    words = tuple(view.lower(i) for i in range(start, end))
    f = ["bias", *_word_features(words)]
    k = bisect_right(view.sent_starts, start) - 1
    sent_start = view.sent_starts[k]
    sent_end = view.sent_starts[k + 1] if k + 1 < len(view.sent_starts) else view.n
    left = view.words(max(sent_start, start - 3), start)
    right = view.words(end, min(sent_end, end + 2))
    f.append(f"l1={left[-1] if left else '<s>'}")
    f.append(f"r1={right[0] if right else '</s>'}")
    if len(left) > 1:
        f.append(f"l2={left[-2]}")
    j, names = bisect_right(view.cue_at, sent_start - 1), set()
    while j < len(view.cue_at) and view.cue_at[j] < start:
        names.add(view.cue_name[j])
        j += 1
    f += [f"cue={name}" for name in sorted(names)]
    n = bisect_right(finding_at, sent_end - 1) - bisect_right(finding_at, sent_start - 1)
    f.append(f"sent_findings={min(n // 2, 3)}")
    j = bisect_right(finding_at, start)
    near = (j > 0 and start - finding_at[j - 1] <= 2) or (j < len(finding_at) and finding_at[j] - end <= 1)
    if near:
        f.append("near_finding")
    if start == sent_start:
        f.append("sent_first")
    if words[-1] in finding_words:
        f.append("head_in_finding")  # the report names a finding with this word elsewhere
    if head_count > 1:
        f.append("head_repeated")
    if end < view.n and _DIGIT.search(view.lower(end)):
        f.append("r_num")  # the name of a measured quantity ("hemoglobin 9 g/dl")
    if start > 0 and _DIGIT.search(view.lower(start - 1)):
        f.append("l_num")
    return f


def _finding_edges(spans: Iterable[Span]) -> list[int]:
    return sorted({x for s in spans if s.label_ in _FINDINGS for x in (s.start, s.end)})


def doc_candidates(doc: Doc) -> list[tuple[int, int, list[str]]]:
    """(start, end, features) for every candidate of a case-report narrative."""
    spans = list(doc.spans.get(extensions.SPAN_GROUP, []))
    covered = {i for s in spans for i in range(s.start, s.end)}
    cands = candidates(doc, covered)
    if not cands:
        return []
    view = _DocView(doc)
    edges = _finding_edges(spans)
    finding_words = frozenset(view.lower(i) for s in spans if s.label_ in _FINDINGS for i in range(s.start, s.end))
    heads = Counter(view.lower(b - 1) for _, b in cands)
    out = []
    for a, b in cands:
        f = span_features(a, b, view, edges, finding_words, heads[view.lower(b - 1)])
        surface = doc[a:b].text
        if surface.isupper() and len(surface) <= 8:
            f.append("short_form")
        elif surface[:1].isupper():
            f.append("capital")
        out.append((a, b, f))
    return out


# --------------------------------------------------------------------------- learning the weights


def labelled(d, doc: Doc) -> list[tuple[list[str], tuple[int, int, int]]]:  # noqa: ANN001 - kg.gold.GoldDoc
    """(features, (overlaps a gold finding, overlaps a gold sign, overlaps a gold finding that no
    finding span of `doc` touches)) for every candidate of a case-report narrative."""
    if not genre.is_case_narrative(doc):
        return []
    found = [(s.start_char, s.end_char) for s in doc.spans.get(extensions.SPAN_GROUP, []) if s.label_ in _FINDINGS]
    gold = [(m.start, m.end, m.type) for m in d.mentions if m.type in _FINDINGS]
    out = []
    for a, b, feats in doc_candidates(doc):
        sa, sb = doc[a].idx, doc[b - 1].idx + len(doc[b - 1])
        hit = [(x, y, t) for x, y, t in gold if x < sb and sa < y]
        new = any(not any(p < y and x < q for p, q in found) for x, y, _ in hit)
        out.append((feats, (int(bool(hit)), int(any(t == MANIFESTATION for *_, t in hit)), int(new))))
    return out


def cv_scores(per_doc: Sequence[list[tuple[list[str], tuple[int, int, int]]]], target: int, folds: int = 5,
              **params: float) -> list[tuple[float, tuple[int, int, int]]]:
    """(held-out probability, labels) of every candidate; `target` picks the label learned (0: any
    finding, 1: a sign, 2: a finding no span touches)."""
    out = []
    for k in range(folds):
        ex = [(f, y[target]) for i, rows in enumerate(per_doc) if i % folds != k for f, y in rows]
        model = Model(train(ex, **params))
        out += [(model.p_disease(f), y) for i, rows in enumerate(per_doc) if i % folds == k for f, y in rows]
    return out


if __name__ == "__main__":
    import sys

    from kg import gold
    from kg.nlp.pipeline import build_nlp_before

    args = dict(a.lstrip("-").split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    target = ("any", "sign", "new").index(args.get("target", "any"))
    pre = build_nlp_before("casekg_finding_type")
    per_doc = [labelled(d, pre(d.text)) for d in gold.maccrobat_train()]
    print(f"{sum(map(len, per_doc))} candidates; kept / overlap a gold finding / a gold sign / a finding no span touches")
    scores = cv_scores(per_doc, target, l2=float(args.get("l2", 1.0)))
    for th in (0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7):
        kept = [y for p, y in scores if p >= th]
        n = max(1, len(kept))
        print(f"p >= {th}: {len(kept)}" + "".join(f" / {sum(y[j] for y in kept)} ({sum(y[j] for y in kept) / n:.2f})" for j in range(3)))
