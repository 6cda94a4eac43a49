// The Mini App in headless Chromium (Debian's), driven by playwright-core. Started by
// tests/browser.rs, which runs Tangkap against the fake Telegram, seeds staff and orders,
// and afterwards checks the group received Feedback 2 and 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';
import { sign } from '@telegram-apps/init-data-node';

const base = process.env.TANGKAP_URL;
const token = process.env.TANGKAP_BOT_TOKEN;
const staff = JSON.parse(process.env.TANGKAP_STAFF);
const stranger = JSON.parse(process.env.TANGKAP_STRANGER);
const botUsername = process.env.TANGKAP_BOT_USERNAME;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

// The same stand-in the demo serves, loaded before the page's own scripts.
const standIn = readFileSync(new URL('../../webapp/telegram-stand-in.js', import.meta.url), 'utf8');

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

function initDataFor(person, startParam) {
  const data = { user: { id: person.id, first_name: person.first_name, username: person.username }, query_id: 'AAHbrowser' };
  if (startParam) data.start_param = startParam;
  return sign(data, token, new Date());
}

/// A phone-sized page; inside Telegram (with the stand-in) unless `telegramUser` is null.
async function openApp({ telegramUser = staff, theme = 'light', startParam } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: theme });
  // Telegram's own script cannot load here; the stand-in takes its place.
  await context.route('https://telegram.org/**', (route) => route.abort());
  if (telegramUser) {
    const setup = {
      initData: initDataFor(telegramUser, startParam),
      user: { id: telegramUser.id, first_name: telegramUser.first_name, username: telegramUser.username },
      startParam,
      theme,
    };
    await context.addInitScript({
      content: `${standIn}
        const setup = ${JSON.stringify(setup)};
        const themes = window.TangkapTelegramStandIn;
        themes.install({ ...setup, colorScheme: setup.theme,
          themeParams: setup.theme === 'dark' ? themes.DARK_THEME : themes.LIGHT_THEME });`,
    });
  }
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  await page.goto(base);
  return { page, context, problems };
}

async function logInInTelegram(page) {
  await page.locator('#login-password').fill(staff.password);
  await page.locator('#tg-main-button').click();
  await page.locator('#board-view').waitFor();
}

const orderRow = (page, orderId) => page.locator('#orders .order', { has: page.locator('.order-id', { hasText: orderId }) });
const tab = (page, status) => page.locator(`.tabs button[data-status="${status}"]`);
const shot = (page, name) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

test('inside Telegram: log in, Pickup moves the row to Pickup, Close moves it to Close', async () => {
  const { page, context, problems } = await openApp();
  await page.locator('#login-view').waitFor();
  assert.match(await page.locator('#login-intro').textContent(), new RegExp(staff.first_name));
  assert.equal(await page.locator('#login-name-field').isHidden(), true, 'Telegram says who you are');
  await shot(page, 'login-light');
  await logInInTelegram(page);
  assert.equal(await page.evaluate(() => window.__telegram.ready), true, 'the app told Telegram it is ready');

  const row = orderRow(page, 'UI-1');
  await row.waitFor();
  assert.equal(await row.locator('.transaksi').textContent(), 'TOPUP');
  assert.equal(await row.locator('.keterangan').textContent(), 'Saldo belum masuk');
  assert.match(await row.locator('.requester').textContent(), /^Siti · \d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  const orderCount = Number(await tab(page, 'order').locator('.count').textContent());
  await shot(page, 'order-light');

  await row.locator('.action').click();
  await row.waitFor({ state: 'detached' });
  assert.equal(Number(await tab(page, 'order').locator('.count').textContent()), orderCount - 1);
  assert.equal(await tab(page, 'pickup').locator('.count').textContent(), '1');

  await tab(page, 'pickup').click();
  const picked = orderRow(page, 'UI-1');
  await picked.waitFor();
  assert.match(await picked.locator('.picked-by').textContent(), new RegExp(`^${staff.name} · `));
  assert.equal(await page.locator('#tg-back-button').isVisible(), true, 'Back leads to the Order page');
  await shot(page, 'pickup-light');

  await picked.locator('.action').click();
  await page.locator('#confirm').waitFor();
  assert.match(await page.locator('#confirm-text').textContent(), /UI-1/);
  await shot(page, 'confirm-light');
  await page.locator('#confirm-yes').click();
  await picked.waitFor({ state: 'detached' });

  await tab(page, 'close').click();
  const closed = orderRow(page, 'UI-1');
  await closed.waitFor();
  assert.match(await closed.locator('.closed-by').textContent(), new RegExp(`^${staff.name} · `));
  assert.equal(await closed.locator('.action').count(), 0, 'nothing more to do on a closed order');
  await shot(page, 'close-light');

  const haptics = await page.evaluate(() => window.__telegram.haptics);
  assert.deepEqual(haptics.filter((h) => h === 'success').length >= 3, true, `haptics: ${haptics}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('markup typed into a keterangan is shown as text, never run', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  const row = orderRow(page, '<b>XSS-1</b>');
  await row.waitFor();
  assert.equal(await row.locator('.keterangan').textContent(), '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>');
  assert.equal(await page.locator('#orders img, #orders script, #orders b').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(problems, []);
  await context.close();
});

test('right-to-left text and invisible characters are shown as typed and kept to their field', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  const row = orderRow(page, 'RTL-1');
  await row.waitFor();
  const keterangan = row.locator('.keterangan');
  assert.equal(await keterangan.textContent(), '\u202eمرحبا بالعالم\u200b 😀 selesai');
  assert.equal(await keterangan.evaluate((e) => getComputedStyle(e).unicodeBidi), 'plaintext');
  // The override inside the keterangan does not reach the ticket or the Order_ID.
  assert.equal(await row.locator('.ticket').evaluate((e) => getComputedStyle(e).direction), 'ltr');
  assert.deepEqual(problems, []);
  await context.close();
});

test('dark theme follows Telegram on every page', async () => {
  const { page, context } = await openApp({ theme: 'dark' });
  await page.locator('#login-view').waitFor();
  await shot(page, 'login-dark');
  await logInInTelegram(page);
  await page.locator('#orders .order').first().waitFor();
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(35, 46, 60)', 'secondary_bg_color of the dark theme');
  const text = await page.evaluate(() => getComputedStyle(document.querySelector('.order .keterangan')).color);
  assert.equal(text, 'rgb(245, 245, 245)');
  for (const status of ['order', 'pickup', 'close']) {
    await tab(page, status).click();
    await page.locator(`.tabs button[data-status="${status}"][aria-selected="true"]`).waitFor();
    await page.waitForTimeout(200);
    await shot(page, `${status}-dark`);
  }
  await context.close();
});

test('a ticket link from the group opens the Mini App on that ticket', async () => {
  const ticket = process.env.TANGKAP_LINK_TICKET;
  const { page, context } = await openApp({ startParam: ticket });
  await logInInTelegram(page);
  const row = orderRow(page, 'LINK-1');
  await row.waitFor();
  assert.equal(await page.locator('#search').inputValue(), ticket);
  assert.equal(await page.locator('#orders .order').count(), 1);
  assert.equal(await row.locator('.ticket').textContent(), ticket);
  await context.close();
});

test('an unregistered Telegram user is sent to the bot', async () => {
  const { page, context } = await openApp({ telegramUser: stranger });
  await page.locator('#login-password').fill('apa-saja-123');
  await page.locator('#tg-main-button').click();
  await page.locator('#open-bot').waitFor();
  assert.match(await page.locator('#login-error').textContent(), /belum terdaftar/);
  await page.locator('#open-bot').click();
  assert.deepEqual(await page.evaluate(() => window.__telegram.openedLinks), [`https://t.me/${botUsername}`]);
  await context.close();
});

test('from a plain browser: username and password, with clear errors and an English switch', async () => {
  const { page, context, problems } = await openApp({ telegramUser: null });
  await page.locator('#login-name').fill(staff.username);
  await page.locator('#login-password').fill('bukan-password');
  await page.locator('#login-submit').click();
  await page.locator('#login-error', { hasText: 'Login atau password salah.' }).waitFor();
  await page.locator('#lang').click();
  assert.equal(await page.locator('#login-view h2').textContent(), 'Log in');
  await page.locator('#lang').click();
  await page.locator('#login-password').fill(staff.password);
  await page.locator('#login-submit').click();
  await page.locator('#board-view').waitFor();
  assert.match(await page.locator('#who').textContent(), new RegExp(`@${staff.username}`));
  await shot(page, 'browser-order-light');
  await page.locator('#logout').click();
  await page.locator('#login-view').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('initData signed by @telegram-apps/init-data-node is accepted, one changed character is refused', async () => {
  const login = (initData) => fetch(`${base}/api/login/telegram`, {
    method: 'POST',
    headers: { Authorization: `tma ${initData}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: staff.password }),
  });
  const signed = initDataFor(staff);
  const accepted = await login(signed);
  assert.equal(accepted.status, 200);
  assert.ok((await accepted.json()).token);
  const changed = signed.replace('AAHbrowser', 'AAHbrowsex');
  const refused = await login(changed);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error, 'init_data_invalid');
});

test('changes made elsewhere show up without a reload, and a stale Pickup says who took it', async () => {
  const session = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: staff.username, password: staff.password }),
  }).then((r) => r.json());
  const elsewhere = (path) => fetch(`${base}/api${path}`, { method: 'POST', headers: { 'X-Session-Token': session.token } });
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  const row = orderRow(page, 'LIVE-1');
  await row.waitFor();
  const no = await row.getAttribute('data-no');

  // Someone else picks it up while this page still shows it.
  assert.equal((await elsewhere(`/orders/${no}/pickup`)).status, 200);
  await row.locator('.action').click();
  await page.locator('#banner', { hasText: `sudah di-pickup oleh ${staff.name}` }).waitFor();
  await row.waitFor({ state: 'detached' });

  await tab(page, 'pickup').click();
  const picked = orderRow(page, 'LIVE-1');
  await picked.waitFor();
  const closedBefore = Number(await tab(page, 'close').locator('.count').textContent());
  // Closed elsewhere: the row leaves this page and the Close count grows, with no reload.
  assert.equal((await elsewhere(`/orders/${no}/close`)).status, 200);
  await picked.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator(`.tabs button[data-status="close"] .count`, { hasText: String(closedBefore + 1) }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
