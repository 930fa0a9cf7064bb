"""Load test for `kg serve`: a synthetic graph of N case reports, 16 concurrent clients.

Builds (once, cached under .kg/bench/) a store of synthetic case reports made with the real
graph builder (kg.rdf.article_quads, real HPO/DrugBank IRIs and HPO ancestry), starts the
real `kg serve` command in a subprocess, and drives it with concurrent HTTP clients for a
fixed time with a mix of catalogue queries, ad-hoc SPARQL and entity pages. Prints
requests/s, p50 and p99 latency overall and per request kind, and errors (must be 0).

Not run in CI. Examples:
  python benchmarks/serve_load.py                  # 10k reports, 16 clients, 30 s
  python benchmarks/serve_load.py --quick          # 1k reports, 16 clients, 10 s (~1-2 min)
  python benchmarks/serve_load.py --reports 5000 --duration 60 --workers 8 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DRUGS = [
    ("DRUGBANK:DB00563", "methotrexate"), ("DRUGBANK:DB11817", "baricitinib"), ("DRUGBANK:DB00073", "rituximab"),
    ("DRUGBANK:DB00635", "prednisone"), ("DRUGBANK:DB00993", "azathioprine"), ("DRUGBANK:DB00688", "mycophenolate mofetil"),
    ("DRUGBANK:DB08895", "tofacitinib"), ("DRUGBANK:DB00531", "cyclophosphamide"), ("DRUGBANK:DB00091", "cyclosporine"),
    ("DRUGBANK:DB01394", "colchicine"),
]
MANIFESTATIONS = [
    ("HP:0012490", "panniculitis"), ("HP:0010783", "erythema"), ("HP:0006530", "interstitial lung disease"),
    ("HP:0003326", "myalgia"), ("HP:0001324", "muscle weakness"), ("HP:0001945", "fever"), ("HP:0000988", "skin rash"),
    ("HP:0002829", "arthralgia"), ("HP:0000992", "photosensitivity"), ("HP:0100820", "glomerulonephritis"),
]
ADVERSE = [("HP:0001882", "leukopenia"), ("HP:0001875", "neutropenia"), ("HP:0001873", "thrombocytopenia"), ("HP:0002910", "elevated hepatic transaminase")]
ANTIBODIES = ["anti-NXP2", "anti-MDA5", "anti-Jo-1", "anti-TIF1-gamma", "anti-SRP", "anti-Mi-2"]
OUTCOMES = ["improved", "resolved", "unchanged", "worsened", "relapsed"]
WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


# ----------------------------------------------------------------------------- the synthetic graph


def synthetic_report(i: int):  # noqa: ANN201 - (Article, Extraction)
    from kg.model import Article, ArticleMeta, Extraction, Mention, Patient, Sentence, Statement

    rng = random.Random(i)
    drug, drug_label = rng.choice(DRUGS)
    drug2, drug2_label = rng.choice(DRUGS)
    man, man_label = rng.choice(MANIFESTATIONS)
    man2, man2_label = rng.choice(MANIFESTATIONS)
    ae, ae_label = rng.choice(ADVERSE)
    ab = rng.choice(ANTIBODIES)
    age, sex = rng.randint(18, 85), rng.choice(["female", "male"])
    outcome = rng.choice(OUTCOMES)
    sents_text = [
        f"A {age}-year-old {'woman' if sex == 'female' else 'man'} was {ab} positive.",
        f"She presented with {man_label} and {man2_label} but no {ADVERSE[i % 4][1]}.",
        f"{drug_label.capitalize()} was started and the {man_label} {outcome}.",
        f"{drug2_label.capitalize()} was stopped because of {ae_label}.",
    ]
    text, sents = "", []
    for k, s in enumerate(sents_text):
        sents.append(Sentence(k, len(text), len(text) + len(s), s))
        text += s + " "
    mentions: list = []

    def m(surface: str, k: int, type_: str, label: str, curie: str | None, **kw) -> str:
        start = text.lower().index(surface.lower(), sents[k].start)
        mid = f"m{len(mentions)}"
        mentions.append(Mention(mid, type_, text[start : start + len(surface)], start, start + len(surface), k, label, curie, patient="P1", **kw))
        return mid

    m_ab = m(ab, 0, "Antibody", ab, f"CASEKG:{ab}", attrs={"polarity": "positive"})
    m_man = m(man_label, 1, "Manifestation", man_label, man)
    m_man2 = m(man2_label, 1, "Manifestation", man2_label, man2) if man2 != man else None
    m_neg = m(ADVERSE[i % 4][1], 1, "Manifestation", ADVERSE[i % 4][1], ADVERSE[i % 4][0], status="negated", cue="no")
    m_drug = m(drug_label, 2, "Drug", drug_label, drug)
    m_out = m(man_label, 2, "Manifestation", man_label, man)
    m_drug2 = m(drug2_label, 3, "Drug", drug2_label, drug2)
    m_ae = m(ae_label, 3, "AdverseEvent", ae_label, ae)
    statements = [
        Statement("s0", "antibody", "P1", m_ab, value="positive", sentence=0),
        Statement("s1", "phenotype", "P1", m_man, sentence=1),
        Statement("s2", "phenotype", "P1", m_neg, status="negated", cue="no", sentence=1),
        Statement("s3", "exposure", "P1", m_drug, sentence=2),
        Statement("s4", "outcome", "P1", m_drug, target=m_out, value=outcome, sentence=2),
        Statement("s5", "exposure", "P1", m_drug2, sentence=3),
        Statement("s6", "adverse_event", "P1", m_drug2, target=m_ae, sentence=3),
        Statement("s7", "discontinuation", "P1", m_drug2, target=m_ae, value=ae_label, sentence=3),
    ]
    if m_man2:
        statements.append(Statement("s8", "phenotype", "P1", m_man2, sentence=1))
    aid = f"SYN{i:06d}"
    meta = ArticleMeta(id=aid, title=f"Synthetic case {i}: {drug_label} for {man_label}", journal="Synthetic Case Reports",
                       year=2000 + i % 25, pmid=str(30_000_000 + i), doi=f"10.5555/syn.{i}", authors=("Doe J",))
    article = Article(meta=meta, text=text, sha256=f"{i:064x}")
    patients = [Patient("P1", "Patient 1", 0, 1, 0, age=float(age), sex=sex)]
    return article, Extraction(aid, sents, mentions, patients, statements, software="casekg benchmark")


def build_store(path: Path, reports: int) -> None:
    import pyoxigraph as ox

    from kg.rdf import article_quads

    tmp = path.with_name(path.name + ".building")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    st = ox.Store(str(tmp))
    started = time.perf_counter()
    batch: list = []
    for i in range(reports):
        article, extraction = synthetic_report(i)
        batch.extend(article_quads(article, extraction, generated_at=WHEN))
        if len(batch) > 200_000 or i == reports - 1:
            st.bulk_extend(batch)
            batch = []
        if (i + 1) % 1000 == 0:
            print(f"  built {i + 1}/{reports} reports ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    st.flush()
    st.optimize()
    n = len(st)
    del st
    if path.exists():  # --rebuild: swap the old store out only once the new one is complete
        import shutil

        shutil.rmtree(path)
    os.replace(tmp, path)
    print(f"synthetic store: {reports} reports, {n} quads in {time.perf_counter() - started:.0f} s -> {path}", file=sys.stderr)


# ----------------------------------------------------------------------------- load


def request_mix(reports: int):  # noqa: ANN201 - list of (kind, weight, make(rng) -> (method, path, params, headers))
    def drugs_for_manifestation(rng):  # noqa: ANN001, ANN202
        return "/queries/drugs-for-manifestation", {"manifestation": rng.choice(MANIFESTATIONS)[1]}, {"Accept": "application/sparql-results+json"}

    def patients_with_antibody(rng):  # noqa: ANN001, ANN202
        return "/queries/patients-with-antibody", {"antibody": rng.choice(ANTIBODIES)}, {"Accept": "text/csv"}

    def adverse_events(rng):  # noqa: ANN001, ANN202
        return "/queries/adverse-events", {"drug": rng.choice(DRUGS)[1]}, {"Accept": "application/sparql-results+xml"}

    def sparql_count(rng):  # noqa: ANN001, ANN202
        iri = "https://go.drugbank.com/drugs/" + rng.choice(DRUGS)[0].split(":")[1]
        q = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p ckg:receivedDrug <{iri}> }}"
        return "/sparql", {"query": q}, {"Accept": "application/sparql-results+json"}

    def sparql_patient(rng):  # noqa: ANN001, ANN202
        aid = f"SYN{rng.randrange(reports):06d}"
        q = f"CONSTRUCT WHERE {{ <https://w3id.org/casekg/article/{aid}/patient/P1> ?p ?o }}"
        return "/sparql", {"query": q}, {"Accept": "text/turtle"}

    def entity_patient(rng):  # noqa: ANN001, ANN202
        aid = f"SYN{rng.randrange(reports):06d}"
        return "/api/entity", {"iri": f"https://w3id.org/casekg/article/{aid}/patient/P1"}, {}

    return [
        ("drugs-for-manifestation", 2, drugs_for_manifestation),
        ("patients-with-antibody", 2, patients_with_antibody),
        ("adverse-events(drug)", 1, adverse_events),
        ("sparql-count", 3, sparql_count),
        ("sparql-construct-patient", 3, sparql_patient),
        ("entity-page(patient)", 3, entity_patient),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(base: str, reports: int, clients: int, duration: float, seed: int = 0) -> dict:
    import requests

    mix = request_mix(reports)
    kinds = [k for k, w, _ in mix for _ in range(w)]
    makers = {k: f for k, _, f in mix}
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        session = requests.Session()
        mine: dict[str, list[float]] = defaultdict(list)
        errs: list[str] = []
        start_gate.wait()
        while time.monotonic() < stop_at[0]:  # bounded by the duration
            kind = rng.choice(kinds)
            path, params, headers = makers[kind](rng)
            t0 = time.perf_counter()
            try:
                r = session.get(base + path, params=params, headers=headers, timeout=60)
                ok = r.status_code == 200
                if not ok:
                    errs.append(f"{kind}: HTTP {r.status_code}: {r.text[:200]}")
            except requests.RequestException as exc:
                ok = False
                errs.append(f"{kind}: {exc}")
            mine[kind].append(time.perf_counter() - t0)
        with lock:
            for k, v in mine.items():
                lat[k].extend(v)
            errors.extend(errs)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + duration + 0.001
    begun = time.monotonic()
    stop_at[0] = begun + duration
    start_gate.wait()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.monotonic() - begun
    everything = [x for v in lat.values() for x in v]
    return {
        "requests": len(everything),
        "seconds": elapsed,
        "requests_per_s": len(everything) / elapsed if elapsed else 0.0,
        "p50_ms": pct(everything, 50),
        "p99_ms": pct(everything, 99),
        "errors": len(errors),
        "error_samples": errors[:5],
        "by_kind": {k: {"n": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99)} for k, v in sorted(lat.items())},
    }


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=10_000, help="synthetic case reports in the graph [10000]")
    ap.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients [16]")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load [30]")
    ap.add_argument("--workers", type=int, default=None, help="kg serve --workers [min(4, CPUs)]")
    ap.add_argument("--quick", action="store_true", help="1000 reports for 10 s: a check that finishes in a couple of minutes")
    ap.add_argument("--store", type=Path, default=None, help="where to keep the synthetic store [.kg/bench/serve-N]")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the synthetic store even if cached")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = ap.parse_args()
    if args.quick:
        args.reports, args.duration = 1000, 10.0

    store = args.store or ROOT / ".kg" / "bench" / f"serve-{args.reports}"
    if args.rebuild or not store.is_dir():
        store.parent.mkdir(parents=True, exist_ok=True)
        build_store(store, args.reports)

    port = free_port()
    cmd = [sys.executable, "-c", "from kg.cli_serve import serve; serve()", "--store", str(store), "--port", str(port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        deadline = time.monotonic() + 120
        while True:
            try:
                health = requests.get(base + "/healthz", timeout=2).json()
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    print(server.stderr.read().decode()[-2000:], file=sys.stderr)
                    return 2
                time.sleep(0.2)
        drive(base, args.reports, 4, 2.0, seed=99)  # warm-up: page cache, worker imports
        res = drive(base, args.reports, args.clients, args.duration)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    res.update(reports=args.reports, clients=args.clients, server_workers=health["workers"], cpus=os.cpu_count())
    print(f"kg serve load test: {args.reports} reports, {args.clients} clients, {args.duration:g} s, "
          f"{health['workers']} query workers, {os.cpu_count()} CPUs (clients share the machine)")
    print(f"  requests/s  {res['requests_per_s']:.1f}   ({res['requests']} requests)")
    print(f"  latency     p50 {res['p50_ms']:.1f} ms   p99 {res['p99_ms']:.1f} ms")
    print(f"  errors      {res['errors']}")
    for line in res["error_samples"]:
        print(f"    {line}")
    print("  by kind:")
    for k, v in res["by_kind"].items():
        print(f"    {k:26} n={v['n']:6}  p50 {v['p50_ms']:7.1f} ms  p99 {v['p99_ms']:7.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0 if res["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
