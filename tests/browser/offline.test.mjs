// The Mini App while its server goes away and comes back, and with launch data too old.
// Run by tests/browser.rs (`mini_app_while_the_server_is_away`), which seeds Budi (staff)
// and three requests in Operasional, stops Tangkap when this script writes
// `@tangkap stop` on its output, starts it again on the same address when it writes
// `@tangkap start` (picking up OFF-2 meanwhile, as another phone would), and answers
// `done` on this script's input each time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { launchChromium, openInTelegram } from './chromium.mjs';
import { sign } from '@telegram-apps/init-data-node';

const base = process.env.TANGKAP_URL;
const token = process.env.TANGKAP_BOT_TOKEN;
const staff = JSON.parse(process.env.TANGKAP_STAFF);

const input = createInterface({ input: process.stdin });
const answers = input[Symbol.asyncIterator]();
/// Asks the Rust side to `stop` or `start` Tangkap, and waits until it has.
async function server(command) {
  process.stdout.write(`@tangkap ${command}\n`);
  assert.equal((await answers.next()).value, 'done', command);
}

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  // Else the open input keeps node running once the tests are done.
  input.close();
  process.stdin.destroy();
});

/// A phone-sized page inside Telegram (the stand-in), its launch data signed at `signedAt`.
async function openApp({ signedAt = new Date(), session } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.route('https://telegram.org/**', (route) => route.abort());
  const user = { id: staff.id, first_name: staff.first_name, username: staff.username };
  const setup = { initData: sign({ user, query_id: 'AAHoffline' }, token, signedAt), user };
  await openInTelegram(context, setup, 'light',
    session ? `localStorage.setItem('tangkap.session', ${JSON.stringify(session)});` : '');
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}/`);
  return { page, context, problems };
}

const orderRow = (page, orderId) => page.locator('#orders .order', { has: page.locator('.order-id', { hasText: orderId }) });
const tab = (page, status) => page.locator(`#board-tabs button[data-status="${status}"]`);

let session;

test('server away: a lasting banner, actions disabled with the reason, no half-switched tab; back: the banner goes, the list is asked again, the session carries on', async () => {
  const { page, context, problems } = await openApp();
  await page.locator('#login-password').fill(staff.password);
  await page.locator('#tg-main-button').click();
  await orderRow(page, 'OFF-2').waitFor();
  session = await page.evaluate(() => localStorage.getItem('tangkap.session'));
  const pickup = orderRow(page, 'OFF-1').locator('button.action');
  assert.equal(await pickup.isEnabled(), true);

  await server('stop');
  const stoppedAt = Date.now();
  const banner = page.locator('#banner', { hasText: 'Server tidak terjangkau' });
  await banner.waitFor({ timeout: 6000 });
  assert.equal(await pickup.isDisabled(), true, 'Pickup cannot be sent');
  assert.equal(await pickup.getAttribute('title'), 'Belum bisa: server tidak terjangkau.');

  // A tab switch while away does not happen: Order stays, with its cards and its options.
  await tab(page, 'close').click();
  await page.waitForTimeout(1000);
  assert.equal(await tab(page, 'order').getAttribute('aria-selected'), 'true');
  assert.equal(await tab(page, 'close').getAttribute('aria-selected'), 'false');
  assert.equal(await page.locator('#board-view').getAttribute('data-status'), 'order');
  assert.equal(await page.locator('#orders .order.order').count(), 3);
  assert.equal(await page.locator('#sort-urgent').isVisible(), true, "Order's sort, which Close has not");
  // Nor does another page open.
  await orderRow(page, 'OFF-1').locator('.order-id').click();
  assert.equal(await page.locator('#ticket-view').isHidden(), true);

  // Still there after 8 s (a passing message is gone after 6).
  await page.waitForTimeout(Math.max(0, stoppedAt + 8000 - Date.now()));
  assert.equal(await banner.isVisible(), true);
  assert.equal(await pickup.isDisabled(), true);

  await server('start');
  await banner.waitFor({ state: 'hidden', timeout: 8000 });
  // Asked again: OFF-2, picked up meanwhile, has left the Order page.
  await orderRow(page, 'OFF-2').waitFor({ state: 'detached', timeout: 8000 });
  assert.equal(await tab(page, 'order').locator('.count').textContent(), '2');
  assert.equal(await pickup.isEnabled(), true);
  assert.equal(await pickup.getAttribute('title'), null);
  // The same session, no login and no word of invalid data.
  assert.equal(await page.locator('#login-view').isHidden(), true);
  assert.equal(await page.evaluate(() => localStorage.getItem('tangkap.session')), session);
  assert.doesNotMatch(await page.locator('body').innerText(), /tidak valid/);
  // And it works again: Pickup goes through.
  await pickup.click();
  await orderRow(page, 'OFF-1').waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('launch data too old: the app says to close it and open it again from the bot, and keeps the session', async () => {
  const { page, context, problems } = await openApp({ signedAt: new Date(Date.now() - 2 * 86400 * 1000), session });
  const notice = page.locator('#login-standing');
  await notice.waitFor();
  assert.match(await notice.textContent(), /Tutup dan buka lagi dari bot/);
  assert.equal(await page.locator('#login-view h2').textContent(), 'Buka lagi dari bot');
  assert.equal(await page.locator('#login-password-field').isHidden(), true);
  assert.equal(await page.locator('#board-view').isHidden(), true);
  assert.equal(await page.evaluate(() => localStorage.getItem('tangkap.session')), session, 'kept for the app opened again');
  // In English too.
  await page.locator('#lang').click();
  assert.match(await notice.textContent(), /open it again from the bot/);
  assert.deepEqual(problems, []);
  await context.close();
});
