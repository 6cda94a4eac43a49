// Debian's Chromium, headless, as the browser tests launch it (no browser is downloaded,
// and no background traffic leaves the machine), and the Telegram it opens pages in.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
      '--disable-background-networking', '--disable-component-update'],
  });
}

const standIn = readFileSync(new URL('../../webapp/telegram-stand-in.js', import.meta.url), 'utf8');

/// Opens pages of `context` as Telegram would: the stand-in of Telegram's script, with
/// `setup` (`initData`, `user`, `startParam`) and the `theme`'s colours (light or dark);
/// `extra` is more script to run first, e.g. a session already kept.
export async function openInTelegram(context, setup, theme = 'light', extra = '') {
  await context.addInitScript({
    content: `${standIn}
      const setup = ${JSON.stringify(setup)};
      const themes = window.TangkapTelegramStandIn;
      themes.install({ ...setup, colorScheme: ${JSON.stringify(theme)},
        themeParams: ${JSON.stringify(theme)} === 'dark' ? themes.DARK_THEME : themes.LIGHT_THEME });
      ${extra}`,
  });
}
