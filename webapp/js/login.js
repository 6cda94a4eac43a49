// The login page, and what follows when a session ends.

import { $, SESSION_KEY, state } from './state.js';
import { t } from './i18n.js';
import { haptic, openBotChat, tg } from './telegram.js';
import { SESSION_ENDED, api } from './api.js';
import { unreachable } from './online.js';
import { dropSkeleton, showBanner, updateBackButton } from './ui.js';
import { showBoard } from './board.js';

/// Telegram's launch data refused (too old, or signed for another bot token): only opening
/// the app again from the bot helps, and the session is kept for then.
export const LAUNCH_REFUSED = ['init_data_expired', 'init_data_invalid'];

export function handleFailure(failure) {
  if (SESSION_ENDED.includes(failure.code)) {
    forgetSession();
    enterLogin(failure.message);
    return;
  }
  haptic('error');
  if (LAUNCH_REFUSED.includes(failure.code)) {
    clearInterval(state.pollTimer);
    enterLogin('');
    return;
  }
  // The server is away: the lasting banner says so, and goes when it is back.
  if (failure.code === 'network') {
    unreachable();
    return;
  }
  showBanner(failure.message || t('network'));
}

export function forgetSession() {
  state.token = null;
  state.user = null;
  state.team = null;
  state.teamSeen = null;
  localStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(SESSION_KEY); // where older versions kept it
  clearInterval(state.pollTimer);
  clearTimeout(state.tickTimer);
  state.clocks = [];
  state.slaTimes = null;
}

/// Inside Telegram, asks where this Telegram account stands before offering the password.
async function checkStanding() {
  if (!tg) return;
  try {
    state.standing = await api('/login/telegram');
    state.standingError = '';
  } catch (failure) {
    const reopen = LAUNCH_REFUSED.includes(failure.code);
    state.standing = reopen ? { state: 'reopen', name: null, code: failure.code } : null;
    state.standingError = reopen ? '' : failure.message;
  }
}

export async function enterLogin(message) {
  await checkStanding();
  showLogin(message || state.standingError);
}

export function showLogin(message) {
  dropSkeleton();
  $('board-view').hidden = true;
  $('team-view').hidden = true;
  $('shop-view').hidden = true;
  $('ticket-view').hidden = true;
  $('team-tab').hidden = true;
  $('shop-tab').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  state.user = null;
  updateBackButton();
  const standing = tg ? state.standing?.state : null;
  // Only an active account (or one whose standing could not be asked) gets a password field.
  const blocked = ['unregistered', 'pending', 'disabled', 'rejected', 'reopen'].includes(standing) ? standing : null;
  const title = $('login-view').querySelector('h2');
  title.textContent = blocked ? t(`title_${blocked}`) : t('login_title');
  const notice = $('login-standing');
  notice.hidden = !blocked;
  notice.className = blocked ? `standing ${blocked}` : 'standing';
  notice.textContent = blocked === 'reopen' ? t(state.standing.code) : blocked ? t(`standing_${blocked}`) : '';
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

export function wireLogin() {
  tg?.MainButton.onClick(submitLogin);
  $('login-form').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', logout);
  $('open-bot').addEventListener('click', openBotChat);
}
