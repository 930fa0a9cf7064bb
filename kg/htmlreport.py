"""`kg report`: one self-contained HTML page about the corpus, with Plotly figures.

The figures a researcher asks for first: which drugs were followed by which outcome for which
manifestation (a heat map of patients, coloured by net response), how much each article
contributes, which autoantibodies are reported in how many patients, how many statements are
negated or hypothetical, and the adverse events by drug. Plotly's JavaScript is inlined once,
so the file opens without a network. Numbers come from the same projection as `kg export`
(`kg.export.to_networkx`) plus a few SPARQL counts, so the two never disagree.
"""

from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import __version__
from kg.export import OUTCOMES, TYPE_COLORS, _oxigraph, asset_text, project, view_quads
from kg.rdf import PREFIXES

# Net response weight of each outcome: +1 good, -1 bad, 0 neutral/unknown.
OUTCOME_SCORE = {"resolved": 1.0, "improved": 1.0, "remission_maintained": 1.0, "unchanged": 0.0,
                 "worsened": -1.0, "relapsed": -1.0, "unspecified": 0.0}
MAX_HEATMAP_ROWS = 30
MAX_HEATMAP_COLS = 40

_Q_ARTICLES = """
SELECT ?article ?id ?title ?year (COUNT(DISTINCT ?p) AS ?patients) WHERE {
  GRAPH ?g { ?article a ckg:Article ; dct:identifier ?id .
    OPTIONAL { ?article dct:title ?title } OPTIONAL { ?article fabio:hasPublicationYear ?year }
    OPTIONAL { ?article ckg:describes ?p } }
} GROUP BY ?article ?id ?title ?year ORDER BY ?id
"""
_Q_ENTITIES = """
SELECT ?article ?type (COUNT(DISTINCT ?c) AS ?n) WHERE {
  GRAPH ?g { ?s ckg:inArticle ?article ; ckg:assertionStatus ckg:Present .
    { ?s ckg:drug ?c } UNION { ?s ckg:concept ?c }
    ?c a ?type . FILTER(?type IN (ckg:Drug, ckg:Manifestation, ckg:Autoantibody, ckg:Disease)) }
} GROUP BY ?article ?type
"""
_Q_STATEMENTS = """
SELECT ?kind ?status (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s ckg:kind ?kind ; ckg:assertionStatus ?status }
} GROUP BY ?kind ?status
"""
_Q_ANTIBODIES = """
SELECT ?ab (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?p) AS ?patients) (COUNT(DISTINCT ?g) AS ?articles) WHERE {
  GRAPH ?g { ?p ckg:hasAutoantibody ?ab . ?ab rdfs:label ?l }
} GROUP BY ?ab ORDER BY DESC(?patients) ?label
"""


@dataclass
class ReportData:
    articles: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, dict[str, int]] = field(default_factory=dict)  # article id -> type -> count
    statements: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> status -> count
    antibodies: list[tuple[str, int, int]] = field(default_factory=list)  # label, patients, articles
    treat: list[dict[str, Any]] = field(default_factory=list)  # summary edges applied_to_treat
    adverse: list[dict[str, Any]] = field(default_factory=list)  # summary edges has_adverse_event
    triples: int = 0


def collect(store: Any) -> ReportData:
    """Everything the report plots, from a store (kg Store, pyoxigraph Store or path)."""
    oxs, closer = _oxigraph(store)
    try:
        data = ReportData(triples=len(oxs))

        def rows(q: str) -> list[ox.QuerySolution]:
            return list(oxs.query(q, prefixes=dict(PREFIXES)))

        for r in rows(_Q_ARTICLES):
            data.articles.append({"iri": r["article"].value, "id": r["id"].value,
                                  "title": r["title"].value if r["title"] else "",
                                  "year": r["year"].value if r["year"] else "", "patients": int(r["patients"].value),
                                  "statements": 0})
        by_iri = {a["iri"]: a for a in data.articles}
        for r in rows(_Q_ENTITIES):
            art = by_iri.get(r["article"].value)
            if art is not None:
                data.entities.setdefault(art["id"], {})[r["type"].value.rsplit("#", 1)[1]] = int(r["n"].value)
        for r in rows(_Q_STATEMENTS):
            status = r["status"].value.rsplit("#", 1)[1].lower()
            data.statements.setdefault(r["kind"].value, {})[status] = int(r["n"].value)
        for r in oxs.query("SELECT ?a (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ckg:inArticle ?a } } GROUP BY ?a",
                           prefixes=dict(PREFIXES)):
            if r["a"].value in by_iri:
                by_iri[r["a"].value]["statements"] = int(r["n"].value)
        data.antibodies = [(r["label"].value, int(r["patients"].value), int(r["articles"].value)) for r in rows(_Q_ANTIBODIES)]
        g = project(view_quads(oxs, "summary"), "summary")
        for u, v, d in g.edges(data=True):
            rec = {"drug": g.nodes[u]["label"], "drug_id": g.nodes[u]["ontology_id"], "manifestation": g.nodes[v]["label"],
                   "manifestation_id": g.nodes[v]["ontology_id"], "patients": d["patients"], "articles": d["articles"],
                   **{o: d.get(f"patients_{o}", 0) for o in OUTCOMES}}
            (data.treat if d["predicate"] == "biolink:applied_to_treat" else data.adverse).append(rec)
        return data
    finally:
        if closer is not None:
            closer.close()


# ---------------------------------------------------------------------------------------- figures


def _layout(fig: Any, title: str, height: int) -> None:
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}}, height=height,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, template="plotly_white",
                      font={"family": "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, DejaVu Sans, sans-serif"},
                      legend={"orientation": "h", "y": -0.15})


def _integer_axis(fig: Any, axis: str, maximum: int) -> None:
    # Counts are whole patients: no 0.2-patient ticks on small corpora.
    getattr(fig, f"update_{axis}axes")(dtick=max(1, -(-maximum // 8)), rangemode="tozero")


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def heatmap_figure(data: ReportData) -> Any | None:
    """Drug x manifestation: colour = net response (good - bad outcomes) / patients; text = patients."""
    import plotly.graph_objects as go

    if not data.treat:
        return None
    drug_tot: dict[str, int] = defaultdict(int)
    man_tot: dict[str, int] = defaultdict(int)
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in data.treat:
        drug_tot[rec["drug"]] += rec["patients"]
        man_tot[rec["manifestation"]] += rec["patients"]
        cells[(rec["drug"], rec["manifestation"])] = rec
    drugs = sorted(drug_tot, key=lambda d: (-drug_tot[d], d.lower()))[:MAX_HEATMAP_ROWS]
    mans = sorted(man_tot, key=lambda m: (-man_tot[m], m.lower()))[:MAX_HEATMAP_COLS]
    z, text, hover = [], [], []
    for d in drugs:
        zr, tr, hr = [], [], []
        for m in mans:
            rec = cells.get((d, m))
            if rec is None or not rec["patients"]:
                zr.append(None)
                tr.append("")
                hr.append(f"{d} → {m}<br>no treatment-outcome statements")
                continue
            # Net response over outcome-patient pairs (a patient can have improved, then relapsed).
            n_out = sum(rec[o] for o in OUTCOMES) or 1
            score = sum(OUTCOME_SCORE[o] * rec[o] for o in OUTCOMES) / n_out
            zr.append(round(score, 3))
            tr.append(str(rec["patients"]))
            parts = [f"{o.replace('_', ' ')}: {rec[o]}" for o in OUTCOMES if rec[o]]
            hr.append(f"<b>{html.escape(d)} → {html.escape(m)}</b><br>{rec['patients']} patient(s), "
                      f"{rec['articles']} article(s)<br>" + "<br>".join(parts) + f"<br>net response {score:+.2f}")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    fig = go.Figure(go.Heatmap(
        z=z, x=mans, y=drugs, text=text, texttemplate="%{text}", hovertext=hover, hoverinfo="text",
        colorscale=[[0, "#d62728"], [0.5, "#f3e6a3"], [1, "#2e9d55"]], zmin=-1, zmax=1, xgap=2, ygap=2,
        colorbar={"title": {"text": "net<br>response"}, "tickvals": [-1, 0, 1], "ticktext": ["worse", "mixed", "better"]},
    ))
    _layout(fig, "Drug × manifestation outcomes (cell text: patients; colour: net response)", max(380, 200 + 30 * len(drugs)))
    fig.update_xaxes(tickangle=-40, side="bottom")
    fig.update_yaxes(autorange="reversed")
    return fig


def entities_figure(data: ReportData) -> Any | None:
    import plotly.graph_objects as go

    if not data.articles:
        return None
    ids = [a["id"] for a in data.articles]
    fig = go.Figure()
    for t in ("Drug", "Manifestation", "Autoantibody", "Disease"):
        fig.add_bar(name=t, x=ids, y=[data.entities.get(i, {}).get(t, 0) for i in ids], marker_color=TYPE_COLORS[t])
    fig.add_bar(name="Patient", x=ids, y=[a["patients"] for a in data.articles], marker_color=TYPE_COLORS["Patient"])
    fig.update_layout(barmode="group", xaxis_title="article", yaxis_title="distinct entities (present statements)")
    _integer_axis(fig, "y", max([a["patients"] for a in data.articles] + [n for e in data.entities.values() for n in e.values()]))
    _layout(fig, "Entities per article", 420)
    return fig


def antibodies_figure(data: ReportData) -> Any | None:
    import plotly.graph_objects as go

    if not data.antibodies:
        return None
    abs_ = sorted(data.antibodies, key=lambda x: (x[1], x[0]))
    fig = go.Figure(go.Bar(x=[a[1] for a in abs_], y=[a[0] for a in abs_], orientation="h",
                           marker_color=TYPE_COLORS["Autoantibody"], text=[f"{_n(a[1], 'patient')} · {_n(a[2], 'article')}" for a in abs_],
                           textposition="auto", hovertemplate="%{y}: %{x} patient(s)<extra></extra>"))
    fig.update_layout(xaxis_title="patients with a positive, present finding")
    _integer_axis(fig, "x", max(a[1] for a in abs_))
    _layout(fig, "Autoantibodies by patient count", 160 + 30 * len(abs_))
    return fig


def statements_figure(data: ReportData) -> Any | None:
    import plotly.graph_objects as go

    if not data.statements:
        return None
    kinds = sorted(data.statements, key=lambda k: -sum(data.statements[k].values()))
    colors = {"present": "#2e9d55", "negated": "#d62728", "hypothetical": "#c9a227", "historical": "#8c6d31", "uncertain": "#9D9D9D"}
    fig = go.Figure()
    for status, color in colors.items():
        ys = [data.statements[k].get(status, 0) for k in kinds]
        if any(ys):
            fig.add_bar(name=status, x=[k.replace("_", " ") for k in kinds], y=ys, marker_color=color)
    fig.update_layout(barmode="stack", yaxis_title="statements")
    _layout(fig, "Statements by kind and assertion status", 400)
    return fig


def adverse_figure(data: ReportData) -> Any | None:
    import plotly.graph_objects as go

    if not data.adverse:
        return None
    recs = sorted(data.adverse, key=lambda r: (-r["patients"], r["drug"].lower(), r["manifestation"].lower()))[:25][::-1]
    fig = go.Figure(go.Bar(x=[r["patients"] for r in recs], y=[f"{r['drug']} → {r['manifestation']}" for r in recs],
                           orientation="h", marker_color=TYPE_COLORS["Disease"],
                           hovertemplate="%{y}: %{x} patient(s)<extra></extra>"))
    fig.update_layout(xaxis_title="patients")
    _integer_axis(fig, "x", max(r["patients"] for r in recs))
    _layout(fig, "Adverse events by drug", 160 + 28 * len(recs))
    return fig


# ---------------------------------------------------------------------------------------- page


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(store: Any, title: str = "casekg corpus report") -> str:
    """The report as one HTML string (Plotly JS inlined once)."""
    import plotly.io as pio

    data = collect(store)
    n_statements = sum(sum(v.values()) for v in data.statements.values())
    n_patients = sum(a["patients"] for a in data.articles)
    n_negated = sum(v.get("negated", 0) for v in data.statements.values())
    cards = [("articles", len(data.articles)), ("patients", n_patients), ("statements", n_statements),
             ("negated statements", n_negated), ("drug → manifestation pairs", len(data.treat)),
             ("autoantibodies", len(data.antibodies)), ("triples", data.triples)]
    sections = []
    figures = [
        ("heatmap", heatmap_figure(data), "No treatment-outcome statements asserted present."),
        ("entities", entities_figure(data), "No articles in the store."),
        ("antibodies", antibodies_figure(data), "No positive autoantibody findings."),
        ("statements", statements_figure(data), "No statements."),
        ("adverse", adverse_figure(data), "No adverse events asserted present."),
    ]
    first = True
    for name, fig, empty in figures:
        if fig is None:
            sections.append(f"<section class='figure empty' id='fig-{name}'><p>{html.escape(empty)}</p></section>")
            continue
        div = pio.to_html(fig, full_html=False, include_plotlyjs=first, div_id=f"plot-{name}",
                          config={"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "svg"}})
        first = False
        sections.append(f"<section class='figure' id='fig-{name}'>{div}</section>")
    articles = _table(["article", "year", "title", "patients", "statements"],
                      [[a["id"], a["year"], a["title"], a["patients"], a["statements"]] for a in data.articles])
    top = sorted(data.treat, key=lambda r: (-r["patients"], r["drug"].lower(), r["manifestation"].lower()))[:50]
    pairs = _table(["drug", "manifestation", "patients", "articles", *[o.replace("_", " ") for o in OUTCOMES]],
                   [[r["drug"], r["manifestation"], r["patients"], r["articles"], *[r[o] for o in OUTCOMES]] for r in top])
    page = asset_text("report.html")
    replacements = {
        "{{TITLE}}": html.escape(title),
        "{{CSS}}": asset_text("report.css"),
        "{{GENERATED}}": html.escape(f"casekg {__version__} · {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"),
        "{{CARDS}}": "".join(f"<div class='card'><div class='n'>{n:,}</div><div class='l'>{html.escape(l)}</div></div>" for l, n in cards),
        "{{FIGURES}}": "\n".join(sections),
        "{{ARTICLES}}": articles if data.articles else "<p class='empty'>No articles.</p>",
        "{{PAIRS}}": pairs if top else "<p class='empty'>No treatment outcomes.</p>",
    }
    return re.sub(r"\{\{[A-Z_]+\}\}", lambda m: replacements.get(m.group(0), m.group(0)), page)


def write_report(store: Any, output: str | os.PathLike[str], title: str = "casekg corpus report") -> Path:
    from kg.atomic import write_text_atomic

    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render_report(store, title))
    return out


__all__ = ["collect", "render_report", "write_report", "ReportData", "heatmap_figure", "entities_figure",
           "antibodies_figure", "statements_figure", "adverse_figure"]
