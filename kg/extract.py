"""Article -> Extraction: repair the text, run the spaCy pipeline, map offsets back.

Everything in the Extraction points into the *original* article text; the Doc only ever
saw the repaired text. Ids are assigned in text order so the same input always gives the
same Extraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import kg
from kg.model import PRESENT, Article, Extraction, Mention, Patient, Sentence, Statement
from kg.text import RepairedText, repair

_BATCH = 16


def _software() -> str:
    return f"casekg {kg.__version__}"


def extract(article: Article) -> Extraction:
    """Extract mentions, patients and statements from one article."""
    return next(iter(extract_many([article])))


def extract_many(articles: Iterable[Article], batch_size: int = _BATCH) -> Iterator[Extraction]:
    """Like `extract` for many articles, streaming them through `nlp.pipe` in batches."""
    from kg.nlp.pipeline import get_nlp

    nlp = get_nlp()
    pending: list[tuple[Article, RepairedText]] = []

    def texts() -> Iterator[str]:
        for art in articles:
            rep = repair(art.text)
            pending.append((art, rep))
            yield rep.text

    for doc in nlp.pipe(texts(), batch_size=batch_size):
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
    original = article.text

    def orig(start: int, end: int) -> tuple[int, int]:
        s, e = rep.to_original(start, end)
        s, e = max(0, min(s, len(original))), max(0, min(e, len(original)))
        if e < s:
            e = s
        return _trim(original, s, e)

    sentences: list[Sentence] = []
    sent_of_token: dict[int, int] = {}
    sent_starts: list[int] = []
    for sent in doc.sents:
        if not sent.text.strip():
            continue
        s, e = orig(sent.start_char, sent.end_char)
        if e <= s:
            continue
        idx = len(sentences)
        sentences.append(Sentence(index=idx, start=s, end=e, text=original[s:e]))
        sent_starts.append(sent.start)
        for t in range(sent.start, sent.end):
            sent_of_token[t] = idx
    # doc-internal sentence index (relations) -> Extraction sentence index
    doc_sent_to_idx: dict[int, int] = {}
    for di, sent in enumerate(doc.sents):
        doc_sent_to_idx[di] = sent_of_token.get(sent.start, 0)
    sent_patient = doc._.sent_patient or {}

    def sent_index_at(char: int) -> int:
        tok = doc.char_span(char, char + 1, alignment_mode="expand") if char < len(doc.text) else None
        return sent_of_token.get(tok.start, 0) if tok is not None else 0

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
    for key, span in ordered:
        s, e = orig(span.start_char, span.end_char)
        if e <= s:
            continue
        mid = f"m{len(mentions)}"
        mention_id[key] = mid
        status = span._.status or PRESENT
        attrs = {k: str(v) for k, v in sorted((span._.attrs or {}).items())}
        mentions.append(Mention(
            id=mid, type=span.label_, text=original[s:e], start=s, end=e, sentence=sent_of_token.get(span.start, 0),
            label=span._.concept_label or span.text, concept_id=span.kb_id_ or None, xrefs=tuple(span._.xrefs or ()),
            status=status, cue=span._.cue if status != PRESENT else None,
            patient=sent_patient.get(span.sent.start), attrs=attrs,
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
            sentence=doc_sent_to_idx.get(st["sentence"], 0),
            attrs={k: str(v) for k, v in sorted((st.get("attrs") or {}).items())},
        ))
    return Extraction(article_id=article.id, sentences=sentences, mentions=mentions, patients=patients,
                      statements=statements, software=_software())
