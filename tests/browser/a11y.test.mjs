// Every page, light and dark, on a phone and a desktop (#27, "accessible" and "layout"): axe
// finds no serious or critical violation, every tap target is at least 44×44 px, and
// nothing is wider than the screen at 320, 390 and 1280 px (audit.mjs says how each is
// measured). Started by tests/browser.rs, which runs Tangkap with a hotel, tickets (one
// late, one closed), a week of report data and the front desk's day, and an owner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from '@telegram-apps/init-data-node';
import { launchChromium, openInTelegram } from './chromium.mjs';
import { audit } from './audit.mjs';
import { openMenu, tapInMenu } from './menu.mjs';

const base = process.env.TANGKAP_URL;
const token = process.env.TANGKAP_BOT_TOKEN;
// An owner ({id, first_name, username, login, password}): every page is theirs to see.
const owner = JSON.parse(process.env.TANGKAP_OWNER);


let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const THEMES = ['light', 'dark'];

/// A light theme of its own, paler than Telegram's (a client's or a user's custom theme):
/// its hint, link and red are 1.7–2.3:1 on its backgrounds, so the page works out how far
/// to move each towards the text colour (webapp/js/theme.js).
const PALE = {
  bg_color: '#fdfcf7', text_color: '#202020', hint_color: '#c4c4c4', link_color: '#8cc2ff',
  button_color: '#66aaff', button_text_color: '#ffffff', secondary_bg_color: '#f4f1e6',
  section_bg_color: '#fffef8', destructive_text_color: '#ff8f85',
};

/// A phone-sized page in `theme`: inside Telegram (the stand-in, with Telegram's own theme
/// colours) when `telegram`, else a plain browser following the device's scheme.
async function open(theme, { telegram = true, path = '/', themeParams } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: theme });
  await context.route('https://telegram.org/**', (route) => route.abort());
  await context.route('https://t.me/**', (route) => route.fulfill({ contentType: 'text/plain', body: 'Telegram' }));
  if (telegram) {
    const user = { id: owner.id, first_name: owner.first_name, username: owner.username };
    const setup = { initData: sign({ user, query_id: 'AAHa11y' }, token, new Date()), user, theme };
    const ownTheme = themeParams ? `window.Telegram.WebApp.themeParams = ${JSON.stringify(themeParams)};` : '';
    await openInTelegram(context, setup, setup.theme, ownTheme);
  }
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}${path}`);
  return { page, context, problems };
}

/// Fails with every finding, one per line, so that a run names all that is wrong at once.
function assertClean(failures) {
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
}

for (const [theme, themeParams] of [...THEMES.map((name) => [name]), ['light', PALE]]) {
  const named = themeParams ? 'a pale theme of its own' : theme;
  test(`the Mini App's pages in Telegram, ${named}`, async () => {
    const { page, context, problems } = await open(theme, { themeParams });
    const failures = [];
    await page.locator('#login-view').waitFor();
    failures.push(...await audit(page, `login ${named}`));

    await page.locator('#login-password').fill(owner.password);
    await page.locator('#tg-main-button').click();
    await page.locator('#orders .order[data-sla="late"]').first().waitFor();
    failures.push(...await audit(page, `board ${named}`));

    // The header's menu, open (on a phone; on a desktop it is the header itself).
    await openMenu(page);
    failures.push(...await audit(page, `menu ${named}`));
    await page.keyboard.press('Escape');

    // A search that misses on its page, and the same search over every status.
    await page.locator('#search').fill('CLS-1');
    await page.locator('#search').press('Enter');
    await page.locator('#search-everywhere').waitFor();
    failures.push(...await audit(page, `search ${named}`));
    await page.locator('#search-everywhere').click();
    await page.locator('#board-view[data-status="all"] #orders .order').first().waitFor();
    failures.push(...await audit(page, `search everywhere ${named}`));
    await page.locator('#filter-chips .filter-chip').first().click();
    await page.locator('#board-view[data-status="order"]').waitFor();

    // The filters open and in force: the panel, its export, the chips, the late filter.
    await page.locator('#filter-panel summary').click();
    await page.locator('#filter-transaksi').fill('TRX');
    await page.locator('#filter-apply').click();
    await page.locator('#late-only').click();
    await page.locator('#filter-chips .filter-chip').first().waitFor();
    failures.push(...await audit(page, `board with filters ${named}`));
    await page.locator('#filter-chips .filter-chip').first().click();
    await page.locator('#late-only').click();

    for (const status of ['pickup', 'close']) {
      await page.locator(`.tabs button[data-status="${status}"]`).click();
      await page.locator(`#board-view[data-status="${status}"] #orders .order`).first().waitFor();
      failures.push(...await audit(page, `${status} tab ${named}`));
    }

    await page.locator('#orders .order .keterangan').first().click();
    await page.locator('#ticket-timeline .event').first().waitFor();
    failures.push(...await audit(page, `ticket ${named}`));
    await page.locator('#ticket-back').click();

    await tapInMenu(page, '#team-tab');
    await page.locator('#accounts .account').first().waitFor();
    failures.push(...await audit(page, `Tim ${named}`));

    await tapInMenu(page, '#report-tab');
    await page.locator('#report-staff tbody tr').first().waitFor();
    failures.push(...await audit(page, `Laporan ${named}`));

    await tapInMenu(page, '#booking-tab');
    await page.locator('#desk .desk-list .order').first().waitFor();
    await page.locator('#room-types .room-type').first().waitFor();
    failures.push(...await audit(page, `Booking ${named}`));

    assertClean(failures);
    assert.deepEqual(problems, []);
    await context.close();
  });

  if (themeParams) continue;
  test(`the login in a plain browser and the public booking page, ${theme}`, async () => {
    const failures = [];
    const login = await open(theme, { telegram: false });
    await login.page.locator('#login-name').waitFor();
    failures.push(...await audit(login.page, `browser login ${named}`));
    await login.context.close();

    const booking = await open(theme, { telegram: false, path: '/booking' });
    await booking.page.locator('#booking-form').waitFor();
    failures.push(...await audit(booking.page, `booking page ${named}`));
    await booking.page.locator('input[name="via"][value="web"]').check();
    await booking.page.locator('#email-field').waitFor();
    failures.push(...await audit(booking.page, `booking page by mail ${named}`));
    assert.deepEqual(booking.problems, []);
    await booking.context.close();
    assertClean(failures);
  });
}
