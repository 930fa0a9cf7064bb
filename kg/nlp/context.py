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
"within normal limits", "prior"/"previously" (historical), "to prevent" (hypothetical), and end a
cue's scope at "and" opening a new clause ("denied chest pain and was given aspirin").
"""

import itertools
import json
import os

import medspacy  # noqa: F401  (registers medspaCy factories)
from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText, ConTextRule
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.model import ANTIBODY, DOSE, OUTCOME
from kg.nlp.doctext import SpanExtensions
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


# Words that, right after "and", open a clause of their own (a finite verb, a subject pronoun, a
# time adverb) rather than continue a list of findings.
_CLAUSE_STARTS = ["was", "were", "is", "are", "had", "has", "have", "received", "receives", "underwent",
                  "started", "began", "required", "responded", "improved", "recovered", "developed",
                  "then", "subsequently", "later", "thereafter", "she", "he", "they", "we"]


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
        # A coordinated clause with its own verb or subject starts a new assertion: in "she denied
        # chest pain and was given aspirin" or "a history of asthma and was started on rituximab"
        # the cue stops at "and". "and" before a noun ("no fever, chills and myalgia") does not.
        ConTextRule("and (new clause)", "TERMINATE", pattern=[L(["and"]), L(_CLAUSE_STARTS)], direction="TERMINATE"),
        # The sentencizer does not split at ";", which in case-report prose joins two clauses:
        # "she had no fever; methotrexate was started".
        ConTextRule("semicolon", "TERMINATE", pattern=[L([";"])], direction="TERMINATE"),
        ConTextRule("would", "HYPOTHETICAL", pattern=[L(["would", "could", "may", "might"]), L(["develop", "occur", "cause", "induce"])],
                    direction="BIDIRECTIONAL", max_scope=6),
    ]


def _phrases(pattern: list[dict]) -> list[list[str]]:
    """A token pattern of `LOWER` tests (`{"IN": [...]}` sets, `"OP": "?"`) as the word sequences it matches.

    Every ConText rule pattern has this shape, so all rules fit one PhraseMatcher (a hash
    lookup per token) instead of spaCy's Matcher, which starts every pattern at every token
    and evaluates IN sets in Python: on case-report text the matcher went from ~60% of the
    component's time to a few percent. Returns None for a pattern of another shape.
    """
    choices: list[list[str | None]] = []
    for tok in pattern:
        if set(tok) - {"LOWER", "OP"} or tok.get("OP") not in (None, "?"):
            return None
        value = tok["LOWER"]
        words = value["IN"] if isinstance(value, dict) and set(value) == {"IN"} else [value]
        if not all(isinstance(w, str) for w in words):
            return None
        # a LOWER test on an upper-case word can never match: leave it out
        options: list[str | None] = [w for w in words if w == w.lower()]
        if tok.get("OP") == "?":
            options.append(None)
        choices.append(options)
    out = []
    for combo in itertools.product(*choices):
        words = [w for w in combo if w is not None]
        if words:
            out.append(words)
    return out


class _FastConText:
    """medspaCy's `ConText.__call__`, same rules and same result, without its two hot spots.

    1. The rule matcher: one PhraseMatcher for all rules (see `_phrases`). Matches go through
       medspaCy's own pruning, ordered as its matcher orders them (pattern rules before
       literal rules, each in rule order), so ties between rules on one span resolve the same.
    2. The ConText graph: medspaCy compares every modifier with every modifier and every
       target with every modifier in the document (quadratic in document length). A
       modifier's scope never leaves its sentence (forward/backward/bidirectional scopes are
       cut at the sentence, and rule `max_scope` only shrinks them), so only pairs within
       one sentence can interact; we visit only those, in medspaCy's order.
    """

    def __init__(self, nlp: Language, context: ConText) -> None:
        self.context = context
        self.max_scope = context.max_scope
        self.rule_map: dict[str, ConTextRule] = {}
        self.rank: dict[int, tuple[int, int]] = {}
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for index, rule in enumerate(context.rules):
            rid = rule._rule_id
            self.rule_map[rid] = rule
            key = nlp.vocab.strings.add(rid)
            if isinstance(rule.pattern, list):
                phrases = _phrases(rule.pattern)
                if phrases is None:
                    raise ValueError(f"ConText rule {rule.literal!r}: pattern shape not supported by the fast path")
                self.rank[key] = (0, index)
                if phrases:
                    self.matcher.add(rid, [Doc(nlp.vocab, words=w) for w in phrases])
            elif rule.pattern is None:
                self.rank[key] = (1, index)
                self.matcher.add(rid, [nlp.make_doc(rule.literal.lower())])
            else:
                raise ValueError(f"ConText rule {rule.literal!r}: regex patterns are not supported by the fast path")
        self.vocab = nlp.vocab

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        matches = sorted(set(self.matcher(doc)), key=lambda m: (m[1], m[2], self.rank[m[0]]))
        return prune_overlapping_matches(matches) if matches else matches

    def __call__(self, doc: Doc) -> Doc:
        targets = doc.spans[self.context.span_group_name]
        sent_of = [0] * len(doc)
        bounds = []
        for si, sent in enumerate(doc.sents):
            sent_of[sent.start:sent.end] = [si] * (sent.end - sent.start)  # not a loop per token
            bounds.append((sent.start, sent.end))
        modifiers = []
        by_sent: dict[int, list[int]] = {}
        vocab_strings = self.vocab.strings
        for match_id, start, end in self._matches(doc):
            rule = self.rule_map[vocab_strings[match_id]]
            by_sent.setdefault(sent_of[start], []).append(len(modifiers))
            scope = _scope(rule, start, end, bounds[sent_of[start]])
            modifiers.append(ConTextModifier(rule, start, end, doc, scope_start=scope[0], scope_end=scope[1],
                                             max_scope=self.max_scope))
        # update_scopes, restricted to pairs in one sentence (same i<j order as medspaCy)
        for idx in by_sent.values():
            for a in range(len(idx) - 1):
                m1 = modifiers[idx[a]]
                for b in range(a + 1, len(idx)):
                    m2 = modifiers[idx[b]]
                    m1.limit_scope(m2)
                    m2.limit_scope(m1)
        # apply_modifiers (prune_on_target_overlap is off for us, as in medspaCy's default)
        if modifiers:
            for target in targets:
                if target.end <= target.start:
                    continue
                s0, s1 = sent_of[target.start], sent_of[target.end - 1]
                cand = by_sent.get(s0, []) if s0 == s1 else sorted(
                    i for s in range(s0, s1 + 1) for i in by_sent.get(s, ()))
                for i in cand:
                    if modifiers[i].modifies(target):
                        modifiers[i].modify(target)
        edges = []
        for modifier in modifiers:
            modifier.reduce_targets()
            for target in modifier._targets:
                edges.append((target, modifier))
        ext = SpanExtensions(doc)
        for target, modifier in edges:
            ext.set(target, "modifiers", ext.get(target, "modifiers") + (modifier,))
        if self.context.context_attributes_mapping:
            self.context.set_context_attributes(edges)
        graph = ConTextGraph(prune_on_modifier_overlap=False)
        graph.targets, graph.modifiers, graph.edges = targets, modifiers, edges
        doc._.context_graph = graph
        return doc


def _scope(rule: ConTextRule, start: int, end: int, sent: tuple[int, int]) -> tuple[int, int]:
    """The scope `ConTextModifier` gives a match at tokens [start, end) of sentence `sent` with
    no component-level max_scope (the fast path's case): its own computation reads
    `doc[start].sent`, a walk over the sentence's tokens per modifier; the bounds are known."""
    direction = rule.direction.lower()
    limit = rule.max_scope
    if direction == "forward":
        scope_start, scope_end = end, sent[1]
        if limit is not None and scope_end - scope_start > limit:
            scope_end = end + limit
    elif direction == "backward":
        scope_start, scope_end = sent[0], start
        if limit is not None and scope_end - scope_start > limit:
            scope_start = start - limit
    else:  # bidirectional, and the rest (terminate, pseudo), as medspaCy does
        scope_start, scope_end = sent
        if limit is not None and start - scope_start > limit:
            scope_start = start - limit
        if limit is not None and scope_end - end > limit:
            scope_end = end + limit
    return scope_start, scope_end


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
        self.fast = None if context_prune(self.context) else _FastConText(nlp, self.context)

    def __call__(self, doc: Doc) -> Doc:
        if SPAN_GROUP not in doc.spans:
            doc.spans[SPAN_GROUP] = []
        (self.fast or self.context)(doc)
        # "no improvement of the rash", "no relapse of myositis": the "no" belongs to the outcome
        # cue, and the finding itself was there
        outcome_toks = {i for s in doc.spans[SPAN_GROUP] if s.label_ == OUTCOME for i in range(s.start, s.end)}
        ext = SpanExtensions(doc)  # span._ values without an accessor object per read
        has_modifiers = Span.has_extension("modifiers")
        for span in doc.spans[SPAN_GROUP]:
            if ext.get(span, "attrs") is None:
                ext.set(span, "attrs", {})
            best = None
            for mod in (ext.get(span, "modifiers") if has_modifiers else ()) or ():
                cat = mod.category.upper()
                if cat not in _STATUS:
                    continue
                if any(i in outcome_toks for i in range(*mod.modifier_span)):
                    continue
                if best is None or _PRIORITY.index(cat) < _PRIORITY.index(best[0]):
                    best = (cat, mod)
            if best is not None:
                ext.set(span, "status", _STATUS[best[0]])
                ext.set(span, "cue", doc[best[1].modifier_span[0]:best[1].modifier_span[1]].text)
            else:
                ext.set(span, "status", "present")
                ext.set(span, "cue", None)
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


def context_prune(context: ConText) -> bool:
    """The fast path reproduces medspaCy only without target-overlap pruning (our setting)."""
    # A component-level max_scope makes token windows that cross sentences.
    return bool(context.prune_on_target_overlap) or context.input_span_type != "group" or bool(context.max_scope)


@Language.factory("casekg_context", default_config={"max_scope": None})
def make_context(nlp: Language, name: str, max_scope: int | None) -> CaseContext:
    return CaseContext(nlp, name, max_scope)
