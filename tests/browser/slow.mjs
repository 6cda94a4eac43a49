// The Mini App on a slow phone: Chromium's own network throttling (DevTools protocol) at
// 1.5 s latency and 50 KB/s each way. Shared by the test (slow.test.mjs), which checks what
// a user sees, and the benchmark (slow-figures.mjs), which records how soon.

/// The throttled network: every request waits 1.5 s for its answer, so a page that paints
/// before any answer but its own HTML has come waited on nothing else.
export const SLOW_NETWORK = { offline: false, latency: 1500, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 };

/// A phone-sized page of `browser` on the slow network, opened at `base`; with `session`,
/// a session kept from an earlier visit (one the server no longer knows).
export async function openSlowly(browser, base, theme, { session } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: theme });
  await context.route('https://telegram.org/**', (route) => route.abort());
  if (session) await context.addInitScript(`localStorage.setItem('tangkap.session', ${JSON.stringify(session)});`);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_NETWORK);
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  return { page, context, problems };
}

/// When `check` (run in the page; it answers `performance.now()` once it holds) first
/// holds, on the page's own clock (0: the navigation's start).
export function when(page, check) {
  return page.waitForFunction(check, null, { polling: 'raf', timeout: 20000 })
    .then((handle) => handle.jsonValue());
}

/// The login shown as app.css styles it (the field's rounded corners come from it).
export const LOGIN_SHOWN = () => {
  const name = document.getElementById('login-name');
  return Boolean(name?.checkVisibility()) && getComputedStyle(name).borderRadius === '10px' && performance.now();
};
/// The login's button wired by the scripts.
export const LOGIN_READY = () => document.getElementById('login-submit')?.disabled === false && performance.now();

/// On the page's clock: when the HTML had come in whole, when the skeleton was painted,
/// and when the server's first answer to any other request (scripts, the API) came.
export function skeletonTimings(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const navigation = performance.getEntriesByType('navigation')[0];
    // The server's answers (Telegram's script is refused at once, and answers nothing).
    const answers = performance.getEntriesByType('resource')
      .filter((entry) => entry.name.startsWith(location.origin))
      .map((entry) => entry.responseEnd);
    new PerformanceObserver((list) => {
      const skeleton = list.getEntries().find((entry) => entry.identifier === 'skeleton');
      if (skeleton) {
        resolve({ html: navigation.responseEnd, skeleton: skeleton.renderTime, firstOtherAnswer: Math.min(...answers) });
      }
    }).observe({ type: 'element', buffered: true });
  }));
}

/// The requests the page made.
export const requests = (page) => page.evaluate(() => performance.getEntriesByType('resource').length);
