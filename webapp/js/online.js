// Whether the server answers. While the app is open it is asked (`/healthz`) every 5 s
// in which nothing else was heard from it, and a request that cannot reach it says so at
// once. While it is away a banner says so until it is back, and the controls that would
// send something are disabled, with the reason; once it answers again the banner goes and
// whatever asked to be told (the page shown, to be asked again) is told.

import { $ } from './state.js';
import { t } from './i18n.js';
import { keepBanner } from './ui.js';

/// How long the app may hear nothing from the server before asking it.
const PROBE_MS = 5000;

/// Controls that send something to the server.
const ACTIONS = [
  'main button.action', 'main form button[type="submit"]', '.account-actions button',
  '.account-actions select', '.room-type button', '#export-csv', '#export-xlsx', '#reopen-open',
  '#undo-button',
].join(', ');

let heardAt = 0;
let away = false;
const onBack = [];
// While away, controls drawn anew (a list redrawn, say) are disabled as they come.
const newControls = new MutationObserver(disableActions);

/// Whether the server is away, as last found.
export function isAway() {
  return away;
}

/// Calls `hook` whenever the server answers again after being away.
export function whenBack(hook) {
  onBack.push(hook);
}

/// An answer came from the server.
export function heard() {
  heardAt = Date.now();
  if (!away) return;
  away = false;
  newControls.disconnect();
  keepBanner(null);
  for (const control of document.querySelectorAll('[data-offline]')) {
    control.disabled = false;
    control.removeAttribute('data-offline');
    control.removeAttribute('title');
  }
  for (const hook of onBack) hook();
}

/// A request could not reach the server.
export function unreachable() {
  if (!away) {
    away = true;
    keepBanner(t('offline'));
    newControls.observe(document.body, { childList: true, subtree: true });
  }
  disableActions();
}

function disableActions() {
  const reason = t('offline_action');
  for (const control of document.querySelectorAll(ACTIONS)) {
    if (control.disabled && !control.dataset.offline) continue;
    control.disabled = true;
    control.dataset.offline = '1';
    control.title = reason;
  }
}

async function probe() {
  if (document.hidden || (!away && Date.now() - heardAt < PROBE_MS)) return;
  try {
    const answer = await fetch('healthz', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_MS) });
    // 503: the server is up but its database is not, so nothing would work either.
    if (answer.ok) heard(); else unreachable();
  } catch (_) {
    unreachable();
  }
}

/// Starts asking the server while the app is open.
export function watchServer() {
  setInterval(probe, PROBE_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) probe(); });
}
