"""Synthetic case-report corpora for benchmarks and scale tests.

Sentences come from templates filled with real vocabulary: HPO phenotypic-abnormality
labels and DrugBank drug names from the ontology snapshots shipped with the package
(`kg.vocab`), plus curated lists of common findings, autoantibodies, doses, routes,
frequencies and outcome phrases. A common core is drawn far more often than the long tail,
as in real reports, so the graph has the hub-and-tail shape that makes query cost realistic.

Everything is drawn from one `random.Random(seed)` over *sorted* vocab lists, so the same
seed and package versions give byte-identical corpora. Article lengths are log-normal
(median ~450 words: between a PubMed abstract and a full case report; from
short letters to long multi-patient series).
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

# Common findings in autoimmune/drug-reaction case reports: these recur across articles.
COMMON_FINDINGS = [
    "fever", "skin rash", "muscle weakness", "proximal muscle weakness", "myalgia", "arthralgia", "arthritis",
    "fatigue", "weight loss", "dysphagia", "dyspnea", "cough", "interstitial lung disease", "alopecia",
    "Raynaud phenomenon", "Gottron papules", "heliotrope rash", "calcinosis", "panniculitis", "skin ulcers",
    "erythema", "pruritus", "oral ulcers", "lymphadenopathy", "hepatomegaly", "splenomegaly", "anemia",
    "leukopenia", "neutropenia", "thrombocytopenia", "lymphopenia", "proteinuria", "hematuria", "hypertension",
    "seizures", "headache", "peripheral neuropathy", "diarrhea", "abdominal pain", "nausea", "vomiting",
    "elevated creatine kinase", "elevated liver enzymes", "pericardial effusion", "pleural effusion",
    "edema", "urticaria", "photosensitivity", "livedo reticularis", "purpura", "uveitis", "dry eyes",
]
COMMON_DRUGS = [
    "prednisone", "prednisolone", "methylprednisolone", "dexamethasone", "hydrocortisone", "methotrexate",
    "azathioprine", "mycophenolate mofetil", "cyclophosphamide", "cyclosporine", "tacrolimus", "rituximab",
    "tocilizumab", "baricitinib", "tofacitinib", "ruxolitinib", "hydroxychloroquine", "IVIG", "infliximab",
    "adalimumab", "etanercept", "anakinra", "belimumab", "abatacept", "sirolimus", "leflunomide",
    "sulfasalazine", "colchicine", "dapsone", "ibuprofen", "acetaminophen", "amoxicillin", "vancomycin",
    "allopurinol", "carbamazepine", "lamotrigine", "nivolumab", "pembrolizumab", "ipilimumab", "omeprazole",
]
ANTIBODIES = [
    "anti-MDA5", "anti-NXP2", "anti-TIF1-gamma", "anti-Mi-2", "anti-SAE", "anti-Jo-1", "anti-PL-7", "anti-PL-12",
    "anti-EJ", "anti-SRP", "anti-HMGCR", "anti-Ro52", "anti-Ro60", "anti-La", "anti-dsDNA", "anti-Sm",
    "anti-RNP", "anti-Scl-70", "anti-centromere", "anti-CCP", "anti-AQP4", "anti-MOG", "anti-NMDAR",
    "anti-TPO", "anti-GBM", "anti-PR3", "anti-MPO",
]
SEROLOGY = ["ANA", "rheumatoid factor", "p-ANCA", "c-ANCA", "antinuclear antibodies", "lupus anticoagulant"]
DOSE_UNITS = [("mg", (1, 5, 7.5, 10, 15, 20, 25, 40, 50, 60, 100, 200, 400, 500, 1000)), ("mg/kg", (0.5, 1, 2, 10, 30)),
              ("g/kg", (0.4, 1, 2)), ("mg/m2", (375, 500, 750)), ("g", (1, 2))]
FREQUENCIES = ["daily", "once daily", "twice daily", "weekly", "every 4 weeks", "b.i.d.", "every 6 months", "monthly"]
ROUTES = ["orally", "intravenously", "subcutaneously", "i.v.", "by mouth", "intramuscularly"]
DURATIONS = ["two weeks", "three months", "6 weeks", "one year", "several days", "10 days", "four months"]
OUTCOME_PHRASES = [
    "{f} resolved completely", "{f} improved markedly", "{f} gradually improved", "there was no improvement of {f}",
    "{f} worsened", "a flare of {f} occurred", "{f} recurred", "{f} remained unchanged", "{f} had disappeared",
    "she remained in remission", "{f} partially resolved", "{f} was well controlled",
]
JOURNALS = ["J Clin Rheumatol", "BMJ Case Rep", "Clin Case Rep", "Front Immunol", "Medicine (Baltimore)",
            "J Med Case Rep", "Dermatol Ther", "Cureus", "Rheumatology (Oxford)", "Am J Case Rep"]
SURNAMES = ["Smith", "Garcia", "Chen", "Müller", "Rossi", "Kowalski", "Tanaka", "Silva", "Nguyen", "Okafor",
            "Ivanova", "Haddad", "Larsen", "Kim", "Dubois", "Patel", "O'Brien", "Novak"]

BACKGROUND = [
    "{disease} is a rare autoimmune disease characterised by {f1} and {f2}.",
    "Patients with {ab} antibodies frequently develop {f1}, which carries a poor prognosis.",
    "The treatment of refractory {f1} remains challenging, and {drug} has been proposed as an alternative.",
    "Several reports have described {f1} after exposure to {drug}.",
    "Janus kinase inhibitors such as {drug} have emerged as a therapeutic option in recent years.",
    "We report a case of {f1} associated with {ab} antibodies that responded to {drug}.",
    "To our knowledge, fewer than {n} cases have been reported in the literature.",
]
PRESENTATION = [
    "{intro} presented with a {dur} history of {f1}, {f2} and {f3}.",
    "{pro} reported {f1} and {f2} for {dur}.",
    "Physical examination revealed {f1} and {f2}.",
    "On admission, {pro_l} had {f1}; {f2} was also noted.",
    "{pro} denied {f1}, {f2} or {f3}.",
    "There was no evidence of {f1} or {f2}.",
    "{pro} had a history of {f1} treated with {drug} {dur} earlier.",
    "Laboratory tests showed {f1} and an elevated C-reactive protein of {crp} mg/L.",
    "Creatine kinase was {ck} U/L (normal < 200 U/L).",
    "Chest computed tomography showed {f1}.",
    "A skin biopsy revealed {f1} with perivascular lymphocytic infiltrates.",
    "Family history was unremarkable except for {f1} in {pro_poss} mother.",
]
SEROLOGY_T = [
    "Serology was positive for {ab} antibodies and negative for {ab2}.",
    "{ab} antibodies were detected at a high titre.",
    "Myositis-specific antibody testing revealed {ab} positivity.",
    "{sero} was positive at 1:{titre}, while {ab2} antibodies were negative.",
    "Tests for {ab} and {ab2} antibodies were negative.",
    "Repeat testing confirmed {ab} antibodies.",
]
TREATMENT = [
    "{pro} was treated with {drug} {dose} {freq}.",
    "{drug} was started at {dose} {freq} {route}.",
    "Treatment with {drug} ({dose} {freq}) and {drug2} was initiated.",
    "{drug} {dose} was given {route} {freq} for {dur}.",
    "Because of {f1}, {drug} was added at a dose of {dose} {freq}.",
    "{drug} was tapered over {dur} and switched to {drug2}.",
    "{pro} received pulse {drug} {dose} for three days, followed by {drug2}.",
    "{drug} was discontinued because of {f1}.",
    "After {dur} of {drug}, {pro_l} developed {f1}, and the drug was stopped.",
    "If {f1} recurs, {drug} will be considered.",
]
FOLLOW_UP = [
    "After {dur} of {drug}, {outcome}.",
    "At follow-up {dur} later, {outcome}.",
    "With {drug}, {outcome}, and {f2} improved.",
    "{pro} remained free of {f1} at {n} months.",
    "Despite {drug}, {outcome}.",
    "{drug} was well tolerated and {outcome}.",
]
DISCUSSION = [
    "This case illustrates that {drug} may be effective for {f1} in patients with {ab} antibodies.",
    "The mechanism by which {drug} improves {f1} is not fully understood.",
    "{f1} has been reported as an adverse event of {drug} in {n} patients.",
    "Clinicians should consider {drug} when {f1} is refractory to {drug2}.",
    "Further studies are needed to confirm the efficacy and safety of {drug} in {disease}.",
    "Early recognition of {f1} may prevent irreversible damage.",
]
# Narrative without vocabulary terms: real reports are mostly this (calibrated so mention
# density is close to the MACCROBAT case reports: ~8-10 mentions per 100 words).
FILLER = [
    "{pro} was admitted to our department for further evaluation.",
    "Written informed consent was obtained from the patient for publication of this report.",
    "The clinical course over the following weeks is summarised in the figure.",
    "{pro} was referred to our hospital by {pro_poss} general practitioner.",
    "Vital signs were within the expected range on arrival at the emergency department.",
    "The diagnosis was discussed at the multidisciplinary meeting of our institution.",
    "{pro} had no known allergies and did not smoke or drink alcohol.",
    "Informed consent was obtained before each procedure.",
    "The case was reviewed by two independent specialists, who agreed on the diagnosis.",
    "{pro} was discharged home after {n} days in hospital.",
    "Regular visits to the outpatient clinic were scheduled every {n} weeks.",
    "Our observations are consistent with previous reports in the literature.",
    "This report has several limitations, including the short duration of follow-up.",
    "The authors thank the nursing staff for their help in the care of this patient.",
    "Adherence to the prescribed regimen was checked at every visit.",
    "The timeline of the main clinical events is shown in the table.",
]
DISEASES = ["dermatomyositis", "juvenile dermatomyositis", "systemic lupus erythematosus", "systemic sclerosis",
            "polymyositis", "antisynthetase syndrome", "Sjogren syndrome", "rheumatoid arthritis",
            "neuromyelitis optica", "granulomatosis with polyangiitis", "Still disease", "sarcoidosis",
            "Behcet disease", "immune-mediated necrotizing myopathy", "DRESS syndrome", "Stevens-Johnson syndrome"]


FILLER_SHARE = 0.45
MEDIAN_WORDS = 450


@dataclass(frozen=True)
class SynthArticle:
    id: str
    text: str
    meta: dict


@lru_cache(maxsize=1)
def _vocab_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Tail vocabulary: short HPO phenotype labels and single-word DrugBank names, sorted."""
    from kg import vocab

    hpo = []
    for curie, term in vocab.terms_of_kind("hpo").items():
        label = term.label
        if (
            1 <= len(label.split()) <= 4 and len(label) <= 40 and re.fullmatch(r"[A-Za-z][A-Za-z \-']+", label)
            and not label.startswith(("Abnormal", "Abnormality", "Aplasia/Hypoplasia"))
            and vocab.is_phenotypic_abnormality(curie)
        ):
            hpo.append(label[0].lower() + label[1:] if not label[1:2].isupper() else label)
    drugs = [t.label for t in vocab.terms_of_kind("drug").values()
             if re.fullmatch(r"[A-Z][a-z]{4,18}", t.label)]
    return tuple(sorted(set(hpo))), tuple(sorted(set(drugs)))


class _Gen:
    def __init__(self, seed: int, tail_hpo: tuple[str, ...], tail_drugs: tuple[str, ...]) -> None:
        self.r = random.Random(seed)
        self.hpo = tail_hpo
        self.drugs = tail_drugs

    def finding(self) -> str:
        # ~70% from the common core, the rest from the whole HPO phenotype branch.
        if not self.hpo or self.r.random() < 0.7:
            return self.r.choice(COMMON_FINDINGS)
        return self.r.choice(self.hpo)

    def drug(self) -> str:
        if not self.drugs or self.r.random() < 0.75:
            return self.r.choice(COMMON_DRUGS)
        return self.r.choice(self.drugs).lower()

    def dose(self) -> str:
        unit, values = self.r.choice(DOSE_UNITS)
        v = self.r.choice(values)
        return f"{v:g} {unit}"

    def fill(self, template: str, ctx: dict) -> str:
        r = self.r
        f1, f2, f3 = self.finding(), self.finding(), self.finding()
        ab, ab2 = r.sample(ANTIBODIES, 2)
        d1, d2 = self.drug(), self.drug()
        while d2 == d1:
            d2 = self.drug()
        values = {
            "f1": f1, "f2": f2, "f3": f3, "ab": ab, "ab2": ab2, "sero": r.choice(SEROLOGY),
            "drug": d1, "drug2": d2, "dose": self.dose(), "freq": r.choice(FREQUENCIES), "route": r.choice(ROUTES),
            "dur": r.choice(DURATIONS), "n": r.randint(2, 60), "crp": r.randint(3, 180), "ck": r.randint(150, 24000),
            "titre": r.choice((80, 160, 320, 640, 1280)), "disease": ctx["disease"],
            "outcome": r.choice(OUTCOME_PHRASES).format(f=f1), **ctx["patient"],
        }
        s = template.format(**values)
        return s[0].upper() + s[1:]


def _patient(g: _Gen, index: int, multi: bool) -> dict:
    r = g.r
    female = r.random() < 0.6
    age = r.randint(2, 85)
    noun = ("girl" if female else "boy") if age < 16 else ("woman" if female else "man")
    if multi:
        intro = f"Patient {index}, a {age}-year-old {noun},"
    else:
        intro = f"A {age}-year-old {noun}"
    pro = "she" if female else "he"
    return {"intro": intro, "pro": pro.capitalize(), "pro_l": pro, "pro_poss": "her" if female else "his"}


def article(index: int, seed: int = 0) -> SynthArticle:
    """The `index`-th article of the corpus with this seed (independent of the others)."""
    hpo, drugs = _vocab_lists()
    # One generator per article seeded from (seed, index): any article can be regenerated alone,
    # and corpora of different sizes with one seed share their first articles.
    g = _Gen(seed * 1_000_003 + index, hpo, drugs)
    r = g.r
    target_words = int(min(6000, max(120, r.lognormvariate(math.log(MEDIAN_WORDS), 0.6))))
    n_patients = 1 if r.random() < 0.8 else r.randint(2, 4)
    disease = r.choice(DISEASES)
    title_ctx = {"disease": disease, "patient": _patient(g, 1, False)}
    title = g.fill(r.choice([
        "{drug} for refractory {f1} in {disease}: a case report",
        "{ab}-positive {disease} presenting with {f1}",
        "{f1} induced by {drug}: a case report and review of the literature",
        "Successful treatment of {f1} with {drug}",
    ]), title_ctx)
    paras: list[str] = []
    words = 0

    def para(templates: list[str], k: int, ctx: dict) -> None:
        nonlocal words
        sents = [g.fill(r.choice(FILLER if r.random() < FILLER_SHARE else templates), ctx) for _ in range(k)]
        text = " ".join(sents)
        words += len(text.split())
        paras.append(text)

    ctx0 = {"disease": disease, "patient": _patient(g, 1, n_patients > 1)}
    paras.append("Introduction")
    para(BACKGROUND, r.randint(2, 5), ctx0)
    paras.append("Case presentation")
    for p in range(1, n_patients + 1):
        ctx = {"disease": disease, "patient": _patient(g, p, n_patients > 1)}
        first = g.fill(PRESENTATION[0], ctx)
        rest = " ".join(g.fill(r.choice(PRESENTATION[1:]), ctx) for _ in range(r.randint(3, 7)))
        paras.append(f"{first} {rest}")
        words += len(paras[-1].split())
        para(SEROLOGY_T, r.randint(1, 3), ctx)
        para(TREATMENT, r.randint(2, 5), ctx)
        para(FOLLOW_UP, r.randint(1, 3), ctx)
    paras.append("Discussion")
    while words < target_words:
        para(DISCUSSION + BACKGROUND, r.randint(3, 7), ctx0)
    text = "\n\n".join(paras) + "\n"
    aid = f"synth-{seed}-{index:07d}"
    meta = {
        "id": aid, "title": title, "journal": r.choice(JOURNALS), "year": r.randint(1995, 2025),
        "pmid": str(90_000_000 + seed * 10_000_000 + index), "authors": [f"{r.choice(SURNAMES)} {chr(65 + r.randrange(26))}" for _ in range(r.randint(1, 6))],
        "source_format": "text", "license": "CC0-1.0",
    }
    return SynthArticle(id=aid, text=text, meta=meta)


def articles(n: int, seed: int = 0, start: int = 0) -> Iterator[SynthArticle]:
    for i in range(start, start + n):
        yield article(i, seed)


def write_corpus(root: str | Path, n: int, seed: int = 0) -> dict:
    """Write `n` articles as `<root>/<id>/article.txt + meta.json`; return counts.

    Plain writes, not the corpus module's fsynced atomic ones: a benchmark corpus can be
    regenerated, and 20k fsyncs would dominate the generation time.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    n_words = n_bytes = 0
    for a in articles(n, seed):
        folder = root / a.id
        folder.mkdir(exist_ok=True)
        data = a.text.encode("utf-8")
        (folder / "article.txt").write_bytes(data)
        (folder / "meta.json").write_text(json.dumps(a.meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        n_words += len(a.text.split())
        n_bytes += len(data)
    return {"articles": n, "words": n_words, "bytes": n_bytes, "seed": seed}
