"""Body sites of manifestations: `span._.attrs["body_site"]` ("face; neck").

Case reports locate findings in three ways, all handled here:
  - an adjective chain before the finding:  "neck, facial and periungual erythema"
  - a site word inside the linked span:     "abdominal pain"
  - a prepositional phrase after it:        "erythema prone to the face, collar and neck",
                                             "an abscess in the axilla", "plaque on both knees"
Sites come from a small curated table (kg/data/body_sites.tsv) of surface forms, nouns and
adjectives, mapped to one canonical name. No anatomy ontology (UBERON) ships in an installable
package here, so sites are kept as canonical text, not as identifiers.
"""

import functools
from importlib.resources import files

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.nlp import extensions
from kg.nlp.doctext import sentence_at, sentence_starts
from kg.nlp.tables import table_rows

_FINDING_LABELS = ("Manifestation", "Disease", "AdverseEvent")
_LINKERS = {"in", "on", "of", "over", "at", "around", "involving", "affecting", "to", "along", "across", "within"}
_DETERMINERS = {"the", "both", "his", "her", "their", "left", "right", "bilateral", "upper", "lower", "entire", "whole", "a"}
_TAIL_NOUNS = {"area", "areas", "region", "regions", "side", "sides", "aspect", "aspects", "surface", "surfaces"}
# Words allowed between a finding and the preposition that locates it ("erythema prone to the
# face", "a rash mainly on the trunk"); anything else (another finding, "and") breaks the link.
_GAP_WORDS = {"prone", "located", "localized", "localised", "limited", "confined", "mainly", "predominantly",
              "especially", "distributed", "extending", "spreading", "present", "seen", "noted", "mostly", "primarily"}
_MAX_GAP = 3


@functools.lru_cache(maxsize=1)
def body_sites() -> dict[str, str]:
    """surface form (lower case) -> canonical site."""
    table: dict[str, str] = {}
    for canonical, forms in table_rows(files("kg").joinpath("data/body_sites.tsv")):
        for form in forms.split("|"):
            table[form.strip().lower()] = canonical.strip()
    return table


class BodySites:
    def __init__(self, nlp: Language, name: str) -> None:
        extensions.register()
        self.sites = body_sites()
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("SITE", list(nlp.tokenizer.pipe(sorted(self.sites))))

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(extensions.SPAN_GROUP)
        if not spans:
            return doc
        findings = [s for s in spans if s.label_ in _FINDING_LABELS]
        if not findings:
            return doc
        # longest site match per start token, e.g. "lower back" over "back"
        at: dict[int, Span] = {}
        for _, start, end in self.matcher(doc):
            if start not in at or end > at[start].end:
                at[start] = doc[start:end]
        if not at:
            return doc
        starts = sentence_starts(doc)
        for span in findings:
            # bounds of span.sent, found by bisection (Span.sent walks the tokens on every call)
            k = sentence_at(starts, span.start)
            sent_start, sent_end = starts[k], starts[k + 1] if k + 1 < len(starts) else len(doc)
            sites = self._inside(span, at) + self._before(span, at, sent_start) + self._after(span, at, sent_end)
            if sites:
                ordered = list(dict.fromkeys(sites))
                attrs = dict(span._.attrs or {})
                attrs["body_site"] = "; ".join(ordered)
                span._.attrs = attrs
        return doc

    def _site(self, span: Span) -> str:
        return self.sites[span.text.lower()]

    def _inside(self, span: Span, at: dict[int, Span]) -> list[str]:
        return [self._site(at[i]) for i in range(span.start, span.end) if i in at and at[i].end <= span.end]

    def _before(self, span: Span, at: dict[int, Span], sent_start: int) -> list[str]:
        # Walk left over "X, Y and Z" directly in front of the finding.
        doc, i, found = span.doc, span.start - 1, []
        while i >= sent_start:
            hit = next((at[j] for j in range(max(sent_start, i - 2), i + 1) if j in at and at[j].end == i + 1), None)
            if hit is not None:
                found.append(self._site(hit))
                i = hit.start - 1
                continue
            if doc[i].text in {",", "and", "or"} and (found or span.start in at):
                i -= 1
                continue
            break
        return list(reversed(found))

    def _after(self, span: Span, at: dict[int, Span], sent_end: int) -> list[str]:
        doc = span.doc
        i = span.end
        # "erythema prone to the face": allow a short gap before the linking preposition
        for gap in range(_MAX_GAP + 1):
            if i + gap >= sent_end:
                return []
            if doc[i + gap].lower_ in _LINKERS:
                i = i + gap + 1
                break
            if doc[i + gap].lower_ not in _GAP_WORDS:
                return []
        else:
            return []
        found: list[str] = []
        while i < sent_end:
            tok = doc[i]
            if i in at:
                found.append(self._site(at[i]))
                i = at[i].end
                continue
            if tok.lower_ in _DETERMINERS or tok.lower_ in _TAIL_NOUNS or (tok.text in {",", "and", "or"} and found):
                i += 1
                continue
            break
        return found


@Language.factory("casekg_anatomy")
def make_anatomy(nlp: Language, name: str) -> BodySites:
    return BodySites(nlp, name)
