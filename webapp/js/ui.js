// What every page uses: elements, the banner, the question dialog, which page is shown,
// and times as people read them.

import { $, pageFilters, state } from './state.js';
import { t } from './i18n.js';
import { tg } from './telegram.js';

export function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// The banner's lasting message (see `keepBanner`), shown again when a passing one goes.
let lasting = null;

/// A passing message: gone after a few seconds.
export function showBanner(message, kind = 'error') {
  const banner = $('banner');
  banner.textContent = message;
  banner.className = kind === 'info' ? 'info' : '';
  banner.hidden = false;
  clearTimeout(showBanner.timer);
  showBanner.timer = setTimeout(() => keepBanner(lasting), kind === 'info' ? 2500 : 6000);
}

/// A message that stays until it is taken back (`null`), over any passing one.
export function keepBanner(message) {
  lasting = message;
  clearTimeout(showBanner.timer);
  const banner = $('banner');
  banner.hidden = !message;
  if (!message) return;
  banner.textContent = message;
  banner.className = '';
}

export function updateBackButton() {
  if (!tg?.BackButton) return;
  const show = Boolean(state.user) && (state.view !== 'board' || state.status !== 'order' || Boolean(pageFilters().query));
  if (show) tg.BackButton.show(); else tg.BackButton.hide();
}

/// The header's menu, folded on a phone: its button opens and closes it; a page chosen
/// from it, Escape or a tap elsewhere closes it.
export function wireMenu() {
  const bar = document.querySelector('.bar');
  const button = $('menu-button');
  const open = (opened) => {
    bar.classList.toggle('menu-open', opened);
    button.setAttribute('aria-expanded', String(opened));
  };
  button.addEventListener('click', () => open(!bar.classList.contains('menu-open')));
  $('menu').addEventListener('click', (event) => { if (event.target.closest('button')) open(false); });
  document.addEventListener('click', (event) => { if (!bar.contains(event.target)) open(false); });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !bar.classList.contains('menu-open')) return;
    open(false);
    button.focus();
  });
}

/// The page's skeleton (index.html) gives way to the app's first page.
export function dropSkeleton() {
  document.getElementById('skeleton')?.remove();
  document.documentElement.classList.remove('login-first');
}

export function showView(view) {
  dropSkeleton();
  state.view = view;
  $('board-view').hidden = view !== 'board';
  $('team-view').hidden = view !== 'team';
  $('booking-view').hidden = view !== 'bookings';
  $('ticket-view').hidden = view !== 'ticket';
  $('report-view').hidden = view !== 'reports';
  $('shop-view').hidden = view !== 'shop';
  $('report-tab').setAttribute('aria-pressed', String(view === 'reports'));
  $('team-tab').setAttribute('aria-pressed', String(view === 'team'));
  $('booking-tab').setAttribute('aria-pressed', String(view === 'bookings'));
  $('shop-tab').setAttribute('aria-pressed', String(view === 'shop'));
  updateBackButton();
}

export function formatTime(ms) {
  if (!ms) return '';
  const d = new Date(ms + state.config.utc_offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/// `Name (@username)`, or the name alone when there is no username.
export function person(name, username) {
  return username ? `${name} (@${username})` : name;
}

export function field(list, label, value, className) {
  const dt = element('dt', '', label);
  const dd = element('dd', className, value);
  list.append(dt, dd);
}

/// A stretch of time, short: `<1 mnt`, `12 mnt`, `2 jam 5 mnt`, `3 hari 4 jam`.
export function span(ms) {
  const minutes = Math.floor(Math.max(0, ms) / 60000);
  if (minutes < 1) return t('span_under_minute');
  if (minutes < 60) return t('span_minutes', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60 ? t('span_hours_minutes', { h: hours, m: minutes % 60 }) : t('span_hours', { h: hours });
  }
  const days = Math.floor(hours / 24);
  return hours % 24 ? t('span_days_hours', { d: days, h: hours % 24 }) : t('span_days', { d: days });
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/// Asks before something that cannot simply be undone; resolves to the answer.
/// Asks `text`, to be answered `yes` or cancelled; with `label`, also asks for a line
/// under that label. Resolves to the line typed (true without a label), or null.
export function dialog(text, yes, label) {
  return new Promise((resolve) => {
    $('confirm-text').textContent = text;
    $('confirm-yes').textContent = yes;
    $('confirm-field').hidden = !label;
    $('confirm-label').textContent = label ?? '';
    $('confirm-input').value = '';
    $('confirm').hidden = false;
    const answer = () => (label ? $('confirm-input').value : true);
    const done = (given) => {
      $('confirm').hidden = true;
      $('confirm-yes').onclick = null;
      $('confirm-no').onclick = null;
      $('confirm-input').onkeydown = null;
      resolve(given);
    };
    $('confirm-yes').onclick = () => done(answer());
    $('confirm-no').onclick = () => done(null);
    $('confirm-input').onkeydown = (event) => {
      if (event.key === 'Enter') { event.preventDefault(); done(answer()); }
    };
    (label ? $('confirm-input') : $('confirm-yes')).focus();
  });
}

export async function confirmDialog(text, yes) {
  return (await dialog(text, yes)) !== null;
}

/// `Rp1.350.000`, as Indonesians write Rupiah (in either language).
export function rupiah(amount) {
  return `Rp${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

/// `2026-12-05` → `5/12`.
export function shortDay(day) {
  const [, month, date] = day.split('-');
  return `${Number(date)}/${Number(month)}`;
}
