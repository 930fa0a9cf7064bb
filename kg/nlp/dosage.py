"""Dose, frequency and route: Dose spans, and the values copied onto the drug they belong to.

Attachment rule (measured on prose like "low-dose prednisolone (5 mg per day), methotrexate"
and "azathioprine and monthly infusions of IVIG"): a cue belongs to the nearest drug in
its sentence that is not separated from it by a list separator ("," "and" "or" ";");
when every drug is separated, the nearest preceding drug within a few tokens wins.
"""

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.model import DOSE, DRUG
from kg.nlp.doctext import doc_text
from kg.nlp.extensions import SPAN_GROUP, register

_NUM = r"\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?"
_UNIT = (r"(?:mg|g|gm|mcg|µg|μg|ug|ng|kg|IU|iu|U|units?|mL|ml|L|mmol|mEq|meq|%|MIU|MU|"
         r"milligrams?|grams?|micrograms?|international\s+units)")
# A concentration per a measured volume ("2000 mcg/0.5 mL" of an injection) is one amount too.
_PER = (r"(?:[kK]g|kilograms?|m2|m²|day|d|days|week|wk|weeks|month|months|h|hr|hours?|dose|body\s+weight|BW|bw|cycle|"
        r"infusion|pulse|\d+(?:\.\d+)?\s*m[lL])")
_DOSE_RE = re.compile(
    # an infusion rate per weight ("0.1 μg/kg/min") keeps its "/min"; a bare "/min" is a lab rate
    rf"(?<![\w.])(?P<num>{_NUM})\s*(?P<unit>{_UNIT})(?P<per>(?:\s*/\s*{_PER}\b)*(?:(?<=[gG])\s*/\s*(?:min|h)\b)?)"
    rf"(?P<perword>(?:\s+per\s+(?:kg|day|week|month|dose|hour|m2|m²|cycle|square\s+met(?:er|re)))*)"
    r"(?:\s+(?:of\s+)?body[- ]surface[- ]area)?(?![\w])"
    # lab concentrations ("12.8 g/dL", "5 mmol/L", "30 mL/min") are measurements, not doses
    r"(?!\s*/\s*(?i:dl|l|ml|µl|μl|ul|mm3|mm²|hpf|min|24\s*h|mol|deciliter|liter|litre)\b)"
    r"(?!\s+per\s+(?i:deciliter|milliliter|liter|litre|microliter)\b)"
    r"(?!\s*\(\s*(?i:normal|reference|ref\b))",  # "468 μg (normal range: ...)" is a lab result
)
# A frequency written right after the amount belongs to the dose ("60 mg daily", "4.5 g q12h"):
# case-report annotation (MACCROBAT) takes it into the Dose span.
_FREQ_GAP = re.compile(r"[ \t\u00a0\u2002-\u200a\u202f]*,?[ \t\u00a0\u2002-\u200a\u202f]*")
# Radiation doses ("60 Gy in 30 fractions") are doses too, but not of a drug named nearby: spans
# only, never copied onto a drug.
_RADIATION_RE = re.compile(rf"(?<![\w.]){_NUM}\s*c?G[yY]\b(?:\s+in\s+\d+\s+fractions|,\s*\d+\s+(?:fractions|sessions))?")
# A number of chemotherapy cycles or courses ("received three cycles of carboplatin", "for six
# courses", "eleven, 14-day cycles") is how much of a regimen was given: a Dose span, never
# copied onto a drug. After "after" it is a point in time ("after two cycles, the tumour
# shrank"), not what was given (MACCROBAT train: 8 of 8 without "after" inside a gold Dose, 0 of
# 5 after it).
# Counted infusions, injections, pulses and pills ("three infusions of infliximab", "3 pills per 6
# hours") are such counts too (MACCROBAT train: 4 of 4 uncovered ones inside a gold Dose; counted
# "sessions" and "doses" were 1 of 3, left out).
_COUNT_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_CYCLES_RE = re.compile(rf"\b(?:\d+|{_COUNT_WORDS})(?:,?\s+\d+-day)?\s+"
                        r"(?:cycles?|courses?|infusions?|injections?|pulses|pills?|tablets?|capsules?)\b", re.I)
_CYCLES_AFTER = re.compile(r"\bafter\s+(?:completing\s+|the\s+first\s+)?$", re.I)
# How much was given, said in words ("a single dose of desmopressin", "this maintenance dose",
# "liberal doses of inotropes"): a Dose span of no number, never copied onto a drug (MACCROBAT
# train: 5 of 5 single/maintenance/small/prophylactic/liberal; "standard dose" 0 of 3 and
# "cumulative dose" 0 of 1, left out; "large" and "loading" are the same kind of word).
_AMOUNT_WORD_RE = re.compile(r"\b(?:single|maintenance|small|large|prophylactic|liberal|loading)[- ]doses?\b", re.I)
# Carboplatin is dosed by a target area under the curve ("AUC 5", "area under the curve of 5"):
# a Dose span, not a pharmacokinetic result, which carries a unit ("AUC 30 mg·h/L").
_AUC_RE = re.compile(r"\b(?:AUC|area\s+under\s+the\s+curve)(?:\s+of|\s*=)?\s*\d+(?:\.\d+)?\b(?!\.\d)"
                     r"(?![\s\u2009\u200a\u00a0]*(?:mg|µg|μg|mcg|ng|g|h|%|mmol|nmol|µmol|μmol)\b)", re.I)
# Regimen prose written after an amount belongs to its Dose span ("80 mg/m2 on days 1 through 3
# repeated every 21 days"; MACCROBAT train: 3 of 3 with "repeated every"; "on days 1, 8, 15" with
# no repeat after it is outside the gold span).
_REGIMEN_RE = re.compile(r"\s+on\s+days?\s+\d+(?:\s*(?:,|-|–|to|through|and)\s*\d+)*,?\s+repeated\s+every\s+"
                         r"\d+\s+(?:days|weeks)\b"
                         # ... and how many times ("1.2 g/pulse every 2 weeks for the first 3 pulses")
                         rf"|\s+for\s+the\s+(?:first|1st|next|initial)\s+(?:\d+|{_COUNT_WORDS})\s+"
                         r"(?:pulses|cycles|courses|doses|infusions|injections)\b", re.I)
# Oxygen flow ("4 L/min of oxygen", "oxygen at 2 L/min") is the dose of the oxygen given; other
# litres per minute are measurements (cardiac output), which _DOSE_RE leaves out.
_O2_FLOW_RE = re.compile(rf"(?<![\w.]){_NUM}\s*L\s*/\s*min\b")
_O2_AFTER = re.compile(r"\s+(?:of\s+)?(?:oxygen|O2)\b", re.I)
_O2_BEFORE = re.compile(r"\b(?:oxygen|O2)\s+(?:at\s+|via\s+\w+\s+at\s+)?$", re.I)
# "total dose" or "daily dose" written right before the amount is part of its span ("at initial daily
# dose 80 mg", "total dose 5,900 cGy"; MACCROBAT train 2 of 2); after "dose of" only the amount is.
_DOSE_BEFORE = re.compile(r"\b(?:total|daily|cumulative)\s+dose\s+$", re.I)
# The amount is a body weight, not a dose ("weighing 3200 g", "birth weight of 2.9 kg", "BMI 24 kg/m2").
_WEIGHT_BEFORE = re.compile(r"(?:weigh\w*|weight)\W+(?:\w+\W+){0,2}$", re.I)
_QUAL_RE = re.compile(r"\b(?P<q>high|low|moderate|medium|standard|full|maximal|maximum|reduced|increased|pulse)"
                      r"(?:[- ]dose[sd]?|\s+doses?)\b|\b(?P<p>pulse[sd]?)\b(?:\s+(?:therapy|of))?", re.I)

# (regex, normalised frequency); order matters: longer phrases first
_FREQ = [
    (r"\b(?:twice|two\s+times)\s+(?:a\s+|per\s+)?(?:daily|day)\b|\bb\.?i\.?d\b\.?|\bBID\b", "twice daily"),
    (r"\b(?:three\s+times|thrice)\s+(?:a\s+|per\s+)?(?:daily|day)\b|\bt\.?i\.?d\b\.?|\bTID\b", "three times daily"),
    (r"\bfour\s+times\s+(?:a\s+|per\s+)?(?:daily|day)\b|\bq\.?i\.?d\b\.?|\bQID\b", "four times daily"),
    (r"\b(?:twice|two\s+times)\s+(?:a\s+|per\s+)?week(?:ly)?\b", "twice weekly"),
    (r"\bevery\s+(?:other|second)\s+(?:day)\b|\beod\b|\bq\.?o\.?d\b", "every other day"),
    (r"\bevery\s+(?:other|second)\s+week\b|\bbiweekly\b|\bfortnightly\b", "every 2 weeks"),
    (r"\b(?P<tn>\d+|five|six)\s+times\s+(?:a\s+|per\s+)?(?P<tu>day|daily|week|weekly)\b", "times"),
    (r"\bevery\s+(?P<n>\d+|two|three|four|six|eight|twelve)\s+(?P<u>hours?|hrs?|h|days?|weeks?|months?)\b"
     r"|\bq\s?(?P<qn>\d+)\s?(?P<qu>[hdwm]|hours?|days?|weeks?)\b|\bper\s+(?P<pn>\d+)\s*(?P<pu>hours?|h)\b",
     "every"),
    (r"\b(?:once\s+)?daily\b|\bonce\s+a\s+day\b|\bper\s+day\b|\ba\s+day\b|/\s*(?:day|d)\b|\bq\.?d\b\.?|\bo\.?d\b\.?(?=\s|$)|\bqday\b|\beach\s+day\b|\bnightly\b|\bat\s+night\b", "daily"),
    (r"\b(?:once\s+)?weekly\b|\bonce\s+a\s+week\b|\bper\s+week\b|\ba\s+week\b|/\s*(?:week|wk)\b|\beach\s+week\b|\bevery\s+week\b", "weekly"),
    (r"\b(?:once\s+)?monthly\b|\bonce\s+a\s+month\b|\bper\s+month\b|\ba\s+month\b|/\s*month\b|\beach\s+month\b|\bevery\s+month\b", "monthly"),
]
# First characters of every branch of the long alternations: a one-character lookahead lets
# `re` skip most positions instead of trying a dozen branches at each (same matches, ~5x faster).
_FIRST_CHARS = {"daily": "odpa/qen", "weekly": "owpa/e", "monthly": "ompa/e"}
_FREQ_RE = [(re.compile(f"(?=[{_FIRST_CHARS[v]}])(?:{p})" if v in _FIRST_CHARS else p, re.I), v) for p, v in _FREQ]

_ROUTE = [
    (r"\boral(?:ly)?\b|\bp\.\s?o\.?(?=\s|$|[,;)])|\bper\s+os\b|\bby\s+mouth\b|\btablets?\b", "oral"),
    (r"\bintravenous(?:ly)?\b|\bi\.\s?v\.?(?=\s|$|[,;)])|\bIV\b(?!IG)|\binfusions?\b|\binfused\b|\bpulses?\b", "intravenous"),
    (r"\bsubcutaneous(?:ly)?\b|\bs\.\s?c\.?(?=\s|$|[,;)])|\bSC\b|\bsubcutis\b", "subcutaneous"),
    (r"\bintramuscular(?:ly)?\b|\bi\.\s?m\.?(?=\s|$|[,;)])|\bIM\b", "intramuscular"),
    (r"\btopical(?:ly)?\b|\bointments?\b|\bcreams?\b|\bgel\b", "topical"),
    (r"\bintralesional(?:ly)?\b", "intralesional"),
    (r"\bintrathecal(?:ly)?\b", "intrathecal"),
    (r"\binhaled\b|\binhalation\b|\bnebuli[sz]ed\b", "inhaled"),
    (r"\bintra-?articular(?:ly)?\b", "intra-articular"),
]
_ROUTE_RE = [(re.compile(p, re.I), v) for p, v in _ROUTE]
# Words between an amount or a drug and its frequency that still leave the frequency to them.
_ROUTE_GAP = frozenset("via by oral intravenous subcutaneous administration route tablet tablets capsule capsules".split())
_ROUTE_WORD = re.compile(r"^(?:orally|intravenously|subcutaneously|intramuscularly|topically|p\.?o\.?|i\.?v\.?|iv)$", re.I)

# Drug names that carry their route ("IVIG" is intravenous immunoglobulin)
_NAME_ROUTE = [(re.compile(r"^(?:IVIG|IVIg|IV\s?Ig|i\.v\.\s?Ig)$", re.I), "intravenous"),
               (re.compile(r"^(?:SCIG|SCIg)$", re.I), "subcutaneous")]


def _folded(text: str) -> str | None:
    """`text` lower-cased, position for position, where an ASCII letter or digit in it stands
    exactly for what a case-insensitive `re` pattern's ASCII letter or digit matches; None
    when the text holds a character that breaks this: one `re.I` matches to an ASCII letter
    though it is none (U+0130 dotted I, which `lower` also lengthens, U+0131 dotless i, U+017F
    long s, U+212A Kelvin sign) or a non-ASCII digit (`\\d` matches it). tests/test_dosage.py
    checks both lists against every code point."""
    if not text.isascii():
        for ch in set(_NON_ASCII.findall(text)):
            if ch in _RE_I_ASCII or ch.isdecimal():
                return None
    return text.lower()


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_RE_I_ASCII = frozenset("\u0130\u0131\u017f\u212a")
_DIGITS = "0123456789"


class _Gate:
    """Each regex's matches over a text: the very matches, in the same order, that its
    `finditer` over the whole text gives, found by trying it (`match`) only where one of its
    starters occurs.

    Why: the dosage regexes were two dozen whole-text scans, ~70% of the component on case
    reports (docs/scale.md, session 4). A starter is how every match of the regex begins,
    written as a pattern on the lower-cased text (`_folded`): `\\b` (optional) then a literal
    first character or `\\d`, then a lookahead (`r"\\bq\\.?d"`, `r"\\ba\\s"`, `r"/"`). One scan
    finds every starter of every regex: its branches all begin with a literal, so `re` jumps
    between those characters in C. `match` at a position is what `finditer`'s search tries
    there (`\\b` and lookbehinds see the text before it), so missing nothing is all the
    starters must ensure; tests/test_dosage.py compares with `finditer` on corpora and on
    written edge cases. A match never starts inside the previous one, as in `finditer` (no
    pattern here matches the empty string).
    """

    def __init__(self, gated: list[tuple[re.Pattern, tuple[str, ...]]]) -> None:
        self.patterns = [rx for rx, _ in gated]
        # per first character: lookaheads of the starters with \b, and of those without
        rests: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
        dispatch: dict[str, list[int]] = {}
        for i, (_, starters) in enumerate(gated):
            for starter in starters:
                word = starter.startswith(r"\b")
                body = starter[2:] if word else starter
                firsts, rest = (_DIGITS, body[2:]) if body.startswith(r"\d") else (body[0], body[1:])
                for c in firsts:
                    if not (c.isascii() and (c.isalnum() or c in "/-") and c == c.lower()):
                        raise ValueError(f"starter {starter!r}: its first character must be a lower-case literal")
                    rests.setdefault(c, ({}, {}))[0 if word else 1][rest] = None
                    if i not in dispatch.setdefault(c, []):
                        dispatch[c].append(i)
        self.dispatch = dispatch
        # Every branch begins with its literal first character, so `re` jumps between those
        # characters in C and tries only the branch of the one it is on. "(?<!\w.)" after the
        # character is \b before it, without an assertion ahead of the literal (which would
        # cost both shortcuts); then the starters' lookaheads.
        def branch(c: str, word: dict[str, None], other: dict[str, None]) -> str:
            ways = [pre + ("" if "" in rests else f"(?={'|'.join(rests)})")
                    for pre, rests in (("(?<!\\w.)", word), ("", other)) if rests]
            return f"{re.escape(c)}(?:{'|'.join(ways)})"

        self.scan = re.compile("|".join(branch(c, w, o) for c, (w, o) in rests.items()))

    def matches(self, text: str) -> list[list[re.Match]]:
        """Per regex, in the order given: its matches, as `list(regex.finditer(text))`."""
        folded = _folded(text)
        if folded is None:
            return [list(rx.finditer(text)) for rx in self.patterns]
        found: list[list[re.Match]] = [[] for _ in self.patterns]
        ends = [0] * len(self.patterns)
        patterns, dispatch = self.patterns, self.dispatch
        for cand in self.scan.finditer(folded):
            p = cand.start()
            for i in dispatch[folded[p]]:
                if p >= ends[i]:
                    m = patterns[i].match(text, p)
                    if m is not None:
                        found[i].append(m)
                        ends[i] = m.end()
        return found


_AMOUNT = (r"\b\d",)
_FREQ_STARTERS = [
    (r"\btwice", r"\btwo", r"\bb\.?i\.?d"),
    (r"\bthree", r"\bthrice", r"\bt\.?i\.?d"),
    (r"\bfour", r"\bq\.?i\.?d"),
    (r"\btwice", r"\btwo"),
    (r"\bevery", r"\beod", r"\bq\.?o\.?d"),
    (r"\bevery", r"\bbiweekly", r"\bfortnightly"),
    (r"\b\d", r"\bfive", r"\bsix"),
    (r"\bevery", r"\bq\s?\d", r"\bper\s"),
    (r"\bonce", r"\bdaily", r"\bper\s", r"\ba\s", r"/", r"\bq\.?d", r"\bo\.?d", r"\beach", r"\bnightly", r"\bat\s"),
    (r"\bonce", r"\bweekly", r"\bper\s", r"\ba\s", r"/", r"\beach", r"\bevery"),
    (r"\bonce", r"\bmonthly", r"\bper\s", r"\ba\s", r"/", r"\beach", r"\bevery"),
]
_ROUTE_STARTERS = [
    (r"\boral", r"\bp\.", r"\bper\s", r"\bby\s", r"\btablet"),
    (r"\bintravenous", r"\bi\.", r"\biv", r"\binfus", r"\bpulse"),
    (r"\bsubcut", r"\bs\.", r"\bsc"),
    (r"\bintramuscular", r"\bi\.", r"\bim"),
    (r"\btopical", r"\bointment", r"\bcream", r"\bgel"),
    (r"\bintralesional",),
    (r"\bintrathecal",),
    (r"\binhal", r"\bnebuli"),
    (r"\bintra-?articular",),
]
_CYCLES_STARTERS = (r"\b\d", *(rf"\b{w}" for w in _COUNT_WORDS.split("|")))
_QUAL_STARTERS = (r"\bhigh", r"\blow", r"\bmoderate", r"\bmedium", r"\bstandard", r"\bfull", r"\bmaxim",
                  r"\breduced", r"\bincreased", r"\bpulse")
_AMOUNT_WORD_STARTERS = tuple(rf"\b{w}" for w in ("single", "maint", "small", "large", "prophyl", "liberal", "loading"))
_AUC_STARTERS = (r"\bauc", r"\barea\s")
# Every whole-text regex of the tagger, in one gate: [dose, radiation, O2 flow, qualifier,
# cycles, amount words, AUC, *frequencies, *routes].
_GATE = _Gate([(_DOSE_RE, _AMOUNT), (_RADIATION_RE, _AMOUNT), (_O2_FLOW_RE, _AMOUNT), (_QUAL_RE, _QUAL_STARTERS),
               (_CYCLES_RE, _CYCLES_STARTERS), (_AMOUNT_WORD_RE, _AMOUNT_WORD_STARTERS), (_AUC_RE, _AUC_STARTERS),
               *((rx, st) for (rx, _), st in zip(_FREQ_RE, _FREQ_STARTERS, strict=True)),
               *((rx, st) for (rx, _), st in zip(_ROUTE_RE, _ROUTE_STARTERS, strict=True))])
_N_OWN = 7  # gated regexes before the frequencies

_SEPARATORS = {",", ";", "and", "or", "plus", "followed", "then", "but", "while", "whereas", "after", "before"}
_NUMWORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
             "nine": "9", "ten": "10", "twelve": "12"}


def _norm_unit(unit: str, per: str, perword: str) -> tuple[str, str | None]:
    unit = re.sub(r"\s+", " ", unit)
    unit = {"milligram": "mg", "milligrams": "mg", "gram": "g", "grams": "g", "gm": "g", "microgram": "mcg",
            "micrograms": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "ml": "mL", "iu": "IU", "unit": "U",
            "units": "U", "international units": "IU", "meq": "mEq"}.get(unit.lower() if unit.lower() != "l" else unit, unit)
    pers = [p.strip().lower() for p in re.findall(r"/\s*([^/]+)", per)]
    pers += [p.lower() for p in re.findall(r"per\s+(\S+)", perword)]
    freq = None
    denom = []
    for p in pers:
        p = re.sub(r"\s+", " ", p.strip())
        if p in ("day", "d", "days"):
            freq = "daily"
        elif p in ("week", "wk", "weeks"):
            freq = "weekly"
        elif p in ("month", "months"):
            freq = "monthly"
        elif p in ("cycle", "infusion", "dose"):
            denom.append(p)
        else:
            denom.append({"m²": "m2", "body weight": "kg", "bw": "kg"}.get(p) or re.sub(r"(\d)\s*ml$", r"\1 mL", p))
    full = unit + "".join(f"/{d}" for d in denom)
    return full, freq


def _frequency(m: re.Match, value: str) -> str:
    if value == "times":
        n = _NUMWORDS.get(m.group("tn").lower(), m.group("tn"))
        return f"{n} times {'weekly' if m.group('tu').lower().startswith('week') else 'daily'}"
    if value != "every":
        return value
    if m.group("pn"):
        n, u = m.group("pn"), "hours"
    elif m.group("qn"):
        n, u = m.group("qn"), {"h": "hours", "d": "days", "w": "weeks", "m": "months"}[m.group("qu")[0].lower()]
    else:
        n, u = m.group("n"), m.group("u")
        n = _NUMWORDS.get(n.lower(), n)
        u = "hours" if u.lower().startswith("h") else u if u.endswith("s") else u + "s"
    return f"every {n} {u.lower()}"


def _start_before(text: str, start: int) -> int:
    """Where a Dose span whose amount starts at `start` starts (`_DOSE_BEFORE`)."""
    before = _DOSE_BEFORE.search(text, max(0, start - 30), start)
    return before.start() if before else start


def _schedule_after(text: str, end: int) -> tuple[int, str | None]:
    """Where a Dose span that ends at `end` really ends, and the frequency it takes: the frequency
    written right after the amount ("60 mg daily", "30 mg, daily", "3 pills per 6 hours"), then
    regimen prose (`_REGIMEN_RE`)."""
    freq = None
    gap = _FREQ_GAP.match(text, end).end()
    for rx, value in _FREQ_RE:
        fm = rx.match(text, gap)
        if fm:
            end = fm.end()
            freq = _frequency(fm, value)
            break
    regimen = _REGIMEN_RE.match(text, end)
    return (regimen.end() if regimen else end), freq


def _near_drug(span: Span, drugs: list[Span], window: int = 4) -> bool:
    """A volume ("10 mL", "1.5 L") is a dose only beside a drug ("20 mL of lidocaine"); alone it is a
    fluid drained, lost or measured ("1400 mL of pleural fluid", "FVC 2.7 L")."""
    return any(d.end > span.start - window and d.start < span.end + window and (d._.attrs or {}).get("role") != "analyte"
               for d in drugs)


def _after_drug(span: Span, drugs: list[Span], dose_ends: set[int]) -> bool:
    """A frequency right after a drug or an amount, or after their route words, is a dose ("VPA
    twice a day", "interferon subcutaneously 3 times a week", "1 g intravenously once daily",
    "500 mg via oral administration twice a day", "calcium tablets, daily"); elsewhere it may be a symptom's ("daily
    headaches")."""
    doc = span.doc
    i = span.start
    # a comma too: "calcium tablets, daily" (MACCROBAT train: 1 of 1, and no new false positive)
    while i > 0 and span.start - i < 4 and (_ROUTE_WORD.match(doc[i - 1].text) or doc[i - 1].lower_ in _ROUTE_GAP
                                            or doc[i - 1].text == ","):
        i -= 1
    return i in dose_ends or any(d.end == i and (d._.attrs or {}).get("role") != "analyte" for d in drugs)


def _dose_span(span: Span, attrs: dict[str, str], label: str | None = None) -> Span:
    dose = Span(span.doc, span.start, span.end, label=DOSE)
    dose._.attrs = dict(attrs)
    dose._.concept_label = label or span.text
    return dose


class DosageTagger:
    def __init__(self, nlp: Language, name: str, max_back: int, max_forward: int) -> None:
        register()
        self.max_back = max_back
        self.max_forward = max_forward

    def __call__(self, doc: Doc) -> Doc:
        group = doc.spans[SPAN_GROUP] if SPAN_GROUP in doc.spans else None
        if group is None:
            doc.spans[SPAN_GROUP] = []
            group = doc.spans[SPAN_GROUP]
        drugs = [s for s in group if s.label_ == DRUG]
        for d in drugs:
            if d._.attrs is None:
                d._.attrs = {}
            for pat, route in _NAME_ROUTE:
                if pat.match(d.text) and "route" not in d._.attrs:
                    d._.attrs["route"] = route
        text = doc_text(doc)
        found = _GATE.matches(text)
        dose_found, radiation_found, o2_found, qual_found, cycles_found, word_found, auc_found = found[:_N_OWN]
        freq_found = found[_N_OWN : _N_OWN + len(_FREQ_RE)]
        route_found = found[_N_OWN + len(_FREQ_RE) :]
        cues: list[tuple[int, int, dict[str, str]]] = []  # token start, end, attrs
        dose_spans = []
        taken: list[tuple[int, int]] = []
        for m in dose_found:
            unit, freq = _norm_unit(m.group("unit"), m.group("per") or "", m.group("perword") or "")
            if unit in ("%", "kg/m2") or (unit == "kg" and "/" not in unit):
                continue  # body weight, body-mass index, percentages are not doses
            if unit in ("g", "kg") and _WEIGHT_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                continue
            end, written = _schedule_after(text, m.end())
            freq = freq or written
            span = doc.char_span(_start_before(text, m.start()), end, alignment_mode="expand")
            # a volume per body weight or per hour too ("tidal volumes of 6 mL/kg" are no dose)
            if span is None or (unit.partition("/")[0] in ("mL", "L") and not _near_drug(span, drugs)):
                continue
            attrs = {"dose": re.sub(r"\s+", "", m.group("num")).replace("to", "-"), "unit": unit}
            if freq:
                attrs["frequency"] = freq
            dose_spans.append(_dose_span(span, attrs, f"{attrs['dose']} {unit}"))
            cues.append((span.start, span.end, attrs))
            taken.append((m.start(), end))
        cycles = [m for m in cycles_found if not _CYCLES_AFTER.search(text, max(0, m.start() - 30), m.start())]
        for m in radiation_found + cycles + word_found + auc_found:  # doses of no drug named nearby: spans only
            end = _schedule_after(text, m.end())[0]
            span = doc.char_span(_start_before(text, m.start()), end, alignment_mode="expand")
            if span is not None and not any(a < end and m.start() < b for a, b in taken):
                dose_spans.append(_dose_span(span, {}))
        for m in o2_found:
            if _O2_AFTER.match(text, m.end()) or _O2_BEFORE.search(text, max(0, m.start() - 30), m.start()):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None:
                    dose_spans.append(_dose_span(span, {}))
        for m in qual_found:
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            q = (m.group("q") or m.group("p")).lower()
            q = {"pulses": "pulse", "pulsed": "pulse", "maximum": "high", "maximal": "high", "medium": "moderate"}.get(q, q)
            cues.append((span.start, span.end, {"dose_level": q}))
            if q in ("high", "low") and m.group("q"):  # "high-dose", "low doses": a dose without a number
                dose_spans.append(_dose_span(span, {"dose_level": q}))
        dose_ends = {d.end for d in dose_spans if "dose" in d._.attrs}
        for (_, value), matches in zip(_FREQ_RE, freq_found):
            for m in matches:
                if any(a <= m.start() < b for a, b in taken):
                    continue
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None:
                    cues.append((span.start, span.end, {"frequency": _frequency(m, value)}))
                    taken.append((m.start(), m.end()))
                    if not m.group(0).startswith("/") and _after_drug(span, drugs, dose_ends):
                        dose_spans.append(_dose_span(span, {"frequency": _frequency(m, value)}))
        drug_tokens = {i for d in drugs for i in range(d.start, d.end)}
        for (_, value), matches in zip(_ROUTE_RE, route_found):
            for m in matches:
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is None or span.start in drug_tokens:
                    continue
                cues.append((span.start, span.end, {"route": value}))
        # sentence of each drug, computed once: Span.sent walks the tokens on every call
        drug_sents = [d.sent.start for d in drugs]
        for start, end, attrs in sorted(cues, key=lambda c: (c[0], c[1])):
            drug = self._attach(doc, drugs, start, end, drug_sents)
            if drug is None:
                continue
            for k, v in attrs.items():
                drug._.attrs.setdefault(k, v)
        for d in drugs:
            # "high-dose X" with no number: the level is the dose; with a number it stays a qualifier
            if "dose_level" in d._.attrs and "dose" not in d._.attrs:
                d._.attrs["dose"] = d._.attrs.pop("dose_level")
        group.extend(dose_spans)
        return doc

    def _attach(self, doc: Doc, drugs: list[Span], start: int, end: int, drug_sents: list[int]) -> Span | None:
        sent_start = doc[start].sent.start
        best = None
        fallback = None
        for d, d_sent in zip(drugs, drug_sents):
            if d_sent != sent_start:
                continue
            if d.end <= start:  # drug before the cue
                dist = start - d.end
                if dist > self.max_back:
                    continue
                between = doc[d.end:start]
            elif d.start >= end:  # drug after the cue
                dist = (d.start - end) + 0.5  # ties go to the drug before ("IVIG 2 g/kg monthly")
                if dist > self.max_forward:
                    continue
                between = doc[end:d.start]
            else:
                continue
            separated = any(t.lower_ in _SEPARATORS for t in between) or any(
                o is not d and o.start >= between.start and o.end <= between.end and o.label_ == DRUG for o in drugs)
            if not separated:
                if best is None or dist < best[0]:
                    best = (dist, d)
            elif d.end <= start and dist <= 3 and (fallback is None or dist < fallback[0]):
                fallback = (dist, d)
        if best is not None:
            return best[1]
        return fallback[1] if fallback else None


@Language.factory("casekg_dosage", default_config={"max_back": 8, "max_forward": 5})
def make_dosage(nlp: Language, name: str, max_back: int, max_forward: int) -> DosageTagger:
    return DosageTagger(nlp, name, max_back, max_forward)
