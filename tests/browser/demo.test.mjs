// Walks the demo's whole story in headless Chromium: /moban in the group → Feedback 1 →
// /daftar in the private chat → the Mini App → log in → Pickup → Feedback 2 → Close →
// Feedback 3. Started by tests/demo.rs, which runs `tangkap demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const base = process.env.TANGKAP_DEMO_URL;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

test('the demo story, from /moban to Feedback 3, offline', async () => {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  const outside = [];
  // Nothing may come from the internet: every request must stay on the demo's own address.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(new URL(base).origin)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}/demo`);

  const group = page.locator('#group-chat');
  const privateChat = page.locator('#private-chat');
  // The demo starts with orders in every status, their feedback already in the group.
  await group.locator('.message', { hasText: 'INV-2041' }).first().waitFor();

  // Siti posts a request in the group; the bot answers it with a ticket.
  await page.locator('#as').selectOption({ label: 'Siti Rahma' });
  await group.locator('input').fill('/moban #DEMO-77 #TOPUP #Saldo belum masuk');
  await group.locator('button[type=submit]').click();
  const feedback1 = group.locator('.message.bot', { hasText: 'Permintaan Anda DEMO-77 TOPUP sudah kami proses dengan no tiket' });
  await feedback1.waitFor({ timeout: 30_000 });
  const ticket = (await feedback1.textContent()).match(/no tiket ([2-9A-HJ-NP-Z]{6})/)[1];
  assert.match(await feedback1.locator('.quote').textContent(), /DEMO-77/, 'Feedback 1 replies to the request');

  // Andi registers in his private chat with the bot.
  await page.locator('#as').selectOption({ label: 'Andi Wijaya' });
  const say = async (text, expect) => {
    await privateChat.locator('input').fill(text);
    await privateChat.locator('button[type=submit]').click();
    await privateChat.locator('.message.bot', { hasText: expect }).last().waitFor({ timeout: 20_000 });
  };
  await say('/daftar', 'Masukkan nama');
  await say('Andi Wijaya', 'Masukkan username');
  await say('andi', 'Masukkan password');
  await say('andi-rahasia-1', 'Anda telah terdaftar');
  await privateChat.locator('.message.deleted').waitFor({ timeout: 20_000 });
  assert.equal(await privateChat.locator('.message', { hasText: 'andi-rahasia-1' }).count(), 0, 'the password is never shown back');
  await say('/start', 'terdaftar sebagai');

  // The /start answer carries the Mini App button; it opens in the phone frame.
  await privateChat.locator('.message.bot .buttons button', { hasText: 'Buka Tangkap' }).last().click();
  const app = page.frameLocator('#mini-app');
  await app.locator('#login-password').fill('andi-rahasia-1');
  await app.locator('#tg-main-button').click();
  const row = app.locator('#orders .order', { has: app.locator('.order-id', { hasText: 'DEMO-77' }) });
  await row.waitFor();
  await row.locator('.action').click();
  await group.locator('.message.bot', { hasText: `Permintaan Anda ${ticket} DEMO-77 TOPUP sudah di PICK UP oleh Andi Wijaya` })
    .waitFor({ timeout: 30_000 });

  await app.locator('.tabs button[data-status="pickup"]').click();
  const picked = app.locator('#orders .order', { has: app.locator('.order-id', { hasText: 'DEMO-77' }) });
  await picked.locator('.action').click();
  await app.locator('#confirm-yes').click();
  await group.locator('.message.bot', { hasText: `Permintaan Anda ${ticket} DEMO-77 TOPUP sudah di RESOLVED oleh Andi Wijaya` })
    .waitFor({ timeout: 30_000 });
  await app.locator('.tabs button[data-status="close"]').click();
  await app.locator('#orders .order', { has: app.locator('.order-id', { hasText: 'DEMO-77' }) }).waitFor();

  await page.screenshot({ path: `${artifacts}/demo-end.png` });
  assert.deepEqual(outside, [], 'nothing fetched from outside');
  assert.deepEqual(problems, []);
  await context.close();
});
