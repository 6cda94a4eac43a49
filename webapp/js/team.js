// The Tim page (owners and admins): the accounts, their audit log and the groups' time targets.

import { $, state } from './state.js';
import { TEXTS, t, wordFor } from './i18n.js';
import { haptic } from './telegram.js';
import { SESSION_ENDED, api } from './api.js';
import { isAway } from './online.js';
import { confirmDialog, element, field, formatTime, person, showBanner, showView } from './ui.js';
import { handleFailure } from './login.js';
import { load, loadGroups } from './board.js';

const ACTION_ORDER = ['approve', 'reject', 'enable', 'disable'];

/// "pending → active" or "staff → admin" in the page's language.
/// A refused change's `why: from → to` (or just `why`), told shortly.
function refusalWords(detail) {
  const [why, change] = detail.split(/: (.*)/s);
  const reason = `${t('refused')}: ${wordFor('why', why)}`;
  return change ? `${reason} (${detailWords(change)})` : reason;
}

function detailWords(detail) {
  return detail.split(' → ').map((part) => {
    if (TEXTS.id[`state_${part}`]) return wordFor('state', part).toLowerCase();
    if (TEXTS.id[`role_${part}`]) return wordFor('role', part).toLowerCase();
    return part;
  }).join(' → ');
}

async function openTeam() {
  // While the server is away the page would open empty or stale: it does not open.
  if (isAway()) return;
  if (!state.user?.manages_team) return;
  state.teamMessage = null;
  showView('team');
  renderTeam();
  renderSlaGroups();
  showSlaMessage('done', '');
  if (state.slaTimes) fillSla(state.slaTimes);
  // The groups are asked again: one the bot met since the login is offered too.
  const groups = loadGroups().then((ok) => {
    if (!ok || state.view !== 'team') return;
    renderSlaGroups();
    return loadSla();
  });
  await Promise.all([loadTeam(), groups]);
}

export async function loadTeam({ quiet = false } = {}) {
  const request = (state.teamSeq = (state.teamSeq || 0) + 1);
  try {
    const team = await api('/team');
    if (request !== state.teamSeq) return;
    // Polled while the page is open: redrawn only when something changed, so that an
    // open role menu stays open.
    const seen = JSON.stringify(team);
    if (quiet && seen === state.teamSeen) return;
    state.teamSeen = seen;
    state.team = team;
    renderTeam();
  } catch (failure) {
    if (failure.code === 'not_found') {
      // No longer an owner or admin: for them the page does not exist.
      state.user.manages_team = false;
      $('team-tab').hidden = true;
      showView('board');
      showBanner(t('team_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

export function renderTeam() {
  const message = $('team-message');
  message.hidden = !state.teamMessage;
  message.textContent = state.teamMessage?.text ?? '';
  message.className = state.teamMessage?.kind === 'error' ? 'error' : 'done';
  const team = state.team;
  if (!team) {
    $('accounts').replaceChildren();
    $('audit').replaceChildren();
    return;
  }
  $('accounts').replaceChildren(...team.accounts.map(renderAccount));
  if (!team.accounts.length) $('accounts').append(element('li', 'hint', t('no_accounts')));
  $('audit').replaceChildren(...team.audit.map(renderAudit));
  $('audit-empty').hidden = team.audit.length > 0;
}

function renderAccount(account) {
  const item = element('li', `account ${account.state}`);
  item.dataset.id = String(account.id);
  item.dataset.username = account.username;
  item.dataset.state = account.state;
  item.dataset.role = account.role;

  const head = document.createElement('header');
  const badges = element('span', 'badges');
  const role = element('span', `badge role role-${account.role}`, wordFor('role', account.role));
  const standing = element('span', `badge state state-${account.state}`, wordFor('state', account.state));
  standing.dataset.state = account.state;
  badges.append(role, standing);
  head.append(element('span', 'name', person(account.name, account.username)), badges);

  const details = document.createElement('dl');
  const handle = account.telegram_username ? ` · @${account.telegram_username}` : '';
  field(details, t('a_telegram'), `${account.telegram_id}${handle}`, 'telegram');
  field(details, t('a_groups'), account.groups.length ? account.groups.join(', ') : t('no_groups'), 'groups');
  field(details, t('a_last_login'), account.last_login_at ? formatTime(account.last_login_at) : t('never'), 'last-login');
  field(details, t('a_created'), formatTime(account.created_at), 'created');
  item.append(head, details);

  const actions = element('div', 'account-actions');
  for (const action of ACTION_ORDER.filter((a) => account.actions.includes(a))) {
    const button = element('button', ['reject', 'disable'].includes(action) ? 'danger' : '', t(`act_${action}`));
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => changeAccount(account, action, item));
    actions.append(button);
  }
  if (account.actions.includes('role') && account.roles.length) {
    const label = element('label', 'role-field');
    const select = element('select', 'role-select');
    select.setAttribute('aria-label', `${t('a_role')}: ${person(account.name, account.username)}`);
    const offered = new Set([account.role, ...account.roles]);
    for (const value of ['owner', 'admin', 'staff'].filter((r) => offered.has(r))) {
      const option = element('option', '', wordFor('role', value));
      option.value = value;
      select.append(option);
    }
    select.value = account.role;
    select.addEventListener('change', () => changeAccount(account, 'role', item, select.value));
    label.append(element('span', 'hint', t('a_role')), select);
    actions.append(label);
  }
  if (actions.childElementCount) item.append(actions);
  return item;
}

function renderAudit(entry) {
  const item = element('li', 'audit-entry');
  item.dataset.action = entry.action;
  item.dataset.detail = entry.detail;
  const line = element('div', 'audit-line');
  line.append(
    element('span', 'actor', entry.actor), ' ',
    element('span', 'action', wordFor('did', entry.action)), ' ',
    element('span', 'target', entry.target),
  );
  const detail = entry.action === 'group_settings' ? settingsWords(entry.detail)
    : entry.action.startsWith('refused:') ? refusalWords(entry.detail)
      : detailWords(entry.detail);
  item.append(element('span', 'at', formatTime(entry.at)), line, element('span', 'detail', detail));
  return item;
}

async function changeAccount(account, action, item, role) {
  const name = person(account.name, account.username);
  if (['reject', 'disable'].includes(action)
      && !(await confirmDialog(t(`confirm_${action}`, { name }), t(`yes_${action}`)))) return;
  // A role decides what its holder may open and change: asked first, an Owner's most of all.
  if (action === 'role') {
    const words = { name, from: wordFor('role', account.role), to: wordFor('role', role) };
    if (!(await confirmDialog(t(role === 'owner' ? 'confirm_role_owner' : 'confirm_role', words), t('yes_role')))) {
      renderTeam();
      return;
    }
  }
  for (const control of item.querySelectorAll('button, select')) control.disabled = true;
  try {
    const changed = await api(`/team/${account.id}/${action}`, {
      method: 'POST',
      body: action === 'role' ? { role } : undefined,
    });
    haptic('success');
    state.teamMessage = {
      kind: 'done',
      text: t(`done_${action}`, { name: person(changed.name, changed.username), role: wordFor('role', changed.role) }),
    };
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    state.teamMessage = { kind: 'error', text: failure.message || t('network') };
  }
  renderTeam();
  // Either way, show the accounts as they are now.
  await loadTeam();
}

// --- time targets, on the Tim page -------------------------------------------------------------

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/// The group picker: the groups this account sees; the one shown stays while it exists.
function renderSlaGroups() {
  const select = $('sla-group');
  select.replaceChildren(...state.groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  if (!state.groups.some((g) => String(g.chat_id) === state.slaGroup)) {
    state.slaGroup = state.groups.length ? String(state.groups[0].chat_id) : '';
    state.slaTimes = null;
  }
  select.value = state.slaGroup;
  const none = state.groups.length === 0;
  $('sla-no-groups').hidden = !none;
  $('sla-group-field').hidden = none;
  $('sla-form').hidden = none;
}

function showSlaMessage(kind, text) {
  const message = $('sla-message');
  message.hidden = !text;
  message.className = kind === 'error' ? 'error' : 'done';
  message.textContent = text || '';
}

async function loadSla() {
  if (!state.slaGroup) return;
  const request = (state.slaSeq = (state.slaSeq || 0) + 1);
  $('sla-save').disabled = true;
  try {
    const times = await api(`/groups/${encodeURIComponent(state.slaGroup)}/settings`);
    if (request !== state.slaSeq) return;
    fillSla(times);
  } catch (failure) {
    if (request !== state.slaSeq) return;
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    // No longer an owner or admin: the Tim page's own check takes the page away.
    if (failure.code === 'not_found') await loadTeam({ quiet: true });
    showSlaMessage('error', failure.message || t('network'));
  } finally {
    if (request === state.slaSeq) $('sla-save').disabled = false;
  }
}

/// Shows a group's settings in the form.
function fillSla(times) {
  state.slaTimes = times;
  const settings = times.settings;
  $('sla-pickup').value = settings.pickup ?? '';
  $('sla-close').value = settings.close ?? '';
  $('sla-zone').value = settings.zone;
  $('sla-hours').replaceChildren(...DAYS.flatMap((day) => {
    const windows = settings.hours.filter((w) => w.day === day);
    // A day with no window is offered unticked, at usual office hours.
    if (!windows.length) return [dayRow(day, null)];
    return windows.map((w) => dayRow(day, w));
  }));
  labelSla();
}

/// One day's row: a tick for "open", and from/to. `24:00` (the end of the day) shows as
/// 00:00 in the `to` field, which a time field can show.
function dayRow(day, window) {
  const row = element('li', 'day-row');
  row.dataset.day = day;
  const label = element('label', 'day');
  const open = element('input', 'day-open');
  open.type = 'checkbox';
  open.checked = Boolean(window);
  // Short names: a phone's width holds them beside two time fields (12-hour ones too).
  const name = element('span', '', t(`dy_${day}`));
  name.dataset.i18n = `dy_${day}`;
  label.append(open, name);
  const from = element('input', 'from');
  from.type = 'time';
  from.value = window ? window.from : '08:00';
  const to = element('input', 'to');
  to.type = 'time';
  to.value = window ? (window.to === '24:00' ? '00:00' : window.to) : '17:00';
  const sync = () => {
    from.disabled = !open.checked;
    to.disabled = !open.checked;
    row.classList.toggle('open', open.checked);
  };
  open.addEventListener('change', sync);
  sync();
  row.append(label, from, element('span', 'dash', '–'), to);
  labelDayRow(row);
  return row;
}

function labelDayRow(row) {
  const day = t(`day_${row.dataset.day}`);
  row.querySelector('.day-open').setAttribute('aria-label', day);
  row.querySelector('.day').title = day;
  row.querySelector('.from').setAttribute('aria-label', `${day}: ${t('sla_from')}`);
  row.querySelector('.to').setAttribute('aria-label', `${day}: ${t('sla_to')}`);
}

/// The texts that name the defaults, in the page's language.
export function labelSla() {
  for (const row of $('sla-hours').children) labelDayRow(row);
  const defaults = state.slaTimes?.defaults;
  const named = (value) => (value === '0' ? t('sla_none') : value);
  $('sla-pickup').placeholder = defaults ? t('sla_default', { value: named(defaults.pickup) }) : '';
  $('sla-close').placeholder = defaults ? t('sla_default', { value: named(defaults.close) }) : '';
  const warn = defaults?.warn_before;
  $('sla-warn-hint').textContent = warn && warn !== '0' ? t('sla_warn_hint', { warn }) : '';
}

/// The form as the API takes it.
function slaBody() {
  const hours = [];
  for (const row of $('sla-hours').children) {
    if (!row.querySelector('.day-open').checked) continue;
    const to = row.querySelector('.to').value;
    hours.push({ day: row.dataset.day, from: row.querySelector('.from').value, to: to === '00:00' ? '24:00' : to });
  }
  return {
    pickup: $('sla-pickup').value.trim() || null,
    close: $('sla-close').value.trim() || null,
    hours,
    zone: $('sla-zone').value,
  };
}

async function saveSla(event) {
  event.preventDefault();
  if (!state.slaGroup) return;
  const chatId = state.slaGroup;
  showSlaMessage('done', '');
  $('sla-save').disabled = true;
  try {
    const times = await api(`/groups/${encodeURIComponent(chatId)}/settings`, { method: 'PUT', body: slaBody() });
    haptic('success');
    if (state.slaGroup === chatId) fillSla(times);
    const n = times.retimed ?? 0;
    showSlaMessage('done', t(n === 1 ? 'sla_saved_one' : 'sla_saved', { n, group: times.title }));
    loadTeam({ quiet: true });
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    if (failure.code === 'not_found') await loadTeam({ quiet: true });
    showSlaMessage('error', failure.message || t('network'));
  } finally {
    $('sla-save').disabled = false;
  }
}

/// `Gudang: {"pickup":"1h",…}` as the audit log keeps it, told shortly:
/// `Gudang · Pickup 1h · Close bawaan · Sen 08:00–17:00 · WIB`.
function settingsWords(detail) {
  const split = detail.indexOf(': {');
  if (split < 0) return detail;
  let settings;
  try { settings = JSON.parse(detail.slice(split + 2)); } catch (_) { return detail; }
  const target = (value) => (value === null || value === undefined ? t('sla_default_short') : value === '0' ? t('sla_none') : value);
  const hours = Array.isArray(settings.hours) && settings.hours.length
    ? settings.hours.map((w) => `${TEXTS.id[`dy_${w.day}`] ? t(`dy_${w.day}`) : w.day} ${w.from}–${w.to}`).join(', ')
    : t('sla_always_open');
  return [detail.slice(0, split), `Pickup ${target(settings.pickup)}`, `Close ${target(settings.close)}`, hours, settings.zone]
    .join(' · ');
}

export function wireTeam() {
  $('team-tab').addEventListener('click', () => {
    if (state.view === 'team') { showView('board'); load(); } else openTeam();
  });
  $('team-back').addEventListener('click', () => { showView('board'); load(); });
  $('sla-group').addEventListener('change', () => {
    state.slaGroup = $('sla-group').value;
    showSlaMessage('done', '');
    loadSla();
  });
  $('sla-form').addEventListener('submit', saveSla);
}
