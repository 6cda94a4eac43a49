// What every page must hold for #27's "accessible" and "layout": axe-core (from npm, run in
// the page) finds no violation of impact serious or critical, every tap target is at least
// 44×44 CSS px, and nothing is wider than the screen. Used by a11y.test.mjs (the Mini App and
// the booking page) and demo.test.mjs (the demo page).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/// The widths every page is laid out at: a small phone, a common one, a desktop.
export const WIDTHS = [320, 390, 1280];

export const MIN_TARGET = 44;

/// axe's serious and critical violations on `page`, one readable line per element. Beside
/// axe's default rules, "label-content-name-mismatch" (experimental in axe 4): a control's
/// accessible name holds the text it shows ("Names match labels"). Frames are left out: a
/// page shown inside another (the demo's phone) is audited on its own.
export async function axeViolations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    iframes: false,
    rules: { 'label-content-name-mismatch': { enabled: true } },
  }));
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) =>
      `${violation.id} (${violation.impact}) ${node.target.join(' ')}: ${node.failureSummary.replace(/\s+/g, ' ').trim()}`));
}

/// Visible tap targets smaller than 44×44, or not wholly on the screen (beyond its edge, or
/// cut off by a box that hides its overflow). Measured: buttons, links, inputs (a radio or
/// checkbox by the label that holds it, which is what takes the tap), selects, textareas,
/// summaries and anything with a button's or tab's role. Excepted, as WCAG 2.5.8 allows:
/// a link inside a sentence (its parent holds other text; its height is the line's), and
/// targets that are not shown (zero size, hidden, or inside a closed <details>).
export async function smallTargets(page, min = MIN_TARGET) {
  return page.evaluate((min) => {
    const selector = 'button, a[href], input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="tab"]';
    const small = [];
    const seen = new Set();
    const describe = (element) => {
      const id = element.id ? `#${element.id}` : '';
      const cls = typeof element.className === 'string' && element.className ? `.${element.className.trim().split(/\s+/).join('.')}` : '';
      const text = (element.textContent || element.getAttribute('aria-label') || element.getAttribute('placeholder') || '').trim().replace(/\s+/g, ' ').slice(0, 30);
      return `${element.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    const inSentence = (link) => {
      const parent = link.parentElement;
      if (!parent) return false;
      return [...parent.childNodes].some((node) => node !== link && node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '');
    };
    for (let element of document.querySelectorAll(selector)) {
      if (element.matches('input[type="radio"], input[type="checkbox"]')) {
        element = element.closest('label') ?? (element.id && document.querySelector(`label[for="${element.id}"]`)) ?? element;
      }
      if (seen.has(element)) continue;
      seen.add(element);
      if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (element.matches('a[href]') && inSentence(element)) continue;
      if (box.width < min - 0.5 || box.height < min - 0.5) {
        small.push(`${describe(element)} is ${box.width.toFixed(0)}×${box.height.toFixed(0)}`);
      }
      if (box.left < -0.5 || box.right > window.innerWidth + 0.5) {
        small.push(`${describe(element)} spans ${box.left.toFixed(0)}–${box.right.toFixed(0)}px, off a ${window.innerWidth}px screen`);
      }
      for (let outer = element.parentElement; outer; outer = outer.parentElement) {
        if (!['hidden', 'clip'].includes(getComputedStyle(outer).overflowX)) continue;
        const edge = outer.getBoundingClientRect();
        if (box.right > edge.right + 0.5 || box.left < edge.left - 0.5) {
          small.push(`${describe(element)} is cut off at ${edge.right.toFixed(0)}px (it ends at ${box.right.toFixed(0)}px)`);
          break;
        }
      }
    }
    return small;
  }, min);
}

/// How far the page is wider than the screen, with the widest elements that stick out.
export async function overflow(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const scroll = document.documentElement.scrollWidth;
    if (scroll <= width) return [];
    const out = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5 && element.checkVisibility())
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${typeof element.className === 'string' && element.className ? `.${element.className.trim().split(/\s+/).join('.')}` : ''} to ${element.getBoundingClientRect().right.toFixed(0)}px`);
    return [`page is ${scroll}px wide on a ${width}px screen: ${out.join(', ')}`];
  });
}

/// Lays `page` out at each of `widths` (keeping its height) and collects what fails there:
/// axe's serious and critical violations, small tap targets and overflow, each line
/// prefixed with `name` and the width. An empty list is a pass.
export async function audit(page, name, widths = WIDTHS) {
  const height = page.viewportSize()?.height ?? 800;
  const failures = [];
  for (const width of widths) {
    await page.setViewportSize({ width, height });
    // Let the layout, and anything listening to the resize, settle.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const at = `${name} @${width}px`;
    failures.push(...(await overflow(page)).map((line) => `${at} overflow: ${line}`));
    failures.push(...(await smallTargets(page)).map((line) => `${at} target: ${line}`));
    failures.push(...(await axeViolations(page)).map((line) => `${at} axe: ${line}`));
  }
  return failures;
}

/// An element's text colour as [r, g, b] and its WCAG contrast against what it is drawn on
/// (its own and its ancestors' backgrounds, translucent ones laid over those below), as the
/// browser paints them, whatever colour syntax the style used.
export async function textColour(locator) {
  return locator.evaluate((element) => {
    const context = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    const paint = (css) => {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = css;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
      return [r, g, b, a / 255];
    };
    const layers = [];
    for (let at = element; at; at = at.parentElement) {
      const layer = paint(getComputedStyle(at).backgroundColor);
      if (layer[3] > 0) layers.push(layer);
      if (layer[3] === 1) break;
    }
    let under = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) under = [r, g, b].map((c, i) => c * a + under[i] * (1 - a));
    const [r, g, b, a] = paint(getComputedStyle(element).color);
    const rgb = [r, g, b].map((c, i) => Math.round(c * a + under[i] * (1 - a)));
    const luminance = (colour) => colour.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const [light, dark] = [luminance(rgb), luminance(under)].sort((x, y) => y - x);
    return { rgb, contrast: (light + 0.05) / (dark + 0.05) };
  });
}
