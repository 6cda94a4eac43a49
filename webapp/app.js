// Tangkap Mini App: login, then the Order / Pickup / Close pages.
// Every string from the server is put into the page with textContent, never as HTML.
'use strict';

const tgApp = window.Telegram && window.Telegram.WebApp;
// Inside Telegram only when the client handed us signed launch data.
const tg = tgApp && tgApp.initData ? tgApp : null;

const TEXTS = {
  id: {
    logout: 'Keluar', login_title: 'Masuk', login_name: 'Username atau ID Telegram',
    password: 'Password', login_button: 'Masuk', open_bot: 'Buka bot untuk /daftar',
    tab_order: 'Order', tab_pickup: 'Pickup', tab_close: 'Close',
    search: 'Cari no tiket atau Order_ID', more: 'Muat lebih banyak', cancel: 'Batal',
    yes_close: 'Ya, close', pickup: 'Pickup', close: 'Close',
    intro_telegram: 'Masuk sebagai {name} (Telegram). Masukkan password Anda.',
    intro_browser: 'Masuk dengan username atau ID Telegram dan password.',
    browser_off: 'Login lewat browser dimatikan. Buka aplikasi ini dari bot di Telegram.',
    missing_fields: 'Isi login dan password.', missing_password: 'Isi password.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaksi', f_keterangan: 'Keterangan',
    f_ticket: 'No_Tiket', f_requester: 'Diminta oleh', f_picked: 'Di-pickup oleh', f_closed: 'Di-close oleh',
    empty_order: 'Belum ada order baru.', empty_pickup: 'Tidak ada order yang sedang di-pickup.',
    empty_close: 'Belum ada order yang di-close.', empty_search: 'Tidak ada yang cocok dengan "{q}".',
    confirm_close: 'Close tiket {ticket} ({order_id})? Grup akan diberi tahu bahwa permintaan ini sudah selesai.',
    picked_ok: 'Tiket {ticket} di-pickup.', closed_ok: 'Tiket {ticket} di-close.',
    network: 'Tidak bisa terhubung ke server. Periksa koneksi Anda lalu coba lagi.',
    not_logged_in: 'Silakan masuk terlebih dahulu.',
    session_expired: 'Sesi Anda sudah berakhir. Silakan masuk lagi.',
    telegram_mismatch: 'Sesi ini milik akun Telegram lain. Silakan masuk lagi.',
    init_data_invalid: 'Data dari Telegram tidak valid. Buka aplikasi ini dari bot.',
    init_data_expired: 'Data dari Telegram sudah kedaluwarsa. Tutup dan buka lagi aplikasi ini.',
    not_registered: 'Akun Telegram Anda belum terdaftar. Kirim /daftar ke bot untuk mendaftar.',
    wrong_credentials: 'Login atau password salah.',
    internal: 'Terjadi kesalahan di server. Coba lagi sebentar lagi.',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', login_name: 'Username or Telegram ID',
    password: 'Password', login_button: 'Log in', open_bot: 'Open the bot to /daftar',
    tab_order: 'Order', tab_pickup: 'Pickup', tab_close: 'Close',
    search: 'Search ticket or Order_ID', more: 'Load more', cancel: 'Cancel',
    yes_close: 'Yes, close', pickup: 'Pick up', close: 'Close',
    intro_telegram: 'Logging in as {name} (Telegram). Enter your password.',
    intro_browser: 'Log in with your username or Telegram ID and password.',
    browser_off: 'Browser login is turned off. Open this app from the bot in Telegram.',
    missing_fields: 'Enter your login and password.', missing_password: 'Enter your password.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaction', f_keterangan: 'Note',
    f_ticket: 'Ticket', f_requester: 'Requested by', f_picked: 'Picked up by', f_closed: 'Closed by',
    empty_order: 'No new orders yet.', empty_pickup: 'No orders being worked on.',
    empty_close: 'No closed orders yet.', empty_search: 'Nothing matches "{q}".',
    confirm_close: 'Close ticket {ticket} ({order_id})? The group will be told the request is resolved.',
    picked_ok: 'Ticket {ticket} picked up.', closed_ok: 'Ticket {ticket} closed.',
    network: 'Cannot reach the server. Check your connection and try again.',
    not_logged_in: 'Please log in first.',
    session_expired: 'Your session has ended. Please log in again.',
    telegram_mismatch: 'This session belongs to another Telegram account. Please log in again.',
    init_data_invalid: 'The data from Telegram is not valid. Open this app from the bot.',
    init_data_expired: 'The data from Telegram has expired. Close and reopen this app.',
    not_registered: 'Your Telegram account is not registered. Send /daftar to the bot to register.',
    wrong_credentials: 'Wrong login or password.',
    internal: 'Something went wrong on the server. Please try again shortly.',
    locked: 'Too many failed attempts. Try again in {seconds} seconds.',
  },
};

const state = {
  lang: localStorage.getItem('tangkap.lang') === 'en' ? 'en' : 'id',
  token: sessionStorage.getItem('tangkap.session'),
  config: { bot_username: null, browser_login: true, utc_offset_minutes: 420 },
  status: 'order',
  query: '',
  orders: [],
  hasMore: false,
  version: null,
  counts: { order: 0, pickup: 0, close: 0 },
  pollTimer: null,
};

const $ = (id) => document.getElementById(id);

function t(key, values) {
  const text = TEXTS[state.lang][key] ?? TEXTS.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values?.[name] ?? ''));
}

// --- Telegram integration ------------------------------------------------------------

function applyTheme() {
  if (!tg) return;
  const root = document.documentElement;
  root.classList.add('tg');
  root.classList.toggle('dark', tg.colorScheme === 'dark');
  const names = {
    bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
    button_color: '--button', button_text_color: '--button-text',
    secondary_bg_color: '--secondary-bg', section_bg_color: '--section-bg',
    destructive_text_color: '--destructive',
  };
  for (const [param, variable] of Object.entries(names)) {
    const value = tg.themeParams?.[param];
    if (typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(value)) root.style.setProperty(variable, value);
  }
}

function haptic(kind) {
  try { tg?.HapticFeedback?.notificationOccurred(kind); } catch (_) { /* older clients */ }
}

function openBotChat() {
  const url = `https://t.me/${state.config.bot_username || ''}`;
  if (tg?.openTelegramLink) tg.openTelegramLink(url); else window.open(url, '_blank', 'noopener');
}

// --- talking to the server -------------------------------------------------------------

class ApiFailure extends Error {
  constructor(code, message, status) { super(message); this.code = code; this.status = status; }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (state.token) headers['X-Session-Token'] = state.token;
  if (tg) headers.Authorization = `tma ${tg.initData}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    throw new ApiFailure('network', t('network'), 0);
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (_) { /* not JSON: a proxy error page */ }
  if (!response.ok) {
    const code = data?.error || (response.status >= 500 ? 'internal' : 'network');
    const seconds = response.headers.get('Retry-After');
    // Conflict messages name people: the server's sentence is the one to show.
    const message = code === 'conflict' || code === 'bad_request' || state.lang === 'id' || !TEXTS.en[code]
      ? (data?.message || t(code))
      : t(code, { seconds });
    throw new ApiFailure(code, message, response.status);
  }
  return data;
}

function showBanner(message, kind = 'error') {
  const banner = $('banner');
  banner.textContent = message;
  banner.className = kind === 'info' ? 'info' : '';
  banner.hidden = false;
  clearTimeout(showBanner.timer);
  showBanner.timer = setTimeout(() => { banner.hidden = true; }, kind === 'info' ? 2500 : 6000);
}

function handleFailure(failure) {
  if (['not_logged_in', 'session_expired', 'telegram_mismatch'].includes(failure.code)) {
    forgetSession();
    showLogin(failure.message);
    return;
  }
  haptic('error');
  showBanner(failure.message || t('network'));
}

function forgetSession() {
  state.token = null;
  sessionStorage.removeItem('tangkap.session');
  clearInterval(state.pollTimer);
}

// --- login ------------------------------------------------------------------------------

function showLogin(message) {
  $('board-view').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
  $('open-bot').hidden = true;
  $('login-error').textContent = message || '';
  const user = tg?.initDataUnsafe?.user;
  $('login-name-field').hidden = Boolean(tg);
  if (tg) {
    $('login-intro').textContent = t('intro_telegram', { name: [user?.first_name, user?.last_name].filter(Boolean).join(' ') });
    $('login-submit').hidden = true;
    tg.MainButton.setText(t('login_button'));
    tg.MainButton.show();
  } else {
    const allowed = state.config.browser_login;
    $('login-intro').textContent = allowed ? t('intro_browser') : t('browser_off');
    for (const input of $('login-form').querySelectorAll('input, button[type=submit]')) input.disabled = !allowed;
  }
  (tg ? $('login-password') : $('login-name')).focus();
}

async function submitLogin(event) {
  event?.preventDefault();
  const password = $('login-password').value;
  const login = $('login-name').value.trim();
  if (!password || (!tg && !login)) {
    $('login-error').textContent = tg ? t('missing_password') : t('missing_fields');
    haptic('error');
    return;
  }
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  tg?.MainButton.showProgress?.();
  try {
    const session = tg
      ? await api('/login/telegram', { method: 'POST', body: { password } })
      : await api('/login', { method: 'POST', body: { login, password } });
    state.token = session.token;
    sessionStorage.setItem('tangkap.session', session.token);
    $('login-password').value = '';
    haptic('success');
    await showBoard(session.user);
  } catch (failure) {
    $('login-error').textContent = failure.message;
    $('open-bot').hidden = failure.code !== 'not_registered';
    haptic('error');
  } finally {
    $('login-submit').disabled = false;
    tg?.MainButton.hideProgress?.();
  }
}

async function logout() {
  try { await api('/logout', { method: 'POST' }); } catch (_) { /* the session ends here anyway */ }
  forgetSession();
  showLogin('');
}

// --- the board ----------------------------------------------------------------------------

async function showBoard(user) {
  tg?.MainButton.hide();
  $('login-view').hidden = true;
  $('board-view').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = `${user.name} (@${user.username})`;
  const ticket = tg?.initDataUnsafe?.start_param;
  if (ticket && /^[0-9A-Za-z]{1,16}$/.test(ticket)) await openTicket(ticket);
  else await load();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(poll, 4000);
}

/// Opened from a group's "Buka tiket" button: show that ticket on whichever page it is.
async function openTicket(ticket) {
  state.query = ticket;
  $('search').value = ticket;
  for (const status of ['order', 'pickup', 'close']) {
    const page = await api(`/orders?status=${status}&q=${encodeURIComponent(ticket)}&limit=1`);
    if (page.orders.length) { state.status = status; break; }
  }
  await load();
}

async function load({ append = false } = {}) {
  // Only the newest request may draw: an older answer arriving late (after a tab switch,
  // say) would otherwise show the wrong page.
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  const params = new URLSearchParams({ status: state.status, limit: '50' });
  if (state.query) params.set('q', state.query);
  if (append && state.orders.length) params.set('before', String(state.orders[state.orders.length - 1].no));
  try {
    const [page, summary] = await Promise.all([api(`/orders?${params}`), api('/summary')]);
    if (request !== state.loadSeq) return;
    state.orders = append ? state.orders.concat(page.orders) : page.orders;
    state.hasMore = page.has_more;
    state.version = summary.version;
    state.counts = summary.counts;
    render();
  } catch (failure) {
    handleFailure(failure);
  }
}

async function poll() {
  if (document.hidden || !state.token) return;
  try {
    const summary = await api('/summary');
    state.counts = summary.counts;
    renderCounts();
    if (summary.version !== state.version) await load();
  } catch (failure) {
    if (failure.code !== 'network') handleFailure(failure);
  }
}

function formatTime(ms) {
  if (!ms) return '';
  const d = new Date(ms + state.config.utc_offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function renderCounts() {
  for (const tab of document.querySelectorAll('.tabs button')) {
    tab.querySelector('.count').textContent = String(state.counts[tab.dataset.status] ?? 0);
    tab.setAttribute('aria-selected', String(tab.dataset.status === state.status));
  }
  if (tg?.BackButton) {
    if (state.status !== 'order' || state.query) tg.BackButton.show(); else tg.BackButton.hide();
  }
}

function field(list, label, value, className) {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (className) dd.className = className;
  list.append(dt, dd);
}

function renderOrder(order) {
  const item = document.createElement('li');
  item.className = `order ${order.status}`;
  item.dataset.no = String(order.no);
  const head = document.createElement('header');
  const ticket = document.createElement('span');
  ticket.className = 'ticket';
  ticket.textContent = order.ticket_no;
  const no = document.createElement('span');
  no.className = 'no';
  no.textContent = `#${order.no}`;
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = formatTime(order.closed_at || order.picked_at || order.created_at);
  head.append(ticket, no, time);

  const details = document.createElement('dl');
  field(details, t('f_order_id'), order.order_id, 'order-id');
  field(details, t('f_transaksi'), order.transaksi, 'transaksi');
  field(details, t('f_keterangan'), order.keterangan, 'keterangan');
  field(details, t('f_requester'), `${order.requester_name} · ${formatTime(order.created_at)}`, 'requester');
  if (order.picked_by) field(details, t('f_picked'), `${order.picked_by} · ${formatTime(order.picked_at)}`, 'picked-by');
  if (order.closed_by) field(details, t('f_closed'), `${order.closed_by} · ${formatTime(order.closed_at)}`, 'closed-by');
  item.append(head, details);

  if (order.status !== 'close') {
    const action = document.createElement('button');
    action.type = 'button';
    action.className = 'action';
    action.textContent = order.status === 'order' ? t('pickup') : t('close');
    action.addEventListener('click', () => act(order, action));
    item.append(action);
  }
  return item;
}

function render() {
  renderCounts();
  const list = $('orders');
  list.replaceChildren(...state.orders.map(renderOrder));
  const empty = $('empty');
  empty.hidden = state.orders.length > 0;
  empty.textContent = state.query ? t('empty_search', { q: state.query }) : t(`empty_${state.status}`);
  $('more').hidden = !state.hasMore;
}

function confirmClose(order) {
  return new Promise((resolve) => {
    $('confirm-text').textContent = t('confirm_close', { ticket: order.ticket_no, order_id: order.order_id });
    $('confirm').hidden = false;
    const done = (answer) => {
      $('confirm').hidden = true;
      $('confirm-yes').onclick = null;
      $('confirm-no').onclick = null;
      resolve(answer);
    };
    $('confirm-yes').onclick = () => done(true);
    $('confirm-no').onclick = () => done(false);
    $('confirm-yes').focus();
  });
}

async function act(order, button) {
  const step = order.status === 'order' ? 'pickup' : 'close';
  if (step === 'close' && !(await confirmClose(order))) return;
  button.disabled = true;
  try {
    await api(`/orders/${order.no}/${step}`, { method: 'POST' });
    haptic('success');
    showBanner(t(step === 'pickup' ? 'picked_ok' : 'closed_ok', { ticket: order.ticket_no }), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  // Either way the row has left this page (moved by us, or by whoever was faster).
  await load();
}

function selectStatus(status) {
  state.status = status;
  state.orders = [];
  load();
}

// --- language -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $('lang').textContent = state.lang === 'id' ? 'EN' : 'ID';
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  if (!$('login-view').hidden) showLogin($('login-error').textContent);
  if (!$('board-view').hidden) render();
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  applyTheme();
  tg?.ready();
  tg?.expand();
  tg?.onEvent?.('themeChanged', applyTheme);
  tg?.MainButton.onClick(submitLogin);
  tg?.BackButton?.onClick(() => {
    if (state.query) { state.query = ''; $('search').value = ''; load(); } else selectStatus('order');
  });
  $('login-form').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', logout);
  $('open-bot').addEventListener('click', openBotChat);
  $('more').addEventListener('click', () => load({ append: true }));
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'id' ? 'en' : 'id';
    localStorage.setItem('tangkap.lang', state.lang);
    applyLanguage();
  });
  for (const tab of document.querySelectorAll('.tabs button')) {
    tab.addEventListener('click', () => selectStatus(tab.dataset.status));
  }
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.query = $('search').value.trim();
    load();
  });
  $('search').addEventListener('search', () => { state.query = $('search').value.trim(); load(); });
  applyLanguage();

  try {
    state.config = await api('/config');
  } catch (failure) {
    showBanner(failure.message);
  }
  if (state.token) {
    try {
      const user = await api('/me');
      await showBoard(user);
      return;
    } catch (failure) {
      forgetSession();
      if (failure.code === 'network') { showBanner(failure.message); }
    }
  }
  showLogin('');
}

start();
