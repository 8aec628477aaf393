/**
 * The live sessions dashboard's page (GET /dashboard): one self-contained HTML document — its style
 * and script inline, nothing loaded from anywhere else — that polls GET /dashboard/state every two
 * seconds and renders the sessions, the pool's pressure and the last errors, with per-session peek,
 * ping, pin/unpin and close.
 *
 * The page itself holds no data, so it is served without API_TOKEN; everything it shows comes from
 * routes that need it. When the service has a token, the page asks for it once and keeps it in the
 * tab's sessionStorage (gone when the tab closes), sending it as an `Authorization` header — never in
 * a URL, never in a cookie. With no cookie there is nothing a cross-site request could ride on (no
 * CSRF), and the Content-Security-Policy lets only this document's own script (by nonce) run and
 * only this origin be fetched.
 */

/** The page's Content-Security-Policy, for a response carrying `nonce` in its script tag. */
export const dashboardCsp = (nonce: string): string =>
  [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join("; ")

const STYLE = `
:root { --ink: #1d2430; --muted: #5d6777; --line: #dfe3ea; --bg: #f5f7fa; --card: #fff; --accent: #0b5cad;
  --ok: #1e7a3c; --warn: #a35a00; --bad: #b3261e; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: #18202c; color: #fff; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .meta { color: #b8c2d0; font-size: 12px; }
header .spacer { flex: 1; }
header button { background: transparent; color: #b8c2d0; border: 1px solid #3a4658; }
main { padding: 16px 20px; display: grid; gap: 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
section h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 10px; }
section h2 > span, section h2 > button { text-transform: none; letter-spacing: normal; font-weight: normal; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; }
.figure { min-width: 110px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; }
.figure b { display: block; font-size: 20px; }
.figure span { color: var(--muted); font-size: 12px; }
.bar { height: 6px; background: #e8ecf2; border-radius: 3px; margin-top: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--accent); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.wrap { white-space: normal; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e8ecf2; }
.badge.ok, .badge.idle, .badge.ready { background: #dcf2e3; color: var(--ok); }
.badge.busy, .badge.logging_in, .badge.refreshing, .badge.full, .badge.starting { background: #fff0d6; color: var(--warn); }
.badge.closing, .badge.saturated, .badge.draining { background: #fde2df; color: var(--bad); }
.muted { color: var(--muted); }
button { font: inherit; font-size: 12px; padding: 3px 8px; border-radius: 4px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.danger:hover { border-color: var(--bad); color: var(--bad); }
.actions { display: flex; gap: 4px; }
#login { max-width: 420px; }
#login input { width: 100%; padding: 6px 8px; margin: 8px 0; font: inherit; }
#peek img { max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
#notice { min-height: 18px; color: var(--muted); }
#notice.error { color: var(--bad); }
[hidden] { display: none !important; }
`

const SCRIPT = `
"use strict";
const TOKEN_KEY = "emodal-api-token";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let timer = undefined;
let peekUrl = undefined;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "width") node.style.width = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? "" : String(c)));
  return node;
}

function notice(text, isError) {
  const n = $("notice");
  n.textContent = text;
  n.className = isError ? "error" : "";
}

async function api(path, init) {
  const headers = new Headers((init && init.headers) || {});
  if (token) headers.set("authorization", "Bearer " + token);
  const response = await fetch(path, Object.assign({}, init, { headers, cache: "no-store", credentials: "omit" }));
  if (response.status === 401) {
    showLogin(token ? "That token was refused." : "");
    throw new Error("unauthorized");
  }
  return response;
}

function showLogin(message) {
  clearTimeout(timer);
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-message").textContent = message || "";
  $("token").focus();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  showLogin("");
}

function ago(iso, now) {
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  return s < 60 ? s + " s ago" : s < 3600 ? Math.floor(s / 60) + " min ago" : Math.floor(s / 3600) + " h ago";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  return seconds < 60 ? seconds.toFixed(1) + " s" : Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s";
}

function figure(label, value, field, ratio) {
  return el("div", { class: "figure", "data-figure": field }, el("b", {}, value), el("span", {}, label),
    ratio === undefined ? "" : el("div", { class: "bar" }, el("i", { width: Math.round(Math.min(1, ratio) * 100) + "%" })));
}

function renderPool(state) {
  const p = state.pool;
  $("pool").replaceChildren(
    figure("sessions / MAX_SESSIONS", p.active + " / " + p.max_sessions, "active", p.max_sessions > 0 ? p.active / p.max_sessions : 0),
    figure("busy", p.busy, "busy"), figure("idle", p.idle, "idle"), figure("pinned", p.pinned, "pinned"),
    figure("logging in", p.logging_in, "logging_in"), figure("waiting for a slot", p.waiting_for_slot, "waiting_for_slot"),
    figure("queued operations", p.queued_messages, "queued_messages"), figure("free slots", p.free_slots, "free_slots"),
    figure("evictable", p.evictable, "evictable"));
  $("pressure").replaceChildren(el("span", { class: "badge " + p.status, "data-field": "pressure" }, p.status), " ", el("span", { class: "muted" }, p.detail));
}

function action(label, title, run, danger) {
  return el("button", { type: "button", title, class: danger ? "danger" : "", "data-action": label.toLowerCase(), onclick: run }, label);
}

// Rows are kept per session and updated in place: a button never vanishes under the pointer.
const rows = new Map();

function makeRow(id) {
  const row = { current: null, cells: {} };
  const cell = (name, cls) => (row.cells[name] = el("td", cls ? { class: cls } : {}));
  const s = () => row.current;
  row.pin = action("Pin", "", () => {
    const pinned = s().pinned;
    act("POST", "/ping_session/" + encodeURIComponent(id), { never_terminate: !pinned }, (pinned ? "unpinned " : "pinned ") + s().username);
  });
  row.tr = el("tr", { "data-session-id": id },
    cell("account"), cell("tier"), cell("state"), cell("operation", "wrap"), cell("last_used"), cell("pinned"), cell("keep_alive"),
    cell("error_score"), cell("uses"), cell("age"), cell("memory"),
    el("td", {}, el("div", { class: "actions" },
      action("Peek", "A fresh screenshot of its page, taken between two operations", () => peek(s())),
      action("Ping", "Mark it used now", () => act("POST", "/ping_session/" + encodeURIComponent(id), {}, "pinged " + s().username)),
      row.pin,
      action("Close", "Close its Chrome and forget the session", () => {
        if (confirm("Close the session of " + s().username + "?")) act("DELETE", "/sessions/" + encodeURIComponent(id), undefined, "closed " + s().username);
      }, true))));
  for (const name of ["tier", "pinned", "keep_alive", "error_score", "uses", "age", "memory", "last_used"]) row.cells[name].setAttribute("data-field", name);
  return row;
}

function fillRow(row, s, now) {
  row.current = s;
  const c = row.cells;
  c.account.replaceChildren(el("b", { "data-field": "username" }, s.username), el("br"), el("code", { class: "muted", title: "session id" }, s.session_id.slice(0, 12) + "…"));
  c.tier.textContent = s.tier || "";
  c.state.replaceChildren(el("span", { class: "badge " + s.state, "data-field": "state" }, s.state), s.queued > 0 ? el("span", { class: "muted" }, " +" + s.queued + " queued") : "");
  c.operation.replaceChildren(s.operation === null ? el("span", { class: "muted" }, "—") : el("span", { "data-field": "operation" },
    s.operation, " · ", el("code", { "data-field": "phase" }, s.phase), el("br"),
    el("span", { class: "muted" }, duration(s.operation_seconds) + " (phase " + duration(s.phase_seconds) + ")")));
  c.last_used.textContent = ago(s.last_used, now);
  c.last_used.title = s.last_used;
  c.pinned.textContent = s.pinned ? "pinned" : "—";
  c.keep_alive.textContent = s.keep_alive ? "on" : "off";
  c.error_score.textContent = String(s.health.error_score);
  c.uses.textContent = String(s.health.uses);
  c.age.textContent = duration(s.health.age_seconds);
  c.memory.textContent = s.health.memory_mb === null ? "—" : s.health.memory_mb + " MB";
  row.pin.textContent = s.pinned ? "Unpin" : "Pin";
  row.pin.dataset.action = s.pinned ? "unpin" : "pin";
  row.pin.title = s.pinned ? "Let it be evicted again" : "Never evict it (never_terminate)";
}

function renderSessions(state) {
  const body = $("sessions");
  const seen = new Set();
  state.sessions.forEach((s, i) => {
    seen.add(s.session_id);
    let row = rows.get(s.session_id);
    if (row === undefined) { row = makeRow(s.session_id); rows.set(s.session_id, row); }
    fillRow(row, s, state.now);
    if (body.children[i] !== row.tr) body.insertBefore(row.tr, body.children[i] || null);
  });
  for (const [id, row] of rows) if (!seen.has(id)) { row.tr.remove(); rows.delete(id); }
  $("no-sessions").hidden = state.sessions.length > 0;
  $("session-count").textContent = String(state.sessions.length);
}

function renderErrors(state) {
  const rows = state.errors.slice(0, 20).map((e) => el("tr", { "data-request-id": e.request_id || "" },
    el("td", { title: e.at }, ago(e.at, state.now)),
    el("td", {}, el("code", { "data-field": "request_id" }, e.request_id || "—")),
    el("td", {}, e.endpoint), el("td", {}, el("code", {}, e.error_type)),
    el("td", { class: "wrap" }, e.error), el("td", {}, e.account || "—")));
  $("errors").replaceChildren(...rows);
  $("no-errors").hidden = rows.length > 0;
}

async function act(method, path, body, done) {
  try {
    const r = await api(path, body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) notice((answer.error || ("HTTP " + r.status)) + (answer.error_type ? " (" + answer.error_type + ")" : ""), true);
    else notice(done, false);
  } catch (e) { if (e.message !== "unauthorized") notice(String(e), true); }
  refresh();
}

async function peek(s) {
  notice("taking a screenshot of " + s.username + "'s page (after its running operation, if any)…", false);
  try {
    const r = await api("/dashboard/sessions/" + encodeURIComponent(s.session_id) + "/peek");
    if (!r.ok) { const a = await r.json().catch(() => ({})); notice("peek failed: " + (a.error || r.status), true); return; }
    if (peekUrl) URL.revokeObjectURL(peekUrl);
    peekUrl = URL.createObjectURL(await r.blob());
    const img = $("peek-image");
    img.src = peekUrl;
    img.alt = "The page of " + s.username + "'s session";
    $("peek-caption").textContent = s.username + " · " + s.session_id.slice(0, 12) + "… · taken " + new Date().toLocaleTimeString();
    $("peek").hidden = false;
    $("peek").dataset.sessionId = s.session_id;
    notice("peeked at " + s.username, false);
  } catch (e) { if (e.message !== "unauthorized") notice(String(e), true); }
}

async function refresh() {
  clearTimeout(timer);
  try {
    const state = await (await api("/dashboard/state")).json();
    $("login").hidden = true;
    $("app").hidden = false;
    $("version").textContent = "v" + state.version;
    $("readiness").textContent = state.readiness;
    $("readiness").className = "badge " + state.readiness;
    $("updated").textContent = "updated " + new Date(state.now).toLocaleTimeString();
    renderPool(state);
    renderSessions(state);
    renderErrors(state);
    timer = setTimeout(refresh, 2000);
  } catch (e) {
    if (e.message !== "unauthorized") { notice("cannot reach the service: " + e.message, true); timer = setTimeout(refresh, 5000); }
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  $("token").value = "";
  sessionStorage.setItem(TOKEN_KEY, token);
  refresh();
});
$("sign-out").addEventListener("click", signOut);
$("peek-close").addEventListener("click", () => { $("peek").hidden = true; });
refresh();
`

/** The dashboard document; `nonce` authorises its inline style and script (see dashboardCsp). */
export const dashboardPage = (nonce: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sessions · E-Modal Business API</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>E-Modal Business API · live sessions</h1>
  <span class="meta" id="version"></span>
  <span class="badge" id="readiness"></span>
  <span class="spacer"></span>
  <span class="meta" id="updated"></span>
  <button type="button" id="sign-out" title="Forget the token in this tab">Sign out</button>
</header>
<main>
  <section id="login" hidden>
    <h2>API token</h2>
    <form id="login-form" autocomplete="off">
      <label for="token">This service needs its API token. It stays in this browser tab (sessionStorage) and is sent as a header, never in an address.</label>
      <input id="token" name="token" type="password" required>
      <button type="submit">Open the dashboard</button>
      <p id="login-message" class="muted"></p>
    </form>
  </section>
  <div id="app" hidden>
    <p id="notice"></p>
    <section>
      <h2>Pool pressure <span id="pressure"></span></h2>
      <div class="figures" id="pool"></div>
    </section>
    <section>
      <h2>Sessions (<span id="session-count">0</span>)</h2>
      <table>
        <thead><tr><th>Account</th><th>Tier</th><th>State</th><th>Operation · phase</th><th>Last use</th><th>Pinned</th><th>Keep-alive</th><th>Error score</th><th>Uses</th><th>Age</th><th>Memory</th><th></th></tr></thead>
        <tbody id="sessions"></tbody>
      </table>
      <p id="no-sessions" class="muted">No live session.</p>
    </section>
    <section id="peek" hidden>
      <h2>Peek <button type="button" id="peek-close">Hide</button></h2>
      <p id="peek-caption" class="muted"></p>
      <img id="peek-image" alt="">
    </section>
    <section>
      <h2>Last errors</h2>
      <table>
        <thead><tr><th>When</th><th>Request id</th><th>Endpoint</th><th>Error type</th><th>Error</th><th>Account</th></tr></thead>
        <tbody id="errors"></tbody>
      </table>
      <p id="no-errors" class="muted">No failed operation since start.</p>
    </section>
  </div>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`
