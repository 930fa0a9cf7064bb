"""Assertion status (negated / hypothetical / historical / uncertain) via medspaCy ConText.

medspaCy's default rules were written for clinical notes; in case-report prose a few of them
misfire, so they are dropped or narrowed here (each with the sentence that showed why):
- "resolved"/"now resolved" negate forward: "rash resolved under prednisolone" negated the drug;
  a resolved finding was present, and the outcome component records the resolution.
- "prophylaxis" negates backward: "valaciclovir prophylaxis" is an exposure, not a negation.
- "return" is hypothetical forward: "return of the rash" in a case narrative happened.
- "not" / "was not" negate forward: "was not well tolerated because of lactose intolerance"
  negated the reason; a PSEUDO rule for "not (well) tolerated" stops that.
- "free" negates backward over the whole sentence: "free air", "free thyroxine"; kept as "X free",
  "X-free" (one word back) and "free of/from".
- "to exclude" negates: what a test is done to exclude is in question, so it is uncertain here.
- "child(ren)" is a family cue: in case reports the patient is often the child.
Our own rules add "normal X" (normal muscle enzymes -> not elevated), "X was not detected",
"within normal limits", "prior"/"previously" (historical), "to prevent" (hypothetical), and end a
cue's scope at "and" opening a new clause ("denied chest pain and was given aspirin"). Session 6
(issue #7, read on MACCROBAT train errors, scored with `kg.evaluate` against its POLARITY
attributes) adds scope ends (a presentation or diagnosis clause, exceptions, relative clauses,
a comma before a new subject, past report verbs), negation cues ("were ruled out", "excluded X",
"failed to reveal", "did not occur", "non-"), uncertain cues ("suspicion of", "suggesting",
"differential diagnosis", "whether") and hypothetical ones ("risk of", "planned for", "without
treatment, ... would"), and fixes medspaCy's scope overlap test (`_Modifier`). Session 7 adds
working-diagnosis hedges ("suspected to have", "considered as", "the initial diagnosis was",
"under the diagnosis of", "concern for"), "impending", "X-negative", "exclusion of", lets a cue
that opens a span modify it (`_Modifier.modifies`), and ends a cue at the end of a fronted
clause ("After exclusion of X, prednisone was started": `_FrontedClauses`). Session 9 adds a
diagnosis weighed after it ("X was considered,", "in the differential", "remained a possibility"),
plans ("will be started", "will receive"), a supposed origin, "to role out", "never
experienced" (a denial a hedge inside it does not soften), a reason ("due to") that ends a
negation, and fronted exceptions ("Aside from X, ...").
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
from kg.nlp.doctext import SpanExtensions, sentence_at, sentence_starts
from kg.nlp.extensions import SPAN_GROUP, register

_DROP = {"resolved", "now resolved", "prophylaxis", "return", "presentation",
         # "free" negated the word before it anywhere in the sentence: "free air", "free
         # thyroxine", "free-floating thrombi"; "free of" stays, "free from" and "X-free" are ours
         "free",
         # "decline(d)" negated what followed it anywhere: "creatine kinase declined after rituximab
         # was started" negated the rituximab; a refusal has a person as its subject (ours, below)
         "decline"}
# Default rules kept with another category: "to exclude X" puts X in question, it does not
# assert X absent ("a biopsy was taken to exclude malignancy"), as medspaCy's "rule out" does.
_RECATEGORISE = {"to exclude": "POSSIBLE_EXISTENCE"}
# Words taken out of a default rule's word set: in case reports the patient is often a child
# ("The child presented with hypotonia", "Children's Emergency Department", "Child-Pugh class"),
# so "child(ren)" alone is no family cue; "her/his child" is one of ours.
_NARROW = {"family": {"child", "children"}}

# ConText category -> our status, strongest first (a negation beats a history cue)
_STATUS = {
    "NEGATED_EXISTENCE": "negated",
    "NEGATED_PREFIX": "negated",  # "non-tender" (our rule)
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
        if r["literal"] in _NARROW:
            first = kwargs["pattern"][0]["LOWER"]
            kwargs["pattern"] = [{**kwargs["pattern"][0], "LOWER": {"IN": [w for w in first["IN"] if w not in _NARROW[r["literal"]]]}},
                                 *kwargs["pattern"][1:]]
        rules.append(ConTextRule(r["literal"], _RECATEGORISE.get(r["literal"], r["category"]), **kwargs))
    return rules


# Words that, right after "and", open a clause of their own (a finite verb, a subject pronoun, a
# time adverb) rather than continue a list of findings.
_CLAUSE_STARTS = ["was", "were", "is", "are", "had", "has", "have", "received", "receives", "underwent",
                  "started", "began", "required", "responded", "improved", "recovered", "developed",
                  "then", "subsequently", "later", "thereafter", "she", "he", "they", "we",
                  # a possessive subject: "discharged without complication and his anemia improved"
                  "his", "her", "their"]


# A category for the session-6 scope ends: a PSEUDO rule of this category ends the scope of every
# rule that lists it in `terminated_by` (all but the family rules, see CaseContext), where a
# TERMINATE rule would end the family cue's too.
_CLAUSE_END = "CLAUSE_END"


# A category for scope ends that end a negation's scope only (see CaseContext).
_REASON = "REASON_END"


def _clause_end(name: str, pattern: list[dict]) -> ConTextRule:
    return ConTextRule(name, _CLAUSE_END, pattern=pattern, direction="PSEUDO")


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
                    direction="BACKWARD", max_scope=16),
        ConTextRule("was absent", neg, pattern=[L(["was", "were", "is", "are", "remained"]), L(["absent", "undetectable"])],
                    direction="BACKWARD", max_scope=8),
        # "X free" / "X-free" negates the word before it only ("seizure free", "disease-free
        # survival"); medspaCy's "free" reached back over the sentence ("free air", "free
        # thyroxine" negated the findings before them)
        ConTextRule("X free", neg, pattern=[L(["-"]) | {"OP": "?"}, L(["free"])], direction="BACKWARD", max_scope=1),
        ConTextRule("free from", neg, pattern=[L(["free"]), L(["from"])], direction="FORWARD"),
        ConTextRule("none of", neg, pattern=[L(["none", "neither", "nor"])], direction="FORWARD", max_scope=8),
        # (16 tokens, session 9: "causes such as A, B, C and D also had to be excluded" reached D only)
        ConTextRule("excluded", neg, pattern=[L(["was", "were", "be", "been"]), L(["excluded"])], direction="BACKWARD", max_scope=16),
        # a study's exclusion criteria: "patients with anaemia were excluded from the study" names
        # who was left out, it does not deny the finding
        ConTextRule("were excluded from", "PSEUDO", pattern=[L(["was", "were", "be", "been"]), L(["excluded"]), L(["from"])],
                    direction="PSEUDO"),
        # -- negation cues, session 6 (MACCROBAT train errors) --
        # "was negative for X" is a forward cue; "X was negative" (above) took "was negative"
        # first and looked backward ("margins were negative for tumour cells" lost the tumour)
        ConTextRule("was negative for", neg, pattern=[L(["was", "were", "is", "are"]), L(["negative"]), L(["for"])],
                    direction="FORWARD"),
        # medspaCy has "is/are/was ruled out" and "has/have been ruled out", not "were" or "be"
        ConTextRule("were ruled out", neg, pattern=[L(["were", "be", "been"]), L(["ruled"]), L(["out"])], direction="BACKWARD",
                    max_scope=16),
        # an investigation that excludes: "CT excluded pulmonary embolism", "thereby ruling out
        # acute coronary syndrome", "the cardiolipin test excluded tabes"
        # ("excluding X" is "except X", no cue)
        ConTextRule("excluded X", neg, pattern=[L(["excluded", "excludes"])], direction="FORWARD", max_scope=6),
        ConTextRule("ruling out X", neg, pattern=[L(["ruling"]), L(["out"])], direction="FORWARD", max_scope=6),
        ConTextRule("failed to reveal", neg, pattern=[L(["failed", "fails"]), L(["to"]), L(["identify", "reveal", "show", "detect",
                                                                                          "demonstrate", "find", "disclose"])],
                    direction="FORWARD"),
        ConTextRule("was not given", neg, pattern=[L(["was", "were"]), L(["not", "never"]), L(["received", "given", "administered",
                                                                                          "used", "performed", "started"])],
                    direction="BACKWARD", max_scope=8),
        # "liver dysfunction did not appear": verbs without an object look back ("did not develop
        # fever" reads forward with medspaCy's "not"). With "and" before them the subject is
        # elided and may be anything earlier ("reduced tacrolimus and the hypertrophy did not
        # recur" and "... tacrolimus and did not recur"), so no cue there.
        ConTextRule("did not occur", neg, pattern=[L(["did", "does"]), L(["not"]), L(["appear", "occur", "recur"])],
                    direction="BACKWARD", max_scope=6),
        ConTextRule("and did not occur", "PSEUDO", pattern=[L(["and"]), L(["did", "does"]), L(["not"]), L(["appear", "occur", "recur"])],
                    direction="PSEUDO"),
        # "has not demonstrated any impairment": a past report verb after "not" is a negation, not
        # the scope end the verb alone is (below)
        # a refused treatment was not given: "he refused further chemotherapy", "rituximab was
        # proposed but refused" ("declined" alone also means "fell": only after "but" or a person)
        ConTextRule("refused", neg, pattern=[L(["refused", "refusing", "refuses"])], direction="FORWARD", max_scope=6),
        # "declined" is a refusal only with a person as its subject ("she declined surgery"); after a
        # finding or a value it means "fell" ("the anaemia declined with prednisone")
        ConTextRule("person declined", neg, pattern=[L(["she", "he", "they", "patient", "parents", "parent", "family",
                                                         "mother", "father", "husband", "wife", "we"]),
                                                      L(["declined", "declines"])], direction="FORWARD", max_scope=6),
        # (not "but denied", which reads forward: "nausea but denied hematemesis")
        ConTextRule("but refused", neg, pattern=[L(["but"]), L(["refused", "declined"])], direction="BACKWARD", max_scope=8),
        ConTextRule("not demonstrated", neg, pattern=[L(["not", "never"]), L(["revealed", "showed", "demonstrated", "disclosed"])],
                    direction="FORWARD", max_scope=8),
        # "non-tender": a category of its own (read as negated) so that it does not end the scope
        # of another negation the way two cues of one category do ("no evidence of non-midline
        # cleft palate or hypertension" kept its negation); it negates a finding only when the
        # finding is the one word after it (CaseContext): "non-immune thrombocytopenia" is one
        ConTextRule("non-", "NEGATED_PREFIX", pattern=[L(["non"]), L(["-"])], direction="FORWARD", max_scope=1),
        ConTextRule("not shown", "PSEUDO", pattern=[L(["not"]), L(["shown"])], direction="PSEUDO"),
        # "infarction could not be excluded" leaves it possible, it does not negate it
        ConTextRule("could not be excluded", "POSSIBLE_EXISTENCE", pattern=[L(["could", "can", "cannot"]), L(["not"]) | {"OP": "?"},
                                                                           L(["be"]), L(["excluded"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("not be ruled out", "POSSIBLE_EXISTENCE", pattern=[L(["not"]), L(["be"]), L(["ruled"]), L(["out"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("not tolerated", "PSEUDO", pattern=[L(["not", "poorly"]), L(["well"], ) | {"OP": "?"}, L(["tolerated", "tolerate"])],
                    direction="PSEUDO"),
        ConTextRule("not only", "PSEUDO", pattern=[L(["not"]), L(["only", "just", "until"])], direction="PSEUDO"),
        ConTextRule("no longer", "PSEUDO", pattern=[L(["no"]), L(["longer"])], direction="PSEUDO"),
        ConTextRule("prior to", "PSEUDO", pattern=[L(["prior"]), L(["to"])], direction="PSEUDO"),
        ConTextRule("previously", "HISTORICAL", pattern=[L(["previously", "formerly", "previous", "prior", "past"])],
                    direction="FORWARD", max_scope=6),
        # -- history, session 7 (a sample of our historical statuses on MACCROBAT train) --
        # "a two-week history of rash", "a 3-month history of cough": the time the presenting
        # complaint has lasted, not a past illness (medspaCy's "history" made the complaint
        # historical, so the graph lost its direct edge)
        ConTextRule("week history", "PSEUDO", pattern=[L(["hour", "hours", "day", "days", "week", "weeks", "month", "months", "year",
                                                          "years"]), L(["'s", "’s"]) | {"OP": "?"}, L(["history"])],
                    direction="PSEUDO"),
        # a citation, not the patient's past: "as previously described, the tumour cells ..."
        ConTextRule("previously described", "PSEUDO", pattern=[L(["previously"]), L(["described", "reported", "published",
                                                                                     "mentioned"])],
                    direction="PSEUDO"),
        ConTextRule("to prevent", "HYPOTHETICAL", pattern=[L(["to", "for"]), L(["prevent", "avoid", "prevention", "prophylaxis"])],
                    direction="FORWARD", max_scope=6),
        # "as prophylaxis against X", "primary prevention of X": X is what the drug is to avert
        ConTextRule("prophylaxis against", "HYPOTHETICAL", pattern=[L(["prophylaxis", "prevention"]), L(["against", "of"])],
                    direction="FORWARD", max_scope=6),
        ConTextRule("in case of", "HYPOTHETICAL", pattern=[L(["in"]), L(["case"]), L(["of"])], direction="FORWARD", max_scope=6),
        # A coordinated clause with its own verb or subject starts a new assertion: in "she denied
        # chest pain and was given aspirin" or "a history of asthma and was started on rituximab"
        # the cue stops at "and". "and" before a noun ("no fever, chills and myalgia") does not.
        ConTextRule("and (new clause)", "TERMINATE", pattern=[L(["and"]), L(_CLAUSE_STARTS)], direction="TERMINATE"),
        # The sentencizer does not split at ";", which in case-report prose joins two clauses:
        # "she had no fever; methotrexate was started".
        ConTextRule("semicolon", "TERMINATE", pattern=[L([";"])], direction="TERMINATE"),
        # -- where a cue's scope ends (session 6, read on MACCROBAT train errors) --
        # These end every cue's scope except a relative's (`_clause_end`): "her mother was
        # diagnosed with lupus", "her sister showed the same rash" are still family.
        # A presentation or diagnosis clause asserts what follows: "a woman with no significant
        # medical history presented with dyspnea", "without past history was diagnosed with
        # tuberculosis". (medspaCy's own present/presents/presenting rule is dropped above: it
        # also ended scopes at "X was present".)
        _clause_end("history developed", [L(["history"]), L([","]) | {"OP": "?"}, L(["developed", "presented", "presents", "presenting"])]),
        _clause_end("presented with", [L(["presented", "presents", "presenting", "present"]), L(["with", "to"])]),
        _clause_end("was diagnosed", [L(["was", "were", "is"]), L(["diagnosed"])]),
        # What an exception names was there: "no abnormalities besides anaemia", "apart from
        # lymphopenia, the course was unremarkable" (medspaCy has "aside from" and "except").
        _clause_end("besides", [L(["besides"])]),
        _clause_end("apart from", [L(["apart", "other"]), L(["from", "than"])]),
        # A relative clause or a participle of conclusion is a new assertion: "negative for CD3,
        # which was compatible with lymphoma", "no expression of CK7, confirming metastases".
        _clause_end("which", [L(["which", "confirming", "thereby"])]),
        # A reason given for what was not done names something that was there: "stent-grafting
        # was not considered due to concerns about thrombophilia" (session 9). It ends a negation
        # only: "presumed to be due to X" hedges X ("because" is a medspaCy terminator already).
        ConTextRule("due to", _REASON, pattern=[L(["due", "owing"]), L(["to"])], direction="PSEUDO"),
        # A comma and a new subject start a new clause: "given the lack of approved therapies,
        # the patient was treated with ribavirin", "in the absence of risk factors, it was
        # concluded ...", "no recurrence was found and the patient has been well" (session 7:
        # "and" too). A comma before a noun ("no fever, rash or cough") does not. The new
        # subject is the patient, so these end a relative's cue too ("after the birth of her
        # child, the patient developed a rash").
        ConTextRule(", the patient", "TERMINATE", pattern=[L([","]), L(["she", "he", "it", "they", "we"])], direction="TERMINATE"),
        ConTextRule(", the patient (noun)", "TERMINATE", pattern=[L([",", "and"]), L(["the", "our", "this", "his", "her"]),
                                                             L(["patient", "child", "woman", "man", "boy", "girl", "infant"])],
                    direction="TERMINATE"),
        # A report verb in the past opens a new finding: "negative for a lung tumour, a biopsy
        # revealed carcinoma", "CT excluded embolism and confirmed pulmonary oedema". Only past
        # forms: "did not reveal X" keeps its negation.
        _clause_end("revealed", [L(["revealed", "showed", "demonstrated", "confirmed", "disclosed"])]),
        # ... and so does a participle of the same verbs: "done without difficulty, revealing an
        # erythematous mucosa" (session 7)
        _clause_end("revealing", [L(["revealing", "showing", "demonstrating", "disclosing"])]),
        # -- uncertain and hypothetical cues, session 6 (MACCROBAT train errors) --
        ConTextRule("suspicion of", "POSSIBLE_EXISTENCE", pattern=[L(["suspicion", "suspected", "suspect", "suspicious", "possibility",
                                                                      "presumption"]), L(["of", "for"])],
                    direction="FORWARD", max_scope=8),
        ConTextRule("suspected X", "POSSIBLE_EXISTENCE", pattern=[L(["suspected", "presumed", "presumptive", "probable", "putative"])],
                    direction="FORWARD", max_scope=4),
        ConTextRule("X was suspected", "POSSIBLE_EXISTENCE", pattern=[L(["was", "were", "is", "are"]), L(["highly", "strongly"]) | {"OP": "?"},
                                                                     L(["suspected", "presumed", "suggested"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("suggesting X", "POSSIBLE_EXISTENCE", pattern=[L(["suggesting", "suggests", "suggested"])],
                    direction="FORWARD", max_scope=6),
        # what a differential lists is in question; "the differential diagnosis of X" names the
        # disease being told apart (X itself)
        ConTextRule("differential diagnosis", "POSSIBLE_EXISTENCE", pattern=[L(["differential"]), L(["diagnosis", "diagnoses"])],
                    direction="FORWARD", max_scope=10),
        ConTextRule("differential diagnosis of", "PSEUDO", pattern=[L(["differential"]), L(["diagnosis", "diagnoses"]), L(["of"])],
                    direction="PSEUDO"),
        # "whether", "to evaluate for": what an investigation looks for is in question
        ConTextRule("whether", "POSSIBLE_EXISTENCE", pattern=[L(["whether"])], direction="FORWARD", max_scope=8),
        # "to evaluate for X", "to screen for X", "to detect X"; not "to evaluate the effect of
        # thalidomide" (a study aim names what was given)
        ConTextRule("to evaluate for", "POSSIBLE_EXISTENCE", pattern=[L(["to"]), L(["evaluate", "assess", "investigate", "screen", "look",
                                                                                    "search", "test"]), L(["for"])],
                    direction="FORWARD", max_scope=6),
        ConTextRule("to detect", "POSSIBLE_EXISTENCE", pattern=[L(["to"]), L(["detect"])], direction="FORWARD", max_scope=6),
        # medspaCy's "risk(s) of" is one token that never matches ("risk of" is two)
        # (a short scope: "the risk of haemolysis in patients with hepatitis" - they have it)
        ConTextRule("risk of", "HYPOTHETICAL", pattern=[L(["risk", "risks", "likelihood"]), L(["of", "for"])],
                    direction="FORWARD", max_scope=4),
        # "risk factors for vasculopathy, such as hypertension": the factors the patient has are
        # listed after the short scope
        ConTextRule("risk factors for", "HYPOTHETICAL", pattern=[L(["risk"]), L(["factors", "factor"]), L(["of", "for"])],
                    direction="FORWARD", max_scope=3),
        ConTextRule("planned", "HYPOTHETICAL", pattern=[L(["planned", "scheduled"]), L(["for"]) | {"OP": "?"}],
                    direction="FORWARD", max_scope=6),
        # A comparison is not a hedge: "more likely to", "less likely than", "as likely as"
        # ("likely" alone, a medspaCy cue, stays one).
        ConTextRule("more likely than", "PSEUDO", pattern=[L(["more", "less", "as"]), L(["likely"])], direction="PSEUDO"),
        ConTextRule("as possible", "PSEUDO", pattern=[L(["as"]), L(["possible"])], direction="PSEUDO"),
        ConTextRule("family doctor", "PSEUDO", pattern=[L(["family"]), L(["doctor", "doctors", "physician", "practitioner"])],
                    direction="PSEUDO"),
        ConTextRule("her child", "FAMILY", pattern=[L(["her", "his", "their"]), L(["child", "children"])], direction="FORWARD", max_scope=8),
        # a counterfactual: "without treatment, the rash would worsen" is hypothetical, not
        # negated (the comma ends "without"'s own object)
        ConTextRule("without treatment,", "HYPOTHETICAL", pattern=[L(["without", "untreated"]), L(["treatment", "therapy", "intervention",
                                                                                              "surgery"]) | {"OP": "?"}, L([","])],
                    direction="FORWARD", max_scope=8),
        ConTextRule("if untreated", "HYPOTHETICAL", pattern=[L(["if"]), L(["left"]) | {"OP": "?"}, L(["untreated"])],
                    direction="BIDIRECTIONAL", max_scope=8),
        ConTextRule("would", "HYPOTHETICAL", pattern=[L(["would", "could", "may", "might"]), L(["develop", "occur", "cause", "induce",
                                                                                           "worsen", "progress", "recur", "lead"])],
                    direction="BIDIRECTIONAL", max_scope=6),
        # -- session 7 (MACCROBAT train errors) --
        # "X-negative" negates the one word before it, as "X-free" does ("node-negative",
        # "HIV-negative"); "X was negative" reads further back (above)
        ConTextRule("X-negative", neg, pattern=[L(["-"]), L(["negative"])], direction="BACKWARD", max_scope=1),
        # a passive refusal: "surgery was offered but denied by the patient" ("but denied X"
        # alone reads forward, as medspaCy's "denied" does)
        ConTextRule("but denied by", neg, pattern=[L(["but"]), L(["denied", "refused", "declined"]), L(["by"])],
                    direction="BACKWARD", max_scope=8),
        # a working diagnosis put in words: "suspected to have X", "presumed to be due to X",
        # "believed to be X" ("thought to be associated with X" names a cause the authors
        # assert, so "thought" is left out). The hedge covers the phrase right after it: "supposed
        # to be liver metastases from the colon cancer" hedges the metastases, not the cancer.
        ConTextRule("suspected to be", "POSSIBLE_EXISTENCE", pattern=[L(["suspected", "presumed", "supposed", "believed"]),
                                                                     L(["to"]), L(["be", "have", "represent"])],
                    direction="FORWARD", max_scope=4),
        ConTextRule("suggestion of", "POSSIBLE_EXISTENCE", pattern=[L(["suggestion"]), L(["of"])], direction="FORWARD", max_scope=6),
        ConTextRule("concern for", "POSSIBLE_EXISTENCE", pattern=[L(["concern", "concerns"]), L(["for", "of"])],
                    direction="FORWARD", max_scope=3),
        # "considered as an abscess", "treated as pneumonia": the diagnosis the team worked on
        # ("X was considered" alone, tried in session 6, read "was considered effective";
        # "diagnosed as X" asserts X)
        ConTextRule("considered as", "POSSIBLE_EXISTENCE", pattern=[L(["considered", "treated", "managed"]), L(["as"])],
                    direction="FORWARD", max_scope=4),
        # a diagnosis named as provisional: "the initial diagnosis was X", "a presumptive
        # diagnosis of X", "under the diagnosis of X, Y or Z"
        ConTextRule("provisional diagnosis", "POSSIBLE_EXISTENCE", pattern=[L(["presumptive", "provisional", "tentative", "working",
                                                                                "initial", "preliminary", "putative"]),
                                                                             L(["diagnosis", "diagnoses"])],
                    direction="FORWARD", max_scope=10),
        # (a long scope: the diagnoses come as a list, "under the diagnosis of A, B (C), D, or E,
        # we resected"; the comma and new subject end it)
        ConTextRule("under the diagnosis of", "POSSIBLE_EXISTENCE", pattern=[L(["under"]), L(["the", "a"]), L(["diagnosis"])],
                    direction="FORWARD", max_scope=20),
        # speculation: "the mass must have been a thrombus", "which we believed was caused by X"
        # (short: "we suspected X and Y was stopped" - Y was given)
        ConTextRule("must have been", "POSSIBLE_EXISTENCE", pattern=[L(["must", "may", "might", "could"]), L(["have"]), L(["been"])],
                    direction="FORWARD", max_scope=4),
        ConTextRule("we believed", "POSSIBLE_EXISTENCE", pattern=[L(["we", "i", "they"]), L(["believed", "suspected", "thought", "presumed",
                                                                                        "hypothesized", "hypothesised", "speculated"])],
                    direction="FORWARD", max_scope=5),
        # "after exclusion of X": the fronted clause's end (`_FrontedClauses`) keeps it from the
        # main clause; "with the exclusion of X" means "except X"
        ConTextRule("exclusion of", neg, pattern=[L(["exclusion"]), L(["of"])], direction="FORWARD", max_scope=8),
        ConTextRule("with the exclusion of", "PSEUDO", pattern=[L(["with"]), L(["the"]), L(["exclusion"]), L(["of"])],
                    direction="PSEUDO"),
        # medspaCy's "concerned about" hedges what a clinician fears; a patient's concern is a
        # complaint ("she was concerned about recurrent nosebleeds" - she had them)
        ConTextRule("patient concerned about", "PSEUDO", pattern=[L(["patient", "she", "he", "they", "parents", "mother", "father"]),
                                                                 L(["was", "were", "is", "are", "became", "remained"]) | {"OP": "?"},
                                                                 L(["concerned", "worried"]), L(["about", "by", "for"])],
                    direction="PSEUDO"),
        # what is impending has not happened yet: "impending respiratory failure"
        ConTextRule("impending", "HYPOTHETICAL", pattern=[L(["impending", "imminent", "threatened"])], direction="FORWARD", max_scope=3),
        # -- session 9 (issue #7: the uncertain/hypothetical class, by cue) --
        # "to role out X" is a common misspelling of medspaCy's "rule out"
        ConTextRule("to role out", "POSSIBLE_EXISTENCE", pattern=[L(["to"]), L(["role", "rules"]), L(["out"])],
                    direction="FORWARD", max_scope=8),
        # a diagnosis weighed, put after it: "sarcoidosis was considered, and ...", "X and Y were
        # considered in the differential"; not "was considered effective / to be due to X" (a
        # judgement the authors assert), so only before punctuation or a new clause
        ConTextRule("X was considered", "POSSIBLE_EXISTENCE", pattern=[L(["was", "were"]), L(["considered", "entertained"]),
                                                                      L([",", ".", ";", "and", "but"])],
                    direction="BACKWARD", max_scope=8),
        ConTextRule("in the differential", "POSSIBLE_EXISTENCE", pattern=[L(["in", "into", "within"]), L(["the", "our", "a"]),
                                                                         L(["differential"])],
                    direction="BACKWARD", max_scope=10),
        ConTextRule("remained a possibility", "POSSIBLE_EXISTENCE", pattern=[L(["remained", "remains", "was", "is"]), L(["a"]),
                                                                            L(["possibility", "consideration"])],
                    direction="BACKWARD", max_scope=6),
        # a plan is not yet a treatment: "methotrexate will be started", "she will receive
        # rituximab", "heparin was to be started" ("will be continued" names a drug already given)
        ConTextRule("will be started", "HYPOTHETICAL", pattern=[L(["will", "would", "shall"]), L(["be"]),
                                                               L(["started", "given", "administered", "initiated", "commenced",
                                                                  "added", "introduced", "resumed", "performed", "treated"])],
                    direction="BACKWARD", max_scope=6),
        ConTextRule("was to be started", "HYPOTHETICAL", pattern=[L(["was", "were", "is", "are"]), L(["to"]), L(["be"]),
                                                                 L(["started", "given", "administered", "initiated", "commenced",
                                                                    "added", "introduced", "resumed"])],
                    direction="BACKWARD", max_scope=6),
        ConTextRule("will receive", "HYPOTHETICAL", pattern=[L(["will", "shall"]), L(["receive", "start", "begin", "undergo", "need",
                                                                                  "require"])],
                    direction="FORWARD", max_scope=6),
        # an origin put as a supposition: "a bezoar was supposed to have developed in ..." (the
        # subject is hedged; "supposed to be X", above, hedges what follows)
        ConTextRule("was supposed to have developed", "POSSIBLE_EXISTENCE",
                    pattern=[L(["was", "were"]), L(["supposed", "presumed", "believed", "suspected"]), L(["to"]), L(["have"]),
                             L(["developed", "formed", "arisen", "originated", "occurred", "started", "begun"])],
                    direction="BACKWARD", max_scope=8),
        # "she never experienced symptoms suggestive of X": a denial the hedge inside it does not
        # soften (medspaCy has "never had", "never developed")
        ConTextRule("never experienced", neg, pattern=[L(["never"]), L(["experienced", "noticed", "reported", "suffered", "complained",
                                                                        "noted", "presented"])],
                    direction="FORWARD", max_scope=12),
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
        matched = [(self.rule_map[vocab_strings[match_id]], start, end) for match_id, start, end in self._matches(doc)]
        # Only a sentence with a cue can change a status: scope ends (TERMINATE, CLAUSE_END) in a
        # sentence without one limit nothing, and a rule of category PSEUDO has done its work in
        # the pruning (it blocks the cues it overlaps; it limits no scope and modifies no
        # target), so neither becomes a modifier. Every target gets the same modifiers.
        cue_sents = {sent_of[start] for rule, start, _ in matched if rule.direction not in ("TERMINATE", "PSEUDO")}
        for rule, start, end in matched:
            if rule.category == "PSEUDO" or sent_of[start] not in cue_sents:
                continue
            by_sent.setdefault(sent_of[start], []).append(len(modifiers))
            scope = _scope(rule, start, end, bounds[sent_of[start]])
            modifiers.append(_Modifier(rule, start, end, doc, scope_start=scope[0], scope_end=scope[1],
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


# medspaCy's own test, named so that the fast-path test can run medspaCy with our `modifies`
_MEDSPACY_MODIFIES = ConTextModifier.modifies


class _Modifier(ConTextModifier):
    """medspaCy's modifier with one fix: `limit_scope` asks whether two scopes overlap with
    `medspacy.util.tuple_overlaps`, which answers False when one scope lies wholly inside the
    other. A terminator's (or a same-category cue's) scope is its whole sentence, so a cue with
    a `max_scope` that reaches neither end of the sentence was never cut: in "the patient
    developed an ocular flutter which was attributed to a drug after other causes were ruled
    out", "were ruled out" reached back over "which" to the flutter."""

    def limit_scope(self, other: ConTextModifier) -> bool:
        a, b = self.scope_span, other.scope_span
        if not (a[0] < b[1] and b[0] < a[1]) or self.direction.upper() == "TERMINATE":
            return False
        if (other.direction.upper() != "TERMINATE" and other.category.upper() not in self.rule.terminated_by
                and other.category.upper() != self.category.upper()):
            return False
        if self.category == other.category and (self.allowed_types != other.allowed_types
                                                 or self.excluded_types != other.excluded_types):
            return False
        direction = self.direction.lower()
        if direction in ("forward", "bidirectional") and other > self:
            self._scope_end = min(self._scope_end, other.modifier_span[0])
        if direction in ("backward", "bidirectional") and other < self:
            self._scope_start = max(self._scope_start, other.modifier_span[1])
        return (self._scope_start, self._scope_end) != a


    def modifies(self, target: Span) -> bool:
        """medspaCy's test, except for a forward cue that opens the target itself: a span that
        took the cue's last words in ("significant atypia" after "no significant") or, for a
        hedge, the whole cue ("presumed CNS disease") is modified when the rest of it is in the
        cue's scope. medspaCy never lets a modifier that overlaps a target modify it. A span
        that starts with a whole negation cue names the absence itself ("lack of bowel sounds",
        "normal-density bands") and is left alone."""
        start, end = self.modifier_span
        first = start + 1 if self.category.upper() in ("NEGATED_EXISTENCE", "NEGATED_PREFIX") else start
        if first <= target.start < end < target.end and self.direction.upper() in ("FORWARD", "BIDIRECTIONAL"):
            return (self.allows(target.label_.upper()) and self._scope_start < target.end and end < self._scope_end
                    and self.on_modifies(target))
        return _MEDSPACY_MODIFIES(self, target)


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


# A sentence opening with one of these words may open with a clause of its own ("After
# exclusion of tuberculosis, prednisone was started", "Given the lack of fever, ..."), which
# ends at a comma before the main clause's verb (one of `_MAIN_VERBS`).
_FRONTING = {"after", "following", "because", "given", "despite", "upon", "on", "in", "since", "as", "due", "under",
             "with", "without", "although", "though", "while", "when", "before", "during", "considering", "once",
             "owing", "to", "for", "at", "by",
             # an exception fronted: "Aside from lymphopenia, the course was unremarkable" (session 9)
             "aside", "apart", "besides", "except", "other"}
_MAIN_VERBS = {"was", "were", "is", "are", "had", "has", "have", "did", "does", "underwent", "received", "required",
               "developed", "started", "began", "showed", "revealed", "presented", "remained", "became", "persisted",
               "occurred", "appeared", "continued", "improved", "resolved", "recovered", "may", "might", "could",
               "would", "should", "can", "will"}


class _FrontedClauses:
    """Where a fronted clause ends, so that a cue inside it does not reach the main clause.

    In "After exclusion of tuberculosis, sarcoidosis and lymphoma, prednisone was started" the
    negation covers the list up to the last comma before the main verb ("was"), not the
    prednisone. A cue before the fronted clause's first comma does not reach past that last
    comma (forward), and a cue after it does not reach back into the part before the first
    comma (backward: "After treatment with prednisone, fever and rash were not observed").
    Sentences are looked at only when a span has a modifier, once each."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.starts: list[int] | None = None
        self.cache: dict[int, tuple[int, int] | None] = {}

    def _bounds(self, sent_start: int, sent_end: int) -> tuple[int, int] | None:
        """(first comma, last comma before the main verb) of the sentence's fronted clause."""
        doc = self.doc
        if doc[sent_start].lower_ not in _FRONTING:
            return None
        first = next((i for i in range(sent_start + 1, sent_end) if doc[i].text == ","), None)
        if first is None:
            return None
        verb = next((i for i in range(first + 1, sent_end) if doc[i].lower_ in _MAIN_VERBS), None)
        if verb is None:
            return None
        return first, max(i for i in range(first, verb) if doc[i].text == ",")

    def separates(self, cue: tuple[int, int], span: Span) -> bool:
        """True when the fronted clause's end lies between the cue and the span."""
        if self.starts is None:
            self.starts = sentence_starts(self.doc)
        k = sentence_at(self.starts, span.start)
        if k not in self.cache:
            end = self.starts[k + 1] if k + 1 < len(self.starts) else len(self.doc)
            self.cache[k] = self._bounds(self.starts[k], end)
        bounds = self.cache[k]
        if bounds is None:
            return False
        first, last = bounds
        return (cue[1] <= first and span.start > last) or (cue[0] > last and span.end <= first)


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
        rules = _default_rules() + _own_rules()
        for rule in rules:
            if rule.category != "FAMILY" and rule.direction not in ("TERMINATE", "PSEUDO"):
                rule.terminated_by = rule.terminated_by | {_CLAUSE_END}
            if rule.category == "NEGATED_EXISTENCE" and rule.direction not in ("TERMINATE", "PSEUDO"):
                rule.terminated_by = rule.terminated_by | {_REASON}
        self.context.add(rules)
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
        fronted = _FrontedClauses(doc)
        for span in doc.spans[SPAN_GROUP]:
            if ext.get(span, "attrs") is None:
                ext.set(span, "attrs", {})
            best = None
            for mod in (ext.get(span, "modifiers") if has_modifiers else ()) or ():
                cat = mod.category.upper()
                if cat not in _STATUS:
                    continue
                if any(i in outcome_toks for i in range(*mod.modifier_span)) and not (
                        span.start in outcome_toks and span.end - 1 in outcome_toks):
                    continue  # but "no recurrence" still negates a "recurrence" span that is the cue's own word
                if cat != "FAMILY" and fronted.separates(mod.modifier_span, span):
                    continue
                if cat == "NEGATED_PREFIX" and (span.start != mod.modifier_span[1] or len(span) != 1):
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
