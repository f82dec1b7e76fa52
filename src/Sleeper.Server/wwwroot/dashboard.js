// The Sleeper dashboard: one request to /api/dashboard every few seconds, drawn into tables and SVG by hand (no
// libraries: the page is served by the server alone and must work offline). The API key lives in sessionStorage,
// so it goes when the tab closes, and is sent only as "Authorization: Bearer KEY"; the query form never sends
// authorisations: the server takes them from the key.
"use strict";

(function () {
  const KEY_STORE = "sleeper.apiKey";
  const REFRESH_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";

  const state = { data: null, selected: null, timer: null, windowMinutes: 30, queryTable: null };
  const $ = (id) => document.getElementById(id);

  // ---------- small DOM helpers: text always goes in as text, never as HTML ----------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
  }
  function fill(container, ...children) {
    container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  }

  const fmt = new Intl.NumberFormat("en-GB");
  const num = (n) => fmt.format(n || 0);
  function compact(n) {
    n = n || 0;
    if (n < 1000) return String(n);
    for (const [d, s] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]]) {
      if (n >= d) return (n / d).toFixed(n / d < 10 ? 1 : 0).replace(/\.0$/, "") + s;
    }
    return String(n);
  }
  const pad = (n) => String(n).padStart(2, "0");
  function clock(iso, seconds = true) {
    const d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + (seconds ? ":" + pad(d.getSeconds()) : "");
  }
  function when(iso) {
    const d = new Date(iso);
    const age = Date.now() - d.getTime();
    return age > 86400000 ? d.toISOString().slice(0, 10) : clock(iso);
  }
  const shortId = (id) => (id && id.length > 14 ? id.slice(0, 8) + "…" : id || "");

  // A region as the CLI prints it: key ["b", "m"), an open end as ∞.
  function regionText(region) {
    return Object.entries(region || {}).map(([field, r]) => {
      const v = (x) => (x === null || x === undefined ? null : JSON.stringify(x));
      return field + " " + (r[1] ? "[" : "(") + (v(r[0]) ?? "-∞") + ", " + (v(r[2]) ?? "∞") + (r[3] ? "]" : ")");
    }).join(" ");
  }
  function shortRegion(region) {
    const first = Object.values(region || {})[0];
    if (!first) return "";
    const v = (x) => (x === null || x === undefined ? null : x === "" ? '""' : typeof x === "string" ? (x.length > 8 ? x.slice(0, 7) + "…" : x) : String(x));
    return (first[1] ? "[" : "(") + (v(first[0]) ?? "-∞") + ", " + (v(first[2]) ?? "∞") + (first[3] ? "]" : ")");
  }

  // ---------- API ----------
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path, options = {}) {
    const key = sessionStorage.getItem(KEY_STORE);
    const headers = Object.assign({}, options.headers || {}, key ? { Authorization: "Bearer " + key } : {});
    const response = await fetch(path, Object.assign({}, options, { headers }));
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        const body = await response.json();
        if (body && body.error) message = body.error;
      } catch (_) { /* not JSON: keep the status line */ }
      if (response.status === 401) signOut(message);
      throw new ApiError(response.status, message);
    }
    return response;
  }

  // ---------- sign in and out ----------
  function showLogin(message) {
    $("dashboard").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("refresh-state").textContent = "";
    $("user").textContent = "";
    $("api-key").focus();
  }
  function signOut(message) {
    sessionStorage.removeItem(KEY_STORE);
    clearTimeout(state.timer);
    state.data = null;
    showLogin(message);
  }
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    $("login-button").disabled = true;
    try {
      await refresh();
      $("api-key").value = "";
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) showLogin(err.message);
    } finally {
      $("login-button").disabled = false;
    }
  });
  $("logout").addEventListener("click", () => signOut(""));

  // ---------- refresh loop ----------
  async function refresh() {
    clearTimeout(state.timer);
    try {
      const response = await api("/api/dashboard?minutes=" + state.windowMinutes);
      state.data = await response.json();
      $("login").hidden = true;
      $("dashboard").hidden = false;
      $("logout").hidden = false;
      render(state.data);
      const r = $("refresh-state");
      r.classList.remove("stale");
      fill(r, el("span", { class: "dot" }), "updated " + clock(state.data.generatedAt) + " · every " + REFRESH_MS / 1000 + " s");
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      const r = $("refresh-state");
      r.classList.add("stale");
      fill(r, el("span", { class: "dot" }), "refresh failed: " + err.message);
      if (!state.data) throw err;
    } finally {
      if (sessionStorage.getItem(KEY_STORE)) state.timer = setTimeout(() => refresh().catch(() => {}), REFRESH_MS);
    }
  }
  $("window").addEventListener("change", (e) => {
    state.windowMinutes = Number(e.target.value);
    refresh().catch(() => {});
  });

  // ---------- rendering ----------
  function render(d) {
    $("instance").textContent = d.instance;
    $("instance").title = d.instance;
    const u = d.user;
    fill($("user"), el("strong", { text: u.name }), " · " + u.role + " · ",
      el("span", { class: "auths", text: u.authorisations.length ? u.authorisations.join(", ") : "no authorisations" }));
    if (!d.tables.some((t) => t.name === state.selected)) state.selected = d.tables.length ? d.tables[0].name : null;
    renderStats(d);
    renderTables(d);
    renderQueues(d);
    renderTable(d.tables.find((t) => t.name === state.selected));
    renderChart($("chart-compaction"), d.throughput, d.throughput.compaction);
    renderChart($("chart-ingest"), d.throughput, d.throughput.ingest);
    renderEvents(d.recentEvents);
    renderQueryTables(d.tables);
  }

  function renderStats(d) {
    const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
    const dead = sum(d.queues, (q) => q.deadLetters);
    const stat = (id, label, value, alert) =>
      el("div", { class: "stat" + (alert ? " alert" : ""), "data-stat": id }, el("div", { class: "label", text: label }), el("div", { class: "value", text: value }));
    fill($("stats"),
      stat("tables", "tables", num(d.tables.length)),
      stat("rows", "rows", compact(sum(d.tables, (t) => t.metrics.rowCount))),
      stat("files", "files", num(sum(d.tables, (t) => t.metrics.fileCount))),
      stat("leaves", "leaf partitions", num(sum(d.tables, (t) => t.metrics.leafPartitionCount))),
      stat("waiting", "jobs waiting", num(sum(d.queues, (q) => q.visible + q.inFlight))),
      stat("dead", "dead letters", num(dead), dead > 0));
  }

  function renderTables(d) {
    const body = $("tables").tBodies[0];
    if (!d.tables.length) {
      fill(body, el("tr", {}, el("td", { colspan: 8, class: "empty", text: "No tables yet: create one with 'sleeper table create'." })));
      return;
    }
    fill(body, d.tables.map((t) => el("tr", {
      "data-table-name": t.name, class: t.name === state.selected ? "selected" : null, tabindex: 0,
      "aria-selected": String(t.name === state.selected),
      onclick: () => { state.selected = t.name; render(state.data); },
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); state.selected = t.name; render(state.data); } },
    },
    el("td", { class: "name" }, el("strong", { text: t.name })),
    el("td", {}, el("span", { class: "pill " + (t.online ? "online" : "offline"), text: t.online ? "online" : "offline" })),
    el("td", { class: "num", "data-col": "rows", text: num(t.metrics.rowCount) }),
    el("td", { class: "num", "data-col": "files", text: num(t.metrics.fileCount) }),
    el("td", { class: "num", "data-col": "partitions", text: num(t.metrics.partitionCount) }),
    el("td", { class: "num", "data-col": "leaves", text: num(t.metrics.leafPartitionCount) }),
    el("td", { class: "num", "data-col": "average-references", title: "file references per partition that holds any (max " + t.metrics.maxReferencesPerPartition + ")", text: t.metrics.referenceCount ? t.metrics.averageReferencesPerPartition.toFixed(1) : "–" }),
    el("td", { class: "num", text: num(t.transactionNumber) }))));
  }

  function renderQueues(d) {
    fill($("queues").tBodies[0], d.queues.map((q) => el("tr", { "data-queue": q.name },
      el("td", { text: q.name }),
      el("td", { class: "num", text: num(q.visible) }),
      el("td", { class: "num", text: num(q.inFlight) }),
      el("td", { class: "num", text: num(q.deadLetters) }))));
    const items = [
      ...d.runningTasks.map((t) => el("li", {}, el("span", { class: "kind", text: t.kind }), "task ", el("span", { class: "mono", title: t.taskId, text: shortId(t.taskId) }), el("span", { class: "muted", text: " since " + when(t.started) }))),
      ...d.runningJobs.map((j) => el("li", {}, el("span", { class: "kind", text: j.kind }), "job ", el("span", { class: "mono", title: j.jobId, text: shortId(j.jobId) }), " on ", el("strong", { text: j.table }), el("span", { class: "muted", text: j.started ? " since " + when(j.started) : "" }))),
    ];
    const hidden = d.runningTaskCount + d.runningJobCount - d.runningTasks.length - d.runningJobs.length;
    if (hidden > 0) items.push(el("li", { class: "muted", text: `and ${num(hidden)} more (a task or job whose process died stays here: see sleeper status)` }));
    fill($("running"), items.length ? items : el("li", { class: "empty", text: "Nothing running: the instance is idle." }));
  }

  function renderTable(table) {
    $("tree-table").textContent = table ? table.name : "—";
    if (!table) {
      fill($("tree"), el("p", { class: "empty", text: "No table to show." }));
      fill($("partition-files").tBodies[0]);
      return;
    }
    fill($("tree"), partitionTree(table.partitions, $("tree").clientWidth));
    const maxRows = Math.max(1, ...table.partitions.map((p) => p.rowCount));
    fill($("partition-files").tBodies[0], table.partitions.filter((p) => p.isLeaf || p.fileReferenceCount > 0).map((p) =>
      el("tr", { "data-partition-id": p.id },
        el("td", { class: "mono", title: p.id, text: shortId(p.id) + (p.isLeaf ? "" : " (split)") }),
        el("td", { class: "mono", text: regionText(p.region) }),
        el("td", { class: "num" }, el("div", { class: "bar" }, el("div", { class: "fill", style: "width:" + Math.round(60 * p.rowCount / maxRows) + "px" }), el("span", { text: num(p.rowCount) }))),
        el("td", { class: "num", "data-col": "files", text: num(p.fileReferenceCount) }))));
  }

  // The tree top-down: leaves side by side in key order, each parent centred over its children, leaves shaded by
  // their share of the rows. It is drawn at the width it is shown (no scaling, so text stays readable): with room,
  // every node is a labelled box; with many leaves, split partitions become dots and each leaf a bar as tall as its
  // rows, labelled while there is room, so the picture becomes the leaves' size histogram; past 14 pixels a leaf it
  // scrolls sideways. Every node keeps its id, region and counts in a tooltip.
  function partitionTree(partitions, containerWidth) {
    const byId = new Map(partitions.map((p) => [p.id, p]));
    const root = partitions.find((p) => !p.parentId) || partitions[0];
    const leaves = partitions.filter((p) => p.isLeaf);
    const maxDepth = Math.max(...partitions.map((p) => p.depth));
    const available = Math.max(320, containerWidth || 700);
    const slot = Math.max(14, Math.min(130, available / leaves.length));
    const boxes = slot >= 80;
    const width = Math.max(available, leaves.length * slot);
    const level = boxes ? 78 : 34;
    const nodeH = boxes ? 40 : 0;
    const barMax = 90;
    const leafTop = 8 + maxDepth * level;
    const height = boxes ? leafTop + nodeH + 8 : leafTop + barMax + 26;
    const x = new Map();
    const offset = (width - leaves.length * slot) / 2;
    let next = 0;
    (function place(p) {
      if (!p.childIds.length) { x.set(p.id, offset + (next++ + 0.5) * slot); return; }
      p.childIds.forEach((c) => byId.has(c) && place(byId.get(c)));
      const xs = p.childIds.filter((c) => x.has(c)).map((c) => x.get(c));
      x.set(p.id, xs.length ? (Math.min(...xs) + Math.max(...xs)) / 2 : offset);
    })(root);
    // In the compact form every leaf sits on the bottom row, whatever its depth, so the bars line up.
    const y = (p) => (p.isLeaf && !boxes ? leafTop : 8 + p.depth * level);
    const maxLeafRows = Math.max(1, ...leaves.map((p) => p.rowCount));
    const nodeW = Math.min(slot - 10, 116);
    const barHeight = (p) => Math.max(2, (barMax * p.rowCount) / maxLeafRows);
    // Where an edge meets a node: the top of its box, or of its bar in the compact form.
    const entry = (p) => (p.isLeaf && !boxes ? y(p) + 4 + barMax - barHeight(p) : y(p));
    const edges = partitions.filter((p) => p.parentId && byId.has(p.parentId)).map((p) => {
      const parent = byId.get(p.parentId);
      const x1 = x.get(parent.id), y1 = y(parent) + (boxes ? nodeH : 0), x2 = x.get(p.id), y2 = entry(p);
      const mid = (y1 + y2) / 2;
      return svg("path", { class: "edge", d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` });
    });
    const nodes = partitions.map((p) => {
      const share = p.isLeaf ? p.rowCount / maxLeafRows : 0;
      const fillColour = p.isLeaf ? mix([200, 214, 243], [56, 103, 214], share) : null;
      const cx = x.get(p.id), top = y(p);
      const tip = `${p.isLeaf ? "leaf" : "partition"} ${p.id}\n${regionText(p.region)}\n${num(p.rowCount)} rows in ${p.fileReferenceCount} file reference(s)`;
      let shape;
      if (boxes) {
        const dark = share > 0.55;
        shape = [
          svg("rect", { x: cx - nodeW / 2, y: top, width: nodeW, height: nodeH, rx: 6, style: fillColour ? "fill:" + fillColour : null }),
          svg("text", { x: cx, y: top + 16, style: dark ? "fill:#fff;font-weight:600" : "font-weight:600" }, compact(p.rowCount) + " rows"),
          svg("text", { class: "sub", x: cx, y: top + 31, style: dark ? "fill:#dfe7fb" : null }, p.depth === 0 ? "root · " + p.fileReferenceCount + " files" : shortRegion(p.region) + " · " + p.fileReferenceCount + " f"),
        ];
      } else if (p.isLeaf) {
        const h = barHeight(p);
        const w = Math.max(4, slot - 4);
        shape = [
          svg("rect", { class: "leaf-bar", x: cx - w / 2, y: top + 4 + barMax - h, width: w, height: h, rx: 2, style: "fill:" + fillColour }),
          slot >= 28 ? svg("text", { class: "sub", x: cx, y: top + barMax + 18 }, compact(p.rowCount)) : null,
        ];
      } else {
        shape = [svg("circle", { cx, cy: top, r: 4 })];
      }
      return svg("g", { class: "node " + (p.isLeaf ? "leaf" : "inner"), "data-partition-id": p.id, "data-rows": p.rowCount, "data-leaf": String(p.isLeaf) },
        svg("title", {}, tip), shape);
    });
    return svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `partition tree: ${partitions.length} partitions, ${leaves.length} leaves` }, edges, nodes);
  }
  function mix(a, b, t) {
    const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.max(0, Math.min(1, t))));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  // Rows written per bucket as bars, with the jobs in each bucket in the tooltip and the window's totals on top.
  function renderChart(figure, throughput, series) {
    const W = 560, H = 170, left = 46, right = 8, top = 22, bottom = 20;
    const plotW = W - left - right, plotH = H - top - bottom;
    const max = Math.max(...series.map((b) => b.rows));
    const scaleMax = niceCeiling(max);
    const barW = plotW / series.length;
    const start = new Date(throughput.start).getTime();
    const bucketMs = throughput.bucketSeconds * 1000;
    const totalJobs = series.reduce((a, b) => a + b.jobs, 0);
    const totalRows = series.reduce((a, b) => a + b.rows, 0);
    figure.dataset.jobs = totalJobs;
    figure.dataset.rows = totalRows;
    const parts = [];
    for (let i = 0; i <= 4; i++) {
      const yy = top + plotH - (plotH * i) / 4;
      parts.push(svg("line", { class: i === 0 ? "axis" : "grid-line", x1: left, x2: W - right, y1: yy, y2: yy }));
      parts.push(svg("text", { class: "label", x: left - 6, y: yy + 3, "text-anchor": "end" }, compact(Math.round((scaleMax * i) / 4))));
    }
    series.forEach((b, i) => {
      if (!b.rows && !b.jobs) return;
      const h = Math.max(b.jobs ? 2 : 0, (plotH * b.rows) / scaleMax);
      const from = new Date(start + i * bucketMs);
      parts.push(svg("rect", { class: "bar-rows", x: left + i * barW + 0.5, y: top + plotH - h, width: Math.max(1, barW - 1), height: h, rx: 1 },
        svg("title", {}, `${clock(from)}–${clock(new Date(start + (i + 1) * bucketMs))}: ${num(b.jobs)} job(s), ${num(b.rows)} rows`)));
    });
    for (const i of [0, series.length / 2, series.length]) {
      const t = new Date(start + i * bucketMs);
      parts.push(svg("text", { class: "label", x: left + i * barW, y: H - 5, "text-anchor": i === 0 ? "start" : i === series.length ? "end" : "middle" }, i === series.length ? "now" : clock(t, false)));
    }
    parts.push(svg("text", { class: "total", x: W - right, y: 12, "text-anchor": "end" },
      totalJobs ? `${num(totalJobs)} job(s) · ${num(totalRows)} rows` : "no jobs finished in this window"));
    fill(figure.querySelector(".plot"), svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": figure.querySelector("figcaption").textContent }, parts));
  }
  // The top of the axis: four gridline steps of 1, 2, 2.5 or 5 times a power of ten, whole numbers only.
  function niceCeiling(v) {
    const step = Math.max(1, v / 4);
    const p = Math.pow(10, Math.floor(Math.log10(step)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= step && Number.isInteger(m * p)) return 4 * m * p;
    return 40 * p;
  }

  function renderEvents(events) {
    fill($("events"), events.length ? events.map((e) => el("li", { "data-event-kind": e.kind },
      el("span", { class: "time", text: when(e.time) }),
      el("span", { class: "what" }, el("span", { class: "sev " + e.severity, text: e.severity }), e.kind, e.table ? el("span", { class: "muted", text: " · " + e.table }) : null),
      el("span", { class: "msg", text: e.message })))
      : el("li", { class: "empty", text: "No failures recorded. Failed and dead-lettered jobs appear here." }));
  }

  // ---------- the query form ----------
  function renderQueryTables(tables) {
    const select = $("query-table");
    const current = select.value || state.selected;
    const names = tables.map((t) => t.name);
    if (select.options.length !== names.length || [...select.options].some((o, i) => o.value !== names[i])) {
      fill(select, names.map((n) => el("option", { value: n, text: n })));
    }
    if (names.includes(current)) select.value = current;
    renderKeyInputs();
  }
  function queryTable() {
    return state.data && state.data.tables.find((t) => t.name === $("query-table").value);
  }
  // One input per row-key field for an exact key; a range is over the first row-key field.
  function renderKeyInputs() {
    const table = queryTable();
    if (!table || state.queryTable === table.name) return;
    state.queryTable = table.name;
    const fields = table.rowKeyFields;
    fill($("query-key-row"), fields.map((f, i) => el("label", { class: "grow" }, f.name + " (" + f.type.replace("Type", "").toLowerCase() + ")",
      el("input", { id: i === 0 ? "query-key" : "query-key-" + i, "data-field": f.name, autocomplete: "off", spellcheck: "false" }))));
  }
  $("query-table").addEventListener("change", renderKeyInputs);
  $("query-mode").addEventListener("change", (e) => {
    $("query-key-row").hidden = e.target.value !== "key";
    $("query-range-row").hidden = e.target.value !== "range";
  });

  function keyValue(field, text) {
    if (field.type === "IntType" || field.type === "LongType") {
      if (!/^-?\d+$/.test(text.trim())) throw new Error(`${field.name} is a ${field.type}: '${text}' is not a whole number.`);
      return text.trim(); // as digits, which the API reads exactly: a long may not fit a JavaScript number
    }
    return text; // strings as typed; byte arrays as base64, as the API writes them
  }
  function queryBody(table) {
    const fields = table.rowKeyFields;
    if ($("query-mode").value === "key") {
      const key = {};
      $("query-key-row").querySelectorAll("input").forEach((input, i) => { key[fields[i].name] = keyValue(fields[i], input.value); });
      return { keys: [key] };
    }
    const first = fields[0];
    const min = $("query-min").value, max = $("query-max").value;
    // An empty bound is no bound (null), as the API reads it.
    const range = { min: min === "" ? null : keyValue(first, min), minInclusive: true, max: max === "" ? null : keyValue(first, max), maxInclusive: false };
    return { ranges: [{ [first.name]: range }] };
  }

  $("query-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const table = queryTable();
    if (!table) return;
    const status = $("query-status");
    const results = $("query-results");
    let body;
    try {
      body = queryBody(table);
    } catch (err) {
      status.textContent = err.message;
      return;
    }
    $("query-run").disabled = true;
    status.textContent = "running…";
    const started = performance.now();
    try {
      const response = await api("/api/tables/" + encodeURIComponent(table.name) + "/query", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/x-ndjson" },
        body: JSON.stringify(body),
      });
      const { rows, complete } = await readJsonLines(response, MAX_FETCHED_ROWS);
      const ms = Math.round(performance.now() - started);
      renderRows(results, rows);
      status.textContent = complete
        ? `${num(rows.length)} row(s) in ${ms} ms` + (rows.length > SHOWN_ROWS ? `, the first ${num(SHOWN_ROWS)} shown` : "")
        : `more than ${num(MAX_FETCHED_ROWS)} rows: stopped reading after ${ms} ms, the first ${num(SHOWN_ROWS)} shown (narrow the range)`;
      results.dataset.rowCount = rows.length;
    } catch (err) {
      fill(results.tHead);
      fill(results.tBodies[0]);
      status.textContent = "failed: " + err.message;
    } finally {
      $("query-run").disabled = false;
    }
  });
  const SHOWN_ROWS = 500;
  const MAX_FETCHED_ROWS = 10000;

  // Rows as they stream in, one JSON object a line; past the limit the rest is not read, so a wide range cannot
  // flood the tab.
  async function readJsonLines(response, limit) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const rows = [];
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffered += decoder.decode(value || new Uint8Array(), { stream: !done });
      const lines = buffered.split("\n");
      buffered = done ? "" : lines.pop();
      for (const line of lines) {
        if (!line.trim()) continue;
        if (rows.length === limit) {
          await reader.cancel();
          return { rows, complete: false };
        }
        rows.push(JSON.parse(line));
      }
      if (done) return { rows, complete: true };
    }
  }
  function renderRows(tableEl, rows) {
    const columns = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
    fill(tableEl.tHead, columns.length ? el("tr", {}, columns.map((c) => el("th", { text: c }))) : null);
    const cell = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
    fill(tableEl.tBodies[0], rows.length
      ? rows.slice(0, SHOWN_ROWS).map((r) => el("tr", {}, columns.map((c) => el("td", { "data-field": c, text: cell(r[c]) }))))
      : el("tr", {}, el("td", { class: "empty", text: "No rows: none match, or none your authorisations let you see." })));
  }

  // ---------- start ----------
  if (sessionStorage.getItem(KEY_STORE)) {
    refresh().catch((err) => showLogin(err.message));
  } else {
    showLogin("");
  }
})();
