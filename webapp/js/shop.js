// The Toko page (those who run the shop): the products with their price, sale switch and
// stock (added pasted or from a .txt file, seen masked), the latest orders and their
// refunds, coupons, a broadcast to the buyers and the bot's texts. An item itself never
// comes to the page: the server sends the stock masked.

import { $, state } from './state.js';
import { t } from './i18n.js';
import { haptic } from './telegram.js';
import { SESSION_ENDED, api } from './api.js';
import { isAway } from './online.js';
import { confirmDialog, dialog, element, formatTime, rupiah, showBanner, showView } from './ui.js';
import { handleFailure } from './login.js';
import { load } from './board.js';

export function wireShop() {
  $('shop-tab').addEventListener('click', () => {
    if (state.view === 'shop') { showView('board'); load(); } else openShop();
  });
  $('shop-back').addEventListener('click', () => { showView('board'); load(); });
  $('coupon-form').addEventListener('submit', addCoupon);
  $('broadcast-form').addEventListener('submit', sendBroadcast);
  $('broadcast-text').addEventListener('input', countBroadcast);
}

async function openShop() {
  // While the server is away the page would open empty or stale: it does not open.
  if (isAway()) return;
  if (!state.user?.runs_shop) return;
  state.shopNotes = {};
  state.shopMasked = {};
  showView('shop');
  renderShop();
  await loadShop();
}

/// Asks for the shop again and draws it; false when the page is gone.
export async function loadShop() {
  const request = (state.shopSeq = (state.shopSeq || 0) + 1);
  try {
    const shop = await api('/shop');
    if (request !== state.shopSeq) return true;
    state.shop = shop;
    renderShop();
    return true;
  } catch (failure) {
    return refused(failure, (message) => showNote('shop', 'error', message));
  }
}

/// A refusal: the page gone (no longer someone who runs the shop, or the shop off), the
/// session ended, or a sentence for `say`. Always false.
function refused(failure, say) {
  if (failure.code === 'not_found') {
    state.user.runs_shop = false;
    $('shop-tab').hidden = true;
    if (state.view === 'shop') showView('board');
    showBanner(t('shop_gone'));
    return false;
  }
  if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return false; }
  haptic('error');
  say(failure.message || t('network'));
  return false;
}

/// A section's or a product's passing word (`shop`, `coupon`, `broadcast`, `product:CODE`,
/// `text:KEY`), kept across redraws.
function showNote(where, kind, text) {
  state.shopNotes = { ...state.shopNotes, [where]: text ? { kind, text } : null };
  renderNotes();
}

function renderNotes() {
  for (const node of document.querySelectorAll('#shop-view [data-note]')) {
    const note = state.shopNotes?.[node.dataset.note];
    node.hidden = !note;
    node.textContent = note?.text ?? '';
    node.className = `shop-note ${note?.kind === 'error' ? 'error' : 'done'}`;
  }
}

export function renderShop() {
  const shop = state.shop;
  $('shop-name').textContent = shop?.name ?? '';
  if (!shop) {
    for (const id of ['shop-products', 'shop-orders', 'shop-coupons', 'shop-texts']) $(id).replaceChildren();
    renderNotes();
    return;
  }
  // What is being typed in a product's stock box stays through a redraw.
  const typed = {};
  for (const box of document.querySelectorAll('#shop-products .stock-items')) typed[box.dataset.code] = box.value;
  $('shop-products').replaceChildren(...shop.products.map((product) => renderProduct(product, typed[product.code])));
  $('shop-no-products').hidden = shop.products.length > 0;
  $('shop-orders').replaceChildren(...shop.orders.map(renderOrder));
  $('shop-no-orders').hidden = shop.orders.length > 0;
  $('shop-coupons').replaceChildren(...shop.coupons.map(renderCoupon));
  $('shop-no-coupons').hidden = shop.coupons.length > 0;
  $('broadcast-text').maxLength = shop.most_broadcast_chars;
  $('broadcast-to').textContent = t('sh_broadcast_to', { n: shop.buyers });
  countBroadcast();
  // A text being rewritten stays through a redraw too; one saved shows as saved.
  const texts = {};
  for (const box of document.querySelectorAll('#shop-texts textarea')) {
    if (box.value !== box.dataset.saved) texts[box.dataset.key] = box.value;
  }
  $('shop-texts').replaceChildren(...shop.texts.map((text) => renderText(text, texts[text.key])));
  renderNotes();
}

// --- products and stock -------------------------------------------------------------------

function renderProduct(product, typed) {
  const item = element('li', `shop-product card${product.on_sale ? '' : ' off'}`);
  item.dataset.code = product.code;
  const head = element('header', 'product-head');
  head.append(element('span', 'name', product.name), element('code', 'code', product.code));
  const badges = element('span', 'badges');
  badges.append(element('span', `badge ${product.on_sale ? 'on-sale' : 'off-sale'}`, t(product.on_sale ? 'sh_on_sale' : 'sh_off_sale')));
  const stock = element('span', `badge stock${product.low_stock ? ' low' : ''}`, t('sh_stock', { n: product.stock }));
  stock.dataset.stock = String(product.stock);
  if (product.low_stock) stock.title = t('sh_low_stock', { n: state.shop.low_stock });
  badges.append(stock);
  if (product.low_stock) badges.append(element('span', 'badge low-mark', t('sh_low')));
  head.append(badges);
  item.append(head);
  if (product.description) item.append(element('p', 'hint description', product.description));

  // The price, and the sale switch.
  const price = element('form', 'price-form');
  price.noValidate = true;
  const label = element('label', 'price-field');
  const input = element('input', 'price');
  input.type = 'number';
  input.min = '1';
  input.inputMode = 'numeric';
  input.value = String(product.price);
  label.append(element('span', 'hint', t('sh_price', { price: rupiah(product.price) })), input);
  const save = element('button', 'action secondary', t('sh_save_price'));
  save.type = 'submit';
  price.append(label, save);
  price.addEventListener('submit', (event) => {
    event.preventDefault();
    changeProduct(product, { price: Number(input.value) }, () => t('sh_price_saved', { price: rupiah(Number(input.value)) }));
  });
  const toggle = element('button', `action toggle ${product.on_sale ? 'danger' : ''}`, t(product.on_sale ? 'sh_take_off' : 'sh_put_on'));
  toggle.type = 'button';
  toggle.setAttribute('aria-pressed', String(product.on_sale));
  toggle.addEventListener('click', () => changeProduct(product, { on_sale: !product.on_sale },
    (changed) => t(changed.on_sale ? 'sh_now_on' : 'sh_now_off', { name: changed.name })));
  const controls = element('div', 'product-controls');
  controls.append(price, toggle);
  item.append(controls);

  // Adding stock: pasted, or a text file read here and sent as it is.
  const add = element('form', 'stock-form');
  add.noValidate = true;
  const box = element('textarea', 'stock-items');
  box.rows = 3;
  box.dataset.code = product.code;
  box.placeholder = t('sh_stock_placeholder');
  box.setAttribute('aria-label', `${t('sh_add_stock')}: ${product.name}`);
  box.spellcheck = false;
  box.autocomplete = 'off';
  if (typed) box.value = typed;
  const file = element('input', 'stock-file');
  file.type = 'file';
  file.accept = '.txt,text/plain';
  file.addEventListener('change', () => addFile(product, file));
  const pick = element('label', 'file-button');
  pick.append(file, element('span', '', t('sh_pick_file')));
  const send = element('button', 'action', t('sh_add_stock'));
  send.type = 'submit';
  const row = element('div', 'stock-buttons');
  row.append(pick, send);
  add.append(box, row);
  add.addEventListener('submit', (event) => {
    event.preventDefault();
    addStock(product, box.value, () => { box.value = ''; });
  });
  item.append(add);
  const note = element('p', 'shop-note');
  note.dataset.note = `product:${product.code}`;
  note.setAttribute('role', 'status');
  item.append(note);

  // The stock, masked, on asking.
  const masked = state.shopMasked?.[product.code];
  const look = element('button', 'secondary look', t(masked ? 'sh_hide_stock' : 'sh_show_stock'));
  look.type = 'button';
  look.setAttribute('aria-expanded', String(Boolean(masked)));
  look.addEventListener('click', () => toggleStock(product));
  item.append(look);
  if (masked) {
    const list = element('ul', 'masked');
    list.append(...masked.items.map((value) => element('li', '', value)));
    if (!masked.items.length) list.append(element('li', 'hint', t('sh_no_stock')));
    else if (masked.stock > masked.items.length) list.append(element('li', 'hint', t('sh_more_stock', { n: masked.stock - masked.items.length })));
    item.append(list, element('p', 'hint', t('sh_masked_hint')));
  }
  return item;
}

async function changeProduct(product, change, said) {
  showNote(`product:${product.code}`, 'done', '');
  try {
    const changed = await api(`/shop/products/${encodeURIComponent(product.code)}`, { method: 'PUT', body: change });
    haptic('success');
    state.shopNotes = { ...state.shopNotes, [`product:${product.code}`]: { kind: 'done', text: said(changed) } };
    await loadShop();
  } catch (failure) {
    refused(failure, (message) => showNote(`product:${product.code}`, 'error', message));
  }
}

/// `2 ditambahkan, 1 duplikat ditolak`: what became of a list of items.
function addedWords(added) {
  const parts = [t('sh_added', { n: added.added })];
  if (added.duplicates) parts.push(t('sh_duplicates', { n: added.duplicates }));
  if (added.too_long) parts.push(t('sh_too_long', { n: added.too_long }));
  return `${parts.join(', ')}. ${t('sh_stock_now', { n: added.stock })}`;
}

/// A list longer than the server takes is refused here already: a 1 MB file is split.
function tooLarge(bytes) {
  return bytes > (state.shop?.most_list_bytes ?? 1000000);
}

async function addStock(product, items, sent) {
  const where = `product:${product.code}`;
  if (!items.trim()) { showNote(where, 'error', t('sh_stock_empty')); return; }
  if (tooLarge(new TextEncoder().encode(items).length)) { showNote(where, 'error', t('sh_too_large')); return; }
  showNote(where, 'done', '');
  try {
    const added = await api(`/shop/products/${encodeURIComponent(product.code)}/stock`, { method: 'POST', body: { items } });
    haptic('success');
    sent();
    state.shopNotes = { ...state.shopNotes, [where]: { kind: 'done', text: addedWords(added) } };
    if (state.shopMasked?.[product.code]) await fetchMasked(product);
    await loadShop();
  } catch (failure) {
    // Nothing added (every item a duplicate): the items need not be sent again.
    if (failure.status === 409) sent();
    refused(failure, (message) => showNote(where, 'error', message));
  }
}

async function addFile(product, input) {
  const [file] = input.files;
  input.value = '';
  if (!file) return;
  if (tooLarge(file.size)) { showNote(`product:${product.code}`, 'error', t('sh_too_large')); return; }
  let text;
  try {
    text = await file.text();
  } catch (_) {
    showNote(`product:${product.code}`, 'error', t('sh_file_unreadable'));
    return;
  }
  await addStock(product, text, () => {});
}

async function fetchMasked(product) {
  const stock = await api(`/shop/products/${encodeURIComponent(product.code)}/stock`);
  state.shopMasked = { ...state.shopMasked, [product.code]: stock };
}

async function toggleStock(product) {
  if (state.shopMasked?.[product.code]) {
    state.shopMasked = { ...state.shopMasked, [product.code]: null };
    renderShop();
    return;
  }
  try {
    await fetchMasked(product);
    renderShop();
  } catch (failure) {
    refused(failure, (message) => showNote(`product:${product.code}`, 'error', message));
  }
}

// --- orders and refunds -------------------------------------------------------------------

function renderOrder(order) {
  const item = element('li', `shop-order ${order.state}`);
  item.dataset.invoice = order.invoice;
  const head = element('header', 'order-head');
  head.append(element('code', 'invoice', order.invoice));
  const status = element('span', `badge order-state state-${order.state}`, t(`sh_state_${order.state}`));
  head.append(status);
  if (order.refunded !== null && order.refunded !== undefined) {
    head.append(element('span', 'badge refunded', t('sh_refunded', { amount: rupiah(order.refunded) })));
  }
  item.append(head);
  const line = [formatTime(order.created_at), rupiah(order.total), t('sh_buyer', { id: order.buyer_id })];
  if (order.deposit) line.push(t('sh_deposit'));
  else if (order.state === 'paid') line.push(t('sh_delivered', { n: order.delivered }));
  item.append(element('p', 'order-line', line.join(' · ')));
  if (order.state === 'paid' && !order.deposit && (order.refunded === null || order.refunded === undefined)) {
    const refund = element('button', 'action secondary danger refund', t('sh_refund'));
    refund.type = 'button';
    refund.addEventListener('click', () => refundOrder(order));
    item.append(refund);
  }
  return item;
}

/// `12.000`, `Rp12.000` or `12000` as whole Rupiah; NaN for anything else.
function typedRupiah(text) {
  const digits = text.trim().replace(/^rp\s*/i, '').replace(/\./g, '');
  return /^\d{1,12}$/.test(digits) ? Number(digits) : NaN;
}

async function refundOrder(order) {
  const typed = await dialog(t('sh_refund_ask', { invoice: order.invoice, total: rupiah(order.total) }),
    t('sh_refund_next'), t('sh_refund_amount'));
  if (typed === null) return;
  const amount = typed.trim() ? typedRupiah(typed) : order.total;
  if (!Number.isFinite(amount)) { showNote('orders', 'error', t('sh_refund_bad_amount')); return; }
  if (!(await confirmDialog(t('sh_refund_confirm', { amount: rupiah(amount), invoice: order.invoice }), t('sh_refund_yes')))) return;
  try {
    const done = await api('/shop/refunds', { method: 'POST', body: { invoice: order.invoice, amount } });
    haptic('success');
    state.shopNotes = { ...state.shopNotes, orders: { kind: 'done', text: t('sh_refund_done', { amount: rupiah(done.amount), invoice: done.invoice }) } };
    await loadShop();
  } catch (failure) {
    refused(failure, (message) => showNote('orders', 'error', message));
  }
}

// --- coupons ------------------------------------------------------------------------------

function renderCoupon(coupon) {
  const item = element('li', `shop-coupon${coupon.active ? '' : ' off'}`);
  item.dataset.code = coupon.code;
  const head = element('header', 'coupon-head');
  head.append(element('code', 'code', coupon.code));
  const off = coupon.percent ? `${coupon.percent}%` : rupiah(coupon.amount);
  head.append(element('span', 'off', t('sh_coupon_off', { off })));
  if (!coupon.active) head.append(element('span', 'badge', t('sh_coupon_inactive')));
  item.append(head);
  const terms = [];
  if (coupon.min_total) terms.push(t('sh_coupon_min', { min: rupiah(coupon.min_total) }));
  terms.push(coupon.max_uses ? t('sh_coupon_uses_of', { n: coupon.uses, most: coupon.max_uses }) : t('sh_coupon_uses', { n: coupon.uses }));
  // Good to the end of its last day: the day before the moment it ends.
  if (coupon.expires_at) terms.push(t('sh_coupon_until', { day: formatTime(coupon.expires_at - 1).split(' ')[0] }));
  item.append(element('p', 'hint', terms.join(' · ')));
  return item;
}

async function addCoupon(event) {
  event.preventDefault();
  const form = $('coupon-form');
  const number = (name) => (form.elements[name].value.trim() ? Number(form.elements[name].value) : null);
  const body = {
    code: form.elements.code.value.trim(),
    discount: form.elements.discount.value.trim(),
    min_total: number('min_total'),
    max_uses: number('max_uses'),
    until: form.elements.until.value || null,
  };
  showNote('coupon', 'done', '');
  try {
    const coupon = await api('/shop/coupons', { method: 'POST', body });
    haptic('success');
    form.reset();
    state.shopNotes = { ...state.shopNotes, coupon: { kind: 'done', text: t('sh_coupon_added', { code: coupon.code }) } };
    await loadShop();
  } catch (failure) {
    refused(failure, (message) => showNote('coupon', 'error', message));
  }
}

// --- broadcast ----------------------------------------------------------------------------

function countBroadcast() {
  const most = state.shop?.most_broadcast_chars ?? 0;
  $('broadcast-count').textContent = t('sh_chars', { n: [...$('broadcast-text').value].length, most });
}

async function sendBroadcast(event) {
  event.preventDefault();
  const text = $('broadcast-text').value;
  if (!text.trim()) { showNote('broadcast', 'error', t('sh_broadcast_empty')); return; }
  if (!(await confirmDialog(t('sh_broadcast_confirm', { n: state.shop?.buyers ?? 0 }), t('sh_broadcast_yes')))) return;
  showNote('broadcast', 'done', '');
  try {
    const sent = await api('/shop/broadcast', { method: 'POST', body: { text } });
    haptic('success');
    $('broadcast-text').value = '';
    state.shopNotes = { ...state.shopNotes, broadcast: { kind: 'done', text: t('sh_broadcast_sent', { n: sent.sent }) } };
    await loadShop();
  } catch (failure) {
    refused(failure, (message) => showNote('broadcast', 'error', message));
  }
}

// --- the bot's texts ----------------------------------------------------------------------

function renderText(text, typed) {
  const item = element('li', 'shop-text');
  item.dataset.key = text.key;
  const head = element('header', 'text-head');
  head.append(element('span', 'name', t(`sh_text_${text.key}`)),
    element('span', `badge ${text.body === null ? 'builtin' : 'custom'}`, t(text.body === null ? 'sh_text_builtin' : 'sh_text_custom')));
  item.append(head);
  item.append(element('p', 'hint', t('sh_placeholders', { list: text.placeholders.map((name) => `{${name}}`).join(', ') })));
  const form = element('form', 'text-form');
  form.noValidate = true;
  const box = element('textarea');
  box.rows = 4;
  box.maxLength = 2000;
  box.dataset.key = text.key;
  box.placeholder = t('sh_text_placeholder');
  box.setAttribute('aria-label', t(`sh_text_${text.key}`));
  box.dataset.saved = text.body ?? '';
  box.value = typed ?? text.body ?? '';
  const save = element('button', 'action', t('sh_text_save'));
  save.type = 'submit';
  const builtin = element('button', 'action secondary', t('sh_text_reset'));
  builtin.type = 'button';
  builtin.disabled = text.body === null;
  const row = element('div', 'text-buttons');
  row.append(save, builtin);
  form.append(box, row);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setText(text.key, box.value, () => { box.dataset.saved = box.value; });
  });
  builtin.addEventListener('click', () => setText(text.key, null, () => { box.value = ''; box.dataset.saved = ''; }));
  const note = element('p', 'shop-note');
  note.dataset.note = `text:${text.key}`;
  note.setAttribute('role', 'status');
  item.append(form, note);
  return item;
}

async function setText(key, body, saved) {
  const where = `text:${key}`;
  showNote(where, 'done', '');
  try {
    const text = await api(`/shop/texts/${encodeURIComponent(key)}`, { method: 'PUT', body: { body } });
    haptic('success');
    saved();
    state.shopNotes = { ...state.shopNotes, [where]: { kind: 'done', text: t(text.body === null ? 'sh_text_reset_done' : 'sh_text_saved') } };
    await loadShop();
  } catch (failure) {
    refused(failure, (message) => showNote(where, 'error', message));
  }
}
