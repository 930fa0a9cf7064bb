"""Article -> Extraction: repair the text, run the spaCy pipeline, map offsets back.

Everything in the Extraction points into the *original* article text; the Doc only ever
saw the repaired text. Ids are assigned in text order so the same input always gives the
same Extraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import kg
from kg.model import PRESENT, Article, Extraction, Mention, Patient, Sentence, Statement
from kg.text import RepairedText, repair

if TYPE_CHECKING:
    from spacy.tokens import Doc

_BATCH = 16


def _software() -> str:
    return f"casekg {kg.__version__}"


def extract(article: Article) -> Extraction:
    """Extract mentions, patients and statements from one article."""
    return next(iter(extract_many([article])))


def extract_many(articles: Iterable[Article], batch_size: int = _BATCH) -> Iterator[Extraction]:
    """Like `extract` for many articles, streaming them through `nlp.pipe` in batches."""
    from kg.nlp.doctext import make_doc
    from kg.nlp.pipeline import get_nlp

    nlp = get_nlp()
    pending: list[tuple[Article, RepairedText]] = []

    def docs() -> Iterator[Doc]:
        for art in articles:
            rep = repair(art.text)
            pending.append((art, rep))
            yield make_doc(nlp, rep.text)

    for doc in nlp.pipe(docs(), batch_size=batch_size):
        art, rep = pending.pop(0)
        yield _to_extraction(art, rep, doc)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to exclude surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _to_extraction(article: Article, rep: RepairedText, doc) -> Extraction:
    from kg.nlp.doctext import SpanExtensions, sentence_at

    original = article.text

    def orig(start: int, end: int) -> tuple[int, int]:
        s, e = rep.to_original(start, end)
        s, e = max(0, min(s, len(original))), max(0, min(e, len(original)))
        if e < s:
            e = s
        return _trim(original, s, e)

    # One pass over the sentences; a token's sentence is found by bisecting sentence starts
    # (Span.sent walks the tokens and a per-token dict cost more than the NLP components).
    sentences: list[Sentence] = []
    doc_starts: list[int] = []  # start token of every doc sentence
    doc_sent_to_idx: list[int] = []  # doc sentence -> Extraction sentence (0 when skipped)
    text = rep.text  # == doc.text; slicing it is what Span.text rebuilds token by token
    for sent in doc.sents:
        doc_starts.append(sent.start)
        doc_sent_to_idx.append(0)
        start_char, end_char = sent.start_char, sent.end_char
        if not text[start_char:end_char].strip():
            continue
        s, e = orig(start_char, end_char)
        if e <= s:
            continue
        doc_sent_to_idx[-1] = len(sentences)
        sentences.append(Sentence(index=len(sentences), start=s, end=e, text=original[s:e]))

    sent_patient = doc._.sent_patient or {}
    text_len = len(text)

    def sent_index_at(char: int) -> int:
        tok = doc.char_span(char, char + 1, alignment_mode="expand") if char < text_len else None
        return doc_sent_to_idx[sentence_at(doc_starts, tok.start)] if tok is not None else 0

    patients: list[Patient] = []
    for p in doc._.patients or []:
        s, e = orig(p["start_char"], p["end_char"])
        patients.append(Patient(id=p["id"], label=p["label"], start=s, end=e, sentence=sent_index_at(p["start_char"]),
                                age=p.get("age"), sex=p.get("sex")))

    spans = doc.spans["casekg"] if "casekg" in doc.spans else []
    keyed: dict[tuple, object] = {}
    for span in spans:
        key = (span.start_char, span.end_char, span.label_)
        if key not in keyed:
            keyed[key] = span
    ordered = sorted(keyed.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[1].kb_id_))
    mentions: list[Mention] = []
    mention_id: dict[tuple, str] = {}
    ext = SpanExtensions(doc).get  # span._ values without an accessor object per span
    for key, span in ordered:
        s, e = orig(key[0], key[1])
        if e <= s:
            continue
        mid = f"m{len(mentions)}"
        mention_id[key] = mid
        status = ext(span, "status") or PRESENT
        attrs = {k: str(v) for k, v in sorted((ext(span, "attrs") or {}).items())}
        si = sentence_at(doc_starts, span.start)
        mentions.append(Mention(
            id=mid, type=key[2], text=original[s:e], start=s, end=e, sentence=doc_sent_to_idx[si],
            label=ext(span, "concept_label") or span.text, concept_id=span.kb_id_ or None,
            xrefs=tuple(ext(span, "xrefs") or ()), status=status, cue=ext(span, "cue") if status != PRESENT else None,
            patient=sent_patient.get(doc_starts[si]), attrs=attrs,
        ))

    statements: list[Statement] = []
    for st in doc._.statements or []:
        subj = mention_id.get(tuple(st["subject"]))
        if subj is None:
            continue
        tgt = mention_id.get(tuple(st["target"])) if st.get("target") else None
        statements.append(Statement(
            id=f"s{len(statements)}", kind=st["kind"], patient=st["patient"], subject=subj, target=tgt,
            value=st.get("value"), status=st.get("status") or PRESENT, cue=st.get("cue"),
            sentence=doc_sent_to_idx[st["sentence"]] if 0 <= st["sentence"] < len(doc_sent_to_idx) else 0,
            attrs={k: str(v) for k, v in sorted((st.get("attrs") or {}).items())},
        ))
    return Extraction(article_id=article.id, sentences=sentences, mentions=mentions, patients=patients,
                      statements=statements, software=_software())
