// The Mini App's Toko page in headless Chromium (Debian's), driven by playwright-core.
// Started by tests/browser.rs, which runs Tangkap with its shop on (NETFLIX holding
// TANGKAP_STOCK's items but the one sold in TANGKAP_ORDER, a paid order) and checks
// afterwards what the page changed. Screenshots land in TANGKAP_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';
import { audit } from './audit.mjs';
import { tapInMenu, openMenu } from './menu.mjs';

const base = process.env.TANGKAP_URL;
// Browser logins ({login, password}): an admin, who runs the shop, and a staff member.
const admin = JSON.parse(process.env.TANGKAP_ADMIN);
const staff = JSON.parse(process.env.TANGKAP_STAFF);
// The paid order to refund, and the items NETFLIX holds still (the page must never show them).
const order = process.env.TANGKAP_ORDER;
const stock = JSON.parse(process.env.TANGKAP_STOCK);
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

// A small phone.
const PHONE = { width: 360, height: 780 };

async function logIn(who, colorScheme) {
  const context = await browser.newContext({ viewport: PHONE, colorScheme, locale: 'id-ID' });
  await context.route('https://telegram.org/**', (route) => route.abort());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/`);
  await page.locator('#login-name').fill(who.login);
  await page.locator('#login-password').fill(who.password);
  await page.locator('#login-submit').click();
  await page.locator('#board-view').waitFor();
  return { page, errors };
}

async function openShop(colorScheme) {
  const { page, errors } = await logIn(admin, colorScheme);
  await tapInMenu(page, '#shop-tab');
  await page.locator('#shop-view').waitFor();
  await page.locator('#shop-products li[data-code="NETFLIX"]').waitFor();
  return { page, errors };
}

/// The product's note, once it says something.
async function noteOf(product) {
  const note = product.locator('.shop-note:not([hidden])');
  await note.waitFor();
  return note.textContent();
}

/// What the page shows, all of it, as text and as the values of its fields.
function shown(page) {
  return page.evaluate(() => document.body.innerText
    + [...document.querySelectorAll('input, textarea')].map((field) => field.value).join('\n'));
}

test('an admin adds stock pasted and from a file, sees it masked, switches and re-prices', async () => {
  const { page, errors } = await openShop('light');
  assert.equal(await page.locator('#shop-tab').getAttribute('aria-pressed'), 'true');
  const product = page.locator('#shop-products li[data-code="NETFLIX"]');
  assert.match(await product.locator('.name').textContent(), /Netflix 1 Bulan/);
  assert.equal(await product.locator('.badge.stock').textContent(), `Stok ${stock.length}`);
  assert.match(await product.locator('.price-field .hint').textContent(), /Rp10\.000/);

  // Pasted: one new, one there already.
  await product.locator('.stock-items').fill(`stok-baru-1@mail.test\n${stock[0]}`);
  await product.locator('.stock-form button[type="submit"]').click();
  assert.match(await noteOf(product), /^1 ditambahkan, 1 duplikat ditolak\. Stok sekarang 2\.$/);
  assert.equal(await product.locator('.stock-items').inputValue(), '', 'the items are not left on the screen');
  assert.equal(await product.locator('.badge.stock').textContent(), 'Stok 2');

  // From a .txt file, read in the page.
  await product.locator('.stock-file').setInputFiles({
    name: 'stok.txt', mimeType: 'text/plain', buffer: Buffer.from('file-item-1@mail.test\r\nfile-item-2@mail.test\n'),
  });
  await product.locator('.badge.stock', { hasText: 'Stok 4' }).waitFor();
  assert.match(await noteOf(product), /^2 ditambahkan\. Stok sekarang 4\.$/);
  // Over 1 MB: refused here, nothing sent.
  await product.locator('.stock-file').setInputFiles({
    name: 'besar.txt', mimeType: 'text/plain', buffer: Buffer.alloc(1_000_001, 'x'),
  });
  await product.locator('.shop-note.error').waitFor();
  assert.match(await noteOf(product), /lebih dari 1 MB/);
  assert.equal(await product.locator('.badge.stock').textContent(), 'Stok 4');

  // The stock, masked.
  await product.locator('button.look').click();
  await product.locator('.masked li').first().waitFor();
  const masked = await product.locator('.masked li').allTextContents();
  assert.equal(masked.length, 4);
  assert.ok(masked.every((item) => item.includes('•••')), masked.join(', '));
  const text = await shown(page);
  for (const item of [...stock, 'stok-baru-1@mail.test', 'file-item-1@mail.test', 'file-item-2@mail.test']) {
    assert.ok(!text.includes(item), `${item} is on the page`);
  }

  // Re-priced, then off sale.
  await product.locator('input.price').fill('12000');
  await product.locator('.price-form button[type="submit"]').click();
  await product.locator('.price-field .hint', { hasText: 'Rp12.000' }).waitFor();
  assert.equal(await noteOf(product), 'Harga sekarang Rp12.000.');
  await product.locator('button.toggle').click();
  await product.locator('.badge.off-sale').waitFor();
  assert.equal(await product.locator('.badge.off-sale').textContent(), 'Tidak dijual');
  assert.equal(await noteOf(product), 'Netflix 1 Bulan tidak dijual lagi.');
  assert.equal(await product.locator('button.toggle').textContent(), 'Jual lagi');

  await page.screenshot({ path: `${artifacts}/shop-products-light.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('an admin refunds an order once, after saying how much', async () => {
  const { page, errors } = await openShop('light');
  const row = page.locator(`#shop-orders li[data-invoice="${order}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.order-state').textContent(), 'Lunas');
  assert.match(await row.locator('.order-line').textContent(), /Rp10\.000 · pembeli \d+ · 1 item terkirim/);
  // Asked first; cancelled, nothing happens.
  await row.locator('button.refund').click();
  await page.locator('#confirm:not([hidden])').waitFor();
  await page.locator('#confirm-no').click();
  assert.equal(await row.locator('button.refund').count(), 1);
  await row.locator('button.refund').click();
  await page.locator('#confirm-input').fill('5.000');
  await page.locator('#confirm-yes').click();
  await page.locator('#confirm-text', { hasText: 'Refund Rp5.000' }).waitFor();
  await page.locator('#confirm-yes').click();
  await row.locator('.badge.refunded').waitFor();
  assert.equal(await row.locator('.badge.refunded').textContent(), 'Refund Rp5.000');
  assert.equal(await row.locator('button.refund').count(), 0, 'once per order');
  const note = page.locator('.shop-note[data-note="orders"]');
  assert.equal(await note.textContent(), `Refund Rp5.000 untuk ${order} masuk ke saldo pembeli.`);

  // A coupon, from the small form.
  const form = page.locator('#coupon-form');
  await form.locator('[name="code"]').fill('hemat10');
  await form.locator('[name="discount"]').fill('10%');
  await form.locator('[name="max_uses"]').fill('5');
  await form.locator('button[type="submit"]').click();
  await page.locator('#shop-coupons li[data-code="HEMAT10"]').waitFor();
  assert.equal(await page.locator('.shop-note[data-note="coupon"]').textContent(), 'Kupon HEMAT10 ditambahkan.');
  assert.match(await page.locator('#shop-coupons li[data-code="HEMAT10"]').textContent(), /potongan 10%.*dipakai 0 dari 5/);
  await form.locator('[name="code"]').fill('hemat10');
  await form.locator('[name="discount"]').fill('10%');
  await form.locator('button[type="submit"]').click();
  await page.locator('.shop-note.error[data-note="coupon"]').waitFor();
  assert.equal(await page.locator('.shop-note[data-note="coupon"]').textContent(), 'Kupon HEMAT10 sudah ada.');

  await page.screenshot({ path: `${artifacts}/shop-orders-light.png`, fullPage: true });
  const failures = await audit(page, 'toko', [PHONE.width]);
  assert.deepEqual(failures, []);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the Toko page in dark, in English: a text refused for its placeholder', async () => {
  const { page, errors } = await openShop('dark');
  await page.locator('#lang').click();
  assert.equal(await page.locator('#shop-view h2 [data-i18n="shop_title"]').textContent(), 'Shop');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(240, 240, 244)');
  const welcome = page.locator('#shop-texts li[data-key="sambutan"]');
  assert.match(await welcome.textContent(), /Placeholders: \{nama\}, \{toko\}/);
  await welcome.locator('textarea').fill('Price {harga}');
  await welcome.locator('button[type="submit"]').click();
  const note = welcome.locator('.shop-note.error');
  await note.waitFor();
  assert.equal(await note.textContent(),
    'The text sambutan was not saved: the placeholder {harga} is not known; use: {nama}, {toko}.');
  assert.equal(await welcome.locator('textarea').inputValue(), 'Price {harga}', 'kept to be corrected');
  await welcome.locator('textarea').fill('Hi {nama}, welcome to {toko}!');
  await welcome.locator('button[type="submit"]').click();
  await welcome.locator('.badge.custom').waitFor();
  assert.equal(await welcome.locator('.shop-note').textContent(), 'Text saved.');
  assert.match(await page.locator('#broadcast-to').textContent(), /Goes to 1 buyers/);
  await page.screenshot({ path: `${artifacts}/shop-dark.png`, fullPage: true });
  const failures = await audit(page, 'toko dark', [PHONE.width]);
  assert.deepEqual(failures, []);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a staff member has no Toko tab', async () => {
  const { page, errors } = await logIn(staff, 'light');
  await openMenu(page);
  assert.equal(await page.locator('#shop-tab').isHidden(), true);
  assert.equal(await page.locator('#team-tab').isHidden(), true);
  await page.screenshot({ path: `${artifacts}/staff-menu-light.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.context().close();
});
