// The demo page: a Telegram client played on top of Tangkap's fake Telegram. Chats are
// read from /demo/api/chats; what you type is posted as the person chosen under
// "Anda sebagai", and the bot's callback buttons (Setujui, Tolak, a ticket's Ambil) are
// pressed as them; the
// Mini App opens in the phone frame with initData signed for that person. The hotel's
// public booking page opens in the same frame, and the mail it sends lands in the page's
// inbox (/demo/api/mailbox) instead of going anywhere.
'use strict';

const $ = (selector) => document.querySelector(selector);
const world = { people: [], bot_username: '', group: {}, groups: [], logins: [] };
let lastChats = '';
let lastMailbox = '';
let mailsSeen = null;
let currentGroup = null;
/// The forum topic shown of the current group (its thread id); null: General.
let currentTopic = null;

/// Renders Telegram HTML from the bot with only Telegram's own tags; everything else
/// (and everything users typed) becomes text. DOMParser never runs scripts.
function renderHtml(html, into) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const copy = (node, parent) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        parent.append(child.textContent);
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.tagName.toLowerCase();
        let element;
        if (['b', 'strong', 'i', 'em', 'u', 's', 'code', 'pre'].includes(tag)) {
          element = document.createElement(tag);
        } else if (tag === 'tg-spoiler') {
          element = document.createElement('span');
          element.className = 'spoiler';
          element.title = 'Klik untuk melihat';
          element.addEventListener('click', () => element.classList.toggle('shown'));
        } else {
          element = document.createElement('span');
        }
        copy(child, element);
        parent.append(element);
      }
    }
  };
  copy(parsed.body, into);
}

function me() {
  return world.people.find((p) => String(p.id) === $('#as').value);
}

function renderChat(list, messages, chat) {
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 30;
  const byId = new Map(messages.map((m) => [m.message_id, m]));
  list.replaceChildren(...messages.map((message) => {
    const item = document.createElement('li');
    item.className = 'message';
    item.dataset.id = message.message_id;
    if (message.from_id === me()?.id) item.classList.add('mine');
    if (message.from_bot) item.classList.add('bot');
    const from = document.createElement('div');
    from.className = 'from';
    from.textContent = message.from_bot ? `${message.from_name} (bot)` : message.from_name;
    item.append(from);
    const replied = byId.get(message.reply_to);
    if (replied) {
      const quote = document.createElement('div');
      quote.className = 'quote';
      quote.textContent = `${replied.from_name}: ${replied.text}`;
      item.append(quote);
    }
    const body = document.createElement('div');
    body.className = 'text';
    if (message.deleted) {
      item.classList.add('deleted');
      body.textContent = 'Pesan ini dihapus oleh bot.';
    } else if (message.html) {
      renderHtml(message.html, body);
    } else {
      body.textContent = message.text || (message.from_bot ? '' : '(stiker atau media)');
    }
    item.append(body);
    if (message.photo && !message.deleted) item.append(photoOf(message));
    const callbacks = message.callbacks || [];
    if ((message.buttons.length || callbacks.length) && !message.deleted) {
      const row = document.createElement('div');
      row.className = 'buttons';
      for (const [text, url] of message.buttons) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = text;
        button.addEventListener('click', () => followLink(url));
        row.append(button);
      }
      for (const [text, data] of callbacks) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'callback';
        button.textContent = text;
        button.dataset.callback = data;
        button.addEventListener('click', () => press(chat, message.message_id, data, button));
        row.append(button);
      }
      // An open invoice of the shop: the buyer's bank app, played by the fake Pakasir.
      const orderId = message.text.match(/INV-\d{8}-[A-Z0-9]{6}/)?.[0];
      if (orderId && callbacks.some(([, data]) => data.startsWith('shop:c:'))) {
        const pay = document.createElement('button');
        pay.type = 'button';
        pay.className = 'pay';
        pay.textContent = '💳 Bayar (simulasi)';
        pay.addEventListener('click', () => simulatePayment(orderId, pay));
        row.append(pay);
      }
      item.append(row);
    }
    return item;
  }));
  if (atBottom) list.scrollTop = list.scrollHeight;
  list.dataset.chat = chat;
}

/// The reply keyboard of the bot's last message in the private chat (the /booking
/// questions offer dates, nights and room types): a tap sends the answer as a message,
/// as in Telegram.
function renderReplyKeyboard(messages) {
  const keyboard = $('#private-chat .reply-keyboard');
  const last = messages[messages.length - 1];
  const answers = last?.from_bot && !last.deleted ? last.answers || [] : [];
  keyboard.replaceChildren(...answers.map((answer) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = answer;
    // A button that asks for the location shares one, as a phone would.
    button.addEventListener('click', () => (last.asks_location ? shareLocation() : post('private', answer)));
    return button;
  }));
  keyboard.hidden = answers.length === 0;
}

/// Buttons lead to the Mini App (our own address) or to a t.me link of the bot.
function followLink(url) {
  if (url.startsWith(window.location.origin)) {
    openMiniApp();
    return;
  }
  const start = new URL(url).searchParams.get('start');
  if (url.startsWith(`https://t.me/${world.bot_username}`)) {
    $('#private-chat input').focus();
    post('private', start ? `/start ${start}` : '/start');
  }
}

/// A photo the bot sent (the shop's QRIS), drawn once per message.
const photoUrls = new Map();
function photoOf(message) {
  if (!photoUrls.has(message.message_id)) {
    const blob = new Blob([new Uint8Array(message.photo)], { type: 'image/png' });
    photoUrls.set(message.message_id, URL.createObjectURL(blob));
  }
  const image = document.createElement('img');
  image.className = 'photo';
  image.alt = 'QRIS';
  image.src = photoUrls.get(message.message_id);
  return image;
}

/// Pays an invoice as the buyer's bank app would: the fake Pakasir completes the
/// transaction and posts its webhook to Tangkap, which asks the gateway before it counts.
async function simulatePayment(orderId, button) {
  button.disabled = true;
  const response = await fetch('/demo/api/pay', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ order_id: orderId }),
  });
  toast(response.ok ? `Pembayaran ${orderId} dikirim (simulasi QRIS).` : 'Invoice ini sudah tidak bisa dibayar.');
  refresh();
}

async function post(chat, text) {
  const person = me();
  if (!person || !text.trim()) return;
  await fetch('/demo/api/send', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      chat, as: person.id, text, group: currentGroup,
      thread: chat === 'group' ? currentTopic ?? undefined : undefined,
    }),
  });
  refresh();
}

/// Shares the chosen person's location with the bot, a few kilometres from the hotel.
async function shareLocation() {
  const person = me();
  if (!person) return;
  await fetch('/demo/api/location', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ as: person.id }),
  });
  refresh();
}

function toast(text, alert = false) {
  const box = $('#toast');
  box.textContent = text;
  box.classList.toggle('alert', alert);
  box.setAttribute('role', alert ? 'alert' : 'status');
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

/// Presses a callback button as the chosen person, in their private chat or the group
/// shown; Telegram shows the bot's answer as a notification at the top (an alert for a
/// refusal), and so does this page.
async function press(chat, messageId, data, button) {
  const person = me();
  if (!person) return;
  button.disabled = true;
  const response = await fetch('/demo/api/press', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      as: person.id, chat, group: currentGroup, message_id: messageId, data,
    }),
  });
  if (!response.ok) {
    toast('Tombol ini sudah tidak berlaku.');
    lastChats = '';
    refresh();
    return;
  }
  const { query_id: query } = await response.json();
  for (let tries = 0; tries < 40; tries += 1) {
    const answer = await (await fetch(`/demo/api/answer?query=${encodeURIComponent(query)}`)).json();
    if (answer.answered) {
      if (answer.text) toast(answer.text, answer.show_alert);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  refresh();
}

function topicsOf(groupId) {
  return world.groups.find((g) => g.id === groupId)?.topics ?? [];
}

/// A forum's messages in the topic shown (General: those in no topic), without the
/// messages that opened the topics; a group without topics as it is.
function inTopic(messages) {
  if (!topicsOf(currentGroup).length) return messages;
  return messages.filter((m) => (m.thread ?? null) === currentTopic && m.message_id !== m.thread);
}

/// The current group's topics as tabs (General first); hidden for a group without them.
function renderTopics() {
  const bar = $('#group-chat .topics');
  const topics = topicsOf(currentGroup);
  bar.hidden = topics.length === 0;
  bar.replaceChildren(...[{ thread: null, name: 'General' }, ...topics].map((topic) => {
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-selected', String(topic.thread === currentTopic));
    tab.textContent = topic.thread === null ? topic.name : `# ${topic.name}`;
    tab.addEventListener('click', () => {
      currentTopic = topic.thread;
      renderTopics();
      lastChats = '';
      refresh();
    });
    return tab;
  }));
}

async function refresh() {
  const person = me();
  if (!person) return;
  try {
    const response = await fetch(`/demo/api/chats?as=${person.id}&group=${currentGroup}`);
    const text = await response.text();
    if (text === lastChats) return;
    lastChats = text;
    const chats = JSON.parse(text);
    renderChat($('#group-chat .messages'), inTopic(chats.group), 'group');
    renderChat($('#private-chat .messages'), chats.private, 'private');
    renderReplyKeyboard(chats.private);
  } catch (_) {
    // The demo server stopped; the next poll tries again.
  }
}

/// Mail text with the links to this demo (a booking's confirmation link) clickable: they
/// open in the phone frame, as the guest's phone would open them.
function renderMailText(text, into) {
  for (const part of text.split(/(https?:\/\/\S+)/)) {
    if (part.startsWith(`${window.location.origin}/`)) {
      const link = document.createElement('a');
      link.href = part;
      link.textContent = part;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        openInPhone(part);
      });
      into.append(link);
    } else {
      into.append(part);
    }
  }
}

async function refreshMailbox() {
  try {
    const text = await (await fetch('/demo/api/mailbox')).text();
    if (text === lastMailbox) return;
    lastMailbox = text;
    const { mails } = JSON.parse(text);
    const list = $('#mailbox .mails');
    // Newest first, as a mail client lists them.
    list.replaceChildren(...mails.slice().reverse().map((mail) => {
      const item = document.createElement('li');
      item.className = 'mail';
      const head = document.createElement('div');
      head.className = 'mail-head hint';
      const at = new Date(mail.at).toLocaleTimeString('id-ID', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      head.textContent = `Untuk / To: ${mail.to} · Dari / From: ${mail.from} · ${at}`;
      const subject = document.createElement('div');
      subject.className = 'mail-subject';
      subject.textContent = mail.subject;
      const body = document.createElement('div');
      body.className = 'mail-text';
      renderMailText(mail.text, body);
      item.append(head, subject, body);
      return item;
    }));
    $('#mail-count').textContent = String(mails.length);
    $('#mailbox-empty').hidden = mails.length > 0;
    if (mailsSeen !== null && mails.length > mailsSeen) {
      toast(`✉ Email baru untuk ${mails[mails.length - 1].to} / New mail: lihat Kotak masuk`);
    }
    mailsSeen = mails.length;
  } catch (_) {
    // The demo server stopped; the next poll tries again.
  }
}

/// "Login demo: demo / tangkap-demo (Budi Santoso, owner) · siti (staf Tim Operasional) · …"
function loginsText() {
  const [owner, ...staff] = world.logins;
  if (!owner) return `Login demo: ${world.staff_login.username} / ${world.staff_login.password}`;
  const role = (login) => (login.role === 'owner' ? 'owner' : login.role === 'admin' ? 'admin' : 'staf');
  const parts = [`${owner.username} / ${owner.password} (${owner.name}, ${role(owner)})`];
  for (const login of staff) {
    parts.push(`${login.username} (${[role(login), login.groups.join(', ')].filter(Boolean).join(' ')})`);
  }
  return `Login demo: ${parts.join(' · ')}`;
}

/// Opens `url` in the phone frame; `shows` says what: the Mini App (opened again as whoever
/// the visitor acts as) or a web page (which stays).
function openInPhone(url, shows = 'page') {
  const frame = $('#mini-app');
  frame.src = url;
  frame.dataset.shows = shows;
  frame.hidden = false;
  $('#phone-hint').hidden = true;
}

function openMiniApp() {
  const theme = $('#dark').checked ? 'dark' : 'light';
  openInPhone(`/demo/mini-app?as=${me().id}&theme=${theme}`, 'mini-app');
}

/// "±1 menit" / "about a minute", or in seconds when the demo was started with a shorter
/// --short-hold.
function showShortHold() {
  const seconds = world.short_hold_seconds;
  if (!seconds) return;
  const [id, en] = seconds % 60 === 0
    ? [`±${seconds / 60} menit`, seconds === 60 ? 'about a minute' : `about ${seconds / 60} minutes`]
    : [`±${seconds} detik`, `about ${seconds} seconds`];
  const [idSpan, enSpan] = document.querySelectorAll('#hotel-guide .short-hold');
  idSpan.textContent = id;
  enSpan.textContent = en;
}

async function start() {
  Object.assign(world, await (await fetch('/demo/api/world')).json());
  currentGroup = world.group.id;
  $('#group-title').textContent = world.group.title;
  if (world.groups.length > 1) {
    for (const group of world.groups) {
      const option = document.createElement('option');
      option.value = group.id;
      option.textContent = group.title;
      $('#group-select').append(option);
    }
    $('#group-select').value = String(currentGroup);
    $('#group-select').hidden = false;
    $('#group-title').hidden = true;
    $('#group-select').addEventListener('change', () => {
      currentGroup = Number($('#group-select').value);
      currentTopic = null;
      renderTopics();
      $('#group-title').textContent = world.groups.find((g) => g.id === currentGroup)?.title ?? '';
      lastChats = '';
      refresh();
    });
  }
  $('#private-title').textContent = `Chat pribadi dengan @${world.bot_username}`;
  $('#staff-login').textContent = loginsText();
  for (const person of world.people) {
    const option = document.createElement('option');
    option.value = person.id;
    option.textContent = person.first_name;
    $('#as').append(option);
  }
  $('#as').value = String(world.people[1]?.id ?? world.people[0].id);
  $('#as').addEventListener('change', () => {
    lastChats = '';
    refresh();
    if ($('#mini-app').dataset.shows === 'mini-app') openMiniApp();
  });
  for (const [pane, chat] of [['#group-chat', 'group'], ['#private-chat', 'private']]) {
    const form = $(`${pane} form`);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      post(chat, form.text.value);
      form.text.value = '';
    });
    for (const quick of document.querySelectorAll(`${pane} .quick button`)) {
      quick.addEventListener('click', () => post(chat, quick.dataset.text));
    }
  }
  $('#open-mini-app').addEventListener('click', openMiniApp);
  $('#open-booking').addEventListener('click', () => openInPhone('/booking'));
  showShortHold();
  $('#dark').addEventListener('change', () => { if ($('#mini-app').dataset.shows === 'mini-app') openMiniApp(); });
  // The Mini App's "open the bot" button lands in the private chat.
  window.addEventListener('message', (event) => {
    if (event.origin === window.location.origin && event.data?.tangkap === 'open-link') followLink(event.data.url);
  });
  refresh();
  refreshMailbox();
  setInterval(() => { refresh(); refreshMailbox(); }, 700);
}

start();
