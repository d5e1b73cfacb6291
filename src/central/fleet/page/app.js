/* global document, localStorage, fetch, URLSearchParams, setTimeout, clearTimeout, prompt -- a browser script (the bank page's is not linted at all) */
// The fleet page: every bank as a tile, one bank drawn like the bank page (read-only), open
// alarms, the command log and a parcel search, all from lockerd-central's fleet API. It asks
// for news every few seconds (fleet.pagePollMs), so it stays live without a reload whichever
// instance answers. An operator or admin token may also clear (acknowledge) an open alarm, with a
// note. Plain browser JavaScript, no build step, nothing loaded from outside.

const $ = (sel) => document.querySelector(sel);
const state = { only: "", chosen: false, selected: null, pollMs: 2000, sizes: ["S", "M", "L"], shown: 200, timer: null, role: null, roleOf: null, clearing: null };

const ALARM_TEXT = {
  offline: "bank offline",
  door_forced: "door forced",
  door_left_open: "door left open",
  door_jammed: "door did not open",
  locker_flagged: "locker flagged",
  board_offline: "board offline",
  storage_full: "disk full",
  sensor_unstable: "door sensor unstable",
  pickup_lockout: "keypad locked out",
  item_left_behind: "item left behind",
  sequence_conflict: "sequence conflict",
};
const alarmText = (kind) => ALARM_TEXT[kind] || kind.replace(/_/g, " ");

function token() {
  return localStorage.getItem("lockerd-central-token") || "";
}

/** A call of the fleet API; a problem+json answer throws with its status, code and detail. */
async function api(path, opts = {}) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const init = { method: opts.method || "GET", headers };
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.message)) || `HTTP ${res.status}`);
    err.status = res.status;
    err.code = (data && data.code) || "";
    throw err;
  }
  return data;
}

/** "409 INVALID_STATE: alarm 7 was already cleared at ... by ops-desk": a problem as people read it. */
function problemText(e) {
  return e.status ? `${e.status}${e.code ? " " + e.code : ""}: ${e.message}` : `no answer: ${e.message}`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "title" || k === "role" || k === "type") e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function time(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  const t = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? t : `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${t}`;
}

function sizesOf(occupancy) {
  const known = state.sizes.filter((s) => occupancy[s]);
  const other = Object.keys(occupancy).filter((s) => !state.sizes.includes(s) && s !== "").sort();
  return [...known, ...other];
}

// ---- tiles ---------------------------------------------------------------------------------
function occupancyRows(occupancy) {
  const box = el("div", { class: "occ" });
  for (const size of sizesOf(occupancy)) {
    const c = occupancy[size];
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    const bar = el("div", { class: "bar", title: `${size}: ${c.AVAILABLE ?? 0} free, ${c.RESERVED ?? 0} reserved, ${c.OCCUPIED ?? 0} occupied, ${c.OUT_OF_SERVICE ?? 0} out of service` });
    for (const [status, cls] of [["AVAILABLE", "available"], ["RESERVED", "reserved"], ["OCCUPIED", "occupied"], ["OUT_OF_SERVICE", "oos"]]) {
      if (!c[status]) continue;
      const seg = el("span", { class: cls });
      seg.style.width = `${(100 * c[status]) / total}%`;
      bar.append(seg);
    }
    box.append(el("span", { text: size }), bar, el("span", { class: "free", text: `${c.AVAILABLE ?? 0}/${total}` }));
  }
  return box;
}

function tile(b) {
  const t = el("button", { type: "button", class: "tile", id: `tile-${b.id}`, "data-bank": b.id, "data-online": String(b.online), "data-alarms": String(b.openAlarms > 0) });
  t.setAttribute("aria-pressed", String(state.selected === b.id));
  const top = el("div", { class: "top" }, el("span", { class: "name", text: b.id }), el("span", { class: "state", text: b.online ? "online" : "offline" }));
  if (b.openAlarms > 0) top.append(el("span", { class: "badge", title: "open alarms", text: `${b.openAlarms} alarm${b.openAlarms === 1 ? "" : "s"}` }));
  const meta = [`seen ${ago(b.lastSeenAt)}`];
  if (b.backlog) meta.push(`backlog ${b.backlog}`);
  if (b.softwareVersion) meta.push(`v${b.softwareVersion}`);
  if (b.clockSynced === false) meta.push("clock not synced");
  if (b.lockerHealth?.below) meta.push(`${b.lockerHealth.below} locker${b.lockerHealth.below === 1 ? "" : "s"} unhealthy`);
  t.append(top, occupancyRows(b.occupancy), el("div", { class: "meta", text: meta.join(" · ") }));
  t.title = `${b.id}: ${b.online ? "online" : "offline"}, last seen ${ago(b.lastSeenAt)}${b.lastError ? `; last sync error: ${b.lastError}` : ""}`;
  t.addEventListener("click", () => select(b.id));
  return t;
}

async function refreshTiles() {
  const q = new URLSearchParams({ limit: String(state.shown) });
  if (state.only) q.set("only", state.only);
  const { banks, next } = await api(`/fleet/banks?${q}`);
  const box = $("#tiles");
  box.replaceChildren(...banks.map(tile));
  $("#more").hidden = next === null;
  $("#fleet-hint").textContent = banks.length === 0 ? (state.only ? "Every bank is online and without alarms." : "No banks registered yet.") : "";
}

// ---- one bank, drawn like the bank page ------------------------------------------------------
function columnOf(id) {
  const m = /^([A-Za-z]+)/.exec(id);
  return m ? m[1] : "?";
}

function drawBank(lockers, alarms) {
  const byLocker = new Map();
  for (const a of alarms) if (a.lockerId) byLocker.set(a.lockerId, [...(byLocker.get(a.lockerId) || []), a]);
  const columns = new Map();
  for (const l of lockers) {
    const c = columnOf(l.id);
    if (!columns.has(c)) columns.set(c, []);
    columns.get(c).push(l);
  }
  const bank = $("#bank");
  bank.replaceChildren();
  for (const [name, ls] of [...columns].sort((a, b) => a[0].localeCompare(b[0]))) {
    const col = el("div", { class: "column" }, el("div", { class: "column-label", text: name }));
    for (const l of ls) {
      const rank = Math.max(0, state.sizes.indexOf(l.size ?? ""));
      const here = byLocker.get(l.id) || [];
      const d = el("div", { class: "door", id: `door-${l.id}`, role: "gridcell", "data-status": l.status, "data-alarm": String(here.length > 0) });
      d.style.setProperty("--units", String(rank + 1));
      d.append(
        el("span", {}, el("span", { class: "id", text: l.id }), " ", el("span", { class: "size", text: l.size ?? "?" })),
        el("span", { class: "status", text: l.status.replace(/_/g, " ") }),
      );
      if (here.length) d.append(el("span", { class: "alarm", text: here.map((a) => alarmText(a.kind)).join(", ") }));
      d.title = `${l.id} (${l.size ?? "?"}) ${l.status}${l.serviceReason ? ": " + l.serviceReason : ""}${l.lastEventType ? `; last ${l.lastEventType} ${ago(l.lastEventAt)}` : ""}`;
      d.setAttribute("aria-label", d.title);
      col.append(d);
    }
    bank.append(col);
  }
  if (lockers.length === 0) bank.append(el("p", { class: "hint", text: "No lockers known yet (the bank sends its layout when its sync starts)." }));
}

function alarmItem(a, withBank) {
  return el(
    "li",
    { "data-kind": a.kind, "data-bank": a.bankId, ...(a.id === null ? {} : { "data-alarm-id": String(a.id) }) },
    el("span", { class: "t", text: time(a.raisedAt) }),
    withBank ? el("button", { type: "button", class: "link", text: a.bankId, onclick: () => select(a.bankId) }) : null,
    el("span", { class: "k alarm-kind", text: alarmText(a.kind) }),
    a.lockerId ? el("span", { text: a.lockerId }) : null,
    a.raises > 1 ? el("span", { class: "t", text: `×${a.raises}` }) : null,
    // offline has no id: it ends when the bank is heard from
    a.id !== null && canClear() ? el("button", { type: "button", class: "clear", text: "clear", title: "Clear (acknowledge) this alarm, with a note", onclick: () => openClear(a) }) : null,
  );
}

// ---- clearing an alarm (operator, admin) -------------------------------------------------------
const canClear = () => state.role === "operator" || state.role === "admin";

/** The token's role, asked once per token: viewers read, operators and admins may also clear. */
async function refreshRole() {
  const t = token();
  if (state.roleOf === t && state.role !== null) return;
  const me = await api("/whoami");
  state.role = me.role;
  state.roleOf = t;
  $("#token-button").textContent = `token: ${me.name} (${me.role}${canClear() ? "" : ", read-only"})`;
}

function describe(a) {
  return `${alarmText(a.kind)} at bank ${a.bankId}${a.lockerId ? `, locker ${a.lockerId}` : ""} (alarm ${a.id}, raised ${time(a.raisedAt)})`;
}

function openClear(a) {
  state.clearing = a;
  $("#clear-what").textContent = describe(a);
  $("#clear-note").value = "";
  $("#clear-error").textContent = "";
  $("#clear-error").hidden = true;
  $("#clear-submit").disabled = false;
  $("#clear-dialog").showModal();
  $("#clear-note").focus();
}

async function submitClear() {
  const a = state.clearing;
  if (!a) return;
  // a textarea for reading, one line for the API (it refuses control characters such as newlines)
  const note = $("#clear-note").value.replace(/\s+/g, " ").trim();
  const error = $("#clear-error");
  if (!note) {
    error.textContent = "A note is required: what was seen or done.";
    error.hidden = false;
    return;
  }
  $("#clear-submit").disabled = true;
  try {
    const done = await api(`/fleet/alarms/${a.id}/clear`, { method: "POST", body: { note } });
    state.clearing = null;
    $("#clear-dialog").close();
    const status = $("#clear-status");
    status.textContent = `Cleared ${describe(a)} by ${done.clearedBy} at ${time(done.clearedAt)}: “${done.clearNote}”`;
    status.hidden = false;
  } catch (e) {
    // the problem as the API put it (409: already cleared, by whom, raised again as which id)
    error.textContent = problemText(e);
    error.hidden = false;
    $("#clear-submit").disabled = false;
  }
  void poll();
}

async function refreshClearings() {
  const { clearings } = await api("/fleet/alarm-clearings?limit=20");
  fill(
    $("#clearings"),
    clearings.map((c) =>
      el("li", { "data-alarm-id": String(c.alarmId), "data-bank": c.bankId },
        el("span", { class: "t", text: time(c.clearedAt) }), el("button", { type: "button", class: "link", text: c.bankId, onclick: () => select(c.bankId) }),
        el("span", { class: "k", text: alarmText(c.kind) }), c.lockerId ? el("span", { text: c.lockerId }) : null,
        el("span", { class: "by", text: `by ${c.clearedBy}` }), el("q", { class: "note", text: c.note }),
        c.openNowAs === null ? null : el("span", { class: "t", text: `raised again (alarm ${c.openNowAs})` })),
    ),
    "none yet",
  );
}

function fill(list, items, emptyText) {
  list.replaceChildren(...(items.length ? items : [el("li", { class: "empty", text: emptyText })]));
}

async function refreshDetail() {
  const id = state.selected;
  if (!id) return;
  const [detail, { lockers }, { parcels }] = await Promise.all([
    api(`/fleet/banks/${encodeURIComponent(id)}`),
    api(`/fleet/banks/${encodeURIComponent(id)}/lockers`),
    api(`/fleet/banks/${encodeURIComponent(id)}/parcels?limit=50`),
  ]);
  if (state.selected !== id) return;
  const b = detail.bank;
  $("#bank-detail").hidden = false;
  $("#detail-title").textContent = `Bank ${b.id}`;
  const st = $("#detail-state");
  st.textContent = b.online ? "online" : `offline since ${time(b.lastSeenAt)}`;
  st.dataset.state = b.online ? "ok" : "down";
  const meta = [`last seen ${ago(b.lastSeenAt)}`, `backlog ${b.backlog ?? "?"}`, `sync lag ${b.syncLagMs === null ? "?" : Math.round(b.syncLagMs / 1000) + " s"}`,
    `version ${b.softwareVersion ?? "?"}`, b.clockSynced === null ? "clock ?" : b.clockSynced ? `clock synced (${b.clockOffsetMs ?? 0} ms)` : "clock NOT synced"];
  if (b.lastError) meta.push(`sync error: ${b.lastError}`);
  const h = b.lockerHealth;
  if (h) meta.push(`locker health: ${h.below} of ${h.lockers} below ${h.threshold}${h.worst[0] ? `, lowest ${h.worst[0].lockerId} ${h.worst[0].score}` : ""}`);
  $("#detail-meta").textContent = meta.join(" · ");
  const counts = $("#detail-counts");
  counts.replaceChildren(
    ...sizesOf(b.occupancy).map((size) => {
      const c = b.occupancy[size];
      return el("span", { "data-size": size, text: `${size}: ${c.AVAILABLE ?? 0} free · ${c.OCCUPIED ?? 0} occupied · ${c.RESERVED ?? 0} reserved · ${c.OUT_OF_SERVICE ?? 0} out of service` });
    }),
  );
  drawBank(lockers, detail.alarms);
  fill($("#detail-alarms"), detail.alarms.map((a) => alarmItem(a, false)), "none");
  fill(
    $("#detail-parcels"),
    parcels.map((p) =>
      el("li", {}, el("span", { class: "k", text: p.lockerId ?? "–" }), el("button", { type: "button", class: "link", text: p.trackingRef ?? p.id, onclick: () => search(p.trackingRef ?? "") }), el("span", { text: p.status.toLowerCase() }), el("span", { class: "t", text: p.expiresAt ? `until ${new Date(p.expiresAt).toLocaleString()}` : "" })),
    ),
    "none",
  );
}

function select(id) {
  state.selected = id;
  for (const t of document.querySelectorAll(".tile")) t.setAttribute("aria-pressed", String(t.dataset.bank === id));
  void refreshDetail().catch(showError);
  $("#bank-detail").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

// ---- fleet-wide panels -----------------------------------------------------------------------
async function refreshSummary() {
  const s = await api("/fleet/summary");
  state.pollMs = s.pagePollMs;
  state.sizes = s.sizes;
  // a big fleet opens on the banks that need someone (all of them stay a click away)
  if (!state.chosen && s.banks > state.shown) {
    state.chosen = true;
    setTab("attention");
  }
  const online = $("#online");
  online.textContent = `${s.online}/${s.banks} online${s.offline ? ` · ${s.offline} offline` : ""}`;
  online.dataset.state = s.offline ? "down" : "ok";
}

async function refreshAlarms() {
  const { alarms } = await api("/fleet/alarms?limit=100");
  fill($("#alarms"), alarms.map((a) => alarmItem(a, true)), "no open alarms");
  // offline banks included: the header counts what the list shows
  const pill = $("#alarm-count");
  const n = alarms.length === 100 ? "100+" : String(alarms.length);
  pill.textContent = `${n} open alarm${alarms.length === 1 ? "" : "s"}`;
  pill.dataset.state = alarms.length ? "warn" : "ok";
}

async function refreshCommands() {
  const { commands } = await api("/fleet/commands?limit=30");
  fill(
    $("#commands"),
    commands.map((c) =>
      el("li", { "data-command": String(c.id) }, el("span", { class: "t", text: time(c.createdAt) }), el("button", { type: "button", class: "link", text: c.bankId, onclick: () => select(c.bankId) }),
        el("span", { class: "k", text: c.kind.replace(/_/g, " ") }), el("span", { text: c.args.lockerId ?? c.args.parcelId ?? "" }),
        el("span", { class: `status-${c.status}`, text: c.status }), el("span", { class: "t", text: c.createdBy })),
    ),
    "no commands yet",
  );
}

// ---- parcel search ---------------------------------------------------------------------------
async function search(ref) {
  ref = ref.trim();
  if (!ref) return;
  $("#search-panel").hidden = false;
  $("#search-ref").textContent = ref;
  const out = $("#search-results");
  out.replaceChildren(el("p", { class: "hint", text: "searching…" }));
  try {
    const { parcels } = await api(`/fleet/parcels?trackingRef=${encodeURIComponent(ref)}`);
    if (parcels.length === 0) {
      out.replaceChildren(el("p", { class: "hint", text: "No parcel with this tracking ref." }));
      return;
    }
    out.replaceChildren(
      ...parcels.map((p) =>
        el("div", { class: "parcel" },
          el("p", {}, el("strong", { text: p.status.replace(/_/g, " ").toLowerCase() }), ` at bank `, el("button", { type: "button", class: "link", text: p.bankId, onclick: () => select(p.bankId) }), ` locker ${p.lockerId ?? "–"} (${p.size ?? "?"})`),
          el("ul", { class: "history" }, ...p.history.map((h) => el("li", {}, el("span", { class: "t", text: new Date(h.at).toLocaleString() + (h.clockSynced ? "" : " (bank clock not synced)") }), " ", h.type))),
        ),
      ),
    );
  } catch (e) {
    out.replaceChildren(el("p", { class: "error", text: e.message }));
  }
}

// ---- the loop ----------------------------------------------------------------------------------
function showError(e) {
  const u = $("#updated");
  if (e.status === 401 || e.status === 403) {
    u.textContent = e.status === 401 ? "token needed" : "token not allowed";
    u.dataset.state = "down";
    return;
  }
  u.textContent = `no answer: ${e.message}`;
  u.dataset.state = "down";
}

async function poll() {
  clearTimeout(state.timer);
  try {
    await refreshRole();
    await refreshSummary();
    await Promise.all([refreshTiles(), refreshAlarms(), refreshCommands(), refreshClearings(), refreshDetail()]);
    const u = $("#updated");
    u.textContent = `live · ${time(new Date().toISOString())}`;
    u.dataset.state = "ok";
  } catch (e) {
    showError(e);
  }
  state.timer = setTimeout(() => void poll(), state.pollMs);
}

function setTab(only) {
  state.only = only;
  for (const x of document.querySelectorAll(".tabs button")) x.setAttribute("aria-selected", String(x.dataset.only === only));
}
for (const b of document.querySelectorAll(".tabs button")) {
  b.addEventListener("click", () => {
    state.chosen = true;
    setTab(b.dataset.only);
    void poll();
  });
}
$("#more").addEventListener("click", () => {
  state.shown += 200;
  void poll();
});
$("#detail-close").addEventListener("click", () => {
  state.selected = null;
  $("#bank-detail").hidden = true;
  for (const t of document.querySelectorAll(".tile")) t.setAttribute("aria-pressed", "false");
});
$("#search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void search($("#search").value);
});
$("#search-close").addEventListener("click", () => ($("#search-panel").hidden = true));
$("#clear-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void submitClear();
});
$("#clear-cancel").addEventListener("click", () => {
  state.clearing = null;
  $("#clear-dialog").close();
});
$("#token-button").addEventListener("click", () => {
  const t = prompt("Operator token for this page (viewer: read-only; operator or admin: may also clear alarms)", token());
  if (t !== null) localStorage.setItem("lockerd-central-token", t.trim());
  void poll();
});

if (!token()) {
  const t = prompt("Operator token for this page (viewer: read-only; operator or admin: may also clear alarms)");
  if (t) localStorage.setItem("lockerd-central-token", t.trim());
}
void poll();
