// The public booking page. Guests fill in the form; "Telegram" takes them to the bot,
// "Web" mails a confirmation link to their address. Opened from that link
// (/booking#confirm=<token>), the page asks for one press to hold the room: mail scanners
// that open links do not press buttons. The page speaks one language at a time:
// Indonesian, or English when the browser prefers it or the visitor switches; the form
// and the confirmation carry that language, so the server answers (and mails) in it.
// Every text from the server is shown as text.
'use strict';

const TEXTS = {
  id: {
    title: 'Booking kamar', subtitle: 'Booking kamar', loading: 'Memuat…',
    name: 'Nama tamu', room_type: 'Tipe kamar', check_in: 'Tanggal check-in', nights: 'Malam',
    via: 'Booking lewat', continue: 'Lanjut',
    confirm_intro: 'Konfirmasi booking Anda: kamar ditahan setelah tombol ini ditekan.',
    confirm_button: 'Konfirmasi booking',
    per_night: '{price}/malam', nights_count: '{n} malam', total: 'Total: {nights} × {price} = {total}',
    hold_today: 'Check-in hari ini: kamar ditahan {hold} sejak booking dikonfirmasi.',
    hold_later: 'Kamar ditahan sampai pukul {time} pada hari check-in; bayar di resepsionis sebelum itu.',
    next_web: 'Kami kirim tautan konfirmasi ke email Anda; kamar ditahan setelah tautan dibuka.',
    next_telegram: 'Anda dibawa ke bot Telegram kami, yang menanyakan data booking satu per satu.',
    bot_not_ready: 'Bot belum siap; coba lagi sebentar.',
    sending: 'Mengirim…', holding: 'Menahan kamar…', receipt: 'No. resi: {receipt}',
    not_open: 'Booking belum dibuka di sini.',
    minutes: '{n} menit', hours: '{n} jam', hours_minutes: '{h} jam {m} menit',
    location_why: 'Izinkan lokasi: bila Anda sedang menuju hotel saat batas waktu, waktu tahan diperpanjang.',
    location_allow: 'Izinkan lokasi', location_asking: 'Meminta lokasi…',
    location_denied: 'Lokasi tidak diizinkan. Tidak apa-apa: booking Anda tetap ditahan sampai batas waktunya.',
    location_unavailable: 'Lokasi tidak tersedia di perangkat ini. Booking Anda tetap ditahan sampai batas waktunya.',
  },
  en: {
    title: 'Room booking', subtitle: 'Room booking', loading: 'Loading…',
    name: 'Guest\'s name', room_type: 'Room type', check_in: 'Check-in date', nights: 'Nights',
    via: 'Book via', continue: 'Continue',
    confirm_intro: 'Confirm your booking: the room is held once you press this button.',
    confirm_button: 'Confirm booking',
    per_night: '{price}/night', nights_count: '{n} nights', nights_one: '1 night',
    total: 'Total: {nights} × {price} = {total}',
    hold_today: 'Checking in today: the room is held for {hold} from your confirmation.',
    hold_later: 'The room is held until {time} on your check-in day; pay at the front desk by then.',
    next_web: 'We mail you a confirmation link; the room is held once you open it.',
    next_telegram: 'You are taken to our Telegram bot, which asks for the booking one step at a time.',
    bot_not_ready: 'The bot is not ready yet; try again shortly.',
    sending: 'Sending…', holding: 'Holding the room…', receipt: 'Receipt: {receipt}',
    not_open: 'Bookings are not open here.',
    minutes: '{n} minutes', hours: '{n} hours', hours_minutes: '{h} hours {m} minutes',
    minutes_one: '1 minute', hours_one: '1 hour',
    location_why: 'Allow location: if you are on your way to the hotel when the time is up, the hold is extended.',
    location_allow: 'Allow location', location_asking: 'Asking for your location…',
    location_denied: 'Location not allowed. That is fine: your room stays held until its deadline.',
    location_unavailable: 'Location is not available on this device. Your room stays held until its deadline.',
  },
};

const LANG_KEY = 'tangkap.booking.lang';
const $ = (id) => document.getElementById(id);
let options = null;
let lang = chosenLanguage();
// What the status line says, kept as a key where the page wrote it, so a switch of
// language says it again; a server's answer stays as it came.
let said = null;

/// The visitor's own choice, else English for a browser that prefers it, else Indonesian.
function chosenLanguage() {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored === 'id' || stored === 'en') return stored;
  return (navigator.language || '').toLowerCase().startsWith('en') ? 'en' : 'id';
}

/// The text `key` in the page's language, with `{name}` filled from `values`; a count of
/// one takes the `_one` form where English has one.
function t(key, values = {}) {
  const one = values.n === 1 && TEXTS[lang][`${key}_one`];
  const text = one || TEXTS[lang][key] || TEXTS.id[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/// `Rp1.350.000`, as Indonesians write Rupiah (in either language).
function rupiah(amount) {
  return `Rp${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

function say(text, tone) {
  const status = $('status');
  status.textContent = text;
  status.className = tone || '';
}

/// Says the page's own text `key` (said again in the other language after a switch).
function sayOwn(key, tone, values) {
  said = { key, tone, values };
  say(t(key, values), tone);
}

/// Says a text that came from the server, in the language it was asked in.
function sayServer(text, tone) {
  said = null;
  say(text, tone);
}

async function call(method, path, body) {
  // The page's language also for the server's own refusals (a broken request, a failure);
  // those about a booking follow the `lang` the body carries.
  const headers = { 'Accept-Language': lang };
  if (body) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = {};
  try { data = await response.json(); } catch (_) { /* an empty or non-JSON answer */ }
  if (!response.ok) {
    const error = new Error(data.message || `HTTP ${response.status}`);
    error.code = data.error;
    throw error;
  }
  return data;
}

function via() {
  return document.querySelector('input[name="via"]:checked').value;
}

/// `2 jam`, `90 menit` → `1 jam 30 menit`, `1 hour`.
function duration(minutes) {
  const hours = Math.floor(minutes / 60);
  if (!hours) return t('minutes', { n: minutes });
  if (minutes % 60) return t('hours_minutes', { h: hours, m: minutes % 60 });
  return t('hours', { n: hours });
}

/// What the chosen stay costs, and how long its room is held: a check-in today for the
/// hold from the confirmation, a later one until `release_at` on its day.
function showStay() {
  if (!options) return;
  const web = via() === 'web';
  $('email-field').hidden = !web;
  $('email').required = web;
  $('next').textContent = t(web ? 'next_web' : 'next_telegram');
  const price = options.prices?.[$('room-type').value];
  const nights = Number($('nights').value);
  const total = $('total');
  total.hidden = !(price > 0 && Number.isInteger(nights) && nights >= 1);
  if (!total.hidden) {
    total.textContent = t('total', {
      nights: t('nights_count', { n: nights }), price: rupiah(price), total: rupiah(price * nights),
    });
  }
  const later = $('check-in').value && $('check-in').value > options.today;
  $('hold-note').textContent = later
    ? t('hold_later', { time: options.release_at })
    : t('hold_today', { hold: duration(options.hold_minutes) });
}

/// Writes the page in its language: its own texts, the room types with their prices, and
/// what the status line said.
function applyLanguage() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const code of ['id', 'en']) $(`lang-${code}`).setAttribute('aria-pressed', String(code === lang));
  if (options) {
    $('hotel').textContent = options.hotel_name;
    document.title = `${t('title')} · ${options.hotel_name}`;
    for (const option of $('room-type').options) {
      const price = options.prices?.[option.value];
      option.textContent = price > 0 ? `${option.value} — ${t('per_night', { price: rupiah(price) })}` : option.value;
    }
    showStay();
  } else {
    document.title = t('title');
  }
  if (said) say(t(said.key, said.values), said.tone);
}

function switchLanguage(code) {
  lang = code;
  localStorage.setItem(LANG_KEY, code);
  applyLanguage();
}

function fillForm() {
  const select = $('room-type');
  for (const name of options.room_types) {
    const option = document.createElement('option');
    option.value = name;
    select.append(option);
  }
  const checkIn = $('check-in');
  checkIn.min = options.today;
  checkIn.max = options.last_check_in;
  checkIn.value = options.today;
  $('nights').max = String(options.most_nights);
  if (!options.web) {
    $('via-web-choice').hidden = true;
  }
  for (const radio of document.querySelectorAll('input[name="via"]')) {
    radio.addEventListener('change', showStay);
  }
  for (const input of [select, checkIn, $('nights')]) input.addEventListener('input', showStay);
  applyLanguage();
  $('booking-form').hidden = false;
}

async function submitForm(event) {
  event.preventDefault();
  if (via() === 'telegram') {
    if (!options.telegram) {
      sayOwn('bot_not_ready', 'bad');
      return;
    }
    window.location.href = options.telegram;
    return;
  }
  const button = $('submit');
  button.disabled = true;
  sayOwn('sending');
  try {
    const answer = await call('POST', '/api/booking', {
      name: $('name').value,
      email: $('email').value,
      room_type: $('room-type').value,
      check_in: $('check-in').value,
      nights: Number($('nights').value) || 0,
      lang,
    });
    sayServer(answer.message, 'good');
    for (const field of $('booking-form').elements) field.disabled = true;
  } catch (error) {
    sayServer(error.message, 'bad');
    button.disabled = false;
  }
}

async function confirmBooking(token) {
  const button = $('confirm-button');
  button.disabled = true;
  sayOwn('holding');
  try {
    const answer = await call('POST', '/api/booking/confirm', { token, lang });
    // The link has done its work; it need not stay in the address bar or the history.
    history.replaceState(null, '', '/booking');
    $('confirm').hidden = true;
    sayOwn('receipt', 'good', { receipt: answer.receipt });
    $('result').textContent = answer.text;
    $('result').hidden = false;
    if (options.location && answer.status === 'pending') offerLocation(token, options.location);
  } catch (error) {
    sayServer(error.message, 'bad');
    button.disabled = error.code === 'link';
  }
}

// --- where the guest is, while the hold runs --------------------------------------------

/// Explains why the position is asked and asks only when the guest presses the button;
/// then sends it at once and every `every_minutes` while the page is open. A refusal of
/// the browser's permission is said calmly and ends the asking.
function offerLocation(token, { every_minutes: everyMinutes }) {
  $('location').hidden = false;
  const button = $('location-allow');
  const status = $('location-status');
  let timer = null;
  const stop = (key) => {
    clearInterval(timer);
    button.hidden = true;
    status.dataset.t = key;
    status.textContent = t(key);
  };
  const send = () => {
    navigator.geolocation.getCurrentPosition(async (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      delete status.dataset.t;
      try {
        const answer = await call('POST', '/api/booking/position', { token, latitude, longitude, accuracy, lang });
        status.textContent = answer.message;
        status.className = 'good';
      } catch (error) {
        status.textContent = error.message;
        status.className = 'bad';
      }
    }, (failure) => stop(failure.code === failure.PERMISSION_DENIED ? 'location_denied' : 'location_unavailable'),
    { enableHighAccuracy: true, maximumAge: 60_000, timeout: 30_000 });
  };
  button.addEventListener('click', () => {
    if (!navigator.geolocation) { stop('location_unavailable'); return; }
    button.hidden = true;
    status.dataset.t = 'location_asking';
    status.textContent = t('location_asking');
    send();
    timer = setInterval(send, Math.max(1, Number(everyMinutes) || 10) * 60_000);
  });
}

async function start() {
  $('lang-id').addEventListener('click', () => switchLanguage('id'));
  $('lang-en').addEventListener('click', () => switchLanguage('en'));
  applyLanguage();
  const token = new URLSearchParams(window.location.hash.slice(1)).get('confirm');
  try {
    options = await call('GET', '/api/booking');
  } catch (error) {
    $('loading').hidden = true;
    if (error.code === 'not_found') sayOwn('not_open', 'bad'); else sayServer(error.message, 'bad');
    return;
  }
  $('loading').hidden = true;
  applyLanguage();
  if (token) {
    $('confirm').hidden = false;
    $('confirm-button').addEventListener('click', () => confirmBooking(token));
    return;
  }
  fillForm();
  $('booking-form').addEventListener('submit', submitForm);
}

// A confirmation link opened while the page is already open (only the part after # changes):
// start again, as for a fresh visit.
window.addEventListener('hashchange', () => window.location.reload());

start();
