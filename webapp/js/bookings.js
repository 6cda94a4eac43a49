// The Booking page (front office and admins): the bookings, the front desk's day, the
// free-room grid, and for owners and admins the room types and the booking settings.

import { $, state } from './state.js';
import { t } from './i18n.js';
import { haptic } from './telegram.js';
import { SESSION_ENDED, api, now } from './api.js';
import { isAway } from './online.js';
import {
  confirmDialog, dialog, element, field, formatTime, rupiah, shortDay, showBanner, showView, span,
  updateBackButton
} from './ui.js';
import { handleFailure } from './login.js';
import { load } from './board.js';

/// Nights the free-room grid shows.
const GRID_DAYS = 14;

/// Whether this account works bookings: the list answers only those who do (for anyone
/// else, and with bookings off, it does not exist).
export async function findBookings() {
  try {
    const answer = await api('/bookings?status=pending');
    state.worksBookings = true;
    state.bookings = answer.bookings;
    state.bookingCounts = answer.counts;
  } catch (_) {
    state.worksBookings = false;
  }
  $('booking-tab').hidden = !state.worksBookings;
}

function bookingsPath() {
  const query = new URLSearchParams({ status: state.bookingStatus });
  if (state.bookingQuery) query.set('q', state.bookingQuery);
  return `/bookings?${query}`;
}

export async function openBookings() {
  // While the server is away the page would open empty or stale: it does not open.
  if (isAway()) return;
  if (!state.worksBookings) return;
  showView('bookings');
  renderBookings();
  await loadBookings();
}

/// The list of the status shown, the front desk's day and the grid, asked together; the
/// page is redrawn only when one of them changed, so a refresh leaves what is being typed.
export async function loadBookings({ quiet = false } = {}) {
  const request = (state.bookingSeq = (state.bookingSeq || 0) + 1);
  try {
    const [answer, desk, grid] = await Promise.all([
      api(bookingsPath()), api('/bookings/today'), api(`/bookings/grid?days=${GRID_DAYS}`),
    ]);
    if (request !== state.bookingSeq || state.view !== 'bookings') return;
    const seen = JSON.stringify([answer, desk, grid]);
    if (quiet && seen === state.bookingsSeen) return;
    state.bookingsSeen = seen;
    state.bookings = answer.bookings;
    state.bookingCounts = answer.counts;
    state.desk = desk;
    state.grid = grid;
    renderDesk();
    renderGrid();
    renderBookings();
    renderRoomTypes(answer.room_types);
    renderBookingSettings(answer.settings, answer.groups);
  } catch (failure) {
    if (failure.code === 'not_found') {
      state.worksBookings = false;
      $('booking-tab').hidden = true;
      showView('board');
      load();
      showBanner(t('bookings_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

export function renderBookings() {
  for (const tab of document.querySelectorAll('#booking-tabs button')) {
    const status = tab.dataset.bookingStatus;
    tab.querySelector('.count').textContent = String(state.bookingCounts[status] ?? 0);
    tab.setAttribute('aria-selected', String(status === state.bookingStatus));
  }
  $('bookings').replaceChildren(...state.bookings.map((booking) => renderBooking(booking)));
  const empty = $('bookings-empty');
  empty.hidden = state.bookings.length > 0;
  empty.textContent = state.bookingQuery ? t('bk_empty_search', { q: state.bookingQuery })
    : t(`bk_empty_${state.bookingStatus}`);
  updateBackButton();
}

/// `2026-12-05` → `Sab` (the weekday, short, in the page's language).
function weekdayOf(day) {
  const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  return t(`dy_${names[new Date(`${day}T00:00:00Z`).getUTCDay()]}`);
}

/// Where a booking stands at the front desk: not paid, paid, in the house, leaving, gone.
function deskState(booking) {
  if (booking.checked_out_at) return 'out';
  if (booking.checked_in_at) return state.desk?.departures.some((b) => b.id === booking.id) ? 'due_out' : 'in_house';
  return booking.status;
}

/// The guest's contact as a link: their Telegram chat, or a mail to them.
function contactLink(contact) {
  if (contact?.telegram?.startsWith('tg://user?id=')) {
    const link = element('a', 'contact', t('bk_contact_telegram'));
    link.href = contact.telegram;
    return link;
  }
  if (contact?.email) {
    const link = element('a', 'contact', contact.email);
    link.href = `mailto:${contact.email}`;
    return link;
  }
  return null;
}

/// A booking's card: in the list of its status, or at the front desk (`place`: `arrival`,
/// `in_house`, `departure`), with what can be done to it there.
function renderBooking(booking, place = 'list') {
  const item = element('li', `order booking ${booking.status}`);
  item.dataset.id = String(booking.id);
  const head = document.createElement('header');
  head.append(element('span', 'ticket', booking.receipt));
  if (place !== 'list') {
    const standing = deskState(booking);
    const badge = element('span', 'badge desk-state', t(`bk_state_${standing}`));
    badge.dataset.state = standing;
    head.append(badge);
  }
  if (booking.status === 'pending') {
    const left = booking.hold_until - now();
    const clock = element('span', 'sla', left > 0 ? t('bk_left', { time: span(left) }) : t('bk_expired'));
    if (left <= 0) clock.dataset.sla = 'late';
    head.append(clock);
  }
  item.append(head);
  const guest = booking.guest_name ?? t('bk_erased');
  const details = document.createElement('dl');
  field(details, t('bk_guest'), guest, 'guest');
  const room = booking.room_no ? `${booking.room_type} · ${t('bk_room_no_short', { room: booking.room_no })}` : booking.room_type;
  field(details, t('bk_room'), room, 'room');
  field(details, t('bk_stay'), `${booking.check_in} → ${booking.check_out} · ${t('bk_nights', { n: booking.nights })}`, 'stay');
  if (booking.price > 0) {
    field(details, t('bk_price'), `${t('bk_nights', { n: booking.nights })} × ${rupiah(booking.price)} = ${rupiah(booking.total)}`, 'price');
  }
  const contact = contactLink(booking.contact);
  if (contact) {
    details.append(element('dt', '', t('bk_contact')));
    const value = element('dd', 'contact-line');
    value.append(contact);
    details.append(value);
  }
  field(details, t('bk_via'), booking.via === 'web' ? 'Web' : 'Telegram', 'via');
  if (booking.status === 'pending') field(details, t('bk_hold'), formatTime(booking.hold_until), 'hold');
  else if (place === 'list') field(details, t('bk_decided'), `${booking.decided_by ?? ''} · ${formatTime(booking.decided_at)}`, 'decided-by');
  if (booking.checked_in_at) field(details, t('bk_checked_in'), `${booking.checked_in_by ?? ''} · ${formatTime(booking.checked_in_at)}`, 'checked-in');
  if (booking.checked_out_at) field(details, t('bk_checked_out'), `${booking.checked_out_by ?? ''} · ${formatTime(booking.checked_out_at)}`, 'checked-out');
  item.append(details);
  const actions = element('div', 'actions');
  const offer = (action, label, secondary, run) => {
    const button = element('button', secondary ? 'action secondary' : 'action', t(label));
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => run(booking, button));
    actions.append(button);
  };
  if (booking.status === 'pending') {
    offer('cancel', 'bk_cancel_button', true, (b, button) => decideBooking(b, 'cancel', button));
    offer('paid', 'bk_paid_button', false, (b, button) => decideBooking(b, 'paid', button));
  } else if (place === 'list' && mayRevert(booking)) {
    offer('revert', 'bk_revert_button', true, revertPaid);
  } else if (place === 'arrival' && booking.status === 'paid') {
    offer('check_in', 'bk_check_in', false, checkIn);
  } else if (place !== 'list' && booking.checked_in_at && !booking.checked_out_at) {
    offer('check_out', 'bk_check_out', false, checkOut);
  }
  if (actions.childElementCount) item.append(actions);
  return item;
}

/// The front desk's day: arriving, in the house (those leaving today are under leaving
/// only), leaving.
export function renderDesk() {
  const desk = state.desk;
  $('desk').hidden = !desk;
  if (!desk) return;
  $('desk-date').textContent = `${weekdayOf(desk.date)} ${shortDay(desk.date)}`;
  const leaving = new Set(desk.departures.map((b) => b.id));
  const lists = {
    arrivals: [desk.arrivals, 'arrival'],
    in_house: [desk.in_house.filter((b) => !leaving.has(b.id)), 'in_house'],
    departures: [desk.departures, 'departure'],
  };
  for (const [name, [bookings, place]] of Object.entries(lists)) {
    const id = name.replace('_', '-');
    $(`desk-${id}`).replaceChildren(...bookings.map((booking) => renderBooking(booking, place)));
    $(`desk-${id}-count`).textContent = String(bookings.length);
    const empty = $(`desk-${id}-empty`);
    empty.hidden = bookings.length > 0;
    empty.textContent = t(`desk_empty_${name}`);
  }
}

/// The rooms free of each type, night by night; a full night stands out. The table scrolls
/// sideways in its own box, the type's name staying in view.
export function renderGrid() {
  const grid = state.grid;
  $('grid-panel').hidden = !grid;
  if (!grid) return;
  $('grid-title').textContent = t('grid_title', { n: grid.days.length });
  const headRow = document.createElement('tr');
  headRow.append(element('th', 'type', t('grid_type')));
  for (const day of grid.days) {
    const th = element('th', 'night');
    th.scope = 'col';
    th.dataset.date = day;
    th.append(element('span', 'weekday', weekdayOf(day)), element('span', 'date', shortDay(day)));
    headRow.append(th);
  }
  const head = document.createElement('thead');
  head.append(headRow);
  const body = document.createElement('tbody');
  for (const type of grid.types) {
    const row = document.createElement('tr');
    row.dataset.type = type.name;
    const name = element('th', 'type', type.name);
    name.scope = 'row';
    row.append(name);
    for (const night of type.nights) {
      const full = night.free === 0;
      const cell = element('td', full ? 'full' : '', String(night.free));
      cell.dataset.date = night.date;
      cell.dataset.free = String(night.free);
      cell.title = t(full ? 'grid_cell_full' : 'grid_cell', {
        type: type.name, day: `${weekdayOf(night.date)} ${shortDay(night.date)}`, free: night.free, rooms: type.rooms,
      });
      row.append(cell);
    }
    body.append(row);
  }
  $('grid').replaceChildren(head, body);
}

async function decideBooking(booking, action, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  const sure = await confirmDialog(t(`bk_confirm_${action}`, values), t(action === 'paid' ? 'bk_yes_paid' : 'bk_yes_cancel'));
  if (!sure) return;
  button.disabled = true;
  try {
    await api(`/bookings/${booking.id}/${action}`, { method: 'POST' });
    haptic('success');
    showBanner(t(action === 'paid' ? 'bk_paid_ok' : 'bk_cancelled_ok', values), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  // Either way it has left the Pending list (decided by us, or by whoever was faster).
  await loadBookings();
}

/// How long a booking marked paid may be put back to pending (the server decides; the
/// button is offered meanwhile).
const REVERT_WITHIN_MS = 15 * 60 * 1000;

/// Whether an owner or admin may still put this paid booking back: marked paid within the
/// last 15 minutes and its guest not checked in.
function mayRevert(booking) {
  return booking.status === 'paid' && state.user?.manages_team && !booking.checked_in_at
    && Date.now() - booking.decided_at < REVERT_WITHIN_MS;
}

/// A booking marked paid by mistake goes back to pending; its guest is not told.
async function revertPaid(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  if (!(await confirmDialog(t('bk_confirm_revert', values), t('bk_yes_revert')))) return;
  await deskStep(booking, 'revert', button, undefined, () => t('bk_reverted_ok', values));
}

/// Check-in: asks the room number (it may stay empty), then moves the guest in.
async function checkIn(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  const room = await dialog(t('bk_confirm_check_in', values), t('bk_yes_check_in'), t('bk_room_no'));
  if (room === null) return;
  await deskStep(booking, 'check_in', button, room.trim() ? { room: room.trim() } : {}, (done) => (
    done.room_no ? t('bk_checked_in_room', { ...values, room: done.room_no }) : t('bk_checked_in_ok', values)));
}

async function checkOut(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  if (!(await confirmDialog(t('bk_confirm_check_out', values), t('bk_yes_check_out')))) return;
  await deskStep(booking, 'check_out', button, undefined, () => t('bk_checked_out_ok', values));
}

/// Sends a front-desk step; whoever was faster (or why not) is told by the server.
async function deskStep(booking, step, button, body, said) {
  button.disabled = true;
  try {
    const done = await api(`/bookings/${booking.id}/${step}`, { method: 'POST', body });
    haptic('success');
    showBanner(said(done), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  await loadBookings();
}

/// Owners and admins set each type's rooms and price per night; redrawn only when the
/// types changed, so that a number being typed survives the page's refreshes.
export function renderRoomTypes(types) {
  state.roomTypes = types;
  $('room-types-panel').hidden = !types;
  const seen = JSON.stringify(types ?? null);
  if (!types || seen === state.roomTypesSeen) return;
  state.roomTypesSeen = seen;
  $('room-types').replaceChildren(...types.map((type) => {
    const item = element('li', 'room-type');
    item.dataset.id = String(type.id);
    item.append(element('span', 'name', type.name));
    const rooms = numberField('rooms', type.rooms, 10000, t('rt_rooms'), type.name);
    const price = numberField('price', type.price, 1000000000, t('rt_price'), type.name);
    const save = element('button', 'secondary', t('rt_save'));
    save.type = 'button';
    save.addEventListener('click', () => changeRoomTypes(`/room_types/${type.id}`, 'PUT',
      { rooms: typedNumber(rooms.input.value), price: typedNumber(price.input.value) },
      (changed) => t('rt_saved', { ...changed, price: rupiah(changed.price) }), save));
    // The price as Rupiah under its field, as it is typed.
    const shown = element('small', 'rupiah', rupiah(type.price));
    price.input.addEventListener('input', () => {
      shown.textContent = /^\d+$/.test(price.input.value) ? rupiah(Number(price.input.value)) : '';
    });
    item.append(rooms.label, price.label, save, shown);
    return item;
  }));
}

/// A labelled number input (`name`, starting at `value`) of a room type's row.
function numberField(name, value, max, caption, typeName) {
  const label = element('label', `rt-${name}`);
  label.append(element('span', '', caption));
  const input = element('input');
  input.type = 'number';
  input.name = name;
  input.min = '0';
  input.max = String(max);
  input.inputMode = 'numeric';
  input.value = String(value);
  input.setAttribute('aria-label', `${typeName}: ${caption}`);
  label.append(input);
  return { label, input };
}

/// A whole number as typed, or the text itself so the server says what is wrong with it.
function typedNumber(text) {
  return /^\d+$/.test(text.trim()) ? Number(text) : text;
}

function showRoomTypesMessage(kind, text) {
  const message = $('room-types-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'done';
}

async function changeRoomTypes(path, method, body, said, button) {
  button.disabled = true;
  try {
    const changed = await api(path, { method, body });
    haptic('success');
    state.roomTypesSeen = null;
    showRoomTypesMessage('done', said(changed));
    await loadBookings();
  } catch (failure) {
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) handleFailure(failure);
    else showRoomTypesMessage('error', failure.message);
  }
  button.disabled = false;
}

const BOOKING_SETTINGS = ['hotel_name', 'hold', 'warn_before', 'staff_chat', 'book_ahead_days', 'payment_text'];

/// Owners and admins change the hotel's settings; like the room types, the form is
/// refilled only when the saved settings (or the groups) changed, so that typing survives
/// refreshes. The FO chat is chosen by title among the groups the bot knows; a chat it
/// does not know stays offered by its id.
function renderBookingSettings(settings, groups) {
  $('booking-settings-panel').hidden = !settings;
  const seen = JSON.stringify([settings ?? null, groups ?? null]);
  if (!settings || seen === state.bookingSettingsSeen) return;
  state.bookingSettingsSeen = seen;
  const form = $('booking-settings');
  const current = settings.staff_chat === null ? '' : String(settings.staff_chat);
  const none = element('option', '', t('bs_staff_chat_none'));
  none.value = '';
  none.dataset.i18n = 'bs_staff_chat_none';
  const choices = (groups ?? []).map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  });
  if (current && !choices.some((option) => option.value === current)) {
    const unknown = element('option', '', t('bs_staff_chat_unknown', { id: current }));
    unknown.value = current;
    unknown.dataset.unknownChat = current;
    choices.unshift(unknown);
  }
  form.elements.staff_chat.replaceChildren(none, ...choices);
  for (const name of BOOKING_SETTINGS) {
    const value = settings[name];
    form.elements[name].value = value === null || value === undefined ? '' : String(value);
  }
}

function showBookingSettingsErrors(field, text) {
  const form = $('booking-settings');
  for (const name of BOOKING_SETTINGS) {
    const refused = name === field;
    form.elements[name].setAttribute('aria-invalid', String(refused));
    const error = form.querySelector(`[data-error-for="${name}"]`);
    error.hidden = !refused;
    error.textContent = refused ? text : '';
  }
}

function showBookingSettingsMessage(kind, text) {
  const message = $('booking-settings-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'done';
}

async function saveBookingSettings(event) {
  event.preventDefault();
  const form = $('booking-settings');
  const button = event.submitter || form.querySelector('button[type="submit"]');
  const values = Object.fromEntries(BOOKING_SETTINGS.map((name) => [name, form.elements[name].value]));
  // An empty or odd number is sent as typed, so that the server says what is wrong with it.
  const days = values.book_ahead_days.trim();
  values.book_ahead_days = /^-?\d+$/.test(days) ? Number(days) : days;
  button.disabled = true;
  showBookingSettingsErrors(null, '');
  showBookingSettingsMessage('done', '');
  try {
    const saved = await api('/booking_settings', { method: 'PUT', body: values });
    haptic('success');
    state.bookingSettingsSeen = null;
    renderBookingSettings(saved);
    showBookingSettingsMessage('done', t('bs_saved'));
  } catch (failure) {
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) handleFailure(failure);
    else if (failure.field && BOOKING_SETTINGS.includes(failure.field)) {
      showBookingSettingsErrors(failure.field, failure.message);
      form.elements[failure.field].focus();
    } else showBookingSettingsMessage('error', failure.message);
  }
  button.disabled = false;
}

function selectBookingStatus(status) {
  state.bookingStatus = status;
  state.bookings = [];
  renderBookings();
  loadBookings();
}

export function wireBookings() {
  $('booking-tab').addEventListener('click', () => {
    if (state.view === 'bookings') { showView('board'); load(); } else openBookings();
  });
  $('booking-back').addEventListener('click', () => { showView('board'); load(); });
  for (const tab of document.querySelectorAll('#booking-tabs button')) {
    tab.addEventListener('click', () => selectBookingStatus(tab.dataset.bookingStatus));
  }
  $('booking-search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.bookingQuery = $('booking-search').value.trim();
    loadBookings();
  });
  $('booking-settings').addEventListener('submit', saveBookingSettings);
  $('room-type-add').addEventListener('submit', (event) => {
    event.preventDefault();
    changeRoomTypes('/room_types', 'POST',
      {
        name: $('room-type-name').value,
        rooms: typedNumber($('room-type-rooms').value),
        price: typedNumber($('room-type-price').value || '0'),
      },
      (added) => { $('room-type-name').value = ''; return t('rt_added', added); },
      event.submitter || $('room-type-add').querySelector('button'));
  });
  $('booking-search').addEventListener('search', () => {
    state.bookingQuery = $('booking-search').value.trim();
    loadBookings();
  });
}
