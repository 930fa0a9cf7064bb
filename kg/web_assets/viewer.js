/* casekg graph viewer: Cytoscape.js over the graph that `kg export --format html` inlines.
 *
 * URL parameters drive the same functions as the controls, so a headless browser can test
 * the page without a DevTools client:  ?search=baricitinib&select=<node id or label>
 * &types=Drug,Manifestation&outcome=improved,resolved . State is mirrored in data-*
 * attributes on <body> (ready, nodes-visible, edges-visible, painted, selected). */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("casekg-data").textContent);
  var COLORS = DATA.colors || {};
  var GOOD = { resolved: 1, improved: 1, remission_maintained: 1 };
  var BAD = { worsened: 1, relapsed: 1 };
  var body = document.body;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function fold(s) {
    // search ignores case and accents: "sjogren" finds "Sjögren"
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function outcomesOf(edgeData) { return edgeData.outcome ? String(edgeData.outcome).split(",") : []; }
  // Summary edges colour by the outcome most patients had, but filter on every outcome seen.
  function filterOutcomesOf(edgeData) { return edgeData.outcomes ? String(edgeData.outcomes).split(",") : outcomesOf(edgeData); }
  function edgeColor(ele) {
    var os = outcomesOf(ele.data());
    if (!os.length) return "#b8bec6";
    var good = os.some(function (o) { return GOOD[o]; }), bad = os.some(function (o) { return BAD[o]; });
    if (good && !bad) return "#2e9d55";
    if (bad && !good) return "#d62728";
    return "#c9a227";
  }

  var nodes = DATA.elements.filter(function (e) { return !e.data.source; });
  var edges = DATA.elements.filter(function (e) { return e.data.source; });
  var cyBox = document.getElementById("cy");
  if (!nodes.length) {
    cyBox.appendChild(el("div", { id: "empty-graph", text: "This export has no nodes: the store (or the query) gave an empty graph." }));
  }

  // Seeded start positions (a circle per type) so the layout is the same on every open.
  var typeOrder = ["Article", "Patient", "Drug", "Manifestation", "Autoantibody", "Disease", "Statement", "Sentence", "Concept", "Resource"];
  nodes.forEach(function (n, i) {
    var t = typeOrder.indexOf(n.data.type); if (t < 0) t = typeOrder.length;
    var a = (i * 2.399963) % (2 * Math.PI), r = 120 + 60 * t + (i % 7) * 9;
    n.position = { x: r * Math.cos(a), y: r * Math.sin(a) };
  });

  var maxPatients = Math.max.apply(null, [1].concat(nodes.map(function (n) { return n.data.patients || 0; })));
  var cy = window.cy = cytoscape({
    container: cyBox,
    elements: nodes.concat(edges),
    wheelSensitivity: 0.3,
    minZoom: 0.05, maxZoom: 4,
    style: [
      { selector: "node", style: {
        "background-color": "data(color)", "label": "data(label)", "font-size": 10, "color": "#24292f",
        "text-valign": "bottom", "text-halign": "center", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": 130, "min-zoomed-font-size": 6,
        "text-outline-color": "#ffffff", "text-outline-width": 2, "text-outline-opacity": 0.85,
        "width": function (n) { return 16 + 26 * Math.sqrt((n.data("patients") || 0) / maxPatients); },
        "height": function (n) { return 16 + 26 * Math.sqrt((n.data("patients") || 0) / maxPatients); },
        "border-width": 1.5, "border-color": "#ffffff" } },
      { selector: "node[type = 'Patient']", style: { "shape": "round-rectangle" } },
      { selector: "node[type = 'Article']", style: { "shape": "rectangle", "width": 22, "height": 28 } },
      { selector: "node[type = 'Statement']", style: { "shape": "diamond", "width": 14, "height": 14, "font-size": 8 } },
      { selector: "node[type = 'Sentence']", style: { "shape": "tag", "width": 14, "height": 14, "font-size": 8 } },
      { selector: "node[type = 'Autoantibody']", style: { "shape": "hexagon" } },
      { selector: "node[type = 'Disease']", style: { "shape": "triangle" } },
      { selector: "edge", style: {
        "width": function (e) { return 1 + Math.min(5, Math.sqrt(e.data("weight") || e.data("statements") || 1)); },
        "line-color": edgeColor, "target-arrow-color": edgeColor, "target-arrow-shape": "triangle",
        "arrow-scale": 0.7, "curve-style": "bezier", "opacity": 0.75 } },
      { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0 } },
      { selector: "node.match", style: { "border-color": "#ffbf00", "border-width": 4, "font-weight": "bold", "z-index": 9 } },
      { selector: "node:selected", style: { "border-color": "#1f2a44", "border-width": 4, "z-index": 10 } },
      { selector: "edge.hl", style: { "opacity": 1, "width": 3.5, "label": "data(label)", "font-size": 8,
        "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1 } },
      { selector: ".nolabel", style: { "label": "" } }
    ],
    layout: { name: "preset" }
  });

  // ------------------------------------------------------------------ layout
  function runLayout(done) {
    var big = cy.nodes().length > 1500;
    var layout = cy.layout(big
      ? { name: "concentric", concentric: function (n) { return 10 - Math.max(0, typeOrder.indexOf(n.data("type"))); }, levelWidth: function () { return 1; }, animate: false }
      : { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 9000; },
          idealEdgeLength: function () { return 70; }, edgeElasticity: function () { return 80; },
          gravity: 0.6, numIter: 1500, componentSpacing: 60, nodeDimensionsIncludeLabels: true, fit: true, padding: 30 });
    if (done) layout.one("layoutstop", done);
    layout.run();
  }

  // ------------------------------------------------------------------ filters
  var typeState = {}, outcomeState = {};
  function countBy(list, f) { var c = {}; list.forEach(function (x) { var k = f(x); c[k] = (c[k] || 0) + 1; }); return c; }
  var typeCounts = countBy(nodes, function (n) { return n.data.type; });
  var outcomeCounts = {};
  edges.forEach(function (e) {
    var os = filterOutcomesOf(e.data); if (!os.length) os = ["(none)"];
    os.forEach(function (o) { outcomeCounts[o] = (outcomeCounts[o] || 0) + 1; });
  });
  function chip(container, key, label, color, count, state, onchange) {
    state[key] = true;
    var box = el("input", { type: "checkbox", "data-key": key });
    box.checked = true;
    box.addEventListener("change", function () { state[key] = box.checked; onchange(); });
    container.appendChild(el("label", { class: "chip" }, [box, color ? el("span", { class: "dot", style: "background:" + color }) : null,
      el("span", { text: label }), el("span", { class: "n", text: String(count) })]));
  }
  var typeBox = document.getElementById("type-filters");
  typeOrder.concat(Object.keys(typeCounts).filter(function (t) { return typeOrder.indexOf(t) < 0; })).forEach(function (t) {
    if (typeCounts[t]) chip(typeBox, t, t, COLORS[t] || "#BAB0AC", typeCounts[t], typeState, applyFilters);
  });
  var outcomeBox = document.getElementById("outcome-filters");
  (DATA.outcomes || []).concat(["(none)"]).forEach(function (o) {
    if (outcomeCounts[o]) chip(outcomeBox, o, o === "(none)" ? "no outcome" : o.replace(/_/g, " "), null, outcomeCounts[o], outcomeState, applyFilters);
  });
  if (!edges.length) outcomeBox.appendChild(el("div", { class: "hint", text: "no edges" }));

  function applyFilters() {
    cy.batch(function () {
      cy.edges().forEach(function (e) {
        var os = filterOutcomesOf(e.data()); if (!os.length) os = ["(none)"];
        var ok = os.some(function (o) { return outcomeState[o] !== false; });
        e.style("display", ok ? "element" : "none");
      });
      var outcomeActive = Object.keys(outcomeState).some(function (k) { return outcomeState[k] === false; });
      cy.nodes().forEach(function (n) {
        var ok = typeState[n.data("type")] !== false;
        // An outcome filter hides the nodes it disconnects, so the picture actually narrows.
        if (ok && outcomeActive && n.degree(false) > 0) {
          ok = n.connectedEdges().some(function (e) { return e.style("display") !== "none"; });
        }
        n.style("display", ok ? "element" : "none");
      });
    });
    updateCounts();
  }
  function updateCounts() {
    var vn = cy.nodes().filter(function (n) { return n.style("display") !== "none"; }).length;
    var ve = cy.edges().filter(function (e) { return e.visible(); }).length;
    body.dataset.nodesVisible = vn; body.dataset.edgesVisible = ve;
    document.getElementById("counts").textContent = vn + " / " + nodes.length + " nodes · " + ve + " / " + edges.length + " edges · " + (DATA.view || "") + " view";
  }

  // ------------------------------------------------------------------ search
  var searchInput = document.getElementById("search");
  var resultsBox = document.getElementById("search-results");
  function search(q) {
    var f = fold(q).trim();
    cy.elements().removeClass("faded match");
    resultsBox.innerHTML = "";
    if (!f) { resultsBox.hidden = true; body.dataset.searchCount = ""; return []; }
    var hits = cy.nodes().filter(function (n) {
      var d = n.data();
      return fold(d.label).indexOf(f) >= 0 || fold(d.ontology_id).indexOf(f) >= 0 || fold(d.iri) === f || fold(d.name).indexOf(f) >= 0;
    });
    hits = hits.sort(function (a, b) { return (b.data("patients") || 0) - (a.data("patients") || 0) || String(a.data("label")).localeCompare(b.data("label")); });
    body.dataset.searchCount = hits.length;
    if (hits.length) {
      var keep = hits.union(hits.neighborhood());
      cy.elements().not(keep).addClass("faded");
      hits.addClass("match");
    }
    hits.slice(0, 30).forEach(function (n) {
      resultsBox.appendChild(el("button", { type: "button", role: "option", "data-id": n.id(), onclick: function () { select(n.id()); resultsBox.hidden = true; } },
        [el("span", { class: "dot", style: "background:" + n.data("color") }), el("span", { text: n.data("label") }),
         el("span", { class: "oid", text: (n.data("ontology_id") || n.data("type")) +
           (n.data("article") && n.data("type") !== "Article" ? " · " + n.data("article") : "") })]));
    });
    if (!hits.length) resultsBox.appendChild(el("div", { class: "none", text: "No node matches “" + q + "”." }));
    resultsBox.hidden = false;
    return hits;
  }
  searchInput.addEventListener("input", function () { search(searchInput.value); });
  searchInput.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var first = resultsBox.querySelector("button"); if (first) first.click(); }
    if (ev.key === "Escape") { searchInput.value = ""; search(""); }
  });
  document.addEventListener("click", function (ev) { if (!ev.target.closest(".search-box")) resultsBox.hidden = true; });

  // ------------------------------------------------------------------ side panel
  var STATEMENTS = DATA.statements || {};
  var SKIP = { label: 1, color: 1, iri: 1, id: 1, name: 1, type: 1, ontology_id: 1, sentence: 1, text: 1 };

  function highlight(text, terms) {
    var frag = document.createDocumentFragment();
    var lower = fold(text), spans = [];
    terms.forEach(function (t) {
      var ft = fold(t); if (!ft || ft.length < 3) return;
      var i = lower.indexOf(ft);
      while (i >= 0) { spans.push([i, i + ft.length]); i = lower.indexOf(ft, i + ft.length); }
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    spans.forEach(function (s) {
      if (s[0] < pos) return;
      frag.appendChild(document.createTextNode(text.slice(pos, s[0])));
      frag.appendChild(el("mark", { text: text.slice(s[0], s[1]) }));
      pos = s[1];
    });
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }
  function nodeLink(n) {
    return el("button", { class: "link", type: "button", "data-id": n.id(), onclick: function () { select(n.id(), true); } },
      [el("span", { class: "dot", style: "background:" + n.data("color") }), n.data("label")]);
  }
  function select(idOrLabel, centre) {
    var n = cy.getElementById(idOrLabel);
    if (!n.length) {
      var f = fold(idOrLabel);
      n = cy.nodes().filter(function (x) { return fold(x.data("label")) === f || fold(x.data("ontology_id")) === f; }).first();
    }
    if (!n || !n.length) { body.dataset.selected = ""; return null; }
    cy.elements().unselect(); cy.edges().removeClass("hl");
    n.select(); n.connectedEdges().addClass("hl");
    if (centre) cy.animate({ center: { eles: n }, duration: 250 });
    showPanel(n);
    body.dataset.selected = n.id();
    return n;
  }
  function showPanel(n) {
    var d = n.data(), panel = document.getElementById("panel-body");
    document.getElementById("panel-empty").hidden = true;
    panel.hidden = false; panel.innerHTML = "";
    panel.appendChild(el("h2", { class: "node-title", text: d.label }));
    panel.appendChild(el("div", {}, [el("span", { class: "badge", style: "background:" + d.color, text: d.type }),
      d.ontology_id ? el("span", { class: "oid", text: d.ontology_id }) : null]));
    if (d.iri) panel.appendChild(el("a", { class: "iri", href: d.iri, target: "_blank", rel: "noopener", text: d.iri }));
    var rows = Object.keys(d).filter(function (k) { return !SKIP[k] && d[k] !== "" && d[k] != null && !(Array.isArray(d[k]) && !d[k].length); })
      .map(function (k) { return el("tr", {}, [el("td", { text: k.replace(/_/g, " ") }), el("td", { text: Array.isArray(d[k]) ? d[k].join(", ") : String(d[k]) })]); });
    if (d.text || d.sentence) rows.push(el("tr", {}, [el("td", { text: "sentence" }), el("td", { text: d.text || d.sentence })]));
    if (rows.length) panel.appendChild(el("table", { class: "attrs" }, rows));

    // connections, grouped by predicate and direction
    var groups = {};
    n.connectedEdges().forEach(function (e) {
      var out = e.source().id() === n.id();
      var key = (out ? "→ " : "← ") + e.data("label");
      (groups[key] = groups[key] || []).push({ node: out ? e.target() : e.source(), edge: e });
    });
    var gkeys = Object.keys(groups).sort();
    if (gkeys.length) panel.appendChild(el("h3", { text: "Connections (" + n.degree(false) + ")" }));
    gkeys.forEach(function (k) {
      var box = el("div", { class: "conn-group" }, [el("div", { class: "pred", text: k })]);
      groups[k].slice(0, 60).forEach(function (c) {
        var link = nodeLink(c.node);
        outcomesOf(c.edge.data()).forEach(function (o) { link.appendChild(el("span", { class: "tag " + o, text: o.replace(/_/g, " ") })); });
        box.appendChild(link);
      });
      if (groups[k].length > 60) box.appendChild(el("span", { class: "hint", text: " … " + (groups[k].length - 60) + " more" }));
      panel.appendChild(box);
    });

    // statements and their evidence sentences
    var ids = {};
    if (STATEMENTS[n.id()]) ids[n.id()] = 1;
    n.connectedEdges().forEach(function (e) { (e.data("evidence") || []).forEach(function (s) { ids[s] = 1; }); });
    var list = Object.keys(ids).map(function (k) { return [k, STATEMENTS[k]]; }).filter(function (x) { return x[1]; });
    list.sort(function (a, b) { return (a[1].article + a[1].kind + a[1].sentence).localeCompare(b[1].article + b[1].kind + b[1].sentence); });
    var section = el("section", { id: "statements" });
    section.appendChild(el("h3", { text: "Statements and evidence (" + list.length + ")" }));
    var terms = [d.label, d.ontology_id];
    list.slice(0, 200).forEach(function (x) {
      var s = x[1];
      var meta = el("div", { class: "meta" }, [el("b", { text: s.kind.replace(/_/g, " ") }),
        s.status !== "present" ? el("span", { class: "tag " + s.status, text: s.status + (s.cue ? " (“" + s.cue + "”)" : "") }) : null,
        s.outcome ? el("span", { class: "tag " + s.outcome, text: s.outcome.replace(/_/g, " ") }) : null,
        el("div", { text: [s.drug_label, s.concept_label].filter(Boolean).join(" → ") + (s.patient_label ? " · " + s.patient_label : "") + " · " + s.article })]);
      var quote = el("blockquote", {}, [highlight(s.sentence || "(no sentence recorded)", terms.concat([s.drug_label, s.concept_label]))]);
      section.appendChild(el("div", { class: "stmt " + s.status, "data-statement": x[0] }, [meta, quote]));
    });
    if (list.length > 200) section.appendChild(el("p", { class: "hint", text: (list.length - 200) + " more not shown" }));
    if (!list.length) section.appendChild(el("p", { class: "hint", text: "No statements in this view." }));
    panel.appendChild(section);
  }
  cy.on("tap", "node", function (ev) { select(ev.target.id()); });
  cy.on("tap", function (ev) { if (ev.target === cy) { cy.edges().removeClass("hl"); } });

  document.getElementById("fit").addEventListener("click", function () { cy.fit(cy.elements(":visible"), 30); });
  document.getElementById("relayout").addEventListener("click", function () { runLayout(); });
  document.getElementById("show-labels").addEventListener("change", function (ev) {
    cy.nodes().toggleClass("nolabel", !ev.target.checked);
  });

  // ------------------------------------------------------------------ test hooks and start
  function paintedPixels() {
    // Canvas content is invisible to the DOM: count painted pixels so a headless test can
    // tell that nodes were drawn, not only that the page loaded.
    var total = 0;
    cyBox.querySelectorAll("canvas").forEach(function (c) {
      try {
        var ctx = c.getContext("2d"); if (!ctx || !c.width || !c.height) return;
        var px = ctx.getImageData(0, 0, c.width, c.height).data;
        for (var i = 3; i < px.length; i += 16) if (px[i] > 0) total++;
      } catch (e) { /* tainted or unavailable canvas: leave 0 */ }
    });
    return total;
  }
  function applyParams() {
    var p = new URLSearchParams(window.location.search);
    if (p.get("types")) {
      var want = p.get("types").split(",");
      typeBox.querySelectorAll("input").forEach(function (b) { b.checked = want.indexOf(b.dataset.key) >= 0; typeState[b.dataset.key] = b.checked; });
    }
    if (p.get("outcome")) {
      var wo = p.get("outcome").split(",");
      outcomeBox.querySelectorAll("input").forEach(function (b) { b.checked = wo.indexOf(b.dataset.key) >= 0; outcomeState[b.dataset.key] = b.checked; });
    }
    applyFilters();
    if (p.get("search")) { searchInput.value = p.get("search"); search(p.get("search")); }
    if (p.get("select")) { select(p.get("select")); resultsBox.hidden = true; }
  }
  function ready() {
    applyParams();
    cy.fit(cy.elements(":visible"), 30);
    body.dataset.ready = "true";
    setTimeout(function () { body.dataset.painted = paintedPixels(); }, 400);
  }
  updateCounts();
  if (nodes.length) runLayout(ready); else ready();
})();
