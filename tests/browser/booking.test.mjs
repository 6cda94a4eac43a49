// The public booking page and the Mini App's Booking page in headless Chromium (Debian's),
// driven by playwright-core. Started by tests/browser.rs, which runs Tangkap with a hotel
// (its front desk's day seeded: TANGKAP_DESK) and a real SMTP server (aiosmtpd) whose
// accepted mails are JSON lines in TANGKAP_MAILS; afterwards it checks the bookings the
// pages made and worked. Screenshots land in TANGKAP_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';
import { textColour } from './audit.mjs';
import { tapInMenu } from './menu.mjs';

const base = process.env.TANGKAP_URL;
const mailsFile = process.env.TANGKAP_MAILS;
const botUsername = process.env.TANGKAP_BOT_USERNAME;
const guestEmail = process.env.TANGKAP_GUEST_EMAIL;
const englishGuestEmail = process.env.TANGKAP_ENGLISH_GUEST_EMAIL;
// Seeded by tests/browser.rs: `arriving` (paid, due today), `leaving` (in room 101, due out
// today) and how many bookings are `paid`.
const desk = JSON.parse(process.env.TANGKAP_DESK);
// An admin's browser login ({login, password}): admins work bookings in the Mini App.
const admin = JSON.parse(process.env.TANGKAP_ADMIN);
// The receipt the web test made, for the Booking page tests after it.
let receipt;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

/// A page in a fresh browser (an Indonesian one unless `locale` says otherwise).
async function phonePage(colorScheme, { viewport = PHONE, locale = 'id-ID' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // No network beyond this machine: t.me is answered here, so the Telegram path can be
  // followed without leaving it.
  await page.route('https://t.me/**', (route) => route.fulfill({ contentType: 'text/plain', body: 'Telegram' }));
  return { page, errors };
}

async function mailsTo(address, count) {
  for (let waited = 0; waited < 15000; waited += 100) {
    const mails = existsSync(mailsFile)
      ? readFileSync(mailsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
        .filter((mail) => mail.to === address)
      : [];
    if (mails.length >= count) return mails;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${count} mails to ${address} never came`);
}

/// Text in the theme's destructive red, adjusted until it reads (#27: 4.5:1 on its card;
/// Telegram's dark red itself is 4.07:1 there).
async function assertReadableRed(locator) {
  const { rgb: [r, g, b], contrast } = await textColour(locator);
  assert.ok(r > g + 80 && r > b + 80, `red: rgb(${r}, ${g}, ${b})`);
  assert.ok(contrast >= 4.5, `contrast ${contrast.toFixed(2)}`);
}

function background(page) {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

test('the Telegram choice sends the guest to the bot; no email is asked', async () => {
  const { page, errors } = await phonePage('light');
  await page.goto(`${base}/booking`);
  await page.locator('#booking-form').waitFor();
  assert.equal(await page.locator('#hotel').textContent(), 'Hotel Melati');
  assert.equal(await page.locator('#email-field').isVisible(), false);
  assert.match(await page.locator('#next').textContent(), /bot Telegram/);
  await page.locator('#name').fill('Ayu');
  await Promise.all([page.waitForURL(/t\.me/), page.locator('#submit').click()]);
  assert.equal(page.url(), `https://t.me/${botUsername}?start=booking`);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('on the web: a bad address is explained, then the mailed link holds the room', async () => {
  const { page, errors } = await phonePage('light');
  await page.goto(`${base}/booking`);
  await page.locator('#booking-form').waitFor();
  assert.equal(await background(page), 'rgb(255, 255, 255)');
  await page.locator('input[name="via"][value="web"]').check();
  assert.equal(await page.locator('#email-field').isVisible(), true);
  assert.match(await page.locator('#next').textContent(), /tautan konfirmasi/);
  await page.locator('#name').fill('Ayu <img src=x onerror="window.__xss=1">');
  await page.locator('#room-type').selectOption('Deluxe');
  await page.locator('#nights').fill('2');
  await page.locator('#email').fill('ayu@');
  await page.locator('#submit').click();
  await page.locator('#status.bad').waitFor();
  assert.match(await page.locator('#status').textContent(), /Alamat email tidak valid/);

  await page.locator('#email').fill(guestEmail);
  await page.locator('#submit').click();
  await page.locator('#status.good').waitFor();
  assert.match(await page.locator('#status').textContent(), /tautan konfirmasi/);
  await page.screenshot({ path: `${artifacts}/booking-light.png`, fullPage: true });

  const [mail] = await mailsTo(guestEmail, 1);
  const link = mail.text.split(/\s+/).find((word) => word.includes('/booking#confirm='));
  assert.ok(link, mail.text);
  // The link names the server's public address; the test opens it on this one.
  const opened = `${base}/booking#${link.split('#')[1]}`;
  await page.goto(opened);
  await page.locator('#confirm-button').waitFor();
  assert.equal(await page.locator('#booking-form').isVisible(), false);
  await page.locator('#confirm-button').click();
  await page.locator('#status.good').waitFor();
  receipt = (await page.locator('#status').textContent()).match(/RESI-\d{8}-\d{3}/)[0];
  const result = await page.locator('#result').textContent();
  assert.match(result, /PENDING/);
  assert.match(result, /QRIS/);
  assert.ok(result.includes('Ayu <img src=x onerror="window.__xss=1">'), result);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  console.log(`RECEIPT ${receipt}`);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('dark: the page follows the device', async () => {
  const { page, errors } = await phonePage('dark');
  await page.goto(`${base}/booking`);
  await page.locator('#booking-form').waitFor();
  assert.equal(await background(page), 'rgb(23, 33, 43)');
  const text = await page.locator('h1').evaluate((h) => getComputedStyle(h).color);
  assert.equal(text, 'rgb(245, 245, 245)');
  await page.locator('input[name="via"][value="web"]').check();
  await page.screenshot({ path: `${artifacts}/booking-dark.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

async function openBookingPage(colorScheme, viewport = PHONE) {
  const { page, errors } = await phonePage(colorScheme, { viewport });
  await page.context().route('https://telegram.org/**', (route) => route.abort());
  await page.goto(`${base}/`);
  await page.locator('#login-name').fill(admin.login);
  await page.locator('#login-password').fill(admin.password);
  await page.locator('#login-submit').click();
  await page.locator('#board-view').waitFor();
  await tapInMenu(page, '#booking-tab');
  await page.locator('#booking-view').waitFor();
  return { page, errors };
}

test('/cek_pembayaran\'s button opens the Mini App on the Booking page', async () => {
  const { page, errors } = await phonePage('light', { viewport: PHONE });
  await page.context().route('https://telegram.org/**', (route) => route.abort());
  await page.goto(`${base}/?page=bookings`);
  await page.locator('#login-name').fill(admin.login);
  await page.locator('#login-password').fill(admin.password);
  await page.locator('#login-submit').click();
  await page.locator('#booking-view').waitFor();
  assert.ok(await page.locator('#board-view').isHidden(), 'straight to the Booking page');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the Booking page: the web booking is pending; Lunas marks it paid', async () => {
  assert.ok(receipt, 'the web test made a booking');
  const { page, errors } = await openBookingPage('light');
  const card = page.locator('#bookings li', { hasText: receipt });
  await card.waitFor();
  assert.equal(await page.locator('#bookings').evaluate((list) => getComputedStyle(list).listStyleType), 'none');
  assert.match(await card.textContent(), /Web/);
  assert.match(await card.locator('.sla').textContent(), /sisa/);
  assert.equal(await page.locator('#booking-tabs [data-booking-status="pending"] .count').textContent(), '1');
  assert.match(await card.locator('.price').textContent(), /2 malam × Rp450\.000 = Rp900\.000/);
  assert.equal(await card.locator('a.contact').textContent(), guestEmail);
  assert.equal(await card.locator('a.contact').getAttribute('href'), `mailto:${guestEmail}`);
  await page.screenshot({ path: `${artifacts}/booking-page-light.png`, fullPage: true });
  await card.locator('button[data-action="paid"]').click();
  assert.match(await page.locator('#confirm-text').textContent(), new RegExp(`${receipt}.*lunas`));
  await page.locator('#confirm-yes').click();
  await page.locator('#bookings-empty').waitFor();
  assert.equal(await page.locator('#booking-tabs [data-booking-status="paid"] .count').textContent(), String(desk.paid + 1));
  await page.locator('#booking-tabs [data-booking-status="paid"]').click();
  const paid = page.locator('#bookings li', { hasText: receipt });
  await paid.waitFor();
  assert.match(await paid.locator('.decided-by').textContent(), new RegExp(admin.login));
  // Marked paid by mistake: the admin puts it back to pending (within 15 minutes), then
  // marks it paid again.
  assert.deepEqual(await paid.locator('button').allTextContents(), ['Kembalikan ke pending']);
  await paid.locator('button[data-action="revert"]').click();
  assert.match(await page.locator('#confirm-text').textContent(), new RegExp(`${receipt}.*PENDING`));
  await page.locator('#confirm-yes').click();
  await page.locator('#booking-tabs [data-booking-status="pending"] .count', { hasText: '1' }).waitFor();
  await page.locator('#booking-tabs [data-booking-status="pending"]').click();
  await page.locator('#bookings li', { hasText: receipt }).locator('button[data-action="paid"]').click();
  await page.locator('#confirm-yes').click();
  await page.locator('#bookings-empty').waitFor();
  await page.locator('#booking-tabs [data-booking-status="paid"]').click();
  await paid.waitFor();
  // An admin sets the rooms and price of a type and adds one.
  const deluxe = page.locator('#room-types li', { hasText: 'Deluxe' });
  assert.equal(await deluxe.locator('input[name="rooms"]').inputValue(), '2');
  assert.equal(await deluxe.locator('input[name="price"]').inputValue(), '450000');
  assert.equal(await deluxe.locator('.rupiah').textContent(), 'Rp450.000');
  await deluxe.locator('input[name="rooms"]').fill('3');
  await deluxe.locator('input[name="price"]').fill('500000');
  assert.equal(await deluxe.locator('.rupiah').textContent(), 'Rp500.000');
  await deluxe.locator('button').click();
  await page.locator('#room-types-message.done').waitFor();
  assert.match(await page.locator('#room-types-message').textContent(), /Deluxe: 3 kamar, Rp500\.000\/malam/);
  await page.locator('#room-type-name').fill('Suite');
  await page.locator('#room-type-rooms').fill('1');
  await page.locator('#room-type-add button').click();
  await page.locator('#room-types li', { hasText: 'Suite' }).waitFor();
  await page.locator('#room-type-name').fill('suite');
  await page.locator('#room-type-rooms').fill('1');
  await page.locator('#room-type-add button').click();
  await page.locator('#room-types-message.error').waitFor();
  assert.match(await page.locator('#room-types-message').textContent(), /sudah ada/);
  await page.screenshot({ path: `${artifacts}/booking-rooms-light.png`, fullPage: true });
  // Searching finds it by receipt and not by something else.
  await page.locator('#booking-search').fill('tidak-ada');
  await page.locator('#booking-search').press('Enter');
  await page.locator('#bookings-empty').waitFor();
  assert.match(await page.locator('#bookings-empty').textContent(), /tidak-ada/);
  // An admin changes the hotel's settings: a bad value is explained beside its field and
  // nothing is saved; good ones are saved and shown again after a reload.
  const settings = page.locator('#booking-settings');
  assert.equal(await settings.locator('[name="hold"]').inputValue(), '2h');
  assert.equal(await settings.locator('[name="warn_before"]').inputValue(), '15m');
  assert.equal(await settings.locator('[name="hotel_name"]').inputValue(), 'Hotel Melati');
  await settings.locator('[name="hold"]').fill('10m');
  await settings.locator('button[type="submit"]').click();
  const warnError = settings.locator('[data-error-for="warn_before"]');
  await warnError.waitFor();
  assert.equal(await warnError.textContent(), 'Peringatan harus lebih singkat dari waktu tahan (10m), atau 0 tanpa peringatan.',
    'in Indonesian only');
  assert.equal(await settings.locator('[name="warn_before"]').getAttribute('aria-invalid'), 'true');
  await assertReadableRed(warnError);
  await page.screenshot({ path: `${artifacts}/booking-settings-error-light.png`, fullPage: true });
  await settings.locator('[name="hold"]').fill('3h');
  await settings.locator('[name="payment_text"]').fill('Transfer ke BCA <b>123</b> sebelum datang.');
  await settings.locator('button[type="submit"]').click();
  await page.locator('#booking-settings-message.done').waitFor();
  assert.match(await page.locator('#booking-settings-message').textContent(), /Pengaturan booking tersimpan/);
  assert.equal(await warnError.isVisible(), false, 'the error went with the fix');
  assert.equal(await settings.locator('[name="warn_before"]').getAttribute('aria-invalid'), 'false');
  await page.reload();
  await tapInMenu(page, '#booking-tab');
  await page.locator('#booking-settings-panel').waitFor();
  await page.waitForFunction(() => document.querySelector('#booking-settings [name="hold"]').value === '3h');
  assert.equal(await settings.locator('[name="payment_text"]').inputValue(), 'Transfer ke BCA <b>123</b> sebelum datang.');
  await page.screenshot({ path: `${artifacts}/booking-settings-light.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the Booking page in dark, in English', async () => {
  const { page, errors } = await openBookingPage('dark');
  await page.locator('#lang').click();
  await page.locator('#booking-tabs [data-booking-status="paid"]').click();
  const paid = page.locator('#bookings li', { hasText: receipt });
  await paid.waitFor();
  assert.match(await paid.textContent(), /Decided by/);
  assert.notEqual(await background(page), 'rgb(255, 255, 255)');
  await page.screenshot({ path: `${artifacts}/booking-page-dark.png`, fullPage: true });
  // The settings in dark, in English: the saved values shown, fields in the dark colours;
  // a change saved.
  const settings = page.locator('#booking-settings');
  assert.equal(await page.locator('#booking-settings-title').textContent(), 'Booking settings');
  assert.equal(await settings.locator('[name="hold"]').inputValue(), '3h');
  const name = settings.locator('[name="hotel_name"]');
  assert.equal(await name.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(23, 33, 43)');
  assert.equal(await name.evaluate((e) => getComputedStyle(e).color), 'rgb(245, 245, 245)');
  await settings.locator('[name="book_ahead_days"]').fill('0');
  await settings.locator('button[type="submit"]').click();
  const daysError = settings.locator('[data-error-for="book_ahead_days"]');
  await daysError.waitFor();
  assert.equal(await daysError.textContent(), 'Booking ahead is 1 to 730 days.', 'in English only');
  await assertReadableRed(daysError);
  await settings.locator('[name="book_ahead_days"]').fill('90');
  await settings.locator('[name="warn_before"]').fill('20m');
  await settings.locator('button[type="submit"]').click();
  await page.locator('#booking-settings-message.done').waitFor();
  assert.equal(await page.locator('#booking-settings-message').textContent(), 'Booking settings saved.');
  assert.equal(await settings.locator('[name="warn_before"]').inputValue(), '20m');
  await page.screenshot({ path: `${artifacts}/booking-settings-dark.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

/// The free rooms the grid shows for `type`, night by night.
async function freeRooms(page, type) {
  return page.locator(`#grid tr[data-type="${type}"] td`).evaluateAll((cells) => cells.map((c) => c.textContent));
}

/// Whether the page itself scrolls sideways (it must not: only the grid's box does).
function pageScrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

test('the front desk on a phone: today\'s arrivals, the grid, a check-in to room 202', async () => {
  const { page, errors } = await openBookingPage('light');
  const arriving = page.locator('#desk-arrivals li', { hasText: desk.arriving });
  await arriving.waitFor();
  // Ayu (paid on the web this morning) and Rama arrive; Lina leaves from room 101.
  assert.equal(await page.locator('#desk-arrivals li', { hasText: receipt }).count(), 1);
  assert.equal(await arriving.locator('.desk-state').textContent(), 'Lunas');
  assert.match(await arriving.locator('.guest').textContent(), /Rama/);
  assert.match(await arriving.locator('.price').textContent(), /2 malam × Rp350\.000 = Rp700\.000/);
  const contact = arriving.locator('a.contact');
  assert.equal(await contact.textContent(), 'Chat di Telegram');
  assert.match(await contact.getAttribute('href'), /^tg:\/\/user\?id=\d+$/);
  const leaving = page.locator('#desk-departures li', { hasText: desk.leaving });
  assert.equal(await leaving.locator('.desk-state').textContent(), 'Pulang hari ini');
  assert.match(await leaving.locator('.room').textContent(), /Standard · kamar 101/);
  assert.equal(await leaving.locator('button[data-action="check_out"]').count(), 1);
  assert.equal(await page.locator('#desk-in-house li').count(), 0, 'Lina shows under leaving only');

  // The grid: 14 nights; Standard's three rooms, Rama's two nights, every room on the sixth.
  assert.equal(await page.locator('#grid thead th.night').count(), 14);
  assert.deepEqual(await freeRooms(page, 'Standard'), ['2', '2', '3', '3', '3', '0', '3', '3', '3', '3', '3', '3', '3', '3']);
  assert.deepEqual(await freeRooms(page, 'Deluxe'), ['2', '2', ...Array(12).fill('3')]);
  const full = page.locator('#grid tr[data-type="Standard"] td.full');
  assert.equal(await full.count(), 1);
  assert.match(await full.getAttribute('title'), /Standard, .*: penuh/);
  assert.notEqual(await full.evaluate((c) => getComputedStyle(c).backgroundColor), 'rgba(0, 0, 0, 0)');
  // On a phone the grid scrolls inside its box; the page does not.
  assert.ok(await page.locator('.grid-scroll').evaluate((box) => box.scrollWidth > box.clientWidth));
  assert.equal(await pageScrollsSideways(page), false);
  await page.screenshot({ path: `${artifacts}/desk-phone-light.png`, fullPage: true });

  // Check-in: the room number asked, typed; the card moves to the guests in the house.
  await arriving.locator('button[data-action="check_in"]').click();
  assert.match(await page.locator('#confirm-text').textContent(), new RegExp(`Check-in ${desk.arriving} \\(Rama\\)`));
  await page.locator('#confirm-input').fill('202');
  await page.screenshot({ path: `${artifacts}/desk-check-in-light.png` });
  await page.locator('#confirm-yes').click();
  const inHouse = page.locator('#desk-in-house li', { hasText: desk.arriving });
  await inHouse.waitFor();
  assert.equal(await page.locator('#desk-arrivals li', { hasText: desk.arriving }).count(), 0);
  assert.equal(await inHouse.locator('.desk-state').textContent(), 'Menginap');
  assert.match(await inHouse.locator('.room').textContent(), /kamar 202/);
  assert.match(await inHouse.locator('.checked-in').textContent(), /Sari \(@sari\)/);
  assert.match(await page.locator('#banner').textContent(), /check-in di kamar 202/);
  assert.equal(await page.locator('#desk-in-house-count').textContent(), '1');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the front desk in dark, in English: a check-out; the FO chat chosen by title', async () => {
  const { page, errors } = await openBookingPage('dark');
  await page.locator('#lang').click();
  const leaving = page.locator('#desk-departures li', { hasText: desk.leaving });
  await leaving.waitFor();
  assert.equal(await page.locator('#desk-title [data-i18n="desk_title"]').textContent(), 'Today');
  assert.equal(await page.locator('#grid-title').textContent(), 'Rooms free, 14 nights');
  assert.equal(await leaving.locator('.desk-state').textContent(), 'Leaving today');
  await leaving.locator('button[data-action="check_out"]').click();
  assert.match(await page.locator('#confirm-text').textContent(), new RegExp(`Check out ${desk.leaving} \\(Lina\\)`));
  assert.equal(await page.locator('#confirm-field').isVisible(), false, 'no room asked');
  await page.locator('#confirm-yes').click();
  await leaving.locator('.desk-state', { hasText: 'Checked out' }).waitFor();
  assert.equal(await leaving.locator('button').count(), 0);
  assert.match(await leaving.locator('.checked-out').textContent(), /Sari \(@sari\)/);
  // The dark theme's colours; the grid's full night still stands out.
  assert.equal(await background(page), 'rgb(35, 46, 60)');
  const full = page.locator('#grid td.full').first();
  await assertReadableRed(full);
  // The FO chat is chosen by the group's title.
  const chat = page.locator('#booking-settings [name="staff_chat"]');
  assert.equal(await chat.evaluate((s) => s.selectedOptions[0].textContent), 'FO Hotel Melati');
  assert.deepEqual(await chat.locator('option').allTextContents(),
    ['No FO chat (owners and admins are told privately)', 'FO Hotel Melati', 'Tim Operasional']);
  await page.screenshot({ path: `${artifacts}/desk-phone-dark.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the front desk on a desktop, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { page, errors } = await phonePage(colorScheme, { viewport: DESKTOP });
    // In dark, as if the bot no longer knew the FO chat: it stays chosen, by its id.
    if (colorScheme === 'dark') {
      await page.route((url) => url.pathname === '/api/bookings', async (route) => {
        const response = await route.fetch();
        const json = await response.json();
        if (json.groups) json.groups = json.groups.filter((g) => g.title !== 'FO Hotel Melati');
        await route.fulfill({ response, json });
      });
    }
    await page.context().route('https://telegram.org/**', (route) => route.abort());
    await page.goto(`${base}/`);
    await page.locator('#login-name').fill(admin.login);
    await page.locator('#login-password').fill(admin.password);
    await page.locator('#login-submit').click();
    await tapInMenu(page, '#booking-tab');
    await page.locator('#desk-in-house li', { hasText: desk.arriving }).waitFor();
    assert.deepEqual(await freeRooms(page, 'Standard'), ['2', '2', '3', '3', '3', '0', '3', '3', '3', '3', '3', '3', '3', '3']);
    assert.equal(await pageScrollsSideways(page), false);
    if (colorScheme === 'dark') {
      const chat = page.locator('#booking-settings [name="staff_chat"]');
      assert.match(await chat.evaluate((s) => s.selectedOptions[0].textContent), /^Grup -\d+ \(tidak dikenal bot\)$/);
      assert.notEqual(await background(page), 'rgb(255, 255, 255)');
    }
    await page.screenshot({ path: `${artifacts}/desk-desktop-${colorScheme}.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.context().close();
  }
});

/// What the booking page's API offers now (prices as the admin left them).
async function offered() {
  return (await fetch(`${base}/api/booking`)).json();
}

test('the public page speaks one language at a time and shows prices and the total', async () => {
  const form = await offered();
  const { page, errors } = await phonePage('light');
  await page.goto(`${base}/booking`);
  await page.locator('#booking-form').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'id');
  const body = () => page.locator('body').innerText();
  for (const english of ['Guest', 'Room', 'Nights', 'night', 'Continue', 'Book via', 'held', 'Loading']) {
    assert.ok(!(await body()).includes(english), `no "${english}" in the Indonesian page`);
  }
  const price = form.prices.Deluxe;
  const rupiah = (n) => `Rp${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
  assert.deepEqual(await page.locator('#room-type option').allTextContents(),
    [`Deluxe — ${rupiah(price)}/malam`, `Standard — ${rupiah(form.prices.Standard)}/malam`, 'Suite']);
  await page.locator('#room-type').selectOption('Deluxe');
  await page.locator('#nights').fill('3');
  assert.equal(await page.locator('#total').textContent(), `Total: 3 malam × ${rupiah(price)} = ${rupiah(3 * price)}`);
  // Today's check-in is held for the hold from the confirmation; a later one until the
  // release time on its day.
  assert.match(await page.locator('#hold-note').textContent(), /Check-in hari ini: kamar ditahan 3 jam/);
  const tomorrow = new Date(`${form.today}T00:00:00Z`);
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  await page.locator('#check-in').fill(tomorrow.toISOString().slice(0, 10));
  assert.equal(await page.locator('#hold-note').textContent(),
    `Kamar ditahan sampai pukul ${form.release_at} pada hari check-in; bayar di resepsionis sebelum itu.`);
  await page.locator('#room-type').selectOption('Suite');
  assert.equal(await page.locator('#total').isVisible(), false, 'a type without a price has no total');
  await page.screenshot({ path: `${artifacts}/booking-one-language-id.png`, fullPage: true });

  // EN: the same page in English alone, what was typed kept.
  await page.locator('#lang-en').click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.locator('#lang-en').getAttribute('aria-pressed'), 'true');
  await page.locator('#room-type').selectOption('Deluxe');
  assert.equal(await page.locator('#total').textContent(), `Total: 3 nights × ${rupiah(price)} = ${rupiah(3 * price)}`);
  assert.equal(await page.locator('#room-type option').first().textContent(), `Deluxe — ${rupiah(price)}/night`);
  for (const indonesian of ['Nama tamu', 'Malam', 'Lanjut', 'Booking lewat', 'malam', 'ditahan']) {
    assert.ok(!(await body()).includes(indonesian), `no "${indonesian}" in the English page`);
  }
  assert.equal(await page.locator('#nights').inputValue(), '3');
  await page.screenshot({ path: `${artifacts}/booking-one-language-en.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('an English browser books in English; with holds extended by location the position is asked and sent', async () => {
  const { page, errors } = await phonePage('light', { locale: 'en-US' });
  const context = page.context();
  await context.grantPermissions(['geolocation'], { origin: base });
  await context.setGeolocation({ latitude: -8.65, longitude: 115.2167, accuracy: 25 });
  await page.clock.install();
  // The hotel extends holds by location (`GET /api/booking` says so); what the page sends
  // is watched on its way to the server, which answers for real.
  const sent = { form: null, confirm: null, positions: [] };
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() !== 'POST') return;
    if (path === '/api/booking') sent.form = request.postDataJSON();
    if (path === '/api/booking/confirm') sent.confirm = request.postDataJSON();
    if (path === '/api/booking/position') sent.positions.push(request.postDataJSON());
  });
  await page.goto(`${base}/booking`);
  await page.locator('#booking-form').waitFor();
  assert.equal(await page.locator('label', { hasText: 'Guest\'s name' }).count(), 1);
  await page.locator('#name').fill('Dodi');
  await page.locator('input[name="via"][value="web"]').check();
  assert.match(await page.locator('#next').textContent(), /We mail you a confirmation link/);
  await page.locator('#email').fill(englishGuestEmail);
  await page.locator('#submit').click();
  await page.locator('#status.good').waitFor();
  assert.match(await page.locator('#status').textContent(), /We sent a mail/);
  assert.equal(sent.form.lang, 'en');

  const [mail] = await mailsTo(englishGuestEmail, 1);
  assert.match(mail.text, /Open this link/);
  const link = mail.text.split(/\s+/).find((word) => word.includes('/booking#confirm='));
  const token = new URLSearchParams(link.split('#')[1]).get('confirm');
  await page.goto(`${base}/booking#confirm=${token}`);
  await page.locator('#confirm-button', { hasText: 'Confirm booking' }).click();
  await page.locator('#status.good').waitFor();
  assert.match(await page.locator('#status').textContent(), /^Receipt: RESI-\d{8}-\d{3}$/);
  assert.match(await page.locator('#result').textContent(), /Your room at/);
  assert.deepEqual(sent.confirm, { token, lang: 'en' });

  // Why the position is wanted, then the browser asked only on a press.
  assert.equal(await page.locator('#location-why').textContent(),
    'Allow location: if you are on your way to the hotel when the time is up, the hold is extended.');
  assert.equal(sent.positions.length, 0, 'nothing sent before the press');
  await page.locator('#location-allow').click();
  await page.locator('#location-status', { hasText: 'Location received: 3.1 km from the hotel' }).waitFor();
  assert.deepEqual(sent.positions[0], { token, latitude: -8.65, longitude: 115.2167, accuracy: 25, lang: 'en' });
  await page.screenshot({ path: `${artifacts}/booking-location-en.png`, fullPage: true });
  // And again every ten minutes while the page is open.
  await page.clock.runFor('10:00');
  await page.waitForResponse((response) => response.url().endsWith('/api/booking/position'));
  assert.equal(sent.positions.length, 2);
  assert.deepEqual(errors, []);
  await context.close();

  // Refused by the browser: said calmly, in Indonesian, and nothing is sent.
  const refused = await phonePage('dark');
  const before = sent.positions.length;
  refused.page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/booking/position') sent.positions.push(request.postDataJSON());
  });
  await refused.page.goto(`${base}/booking#confirm=${token}`);
  await refused.page.locator('#confirm-button').click();
  await refused.page.locator('#location-allow').click();
  await refused.page.locator('#location-status', { hasText: 'Lokasi tidak diizinkan' }).waitFor();
  assert.equal(await refused.page.locator('#location-why').textContent(),
    'Izinkan lokasi: bila Anda sedang menuju hotel saat batas waktu, waktu tahan diperpanjang.');
  assert.match(await refused.page.locator('#status').textContent(), /^No\. resi: RESI-/);
  assert.equal(sent.positions.length, before);
  await refused.page.screenshot({ path: `${artifacts}/booking-location-refused-dark.png`, fullPage: true });
  assert.deepEqual(refused.errors, []);
  await refused.page.context().close();
});
