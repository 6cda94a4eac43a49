// Telegram's Mini App object, when the page was opened from Telegram.

import { state } from './state.js';

const tgApp = window.Telegram && window.Telegram.WebApp;
// Inside Telegram only when the client handed us signed launch data.
export const tg = tgApp && tgApp.initData ? tgApp : null;

export function haptic(kind) {
  try { tg?.HapticFeedback?.notificationOccurred(kind); } catch (_) { /* older clients */ }
}

/// Opens a t.me link: inside Telegram in Telegram itself (a Mini App may not follow it as
/// a page), in a browser in a new tab.
export function openTelegramLink(url) {
  if (tg?.openTelegramLink) tg.openTelegramLink(url); else window.open(url, '_blank', 'noopener');
}

export function openBotChat() {
  openTelegramLink(`https://t.me/${state.config.bot_username || ''}`);
}
