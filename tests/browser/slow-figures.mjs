// The figures of a slow phone for scripts/bench (`page` workload): for each theme, `runs`
// times (argument, default 3), how soon after the HTML the skeleton is painted (with a
// session kept) and when a first visit sees the login. One JSON line per visit.
import { launchChromium } from './chromium.mjs';
import { LOGIN_READY, LOGIN_SHOWN, openSlowly, skeletonTimings, when } from './slow.mjs';

const base = process.env.TANGKAP_URL;
const runs = Number(process.argv[2] ?? 3);
const browser = await launchChromium();
try {
  for (let run = 0; run < runs; run += 1) {
    for (const theme of ['light', 'dark']) {
      const first = await openSlowly(browser, base, theme);
      const loginAt = await when(first.page, LOGIN_SHOWN);
      await first.context.close();
      const kept = await openSlowly(browser, base, theme, { session: 'ended-session' });
      await when(kept.page, LOGIN_READY);
      const timings = await skeletonTimings(kept.page);
      await kept.context.close();
      console.log(JSON.stringify({ theme, login: loginAt, skeletonAfterHtml: timings.skeleton - timings.html }));
    }
  }
} finally {
  await browser.close();
}
