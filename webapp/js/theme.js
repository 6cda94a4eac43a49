// Telegram's theme colours, carried into the page's CSS variables.

import { tg } from './telegram.js';

export function applyTheme() {
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
