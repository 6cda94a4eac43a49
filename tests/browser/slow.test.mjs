// The Mini App on a slow phone: Chromium's own network throttling (DevTools protocol) at
// 1.5 s latency and 50 KB/s each way. Run by tests/browser.rs (`mini_app_on_a_slow_phone`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.mjs';

const base = process.env.TANGKAP_URL;

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

/// A phone-sized page on a slow network, opened at the app's address; with `session`, a
/// session kept from an earlier visit (one the server no longer knows).
async function openSlowly(theme, { session } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: theme });
  await context.route('https://telegram.org/**', (route) => route.abort());
  if (session) await context.addInitScript(`localStorage.setItem('tangkap.session', ${JSON.stringify(session)});`);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 1500, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024,
  });
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  return { page, context, problems };
}

/// When `check` (run in the page; it answers `performance.now()` once it holds) first
/// holds, on the page's own clock (0: the navigation's start).
function when(page, check) {
  return page.waitForFunction(check, null, { polling: 'raf', timeout: 20000 })
    .then((handle) => handle.jsonValue());
}

/// The login shown as app.css styles it (the field's rounded corners come from it).
const LOGIN_SHOWN = () => {
  const name = document.getElementById('login-name');
  return Boolean(name?.checkVisibility()) && getComputedStyle(name).borderRadius === '10px' && performance.now();
};
/// The login's button wired by the scripts.
const LOGIN_READY = () => document.getElementById('login-submit')?.disabled === false && performance.now();

/// The requests the page made.
const requests = (page) => page.evaluate(() => performance.getEntriesByType('resource').length);

for (const [theme, background] of [['light', 'rgb(255, 255, 255)'], ['dark', 'rgb(23, 33, 43)']]) {
  test(`at 1.5 s latency and 50 KB/s (${theme}): a first visit sees the login within 4 s, its button working once the scripts have come`, async () => {
    const { page, context, problems } = await openSlowly(theme);
    const [loginAt, readyAt] = await Promise.all([when(page, LOGIN_SHOWN), when(page, LOGIN_READY)]);
    console.log(`${theme}, first visit: login at ${Math.round(loginAt)} ms, its button ready at `
      + `${Math.round(readyAt)} ms, after ${await requests(page)} requests`);
    assert.ok(loginAt < 4000, `the login shown at ${Math.round(loginAt)} ms`);
    assert.ok(readyAt >= loginAt);
    // Its button does what it says once ready: an empty form is answered on the page.
    await page.locator('#login-submit').click();
    await page.locator('#login-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await page.locator('#skeleton').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`at 1.5 s latency and 50 KB/s (${theme}): with a session kept, the skeleton paints with the page, in the phone's colours, then gives way`, async () => {
    const { page, context, problems } = await openSlowly(theme, { session: 'ended-session' });
    await page.locator('#skeleton h1').waitFor();
    assert.equal(await page.locator('#skeleton').evaluate((e) => getComputedStyle(e).backgroundColor), background);
    assert.equal(await page.locator('header.bar').isVisible(), false, 'the bare page is not shown');
    // The session has ended: the login, once the server has said so.
    const loginAt = await when(page, LOGIN_READY);
    // The page may paint the skeleton before its last bytes have come.
    const timings = await page.evaluate(() => new Promise((resolve) => {
      const navigation = performance.getEntriesByType('navigation')[0];
      new PerformanceObserver((list) => {
        const skeleton = list.getEntries().find((entry) => entry.identifier === 'skeleton');
        if (skeleton) resolve({ html: navigation.responseEnd, skeleton: skeleton.renderTime });
      }).observe({ type: 'element', buffered: true });
    }));
    console.log(`${theme}, session kept: HTML in at ${Math.round(timings.html)} ms, skeleton painted at `
      + `${Math.round(timings.skeleton)} ms, login at ${Math.round(loginAt)} ms, after ${await requests(page)} requests`);
    assert.ok(timings.skeleton - timings.html < 100, `skeleton ${timings.skeleton - timings.html} ms after the HTML`);
    assert.equal(await page.locator('#skeleton').count(), 0, 'the skeleton gave way to the login');
    assert.equal(await page.locator('#login-name').isVisible(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
