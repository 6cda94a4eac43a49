// Telegram's theme colours, carried into the page's CSS variables, with text kept readable.

import { tg } from './telegram.js';

const NAMES = {
  bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
  button_color: '--button', button_text_color: '--button-text',
  secondary_bg_color: '--secondary-bg', section_bg_color: '--section-bg',
  destructive_text_color: '--destructive',
};

/// Text in the theme's own colours, and the variable app.css reads it from.
const TEXT_IN = { hint_color: '--hint-text', link_color: '--link-text', destructive_text_color: '--destructive-text' };

/// WCAG AA for body text.
const READABLE = 4.5;

export function applyTheme() {
  if (!tg) return;
  const root = document.documentElement;
  root.classList.add('tg');
  root.classList.toggle('dark', tg.colorScheme === 'dark');
  const colours = {};
  for (const [param, variable] of Object.entries(NAMES)) {
    const value = tg.themeParams?.[param];
    if (typeof value !== 'string' || !/^#[0-9a-fA-F]{3,8}$/.test(value)) continue;
    root.style.setProperty(variable, value);
    if (/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value)) colours[param] = rgb(value);
  }
  // app.css mixes these text colours towards the theme's text by fixed amounts, enough
  // for Telegram's own themes; a theme of its own (a user's, or a client's) may be paler,
  // so the mix is worked out here from its colours: the least that reads on each of its
  // backgrounds.
  const text = colours.text_color;
  const backgrounds = ['bg_color', 'secondary_bg_color', 'section_bg_color'].map((param) => colours[param]).filter(Boolean);
  if (!text || backgrounds.length === 0) return;
  for (const [param, variable] of Object.entries(TEXT_IN)) {
    if (colours[param]) root.style.setProperty(variable, hex(readableMix(colours[param], text, backgrounds)));
  }
}

/// `colour` moved towards `text` in steps of 5 % until it reads (4.5:1) on every one of
/// `backgrounds`; `text` itself if no step does.
export function readableMix(colour, text, backgrounds) {
  for (let share = 100; share > 0; share -= 5) {
    const mixed = colour.map((channel, i) => Math.round((channel * share + text[i] * (100 - share)) / 100));
    if (backgrounds.every((background) => contrast(mixed, background) >= READABLE)) return mixed;
  }
  return text;
}

function rgb(value) {
  const digits = value.length === 4 ? [...value.slice(1)].map((d) => d + d) : value.slice(1).match(/../g);
  return digits.map((pair) => parseInt(pair, 16));
}

function hex(channels) {
  return `#${channels.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}

/// WCAG's contrast ratio of two sRGB colours.
function contrast(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

function luminance(channels) {
  const [r, g, b] = channels.map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
