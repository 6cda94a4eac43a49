// One ticket's page: its fields, its timeline, internal notes and reopen.

import { $, state } from './state.js';
import { TEXTS, t } from './i18n.js';
import { haptic, openTelegramLink } from './telegram.js';
import { SESSION_ENDED, api, apiHeaders } from './api.js';
import { isAway } from './online.js';
import { element, field, formatTime, person, showBanner, showView } from './ui.js';
import { handleFailure } from './login.js';
import { tick } from './board.js';

/// A tap on a card (not on its buttons) opens its ticket; so does Enter on a focused card.
export function listenForTicketOpen(item, order) {
  item.tabIndex = 0;
  item.addEventListener('click', (event) => {
    if (event.target.closest('button, a, input, select, textarea')) return;
    // Selecting text to copy it is not a tap.
    if (String(window.getSelection?.() ?? '')) return;
    openTicketView(order.no);
  });
  item.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target === item) openTicketView(order.no);
  });
}

async function openTicketView(no) {
  // While the server is away the page would open empty or stale: it does not open.
  if (isAway()) return;
  state.ticketReturnScroll = window.scrollY;
  state.ticketNo = no;
  state.ticket = null;
  state.ticketSeen = null;
  showTicketMessage('note-message', 'done', '');
  showReopenForm(false);
  showView('ticket');
  renderTicket();
  window.scrollTo(0, 0);
  await loadTicket();
}

/// Back to the list as it was left, at the same place.
export function closeTicket() {
  state.ticketNo = null;
  showView('board');
  window.scrollTo(0, state.ticketReturnScroll);
  tick();
}

export async function loadTicket({ quiet = false } = {}) {
  const no = state.ticketNo;
  if (no === null) return;
  const request = (state.ticketSeq = (state.ticketSeq || 0) + 1);
  try {
    const ticket = await api(`/orders/${encodeURIComponent(no)}`);
    if (request !== state.ticketSeq || state.view !== 'ticket' || state.ticketNo !== no) return;
    // Asked again while the page is open (deliveries change): redrawn only on a change.
    const seen = JSON.stringify(ticket);
    if (quiet && seen === state.ticketSeen) return;
    state.ticketSeen = seen;
    state.ticket = ticket;
    renderTicket();
  } catch (failure) {
    if (request !== state.ticketSeq) return;
    if (failure.code === 'not_found') {
      closeTicket();
      showBanner(t('tk_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

export function renderTicket() {
  const ticket = state.ticket;
  $('ticket-title').textContent = ticket ? t('tk_title', { ticket: ticket.ticket_no }) : '';
  $('ticket-card').hidden = !ticket;
  for (const section of document.querySelectorAll('#ticket-view .ticket-section')) section.hidden = !ticket;
  if (!ticket) return;
  $('ticket-view').dataset.status = ticket.status;
  const status = $('ticket-status');
  status.textContent = t(`tab_${ticket.status}`);
  status.dataset.status = ticket.status;
  const group = ticket.group_title ?? String(ticket.chat_id);
  $('ticket-group').textContent = group;
  $('ticket-group').title = group;

  const fields = $('ticket-fields');
  fields.replaceChildren();
  field(fields, t('f_no'), `#${ticket.no}`, 'no');
  field(fields, t('f_ticket'), ticket.ticket_no, 'ticket');
  field(fields, t('f_order_id'), ticket.order_id, 'order-id');
  field(fields, t('f_transaksi'), ticket.transaksi, 'transaksi');
  field(fields, t('f_keterangan'), ticket.keterangan, 'keterangan');
  field(fields, t('tk_group'), group, 'group-title');
  if (ticket.topic) {
    field(fields, t('tk_topic'), '', 'topic');
    fields.lastChild.append(topicLink(ticket.topic));
  }
  field(fields, t('f_requester'), `${ticket.requester_name} · ${formatTime(ticket.created_at)}`, 'requester');
  if (ticket.picked_by) {
    field(fields, t('f_picked'), `${person(ticket.picked_by, ticket.picked_by_username)} · ${formatTime(ticket.picked_at)}`, 'picked-by');
  }
  if (ticket.closed_by) {
    field(fields, t('f_closed'), `${person(ticket.closed_by, ticket.closed_by_username)} · ${formatTime(ticket.closed_at)}`, 'closed-by');
  }
  const stage = { order: 'pickup', pickup: 'close' }[ticket.status];
  const due = stage ? ticket[`${stage}_due_at`] : null;
  if (due) field(fields, t('sla_title'), t(`due_${stage}`, { time: formatTime(due) }), 'due');

  showTicketPhoto(ticket);
  $('reopen-panel').hidden = !ticket.may_reopen;
  $('ticket-timeline').replaceChildren(...ticket.events.map(renderTimelineEvent));
  $('ticket-notes').replaceChildren(...ticket.notes.map(renderNote));
  $('ticket-no-notes').hidden = ticket.notes.length > 0;
}

/// The forum topic the ticket was asked in, where the bot answers about it: a link that
/// opens it in Telegram (or its number, when Telegram has no link for the group).
function topicLink(topic) {
  const words = t('tk_topic_open', { thread: topic.thread_id });
  if (!topic.link) return document.createTextNode(words);
  const link = element('a', 'topic-link', words);
  link.href = topic.link;
  link.rel = 'noopener';
  link.target = '_blank';
  link.addEventListener('click', (event) => {
    event.preventDefault();
    openTelegramLink(topic.link);
  });
  return link;
}

/// What happened, in the page's language: "Di-pickup oleh Budi", "Pesan ke Operasional: Feedback 2".
function timelineWords(event) {
  const message = event.message && TEXTS.id[`tk_msg_${event.message}`] ? t(`tk_msg_${event.message}`) : event.message;
  if (event.kind === 'message') return t('tk_ev_message', { to: event.to ?? t('tk_to_group'), message });
  if (event.kind === 'reminder') return t('tk_ev_reminder', { to: event.to ?? '—', message });
  const key = `tk_ev_${event.kind}`;
  return TEXTS.id[key] ? t(key, { by: event.by ?? '—' }) : event.kind;
}

function renderTimelineEvent(event) {
  const item = element('li', 'event');
  item.dataset.kind = event.kind;
  if (event.message) item.dataset.message = event.message;
  const head = element('div', 'event-head');
  head.append(element('span', 'what', timelineWords(event)));
  if (event.delivery) {
    const delivery = event.delivery;
    const badge = element('span', 'delivery', t(`tk_delivery_${delivery.state}`));
    badge.dataset.state = delivery.state;
    if (delivery.sent_at) badge.title = t('tk_sent_at', { time: formatTime(delivery.sent_at) });
    item.dataset.delivery = delivery.state;
    head.append(badge);
  }
  item.append(element('span', 'at', formatTime(event.at)), head);
  if (event.reason) item.append(element('p', 'reason', t('tk_reason', { reason: event.reason })));
  if (event.text) item.append(element('p', 'text', event.text));
  if (event.delivery?.error) {
    const key = event.delivery.state === 'failed' ? 'tk_failed_reason' : 'tk_retrying';
    item.append(element('p', 'delivery-error', t(key, { error: event.delivery.error })));
  }
  return item;
}

function renderNote(note) {
  const item = element('li', 'note');
  const head = element('div', 'note-head');
  head.append(element('span', 'author', note.author), element('span', 'at', formatTime(note.at)));
  item.append(head, element('p', 'text', note.text));
  return item;
}

/// The request's photo, fetched once per ticket opened. It is asked for with the session
/// like any API call, which an <img src> cannot do, and shown from the bytes received.
async function showTicketPhoto(ticket) {
  const box = $('ticket-photo');
  if (state.photoFor === ticket.no && ticket.has_photo) return;
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = null;
  state.photoFor = ticket.has_photo ? ticket.no : null;
  box.hidden = !ticket.has_photo;
  if (!ticket.has_photo) { box.replaceChildren(); return; }
  box.replaceChildren(element('p', 'hint', t('tk_photo_loading')));
  let response = null;
  try {
    response = await fetch(`api/orders/${encodeURIComponent(ticket.no)}/photo`, { headers: apiHeaders() });
  } catch (_) { /* shown as not loaded below */ }
  if (state.photoFor !== ticket.no) return;
  if (!response?.ok) {
    let data = null;
    try { data = await response?.json(); } catch (_) { /* not JSON */ }
    const known = data?.error && TEXTS.en[`tk_${data.error}`] ? `tk_${data.error}` : 'tk_photo_failed';
    box.replaceChildren(element('p', 'hint', t(known)));
    return;
  }
  const image = document.createElement('img');
  state.photoUrl = URL.createObjectURL(await response.blob());
  if (state.photoFor !== ticket.no) { URL.revokeObjectURL(state.photoUrl); state.photoUrl = null; return; }
  image.src = state.photoUrl;
  image.alt = t('tk_photo_alt', { ticket: ticket.ticket_no });
  box.replaceChildren(image);
}

function showTicketMessage(id, kind, text) {
  const message = $(id);
  message.hidden = !text;
  message.className = kind === 'error' ? 'error' : 'done';
  message.textContent = text || '';
}

async function addNote(event) {
  event.preventDefault();
  const no = state.ticketNo;
  const text = $('note-text').value;
  if (!text.trim()) {
    showTicketMessage('note-message', 'error', t('tk_note_empty'));
    $('note-text').focus();
    return;
  }
  $('note-submit').disabled = true;
  try {
    await api(`/orders/${encodeURIComponent(no)}/notes`, { method: 'POST', body: { text } });
    haptic('success');
    $('note-text').value = '';
    showTicketMessage('note-message', 'done', t('tk_note_added'));
    await loadTicket();
  } catch (failure) {
    if (failure.code === 'not_found') { closeTicket(); showBanner(t('tk_gone')); return; }
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    showTicketMessage('note-message', 'error', failure.message);
  } finally {
    $('note-submit').disabled = false;
  }
}

function showReopenForm(open) {
  $('reopen-form').hidden = !open;
  $('reopen-open').hidden = open;
  if (!open) showTicketMessage('reopen-message', 'done', '');
  else $('reopen-reason').focus();
}

async function reopenTicket(event) {
  event.preventDefault();
  const ticket = state.ticket;
  if (!ticket) return;
  const reason = $('reopen-reason').value;
  if (!reason.trim()) {
    showTicketMessage('reopen-message', 'error', t('tk_reopen_need_reason'));
    $('reopen-reason').focus();
    return;
  }
  $('reopen-submit').disabled = true;
  try {
    await api(`/orders/${encodeURIComponent(ticket.no)}/reopen`, { method: 'POST', body: { reason } });
    haptic('success');
    $('reopen-reason').value = '';
    showReopenForm(false);
    showBanner(t('tk_reopened_ok', { ticket: ticket.ticket_no }), 'info');
    await loadTicket();
  } catch (failure) {
    if (failure.code === 'not_found') { closeTicket(); showBanner(t('tk_gone')); return; }
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    if (failure.code === 'conflict') {
      // Reopened by someone else meanwhile, say: the ticket as it is now, and why.
      showBanner(failure.message);
      await loadTicket();
    } else showTicketMessage('reopen-message', 'error', failure.message);
  } finally {
    $('reopen-submit').disabled = false;
  }
}

export function wireTicket() {
  $('ticket-back').addEventListener('click', closeTicket);
  $('note-form').addEventListener('submit', addNote);
  $('reopen-open').addEventListener('click', () => showReopenForm(true));
  $('reopen-cancel').addEventListener('click', () => showReopenForm(false));
  $('reopen-form').addEventListener('submit', reopenTicket);
}
