// Walks the demo's whole story in headless Chromium: /moban in the group → Feedback 1 →
// Siti takes a ticket from its card in the group → /daftar in the private chat → waiting for approval → Budi presses Setujui in his private
// chat → the welcome with "Buka Tangkap" → the Mini App → log in → Pickup → Feedback 2 →
// Close → Feedback 3; then Budi's Tim page, where Rina still waits. Then the hotel: Ahmad
// books with /booking, Budi marks it paid from /cek_pembayaran, a guest books on the public
// page "via Web" and confirms from the mail in the demo's inbox, the Mini App's Booking page
// lists it, and the seeded short hold's warning and cancellation are in the FO chat; light
// and dark. And the shop: Bayu buys from the menu, the QRIS shows as an image, and
// "Bayar (simulasi)" plays his bank app (the demo's fake Pakasir) until the item arrives. The page itself passes audit.mjs (axe-core, tap targets, overflow) in both.
// Started by tests/demo.rs, which runs `tangkap demo --short-hold 20s`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';
import { audit } from './audit.mjs';
import { tapInMenu } from './menu.mjs';

const base = process.env.TANGKAP_DEMO_URL;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

const shot = (page, name) => page.screenshot({ path: `${artifacts}/${name}.png` });

/// The demo page in a fresh browser, refusing (and noting) every request that would leave
/// the demo's own address: nothing may come from the internet.
async function openDemo(colorScheme = 'light') {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, colorScheme });
  const outside = [];
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
  return { context, page, outside, problems };
}

test('the demo story, from /moban to Feedback 3, offline', async () => {
  const { context, page, outside, problems } = await openDemo();

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

  // Feedback 1 is the ticket's card: Siti, staff of the group, takes a waiting request
  // where she reads it; the card says so, and her Mini App has it on the Pickup page.
  assert.deepEqual(await feedback1.locator('button.callback').allTextContents(), ['🙋 Ambil']);
  const waiting = group.locator('.message.bot', { hasText: 'INV-2043 TOPUP sudah kami proses' });
  await waiting.locator('button.callback', { hasText: 'Ambil' }).click();
  await page.locator('#toast', { hasText: 'Anda ambil' }).waitFor({ timeout: 20_000 });
  await waiting.filter({ hasText: 'PICK UP oleh Siti Rahma' }).waitFor({ timeout: 20_000 });
  await page.locator('#open-mini-app').click();
  const sitiApp = page.frameLocator('#mini-app');
  await sitiApp.locator('#login-password').fill('tangkap-demo');
  await sitiApp.locator('#tg-main-button').click();
  await sitiApp.locator('.tabs button[data-status="pickup"]').click();
  await sitiApp.locator('#orders .order', { has: sitiApp.locator('.order-id', { hasText: 'INV-2043' }) }).waitFor();
  await waiting.locator('button.callback', { hasText: 'Selesai' }).waitFor({ timeout: 20_000 });
  await shot(page, 'demo-card');

  // Who holds which login is on the page.
  assert.equal(await page.locator('#staff-login').textContent(),
    'Login demo: demo / tangkap-demo (Budi Santoso, owner) · siti (staf Tim Operasional, Front Office) · dewi (staf Tim Gudang)');

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
  await tapInMenu(app, '#team-tab');
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

  // The second group has its own chat: a forum, whose requests sit in their topics. One
  // posted in a topic is answered there, not in General.
  await page.locator('#group-select').selectOption({ label: 'Tim Gudang' });
  const topics = group.locator('.topics [role=tab]');
  assert.deepEqual(await topics.allTextContents(), ['General', '# Stok', '# Pengiriman']);
  await topics.filter({ hasText: 'Stok' }).click();
  await group.locator('.message', { hasText: 'GDG-301' }).first().waitFor();
  assert.equal(await group.locator('.message', { hasText: 'GDG-302' }).count(), 0);
  assert.equal(await group.locator('.message', { hasText: 'INV-2041' }).count(), 0);
  await topics.filter({ hasText: 'Pengiriman' }).click();
  await page.locator('#as').selectOption({ label: 'Dewi Lestari' });
  await group.locator('input').fill('/moban #GDG-303 #KIRIM #Kurir belum datang');
  await group.locator('button[type=submit]').click();
  await group.locator('.message.bot', { hasText: 'GDG-303 KIRIM sudah kami proses' }).waitFor({ timeout: 30_000 });
  await shot(page, 'demo-topics');
  await topics.filter({ hasText: 'General' }).click();
  await group.locator('.message', { hasText: 'Kurir belum datang' }).first().waitFor({ state: 'detached' });
  assert.equal(await group.locator('.message', { hasText: 'GDG-303' }).count(), 0);
  assert.deepEqual(outside, [], 'nothing fetched from outside');
  assert.deepEqual(problems, []);
  await context.close();
});

const receiptIn = (text) => text.match(/RESI-\d{8}-\d{3}/)[0];

test('the demo hotel: /booking, /cek_pembayaran, the web form confirmed from the inbox, a hold running out', async () => {
  const { context, page, outside, problems } = await openDemo();
  const group = page.locator('#group-chat');
  const privateChat = page.locator('#private-chat');
  const frontOffice = group.locator('.message.bot');

  // The FO chat heard of the bookings the demo starts with; Bayu's short hold was warned
  // about, extended once because his live location showed him 3 km away (the FO see why),
  // then cancelled by the system; Siti Aminah's web booking was mailed.
  await page.locator('#group-select').selectOption({ label: 'Front Office' });
  await frontOffice.filter({ hasText: 'Booking baru' }).filter({ hasText: 'Siti Aminah' }).waitFor();
  await page.locator('#mailbox .mail', { hasText: 'siti.aminah@example.com' }).filter({ hasText: 'kami tahan' }).waitFor();
  const bayu = frontOffice.filter({ hasText: 'Booking baru' }).filter({ hasText: 'Bayu Saputra' });
  const bayuReceipt = receiptIn(await bayu.textContent());
  await frontOffice.filter({ hasText: 'Segera kedaluwarsa' }).filter({ hasText: bayuReceipt }).first().waitFor({ timeout: 40_000 });
  await frontOffice.filter({ hasText: 'Diperpanjang' }).filter({ hasText: bayuReceipt }).filter({ hasText: '3 km dari hotel' })
    .waitFor({ timeout: 40_000 });
  await frontOffice.filter({ hasText: 'DIBATALKAN OTOMATIS' }).filter({ hasText: bayuReceipt }).waitFor({ timeout: 60_000 });
  await page.locator('#as').selectOption({ label: 'Bayu Saputra' });
  await privateChat.locator('.message', { hasText: '📍' }).first().waitFor();
  await privateChat.locator('.message.bot', { hasText: '⏳ Waktu tahan booking' }).filter({ hasText: bayuReceipt }).waitFor();

  // Ahmad, a guest, books in his private chat, tapping the offered answers.
  await page.locator('#as').selectOption({ label: 'Ahmad Fauzi' });
  const ask = async (action, question) => {
    await action();
    await privateChat.locator('.message.bot', { hasText: question }).last().waitFor({ timeout: 20_000 });
  };
  await ask(() => privateChat.locator('.quick button', { hasText: '/booking' }).click(), 'Nama tamu?');
  await ask(async () => {
    await privateChat.locator('input').fill('Ahmad Fauzi');
    await privateChat.locator('button[type=submit]').click();
  }, 'Tanggal check-in?');
  // Dates come with their weekdays; Ahmad checks in tomorrow, so his room is held until
  // 18:00 that day.
  const keyboard = privateChat.locator('.reply-keyboard');
  await ask(() => keyboard.locator('button', { hasText: /^Besok, / }).click(), 'Berapa malam');
  await ask(() => keyboard.locator('button', { hasText: /^2$/ }).click(), 'Pilih tipe kamar');
  await ask(() => keyboard.locator('button', { hasText: 'Deluxe' }).click(), 'kami tahan');
  const held = await privateChat.locator('.message.bot', { hasText: 'kami tahan' }).last().textContent();
  const ahmadReceipt = receiptIn(held);
  assert.match(held, /18:00 WIB \(pukul 18:00 WIB pada hari check-in\)/);
  assert.match(held, /2 malam × Rp450\.000 = Rp900\.000/);
  // The receipt's keyboard asks for his location; a tap shares it.
  assert.deepEqual(await keyboard.locator('button').allTextContents(), ['📍 Bagikan lokasi']);
  await ask(() => keyboard.locator('button').click(), 'Lokasi diterima: 3 km dari hotel');
  await frontOffice.filter({ hasText: 'Booking baru' }).filter({ hasText: ahmadReceipt })
    .filter({ hasText: 'Lewat: Telegram' }).waitFor({ timeout: 20_000 });

  // Budi checks the payments and marks Ahmad's booking paid; Ahmad and the FO chat hear it.
  await page.locator('#as').selectOption({ label: 'Budi Santoso' });
  await privateChat.locator('.quick button', { hasText: '/cek_pembayaran' }).click();
  const list = privateChat.locator('.message.bot', { hasText: 'Menunggu pembayaran' }).last();
  await list.waitFor({ timeout: 20_000 });
  assert.match(await list.textContent(), /Siti Aminah/);
  assert.doesNotMatch(await list.textContent(), new RegExp(bayuReceipt), 'the run-out hold is not waiting any more');
  await list.locator('button.callback', { hasText: `Lunas ${ahmadReceipt.slice(-3)}` }).click();
  await page.locator('#toast', { hasText: `${ahmadReceipt} LUNAS` }).waitFor({ timeout: 20_000 });
  assert.doesNotMatch(await page.locator('#toast').textContent(), /[<>]/, 'a button\'s answer is plain text');
  await frontOffice.filter({ hasText: ahmadReceipt }).filter({ hasText: 'LUNAS oleh Budi Santoso' }).waitFor({ timeout: 20_000 });
  await page.locator('#as').selectOption({ label: 'Ahmad Fauzi' });
  await privateChat.locator('.message.bot', { hasText: 'dikonfirmasi' }).filter({ hasText: ahmadReceipt }).waitFor({ timeout: 20_000 });
  await shot(page, 'demo-hotel-telegram');

  // A guest books on the public page "via Web"; the mail lands in the demo's inbox.
  await page.locator('#open-booking').click();
  const phone = page.frameLocator('#mini-app');
  await phone.locator('#booking-form').waitFor();
  assert.equal(await phone.locator('#hotel').textContent(), 'Hotel Melati');
  await phone.locator('#name').fill('Citra Dewi');
  await phone.locator('#room-type').selectOption('Suite');
  await phone.locator('input[name="via"][value="web"]').check();
  await phone.locator('#email').fill('citra@example.com');
  await phone.locator('#submit').click();
  await phone.locator('#status', { hasText: 'citra@example.com' }).waitFor({ timeout: 20_000 });
  const mail = page.locator('#mailbox .mail', { hasText: 'citra@example.com' });
  await mail.waitFor({ timeout: 20_000 });
  assert.match(await mail.locator('.mail-subject').textContent(), /Hotel Melati/);
  assert.match(await mail.locator('.mail-text').textContent(), /Suite/);
  await mail.scrollIntoViewIfNeeded();
  await shot(page, 'demo-inbox');

  // Its link opens the page in the phone; one press holds the room, and the FO hear of it.
  await mail.locator('.mail-text a', { hasText: '/booking#confirm=' }).click();
  await phone.locator('#confirm-button').click();
  // In the browser's language, one at a time: "No. resi: …" or "Receipt: …".
  const receiptLine = phone.locator('#status', { hasText: /RESI-\d{8}-\d{3}/ });
  await receiptLine.waitFor({ timeout: 20_000 });
  const citraReceipt = receiptIn(await receiptLine.textContent());
  await frontOffice.filter({ hasText: 'Booking baru' }).filter({ hasText: citraReceipt })
    .filter({ hasText: 'Citra Dewi' }).filter({ hasText: 'Lewat: Web' }).waitFor({ timeout: 20_000 });

  // Budi finds it on the Mini App's Booking page.
  await page.locator('#as').selectOption({ label: 'Budi Santoso' });
  await page.locator('#open-mini-app').click();
  await phone.locator('#login-password').fill('tangkap-demo');
  await phone.locator('#tg-main-button').click();
  await tapInMenu(phone, '#booking-tab');
  await phone.locator('#bookings li', { hasText: citraReceipt }).waitFor();
  assert.match(await phone.locator('#bookings li', { hasText: citraReceipt }).textContent(), /Citra Dewi/);
  await shot(page, 'demo-hotel-mini-app');

  assert.equal(await page.locator('#mail-count').textContent(),
    String(await page.locator('#mailbox .mail').count()), 'the header counts the inbox');
  assert.equal(await page.locator('#mailbox').evaluate((box) => getComputedStyle(box).backgroundColor), 'rgb(255, 255, 255)');
  assert.deepEqual(outside, [], 'nothing fetched from outside');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the demo shop: a QRIS paid with "Bayar (simulasi)", offline', async () => {
  const { context, page, outside, problems } = await openDemo();
  const privateChat = page.locator('#private-chat');
  await page.locator('#as').selectOption({ label: 'Bayu Saputra' });
  await privateChat.locator('input').fill('/start');
  await privateChat.locator('button[type=submit]').click();
  await privateChat.locator('.message.bot', { hasText: 'selamat datang di Toko Demo' }).waitFor({ timeout: 20_000 });
  const keyboard = privateChat.locator('.reply-keyboard');
  assert.deepEqual(await keyboard.locator('button').allTextContents(), ['🛍 Produk', '🛒 Keranjang', '💰 Saldo', '❓ Bantuan']);
  await keyboard.locator('button', { hasText: '🛍 Produk' }).click();
  const list = privateChat.locator('.message.bot', { hasText: 'stok per' }).last();
  await list.waitFor({ timeout: 20_000 });
  assert.match(await list.textContent(), /Spotify Premium 1 Bulan SPOTIFY\s*Rp15\.000 · stok 3/);
  await list.locator('button.callback', { hasText: 'Spotify Premium 1 Bulan' }).click();
  const detail = privateChat.locator('.message.bot', { hasText: 'Total bayar: Rp15.415' }).last();
  await detail.waitFor({ timeout: 20_000 });
  await detail.locator('button.callback', { hasText: '🛒 Beli 1' }).click();
  const invoice = privateChat.locator('.message.bot', { hasText: 'Invoice INV-' }).last();
  await invoice.waitFor({ timeout: 20_000 });
  assert.match(await invoice.textContent(), /Biaya layanan: Rp415/);
  const qr = privateChat.locator('.message.bot img.photo').last();
  await qr.waitFor({ timeout: 20_000 });
  assert.ok(await qr.evaluate((image) => image.complete && image.naturalWidth >= 200), 'the QRIS is drawn');
  await shot(page, 'demo-shop-invoice');
  await invoice.locator('button.pay', { hasText: 'Bayar (simulasi)' }).click();
  const delivered = privateChat.locator('.message.bot', { hasText: '📦' }).last();
  await delivered.waitFor({ timeout: 20_000 });
  assert.match(await delivered.textContent(), /SPOTIFY-DEMO-7Q2K-01/);
  assert.match(await delivered.textContent(), /Garansi 1x24 jam/);
  await privateChat.locator('.message.bot', { hasText: 'Lunas' }).last().waitFor({ timeout: 20_000 });
  assert.equal(await privateChat.locator('.message.bot img.photo').count(), 0, 'the QR is removed once paid');
  await shot(page, 'demo-shop-paid');
  assert.deepEqual(outside, [], 'nothing fetched from outside');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the demo inbox in dark', async () => {
  const { context, page, outside, problems } = await openDemo('dark');
  const mail = page.locator('#mailbox .mail', { hasText: 'citra@example.com' }).first();
  await mail.waitFor();
  const colors = await page.locator('#mailbox').evaluate((box) => {
    const text = box.querySelector('.mail-text');
    return [getComputedStyle(box).backgroundColor, getComputedStyle(text).color];
  });
  assert.deepEqual(colors, ['rgb(23, 33, 43)', 'rgb(245, 245, 245)'], 'dark panel, light text');
  await mail.scrollIntoViewIfNeeded();
  await shot(page, 'demo-inbox-dark');
  assert.deepEqual(outside, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the demo page is accessible and fits the screen, light and dark', async () => {
  const failures = [];
  for (const colorScheme of ['light', 'dark']) {
    const { context, page, outside, problems } = await openDemo(colorScheme);
    await page.locator('#group-chat .message').first().waitFor();
    failures.push(...await audit(page, `demo ${colorScheme}`));
    assert.deepEqual(outside, []);
    assert.deepEqual(problems, []);
    await context.close();
  }
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
});
