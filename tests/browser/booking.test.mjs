// The public booking page in headless Chromium (Debian's), driven by playwright-core.
// Started by tests/browser.rs, which runs Tangkap with a hotel and a real SMTP server
// (aiosmtpd) whose accepted mails are JSON lines in TANGKAP_MAILS; afterwards it checks
// the booking the page made. Screenshots land in TANGKAP_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const base = process.env.TANGKAP_URL;
const mailsFile = process.env.TANGKAP_MAILS;
const botUsername = process.env.TANGKAP_BOT_USERNAME;
const guestEmail = process.env.TANGKAP_GUEST_EMAIL;
// An admin's browser login ({login, password}): admins work bookings in the Mini App.
const admin = JSON.parse(process.env.TANGKAP_ADMIN);
// The receipt the web test made, for the Booking page tests after it.
let receipt;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

async function phonePage(colorScheme) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
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

async function openBookingPage(colorScheme) {
  const { page, errors } = await phonePage(colorScheme);
  await page.context().route('https://telegram.org/**', (route) => route.abort());
  await page.goto(`${base}/`);
  await page.locator('#login-name').fill(admin.login);
  await page.locator('#login-password').fill(admin.password);
  await page.locator('#login-submit').click();
  await page.locator('#booking-tab').waitFor();
  await page.locator('#booking-tab').click();
  await page.locator('#booking-view').waitFor();
  return { page, errors };
}

test('the Booking page: the web booking is pending; Lunas marks it paid', async () => {
  assert.ok(receipt, 'the web test made a booking');
  const { page, errors } = await openBookingPage('light');
  const card = page.locator('#bookings li', { hasText: receipt });
  await card.waitFor();
  assert.equal(await page.locator('#bookings').evaluate((list) => getComputedStyle(list).listStyleType), 'none');
  assert.match(await card.textContent(), /Web/);
  assert.match(await card.locator('.sla').textContent(), /sisa/);
  assert.equal(await page.locator('#booking-tabs [data-booking-status="pending"] .count').textContent(), '1');
  await page.screenshot({ path: `${artifacts}/booking-page-light.png`, fullPage: true });
  await card.locator('button[data-action="paid"]').click();
  assert.match(await page.locator('#confirm-text').textContent(), new RegExp(`${receipt}.*lunas`));
  await page.locator('#confirm-yes').click();
  await page.locator('#bookings-empty').waitFor();
  assert.equal(await page.locator('#booking-tabs [data-booking-status="paid"] .count').textContent(), '1');
  await page.locator('#booking-tabs [data-booking-status="paid"]').click();
  const paid = page.locator('#bookings li', { hasText: receipt });
  await paid.waitFor();
  assert.match(await paid.locator('.decided-by').textContent(), new RegExp(admin.login));
  assert.equal(await paid.locator('button').count(), 0, 'a decided booking has no buttons');
  // An admin sets the rooms of a type and adds one.
  const deluxe = page.locator('#room-types li', { hasText: 'Deluxe' });
  assert.equal(await deluxe.locator('input').inputValue(), '2');
  await deluxe.locator('input').fill('3');
  await deluxe.locator('button').click();
  await page.locator('#room-types-message.done').waitFor();
  assert.match(await page.locator('#room-types-message').textContent(), /Deluxe: 3 kamar/);
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
  assert.match(await warnError.textContent(), /Peringatan harus lebih singkat dari waktu tahan \(10m\)/);
  assert.equal(await settings.locator('[name="warn_before"]').getAttribute('aria-invalid'), 'true');
  assert.equal(await warnError.evaluate((e) => getComputedStyle(e).color), 'rgb(217, 58, 58)');
  await page.screenshot({ path: `${artifacts}/booking-settings-error-light.png`, fullPage: true });
  await settings.locator('[name="hold"]').fill('3h');
  await settings.locator('[name="payment_text"]').fill('Transfer ke BCA <b>123</b> sebelum datang.');
  await settings.locator('button[type="submit"]').click();
  await page.locator('#booking-settings-message.done').waitFor();
  assert.match(await page.locator('#booking-settings-message').textContent(), /Pengaturan booking tersimpan/);
  assert.equal(await warnError.isVisible(), false, 'the error went with the fix');
  assert.equal(await settings.locator('[name="warn_before"]').getAttribute('aria-invalid'), 'false');
  await page.reload();
  await page.locator('#booking-tab').click();
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
  assert.match(await daysError.textContent(), /Booking ahead is 1 to 730 days/);
  assert.equal(await daysError.evaluate((e) => getComputedStyle(e).color), 'rgb(236, 57, 66)');
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
