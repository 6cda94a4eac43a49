// Tangkap Mini App: the entry. It wires the pages, follows the language switch and starts
// at the login or the board. Each page is a module of its own in js/, loaded natively.
// Every string from the server is put into the page with textContent, never as HTML.

import { $, pageFilters, state } from './js/state.js';
import { t } from './js/i18n.js';
import { tg } from './js/telegram.js';
import { applyTheme } from './js/theme.js';
import { api } from './js/api.js';
import { showBanner, showView, wireMenu } from './js/ui.js';
import { watchServer, whenBack } from './js/online.js';
import { LAUNCH_REFUSED, enterLogin, forgetSession, showLogin, wireLogin } from './js/login.js';
import { changeFilters, load, poll, render, selectStatus, showBoard, wireBoard } from './js/board.js';
import { closeTicket, renderTicket, wireTicket } from './js/ticket.js';
import { renderBookings, renderDesk, renderGrid, renderRoomTypes, wireBookings } from './js/bookings.js';
import { labelSla, renderTeam, wireTeam } from './js/team.js';
import { loadReport, renderReport, wireReport } from './js/reports.js';
import { loadShop, renderShop, wireShop } from './js/shop.js';

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $('lang').textContent = state.lang === 'id' ? 'EN' : 'ID';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  }
  if (!$('login-view').hidden) showLogin($('login-error').textContent);
  if (!$('board-view').hidden) render();
  if (!$('team-view').hidden) {
    renderTeam();
    labelSla();
  }
  if (!$('report-view').hidden) renderReport();
  if (!$('shop-view').hidden) renderShop();
  if (!$('booking-view').hidden) {
    renderDesk();
    renderGrid();
    renderBookings();
    state.roomTypesSeen = null;
    renderRoomTypes(state.roomTypes);
  }
  for (const option of document.querySelectorAll('[data-unknown-chat]')) {
    option.textContent = t('bs_staff_chat_unknown', { id: option.dataset.unknownChat });
  }
  if (!$('ticket-view').hidden) renderTicket();
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  applyTheme();
  tg?.ready();
  tg?.expand();
  tg?.onEvent?.('themeChanged', applyTheme);
  tg?.BackButton?.onClick(() => {
    if (state.view === 'ticket') { closeTicket(); return; }
    if (state.view !== 'board') { showView('board'); load(); return; }
    if (pageFilters().query) changeFilters({ query: '' }); else selectStatus('order');
  });
  wireMenu();
  wireLogin();
  wireBoard();
  wireTeam();
  wireReport();
  wireBookings();
  wireShop();
  wireTicket();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'id' ? 'en' : 'id';
    localStorage.setItem('tangkap.lang', state.lang);
    applyLanguage();
  });
  applyLanguage();

  // Asked beside the session or the login's own question, not before them: on a slow
  // network each round trip costs seconds.
  const configured = api('/config').then((config) => { state.config = config; }, (failure) => showBanner(failure.message));
  watchServer();
  // Back after being away: the page shown is asked again; opened while it was away, the
  // session kept is tried again.
  whenBack(async () => {
    if (state.user) {
      poll();
      if (state.view === 'reports') loadReport();
      if (state.view === 'shop') loadShop();
    } else if (state.token && !(await resume())) await enterLogin('');
  });
  if (await resume(configured)) return;
  await enterLogin('');
  // A login shown before the configuration came assumed browser login on.
  await configured;
  if (!state.config.browser_login && !$('login-view').hidden) showLogin($('login-error').textContent);
}

/// The session kept from an earlier visit, if it still holds; resolves to whether the
/// board is shown (once `configured`, the team's clock and the undo time being known).
async function resume(configured) {
  if (!state.token) return false;
  try {
    const [user] = await Promise.all([api('/me'), configured]);
    await showBoard(user);
    return true;
  } catch (failure) {
    // A session that ended, or that belongs to another Telegram account, is forgotten;
    // with the server out of reach, or launch data to be renewed, it is kept for the next try.
    if (failure.code === 'network') showBanner(failure.message);
    else if (!LAUNCH_REFUSED.includes(failure.code)) forgetSession();
    return false;
  }
}

start();
