// The Mini App on a slow phone (slow.mjs: 1.5 s latency and 50 KB/s). Run by
// tests/browser.rs (`mini_app_on_a_slow_phone`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.mjs';
import { LOGIN_READY, LOGIN_SHOWN, openSlowly as open, requests, skeletonTimings, when } from './slow.mjs';

const base = process.env.TANGKAP_URL;

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

const openSlowly = (theme, options) => open(browser, base, theme, options);

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
    const timings = await skeletonTimings(page);
    console.log(`${theme}, session kept: HTML in at ${Math.round(timings.html)} ms, skeleton painted at `
      + `${Math.round(timings.skeleton)} ms, login at ${Math.round(loginAt)} ms, after ${await requests(page)} requests`);
    // Painted from the page's own bytes: before the answer to any other request, each of
    // which takes 1.5 s. How soon after the HTML is a figure of scripts/bench (`page`).
    assert.ok(timings.skeleton < timings.firstOtherAnswer,
      `skeleton at ${timings.skeleton} ms, after an answer at ${timings.firstOtherAnswer} ms`);
    assert.equal(await page.locator('#skeleton').count(), 0, 'the skeleton gave way to the login');
    assert.equal(await page.locator('#login-name').isVisible(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
