// The board: the Order / Pickup / Close pages with their filters, search and export, and
// the poll that keeps whichever page is shown up to date.

import { $, freshFilters, pageFilters, state } from './state.js';
import { t, wordFor } from './i18n.js';
import { haptic, tg } from './telegram.js';
import { ApiFailure, SESSION_ENDED, api, apiHeaders, now } from './api.js';
import {
  confirmDialog, element, field, formatTime, person, setText, showBanner, showView, span,
  updateBackButton
} from './ui.js';
import { handleFailure } from './login.js';
import { listenForTicketOpen, loadTicket } from './ticket.js';
import { findBookings, loadBookings, openBookings } from './bookings.js';
import { loadTeam } from './team.js';

export async function showBoard(user) {
  state.user = user;
  tg?.MainButton.hide();
  $('login-view').hidden = true;
  $('logout').hidden = false;
  $('who').textContent = `${user.name} (@${user.username})`;
  $('team-tab').hidden = !user.manages_team;
  $('report-tab').hidden = !user.sees_reports;
  $('shop-tab').hidden = !user.runs_shop;
  showView('board');
  const found = findBookings();
  if (!(await loadGroups())) return;
  // A direct link carries the ticket as start_param; a reminder's button in a private
  // chat, as ?ticket= in the address; /cek_pembayaran's button asks for the Booking page
  // with ?page=bookings.
  const params = new URLSearchParams(location.search);
  const ticket = tg?.initDataUnsafe?.start_param || params.get('ticket');
  if (params.get('page') === 'bookings' || ticket === 'bookings') {
    await found;
    if (state.worksBookings) await openBookings();
    else await load();
  } else if (ticket && /^[0-9A-Za-z]{1,16}$/.test(ticket)) await openTicket(ticket);
  else await load();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(poll, 4000);
}

/// The groups this account may see, for the filter; false when the session has ended.
export async function loadGroups() {
  try {
    state.groups = (await api('/groups')).groups;
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return false; }
    state.groups = [];
  }
  for (const filters of Object.values(state.filters)) {
    if (!state.groups.some((g) => String(g.chat_id) === filters.group)) filters.group = '';
  }
  renderGroupFilter();
  return true;
}

function renderGroupFilter() {
  const select = $('group-filter');
  const all = element('option', '', t('all_groups'));
  all.value = '';
  all.dataset.i18n = 'all_groups';
  select.replaceChildren(all, ...state.groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  select.value = pageFilters().group;
  select.hidden = state.groups.length === 0;
}

/// Opened from a group's "Buka tiket" button: show that ticket on whichever page it is.
async function openTicket(ticket) {
  let found = state.status;
  for (const status of ['order', 'pickup', 'close']) {
    const page = await api(`/orders?status=${status}&q=${encodeURIComponent(ticket)}&limit=1`);
    if (page.orders.length) { found = status; break; }
  }
  await switchTo(found, { ...freshFilters(found), query: ticket });
}

/// The tabs count what the page is narrowed to: its filters and its late switch.
function summaryPath(status = state.status, filters = pageFilters()) {
  const params = filterParams(status, filters);
  params.delete('status');
  if (status !== 'close' && filters.lateOnly) params.set('late', '1');
  return `/summary?${params}`;
}

/// The list's query as a page's filters, sort and late switch make it; a search over
/// every status lists newest first, late or not.
function listParams(status = state.status, filters = pageFilters()) {
  const params = filterParams(status, filters);
  if (state.everywhere) {
    params.set('status', 'all');
    return params;
  }
  params.set('sort', filters.sort);
  if (status !== 'close' && filters.lateOnly) params.set('late', '1');
  return params;
}

/// Lists the page `status` with `filters` from its first page (with `append`, the page
/// shown, further). The screen changes only once the list has come, so a switch of tab or
/// filter that cannot reach the server does not happen rather than half happen. Resolves
/// to whether it drew. Left to choose, it lists the page a switch still on its way asked
/// for (the board's first list, say, asked while a tab tapped meanwhile is loading), so
/// that it does not undo that switch.
export async function load({
  append = false,
  status = state.asked?.status ?? state.status,
  filters = state.asked?.status === status ? state.asked.filters : state.filters[status],
} = {}) {
  // Only the newest request may draw: an older answer arriving late (after a tab switch,
  // say) would otherwise show the wrong page.
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  // Meanwhile the poll leaves the list alone: its refresh would draw the page being left.
  state.loading = request;
  const params = listParams(status, filters);
  params.set('limit', '50');
  if (append && state.next) params.set('after', state.next);
  try {
    const [page, summary] = await Promise.all([api(`/orders?${params}`), api(summaryPath(status, filters))]);
    if (request !== state.loadSeq) return false;
    state.status = status;
    state.filters[status] = filters;
    state.orders = append ? state.orders.concat(page.orders) : page.orders;
    if (!append) state.held = [];
    state.hasMore = page.has_more;
    state.next = page.next;
    state.version = summary.version;
    state.counts = summary.counts;
    state.loadedAt = Date.now();
    render();
    return true;
  } catch (failure) {
    handleFailure(failure);
    return false;
  } finally {
    if (state.loading === request) state.loading = null;
  }
}

/// Shows the page `status` with `filters`, once its list has come.
async function switchTo(status, filters) {
  // Until then a further change builds on these (see `changeFilters`).
  const asked = (state.asked = { status, filters });
  const drawn = await load({ status, filters });
  if (state.asked === asked) state.asked = null;
  if (drawn) showFilters();
}

/// Brings the list up to date without moving it under the reader. The pages already
/// loaded are asked again: a card still on this page is redrawn in place, one that left it
/// is removed, and tickets new to it above the last card wait behind the "N baru" chip
/// until a tap inserts them (below it they only continue the list), except `insert`, a
/// ticket this page itself brought back (an undone Pickup). The card at the top of the
/// screen keeps its place on the screen.
async function refresh({ insert } = {}) {
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  const wanted = Math.max(state.orders.length, 50);
  const params = listParams();
  let fresh = [];
  let page = { has_more: true, next: null };
  try {
    const summary = api(summaryPath());
    while (fresh.length < wanted && page.has_more) {
      params.set('limit', String(Math.min(100, wanted - fresh.length)));
      if (page.next) params.set('after', page.next);
      page = await api(`/orders?${params}`);
      fresh = fresh.concat(page.orders);
    }
    const { version, counts } = await summary;
    if (request !== state.loadSeq) return;
    state.version = version;
    state.counts = counts;
    state.hasMore = page.has_more;
    state.next = page.next;
  } catch (failure) {
    if (request === state.loadSeq) handleFailure(failure);
    return;
  }
  state.loadedAt = Date.now();
  state.fresh = fresh;
  showFresh(new Set(insert === undefined ? [] : [insert]));
}

/// Shows `state.fresh`: the cards shown before and those of `insert` (numbers) where they
/// belong, the rest held above the last of them or appended below it. Cards that did not
/// change are kept as they are; the card at the top of the screen stays in its place.
function showFresh(insert) {
  const shown = new Set(state.orders.map((order) => order.no));
  const stays = (order) => shown.has(order.no) || insert.has(order.no);
  const last = state.fresh.findLastIndex(stays);
  state.held = state.fresh.filter((order, i) => !stays(order) && i < last);
  const listed = state.fresh.filter((order, i) => stays(order) || i > last);
  const anchor = screenAnchor(new Set(listed.filter((order) => shown.has(order.no)).map((order) => order.no)));
  const cards = new Map([...$('orders').children].map((card) => [Number(card.dataset.no), card]));
  const before = new Map(state.orders.map((order) => [order.no, JSON.stringify(order)]));
  $('orders').replaceChildren(...listed.map((order) => (
    before.get(order.no) === JSON.stringify(order) && cards.get(order.no)) || renderOrder(order)));
  state.orders = listed;
  state.clocks = state.clocks.filter((clock) => clock.item.isConnected);
  keepOnScreen(anchor);
  renderCounts();
  renderListEnd();
  tick();
}

/// The first card at the top of the screen among `staying` (numbers), and where it is.
function screenAnchor(staying) {
  for (const card of $('orders').children) {
    const box = card.getBoundingClientRect();
    if (box.bottom > 0 && staying.has(Number(card.dataset.no))) return { card, top: box.top };
  }
  return null;
}

/// Scrolls back what a change above `anchor` moved it by.
function keepOnScreen(anchor) {
  if (!anchor?.card.isConnected) return;
  const moved = anchor.card.getBoundingClientRect().top - anchor.top;
  if (moved) window.scrollBy(0, moved);
}

/// Inserts the tickets held behind the "N baru" chip where they belong, and shows the
/// first of them.
function showHeld() {
  const first = state.held[0];
  showFresh(new Set(state.held.map((order) => order.no)));
  if (first) document.querySelector(`#orders .order[data-no="${first.no}"]`)?.scrollIntoView({ block: 'center' });
}

export async function poll() {
  if (document.hidden || !state.token) return;
  let summary;
  try {
    summary = await api(summaryPath());
  } catch (failure) {
    if (failure.code !== 'network') handleFailure(failure);
    return;
  }
  if (summary.role !== state.user?.role) await takeNewRole();
  if (state.view === 'team') loadTeam({ quiet: true });
  if (state.view === 'bookings') { loadBookings({ quiet: true }); return; }
  if (state.view === 'ticket') { loadTicket({ quiet: true }); return; }
  try {
    state.counts = summary.counts;
    renderCounts();
    // Tickets become late without any change to them: the late alone are asked again now
    // and then.
    const lateOnly = pageFilters().lateOnly && state.status !== 'close' && state.view === 'board';
    if (state.loading) return;
    if (summary.version !== state.version || (lateOnly && Date.now() - state.loadedAt > 15000)) await refresh();
  } catch (failure) {
    if (failure.code !== 'network') handleFailure(failure);
  }
}

/// The role was changed elsewhere (an owner promoted or demoted this account): the header
/// offers the pages it may now open, a page it may no longer open gives way to the board,
/// and the lists show the groups it now sees.
async function takeNewRole() {
  try {
    const user = await api('/me');
    state.user = user;
    $('team-tab').hidden = !user.manages_team;
    $('report-tab').hidden = !user.sees_reports;
    $('shop-tab').hidden = !user.runs_shop;
    await findBookings();
    const closed = (state.view === 'team' && !user.manages_team)
      || (state.view === 'reports' && !user.sees_reports)
      || (state.view === 'shop' && !user.runs_shop)
      || (state.view === 'bookings' && !state.worksBookings);
    if (closed) showView('board');
    if (await loadGroups()) await load();
    showBanner(t('role_changed', { role: wordFor('role', user.role) }), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
}

function renderCounts() {
  for (const tab of document.querySelectorAll('#board-tabs button')) {
    tab.querySelector('.count').textContent = String(state.counts[tab.dataset.status] ?? 0);
    tab.setAttribute('aria-selected', String(!state.everywhere && tab.dataset.status === state.status));
  }
  updateBackButton();
}

function renderOrder(order) {
  const item = element('li', `order ${order.status}`);
  item.dataset.no = String(order.no);
  item.dataset.chat = String(order.chat_id);
  listenForTicketOpen(item, order);
  const head = document.createElement('header');
  head.append(element('span', 'ticket', order.ticket_no), element('span', 'no', `#${order.no}`));
  // Found by a search over every status: which page the ticket is on.
  if (state.everywhere) {
    const status = element('span', 'badge status', t(`tab_${order.status}`));
    status.dataset.status = order.status;
    head.append(status);
  }
  if (order.group_title) {
    const group = element('span', 'group', order.group_title);
    group.title = order.group_title;
    head.append(group);
  }
  head.append(element('span', 'time', formatTime(order.closed_at || order.picked_at || order.created_at)));
  item.append(head);

  // An open ticket's age, and the time left to its stage's target (or how late it is).
  if (order.status !== 'close') {
    const stage = order.status === 'order' ? 'pickup' : 'close';
    const warnAt = order[`${stage}_warn_at`] ?? null;
    const dueAt = order[`${stage}_due_at`] ?? null;
    const clockLine = element('div', 'clock');
    const age = element('span', 'age');
    clockLine.append(age);
    let sla = null;
    item.dataset.due = dueAt === null ? '' : String(dueAt);
    if (dueAt !== null) {
      sla = element('span', 'sla');
      sla.dataset.due = String(dueAt);
      if (warnAt !== null) sla.dataset.warn = String(warnAt);
      const due = t(`due_${stage}`, { time: formatTime(dueAt) });
      sla.title = due;
      clockLine.append(sla);
    }
    item.append(clockLine);
    state.clocks.push({ item, age, sla, since: order.created_at, warnAt, dueAt });
  }

  const details = document.createElement('dl');
  field(details, t('f_order_id'), order.order_id, 'order-id');
  field(details, t('f_transaksi'), order.transaksi, 'transaksi');
  field(details, t('f_keterangan'), order.keterangan, 'keterangan');
  field(details, t('f_requester'), `${order.requester_name} · ${formatTime(order.created_at)}`, 'requester');
  if (order.picked_by) {
    field(details, t('f_picked'), `${person(order.picked_by, order.picked_by_username)} · ${formatTime(order.picked_at)}`, 'picked-by');
  }
  if (order.closed_by) {
    field(details, t('f_closed'), `${person(order.closed_by, order.closed_by_username)} · ${formatTime(order.closed_at)}`, 'closed-by');
  }
  item.append(details);

  if (order.status !== 'close') {
    const action = element('button', 'action', order.status === 'order' ? t('pickup') : t('close'));
    action.type = 'button';
    action.addEventListener('click', () => act(order, action));
    item.append(action);
  }
  return item;
}

export function render() {
  // Wide screens lay the page out as a table whose columns follow the page.
  $('board-view').dataset.status = state.everywhere ? 'all' : state.status;
  renderCounts();
  renderOptions();
  const list = $('orders');
  state.clocks = [];
  list.replaceChildren(...state.orders.map(renderOrder));
  renderListEnd();
  tick();
}

/// Around the list: the "N baru" chip, why the list is empty, whether more can be loaded.
function renderListEnd() {
  const held = $('held-chip');
  held.hidden = !state.held?.length;
  held.textContent = t('held_new', { n: state.held?.length ?? 0 });
  const empty = $('empty');
  empty.hidden = state.orders.length > 0;
  const { query } = pageFilters();
  const lateOnly = pageFilters().lateOnly && state.status !== 'close';
  empty.textContent = query && !state.everywhere ? t('empty_search_on', { q: query, page: t(`tab_${state.status}`) })
    : query ? t('empty_search', { q: query })
      : lateOnly ? t('empty_late') : t(`empty_${state.status}`);
  // A search looks on its own page first; the other pages are a tap away, and their tabs
  // count what it finds there.
  $('search-everywhere').hidden = !query || state.everywhere;
  $('more').hidden = !state.hasMore;
}

function renderOptions() {
  const filters = pageFilters();
  // Closed tickets have no stage: no urgency, and none is late.
  const open = state.status !== 'close';
  $('sort-urgent').hidden = !open;
  $('late-only').hidden = !open;
  for (const button of document.querySelectorAll('#board-options [data-sort]')) {
    button.setAttribute('aria-pressed', String(button.dataset.sort === filters.sort));
  }
  $('late-only').setAttribute('aria-pressed', String(filters.lateOnly));
  renderChips();
}

/// A page's status and filters as query parameters (the list's and the export's).
function filterParams(status = state.status, filters = pageFilters()) {
  const params = new URLSearchParams({ status });
  if (filters.query) params.set('q', filters.query);
  if (filters.group) params.set('group', filters.group);
  if (filters.transaksi) params.set('transaksi', filters.transaksi);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  return params;
}

/// Changes the current page's filters and lists it again from the first page (a search
/// over every status stays one while there is something to search for).
export function changeFilters(change) {
  // Two chips tapped in a row remove both, though the first has not drawn yet.
  const { status, filters } = state.asked ?? { status: state.status, filters: pageFilters() };
  const changed = { ...filters, ...change };
  if (!changed.query) state.everywhere = false;
  switchTo(status, changed);
}

/// Puts the current page's filters into the controls (after a switch of page or a chip
/// removed); the chips follow with the options.
function showFilters() {
  const filters = pageFilters();
  $('search').value = filters.query;
  $('group-filter').value = filters.group;
  $('filter-transaksi').value = filters.transaksi;
  $('filter-from').value = filters.from;
  $('filter-to').value = filters.to;
  $('filter-message').textContent = '';
  renderOptions();
}

/// The dates as a chip says them: `2026-01-01 – 2026-01-31`, `≥ 2026-01-01`, `≤ …`.
function daysLabel(from, to) {
  if (from && to) return from === to ? from : `${from} – ${to}`;
  return from ? `≥ ${from}` : `≤ ${to}`;
}

/// One chip per filter in force on this page; tapping a chip removes its filter.
function renderChips() {
  const filters = pageFilters();
  const fresh = freshFilters(state.status);
  const chips = [];
  const chip = (name, label, removal) => {
    const button = element('button', 'filter-chip', label);
    button.type = 'button';
    button.dataset.chip = name;
    button.setAttribute('aria-label', t('chip_remove', { v: label }));
    button.append(element('span', 'remove', '×'));
    button.addEventListener('click', () => changeFilters(removal));
    chips.push(button);
  };
  if (filters.query) chip('q', t('chip_search', { v: filters.query }), { query: '' });
  const group = state.groups.find((g) => String(g.chat_id) === filters.group);
  if (group) chip('group', t('chip_group', { v: group.title }), { group: '' });
  if (filters.transaksi) chip('transaksi', t('chip_transaksi', { v: filters.transaksi }), { transaksi: '' });
  if (filters.from || filters.to) chip('days', t('chip_days', { v: daysLabel(filters.from, filters.to) }), { from: '', to: '' });
  if (filters.sort !== fresh.sort) chip('sort', t('chip_sort', { v: t(`sort_${filters.sort}`) }), { sort: fresh.sort });
  if (filters.lateOnly && state.status !== 'close') chip('late', t('late_only'), { lateOnly: false });
  $('filter-chips').replaceChildren(...chips);
  $('filter-chips').hidden = chips.length === 0;
}

/// The Transaksi and the days from the panel, checked here first: a range that ends before
/// it starts is refused without asking the server.
function applyFilterForm(event) {
  event.preventDefault();
  const [from, to] = [$('filter-from').value, $('filter-to').value];
  if (from && to && from > to) {
    $('filter-message').textContent = t('filter_bad_range');
    return;
  }
  changeFilters({ transaksi: $('filter-transaksi').value.trim(), from, to });
}

/// Today on the team's clock, `YYYY-MM-DD`, moved by `days`.
function teamDay(days = 0) {
  const at = new Date(now() + state.config.utc_offset_minutes * 60000 + days * 86400000);
  return at.toISOString().slice(0, 10);
}

/// Downloads the current page's tickets as `format` (csv or xlsx), with its filters and
/// its days (the last 30 without). The file is fetched with the session, then saved.
async function exportTickets(format, button) {
  const params = filterParams();
  const monthAgo = teamDay(-30);
  if (!params.has('from')) params.set('from', params.has('to') && params.get('to') < monthAgo ? params.get('to') : monthAgo);
  if (!params.has('to')) params.set('to', teamDay());
  button.disabled = true;
  $('filter-message').textContent = t('export_busy', { format: format.toUpperCase() });
  try {
    const response = await fetch(`api/export.${format}?${params}`, { headers: apiHeaders() });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new ApiFailure(data?.error || 'internal', data?.message || t('internal'), response.status);
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '')?.[1] || `tangkap.${format}`;
    const link = element('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    $('filter-message').textContent = name;
  } catch (failure) {
    $('filter-message').textContent = '';
    handleFailure(failure instanceof ApiFailure ? failure : new ApiFailure('network', t('network'), 0));
  } finally {
    button.disabled = false;
  }
}


/// Brings each card's age and time left up to date: one timer for every card, touching
/// only what changed. It runs every 15 s, and at the moment a card enters its warning
/// window or passes its due time, so the colour changes on time.
export function tick() {
  clearTimeout(state.tickTimer);
  state.tickTimer = null;
  if (!state.clocks.length || $('board-view').hidden || document.hidden) return;
  const at = now();
  let next = at + 15000;
  for (const clock of state.clocks) {
    setText(clock.age, t('age', { span: span(at - clock.since) }));
    if (!clock.sla) continue;
    const level = at >= clock.dueAt ? 'late' : clock.warnAt !== null && at >= clock.warnAt ? 'warn' : 'ok';
    if (clock.sla.dataset.sla !== level) {
      clock.sla.dataset.sla = level;
      clock.item.dataset.sla = level;
    }
    setText(clock.sla, level === 'late' ? t('sla_late', { span: span(at - clock.dueAt) }) : t('sla_left', { span: span(clock.dueAt - at) }));
    for (const boundary of [clock.warnAt, clock.dueAt]) {
      if (boundary !== null && boundary > at && boundary < next) next = boundary;
    }
  }
  state.tickTimer = setTimeout(tick, Math.max(200, next - at + 20));
}

function confirmClose(order) {
  return confirmDialog(t('confirm_close', { ticket: order.ticket_no, order_id: order.order_id }), t('yes_close'));
}

async function act(order, button) {
  const step = order.status === 'order' ? 'pickup' : 'close';
  if (step === 'close' && !(await confirmClose(order))) return;
  button.disabled = true;
  try {
    await api(`/orders/${order.no}/${step}`, { method: 'POST' });
    haptic('success');
    if (step === 'pickup' && state.config.pickup_undo_ms > 0) offerUndo(order);
    else showBanner(t(step === 'pickup' ? 'picked_ok' : 'closed_ok', { ticket: order.ticket_no }), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  // Either way the row has left this page (moved by us, or by whoever was faster).
  await refresh();
}

/// A Pickup asks no confirmation: instead its presser may take it back with "Batalkan"
/// until the server tells the group (`pickup_undo_ms` after pressing).
function offerUndo(order) {
  const toast = $('undo-toast');
  $('undo-text').textContent = t('picked_ok', { ticket: order.ticket_no });
  toast.hidden = false;
  clearTimeout(offerUndo.timer);
  // A little before the server's time is up, so a late tap is not refused.
  offerUndo.timer = setTimeout(() => { toast.hidden = true; }, Math.max(0, state.config.pickup_undo_ms - 500));
  $('undo-button').onclick = async () => {
    clearTimeout(offerUndo.timer);
    toast.hidden = true;
    try {
      await api(`/orders/${order.no}/pickup/undo`, { method: 'POST' });
      haptic('success');
      showBanner(t('undone_ok', { ticket: order.ticket_no }), 'info');
    } catch (failure) {
      handleFailure(failure);
    }
    await refresh({ insert: order.no });
  };
}

export function selectStatus(status) {
  state.everywhere = false;
  switchTo(status, state.filters[status]);
}

export function wireBoard() {
  $('more').addEventListener('click', () => load({ append: true }));
  $('search-everywhere').addEventListener('click', () => {
    state.everywhere = true;
    state.orders = [];
    renderOptions();
    load();
  });
  $('held-chip').addEventListener('click', showHeld);
  for (const button of document.querySelectorAll('#board-options [data-sort]')) {
    button.addEventListener('click', () => {
      if (pageFilters().sort !== button.dataset.sort) changeFilters({ sort: button.dataset.sort });
    });
  }
  $('late-only').addEventListener('click', () => changeFilters({ lateOnly: !pageFilters().lateOnly }));
  document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
  for (const tab of document.querySelectorAll('#board-tabs button')) {
    tab.addEventListener('click', () => selectStatus(tab.dataset.status));
  }
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    changeFilters({ query: $('search').value.trim() });
  });
  $('search').addEventListener('search', () => changeFilters({ query: $('search').value.trim() }));
  $('group-filter').addEventListener('change', () => changeFilters({ group: $('group-filter').value }));
  $('filter-form').addEventListener('submit', applyFilterForm);
  $('export-csv').addEventListener('click', () => exportTickets('csv', $('export-csv')));
  $('export-xlsx').addEventListener('click', () => exportTickets('xlsx', $('export-xlsx')));
}
