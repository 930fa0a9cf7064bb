// casekg web UI: a SPARQL editor over the catalogue, a result table and entity pages.
// Plain DOM code, no library: every value from the graph goes in through textContent,
// never innerHTML, because labels and sentences come from published text.
"use strict";

const state = { catalogue: [], prefixes: {}, selected: null };
const $ = (sel, el = document) => el.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function compact(iri) {
  let best = null;
  for (const [p, ns] of Object.entries(state.prefixes)) {
    if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [p, ns];
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : iri;
}

function entityLink(iri, label) {
  return el("a", { href: `/?entity=${encodeURIComponent(iri)}`, class: "iri", title: iri }, label || compact(iri));
}

function setStatus(text) { $("#status").textContent = text; }

function showError(text) {
  const box = $("#error");
  box.hidden = !text;
  box.textContent = text || "";
}

// ------------------------------------------------------------------ catalogue

async function loadCatalogue() {
  const resp = await fetch("/queries", { headers: { Accept: "application/json" } });
  if (!resp.ok) throw new Error(`GET /queries: ${resp.status} ${await resp.text()}`);
  const data = await resp.json();
  state.catalogue = data.queries;
  // Display-only short forms for our own IRIs and DrugBank, beside the graph's prefixes.
  state.prefixes = { casekg: "https://w3id.org/casekg/", drugbank: "https://go.drugbank.com/drugs/", ...(data.prefixes || {}) };
  const list = $("#catalogue");
  list.replaceChildren();
  for (const q of state.catalogue) {
    const params = q.params.map((p) => p.name + (p.required ? "" : "?")).join(", ");
    list.append(
      el("li", { "data-name": q.name },
        el("a", { href: `/?example=${encodeURIComponent(q.name)}`, onclick: (e) => { e.preventDefault(); selectQuery(q.name, {}); } },
          el("span", { class: "q-title", text: q.title })),
        el("span", { class: "q-name muted", text: q.name + (params ? ` (${params})` : "") })));
  }
}

function selectQuery(name, values) {
  const q = state.catalogue.find((x) => x.name === name);
  if (!q) { showError(`unknown example query ${name}`); return null; }
  state.selected = q;
  $("#editor").value = q.sparql;
  $("#query-title").textContent = q.title;
  $("#query-description").textContent = q.description;
  for (const li of document.querySelectorAll("#catalogue li")) li.classList.toggle("active", li.dataset.name === name);
  const form = $("#params");
  form.replaceChildren();
  for (const p of q.params) {
    const id = `param-${p.name}`;
    form.append(el("label", { for: id },
      el("span", { text: p.name + (p.required ? " *" : "") }),
      el("input", { id, name: p.name, value: values[p.name] ?? p.default ?? "", placeholder: p.description, required: p.required })));
  }
  showError("");
  return q;
}

function paramValues() {
  const out = {};
  for (const input of document.querySelectorAll("#params input")) out[input.name] = input.value;
  return out;
}

// ------------------------------------------------------------------ running

function requestFor(format) {
  // The catalogue endpoint binds parameters safely; edited text goes to /sparql as is.
  const text = $("#editor").value;
  if (state.selected && text === state.selected.sparql) {
    const qs = new URLSearchParams(paramValues());
    if (format) qs.set("format", format);
    return { url: `/queries/${encodeURIComponent(state.selected.name)}?${qs}`, method: "GET" };
  }
  const qs = new URLSearchParams({ query: text });
  if (format) qs.set("format", format);
  return { url: `/sparql?${qs}`, method: "GET", text };
}

async function run() {
  showError("");
  $("#results").replaceChildren();
  $("#downloads").replaceChildren();
  setStatus("running…");
  updateUrl();
  const req = requestFor(null);
  const started = performance.now();
  let resp;
  const headers = { Accept: "application/sparql-results+json, text/turtle;q=0.9" };
  if (req.text !== undefined) {
    resp = await fetch("/sparql", { method: "POST", headers: { ...headers, "Content-Type": "application/sparql-query" }, body: req.text });
  } else {
    resp = await fetch(req.url, { headers });
  }
  const ms = Math.round(performance.now() - started);
  const body = await resp.text();
  if (!resp.ok) {
    setStatus(`${resp.status} after ${ms} ms`);
    showError(body);
    return;
  }
  const type = (resp.headers.get("content-type") || "").split(";")[0];
  const truncated = resp.headers.get("x-kg-truncated");
  if (type === "application/sparql-results+json") {
    const data = JSON.parse(body);
    if (data.boolean !== undefined) {
      $("#results").append(el("p", { class: "boolean", text: data.boolean ? "yes (true)" : "no (false)" }));
      setStatus(`ASK answered in ${ms} ms`);
    } else {
      $("#results").append(resultTable(data));
      const n = data.results.bindings.length;
      setStatus(`${n} row${n === 1 ? "" : "s"} in ${ms} ms` + (truncated ? ` — truncated (${truncated})` : ""));
    }
    downloads(["csv", "tsv", "json", "xml"]);
  } else {
    $("#results").append(el("pre", { class: "rdf", text: body }));
    setStatus(`graph in ${ms} ms` + (truncated ? ` — truncated (${truncated})` : ""));
    downloads(["turtle", "nt", "jsonld"]);
  }
}

function downloads(formats) {
  const box = $("#downloads");
  box.replaceChildren("download: ");
  for (const f of formats) box.append(el("a", { href: requestFor(f).url, download: `results.${f}` }, f), " ");
}

function cell(term) {
  if (!term) return el("td", { class: "unbound" });
  if (term.type === "uri") return el("td", {}, entityLink(term.value));
  if (term.type === "bnode") return el("td", { class: "muted", text: `_:${term.value}` });
  const td = el("td", { text: term.value });
  if (term["xml:lang"]) td.title = `@${term["xml:lang"]}`;
  else if (term.datatype) td.title = compact(term.datatype);
  return td;
}

function resultTable(data) {
  const vars = data.head.vars;
  const table = el("table", { class: "results" },
    el("thead", {}, el("tr", {}, ...vars.map((v) => el("th", { text: v })))));
  const tbody = el("tbody");
  for (const b of data.results.bindings) tbody.append(el("tr", {}, ...vars.map((v) => cell(b[v]))));
  table.append(tbody);
  return table;
}

function updateUrl() {
  const qs = new URLSearchParams();
  const text = $("#editor").value;
  if (state.selected && text === state.selected.sparql) {
    qs.set("example", state.selected.name);
    for (const [k, v] of Object.entries(paramValues())) qs.set(`param.${k}`, v);
  } else {
    qs.set("sparql", text);
  }
  qs.set("run", "1");
  history.replaceState(null, "", `/?${qs}`);
}

// ------------------------------------------------------------------ entity pages

function highlighted(sentence, ranges) {
  // ranges are [start, end) offsets into the sentence, sorted; overlaps are merged.
  const p = el("p", { class: "evidence" });
  let pos = 0;
  for (const [a, b] of ranges) {
    if (a < pos) continue;
    if (a > pos) p.append(sentence.slice(pos, a));
    p.append(el("mark", { text: sentence.slice(a, b) }));
    pos = b;
  }
  p.append(sentence.slice(pos));
  return p;
}

async function showEntity(iri) {
  $("#query-view").hidden = true;
  $("#entity-view").hidden = false;
  const box = $("#entity");
  box.replaceChildren(el("p", { class: "muted", text: "loading…" }));
  const resp = await fetch(`/api/entity?iri=${encodeURIComponent(iri)}`);
  if (!resp.ok) {
    box.replaceChildren(el("div", { id: "error", role: "alert", text: await resp.text() }));
    return;
  }
  const e = await resp.json();
  document.title = `${e.label} – casekg`;
  box.replaceChildren(
    el("h1", { text: e.label }),
    el("p", { class: "muted" }, e.types.join(", "), " · ", el("a", { href: e.iri, rel: "noopener" }, e.iri)));

  const props = el("table", { class: "props" });
  for (const p of e.properties) {
    const o = p.o.type === "uri" ? entityLink(p.o.value, p.oLabel || compact(p.o.value)) : document.createTextNode(p.o.value);
    props.append(el("tr", {}, el("th", { text: p.pLabel, title: p.p }), el("td", {}, o)));
  }
  box.append(el("details", { open: e.statements.length === 0 }, el("summary", { text: `${e.properties.length} properties` }), props));

  const shown = `${e.statements.length} statement${e.statements.length === 1 ? "" : "s"} with evidence`;
  box.append(el("h2", { text: e.truncated ? `the first ${shown}` : shown }));
  const byArticle = new Map();
  for (const s of e.statements) {
    if (!byArticle.has(s.article)) byArticle.set(s.article, []);
    byArticle.get(s.article).push(s);
  }
  for (const [article, stmts] of byArticle) {
    const first = stmts[0];
    const links = el("span", { class: "links" });
    if (first.pubmed) links.append(el("a", { href: first.pubmed, rel: "noopener", target: "_blank" }, `PubMed ${first.pmid}`), " ");
    if (first.doiUrl) links.append(el("a", { href: first.doiUrl, rel: "noopener", target: "_blank" }, `DOI ${first.doi}`));
    const section = el("section", { class: "article" },
      el("h3", {}, entityLink(article, first.title || compact(article)), " ", links));
    for (const s of stmts) {
      const status = (s.status || "").toLowerCase();
      const what = el("div", { class: "what" },
        el("span", { class: `badge kind`, text: s.kind }),
        el("span", { class: `badge status ${status}`, text: s.status + (s.cue ? ` (“${s.cue}”)` : "") }),
        s.drug ? entityLink(s.drug, s.drugLabel) : null,
        s.drug && s.concept ? " → " : null,
        s.concept ? entityLink(s.concept, s.conceptLabel) : null,
        s.patient ? el("span", { class: "muted" }, " · ", entityLink(s.patient, s.patientLabel)) : null);
      section.append(el("div", { class: "statement", "data-status": status }, what,
        s.sentence ? highlighted(s.sentence, s.highlights) : el("p", { class: "muted", text: "(no evidence sentence)" })));
    }
    box.append(section);
  }
}

// ------------------------------------------------------------------ search

async function search(q) {
  const box = $("#search-results");
  box.hidden = false;
  box.replaceChildren(el("span", { class: "muted", text: "searching…" }));
  const resp = await fetch(`/api/search?q=${encodeURIComponent(q)}`);
  const data = await resp.json();
  box.replaceChildren();
  if (!data.matches.length) box.append(el("span", { class: "muted", text: `nothing is called “${q}”` }));
  for (const m of data.matches) box.append(entityLink(m.iri, `${m.label || compact(m.iri)} (${m.types.map(compact).join(", ")})`), " ");
}

// ------------------------------------------------------------------ start-up

async function main() {
  $("#run").addEventListener("click", () => run().catch((e) => showError(String(e))));
  $("#editor").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run().catch((err) => showError(String(err))); }
  });
  $("#search").addEventListener("submit", (e) => { e.preventDefault(); search($("#search-q").value).catch((err) => showError(String(err))); });
  // Links carry the state (?example=NAME&param.x=..., ?sparql=..., ?entity=IRI) so results can be shared.
  const qs = new URLSearchParams(location.search);
  try {
    await loadCatalogue();
    if (qs.get("entity")) {
      await showEntity(qs.get("entity"));
    } else {
      if (qs.get("example")) {
        const values = {};
        for (const [k, v] of qs) if (k.startsWith("param.")) values[k.slice(6)] = v;
        selectQuery(qs.get("example"), values);
      } else if (qs.get("sparql")) {
        $("#editor").value = qs.get("sparql");
      }
      if (qs.get("run") && (qs.get("example") || qs.get("sparql"))) await run();
    }
  } catch (e) {
    showError(String(e));
  }
  document.body.dataset.state = "ready";
}

main();
