// The bank page's shared pieces: page state, the API client, small helpers (app.js imports them).
// Plain browser JavaScript, no build step, nothing loaded from outside the daemon.

export const $ = (sel) => document.querySelector(sel);
export const state = { layout: null, status: null, offline: [], lastSeq: 0, selected: null, simulated: false, boardOnline: true, typed: "", pin: false, courier: null, timeZone: undefined, eventTypes: {} };

export function token() {
  return localStorage.getItem("lockerd-token") || "";
}

export async function api(method, path, body) {
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

export function show(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle("error", isError);
}

/** 24-hour time in the bank's own zone (GET /bank timeZone), whatever the viewer's. */
export function clockTime(at, withSeconds = true) {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", ...(withSeconds ? { second: "2-digit" } : {}), hourCycle: "h23", timeZone: state.timeZone }).format(new Date(at));
}
