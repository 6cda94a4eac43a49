// Talking to the server: `api` sends the session (inside Telegram, with its launch data)
// and the page's language, and turns a refusal into an `ApiFailure` whose sentence is in
// that language.

import { state } from './state.js';
import { t } from './i18n.js';
import { tg } from './telegram.js';
import { heard, unreachable } from './online.js';

export class ApiFailure extends Error {
  // `field`: the form field the server refused, when it names one.
  constructor(code, message, status, field) {
    super(message); this.code = code; this.status = status; this.field = field;
  }
}

/// Who is asking: the session, and inside Telegram its signed launch data; and the page's
/// language, in which the server says why it refuses.
export function apiHeaders() {
  const headers = { 'Accept-Language': state.lang };
  if (state.token) headers['X-Session-Token'] = state.token;
  if (tg) headers.Authorization = `tma ${tg.initData}`;
  return headers;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = apiHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    unreachable();
    throw new ApiFailure('network', t('network'), 0);
  }
  noteServerDate(response.headers.get('Date'));
  if (response.status === 204) { heard(); return null; }
  let data = null;
  try { data = await response.json(); } catch (_) { /* not JSON: a proxy error page */ }
  // A proxy's own error page, its server being away, is no answer from Tangkap.
  if (!data?.error && [502, 503, 504].includes(response.status)) {
    unreachable();
    throw new ApiFailure('network', t('network'), 0);
  }
  heard();
  if (!response.ok) {
    const code = data?.error || (response.status >= 500 ? 'internal' : 'network');
    // The server's sentence is in the page's language; the page's own words are for an
    // answer that has none.
    throw new ApiFailure(code, data?.message || t(code), response.status, data?.field);
  }
  return data;
}

/// Due times come from the server's clock: a phone whose clock is off by minutes would
/// otherwise call a ticket late too early or too late. `Date` has whole seconds.
function noteServerDate(header) {
  const server = Date.parse(header || '');
  if (!Number.isFinite(server)) return;
  const skew = server + 500 - Date.now();
  state.skew = Math.abs(skew) > 2000 ? skew : 0;
}

export function now() {
  return Date.now() + state.skew;
}

export const SESSION_ENDED = ['not_logged_in', 'session_expired', 'telegram_mismatch'];
