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
    all_groups: 'Semua grup', group_filter: 'Grup',
    intro_telegram: 'Masuk sebagai {name} (Telegram). Masukkan password Anda.',
    intro_browser: 'Masuk dengan username atau ID Telegram dan password.',
    browser_off: 'Login lewat browser dimatikan. Buka aplikasi ini dari bot di Telegram.',
    missing_fields: 'Isi login dan password.', missing_password: 'Isi password.',
    title_unregistered: 'Belum terdaftar', title_pending: 'Menunggu persetujuan',
    title_disabled: 'Akun nonaktif', title_rejected: 'Pendaftaran ditolak',
    standing_unregistered: 'Akun Telegram Anda belum terdaftar di Tangkap. Buka bot dan kirim /daftar untuk mendaftar, lalu buka aplikasi ini lagi.',
    standing_pending: 'Pendaftaran Anda sudah diterima dan sedang menunggu persetujuan admin. Bot akan memberi kabar di chat pribadi begitu akun Anda disetujui.',
    standing_disabled: 'Akun Anda dinonaktifkan, jadi Anda tidak bisa masuk. Hubungi admin tim Anda bila ini keliru.',
    standing_rejected: 'Pendaftaran Anda ditolak, jadi Anda tidak bisa masuk. Hubungi admin tim Anda bila ini keliru.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaksi', f_keterangan: 'Keterangan',
    f_ticket: 'No_Tiket', f_requester: 'Diminta oleh', f_picked: 'Di-pickup oleh', f_closed: 'Di-close oleh',
    empty_order: 'Belum ada order baru.', empty_pickup: 'Tidak ada order yang sedang di-pickup.',
    empty_close: 'Belum ada order yang di-close.', empty_search: 'Tidak ada yang cocok dengan "{q}".',
    confirm_close: 'Close tiket {ticket} ({order_id})? Grup akan diberi tahu bahwa permintaan ini sudah selesai.',
    picked_ok: 'Tiket {ticket} di-pickup.', closed_ok: 'Tiket {ticket} di-close.',
    team_tab: 'Tim', team_title: 'Tim', back_to_board: '‹ Order',
    team_intro: 'Akun staf: setujui pendaftaran, nonaktifkan atau aktifkan akun, dan atur peran.',
    team_gone: 'Halaman Tim hanya untuk owner dan admin.',
    audit_title: 'Riwayat perubahan', audit_empty: 'Belum ada perubahan.', no_accounts: 'Belum ada akun.',
    role_owner: 'Owner', role_admin: 'Admin', role_staff: 'Staf',
    state_pending: 'Menunggu', state_active: 'Aktif', state_disabled: 'Nonaktif', state_rejected: 'Ditolak',
    a_telegram: 'Telegram', a_groups: 'Grup', a_last_login: 'Login terakhir', a_created: 'Terdaftar',
    a_role: 'Peran', never: 'Belum pernah', no_groups: '—',
    act_approve: 'Setujui', act_reject: 'Tolak', act_disable: 'Nonaktifkan', act_enable: 'Aktifkan',
    did_approve: 'menyetujui', did_reject: 'menolak', did_disable: 'menonaktifkan', did_enable: 'mengaktifkan',
    did_role: 'mengubah peran',
    confirm_reject: 'Tolak pendaftaran {name}? Ia tidak akan bisa masuk.',
    confirm_disable: 'Nonaktifkan akun {name}? Sesinya berakhir dan ia tidak bisa masuk sampai diaktifkan lagi.',
    yes_reject: 'Ya, tolak', yes_disable: 'Ya, nonaktifkan',
    done_approve: '{name} disetujui.', done_reject: '{name} ditolak.', done_disable: '{name} dinonaktifkan.',
    done_enable: '{name} diaktifkan.', done_role: 'Peran {name} sekarang {role}.',
    network: 'Tidak bisa terhubung ke server. Periksa koneksi Anda lalu coba lagi.',
    not_logged_in: 'Silakan masuk terlebih dahulu.',
    session_expired: 'Sesi Anda sudah berakhir. Silakan masuk lagi.',
    telegram_mismatch: 'Sesi ini milik akun Telegram lain. Silakan masuk lagi.',
    init_data_invalid: 'Data dari Telegram tidak valid. Buka aplikasi ini dari bot.',
    init_data_expired: 'Data dari Telegram sudah kedaluwarsa. Tutup dan buka lagi aplikasi ini.',
    not_registered: 'Akun Telegram Anda belum terdaftar. Kirim /daftar ke bot untuk mendaftar.',
    pending: 'Akun Anda masih menunggu persetujuan admin.',
    disabled: 'Akun Anda dinonaktifkan. Hubungi admin tim Anda.',
    rejected: 'Pendaftaran Anda ditolak. Hubungi admin tim Anda.',
    wrong_credentials: 'Login atau password salah.',
    internal: 'Terjadi kesalahan di server. Coba lagi sebentar lagi.',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', login_name: 'Username or Telegram ID',
    password: 'Password', login_button: 'Log in', open_bot: 'Open the bot to /daftar',
    tab_order: 'Order', tab_pickup: 'Pickup', tab_close: 'Close',
    search: 'Search ticket or Order_ID', more: 'Load more', cancel: 'Cancel',
    yes_close: 'Yes, close', pickup: 'Pick up', close: 'Close',
    all_groups: 'All groups', group_filter: 'Group',
    intro_telegram: 'Logging in as {name} (Telegram). Enter your password.',
    intro_browser: 'Log in with your username or Telegram ID and password.',
    browser_off: 'Browser login is turned off. Open this app from the bot in Telegram.',
    missing_fields: 'Enter your login and password.', missing_password: 'Enter your password.',
    title_unregistered: 'Not registered', title_pending: 'Waiting for approval',
    title_disabled: 'Account disabled', title_rejected: 'Registration rejected',
    standing_unregistered: 'Your Telegram account is not registered with Tangkap. Open the bot and send /daftar to register, then open this app again.',
    standing_pending: 'Your registration was received and is waiting for an admin to approve it. The bot will tell you in your private chat as soon as your account is approved.',
    standing_disabled: 'Your account is disabled, so you cannot log in. Contact your team admin if this is a mistake.',
    standing_rejected: 'Your registration was rejected, so you cannot log in. Contact your team admin if this is a mistake.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaction', f_keterangan: 'Note',
    f_ticket: 'Ticket', f_requester: 'Requested by', f_picked: 'Picked up by', f_closed: 'Closed by',
    empty_order: 'No new orders yet.', empty_pickup: 'No orders being worked on.',
    empty_close: 'No closed orders yet.', empty_search: 'Nothing matches "{q}".',
    confirm_close: 'Close ticket {ticket} ({order_id})? The group will be told the request is resolved.',
    picked_ok: 'Ticket {ticket} picked up.', closed_ok: 'Ticket {ticket} closed.',
    team_tab: 'Team', team_title: 'Team', back_to_board: '‹ Orders',
    team_intro: 'Staff accounts: approve registrations, disable or enable accounts, and set roles.',
    team_gone: 'The Team page is for owners and admins only.',
    audit_title: 'Change history', audit_empty: 'No changes yet.', no_accounts: 'No accounts yet.',
    role_owner: 'Owner', role_admin: 'Admin', role_staff: 'Staff',
    state_pending: 'Waiting', state_active: 'Active', state_disabled: 'Disabled', state_rejected: 'Rejected',
    a_telegram: 'Telegram', a_groups: 'Groups', a_last_login: 'Last login', a_created: 'Registered',
    a_role: 'Role', never: 'Never', no_groups: '—',
    act_approve: 'Approve', act_reject: 'Reject', act_disable: 'Disable', act_enable: 'Enable',
    did_approve: 'approved', did_reject: 'rejected', did_disable: 'disabled', did_enable: 'enabled',
    did_role: 'changed the role of',
    confirm_reject: 'Reject the registration of {name}? They will not be able to log in.',
    confirm_disable: 'Disable the account of {name}? Their session ends and they cannot log in until enabled again.',
    yes_reject: 'Yes, reject', yes_disable: 'Yes, disable',
    done_approve: '{name} approved.', done_reject: '{name} rejected.', done_disable: '{name} disabled.',
    done_enable: '{name} enabled.', done_role: '{name} is now {role}.',
    network: 'Cannot reach the server. Check your connection and try again.',
    not_logged_in: 'Please log in first.',
    session_expired: 'Your session has ended. Please log in again.',
    telegram_mismatch: 'This session belongs to another Telegram account. Please log in again.',
    init_data_invalid: 'The data from Telegram is not valid. Open this app from the bot.',
    init_data_expired: 'The data from Telegram has expired. Close and reopen this app.',
    not_registered: 'Your Telegram account is not registered. Send /daftar to the bot to register.',
    pending: 'Your account is still waiting for an admin to approve it.',
    disabled: 'Your account is disabled. Contact your team admin.',
    rejected: 'Your registration was rejected. Contact your team admin.',
    wrong_credentials: 'Wrong login or password.',
    internal: 'Something went wrong on the server. Please try again shortly.',
    locked: 'Too many failed attempts. Login is locked until {until} (about {seconds} seconds).',
    wrong_credentials_left: 'Wrong login or password. {left} more tries before login is locked for a while.',
    busy: 'The server is checking many logins right now. Please try again in a moment.',
    refused_not_allowed: 'Only active owners and admins manage accounts.',
    refused_owner_only: 'Only an owner makes or unmakes admins and owners.',
    refused_last_owner: 'The last active owner cannot be demoted or disabled.',
    refused_own_account: 'You cannot change your own account.',
    refused_not_applicable: 'This account is {state}, so this change does not apply.',
  },
};

const SESSION_KEY = 'tangkap.session';

const state = {
  lang: localStorage.getItem('tangkap.lang') === 'en' ? 'en' : 'id',
  // Kept across visits: reopening the app inside Telegram needs no password while the
  // session lives. The server ties a session opened in Telegram to that Telegram account.
  token: localStorage.getItem(SESSION_KEY),
  config: { bot_username: null, browser_login: true, utc_offset_minutes: 420 },
  user: null,
  // Inside Telegram: where this Telegram account stands ({state, name}), asked before
  // the password; null when it could not be asked.
  standing: null,
  standingError: '',
  view: 'board',
  status: 'order',
  query: '',
  group: '',
  groups: [],
  orders: [],
  hasMore: false,
  version: null,
  counts: { order: 0, pickup: 0, close: 0 },
  pollTimer: null,
  team: null,
  teamMessage: null,
};

const $ = (id) => document.getElementById(id);

function t(key, values) {
  const text = TEXTS[state.lang][key] ?? TEXTS.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values?.[name] ?? ''));
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
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

function updateBackButton() {
  if (!tg?.BackButton) return;
  const show = Boolean(state.user) && (state.view === 'team' || state.status !== 'order' || Boolean(state.query));
  if (show) tg.BackButton.show(); else tg.BackButton.hide();
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
    // Conflicts and refusals name people and states: the server's sentence is the one to show.
    const refusal = code === 'refused' && TEXTS.en[`refused_${data?.reason}`] ? `refused_${data.reason}` : null;
    let message;
    if (state.lang === 'id') message = data?.message || t(code);
    else if (refusal) message = t(refusal, { state: wordFor('state', data.state).toLowerCase() });
    else if (['conflict', 'refused', 'bad_request'].includes(code) || !TEXTS.en[code]) message = data?.message || t(code);
    else if (code === 'wrong_credentials' && data?.tries_left) message = t('wrong_credentials_left', { left: data.tries_left });
    else message = t(code, { seconds, until: data?.until });
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

const SESSION_ENDED = ['not_logged_in', 'session_expired', 'telegram_mismatch'];

function handleFailure(failure) {
  if (SESSION_ENDED.includes(failure.code)) {
    forgetSession();
    enterLogin(failure.message);
    return;
  }
  haptic('error');
  showBanner(failure.message || t('network'));
}

function forgetSession() {
  state.token = null;
  state.user = null;
  state.team = null;
  state.teamSeen = null;
  localStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(SESSION_KEY); // where older versions kept it
  clearInterval(state.pollTimer);
}

// --- login ------------------------------------------------------------------------------

/// Inside Telegram, asks where this Telegram account stands before offering the password.
async function checkStanding() {
  if (!tg) return;
  try {
    state.standing = await api('/login/telegram');
    state.standingError = '';
  } catch (failure) {
    state.standing = null;
    state.standingError = failure.message;
  }
}

async function enterLogin(message) {
  await checkStanding();
  showLogin(message || state.standingError);
}

function showLogin(message) {
  $('board-view').hidden = true;
  $('team-view').hidden = true;
  $('team-tab').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  state.user = null;
  updateBackButton();
  const standing = tg ? state.standing?.state : null;
  // Only an active account (or one whose standing could not be asked) gets a password field.
  const blocked = ['unregistered', 'pending', 'disabled', 'rejected'].includes(standing) ? standing : null;
  const title = $('login-view').querySelector('h2');
  title.textContent = blocked ? t(`title_${blocked}`) : t('login_title');
  const notice = $('login-standing');
  notice.hidden = !blocked;
  notice.className = blocked ? `standing ${blocked}` : 'standing';
  notice.textContent = blocked ? t(`standing_${blocked}`) : '';
  $('login-view').dataset.standing = standing || '';
  $('open-bot').hidden = blocked !== 'unregistered';
  $('login-intro').hidden = Boolean(blocked);
  $('login-password-field').hidden = Boolean(blocked);
  $('login-name-field').hidden = Boolean(tg);
  $('login-error').hidden = Boolean(blocked) && !message;
  if (blocked) {
    $('login-submit').hidden = true;
    tg?.MainButton.hide();
    if (blocked === 'unregistered') $('open-bot').focus();
    return;
  }
  if (tg) {
    const user = tg.initDataUnsafe?.user;
    const name = state.standing?.name || [user?.first_name, user?.last_name].filter(Boolean).join(' ');
    $('login-intro').textContent = t('intro_telegram', { name });
    $('login-submit').hidden = true;
    tg.MainButton.setText(t('login_button'));
    tg.MainButton.show();
  } else {
    const allowed = state.config.browser_login;
    $('login-submit').hidden = false;
    $('login-intro').textContent = allowed ? t('intro_browser') : t('browser_off');
    for (const input of $('login-form').querySelectorAll('input, button[type=submit]')) input.disabled = !allowed;
  }
  (tg ? $('login-password') : $('login-name')).focus();
}

async function submitLogin(event) {
  event?.preventDefault();
  if ($('login-view').hidden || $('login-password-field').hidden) return;
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
    localStorage.setItem(SESSION_KEY, session.token);
    $('login-password').value = '';
    haptic('success');
    await showBoard(session.user);
  } catch (failure) {
    haptic('error');
    const standing = { not_registered: 'unregistered', pending: 'pending', disabled: 'disabled', rejected: 'rejected' }[failure.code];
    if (tg && standing) {
      // The account stands elsewhere than when the page asked: say so instead of the field.
      state.standing = { state: standing, name: state.standing?.name ?? null };
      $('login-password').value = '';
      showLogin('');
    } else {
      $('login-error').textContent = failure.message;
      $('open-bot').hidden = failure.code !== 'not_registered';
    }
  } finally {
    $('login-submit').disabled = false;
    tg?.MainButton.hideProgress?.();
  }
}

async function logout() {
  try { await api('/logout', { method: 'POST' }); } catch (_) { /* the session ends here anyway */ }
  forgetSession();
  await enterLogin('');
}

// --- the board ----------------------------------------------------------------------------

async function showBoard(user) {
  state.user = user;
  tg?.MainButton.hide();
  $('login-view').hidden = true;
  $('logout').hidden = false;
  $('who').textContent = `${user.name} (@${user.username})`;
  $('team-tab').hidden = !user.manages_team;
  showView('board');
  if (!(await loadGroups())) return;
  // A direct link carries the ticket as start_param; a reminder's button in a private
  // chat, as ?ticket= in the address.
  const ticket = tg?.initDataUnsafe?.start_param || new URLSearchParams(location.search).get('ticket');
  if (ticket && /^[0-9A-Za-z]{1,16}$/.test(ticket)) await openTicket(ticket);
  else await load();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(poll, 4000);
}

function showView(view) {
  state.view = view;
  $('board-view').hidden = view !== 'board';
  $('team-view').hidden = view !== 'team';
  $('team-tab').setAttribute('aria-pressed', String(view === 'team'));
  updateBackButton();
}

/// The groups this account may see, for the filter; false when the session has ended.
async function loadGroups() {
  try {
    state.groups = (await api('/groups')).groups;
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return false; }
    state.groups = [];
  }
  if (!state.groups.some((g) => String(g.chat_id) === state.group)) state.group = '';
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
  select.value = state.group;
  select.hidden = state.groups.length === 0;
}

/// Opened from a group's "Buka tiket" button: show that ticket on whichever page it is.
async function openTicket(ticket) {
  state.query = ticket;
  state.group = '';
  $('group-filter').value = '';
  $('search').value = ticket;
  for (const status of ['order', 'pickup', 'close']) {
    const page = await api(`/orders?status=${status}&q=${encodeURIComponent(ticket)}&limit=1`);
    if (page.orders.length) { state.status = status; break; }
  }
  await load();
}

function summaryPath() {
  return state.group ? `/summary?group=${encodeURIComponent(state.group)}` : '/summary';
}

async function load({ append = false } = {}) {
  // Only the newest request may draw: an older answer arriving late (after a tab switch,
  // say) would otherwise show the wrong page.
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  const params = new URLSearchParams({ status: state.status, limit: '50' });
  if (state.query) params.set('q', state.query);
  if (state.group) params.set('group', state.group);
  if (append && state.next) params.set('after', state.next);
  try {
    const [page, summary] = await Promise.all([api(`/orders?${params}`), api(summaryPath())]);
    if (request !== state.loadSeq) return;
    state.orders = append ? state.orders.concat(page.orders) : page.orders;
    state.hasMore = page.has_more;
    state.next = page.next;
    state.version = summary.version;
    state.counts = summary.counts;
    render();
  } catch (failure) {
    handleFailure(failure);
  }
}

async function poll() {
  if (document.hidden || !state.token) return;
  if (state.view === 'team') loadTeam({ quiet: true });
  try {
    const summary = await api(summaryPath());
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

/// `Name (@username)`, or the name alone when there is no username.
function person(name, username) {
  return username ? `${name} (@${username})` : name;
}

function renderCounts() {
  for (const tab of document.querySelectorAll('.tabs button')) {
    tab.querySelector('.count').textContent = String(state.counts[tab.dataset.status] ?? 0);
    tab.setAttribute('aria-selected', String(tab.dataset.status === state.status));
  }
  updateBackButton();
}

function field(list, label, value, className) {
  const dt = element('dt', '', label);
  const dd = element('dd', className, value);
  list.append(dt, dd);
}

function renderOrder(order) {
  const item = element('li', `order ${order.status}`);
  item.dataset.no = String(order.no);
  item.dataset.chat = String(order.chat_id);
  const head = document.createElement('header');
  head.append(element('span', 'ticket', order.ticket_no), element('span', 'no', `#${order.no}`));
  if (order.group_title) {
    const group = element('span', 'group', order.group_title);
    group.title = order.group_title;
    head.append(group);
  }
  head.append(element('span', 'time', formatTime(order.closed_at || order.picked_at || order.created_at)));

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
  item.append(head, details);

  if (order.status !== 'close') {
    const action = element('button', 'action', order.status === 'order' ? t('pickup') : t('close'));
    action.type = 'button';
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

/// Asks before something that cannot simply be undone; resolves to the answer.
function confirmDialog(text, yes) {
  return new Promise((resolve) => {
    $('confirm-text').textContent = text;
    $('confirm-yes').textContent = yes;
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

// --- the Tim page (owners and admins) --------------------------------------------------------

const ACTION_ORDER = ['approve', 'reject', 'enable', 'disable'];

function wordFor(kind, value) {
  const key = `${kind}_${value}`;
  return TEXTS.id[key] ? t(key) : value;
}

/// "pending → active" or "staff → admin" in the page's language.
function detailWords(detail) {
  return detail.split(' → ').map((part) => {
    if (TEXTS.id[`state_${part}`]) return wordFor('state', part).toLowerCase();
    if (TEXTS.id[`role_${part}`]) return wordFor('role', part).toLowerCase();
    return part;
  }).join(' → ');
}

async function openTeam() {
  if (!state.user?.manages_team) return;
  state.teamMessage = null;
  showView('team');
  renderTeam();
  await loadTeam();
}

async function loadTeam({ quiet = false } = {}) {
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

function renderTeam() {
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
  item.append(element('span', 'at', formatTime(entry.at)), line, element('span', 'detail', detailWords(entry.detail)));
  return item;
}

async function changeAccount(account, action, item, role) {
  const name = person(account.name, account.username);
  if (['reject', 'disable'].includes(action)
      && !(await confirmDialog(t(`confirm_${action}`, { name }), t(`yes_${action}`)))) return;
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

// --- language -------------------------------------------------------------------------------

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
  if (!$('team-view').hidden) renderTeam();
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  applyTheme();
  tg?.ready();
  tg?.expand();
  tg?.onEvent?.('themeChanged', applyTheme);
  tg?.MainButton.onClick(submitLogin);
  tg?.BackButton?.onClick(() => {
    if (state.view === 'team') { showView('board'); load(); return; }
    if (state.query) { state.query = ''; $('search').value = ''; load(); } else selectStatus('order');
  });
  $('login-form').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', logout);
  $('open-bot').addEventListener('click', openBotChat);
  $('more').addEventListener('click', () => load({ append: true }));
  $('team-tab').addEventListener('click', () => {
    if (state.view === 'team') { showView('board'); load(); } else openTeam();
  });
  $('team-back').addEventListener('click', () => { showView('board'); load(); });
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
  $('group-filter').addEventListener('change', () => {
    state.group = $('group-filter').value;
    state.orders = [];
    load();
  });
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
      // A session that ended, or that belongs to another Telegram account, is forgotten;
      // with the server out of reach it is kept for the next try.
      if (failure.code === 'network') showBanner(failure.message);
      else forgetSession();
    }
  }
  await enterLogin('');
}

start();
