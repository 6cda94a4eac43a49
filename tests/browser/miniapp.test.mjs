// The Mini App in headless Chromium (Debian's), driven by playwright-core. Started by
// tests/browser.rs, which runs Tangkap against the fake Telegram, seeds accounts and
// orders in two groups, and afterwards checks the group received Feedback 2 and 3 and the
// accounts stand as the Tim page left them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { launchChromium, openInTelegram } from './chromium.mjs';
import { openMenu, tapInMenu } from './menu.mjs';
import { sign } from '@telegram-apps/init-data-node';

const base = process.env.TANGKAP_URL;
const token = process.env.TANGKAP_BOT_TOKEN;
const staff = JSON.parse(process.env.TANGKAP_STAFF);
const stranger = JSON.parse(process.env.TANGKAP_STRANGER);
// By login username: dewi (staff of Gudang only), rina, joko, wati (waiting for approval),
// sari (an owner), tono (staff).
const people = JSON.parse(process.env.TANGKAP_PEOPLE);
// Chat ids by name: operasional, gudang, kilat (its tickets KLT-1 and KLT-2 are due a
// second after they were asked for: late), siaga (SGA-1 is in its warning window), toko
// (the bot was removed from it after TKL-1 came: its Feedback 2 was refused). Operasional
// also holds DTL-1, closed, with a note by Sari.
const groups = JSON.parse(process.env.TANGKAP_GROUPS);
const botUsername = process.env.TANGKAP_BOT_USERNAME;
const artifacts = process.env.TANGKAP_ARTIFACTS;
mkdirSync(artifacts, { recursive: true });

// The same stand-in the demo serves, loaded before the page's own scripts.

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
/// `path` follows the app's address (`?ticket=…`).
async function openApp({ telegramUser = staff, theme = 'light', startParam, path = '', viewport = { width: 390, height: 844 } } = {}) {
  const context = await browser.newContext({ viewport, colorScheme: theme });
  // Telegram's own script cannot load here; the stand-in takes its place.
  await context.route('https://telegram.org/**', (route) => route.abort());
  if (telegramUser) {
    const setup = {
      initData: initDataFor(telegramUser, startParam),
      user: { id: telegramUser.id, first_name: telegramUser.first_name, username: telegramUser.username },
      startParam,
      theme,
    };
    await openInTelegram(context, setup, setup.theme);
  }
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  await page.goto(`${base}/${path}`);
  return { page, context, problems };
}

async function logInInTelegram(page, who = staff) {
  await page.locator('#login-password').fill(who.password);
  await page.locator('#tg-main-button').click();
  await page.locator('#board-view').waitFor();
}

/// A session from the API, as if opened elsewhere (another phone, a browser).
async function sessionOf(login, password) {
  const response = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  assert.equal(response.status, 200, `log in as ${login}`);
  return (await response.json()).token;
}

const account = (page, username) => page.locator(`#accounts .account[data-username="${username}"]`);

async function openTeamPage(page) {
  await tapInMenu(page, '#team-tab');
  await page.locator('#team-view').waitFor();
  await page.locator('#accounts .account').first().waitFor();
}

/// `path` asked by the page's own API call (the instance of `js/api.js` the page runs, by
/// the hashed name it preloads): `{ data }`, or `{ failure: [status, code] }`.
function pageApi(page, path) {
  return page.evaluate(async (asked) => {
    const { api } = await import(document.querySelector('link[rel="modulepreload"][href^="js/api."]').href);
    return api(asked).then((data) => ({ data }), (failure) => ({ failure: [failure.status, failure.code] }));
  }, path);
}

/// Today on the team's clock (the server's UTC offset), `YYYY-MM-DD`.
async function teamToday() {
  const { utc_offset_minutes: offset } = await (await fetch(`${base}/api/config`)).json();
  return new Date(Date.now() + offset * 60000).toISOString().slice(0, 10);
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
  const pickupCount = Number(await tab(page, 'pickup').locator('.count').textContent());
  await shot(page, 'order-light');

  await row.locator('.action').click();
  await row.waitFor({ state: 'detached' });
  assert.equal(Number(await tab(page, 'order').locator('.count').textContent()), orderCount - 1);
  assert.equal(Number(await tab(page, 'pickup').locator('.count').textContent()), pickupCount + 1);

  await tab(page, 'pickup').click();
  const picked = orderRow(page, 'UI-1');
  await picked.waitFor();
  assert.match(await picked.locator('.picked-by').textContent(), new RegExp(`^${staff.name} \\(@${staff.username}\\) · `));
  assert.equal(await picked.locator('.group').textContent(), 'Operasional', 'the card names its group');
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
  assert.match(await closed.locator('.closed-by').textContent(), new RegExp(`^${staff.name} \\(@${staff.username}\\) · `));
  assert.equal(await closed.locator('.action').count(), 0, 'nothing more to do on a closed order');
  await shot(page, 'close-light');

  const haptics = await page.evaluate(() => window.__telegram.haptics);
  assert.deepEqual(haptics.filter((h) => h === 'success').length >= 3, true, `haptics: ${haptics}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a Pickup asks nothing and can be taken back with Batalkan before the group is told', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  const row = orderRow(page, 'UNDO-1');
  await row.waitFor();
  const ticketNo = await row.locator('.ticket').textContent();
  await row.locator('.action').click();
  await row.waitFor({ state: 'detached' });
  const toast = page.locator('#undo-toast');
  await toast.waitFor();
  assert.equal(await page.locator('#confirm').isHidden(), true, 'no confirmation for a Pickup');
  assert.equal(await page.locator('#undo-text').textContent(), `Tiket ${ticketNo} di-pickup.`);
  assert.equal(await page.locator('#undo-button').textContent(), 'Batalkan');
  await shot(page, 'undo-light');
  await page.locator('#undo-button').click();
  await page.locator('#banner', { hasText: `Pickup tiket ${ticketNo} dibatalkan.` }).waitFor();
  await orderRow(page, 'UNDO-1').waitFor();
  assert.equal(await toast.isHidden(), true);
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

test('a second request with an open ticket\'s Order_ID shows on that ticket\'s page as the reply pointing to it', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await page.locator('#search').fill('DUP-1');
  await page.locator('#search').press('Enter');
  // The search's answer replaces the whole list: one ticket for the Order_ID.
  await page.locator('#orders .order').nth(1).waitFor({ state: 'detached' });
  await orderRow(page, 'DUP-1').waitFor();
  assert.equal(await page.locator('#orders .order').count(), 1, 'one ticket for the Order_ID');
  await orderRow(page, 'DUP-1').locator('.keterangan').click();
  const linked = page.locator('#ticket-timeline .event[data-message="linked"]');
  await linked.waitFor();
  assert.equal(await linked.locator('.what').textContent(),
    'Pesan ke Operasional: permintaan lain dengan Order_ID yang sama diarahkan ke tiket ini');
  await page.locator('#ticket-timeline .event[data-message="linked"][data-delivery="sent"]').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an unregistered Telegram user is told to /daftar before any password is asked', async () => {
  const { page, context, problems } = await openApp({ telegramUser: stranger });
  await page.locator('#open-bot').waitFor();
  assert.match(await page.locator('#login-standing').textContent(), /belum terdaftar.*\/daftar/);
  assert.equal(await page.locator('#login-password').isVisible(), false, 'no password field');
  assert.equal(await page.locator('#tg-main-button').isVisible(), false, 'no Main button');
  await page.locator('#open-bot').click();
  assert.deepEqual(await page.evaluate(() => window.__telegram.openedLinks), [`https://t.me/${botUsername}`]);
  await page.locator('#lang').click();
  assert.match(await page.locator('#login-standing').textContent(), /not registered/);
  await page.locator('#lang').click();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an applicant waiting for approval is told so, with no password field', async () => {
  const wati = people.wati;
  const { page, context, problems } = await openApp({ telegramUser: wati });
  await page.locator('#login-view[data-standing="pending"]').waitFor();
  assert.match(await page.locator('#login-standing').textContent(), /menunggu persetujuan admin/);
  assert.equal(await page.locator('#login-view h2').textContent(), 'Menunggu persetujuan');
  assert.equal(await page.locator('#login-password').isVisible(), false, 'no password field');
  assert.equal(await page.locator('#tg-main-button').isVisible(), false, 'no Main button');
  assert.equal(await page.locator('#open-bot').isVisible(), false);
  await shot(page, 'pending-light');
  await page.locator('#lang').click();
  assert.match(await page.locator('#login-standing').textContent(), /waiting for an admin to approve/);
  await page.locator('#lang').click();
  // The API refuses the login too, with the reason, even with the right password.
  const refused = await fetch(`${base}/api/login/telegram`, {
    method: 'POST',
    headers: { Authorization: `tma ${initDataFor(wati)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: wati.password }),
  });
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error, 'pending');
  assert.deepEqual(problems, []);
  await context.close();
});

test('reopening the app after logging in goes straight to the board, until logout', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await page.close();
  const again = await context.newPage();
  again.on('pageerror', (error) => problems.push(error.message));
  await again.goto(base);
  await again.locator('#orders .order').first().waitFor();
  assert.equal(await again.locator('#login-view').isHidden(), true, 'no password asked');
  assert.match(await again.locator('#who').textContent(), new RegExp(`@${staff.username}`));
  await tapInMenu(again, '#logout');
  await again.locator('#login-password').waitFor();
  assert.equal(await again.evaluate(() => localStorage.getItem('tangkap.session')), null, 'logout forgets the session');
  await again.goto(base);
  await again.locator('#login-password').waitFor();
  assert.equal(await again.locator('#board-view').isHidden(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a stored session of another Telegram account is forgotten and the login shown", async () => {
  const budiToken = await sessionOf(staff.username, staff.password);
  const dewi = people.dewi;
  const { page, context, problems } = await openApp({ telegramUser: dewi });
  await page.locator('#login-password').waitFor();
  await page.evaluate((token) => localStorage.setItem('tangkap.session', token), budiToken);
  await page.reload();
  await page.locator('#login-password').waitFor();
  assert.match(await page.locator('#login-intro').textContent(), /Dewi Lestari/);
  assert.equal(await page.locator('#board-view').isHidden(), true);
  assert.equal(await page.evaluate(() => localStorage.getItem('tangkap.session')), null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('staff of one group see only its tickets, and its name alone in the group filter', async () => {
  const dewi = people.dewi;
  const { page, context, problems } = await openApp({ telegramUser: dewi });
  await logInInTelegram(page, dewi);
  await orderRow(page, 'GDG-1').waitFor();
  const groups = await page.locator('#orders .order .group').allTextContents();
  assert.ok(groups.length >= 1);
  assert.deepEqual([...new Set(groups)], ['Gudang'], 'only Gudang cards');
  assert.equal(await orderRow(page, 'UI-1').count(), 0);
  assert.deepEqual(await page.locator('#group-filter option').allTextContents(), ['Semua grup', 'Gudang']);
  // Where a manager would find it: in the header's menu.
  await openMenu(page);
  assert.equal(await page.locator('#team-tab').isVisible(), false, 'no Tim page for staff');
  const token = await page.evaluate(() => localStorage.getItem('tangkap.session'));
  const tma = `tma ${initDataFor(dewi)}`;
  const team = await fetch(`${base}/api/team`, { headers: { 'X-Session-Token': token, Authorization: tma } });
  assert.equal(team.status, 404);
  const everywhere = await fetch(`${base}/api/orders?status=order&limit=100`, {
    headers: { 'X-Session-Token': token, Authorization: tma },
  }).then((r) => r.json());
  assert.ok(everywhere.orders.every((o) => o.group_title === 'Gudang'), JSON.stringify(everywhere.orders));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the group filter shows one group\'s tickets and counts', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await orderRow(page, 'GDG-1').waitFor();
  await orderRow(page, 'RTL-1').waitFor();
  assert.deepEqual(await page.locator('#group-filter option').allTextContents(),
    ['Semua grup', 'Gudang', 'Kilat', 'Operasional', 'Siaga', 'Toko Lama']);
  await page.locator('#group-filter').selectOption({ label: 'Gudang' });
  await orderRow(page, 'RTL-1').waitFor({ state: 'detached' });
  assert.deepEqual([...new Set(await page.locator('#orders .order .group').allTextContents())], ['Gudang']);
  await page.locator('.tabs button[data-status="order"] .count', { hasText: /^1$/ }).waitFor();
  await page.locator('#group-filter').selectOption({ label: 'Operasional' });
  await orderRow(page, 'GDG-1').waitFor({ state: 'detached' });
  assert.deepEqual([...new Set(await page.locator('#orders .order .group').allTextContents())], ['Operasional']);
  await page.locator('#lang').click();
  assert.equal(await page.locator('#group-filter option').first().textContent(), 'All groups');
  await page.locator('#lang').click();
  await page.locator('#group-filter').selectOption('');
  await orderRow(page, 'GDG-1').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Tim page: applicants first, Setujui approves, the audit records it', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  assert.equal(await page.locator('#team-tab').textContent(), 'Tim');
  await openTeamPage(page);
  const states = await page.locator('#accounts .account').evaluateAll((rows) => rows.map((r) => r.dataset.state));
  const firstOther = states.findIndex((s) => s !== 'pending');
  assert.ok(firstOther >= 3 && states.slice(firstOther).every((s) => s !== 'pending'), `pending first: ${states}`);

  const rina = account(page, 'rina');
  assert.equal(await rina.locator('.name').textContent(), 'Rina Kusuma (@rina)');
  assert.equal(await rina.locator('.state').textContent(), 'Menunggu');
  assert.match(await rina.locator('.telegram').textContent(), new RegExp(`^${people.rina.id} · @rina_k$`));
  assert.equal(await rina.locator('.last-login').textContent(), 'Belum pernah');
  assert.deepEqual(await rina.locator('button[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action)), ['approve', 'reject']);
  // The admin's own account and the owner's offer nothing; an admin gives no roles.
  assert.equal(await account(page, staff.username).locator('button, select').count(), 0);
  assert.equal(await account(page, 'sari').locator('button, select').count(), 0);
  assert.equal(await page.locator('#accounts select').count(), 0, 'only an owner sets roles');
  assert.equal(await account(page, 'tono').locator('button[data-action="disable"]').count(), 1);
  // Budi logged in: his last login shows, as times elsewhere do.
  assert.match(await account(page, staff.username).locator('.last-login').textContent(), /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  await rina.locator('button[data-action="approve"]').click();
  await rina.locator('.state[data-state="active"]').waitFor();
  assert.equal(await rina.locator('.state').textContent(), 'Aktif');
  assert.match(await page.locator('#team-message').textContent(), /Rina Kusuma \(@rina\) disetujui/);
  const entry = page.locator('.audit li', { hasText: 'Rina Kusuma (@rina)' }).first();
  await entry.waitFor();
  assert.equal(await entry.getAttribute('data-detail'), 'pending → active');
  assert.equal(await entry.locator('.actor').textContent(), `${staff.name} (@${staff.username})`);
  assert.equal(await entry.locator('.action').textContent(), 'menyetujui');
  assert.equal(await entry.locator('.detail').textContent(), 'menunggu → aktif');
  assert.match(await entry.locator('.at').textContent(), /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  assert.equal(await page.locator('.audit li').first().getAttribute('data-detail'), 'pending → active', 'newest first');
  await shot(page, 'team-light');

  await page.locator('#lang').click();
  assert.equal(await page.locator('#team-view h2').textContent(), 'Team');
  assert.equal(await rina.locator('.state').textContent(), 'Active');
  assert.equal(await entry.locator('.action').textContent(), 'approved');
  assert.equal(await page.locator('#audit-title').textContent(), 'Change history');
  await page.locator('#lang').click();

  // Back to the board with the page's button.
  await page.locator('#team-back').click();
  await page.locator('#orders .order').first().waitFor();
  assert.equal(await page.locator('#team-view').isHidden(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Tim page follows the dark theme', async () => {
  const { page, context, problems } = await openApp({ theme: 'dark' });
  await logInInTelegram(page);
  await openTeamPage(page);
  await page.locator('.audit li').first().waitFor();
  const card = await account(page, 'wati').evaluate((e) => {
    const style = getComputedStyle(e);
    return [style.backgroundColor, getComputedStyle(e.querySelector('.name')).color];
  });
  assert.deepEqual(card, ['rgb(23, 33, 43)', 'rgb(245, 245, 245)'], 'section_bg_color and text_color');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(35, 46, 60)');
  assert.equal(await page.locator('#tg-back-button').isVisible(), true, 'Back leads to the board');
  await shot(page, 'team-dark');
  await page.locator('#tg-back-button').click();
  await page.locator('#board-view').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a change the server refuses shows its reason, and the page shows the account as it is', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await openTeamPage(page);
  const joko = account(page, 'joko');
  await joko.locator('button[data-action="approve"]').waitFor();
  // Meanwhile someone else rejects Joko.
  const elsewhere = await sessionOf(staff.username, staff.password);
  const id = await joko.getAttribute('data-id');
  const rejected = await fetch(`${base}/api/team/${id}/reject`, { method: 'POST', headers: { 'X-Session-Token': elsewhere } });
  assert.equal(rejected.status, 200);
  assert.equal((await rejected.json()).state, 'rejected');

  await joko.locator('button[data-action="approve"]').click();
  await page.locator('#team-message.error', { hasText: 'tidak berlaku' }).waitFor();
  assert.match(await page.locator('#team-message').textContent(), /Akun ini berstatus ditolak/);
  await joko.locator('.state[data-state="rejected"]').waitFor();
  assert.deepEqual(await joko.locator('button[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action)), ['enable']);
  // The refused try is in the change history, with why.
  const tried = page.locator('.audit-entry[data-action="refused:approve"]').first();
  await tried.waitFor();
  assert.match(await tried.locator('.action').textContent(), /^mencoba menyetujui$/);
  assert.equal(await tried.locator('.detail').textContent(), 'Ditolak: tidak berlaku untuk status akun ini');
  const haptics = await page.evaluate(() => window.__telegram.haptics);
  assert.equal(haptics.at(-1), 'error');
  assert.deepEqual(problems, []);
  await context.close();

  // Joko, opening the app, is told his registration was rejected.
  const opened = await openApp({ telegramUser: people.joko });
  await opened.page.locator('#login-view[data-standing="rejected"]').waitFor();
  assert.match(await opened.page.locator('#login-standing').textContent(), /ditolak/);
  assert.equal(await opened.page.locator('#login-password').isVisible(), false);
  await opened.context.close();

  // In English a refusal is told in English, naming the account's state as it is now.
  const english = await openApp();
  await logInInTelegram(english.page);
  await english.page.locator('#lang').click();
  await openTeamPage(english.page);
  const jokoAgain = account(english.page, 'joko');
  await jokoAgain.locator('button[data-action="enable"]').waitFor();
  const enabled = await fetch(`${base}/api/team/${id}/enable`, { method: 'POST', headers: { 'X-Session-Token': elsewhere } });
  assert.equal(enabled.status, 200);
  await jokoAgain.locator('button[data-action="enable"]').click();
  await english.page.locator('#team-message.error', { hasText: 'does not apply' }).waitFor();
  assert.equal(await english.page.locator('#team-message').textContent(), 'This account is active, so this change does not apply.');
  const triedInEnglish = english.page.locator('.audit-entry[data-action="refused:enable"]').first();
  await triedInEnglish.waitFor();
  assert.equal(await triedInEnglish.locator('.action').textContent(), 'tried to enable');
  assert.equal(await triedInEnglish.locator('.detail').textContent(), 'Refused: does not apply to this account state');
  await english.page.locator('#lang').click();
  assert.deepEqual(english.problems, []);
  await english.context.close();
});

test('an owner sets roles from the Tim page', async () => {
  const sari = people.sari;
  const { page, context, problems } = await openApp({ telegramUser: sari });
  await logInInTelegram(page, sari);
  await openTeamPage(page);
  assert.equal(await account(page, 'sari').locator('button, select').count(), 0, 'not on her own account');
  // An owner manages admins too.
  assert.equal(await account(page, staff.username).locator('select.role-select').count(), 1);
  const tono = account(page, 'tono');
  const select = tono.locator('select.role-select');
  assert.deepEqual(await select.locator('option').evaluateAll((o) => o.map((x) => x.value)), ['owner', 'admin', 'staff']);
  assert.equal(await select.inputValue(), 'staff');
  // Asked first; an Owner in words of its own. Batal changes nothing.
  await select.selectOption('owner');
  assert.equal(await page.locator('#confirm-text').textContent(),
    'Jadikan Tono Staf (@tono) Owner? Owner bisa mengatur semua akun, termasuk owner dan admin lain.');
  await page.locator('#confirm-no').click();
  assert.equal(await tono.locator('select.role-select').inputValue(), 'staff');
  assert.equal(await tono.getAttribute('data-role'), 'staff');
  await tono.locator('select.role-select').selectOption('admin');
  assert.equal(await page.locator('#confirm-text').textContent(),
    'Ubah peran Tono Staf (@tono) dari Staf menjadi Admin? Halaman yang bisa ia buka ikut berubah.');
  await page.locator('#confirm-yes').click();
  await tono.locator('.role', { hasText: 'Admin' }).waitFor();
  assert.equal(await tono.getAttribute('data-role'), 'admin');
  assert.match(await page.locator('#team-message').textContent(), /Peran Tono Staf \(@tono\) sekarang Admin/);
  const entry = page.locator('.audit li').first();
  assert.equal(await entry.getAttribute('data-detail'), 'staff → admin');
  assert.equal(await entry.locator('.actor').textContent(), 'Sari Owner (@sari)');
  assert.equal(await entry.locator('.target').textContent(), 'Tono Staf (@tono)');
  assert.deepEqual(problems, []);
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
  await tapInMenu(page, '#logout');
  await page.locator('#login-view').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a wide screen the board is a table, a ticket per row, with the same actions, light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    const { page, context, problems } = await openApp({ telegramUser: null, theme, viewport: { width: 1366, height: 900 } });
    await page.locator('#login-name').fill(staff.username);
    await page.locator('#login-password').fill(staff.password);
    await page.locator('#login-submit').click();
    const row = orderRow(page, 'UNDO-1');
    await row.waitFor();
    await shot(page, `table-${theme}`);
    assert.equal(await page.locator('#orders-head').isVisible(), true, 'column heads above the rows');
    assert.equal(await row.locator('dt').first().isVisible(), false, 'the heads name the cells');
    // The row's cells side by side, in the heads' order, each under its head.
    const cells = ['.ticket', '.order-id', '.transaksi', '.keterangan', '.requester', '.action'];
    const boxes = await Promise.all(cells.map((cell) => row.locator(cell).boundingBox()));
    const rowBox = await row.boundingBox();
    for (const [i, box] of boxes.entries()) {
      assert.ok(box.y >= rowBox.y && box.y + box.height <= rowBox.y + rowBox.height + 1, `${cells[i]} within its row`);
      if (i > 0) assert.ok(box.x > boxes[i - 1].x, `${cells[i]} right of ${cells[i - 1]}`);
    }
    for (const cell of ['.order-id', '.keterangan']) {
      const head = await page.locator(`#orders-head ${cell}`).boundingBox();
      const box = await row.locator(cell).boundingBox();
      assert.ok(Math.abs(head.x - box.x) < 2, `${cell} under its head (${head.x}, ${box.x})`);
    }
    assert.ok(rowBox.height < 90, `one line per ticket, not a card (${rowBox.height}px)`);
    if (theme === 'light') {
      // Pickup from the table, and Batalkan, as on a phone.
      await row.locator('.action').click();
      await row.waitFor({ state: 'detached' });
      await page.locator('#undo-button').click();
      await orderRow(page, 'UNDO-1').waitFor();
      await tab(page, 'close').click();
      await page.locator('#orders-head .closed-by').waitFor();
      assert.equal(await page.locator('#orders-head .clock').isVisible(), false, 'closed tickets have no clock');
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
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
  // In English, Close is pressed and, while it asks to confirm, the ticket is closed
  // elsewhere: the row leaves this page and the Close count grows, with no reload.
  await page.locator('#lang').click();
  await picked.locator('.action').click();
  await page.locator('#confirm').waitFor();
  assert.equal((await elsewhere(`/orders/${no}/close`)).status, 200);
  await picked.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator(`.tabs button[data-status="close"] .count`, { hasText: String(closedBefore + 1) }).waitFor();
  // Confirmed anyway: the server's answer says who was faster, in English only.
  await page.locator('#confirm-yes').click();
  const told = page.locator('#banner', { hasText: `already closed by ${staff.name}` });
  await told.waitFor();
  assert.match(await told.textContent(), /^This order was already closed by Budi Santoso/);
  assert.doesNotMatch(await told.textContent(), /sudah|oleh|di-close/);
  await page.locator('#lang').click();
  assert.deepEqual(problems, []);
  await context.close();
});

// --- time targets ---------------------------------------------------------------------------

/// `rgb(…)` or `rgba(…)` as [r, g, b, a].
function rgba(css) {
  const parts = css.match(/[\d.]+/g).map(Number);
  return [parts[0], parts[1], parts[2], parts[3] ?? 1];
}

/// `top` laid over the opaque `under`.
function over(top, under) {
  const [r, g, b, a] = rgba(top);
  const base = rgba(under);
  return [r, g, b].map((c, i) => Math.round(c * a + base[i] * (1 - a)));
}

/// WCAG contrast of two opaque colours, [r, g, b].
function contrast(one, two) {
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(one), luminance(two)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/// The badge's colours and its card's, as the page computes them.
async function badgeColours(row) {
  return row.evaluate((card) => {
    const badge = card.querySelector('.sla');
    const style = getComputedStyle(badge);
    const cardStyle = getComputedStyle(card);
    return {
      background: style.backgroundColor,
      color: style.color,
      card: cardStyle.backgroundColor,
      edge: cardStyle.borderLeftColor,
      edgeWidth: cardStyle.borderLeftWidth,
    };
  });
}

const minutesIn = (text) => Number(text.match(/(\d+) mnt/)?.[1]);

test('Order cards show their age and the time left: late in red, the warning window in amber', async () => {
  const seen = {};
  for (const theme of ['light', 'dark']) {
    const { page, context, problems } = await openApp({ theme });
    await logInInTelegram(page);
    const late = orderRow(page, 'KLT-1');
    const warn = orderRow(page, 'SGA-1');
    const ok = orderRow(page, 'RTL-1');
    await late.locator('.sla').waitFor();

    assert.equal(await late.locator('.sla').getAttribute('data-sla'), 'late');
    assert.equal(await late.getAttribute('data-sla'), 'late');
    assert.match(await late.locator('.sla').textContent(), /^Terlambat (<1|\d+) mnt$/);
    assert.match(await late.locator('.sla').getAttribute('title'), /^Batas Pickup \d\d\/\d\d\/\d{4} \d\d:\d\d$/);
    assert.equal(await warn.locator('.sla').getAttribute('data-sla'), 'warn');
    const warnLeft = minutesIn(await warn.locator('.sla').textContent());
    assert.ok(warnLeft >= 10 && warnLeft <= 15, `SGA-1: ${await warn.locator('.sla').textContent()}`);
    assert.match(await warn.locator('.sla').textContent(), /^Sisa \d+ mnt$/);
    // Due in about half an hour (the default), its warning a quarter of an hour before.
    assert.equal(await ok.locator('.sla').getAttribute('data-sla'), 'ok');
    const okLeft = minutesIn(await ok.locator('.sla').textContent());
    assert.ok(okLeft >= 20 && okLeft <= 30, `RTL-1: ${await ok.locator('.sla').textContent()}`);
    for (const row of [late, warn, ok]) assert.match(await row.locator('.age').textContent(), /^Umur (<1|\d+) mnt$/);

    const colours = { late: await badgeColours(late), warn: await badgeColours(warn), ok: await badgeColours(ok) };
    seen[theme] = colours;
    const destructive = theme === 'dark' ? 'rgb(236, 57, 66)' : 'rgb(255, 59, 48)';
    const text = theme === 'dark' ? 'rgb(245, 245, 245)' : 'rgb(0, 0, 0)';
    // Late: Telegram's destructive colour, on the badge and the card's edge.
    assert.equal(colours.late.background, destructive, `${theme} late`);
    assert.equal(colours.late.edge, destructive);
    assert.equal(colours.late.edgeWidth, '4px');
    // The warning window: amber (red over green over blue), on the badge and the edge.
    const [r, g, b] = rgba(colours.warn.background);
    assert.ok(r > g && g > b && r - b > 120 && r > 180, `${theme} warn: ${colours.warn.background}`);
    assert.equal(colours.warn.edge, colours.warn.background);
    // Far from due: no colour of its own, the theme's text and a plain edge.
    const [or, og, ob] = rgba(colours.ok.background);
    assert.ok(Math.max(or, og, ob) - Math.min(or, og, ob) < 16, `${theme} ok is grey: ${colours.ok.background}`);
    assert.equal(colours.ok.color, text);
    assert.equal(colours.ok.edgeWidth, '1px');
    // Each badge is readable on its card.
    for (const [name, c] of Object.entries(colours)) {
      const ratio = contrast(rgba(c.color).slice(0, 3), over(c.background, c.card));
      assert.ok(ratio >= 3, `${theme} ${name}: contrast ${ratio.toFixed(2)}`);
    }
    await shot(page, `sla-${theme}`);

    if (theme === 'light') {
      await page.locator('#lang').click();
      assert.match(await late.locator('.sla').textContent(), /^(<1|\d+) min late$/);
      assert.match(await warn.locator('.sla').textContent(), /^\d+ min left$/);
      assert.match(await ok.locator('.age').textContent(), /^Age (<1|\d+) min$/);
      assert.match(await late.locator('.sla').getAttribute('title'), /^Pickup due /);
      await page.locator('#lang').click();
      assert.match(await late.locator('.sla').textContent(), /^Terlambat /);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
  // The colours follow the theme: the dark theme's own red and a darker amber, and its text.
  assert.notEqual(seen.light.late.background, seen.dark.late.background);
  assert.notEqual(seen.light.warn.background, seen.dark.warn.background);
  assert.notEqual(seen.light.ok.color, seen.dark.ok.color);
});

test('a ticket picked up shows the time left to its Close target', async () => {
  // UI-1 was closed by the first test; pick one up here and give it back to nobody.
  const session = await sessionOf(staff.username, staff.password);
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  const row = orderRow(page, 'XSS-1');
  await row.waitFor();
  const no = await row.getAttribute('data-no');
  const picked = await fetch(`${base}/api/orders/${no}/pickup`, { method: 'POST', headers: { 'X-Session-Token': session } });
  assert.equal(picked.status, 200);
  await tab(page, 'pickup').click();
  const card = orderRow(page, '<b>XSS-1</b>');
  // The Order page's card stays until the Pickup page has loaded: wait for the Close clock.
  await card.locator('.sla[title^="Batas Close"]').waitFor();
  // Operasional has the default Close target of 4 hours.
  assert.match(await card.locator('.sla').textContent(), /^Sisa 3 jam 5\d mnt$/);
  assert.equal(await card.locator('.sla').getAttribute('data-sla'), 'ok');
  assert.match(await card.locator('.sla').getAttribute('title'), /^Batas Close /);
  assert.match(await card.locator('.age').textContent(), /^Umur \d+ mnt$|^Umur <1 mnt$/);
  await tab(page, 'close').click();
  await page.locator('.tabs button[data-status="close"][aria-selected="true"]').waitFor();
  await page.locator('#orders .order').first().waitFor();
  assert.equal(await page.locator('#orders .order .clock').count(), 0, 'closed tickets have no clock');
  assert.deepEqual(problems, []);
  await context.close();
});

/// The query parameters of every list the page asks for, as it asks.
function listRequests(page) {
  const asked = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/orders?')) asked.push(new URL(request.url()).searchParams);
  });
  return asked;
}

const orderIds = (page) => page.locator('#orders .order .order-id').allTextContents();

test('the Order page puts the most urgent first; Terbaru and Hanya yang terlambat ask again', async () => {
  const { page, context, problems } = await openApp();
  const asked = listRequests(page);
  await logInInTelegram(page);
  await orderRow(page, 'KLT-1').waitFor();
  const ids = () => orderIds(page);
  const dues = () => page.locator('#orders .order').evaluateAll((rows) => rows.map((r) => (r.dataset.due ? Number(r.dataset.due) : null)));
  assert.equal(await page.locator('#board-options').isVisible(), true);
  assert.equal(await page.locator('#sort-urgent').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#sort-urgent').textContent(), 'Paling mendesak');
  assert.equal(await page.locator('#late-only').textContent(), 'Hanya yang terlambat');
  assert.equal(asked.at(-1).get('sort'), 'urgent');
  assert.equal(asked.at(-1).get('late'), null);

  // Most urgent first: Kilat's late tickets (KLT-1 due first), then Siaga's, then the rest
  // by due time.
  const urgent = await ids();
  assert.deepEqual(urgent.slice(0, 3), ['KLT-1', 'KLT-2', 'SGA-1'], `urgent: ${urgent}`);
  const due = await dues();
  assert.ok(due.every((d, i) => i === 0 || d === null || (due[i - 1] !== null && due[i - 1] <= d)), `due times ${due}`);
  await shot(page, 'sla-sorted-light');

  // Newest first: the reverse of the order they were asked for.
  await page.locator('#sort-newest').click();
  await page.waitForFunction(() => {
    const nos = [...document.querySelectorAll('#orders .order')].map((r) => Number(r.dataset.no));
    return nos.length > 2 && nos.every((n, i) => i === 0 || nos[i - 1] > n);
  });
  const newest = await ids();
  assert.equal(newest[0], 'SGA-1', `newest: ${newest}`);
  assert.ok(newest.indexOf('KLT-2') < newest.indexOf('KLT-1'));
  assert.equal(newest.length, urgent.length);
  assert.equal(await page.locator('#sort-newest').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#sort-urgent').getAttribute('aria-pressed'), 'false');
  assert.equal(asked.at(-1).get('sort'), 'newest');

  // The late alone.
  await page.locator('#late-only').click();
  await orderRow(page, 'SGA-1').waitFor({ state: 'detached' });
  assert.deepEqual(await ids(), ['KLT-2', 'KLT-1']);
  assert.deepEqual(await page.locator('#orders .sla').evaluateAll((b) => b.map((x) => x.dataset.sla)), ['late', 'late']);
  assert.equal(await page.locator('#late-only').getAttribute('aria-pressed'), 'true');
  assert.equal(asked.at(-1).get('late'), '1');
  await page.locator('#sort-urgent').click();
  await page.waitForFunction(() => document.querySelector('#orders .order .order-id')?.textContent === 'KLT-1');
  assert.deepEqual(await ids(), ['KLT-1', 'KLT-2']);
  await shot(page, 'sla-late-only-light');
  // Every change started again from the first page.
  assert.ok(asked.every((params) => !params.has('after') && !params.has('before')));

  // Pickup has the same switches, its own (nothing there is late); Close sorts oldest or
  // newest first and has no urgency or lateness.
  await tab(page, 'pickup').click();
  await page.locator('.tabs button[data-status="pickup"][aria-selected="true"]').waitFor();
  assert.equal(await page.locator('#late-only').getAttribute('aria-pressed'), 'false', 'each page its own');
  await page.locator('#late-only').click();
  await page.locator('#empty', { hasText: 'Tidak ada tiket yang terlambat.' }).waitFor();
  assert.equal(asked.at(-1).get('status'), 'pickup');
  assert.equal(asked.at(-1).get('late'), '1');
  assert.equal(await page.locator('#board-options').isVisible(), true);
  await tab(page, 'close').click();
  await page.locator('.tabs button[data-status="close"][aria-selected="true"]').waitFor();
  await page.locator('#orders .order').first().waitFor();
  assert.equal(await page.locator('#sort-urgent').isVisible(), false);
  assert.equal(await page.locator('#late-only').isVisible(), false);
  assert.equal(await page.locator('#sort-newest').getAttribute('aria-pressed'), 'true');
  assert.equal(asked.at(-1).get('sort'), 'newest');
  assert.equal(asked.at(-1).get('late'), null);

  // In English; the Order page kept its late switch.
  await tab(page, 'order').click();
  await page.locator('.tabs button[data-status="order"][aria-selected="true"]').waitFor();
  await page.locator('#lang').click();
  assert.deepEqual(await page.locator('#board-options button').allTextContents(), ['Most urgent', 'Oldest', 'Newest', 'Late only']);
  await page.locator('#lang').click();
  assert.equal(await page.locator('#late-only').getAttribute('aria-pressed'), 'true');
  await page.locator('#late-only').click();
  await orderRow(page, 'SGA-1').waitFor();
  assert.equal(await page.locator('#late-only').getAttribute('aria-pressed'), 'false');
  assert.deepEqual(problems, []);
  await context.close();
});

test('search, Transaksi, days and sort are chips each page keeps; a tap removes one; the export holds them', async () => {
  for (const theme of ['light', 'dark']) {
    const { page, context, problems } = await openApp({ theme });
    const asked = listRequests(page);
    await logInInTelegram(page);
    await orderRow(page, 'KLT-1').waitFor();
    const ids = () => orderIds(page);
    const chips = () => page.locator('#filter-chips .filter-chip').evaluateAll((c) => c.map((x) => x.firstChild.textContent));
    assert.equal(await page.locator('#filter-chips').isVisible(), false, 'no filter, no chip');

    // The search finds the requester's name and the keterangan, whatever the case.
    await page.locator('#search').fill('DEWI');
    await page.locator('#search').press('Enter');
    await orderRow(page, 'KLT-1').waitFor({ state: 'detached' });
    assert.deepEqual(await ids(), ['GDG-1']);
    assert.deepEqual(await chips(), ['Cari: DEWI']);
    await page.locator('#search').fill('kardus');
    await page.locator('#search').press('Enter');
    await page.locator('#filter-chips .filter-chip', { hasText: 'Cari: kardus' }).waitFor();
    assert.deepEqual(await ids(), ['GDG-1']);
    // Removing the chip brings every ticket back and empties the box.
    await page.locator('#filter-chips .filter-chip[data-chip="q"]').click();
    await orderRow(page, 'KLT-1').waitFor();
    assert.equal(await page.locator('#search').inputValue(), '');
    assert.equal(await page.locator('#filter-chips').isVisible(), false);

    // Transaksi and today's date, from the panel; the oldest first.
    await page.locator('#filter-panel summary').click();
    await page.locator('#filter-transaksi').fill('refund');
    const today = await teamToday();
    await page.locator('#filter-from').fill(today);
    await page.locator('#filter-to').fill(today);
    await page.locator('#filter-apply').click();
    await orderRow(page, 'KLT-2').waitFor({ state: 'detached' });
    assert.deepEqual(await ids(), ['KLT-1']);
    await page.locator('#sort-oldest').click();
    await page.locator('#filter-chips .filter-chip[data-chip="sort"]').waitFor();
    assert.deepEqual(await chips(), ['Transaksi: refund', `Tanggal: ${today}`, 'Urutan: Terlama']);
    assert.equal(asked.at(-1).get('transaksi'), 'refund');
    assert.equal(asked.at(-1).get('from'), today);
    assert.equal(asked.at(-1).get('sort'), 'oldest');
    await shot(page, `filters-chips-${theme}`);

    // The chips keep to a readable contrast in either theme.
    const colours = await page.locator('#filter-chips .filter-chip').first().evaluate((chip) => {
      const style = getComputedStyle(chip);
      return { background: style.backgroundColor, color: style.color, page: getComputedStyle(document.body).backgroundColor };
    });
    const chipBackground = over(colours.background, colours.page);
    assert.ok(contrast(rgba(colours.color).slice(0, 3), chipBackground) >= 3, JSON.stringify(colours));

    // The export holds the page's filters: Kilat's REFUND ticket, row by row.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
    assert.equal(download.suggestedFilename(), `tangkap-${today}_${today}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines[0], 'No,No_Tiket,Order_ID,Transaksi,Keterangan,Status,Grup,Diminta oleh,Dibuat,Di-pickup oleh,Waktu pickup,Di-close oleh,Waktu close');
    assert.equal(lines.length, 2, csv);
    const cells = lines[1].split(',');
    // "No" is the number the card shows (#12), not the row's place in the file.
    const shown = await page.locator('li.order', { hasText: 'KLT-1' }).locator('.no').textContent();
    assert.notEqual(shown, '#1');
    assert.deepEqual([cells[0], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]],
      [shown.replace('#', ''), 'KLT-1', 'REFUND', 'Dana belum kembali', 'Order', 'Kilat', 'Siti']);
    assert.match(cells[8], new RegExp(`^${today} \\d\\d:\\d\\d:\\d\\d WIB$`));
    await page.locator('#filter-message', { hasText: `tangkap-${today}_${today}.csv` }).waitFor();

    // Each page its own: Pickup has none of them; back on Order they are there.
    await tab(page, 'pickup').click();
    await page.locator('.tabs button[data-status="pickup"][aria-selected="true"]').waitFor();
    assert.equal(await page.locator('#filter-chips').isVisible(), false);
    assert.equal(await page.locator('#filter-transaksi').inputValue(), '');
    assert.equal(asked.at(-1).get('transaksi'), null);
    await tab(page, 'order').click();
    await page.locator('#filter-chips .filter-chip[data-chip="transaksi"]').waitFor();
    assert.equal(await page.locator('#filter-transaksi').inputValue(), 'refund');
    await page.waitForFunction(() => [...document.querySelectorAll('#orders .order .order-id')].map((o) => o.textContent).join() === 'KLT-1');

    // A range that ends before it starts is refused here, in the page's language.
    await page.locator('#filter-from').fill('2030-01-02');
    await page.locator('#filter-to').fill('2030-01-01');
    await page.locator('#filter-apply').click();
    await page.locator('#filter-message', { hasText: 'Tanggal "dari" jatuh setelah tanggal "sampai".' }).waitFor();

    // In English, then every chip removed, one by one.
    await page.locator('#lang').click();
    assert.deepEqual(await chips(), ['Transaksi: refund', `Dates: ${today}`, 'Sort: Oldest']);
    await page.locator('#lang').click();
    await page.locator('#filter-chips .filter-chip[data-chip="transaksi"]').click();
    await orderRow(page, 'KLT-2').waitFor();
    await page.locator('#filter-chips .filter-chip[data-chip="days"]').click();
    await page.locator('#filter-chips .filter-chip[data-chip="sort"]').click();
    await page.locator('#filter-chips').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#sort-urgent').getAttribute('aria-pressed'), 'true');
    assert.equal(asked.at(-1).get('sort'), 'urgent');
    assert.equal(asked.at(-1).get('from'), null);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a reminder\'s ?ticket= link opens the Mini App on that ticket', async () => {
  const ticket = process.env.TANGKAP_LINK_TICKET;
  const { page, context, problems } = await openApp({ path: `?ticket=${ticket}` });
  await logInInTelegram(page);
  const row = orderRow(page, 'LINK-1');
  await row.waitFor();
  assert.equal(await page.locator('#search').inputValue(), ticket);
  assert.equal(await page.locator('#orders .order').count(), 1);
  assert.equal(await row.locator('.sla').getAttribute('data-sla'), 'ok');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Tim page sets a group\'s time targets and business hours; a bad value is refused with the reason', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await openTeamPage(page);
  const panel = page.locator('#sla-panel');
  await panel.waitFor();
  assert.equal(await panel.locator('h3').textContent(), 'Target waktu');
  assert.deepEqual(await page.locator('#sla-group option').allTextContents(), ['Gudang', 'Kilat', 'Operasional', 'Siaga', 'Toko Lama']);
  // Gudang has no settings of its own: the defaults are named.
  await page.locator('#sla-pickup[placeholder="bawaan: 30m"]').waitFor();
  assert.equal(await page.locator('#sla-group').inputValue(), String(groups.gudang));
  assert.equal(await page.locator('#sla-close').getAttribute('placeholder'), 'bawaan: 4h');
  assert.equal(await page.locator('#sla-pickup').inputValue(), '');
  assert.equal(await page.locator('#sla-zone').inputValue(), 'WIB');
  assert.equal(await page.locator('#sla-warn-hint').textContent(), 'Pengingat dikirim 15m sebelum batas.');
  const days = page.locator('#sla-hours .day-row');
  assert.deepEqual(await days.locator('.day span').allTextContents(), ['Sen', 'Sel', 'Rab', 'Kam', 'Jum', 'Sab', 'Min']);
  assert.deepEqual(await days.locator('.day-open').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label'))),
    ['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu']);
  assert.deepEqual(await days.locator('.day-open').evaluateAll((boxes) => boxes.map((b) => b.checked)), Array(7).fill(false));
  assert.equal(await days.first().locator('.from').isDisabled(), true, 'an unticked day has no hours');

  // Kilat has its own Pickup target.
  await page.locator('#sla-group').selectOption({ label: 'Kilat' });
  await page.waitForFunction(() => document.querySelector('#sla-pickup').value === '1s');
  await page.locator('#sla-group').selectOption({ label: 'Gudang' });
  await page.waitForFunction(() => document.querySelector('#sla-pickup').value === '');

  // An hour to Pickup, open Monday 08:00–17:00 and Tuesday 09:00 to midnight, in WITA.
  await page.locator('#sla-pickup').fill('1h');
  const monday = page.locator('#sla-hours .day-row[data-day="mon"]');
  const tuesday = page.locator('#sla-hours .day-row[data-day="tue"]');
  await monday.locator('.day-open').check();
  assert.equal(await monday.locator('.from').inputValue(), '08:00');
  assert.equal(await monday.locator('.to').inputValue(), '17:00');
  await tuesday.locator('.day-open').check();
  await tuesday.locator('.from').fill('09:00');
  await tuesday.locator('.to').fill('00:00');
  await page.locator('#sla-zone').selectOption('WITA');
  await page.locator('#sla-save').click();
  const message = page.locator('#sla-message');
  await page.locator('#sla-message.done', { hasText: 'Tersimpan' }).waitFor();
  assert.equal(await message.textContent(), 'Tersimpan untuk Gudang. 1 tiket terbuka dihitung ulang waktunya.');
  assert.equal((await page.evaluate(() => window.__telegram.haptics)).at(-1), 'success');
  // The list is read again after the save: until then its first entry is an older one.
  const entry = page.locator('.audit li[data-action="group_settings"]').first();
  await page.locator('.audit li[data-action="group_settings"]', { hasText: 'Gudang' }).first().waitFor();
  assert.equal(await entry.locator('.action').textContent(), 'mengubah target waktu');
  assert.equal(await entry.locator('.detail').textContent(), 'Gudang · Pickup 1h · Close bawaan · Sen 08:00–17:00, Sel 09:00–24:00 · WITA');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'team-sla-light');

  // "soon" is no duration: the server's reason is shown, and nothing changes.
  await page.locator('#sla-pickup').fill('soon');
  await page.locator('#sla-save').click();
  await page.locator('#sla-message.error').waitFor();
  assert.equal(await message.textContent(), 'target tidak valid: "soon" (tulis seperti 30m, 4h, 1h30m, atau 0)');
  assert.equal((await page.evaluate(() => window.__telegram.haptics)).at(-1), 'error');
  // So is a day that ends before it begins.
  await page.locator('#sla-pickup').fill('1h');
  await page.locator('#sla-hours .day-row[data-day="wed"] .day-open').check();
  await page.locator('#sla-hours .day-row[data-day="wed"] .from').fill('17:00');
  await page.locator('#sla-hours .day-row[data-day="wed"] .to').fill('08:00');
  await page.locator('#sla-save').click();
  await page.locator('#sla-message.error', { hasText: 'jam mulai harus sebelum jam selesai' }).waitFor();

  // In English the labels follow; the defaults are named likewise.
  await page.locator('#lang').click();
  assert.equal(await panel.locator('h3').textContent(), 'Time targets');
  assert.equal(await page.locator('#sla-close').getAttribute('placeholder'), 'default: 4h');
  assert.equal(await tuesday.locator('.day span').textContent(), 'Tue');
  assert.equal(await tuesday.locator('.day-open').getAttribute('aria-label'), 'Tuesday');
  assert.equal(await tuesday.locator('.to').getAttribute('aria-label'), 'Tuesday: to');
  await page.locator('#lang').click();
  assert.deepEqual(problems, []);
  await context.close();

  // Opened again (dark), Gudang shows what was saved.
  const dark = await openApp({ theme: 'dark' });
  await logInInTelegram(dark.page);
  await openTeamPage(dark.page);
  await dark.page.waitForFunction(() => document.querySelector('#sla-pickup').value === '1h');
  const rows = dark.page.locator('#sla-hours .day-row');
  assert.deepEqual(await rows.locator('.day-open').evaluateAll((boxes) => boxes.map((b) => b.checked)),
    [true, true, false, false, false, false, false]);
  assert.equal(await rows.nth(1).locator('.to').inputValue(), '00:00', 'midnight');
  assert.equal(await dark.page.locator('#sla-zone').inputValue(), 'WITA');
  assert.equal(await dark.page.locator('#sla-close').inputValue(), '');
  const panelBackground = await dark.page.locator('#sla-panel').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(panelBackground, 'rgb(23, 33, 43)', 'section_bg_color');
  await shot(dark.page, 'team-sla-dark');
  assert.deepEqual(dark.problems, []);
  await dark.context.close();
});

test('staff have no time targets to set', async () => {
  const dewi = people.dewi;
  const { page, context, problems } = await openApp({ telegramUser: dewi });
  await logInInTelegram(page, dewi);
  await orderRow(page, 'GDG-1').waitFor();
  // Where a manager would find it: in the header's menu.
  await openMenu(page);
  assert.equal(await page.locator('#team-tab').isVisible(), false);
  assert.equal(await page.locator('#sla-panel').isVisible(), false);
  const token = await page.evaluate(() => localStorage.getItem('tangkap.session'));
  const headers = { 'X-Session-Token': token, Authorization: `tma ${initDataFor(dewi)}`, 'Content-Type': 'application/json' };
  const read = await fetch(`${base}/api/groups/${groups.gudang}/settings`, { headers });
  assert.equal(read.status, 404);
  assert.equal((await read.json()).error, 'not_found');
  const write = await fetch(`${base}/api/groups/${groups.gudang}/settings`, {
    method: 'PUT', headers, body: JSON.stringify({ pickup: '1m', close: null, hours: [], zone: 'WIB' }),
  });
  assert.equal(write.status, 404);
  assert.deepEqual(problems, []);
  await context.close();
});

// Last: it moves Kilat's and Siaga's targets.
test('the cards tick: a ticket turns amber, then red, as its times pass, without a reload', async () => {
  const session = await sessionOf(staff.username, staff.password);
  const headers = { 'X-Session-Token': session, 'Content-Type': 'application/json' };
  const created = async (group, orderId) => {
    const page = await fetch(`${base}/api/orders?status=order&group=${group}`, { headers }).then((r) => r.json());
    return page.orders.find((o) => o.order_id === orderId).created_at;
  };
  const setPickup = async (group, pickup) => {
    const response = await fetch(`${base}/api/groups/${group}/settings`, {
      method: 'PUT', headers, body: JSON.stringify({ pickup, close: null, hours: [], zone: 'WIB' }),
    });
    assert.equal(response.status, 200, await response.text());
  };
  // KLT-2 due 8 s from now (no warning: its target is shorter than the 15 minutes'
  // warning); SGA-1 warned 8 s from now, due 15 minutes after that.
  const lead = 8;
  const since = async (group, orderId) => Math.ceil((Date.now() - (await created(group, orderId))) / 1000);
  await setPickup(groups.kilat, `${(await since(groups.kilat, 'KLT-2')) + lead}s`);
  await setPickup(groups.siaga, `${(await since(groups.siaga, 'SGA-1')) + 15 * 60 + lead}s`);

  const { page, context, problems } = await openApp();
  let asked = 0;
  page.on('request', (request) => { if (request.url().includes('/api/orders?')) asked += 1; });
  await logInInTelegram(page);
  const kilat = orderRow(page, 'KLT-2');
  const siaga = orderRow(page, 'SGA-1');
  await kilat.locator('.sla').waitFor();
  assert.equal(await kilat.locator('.sla').getAttribute('data-sla'), 'ok');
  assert.equal(await kilat.locator('.sla').textContent(), 'Sisa <1 mnt');
  assert.equal(await siaga.locator('.sla').getAttribute('data-sla'), 'ok');
  assert.equal(await siaga.locator('.sla').textContent(), 'Sisa 15 mnt');
  const before = asked;
  // The same elements must change: marked now, checked after.
  await page.evaluate(() => { for (const card of document.querySelectorAll('#orders .order')) card.__drawn = true; });

  await siaga.locator('.sla[data-sla="warn"]').waitFor({ timeout: (lead + 5) * 1000 });
  assert.equal(await siaga.getAttribute('data-sla'), 'warn');
  assert.equal(await siaga.locator('.sla').textContent(), 'Sisa 14 mnt');
  await kilat.locator('.sla[data-sla="late"]').waitFor({ timeout: 5000 });
  assert.equal(await kilat.getAttribute('data-sla'), 'late');
  assert.equal(await kilat.locator('.sla').textContent(), 'Terlambat <1 mnt');
  assert.equal(await kilat.evaluate((card) => card.__drawn), true, 'the card was not drawn again');
  assert.equal(await siaga.evaluate((card) => card.__drawn), true);
  assert.equal(asked, before, 'the list was not asked again');
  await shot(page, 'sla-ticked-light');

  // With no target at all, a card shows its age alone.
  await setPickup(groups.kilat, '0');
  await tab(page, 'pickup').click();
  await page.locator('.tabs button[data-status="pickup"][aria-selected="true"]').waitFor();
  await tab(page, 'order').click();
  await orderRow(page, 'KLT-2').locator('.age').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('#orders .order')]
    .some((card) => card.querySelector('.order-id').textContent === 'KLT-2' && !card.querySelector('.sla')));
  assert.equal(await orderRow(page, 'KLT-2').getAttribute('data-sla'), null);
  assert.match(await orderRow(page, 'KLT-2').locator('.age').textContent(), /^Umur /);
  assert.deepEqual(problems, []);
  await context.close();
});

// --- one ticket: its page, timeline, notes and reopen -------------------------------------------

const timelineOf = (page) => page.locator('#ticket-timeline .event').evaluateAll((events) => events.map((e) => {
  const what = e.dataset.message ? `${e.dataset.kind}:${e.dataset.message}` : e.dataset.kind;
  return e.dataset.delivery ? `${what} ${e.dataset.delivery}` : what;
}));

async function openCard(page, status, orderId) {
  await tab(page, status).click();
  const row = orderRow(page, orderId);
  await row.waitFor();
  await row.locator('.keterangan').click();
  await page.locator('#ticket-view').waitFor();
  await page.locator('#ticket-fields .order-id', { hasText: orderId }).waitFor();
}

test('tapping a card opens its ticket, and Back returns to the same place in the list', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await page.locator('#orders .order').nth(5).waitFor();
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 200, `the list scrolls: ${y}`);
  const last = page.locator('#orders .order').last();
  const lastId = await last.locator('.order-id').textContent();
  await last.locator('.keterangan').click();
  await page.locator('#ticket-fields .order-id', { hasText: lastId }).waitFor();
  assert.equal(await page.locator('#board-view').isHidden(), true);
  assert.equal(await page.locator('#tg-back-button').isVisible(), true, 'Telegram\'s Back button leads back');
  await page.locator('#tg-back-button').click();
  await page.locator('#board-view').waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), y, 'the same place in the list');
  assert.equal(await page.locator('#orders .order').last().locator('.order-id').textContent(), lastId);
  assert.equal(await page.locator('#tg-back-button').isVisible(), false);
  // The link in the page does the same.
  await page.locator('#orders .order').last().locator('.order-id').click();
  await page.locator('#ticket-view').waitFor();
  await page.locator('#ticket-back').click();
  await page.locator('#board-view').waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), y);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the ticket page: every field, the timeline with each message\'s delivery, notes, and Reopen by an admin', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await openCard(page, 'close', 'DTL-1');
  const fields = page.locator('#ticket-fields');
  assert.equal(await fields.locator('.transaksi').textContent(), 'REFUND');
  assert.equal(await fields.locator('.keterangan').textContent(), 'Dana belum kembali ke rekening');
  assert.equal(await fields.locator('.group-title').textContent(), 'Operasional');
  assert.equal(await page.locator('#ticket-group').textContent(), 'Operasional');
  assert.match(await fields.locator('.requester').textContent(), /^Siti · \d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  assert.match(await fields.locator('.picked-by').textContent(), new RegExp(`^${staff.name} \\(@${staff.username}\\) · `));
  assert.match(await fields.locator('.closed-by').textContent(), new RegExp(`^${staff.name} \\(@${staff.username}\\) · `));
  // Asked in the group's topic "Keluhan": the page names it, with the way there.
  assert.match(await fields.locator('.topic').textContent(), /^Buka topik #\d+ di Telegram$/);
  assert.match(await fields.locator('.topic a').getAttribute('href'), /^https:\/\/t\.me\/c\/\d+\/\d+$/);
  const ticketNo = await fields.locator('.ticket').textContent();
  assert.equal(await page.locator('#ticket-title').textContent(), `Tiket ${ticketNo}`);
  assert.equal(await page.locator('#ticket-status').textContent(), 'Close');

  // The story so far, each message to the group sent. It was closed within its Pickup's
  // undo time, so the group heard of the Pickup with the Close, just before it.
  await page.locator('#ticket-timeline [data-message="feedback_3"][data-delivery="sent"]').waitFor();
  assert.deepEqual(await timelineOf(page), [
    'created', 'message:feedback_1 sent', 'picked_up', 'closed',
    'message:feedback_2 sent', 'message:feedback_3 sent', 'note',
  ]);
  const events = page.locator('#ticket-timeline .event');
  assert.equal(await events.nth(0).locator('.what').textContent(), 'Permintaan dari Siti');
  assert.equal(await events.nth(1).locator('.what').textContent(), 'Pesan ke Operasional: Feedback 1 (tiket diterima)');
  assert.equal(await events.nth(1).locator('.delivery').textContent(), 'Terkirim');
  assert.equal(await events.nth(2).locator('.what').textContent(), `Di-pickup oleh ${staff.name} (@${staff.username})`);
  assert.equal(await events.nth(6).locator('.what').textContent(), 'Catatan dari Sari Owner (@sari)');
  assert.equal(await events.nth(6).locator('.text').textContent(), 'Sudah dicek ke bank, tunggu 1×24 jam.');
  assert.equal(await page.locator('#ticket-notes .note').count(), 1);
  assert.equal(await page.locator('#reopen-open').isVisible(), true, 'an admin may reopen a closed ticket');
  await shot(page, 'ticket-light');

  // In English.
  await page.locator('#lang').click();
  assert.equal(await events.nth(1).locator('.delivery').textContent(), 'Sent');
  assert.equal(await events.nth(4).locator('.what').textContent(), 'Message to Operasional: Feedback 2 (picked up)');
  assert.equal(await page.locator('#ticket-timeline-title').textContent(), 'History');
  assert.equal(await page.locator('#reopen-open').textContent(), 'Reopen');
  await page.locator('#lang').click();

  // A note: refused empty, kept as text, never shown as markup.
  await page.locator('#note-submit').click();
  assert.equal(await page.locator('#note-message').textContent(), 'Tulis catatannya dulu.');
  const note = '<b>Cek</b> lagi besok <img src=x onerror="window.__xss=3"> 🙏';
  await page.locator('#note-text').fill(`  ${note}  `);
  await page.locator('#note-submit').click();
  await page.locator('#ticket-notes .note', { hasText: 'lagi besok' }).waitFor();
  assert.equal(await page.locator('#note-message').textContent(), 'Catatan disimpan.');
  assert.equal(await page.locator('#note-text').inputValue(), '');
  assert.equal(await page.locator('#ticket-notes .note').last().locator('.text').textContent(), note);
  assert.equal(await page.locator('#ticket-notes .note').last().locator('.author').textContent(), `${staff.name} (@${staff.username})`);
  assert.equal(await page.locator('#ticket-view b, #ticket-view img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal((await timelineOf(page)).at(-1), 'note');

  // Reopen: a reason is asked for, then the ticket is back in Order and the group told.
  await page.locator('#reopen-open').click();
  await page.locator('#reopen-submit').click();
  assert.equal(await page.locator('#reopen-message').textContent(), 'Tulis alasannya.');
  await page.locator('#reopen-reason').fill('Nasabah bilang dana <i>belum</i> masuk');
  await page.locator('#reopen-submit').click();
  await page.locator('#banner', { hasText: `Tiket ${ticketNo} dibuka kembali.` }).waitFor();
  await page.locator('#ticket-status', { hasText: 'Order' }).waitFor();
  assert.equal(await page.locator('#reopen-panel').isHidden(), true, 'an open ticket cannot be reopened');
  assert.equal(await fields.locator('.closed-by').count(), 0);
  assert.match(await fields.locator('.due').textContent(), /^Batas Pickup \d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  const reopened = page.locator('#ticket-timeline .event[data-kind="reopened"]');
  assert.equal(await reopened.locator('.what').textContent(), `Dibuka kembali oleh ${staff.name} (@${staff.username})`);
  assert.equal(await reopened.locator('.reason').textContent(), 'Alasan: Nasabah bilang dana <i>belum</i> masuk');
  // The reopen message shows queued, then sent once Telegram took it (the page asks again).
  await page.locator('#ticket-timeline [data-message="reopened"][data-delivery="sent"]').waitFor({ timeout: 15_000 });
  assert.deepEqual((await timelineOf(page)).slice(-3), ['note', 'reopened', 'message:reopened sent']);
  await page.locator('#banner').waitFor({ state: 'hidden' });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'ticket-reopened-light');

  // Back on the board it has left Close for Order.
  await page.locator('#ticket-back').click();
  await tab(page, 'order').click();
  await orderRow(page, 'DTL-1').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a request sent as a photo\'s caption shows the photo on its ticket page, fetched through Tangkap', async () => {
  const { page, context, problems } = await openApp();
  const photoRequests = [];
  page.on('request', (request) => { if (request.url().includes('/photo')) photoRequests.push(request.url()); });
  await logInInTelegram(page);
  await openCard(page, 'order', 'FOTO-1');
  const image = page.locator('#ticket-photo img');
  await image.waitFor();
  await page.waitForFunction(() => document.querySelector('#ticket-photo img')?.complete);
  assert.deepEqual(await image.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [8, 6], 'the image itself, drawn');
  assert.match(await image.getAttribute('src'), /^blob:/, 'from the bytes the API answered, never a Telegram address');
  assert.match(await image.getAttribute('alt'), /^Foto permintaan tiket /);
  assert.equal(photoRequests.length, 1);
  assert.ok(photoRequests.every((url) => url.startsWith(base) && !url.includes('/bot')), photoRequests.join());
  await shot(page, 'ticket-photo-light');
  // A ticket without a photo has no photo box.
  await page.locator('#ticket-back').click();
  await openCard(page, 'order', 'UNDO-1');
  assert.equal(await page.locator('#ticket-photo').isHidden(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message Telegram refused shows Gagal with Telegram\'s reason, in the dark theme', async () => {
  const { page, context, problems } = await openApp({ theme: 'dark' });
  await logInInTelegram(page);
  await openCard(page, 'pickup', 'TKL-1');
  const failed = page.locator('#ticket-timeline .event[data-message="feedback_2"]');
  await failed.waitFor();
  assert.equal(await failed.getAttribute('data-delivery'), 'failed');
  assert.equal(await failed.locator('.delivery').textContent(), 'Gagal');
  assert.match(await failed.locator('.delivery-error').textContent(),
    /^Alasan: Telegram .*Forbidden: bot was kicked from the supergroup chat$/);
  assert.equal(await page.locator('#ticket-timeline [data-message="feedback_1"]').getAttribute('data-delivery'), 'sent');
  assert.equal(await page.locator('#reopen-panel').isHidden(), true, 'nothing to reopen while it is open');
  const colours = await failed.locator('.delivery').evaluate((badge) => ({
    background: getComputedStyle(badge).backgroundColor,
    card: getComputedStyle(badge.closest('.card')).backgroundColor,
  }));
  assert.equal(colours.background, 'rgb(236, 57, 66)', 'the dark theme\'s destructive colour');
  assert.equal(colours.card, 'rgb(23, 33, 43)', 'the dark theme\'s section colour');
  await shot(page, 'ticket-failed-dark');
  await page.locator('#lang').click();
  assert.equal(await failed.locator('.delivery').textContent(), 'Failed');
  assert.match(await failed.locator('.delivery-error').textContent(), /^Reason: Telegram /);
  await page.locator('#lang').click();

  await page.locator('#tg-back-button').click();
  await openCard(page, 'order', 'DTL-1');
  await page.locator('#ticket-timeline .event[data-kind="reopened"]').waitFor();
  await shot(page, 'ticket-dark');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the list stays put: a change elsewhere keeps the card under the pointer, and new tickets wait behind "N baru"', async () => {
  const token = await sessionOf(staff.username, staff.password);
  const elsewhere = (path) => fetch(`${base}/api${path}`, { method: 'POST', headers: { 'X-Session-Token': token } });
  const { page, context, problems } = await openApp({ viewport: { width: 390, height: 560 } });
  await logInInTelegram(page);
  const cards = page.locator('#orders .order');
  await cards.nth(4).waitFor();
  // UNDO-1 and DTL-1 are left alone: the checks after these tests want them on Order.
  const tickets = (await cards.evaluateAll((all) => all.map((card) => ({
    no: Number(card.dataset.no), orderId: card.querySelector('.order-id').textContent,
  })))).filter((ticket) => !['UNDO-1', 'DTL-1'].includes(ticket.orderId));

  // Scrolled so that the fourth card is at the top of the screen, the pointer on it.
  await cards.nth(3).evaluate((card) => window.scrollTo(0, card.getBoundingClientRect().top + window.scrollY - 70));
  const pointer = { x: 195, y: 130 };
  const underPointer = () => page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('.order')?.dataset.no ?? null, pointer);
  const before = await underPointer();
  assert.ok(before, 'a card under the pointer');
  const loaded = await cards.count();
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 100, `scrolled down (${scrolled}px)`);

  // Another session picks up the first card, above the screen: it leaves, nothing else moves.
  // The oldest of the cards above it, so that a newer one is left for the chip below.
  const pointed = tickets.findIndex((ticket) => String(ticket.no) === before);
  const above = tickets.slice(0, pointed).reduce((a, b) => (a.no < b.no ? a : b));
  assert.equal((await elsewhere(`/orders/${above.no}/pickup`)).status, 200);
  await page.locator(`#orders .order[data-no="${above.no}"]`).waitFor({ state: 'detached' });
  assert.equal(await underPointer(), before, 'the same card under the pointer');
  assert.equal(await cards.count(), loaded - 1, 'the pages loaded stay loaded');
  await shot(page, 'steady-light');

  // On the Pickup page, newest first: a ticket picked up elsewhere waits behind the chip.
  await page.evaluate(() => window.scrollTo(0, 0));
  await tab(page, 'pickup').click();
  await page.locator('#sort-newest').click();
  await page.locator(`#orders .order[data-no="${above.no}"]`).waitFor();
  const newest = tickets.filter((ticket) => ticket.no !== above.no && String(ticket.no) !== before)
    .reduce((a, b) => (a.no > b.no ? a : b));
  assert.ok(newest.no > above.no, 'newer than the card shown');
  assert.equal((await elsewhere(`/orders/${newest.no}/pickup`)).status, 200);
  const chip = page.locator('#held-chip');
  await chip.waitFor();
  assert.equal(await chip.textContent(), '1 baru ↑');
  assert.equal(await page.locator(`#orders .order[data-no="${newest.no}"]`).count(), 0, 'not inserted by itself');
  await shot(page, 'held-light');
  await chip.click();
  await page.locator(`#orders .order[data-no="${newest.no}"]`).waitFor();
  assert.equal(await chip.isHidden(), true);
  const order = await cards.evaluateAll((all) => all.map((card) => Number(card.dataset.no)));
  assert.ok(order.indexOf(newest.no) < order.indexOf(above.no), 'inserted where it belongs: newest first');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Laporan page: tickets per day as a chart, times per staff and group, backlog, in light and dark', async () => {
  for (const theme of ['light', 'dark']) {
    const { page, context, problems } = await openApp({ theme });
    await logInInTelegram(page);
    await tapInMenu(page, '#report-tab');
    await page.locator('#report-view').waitFor();
    // A day without tickets is a bar of no height: there, but not visible.
    await page.locator('#report-chart svg rect.bar').first().waitFor({ state: 'attached' });
    // All groups: a bar per day of the last 30, today's as the server counts it.
    // Asked by the page's own API call: a session opened in Telegram goes with its initData.
    const report = (await pageApi(page, '/reports')).data;
    assert.equal(await page.locator('#report-chart rect.bar').count(), 30);
    const today = page.locator('#report-chart rect.bar').last();
    assert.equal(await today.getAttribute('data-new'), String(report.per_day[29].new));
    assert.ok(report.per_day[29].new >= 9, 'the tickets asked for by the seed');

    // Operasional alone: the seeded day three days ago, and Tono's times.
    await page.locator('#report-group').selectOption(String(groups.operasional));
    await page.locator('#report-chart rect.bar[data-new="5"]').waitFor({ state: 'attached' });
    const bars = await page.locator('#report-chart rect.bar').evaluateAll((all) => all.map((b) => b.dataset.new));
    assert.equal(bars.length, 30);
    assert.equal(bars[26], '5', 'five new tickets three days ago');
    const tono = page.locator('#report-staff tbody tr', { hasText: 'Tono Staf' });
    const cells = await tono.locator('td').allTextContents();
    assert.deepEqual(cells, ['Tono Staf', '4 mnt', '8 mnt', '30 mnt', '30 mnt', '3 / 1']);
    assert.equal(await page.locator('#report-groups tbody tr', { hasText: 'Operasional' }).count(), 1);
    assert.deepEqual(await page.locator('#report-backlog tbody tr td:first-child').allTextContents(),
      ['< 1 jam', '1–4 jam', '4–24 jam', '> 1 hari']);
    assert.match(await page.locator('#report-met dd').first().textContent(), /%|belum/);
    assert.match(await page.locator('#report-precision').textContent(), /±2\.2%/);

    // The chart takes the theme's colours: its bars the button colour; its labels the hint
    // colour as the page's other hint text has it, adjusted until it reads (#27: Telegram's
    // light hint grey is 2.84:1 on white).
    const colours = await page.evaluate(() => {
      const bar = document.querySelector('#report-chart rect.bar');
      const label = document.querySelector('#report-chart text');
      return [getComputedStyle(bar).fill, getComputedStyle(label).fill, getComputedStyle(document.querySelector('#report-met dt')).color];
    });
    assert.equal(colours[0], theme === 'dark' ? 'rgb(82, 136, 193)' : 'rgb(36, 129, 204)', 'button_color');
    assert.equal(colours[1], colours[2], 'hint_color, as the page\'s hint text');
    const card = rgba(await page.locator('#report-chart').evaluate((c) => getComputedStyle(c.closest('.card')).backgroundColor)).slice(0, 3);
    const label = await page.locator('#report-met dt').first().evaluate((dt) => {
      const context = document.createElement('canvas').getContext('2d');
      context.fillStyle = getComputedStyle(dt).color;
      context.fillRect(0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    });
    assert.ok(contrast(label, card) >= 4.5, `labels readable: ${contrast(label, card).toFixed(2)}`);
    // Its text is 12 px on a phone and on a desktop alike: the chart is drawn in the
    // screen's pixels, not scaled up with it.
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      await page.waitForFunction(() => {
        const svg = document.querySelector('#report-chart svg');
        return Math.abs(svg.getBoundingClientRect().width - svg.viewBox.baseVal.width) < 1;
      });
      const size = await page.locator('#report-chart text').first().evaluate((text) => text.getBoundingClientRect().height);
      assert.ok(size > 10 && size < 18, `${width} px: labels ${size} px tall`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, `report-${theme}`);

    // English.
    await page.locator('#lang').click();
    assert.equal(await page.locator('#report-view h2').textContent(), 'Reports');
    assert.deepEqual(await tono.locator('td').allTextContents(), ['Tono Staf', '4 min', '8 min', '30 min', '30 min', '3 / 1']);
    await page.locator('#lang').click();
    await page.locator('#tg-back-button').click();
    await page.locator('#board-view').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('staff see no Laporan tab, and its API answers them as if it did not exist', async () => {
  const { page, context, problems } = await openApp({ telegramUser: people.dewi });
  await logInInTelegram(page, people.dewi);
  // Where a manager would find it: in the header's menu.
  await openMenu(page);
  assert.equal(await page.locator('#report-tab').isHidden(), true);
  const answer = await pageApi(page, '/reports');
  assert.deepEqual(answer.failure, [404, 'not_found'], 'not shown');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone the header folds its pages into a menu, and the name keeps its room', async () => {
  const sari = people.sari;
  const { page, context, problems } = await openApp({ telegramUser: sari });
  await logInInTelegram(page, sari);
  const [wide, room] = await page.locator('.bar').evaluate((bar) => [bar.scrollWidth, bar.clientWidth]);
  assert.ok(wide <= room, `the header fits: ${wide} in ${room}`);
  assert.ok((await page.locator('#who').boundingBox()).width > 60, 'the name is shown');
  assert.equal(await page.locator('#logout').isVisible(), false, 'folded away');
  await page.locator('#menu-button').click();
  assert.equal(await page.locator('#menu-button').getAttribute('aria-expanded'), 'true');
  for (const id of ['#report-tab', '#team-tab', '#logout']) assert.equal(await page.locator(id).isVisible(), true, id);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#logout').isVisible(), false, 'Escape folds it again');
  await tapInMenu(page, '#team-tab');
  await page.locator('#team-view').waitFor();
  assert.equal(await page.locator('#menu-button').getAttribute('aria-expanded'), 'false', 'a page chosen folds it');
  // A desk's screen has room: everything in line, no menu.
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.equal(await page.locator('#menu-button').isVisible(), false);
  assert.equal(await page.locator('#logout').isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a search that misses on its page says so, the tabs count what it finds on each, and it can look on all of them', async () => {
  const { page, context, problems } = await openApp();
  await logInInTelegram(page);
  await page.locator('#orders .order').first().waitFor();
  // UI-1 was closed by the first test: not on the Order page.
  await page.locator('#search').fill('UI-1');
  await page.locator('#search').press('Enter');
  await page.locator('#empty', { hasText: 'Tidak ada yang cocok dengan "UI-1" di Order.' }).waitFor();
  const counts = () => Promise.all(['order', 'pickup', 'close'].map((s) => tab(page, s).locator('.count').textContent()));
  assert.deepEqual(await counts(), ['0', '0', '1'], 'the tabs count the search');
  await page.locator('#search-everywhere').click();
  const found = orderRow(page, 'UI-1');
  await found.waitFor();
  assert.equal(await found.locator('.status').textContent(), 'Close', 'which page it is on');
  assert.equal(await page.locator('#orders .order').count(), 1);
  assert.equal(await page.locator('#search-everywhere').isVisible(), false);
  assert.equal(await page.locator('.tabs button[aria-selected="true"]').count(), 0, 'no one page is shown');
  await page.locator('#lang').click();
  assert.equal(await found.locator('.status').textContent(), 'Close');
  await page.locator('#lang').click();
  // A tab is a page again.
  await tab(page, 'order').click();
  await page.locator('#empty', { hasText: 'di Order' }).waitFor();
  assert.equal(await page.locator('#search-everywhere').isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a role changed elsewhere reaches an open page: Tim comes with Admin and goes with Staf', async () => {
  const rina = people.rina;
  const { page, context, problems } = await openApp({ telegramUser: rina });
  await logInInTelegram(page, rina);
  await openMenu(page);
  assert.equal(await page.locator('#team-tab').isVisible(), false, 'staff have no Tim page');
  const owner = await sessionOf('sari', people.sari.password);
  const headers = { 'X-Session-Token': owner, 'Content-Type': 'application/json' };
  const team = await (await fetch(`${base}/api/team`, { headers })).json();
  const id = team.accounts.find((a) => a.username === 'rina').id;
  const setRole = (role) => fetch(`${base}/api/team/${id}/role`, { method: 'POST', headers, body: JSON.stringify({ role }) });
  assert.equal((await setRole('admin')).status, 200);
  await page.locator('#banner', { hasText: 'Peran Anda sekarang Admin.' }).waitFor({ timeout: 10_000 });
  await tapInMenu(page, '#team-tab');
  await page.locator('#team-view').waitFor();
  // Back to Staf, as the browser test's end expects her: the Tim page closes itself.
  assert.equal((await setRole('staff')).status, 200);
  await page.locator('#board-view').waitFor({ timeout: 10_000 });
  await openMenu(page);
  assert.equal(await page.locator('#team-tab').isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tab tapped while the board is still coming is the page shown', async () => {
  const { page, context, problems } = await openApp();
  // The board's first list waits for the groups, held back; the Close list asked by the tap
  // is held too, until the board has asked for its first list meanwhile.
  const hold = () => { let release; const held = new Promise((resolve) => { release = resolve; }); return { held, release }; };
  const groups = hold();
  const closeList = hold();
  await page.route('**/api/groups', async (route) => { await groups.held; await route.continue(); });
  await page.route('**/api/orders?status=close*', async (route) => { await closeList.held; await route.continue(); },
    { times: 1 });
  await logInInTelegram(page);
  const tapped = page.waitForRequest((request) => request.url().includes('/api/orders?status=close'));
  await tab(page, 'close').click();
  await tapped;
  const firstList = page.waitForRequest((request) => request.url().includes('/api/orders?')
    && !request.url().includes('after='));
  groups.release();
  await firstList;
  closeList.release();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('#board-view').getAttribute('data-status'), 'close');
  assert.equal(await tab(page, 'close').getAttribute('aria-selected'), 'true');
  assert.deepEqual(problems, []);
  await context.close();
});
