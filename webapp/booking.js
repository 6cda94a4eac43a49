// The public booking page. Guests fill in the form; "Telegram" takes them to the bot,
// "Web" mails a confirmation link to their address. Opened from that link
// (/booking#confirm=<token>), the page asks for one press to hold the room: mail scanners
// that open links do not press buttons. Every text from the server is shown as text.
'use strict';

const $ = (id) => document.getElementById(id);
let options = null;

function say(text, tone) {
  const status = $('status');
  status.textContent = text;
  status.className = tone || '';
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
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

function showVia() {
  const web = via() === 'web';
  $('email-field').hidden = !web;
  $('email').required = web;
  $('next').textContent = web
    ? 'Kami kirim tautan konfirmasi ke email Anda; kamar ditahan setelah tautan dibuka. '
      + 'We mail you a confirmation link; the room is held once you open it.'
    : 'Anda dibawa ke bot Telegram kami, yang menanyakan data booking satu per satu. '
      + 'You are taken to our Telegram bot, which asks for the booking one step at a time.';
}

function fillForm() {
  $('hotel').textContent = options.hotel_name;
  document.title = `Booking · ${options.hotel_name}`;
  const select = $('room-type');
  for (const name of options.room_types) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
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
    radio.addEventListener('change', showVia);
  }
  showVia();
  $('booking-form').hidden = false;
}

async function submitForm(event) {
  event.preventDefault();
  if (via() === 'telegram') {
    if (!options.telegram) {
      say('Bot belum siap; coba lagi sebentar. The bot is not ready yet; try again shortly.', 'bad');
      return;
    }
    window.location.href = options.telegram;
    return;
  }
  const button = $('submit');
  button.disabled = true;
  say('Mengirim… Sending…');
  try {
    const answer = await call('POST', '/api/booking', {
      name: $('name').value,
      email: $('email').value,
      room_type: $('room-type').value,
      check_in: $('check-in').value,
      nights: Number($('nights').value) || 0,
    });
    say(answer.message, 'good');
    for (const field of $('booking-form').elements) field.disabled = true;
  } catch (error) {
    say(error.message, 'bad');
    button.disabled = false;
  }
}

async function confirmBooking(token) {
  const button = $('confirm-button');
  button.disabled = true;
  say('Menahan kamar… Holding the room…');
  try {
    const answer = await call('POST', '/api/booking/confirm', { token });
    // The link has done its work; it need not stay in the address bar or the history.
    history.replaceState(null, '', '/booking');
    $('confirm').hidden = true;
    say(`No. resi / Receipt: ${answer.receipt}`, 'good');
    $('result').textContent = answer.text;
    $('result').hidden = false;
  } catch (error) {
    say(error.message, 'bad');
    button.disabled = error.code === 'link';
  }
}

async function start() {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('confirm');
  try {
    options = await call('GET', '/api/booking');
  } catch (error) {
    $('loading').hidden = true;
    say(error.code === 'not_found'
      ? 'Booking belum dibuka di sini. Bookings are not open here.'
      : error.message, 'bad');
    return;
  }
  $('loading').hidden = true;
  $('hotel').textContent = options.hotel_name;
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
