// The bank page: draws the bank from the daemon's API and, on a simulated bank, is the bank's
// hardware too (doors, keypad, scanner, faults) through the simulator's endpoints.
// Plain browser JavaScript, no build step, nothing loaded from outside the daemon.

const $ = (sel) => document.querySelector(sel);
const state = { layout: null, status: null, lastSeq: 0, selected: null, simulated: false, boardOnline: true, typed: "", eventTypes: {} };

function token() {
  return localStorage.getItem("lockerd-token") || "";
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!res.ok) {
    const err = new Error((data && (data.message || data.detail)) || `HTTP ${res.status}`);
    err.status = res.status;
    err.code = data && data.code;
    throw err;
  }
  return data;
}

function show(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle("error", isError);
}

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
      d.innerHTML = `<span><span class="id"></span> <span class="size"></span></span><span class="status"></span><span class="state"></span>`;
      d.querySelector(".id").textContent = l.id;
      d.querySelector(".size").textContent = l.size;
      d.addEventListener("click", () => onDoorClick(l.id));
      c.append(d);
    }
    bank.append(c);
  }
}

function paintStatus() {
  const s = state.status;
  if (!s) return;
  for (const l of s.lockers) {
    const d = document.getElementById(`door-${l.id}`);
    if (!d) continue;
    d.dataset.status = l.status;
    d.dataset.door = l.door;
    d.dataset.fault = String(l.fault || l.door === "unknown");
    d.querySelector(".status").textContent = l.fault ? "fault" : l.status.replace(/_/g, " ");
    d.querySelector(".state").textContent = l.door === "unlocking" ? "unlocking…" : `door ${l.door}`;
    d.title = `${l.id} (${l.size}) ${l.status}${l.serviceReason ? ": " + l.serviceReason : ""}, door ${l.door}`;
    d.setAttribute("aria-label", d.title);
    d.setAttribute("aria-selected", String(state.selected === l.id));
  }
  const counts = $("#counts");
  counts.replaceChildren();
  for (const size of state.layout.sizes) {
    const span = document.createElement("span");
    const c = s.counts[size] || {};
    span.textContent = `${size}: ${s.available[size] ?? 0} free · ${c.OCCUPIED ?? 0} occupied · ${c.RESERVED ?? 0} reserved · ${c.OUT_OF_SERVICE ?? 0} out of service`;
    span.dataset.size = size;
    counts.append(span);
  }
}

async function onDoorClick(lockerId) {
  state.selected = lockerId;
  $("#selected-locker").textContent = `(${lockerId})`;
  paintStatus();
  if (state.simulated) {
    const door = state.status?.lockers.find((l) => l.id === lockerId)?.door;
    const action = door === "open" ? "close" : "open";
    try {
      await api("POST", `/sim/doors/${lockerId}`, { action });
    } catch (e) {
      show($("#bank-hint"), e.message, true);
    }
    await refreshStatus();
  } else if (document.body.classList.contains("tech")) {
    if (!confirm(`Open the door of locker ${lockerId}?`)) return;
    try {
      await api("POST", `/lockers/${lockerId}/open`, { force: false });
      show($("#bank-hint"), `unlocking ${lockerId}`);
    } catch (e) {
      if (e.code === "LOCKER_OCCUPIED" && confirm(`${lockerId} holds a parcel. Open it anyway?`)) {
        await api("POST", `/lockers/${lockerId}/open`, { force: true }).catch((e2) => show($("#bank-hint"), e2.message, true));
      } else show($("#bank-hint"), e.message, true);
    }
  }
}

// ---- people at the bank ------------------------------------------------------------------------
function typeKey(key) {
  if (key === "*") state.typed = "";
  else if (key === "#") {
    void submitCode(state.typed);
    state.typed = "";
  } else if (state.typed.length < 16) state.typed += key;
  $("#keypad-display").textContent = state.typed || "\u00a0";
}

const FEEDBACK = {
  door_opening: "Your door is opening",
  accepted: "Your door is opening",
  rejected: "Code not accepted",
  locked_out: "Too many wrong codes: the keypad is locked for a while",
  courier_mode: "Courier mode",
  error: "Something went wrong; please try again",
};

async function submitCode(code) {
  const out = $("#keypad-result");
  if (!code) return;
  try {
    if (state.simulated) {
      // The simulated keypad: the same key handling, limiter and session as a real keypad.
      const r = await api("POST", "/sim/keypad", { keys: code + "#" });
      show(out, FEEDBACK[r.pattern] || "No answer from the bank", r.pattern !== "door_opening" && r.pattern !== "accepted");
    } else {
      const r = await api("POST", "/pickup", { code });
      show(out, `Door ${r.lockerId} is opening`);
    }
  } catch (e) {
    show(out, e.code === "INVALID_CODE" ? "Code not accepted" : e.message, true);
  }
  await refreshStatus();
}

async function courierScan(ev) {
  ev.preventDefault();
  const out = $("#courier-result");
  const size = $("#courier-size").value;
  const parcel = $("#courier-ref").value.trim() || undefined;
  try {
    const a = await api("POST", "/lockers/assign", { size, parcel });
    out.replaceChildren();
    out.classList.remove("error");
    out.append(`Locker ${a.lockerId} (${a.size}) is opening. Customer's code: `);
    const code = document.createElement("span");
    code.className = "code";
    code.id = "last-code";
    code.textContent = a.pickupCode;
    out.append(code);
    if (a.pickupToken) {
      const qr = document.createElement("div");
      qr.className = "token";
      qr.append("QR token: ");
      const t = document.createElement("code");
      t.id = "last-token";
      t.textContent = a.pickupToken;
      qr.append(t);
      out.append(qr);
    }
    $("#courier-ref").value = "";
  } catch (e) {
    show(out, e.code === "NO_LOCKER_AVAILABLE" ? `No free locker fits size ${size}` : e.message, true);
  }
  await refreshStatus();
}

async function scannerScan(ev) {
  ev.preventDefault();
  const data = $("#scanner-input").value.trim();
  if (!data) return;
  try {
    const r = await api("POST", "/sim/scanner", { data });
    if (!r.accepted) show($("#scanner-result"), "The scanner could not read that", true);
    else show($("#scanner-result"), FEEDBACK[r.pattern] || "Scanned", r.pattern === "rejected" || r.pattern === "error");
    $("#scanner-input").value = "";
  } catch (e) {
    show($("#scanner-result"), e.message, true);
  }
  await refreshStatus();
}

async function fault(kind) {
  if (!state.selected) return show($("#bank-hint"), "Select a door first", true);
  try {
    await api("POST", `/sim/doors/${state.selected}`, { action: kind });
  } catch (e) {
    show($("#bank-hint"), e.message, true);
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
    state.status = await api("GET", "/lockers/status");
    paintStatus();
    setPill($("#health"), "ok", "daemon ok");
  } catch (e) {
    setPill($("#health"), e.status === 401 || e.status === 403 ? "warn" : "down", e.status === 401 ? "token needed" : e.status === 403 ? "token lacks the role" : "daemon unreachable");
  }
}

async function refreshEvents() {
  try {
    const r = await api("GET", `/events?after=${state.lastSeq}&limit=100`);
    if (r.events.length === 0) return;
    const list = $("#events");
    for (const e of r.events) {
      state.lastSeq = Math.max(state.lastSeq, e.seq);
      const li = document.createElement("li");
      li.dataset.type = e.type;
      // label and level from the daemon's event catalogue (GET /events/types)
      const known = state.eventTypes[e.type];
      if (known) {
        li.dataset.level = known.level;
        li.title = known.label;
      }
      const t = document.createElement("span");
      t.className = "t";
      t.textContent = new Date(e.at).toLocaleTimeString();
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
  state.simulated = state.layout.simulated;
  document.body.classList.toggle("sim", state.simulated);
  document.body.classList.toggle("tech", state.layout.role === "technician");
  $("#bank-name").textContent = `lockerd · ${state.layout.bankId} · ${state.layout.name}`;
  $("#mode").textContent = state.simulated ? "simulated bank" : `${state.layout.driver} bank`;
  $("#bank-hint").textContent = state.simulated
    ? "Simulated bank: click a door to open or close it; select a door, then use the fault buttons."
    : state.layout.role === "technician" ? "Click a door to open it." : "Read-only view.";
  for (const s of state.layout.sizes) $("#courier-size").append(new Option(s, s));
  drawBank();
  document.querySelectorAll("#keypad button").forEach((b) => b.addEventListener("click", () => typeKey(b.dataset.key)));
  document.querySelectorAll("[data-fault]").forEach((b) => b.addEventListener("click", () => void fault(b.dataset.fault)));
  $("#board-toggle").addEventListener("click", () => void toggleBoard());
  $("#courier-form").addEventListener("submit", (ev) => void courierScan(ev));
  $("#scanner-form").addEventListener("submit", (ev) => void scannerScan(ev));
  try {
    state.eventTypes = (await api("GET", "/events/types")).types;
  } catch {
    /* events are then shown by type only */
  }
  await refreshStatus();
  await refreshEvents();
  await refreshSync();
  setInterval(refreshStatus, 1000);
  setInterval(refreshEvents, 700);
  setInterval(refreshSync, 5000);
  document.body.dataset.ready = "true";
}

void start();
