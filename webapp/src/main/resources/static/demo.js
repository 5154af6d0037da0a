// The bank demo page (docs/demo.md). Plain JavaScript, no build step. Everything it asks goes to
// the origin it was loaded from: the client-side proxy, which relays it to whichever front-end
// holds that connection.
"use strict";

const FE_COLORS = ["--fe1", "--fe2", "--fe3", "--fe4", "--fe5"];
const state = {
  config: null,
  frontends: [],            // names, in pool order
  serving: null,            // the front-end that ran the latest outcome
  phases: new Map(),        // front-end -> its phase as last seen: serving, draining, starting, failed, killed
  down: new Set(),          // front-ends killed and not serving since (their comeback goes through "starting")
  accounts: new Map(),      // id -> balance (last seen)
  batch: null,              // the batch being shown (see newBatch)
};

const $ = (id) => document.getElementById(id);

function feColor(name) {
  const i = state.frontends.indexOf(name);
  return `var(${FE_COLORS[(i < 0 ? 4 : i) % FE_COLORS.length]})`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "style") e.setAttribute("style", v);
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

async function getJson(path) {
  const r = await fetch(path, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : `HTTP ${r.status}`);
  return body;
}

async function postJson(path, value) {
  const r = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(value),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error ? body.error.message : `HTTP ${r.status}`);
  return body;
}

function setConnection(ok, text) {
  const s = $("connection-status");
  s.dataset.state = ok ? "ok" : "error";
  s.textContent = text;
}

// ---------------------------------------------------------------- front-ends

function renderFrontendCards() {
  const box = $("frontends");
  box.replaceChildren();
  for (const name of state.frontends) {
    const card = el("div", { class: "fe", "data-fe": name, "data-serving": "false", style: `--fe-color: ${feColor(name)}` },
      el("div", { class: "head" },
        el("span", { class: "dot" }),
        el("span", { class: "name" }, name),
        el("span", { class: "badge" }, "serving the batch")),
      el("div", { class: "state" }, "…"),
      el("div", { class: "message", "data-kind": "none" }),
    );
    const buttons = el("div", { class: "buttons" },
      el("button", { type: "button", class: "danger", "data-action": "slow", "data-fe": name,
        onclick: () => setDelay(name, state.config.slowMs) }, `Slow down (${state.config.slowMs} ms)`),
      el("button", { type: "button", "data-action": "normal", "data-fe": name,
        onclick: () => setDelay(name, state.config.paceMs) }, "Back to normal"),
      el("button", { type: "button", class: "restart", "data-action": "restart", "data-fe": name,
        onclick: () => restart(name) }, "Restart"),
      el("button", { type: "button", class: "danger kill", "data-action": "kill", "data-fe": name,
        onclick: () => kill(name) }, "Kill"),
    );
    card.append(buttons);
    box.append(card);
  }
}

function markServing(name) {
  state.serving = name;
  for (const card of document.querySelectorAll(".fe")) {
    card.dataset.serving = String(card.dataset.fe === name);
  }
}

const RESTARTING = new Set(["draining", "starting", "killed"]);

function phaseText(fe) {
  if (fe.phase === "draining") return "restarting: draining (its clients move to the others)…";
  if (fe.phase === "starting") return "restarting: starting again on the same ports…";
  if (fe.phase === "killed") return "killed: crashed without a goodbye; it starts again by itself shortly (or Restart)";
  return `stopped: its restart failed (${fe.error || "no reason given"})`;
}

// A restart phase seen: on the card; on the timeline when it changes during a batch.
function showPhase(card, name, phase) {
  const before = state.phases.get(name);
  state.phases.set(name, phase);
  card.dataset.phase = phase;
  if (phase === "killed") state.down.add(name);
  const b = state.batch;
  if (phase === "failed" && before !== "failed") {
    showMessage(name, "error", "The restart failed (see above); Restart tries the start again.");
  }
  if (RESTARTING.has(before) && phase === "serving") {
    showMessage(name, "ok", state.down.has(name) ? "Back after the kill: serving again." : "Restarted: serving again.");
    if (b && b.running) b.events.push({ t: now() - b.start, fe: name, text: `${name} back` });
  }
  if (phase === "serving") state.down.delete(name);
}

async function refreshFrontends() {
  const data = await getJson("/demo/frontends");
  for (const fe of data.frontends) {
    const card = document.querySelector(`.fe[data-fe="${fe.name}"]`);
    if (!card) continue;
    const st = card.querySelector(".state");
    card.dataset.up = String(fe.up);
    card.dataset.health = fe.health || "none";
    showPhase(card, fe.name, fe.phase);
    if (fe.phase !== "serving") {
      st.textContent = phaseText(fe);
      card.dataset.slow = "false";
      continue;
    }
    if (!fe.up) {
      st.textContent = "not answering";
      card.dataset.slow = "false";
      continue;
    }
    const slow = fe.delayMs > state.config.responseTimeMs;
    card.dataset.slow = String(slow);
    card.dataset.delay = String(fe.delayMs);
    st.textContent = slow ? `slowed down: ${fe.delayMs} ms per line` : `normal: ${fe.delayMs} ms per line`;
  }
}

async function setDelay(name, delayMs) {
  const buttons = document.querySelectorAll(`.fe[data-fe="${name}"] button`);
  buttons.forEach((b) => (b.disabled = true));
  try {
    await postJson(`/demo/frontends/${encodeURIComponent(name)}/slowdown`, { delayMs });
    if (state.batch && state.batch.running) {
      state.batch.events.push({ t: now() - state.batch.start, fe: name,
        text: delayMs > state.config.responseTimeMs ? `${name} slowed down` : `${name} back to normal` });
      renderTimeline();
    }
    await refreshFrontends();
  } catch (e) {
    setBatchStatus("error", `Could not change ${name}: ${e.message}`);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function showMessage(name, kind, text) {
  const m = document.querySelector(`.fe[data-fe="${name}"] .message`);
  m.dataset.kind = kind;
  m.textContent = text;
}

// A rolling-deploy step: the demo drains the front-end (its clients, a running batch too, move to
// the others), then starts it again. The button stays enabled: a second click while it restarts is
// answered (409) and the answer shown. The id lets the demo recognize this request if it is run
// twice (its connection may be the one the drain moves).
async function restart(name) {
  const request = `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const answer = await postJson(`/demo/frontends/${encodeURIComponent(name)}/restart`, { request });
    const card = document.querySelector(`.fe[data-fe="${name}"]`);
    showPhase(card, name, answer.phase);
    card.querySelector(".state").textContent = phaseText(answer);
    card.dataset.up = "false";
    showMessage(name, "info", "Restart asked: watch it come back.");
    if (state.batch && state.batch.running) {
      state.batch.events.push({ t: now() - state.batch.start, fe: name, text: `${name} restart` });
      renderTimeline();
    }
  } catch (e) {
    showMessage(name, "error", `Not restarted: ${e.message}`);
  }
}

// A crash: the demo cuts the front-end's M-TCP server without a goodbye and drops its database
// sessions, as kill -9 of its process would; it starts again by itself a few seconds later. A batch
// it was serving fails over to the connection's replica (replicated state transfer), which runs it
// on from the last snapshot: the migrations list shows that failover. The id lets the demo recognize
// this request when it runs twice: it may be served by the very front-end it kills, and then runs
// again on the replica that takes the connection over.
async function kill(name) {
  const request = `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const b = state.batch;
  if (b && b.running) {
    b.killed.add(name);       // before the answer: the failover's first line may come first
    b.events.push({ t: now() - b.start, fe: name, text: `${name} killed` });
    renderTimeline();
  }
  try {
    const answer = await postJson(`/demo/frontends/${encodeURIComponent(name)}/kill`, { request });
    const card = document.querySelector(`.fe[data-fe="${name}"]`);
    showPhase(card, name, answer.phase);
    card.querySelector(".state").textContent = phaseText(answer);
    card.dataset.up = "false";
    card.dataset.slow = "false";
    showMessage(name, "info", `Killed: ${answer.message}.`);
  } catch (e) {
    if (b) b.killed.delete(name);
    showMessage(name, "error", `Not killed: ${e.message}`);
  }
}

// ---------------------------------------------------------------- accounts

async function refreshAccounts() {
  const data = await getJson("/demo/accounts");
  const body = $("accounts");
  const rows = [];
  for (const a of data.accounts) {
    const before = state.accounts.get(a.id);
    const cell = el("td", { class: "num" }, a.balance.toLocaleString("en-US"));
    if (before !== undefined && before !== a.balance) cell.classList.add("changed");
    rows.push(el("tr", { "data-account": a.id }, el("td", {}, `#${a.id}`), cell));
    state.accounts.set(a.id, a.balance);
  }
  body.replaceChildren(...rows);
  $("accounts-total").textContent = data.total.toLocaleString("en-US");
  $("total-now").textContent = data.total.toLocaleString("en-US");
  return data.total;
}

// ---------------------------------------------------------------- the batch

function now() {
  return performance.now();
}

function randomTransfers(n, maxAmount, accounts) {
  const txs = [];
  for (let i = 0; i < n; i++) {
    const from = 1 + Math.floor(Math.random() * accounts);
    let to = 1 + Math.floor(Math.random() * (accounts - 1));
    if (to >= from) to++;
    const amount = 1 + Math.floor(Math.random() * maxAmount);
    txs.push({ op: "transfer", args: { from, to, amount } });
  }
  return txs;
}

function newBatch(n, maxAmount) {
  const id = `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    id,
    request: { id, transactions: randomTransfers(n, maxAmount, state.config.accounts) },
    n,
    start: now(),
    running: true,
    lines: new Map(),        // seq -> the exact line received
    order: [],               // outcomes in arrival order: {seq, fe, t, outcome}
    migrations: [],          // {from, to, afterSeq, seq, t}
    events: [],              // slow-down, restart and kill clicks: {t, fe, text}
    killed: new Set(),       // front-ends killed during this batch: a move away from one is a failover
    duplicates: 0,
    resent: 0,
    summary: null,
    totalBefore: null,
  };
}

function setBatchStatus(kind, text) {
  const s = $("batch-status");
  s.dataset.state = kind;
  s.textContent = text;
}

function resetViews() {
  $("outcomes").replaceChildren();
  $("migrations").replaceChildren();
  $("outcome-count").textContent = "0";
  $("migration-count").textContent = "0";
  $("total-after").textContent = "–";
  const v = $("invariant");
  v.dataset.status = "pending";
  v.textContent = "Batch running…";
  markServing(null);
  renderTimeline();
}

async function runBatch(event) {
  event.preventDefault();
  const n = Math.max(1, Math.min(500, parseInt($("batch-size").value, 10) || 1));
  const maxAmount = Math.max(1, parseInt($("max-amount").value, 10) || 1);
  $("run-batch").disabled = true;
  $("repost").hidden = true;
  state.batch = newBatch(n, maxAmount);
  resetViews();
  try {
    const before = await refreshAccounts();
    state.batch.totalBefore = before;
    $("total-before").textContent = before.toLocaleString("en-US");
  } catch (e) {
    setBatchStatus("error", `Cannot read the accounts: ${e.message}`);
    $("run-batch").disabled = false;
    return;
  }
  state.batch.start = now();
  await stream(false);
}

async function repost() {
  $("repost").hidden = true;
  $("run-batch").disabled = true;
  state.batch.running = true;
  await stream(true);
}

// POSTs the batch and reads the NDJSON response line by line as it arrives. A re-post of the same
// batch id continues it: the front-end re-sends the lines already recorded, byte for byte, and
// runs only what never ran; the page skips those repeats (and counts them).
async function stream(isRepost) {
  const b = state.batch;
  setBatchStatus("running", isRepost ? `Re-posting batch ${b.id}…` : `Batch ${b.id}: ${b.n} transfers, running…`);
  try {
    const r = await fetch("/v1/batches", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b.request),
    });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${r.status}`);
    }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl + 1);
        buffered = buffered.slice(nl + 1);
        if (line.trim()) onLine(line, isRepost);
      }
    }
    if (!b.summary) throw new Error("the response ended before the summary line");
    await finished();
  } catch (e) {
    b.running = false;
    setBatchStatus("error", `The connection failed: ${e.message}. ${b.order.length} of ${b.n} outcomes received.`);
    $("repost").hidden = false;
    $("run-batch").disabled = false;
  }
}

function onLine(text, isRepost) {
  const b = state.batch;
  const line = JSON.parse(text);
  if (line.summary) {
    b.summary = line;
    return;
  }
  const t = now() - b.start;
  const known = b.lines.get(line.seq);
  if (known !== undefined) {
    if (isRepost && known === text) {
      b.resent++;          // a re-post re-sends recorded lines verbatim: expected, not shown twice
      return;
    }
    b.duplicates++;        // never expected: shown, in red
  }
  b.lines.set(line.seq, text);
  const previous = b.order.length ? b.order[b.order.length - 1] : null;
  b.order.push({ seq: line.seq, fe: line.frontend, t, outcome: line.outcome });
  let migrated = false;
  if (previous && previous.fe !== line.frontend) {
    migrated = true;
    b.migrations.push({ from: previous.fe, to: line.frontend, afterSeq: previous.seq, seq: line.seq, t,
      failover: b.killed.has(previous.fe) });
    addMigration(b.migrations[b.migrations.length - 1], b.migrations.length);
  }
  addOutcomeRow(line, t, known !== undefined, migrated);
  markServing(line.frontend);
  $("outcome-count").textContent = String(b.lines.size);
  setBatchStatus("running", `Batch ${b.id}: ${b.lines.size} of ${b.n} outcomes, now on ${line.frontend}…`);
  renderTimeline();
}

function transferText(tx) {
  return tx ? `#${tx.args.from} → #${tx.args.to}: ${tx.args.amount}` : "";
}

function addOutcomeRow(line, t, duplicate, migrated) {
  const tx = state.batch.request.transactions[line.seq - 1];
  const detail = line.outcome === "committed"
    ? `balances ${line.result.fromBalance} / ${line.result.toBalance}`
    : `${line.error.code}: ${line.error.message}`;
  const row = el("tr", {
      "data-seq": line.seq, "data-frontend": line.frontend, "data-outcome": line.outcome,
      "data-duplicate": String(duplicate), style: `--fe-color: ${feColor(line.frontend)}`,
    },
    el("td", { class: "num" }, String(line.seq)),
    el("td", { class: `outcome ${line.outcome}` }, line.outcome),
    el("td", {}, transferText(tx)),
    el("td", {}, detail),
    el("td", {}, el("span", { class: "fe-tag", style: `--fe-color: ${feColor(line.frontend)}` }, line.frontend)),
    el("td", { class: "num" }, line.tid),
    el("td", { class: "num" }, `${(t / 1000).toFixed(2)} s`),
  );
  if (migrated) row.classList.add("after-migration");
  const body = $("outcomes");
  body.append(row);
  body.parentElement.parentElement.scrollTop = body.parentElement.parentElement.scrollHeight;
}

function addMigration(m, count) {
  const item = el("li", { "data-from": m.from, "data-to": m.to, "data-seq": m.seq,
      "data-kind": m.failover ? "failover" : "move" },
    el("span", { class: "fe-tag", style: `--fe-color: ${feColor(m.from)}` }, m.from), " → ",
    el("span", { class: "fe-tag", style: `--fe-color: ${feColor(m.to)}` }, m.to),
    ` between outcomes #${m.afterSeq} and #${m.seq}, at ${(m.t / 1000).toFixed(2)} s`
      + (m.failover ? ` — failover: ${m.from} was killed, ${m.to} resumed the batch from its replica` : ""));
  $("migrations").append(item);
  $("migration-count").textContent = String(count);
}

async function finished() {
  const b = state.batch;
  b.running = false;
  const s = b.summary;
  const missing = [];
  for (let seq = 1; seq <= b.n; seq++) if (!b.lines.has(seq)) missing.push(seq);
  const parts = [`Batch ${b.id} ${s.status}: ${s.committed} committed, ${s.aborted} aborted`,
    `${b.migrations.length} migration${b.migrations.length === 1 ? "" : "s"} seen`];
  if (b.resent) parts.push(`${b.resent} lines re-sent after the re-post`);
  if (b.duplicates) parts.push(`${b.duplicates} DUPLICATE outcome lines`);
  if (missing.length) parts.push(`MISSING outcomes ${missing.join(", ")}`);
  setBatchStatus(b.duplicates || missing.length ? "error" : "complete", parts.join(" · ") + ".");
  $("batch-status").dataset.summary = JSON.stringify(s);
  $("run-batch").disabled = false;
  const after = await refreshAccounts();
  $("total-after").textContent = after.toLocaleString("en-US");
  const v = $("invariant");
  if (after === b.totalBefore) {
    v.dataset.status = "ok";
    v.textContent = `Unchanged: ${after.toLocaleString("en-US")} before and after.`;
  } else {
    v.dataset.status = "broken";
    v.textContent = `CHANGED: ${b.totalBefore} before, ${after} after.`;
  }
  renderTimeline();
}

// ---------------------------------------------------------------- the timeline (SVG)

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderTimeline() {
  const box = $("timeline");
  const b = state.batch;
  if (!b || (b.order.length === 0 && b.events.length === 0)) {
    box.replaceChildren(el("p", { class: "empty" }, b && b.running ? "Waiting for the first outcome…" : "The batch's outcomes will appear here."));
    return;
  }
  const lanes = state.frontends;
  const W = 1200, left = 70, right = 20, top = 16, laneH = 44, axisH = 26;
  const H = top + lanes.length * laneH + axisH;
  const lastT = Math.max(1000, ...b.order.map((o) => o.t), ...b.events.map((e) => e.t), b.running ? now() - b.start : 0);
  const span = Math.ceil(lastT / 1000) * 1000;
  const x = (t) => left + (t / span) * (W - left - right);
  const y = (fe) => top + lanes.indexOf(fe) * laneH + laneH / 2;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "timeline of the batch's outcomes" });

  lanes.forEach((fe, i) => {
    root.append(svg("rect", { x: left, y: top + i * laneH + 4, width: W - left - right, height: laneH - 8, rx: 6,
      fill: i % 2 ? "#f7f9fc" : "#fbfcfe" }));
    root.append(svg("text", { x: 8, y: y(fe) + 4, class: "lane-label", fill: feColor(fe) }, fe));
  });
  const step = span <= 5000 ? 500 : span <= 20000 ? 1000 : span <= 60000 ? 5000 : 10000;
  for (let t = 0; t <= span; t += step) {
    root.append(svg("line", { x1: x(t), x2: x(t), y1: top, y2: top + lanes.length * laneH, stroke: "#e8ebf1" }));
    root.append(svg("text", { x: x(t), y: H - 8, "text-anchor": "middle", class: "axis" }, `${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s`));
  }
  for (const e of b.events) {
    root.append(svg("line", { x1: x(e.t), x2: x(e.t), y1: y(e.fe) - 16, y2: y(e.fe) + 16, stroke: "var(--warn)", "stroke-width": 2, "stroke-dasharray": "3 2" }));
    root.append(svg("text", { x: x(e.t) + 4, y: y(e.fe) - 8, class: "event-label" }, e.text));
  }
  for (const m of b.migrations) {
    const from = b.order.find((o) => o.seq === m.afterSeq);
    const x1 = from ? x(from.t) : x(m.t), x2 = x(m.t);
    const y1 = y(m.from), y2 = y(m.to);
    root.append(svg("path", { d: `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`,
      fill: "none", stroke: feColor(m.to), "stroke-width": 2.5 }));
    root.append(svg("text", { x: (x1 + x2) / 2 + 6, y: (y1 + y2) / 2, class: "migration-label", fill: feColor(m.to) },
      `${m.failover ? "failover" : "migration"} → ${m.to}`));
  }
  for (const o of b.order) {
    const committed = o.outcome === "committed";
    root.append(svg("circle", { cx: x(o.t), cy: y(o.fe), r: 4.5,
      fill: committed ? feColor(o.fe) : "#fff", stroke: feColor(o.fe), "stroke-width": 2 }));
  }
  box.replaceChildren(root);
}

// ---------------------------------------------------------------- start

async function refreshAll() {
  try {
    await Promise.all([refreshAccounts(), refreshFrontends()]);
    setConnection(true, "connected through the proxy");
  } catch (e) {
    setConnection(false, `not reachable: ${e.message}`);
  }
}

async function init() {
  try {
    state.config = await getJson("/demo/config");
  } catch (e) {
    setConnection(false, `cannot load the demo's settings: ${e.message}`);
    return;
  }
  state.frontends = state.config.frontends;
  $("fe-names").textContent = state.frontends.join(", ");
  $("policy").textContent = `response-time policy, ${state.config.responseTimeMs} ms`;
  $("pace-hint").textContent = `Normally each front-end waits ${state.config.paceMs} ms before each outcome line, `
    + `so the outcomes arrive at a pace you can follow. "Slow down" makes it ${state.config.slowMs} ms: longer than `
    + `the proxy's ${state.config.responseTimeMs} ms threshold, so the connection moves to another front-end. `
    + `"Restart" is a rolling-deploy step: the front-end is drained (its connections, a running batch too, move `
    + `to the others), then started again on the same ports. "Kill" crashes it, as kill -9 would: no drain, `
    + `no goodbye, its database sessions dropped; it starts again ${state.config.killDowntimeMs / 1000} s later. `
    + (state.config.stateTransfer.startsWith("replicated")
      ? `The state transfer is ${state.config.stateTransfer}: every snapshot is on a replica too, so a batch `
        + `on the killed front-end fails over to the replica and finishes there.`
      : `The state transfer is lazy: a batch on the killed front-end is cut off (re-post it).`);
  renderFrontendCards();
  $("batch-form").addEventListener("submit", runBatch);
  $("repost").addEventListener("click", repost);
  await refreshAll();
  setInterval(() => {
    refreshAll();
    if (state.batch && state.batch.running) renderTimeline();
  }, 1500);
  document.body.dataset.ready = "true";
}

init();
