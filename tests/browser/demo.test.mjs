// Walks the demo's whole story in headless Chromium: /moban in the group → Feedback 1 →
// /daftar in the private chat → waiting for approval → Budi presses Setujui in his private
// chat → the welcome with "Buka Tangkap" → the Mini App → log in → Pickup → Feedback 2 →
// Close → Feedback 3; then Budi's Tim page, where Rina still waits. Started by
// tests/demo.rs, which runs `tangkap demo`.
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

const shot = (page, name) => page.screenshot({ path: `${artifacts}/${name}.png` });

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

  // Who holds which login is on the page.
  assert.equal(await page.locator('#staff-login').textContent(),
    'Login demo: demo / tangkap-demo (Budi Santoso, owner) · siti (staf Tim Operasional) · dewi (staf Tim Gudang)');

  // Andi registers in his private chat with the bot, and waits for approval.
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
  const registered = privateChat.locator('.message.bot', { hasText: 'Anda telah terdaftar' }).last();
  assert.match(await registered.textContent(), /menunggu persetujuan/);
  await privateChat.locator('.message.deleted').waitFor({ timeout: 20_000 });
  // The password is deleted from the chat and never repeated, anywhere on the page.
  assert.equal(await page.evaluate(() => document.body.innerText.split('andi-rahasia-1').length - 1), 0,
    'the password appears nowhere');
  await say('/start', 'menunggu persetujuan');
  assert.equal(await privateChat.locator('.buttons button', { hasText: 'Buka Tangkap' }).count(), 0, 'no Mini App yet');

  // Budi, the owner, finds the approval request in his private chat and presses Setujui.
  await page.locator('#as').selectOption({ label: 'Budi Santoso' });
  const request = privateChat.locator('.message.bot', { hasText: 'Pendaftaran baru menunggu persetujuan' })
    .filter({ hasText: 'Andi Wijaya' });
  await request.waitFor({ timeout: 20_000 });
  assert.match(await request.textContent(), /Username: andi/);
  assert.deepEqual(await request.locator('button.callback').allTextContents(), ['✅ Setujui', '❌ Tolak']);
  // Rina's request waits in the same chat.
  await privateChat.locator('.message.bot', { hasText: 'Rina Kusuma' }).locator('button.callback').first().waitFor();
  await shot(page, 'demo-approval');
  await request.locator('button.callback', { hasText: 'Setujui' }).click();
  await page.locator('#toast', { hasText: 'Disetujui' }).waitFor({ timeout: 20_000 });
  await request.filter({ hasText: 'Disetujui oleh Budi Santoso' }).waitFor({ timeout: 20_000 });
  assert.equal(await request.locator('button.callback').count(), 0, 'the decided request has no buttons');

  // Andi hears it, with the Mini App button; it opens in the phone frame.
  await page.locator('#as').selectOption({ label: 'Andi Wijaya' });
  const welcome = privateChat.locator('.message.bot', { hasText: 'terdaftar sebagai andi' }).last();
  await welcome.waitFor({ timeout: 20_000 });
  await welcome.locator('.buttons button', { hasText: 'Buka Tangkap' }).click();
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

  await shot(page, 'demo-end');

  // Budi opens the Mini App, logs in with the demo password and finds Rina waiting on the
  // Tim page, Andi active.
  await page.locator('#as').selectOption({ label: 'Budi Santoso' });
  await app.locator('#login-password').fill('tangkap-demo');
  await app.locator('#tg-main-button').click();
  await app.locator('#team-tab').click();
  const rina = app.locator('#accounts .account[data-username="rina"]');
  await rina.waitFor();
  assert.equal(await rina.locator('.state').textContent(), 'Menunggu');
  assert.equal(await rina.locator('button[data-action="approve"]').count(), 1);
  assert.equal(await app.locator('#accounts .account[data-username="andi"] .state').textContent(), 'Aktif');
  // Andi's groups were asked of Telegram when he logged in.
  assert.equal(await app.locator('#accounts .account[data-username="andi"] .groups').textContent(), 'Tim Operasional');
  // Dewi has not logged in: her group was asked of Telegram when the demo started.
  assert.equal(await app.locator('#accounts .account[data-username="dewi"] .groups').textContent(), 'Tim Gudang');
  await app.locator('.audit li', { hasText: 'Andi Wijaya (@andi)' }).first().waitFor();
  await shot(page, 'demo-team');

  // The second group has its own chat.
  await page.locator('#group-select').selectOption({ label: 'Tim Gudang' });
  await group.locator('.message', { hasText: 'GDG-301' }).first().waitFor();
  assert.equal(await group.locator('.message', { hasText: 'INV-2041' }).count(), 0);
  assert.deepEqual(outside, [], 'nothing fetched from outside');
  assert.deepEqual(problems, []);
  await context.close();
});
