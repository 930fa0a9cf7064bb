"""Assertion status (negated / hypothetical / historical / uncertain) via medspaCy ConText.

medspaCy's default rules were written for clinical notes; in case-report prose a few of them
misfire, so they are dropped or narrowed here (each with the sentence that showed why):
- "resolved"/"now resolved" negate forward: "rash resolved under prednisolone" negated the drug;
  a resolved finding was present, and the outcome component records the resolution.
- "prophylaxis" negates backward: "valaciclovir prophylaxis" is an exposure, not a negation.
- "return" is hypothetical forward: "return of the rash" in a case narrative happened.
- "not" / "was not" negate forward: "was not well tolerated because of lactose intolerance"
  negated the reason; a PSEUDO rule for "not (well) tolerated" stops that.
Our own rules add "normal X" (normal muscle enzymes -> not elevated), "X was not detected",
"within normal limits", "prior"/"previously" (historical) and "to prevent" (hypothetical).
"""

import json
import os

import medspacy  # noqa: F401  (registers medspaCy factories)
from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.model import ANTIBODY, DOSE, OUTCOME
from kg.nlp.extensions import SPAN_GROUP, register

_DROP = {"resolved", "now resolved", "prophylaxis", "return", "presentation"}

# ConText category -> our status, strongest first (a negation beats a history cue)
_STATUS = {
    "NEGATED_EXISTENCE": "negated",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "hypothetical",  # a relative's finding is not asserted for the patient
    "POSSIBLE_EXISTENCE": "uncertain",
    "HISTORICAL": "historical",
}
_PRIORITY = list(_STATUS)


def _default_rules() -> list[ConTextRule]:
    path = os.path.join(os.path.dirname(medspacy.__file__), "..", "resources", "en", "context_rules.json")
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)["context_rules"]
    rules = []
    for r in raw:
        if r["literal"] in _DROP:
            continue
        kwargs = {k: r[k] for k in ("pattern", "direction", "max_scope", "max_targets") if k in r}
        for k in ("allowed_types", "excluded_types"):
            if k in r:
                kwargs[k] = set(r[k])
        rules.append(ConTextRule(r["literal"], r["category"], **kwargs))
    return rules


def _own_rules() -> list[ConTextRule]:
    L = lambda words: {"LOWER": {"IN": words}}  # noqa: E731
    neg = "NEGATED_EXISTENCE"
    return [
        ConTextRule("normal X", neg, pattern=[L(["normal", "unremarkable", "unaffected"])], direction="FORWARD", max_scope=3),
        ConTextRule("X normal", neg, pattern=[L(["was", "were", "remained", "is", "are"]), L(["normal", "unremarkable", "negative"])],
                    direction="BACKWARD", max_scope=6),
        ConTextRule("within normal limits", neg, pattern=[L(["within"]), L(["normal"]), L(["limits", "range", "ranges"])],
                    direction="BACKWARD", max_scope=6),
        ConTextRule("was not detected", neg, pattern=[L(["was", "were", "is", "are"]), L(["not", "never"]),
                                                      L(["detected", "found", "observed", "seen", "present", "noted", "recorded",
                                                         "reported", "identified", "evident", "detectable"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("was absent", neg, pattern=[L(["was", "were", "is", "are", "remained"]), L(["absent", "undetectable"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("none of", neg, pattern=[L(["none", "neither", "nor"])], direction="FORWARD", max_scope=8),
        ConTextRule("excluded", neg, pattern=[L(["was", "were"]), L(["excluded"])], direction="BACKWARD", max_scope=8),
        ConTextRule("not tolerated", "PSEUDO", pattern=[L(["not", "poorly"]), L(["well"], ) | {"OP": "?"}, L(["tolerated", "tolerate"])],
                    direction="PSEUDO"),
        ConTextRule("not only", "PSEUDO", pattern=[L(["not"]), L(["only", "just", "until"])], direction="PSEUDO"),
        ConTextRule("no longer", "PSEUDO", pattern=[L(["no"]), L(["longer"])], direction="PSEUDO"),
        ConTextRule("prior to", "PSEUDO", pattern=[L(["prior"]), L(["to"])], direction="PSEUDO"),
        ConTextRule("previously", "HISTORICAL", pattern=[L(["previously", "formerly", "previous", "prior", "past"])],
                    direction="FORWARD", max_scope=6),
        ConTextRule("to prevent", "HYPOTHETICAL", pattern=[L(["to", "for"]), L(["prevent", "avoid", "prevention", "prophylaxis"])],
                    direction="FORWARD", max_scope=6),
        ConTextRule("in case of", "HYPOTHETICAL", pattern=[L(["in"]), L(["case"]), L(["of"])], direction="FORWARD", max_scope=6),
        ConTextRule("would", "HYPOTHETICAL", pattern=[L(["would", "could", "may", "might"]), L(["develop", "occur", "cause", "induce"])],
                    direction="BIDIRECTIONAL", max_scope=6),
    ]


class CaseContext:
    def __init__(self, nlp: Language, name: str, max_scope: int | None) -> None:
        register()
        self.context = ConText(
            nlp,
            name=f"{name}_medspacy",
            rules=None,
            input_span_type="group",
            span_group_name=SPAN_GROUP,
            excluded_types={OUTCOME, DOSE},
            max_scope=max_scope,
        )
        self.context.add(_default_rules() + _own_rules())

    def __call__(self, doc: Doc) -> Doc:
        if SPAN_GROUP not in doc.spans:
            doc.spans[SPAN_GROUP] = []
        self.context(doc)
        # "no improvement of the rash", "no relapse of myositis": the "no" belongs to the outcome
        # cue, and the finding itself was there
        outcome_toks = {i for s in doc.spans[SPAN_GROUP] if s.label_ == OUTCOME for i in range(s.start, s.end)}
        for span in doc.spans[SPAN_GROUP]:
            if span._.attrs is None:
                span._.attrs = {}
            best = None
            for mod in getattr(span._, "modifiers", ()) or ():
                cat = mod.category.upper()
                if cat not in _STATUS:
                    continue
                if any(i in outcome_toks for i in range(*mod.modifier_span)):
                    continue
                if best is None or _PRIORITY.index(cat) < _PRIORITY.index(best[0]):
                    best = (cat, mod)
            if best is not None:
                span._.status = _STATUS[best[0]]
                span._.cue = doc[best[1].modifier_span[0]:best[1].modifier_span[1]].text
            else:
                span._.status = "present"
                span._.cue = None
            if span.label_ == ANTIBODY:
                self._antibody(span)
        return doc

    @staticmethod
    def _antibody(span: Span) -> None:
        """Keep polarity and status telling the same story: negative serology is a negated finding."""
        pol = span._.attrs.get("polarity")
        if span._.status == "negated" and pol != "negative":
            span._.attrs["polarity"] = "negative"
            span._.attrs["polarity_cue"] = span._.cue or ""
        elif pol == "negative" and span._.status == "present":
            span._.status = "negated"
            span._.cue = span._.attrs.get("polarity_cue") or "negative"


@Language.factory("casekg_context", default_config={"max_scope": None})
def make_context(nlp: Language, name: str, max_scope: int | None) -> CaseContext:
    return CaseContext(nlp, name, max_scope)
