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

/// A phone-sized page on a slow network, opened at the app's address.
async function openSlowly(theme) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: theme });
  await context.route('https://telegram.org/**', (route) => route.abort());
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

for (const [theme, background] of [['light', 'rgb(255, 255, 255)'], ['dark', 'rgb(23, 33, 43)']]) {
  test(`at 1.5 s latency and 50 KB/s (${theme}): the skeleton paints with the page, in the phone's colours, then gives way to the login`, async () => {
    const { page, context, problems } = await openSlowly(theme);
    // Before the style sheet and the scripts have come: the skeleton alone, in the theme.
    await page.locator('#skeleton h1').waitFor();
    assert.equal(await page.locator('#skeleton').evaluate((e) => getComputedStyle(e).backgroundColor), background);
    assert.equal(await page.locator('#skeleton').isVisible(), true);
    assert.equal(await page.locator('header.bar').isVisible(), false, 'the bare page is not shown');

    // Times from the page's own clock (0: the navigation's start).
    const loginAt = await page.waitForFunction(
      () => document.getElementById('login-view')?.hidden === false && performance.now(),
      null, { polling: 'raf', timeout: 20000 },
    ).then((handle) => handle.jsonValue());
    const timings = await page.evaluate(() => new Promise((resolve) => {
      const navigation = performance.getEntriesByType('navigation')[0];
      new PerformanceObserver((list) => {
        const skeleton = list.getEntries().find((entry) => entry.identifier === 'skeleton');
        if (skeleton) resolve({ html: navigation.responseEnd, skeleton: skeleton.renderTime });
      }).observe({ type: 'element', buffered: true });
    }));
    const requests = await page.evaluate(() => performance.getEntriesByType('resource').length);
    console.log(`${theme}: HTML in at ${Math.round(timings.html)} ms, skeleton painted at ${Math.round(timings.skeleton)} ms, `
      + `login at ${Math.round(loginAt)} ms, after ${requests} requests`);
    assert.ok(timings.skeleton - timings.html < 100, `skeleton ${timings.skeleton - timings.html} ms after the HTML`);
    assert.equal(await page.locator('#skeleton').count(), 0, 'the skeleton gave way to the login');
    assert.equal(await page.locator('#login-name').isVisible(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
