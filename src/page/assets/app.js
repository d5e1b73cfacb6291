// The bank page: draws the bank from the daemon's API and, on a simulated bank, is the bank's
// hardware too (doors, keypad, scanner, faults) through the simulator's endpoints — the same
// simulated devices the kiosk reads, so the page does what a person at the bank can do.
// Plain browser JavaScript, no build step, nothing loaded from outside the daemon.

import { $, api, clockTime, show, state, token } from "./common.js";

// ---- the bank grid -------------------------------------------------------------------------
function drawBank() {
  const bank = $("#bank");
  bank.replaceChildren();
  const sizes = state.layout.sizes;
  for (const col of state.layout.columns) {
    const c = document.createElement("div");
    c.className = "column";
    const label = document.createElement("div");
    label.className = "column-label";
    label.textContent = col.id;
    c.append(label);
    for (const l of col.lockers) {
      const d = document.createElement("button");
      d.type = "button";
      d.className = "door";
      d.id = `door-${l.id}`;
      d.dataset.locker = l.id;
      d.style.setProperty("--units", String(sizes.indexOf(l.size) + 1));
      d.setAttribute("role", "gridcell");
      d.innerHTML = `<span class="head"><span class="id"></span><span class="size"></span></span><span class="status"></span><span class="state"></span>`;
      d.querySelector(".id").textContent = l.id;
      d.querySelector(".size").textContent = l.size;
      // Selecting never moves a door: the door panel's buttons do that, on purpose.
      d.addEventListener("click", () => select(l.id));
      c.append(d);
    }
    bank.append(c);
  }
}

const STATUS_WORD = { AVAILABLE: "free", RESERVED: "reserved", OCCUPIED: "occupied", OUT_OF_SERVICE: "out of service" };

/** What a locker shows: offline beats a fault, a fault beats the status. */
function lockerWord(l) {
  if (state.offline.includes(l.id)) return "offline";
  if (l.fault && l.door !== "open") return "fault";
  return STATUS_WORD[l.status] || l.status;
}

function paintStatus() {
  const s = state.status;
  if (!s) return;
  for (const l of s.lockers) {
    const d = document.getElementById(`door-${l.id}`);
    if (!d) continue;
    const word = lockerWord(l);
    d.dataset.status = l.status;
    d.dataset.door = l.door;
    d.dataset.fault = String(word === "offline" || word === "fault" || l.door === "unknown");
    d.querySelector(".status").textContent = word;
    d.querySelector(".state").textContent = l.door === "unlocking" ? "unlocking…" : l.door === "open" ? "door OPEN" : `door ${l.door}`;
    d.title = `${l.id} (${l.size}) ${STATUS_WORD[l.status] || l.status}${l.serviceReason ? ": " + l.serviceReason : ""}${word === "offline" || word === "fault" ? ", " + word : ""}, door ${l.door}`;
    d.setAttribute("aria-label", d.title);
    d.setAttribute("aria-selected", String(state.selected === l.id));
  }
  paintCounts(s);
  paintSelected();
  const banner = $("#banner");
  if (state.offline.length) {
    banner.hidden = false;
    banner.textContent = `Lock hardware not answering: ${state.offline.length} of ${s.lockers.length} lockers offline — their doors cannot be opened and they are not offered.`;
  } else banner.hidden = true;
}

/** Per size: every locker counted once — offered, free but not offered, reserved, occupied, out of service. */
function paintCounts(s) {
  const body = $("#counts tbody");
  body.replaceChildren();
  const why = { offline: 0, open: 0, fault: 0, item: 0 };
  const totals = [0, 0, 0, 0, 0, 0];
  for (const size of state.layout.sizes) {
    const c = s.counts[size] || {};
    const offered = s.available[size] ?? 0;
    const row = [(c.AVAILABLE ?? 0) + (c.RESERVED ?? 0) + (c.OCCUPIED ?? 0) + (c.OUT_OF_SERVICE ?? 0), offered, (c.AVAILABLE ?? 0) - offered, c.RESERVED ?? 0, c.OCCUPIED ?? 0, c.OUT_OF_SERVICE ?? 0];
    row.forEach((n, i) => (totals[i] += n));
    const tr = document.createElement("tr");
    tr.dataset.size = size;
    for (const v of [size, ...row]) tr.append(Object.assign(document.createElement("td"), { textContent: String(v) }));
    body.append(tr);
  }
  const tr = document.createElement("tr");
  tr.className = "total";
  for (const v of ["all", ...totals]) tr.append(Object.assign(document.createElement("td"), { textContent: String(v) }));
  body.append(tr);
  for (const l of s.lockers) {
    if (l.status !== "AVAILABLE") continue;
    if (state.offline.includes(l.id)) why.offline++;
    else if (l.door === "open") why.open++;
    else if (l.fault) why.fault++;
    else if (l.itemPresent === true) why.item++;
  }
  const parts = [why.offline && `${why.offline} hardware offline`, why.open && `${why.open} door open`, why.fault && `${why.fault} fault`, why.item && `${why.item} item left inside`].filter(Boolean);
  $("#not-offered").textContent = parts.length ? `Free but not offered: ${parts.join(", ")}.` : "";
}

function select(lockerId) {
  state.selected = lockerId;
  $("#selected-locker").textContent = lockerId;
  paintStatus();
}

function paintSelected() {
  const l = state.selected && state.status?.lockers.find((x) => x.id === state.selected);
  if (!l) return;
  const unlocked = l.door === "unlocking";
  const open = $("#door-open");
  // A locked door that is pulled open is a forced door: say so on the button.
  open.textContent = unlocked || l.door === "open" ? "Open door" : "Force door open";
  open.classList.toggle("danger", !unlocked && l.door !== "open");
  $("#selected-state").textContent = `${l.id} (${l.size}): ${lockerWord(l)}, door ${l.door}${l.parcelId ? ", holds " + l.parcelId : ""}`;
}

async function doorAction(action) {
  if (!state.selected) return show($("#bank-hint"), "Select a door first (click a locker)", true);
  const l = state.status?.lockers.find((x) => x.id === state.selected);
  const act = action === "open" && l && l.door !== "unlocking" && l.door !== "open" ? "force" : action;
  try {
    await api("POST", `/sim/doors/${state.selected}`, { action: act });
    show($("#bank-hint"), "");
  } catch (e) {
    show($("#bank-hint"), e.message, true);
  }
  await refreshStatus();
}

async function technicianUnlock() {
  const id = state.selected;
  if (!id) return show($("#bank-hint"), "Select a door first (click a locker)", true);
  if (!confirm(`Unlock the door of locker ${id}?`)) return;
  try {
    await api("POST", `/lockers/${id}/open`, { force: false });
    show($("#bank-hint"), `unlocking ${id}`);
  } catch (e) {
    if (e.code === "LOCKER_OCCUPIED" && confirm(`${id} holds a parcel. Open it anyway?`)) {
      await api("POST", `/lockers/${id}/open`, { force: true }).catch((e2) => show($("#bank-hint"), e2.message, true));
    } else show($("#bank-hint"), e.message, true);
  }
}

// ---- the keypad: every key goes to the bank's keypad as it is pressed --------------------------
const FEEDBACK = {
  door_opening: "Door opening",
  accepted: "OK",
  rejected: "Not accepted",
  locked_out: "Too many wrong codes: the keypad is locked for a while",
  courier_mode: "Courier signed in",
  session_ended: "Courier session ended",
  error: "Something went wrong; please try again",
};
let keyChain = Promise.resolve();

function pressKey(key) {
  // The display mirrors what the bank's keypad holds: a code, or a courier's PIN after a first #.
  const courier = state.courier !== null;
  let answer = courier; // in courier mode every key gets an answer (size, doesn't fit, sign out)
  if (!courier) {
    if (key === "*") { state.typed = ""; state.pin = false; }
    else if (key === "#") {
      if (!state.typed && !state.pin) state.pin = true; // a courier's PIN follows
      else { answer = true; state.typed = ""; state.pin = false; }
    } else if (state.typed.length < 16) state.typed += key;
  }
  const shown = state.pin ? `PIN ${"•".repeat(state.typed.length)}` : state.typed;
  $("#keypad-display").textContent = courier ? `courier · ${key}` : shown || "\u00a0";
  keyChain = keyChain.then(() => sendKey(key, answer));
  return keyChain;
}

async function sendKey(key, answer) {
  const out = $("#keypad-result");
  try {
    if (state.simulated) {
      const r = await api("POST", "/sim/keypad", { keys: key, waitMs: answer ? 3000 : 0 });
      if (answer) show(out, FEEDBACK[r.pattern] || "No answer from the bank", !["door_opening", "accepted", "courier_mode"].includes(r.pattern));
      if (r.pattern === "courier_mode") setCourier(state.courier ?? "signed in");
    } else if (key === "#" && answer) {
      // A real bank's keypad is its own: from here a code goes to the API as a kiosk would send it.
      const r = await api("POST", "/pickup", { code: pendingCode });
      show(out, `Door ${r.lockerId} is opening`);
    }
  } catch (e) {
    show(out, e.code === "INVALID_CODE" ? "Not accepted" : e.message, true);
  }
  if (answer) await refreshStatus();
}
let pendingCode = "";

function onKeyboard(ev) {
  const t = ev.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const key = /^[0-9]$/.test(ev.key) ? ev.key : ev.key === "*" ? "*" : ev.key === "#" || ev.key === "Enter" ? "#" : ev.key === "Escape" || ev.key === "Backspace" ? "*" : null;
  if (!key) return;
  ev.preventDefault();
  flash(key);
  if (!state.simulated && key === "#") pendingCode = state.typed;
  void pressKey(key);
}

function flash(key) {
  const b = document.querySelector(`#keypad button[data-key="${CSS.escape(key)}"]`);
  if (!b) return;
  b.classList.add("pressed");
  setTimeout(() => b.classList.remove("pressed"), 120);
}

function setCourier(who) {
  state.courier = who;
  $("#courier-state").textContent = who ? `signed in: ${who}` : "signed out";
  $("#keypad-who").textContent = who ? `courier ${who}` : "customer";
  document.body.classList.toggle("courier-mode", who !== null);
  state.typed = "";
  state.pin = false;
  $("#keypad-display").textContent = "\u00a0";
}

// ---- the scanner --------------------------------------------------------------------------------
async function scan(data, out) {
  try {
    const r = await api("POST", "/sim/scanner", { data });
    if (!r.accepted) show(out, "The scanner could not read that", true);
    else show(out, FEEDBACK[r.pattern] || "Scanned", r.pattern === "rejected" || r.pattern === "error" || r.pattern === "locked_out");
    return r;
  } catch (e) {
    show(out, e.message, true);
    return null;
  } finally {
    await refreshStatus();
    await refreshEvents();
  }
}

async function onForm(ev, input, out) {
  ev.preventDefault();
  const data = input.value.trim();
  if (!data) return;
  await scan(data, out);
  input.value = "";
}

async function apiAssign(ev) {
  ev.preventDefault();
  const out = $("#api-result");
  const size = $("#api-size").value;
  const parcel = $("#api-ref").value.trim() || undefined;
  try {
    const a = await api("POST", "/lockers/assign", { size, parcel });
    out.replaceChildren();
    out.classList.remove("error");
    out.append(`Locker ${a.lockerId} (${a.size}) is unlocking. Customer's code: `);
    const code = Object.assign(document.createElement("span"), { className: "code", id: "last-code", textContent: a.pickupCode });
    out.append(code);
    if (a.pickupToken) {
      const qr = Object.assign(document.createElement("div"), { className: "token" });
      qr.append("QR token: ", Object.assign(document.createElement("code"), { id: "last-token", textContent: a.pickupToken }));
      out.append(qr);
    }
    $("#api-ref").value = "";
  } catch (e) {
    show(out, e.code === "NO_LOCKER_AVAILABLE" ? `No free locker fits size ${size}` : e.message, true);
  }
  await refreshStatus();
}

async function toggleBoard() {
  try {
    await api("POST", "/sim/hardware", { online: !state.boardOnline });
    state.boardOnline = !state.boardOnline;
    $("#board-toggle").textContent = state.boardOnline ? "Unplug board" : "Plug board back in";
  } catch (e) {
    show($("#bank-hint"), e.message, true);
  }
  await refreshStatus();
}

// ---- live updates ----------------------------------------------------------------------------
async function refreshStatus() {
  try {
    const [status, bank] = await Promise.all([api("GET", "/lockers/status"), api("GET", "/bank")]);
    state.status = status;
    state.offline = bank.hardwareOffline;
    paintStatus();
    setPill($("#health"), "ok", "daemon ok");
  } catch (e) {
    setPill($("#health"), e.status === 401 || e.status === 403 ? "warn" : "down", e.status === 401 ? "token needed" : e.status === 403 ? "token lacks the role" : "daemon unreachable");
  }
  $("#clock").textContent = `${clockTime(Date.now(), false)} ${state.timeZone ?? ""}`;
}

async function refreshEvents() {
  try {
    const r = await api("GET", `/events?after=${state.lastSeq}&limit=100`);
    if (r.events.length === 0) return;
    const list = $("#events");
    for (const e of r.events) {
      state.lastSeq = Math.max(state.lastSeq, e.seq);
      if (e.type === "courier.session_started") setCourier(String(e.data.courierId ?? "courier"));
      if (e.type === "courier.session_ended") setCourier(null);
      const li = document.createElement("li");
      li.dataset.type = e.type;
      // label and level from the event catalogue (GET /events/types); without it, alarms and a lost board by type
      const known = state.eventTypes[e.type];
      const level = known ? known.level : /^(alarm\.|hardware\.offline)/.test(e.type) ? "alarm" : undefined;
      if (level) li.dataset.level = level;
      if (known) li.title = known.label;
      const t = Object.assign(document.createElement("time"), { className: "t", textContent: clockTime(e.at), dateTime: e.at });
      li.append(t, `${e.type}${e.lockerId ? " " + e.lockerId : ""}`);
      list.prepend(li);
    }
    while (list.children.length > 40) list.lastElementChild.remove();
    await refreshStatus();
  } catch {
    /* the health pill already says what is wrong */
  }
}

async function refreshSync() {
  try {
    const s = await api("GET", "/sync");
    if (!s.configured) return setPill($("#sync"), "unknown", "sync: not configured");
    setPill($("#sync"), s.lastError ? "warn" : "ok", `sync: ${s.backlog} waiting${s.lastError ? " · " + s.lastError : ""}`);
  } catch {
    setPill($("#sync"), "unknown", "sync: –");
  }
}

function setPill(el, st, text) {
  el.dataset.state = st;
  el.textContent = text;
}

async function start() {
  $("#token-button").addEventListener("click", () => {
    const t = prompt("API token (monitor to watch, technician to control; empty to clear)", token());
    if (t !== null) {
      if (t) localStorage.setItem("lockerd-token", t);
      else localStorage.removeItem("lockerd-token");
      location.reload();
    }
  });
  try {
    state.layout = await api("GET", "/bank");
  } catch (e) {
    setPill($("#health"), "down", e.status === 401 ? "token needed" : "daemon unreachable");
    return;
  }
  const role = state.layout.role;
  state.simulated = state.layout.simulated;
  state.timeZone = state.layout.timeZone;
  state.offline = state.layout.hardwareOffline;
  document.body.classList.toggle("sim", state.simulated);
  document.body.classList.toggle("tech", role === "technician");
  document.body.classList.toggle("can-assign", role === "technician" || role === "courier");
  $("#bank-name").textContent = `lockerd · ${state.layout.bankId} · ${state.layout.name}`;
  $("#mode").textContent = state.simulated ? "simulated bank" : `${state.layout.driver} bank`;
  $("#bank-hint").textContent = state.simulated
    ? "Click a locker to select it; the door panel opens, closes or breaks it."
    : role === "technician" ? "Click a locker to select it; the door panel unlocks it." : "Read-only view.";
  for (const s of state.layout.sizes) $("#api-size").append(new Option(s, s));
  // Courier keys on the bank's keypad: size keys 1.. (kiosk.sizeKeys default), * doesn't fit, 0 expired, # sign out.
  const keys = [...state.layout.sizes.map((s, i) => [String(i + 1), `Size ${s}`]), ["*", "Doesn't fit"], ["0", "Expired parcels"], ["#", "Sign out"]];
  for (const [key, label] of keys) {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: label });
    b.dataset.courierKey = key;
    b.addEventListener("click", () => void pressKey(key));
    $("#courier-keys").append(b);
  }
  drawBank();
  document.querySelectorAll("#keypad button").forEach((b) => b.addEventListener("click", () => {
    if (!state.simulated && b.dataset.key === "#") pendingCode = state.typed;
    void pressKey(b.dataset.key);
  }));
  document.addEventListener("keydown", onKeyboard);
  document.querySelectorAll("[data-fault]").forEach((b) => b.addEventListener("click", () => void doorAction(b.dataset.fault)));
  $("#door-open").addEventListener("click", () => void doorAction("open"));
  $("#door-close").addEventListener("click", () => void doorAction("close"));
  $("#door-unlock").addEventListener("click", () => void technicianUnlock());
  $("#board-toggle").addEventListener("click", () => void toggleBoard());
  $("#badge-form").addEventListener("submit", (ev) => void onForm(ev, $("#badge-input"), $("#courier-result")));
  $("#parcel-form").addEventListener("submit", (ev) => void onForm(ev, $("#parcel-input"), $("#courier-result")));
  $("#scanner-form").addEventListener("submit", (ev) => void onForm(ev, $("#scanner-input"), $("#scanner-result")));
  $("#api-form").addEventListener("submit", (ev) => void apiAssign(ev));
  state.eventTypes = await api("GET", "/events/types").then((r) => r.types, () => ({})); // else events show by type only
  await refreshStatus();
  await refreshEvents();
  await refreshSync();
  setInterval(refreshStatus, 1000);
  setInterval(refreshEvents, 700);
  setInterval(refreshSync, 5000);
  document.body.dataset.ready = "true";
}

void start();
