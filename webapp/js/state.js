// What the Mini App holds while it is open: the session, the page shown, each page's
// filters, and the data as the server gave it; one object, shared by every page.

export const SESSION_KEY = 'tangkap.session';

export const state = {
  lang: localStorage.getItem('tangkap.lang') === 'en' ? 'en' : 'id',
  // Kept across visits: reopening the app inside Telegram needs no password while the
  // session lives. The server ties a session opened in Telegram to that Telegram account.
  token: localStorage.getItem(SESSION_KEY),
  config: { bot_username: null, browser_login: true, utc_offset_minutes: 420 },
  user: null,
  // Inside Telegram: where this Telegram account stands ({state, name}), asked before
  // the password; null when it could not be asked.
  standing: null,
  standingError: '',
  view: 'board',
  status: 'order',
  // The search of the page shown, asked of every status ("Cari di semua status").
  everywhere: false,
  // Each page's own search, group, Transaksi, days, sort and late switch (see `freshFilters`).
  filters: { order: freshFilters('order'), pickup: freshFilters('pickup'), close: freshFilters('close') },
  groups: [],
  orders: [],
  // The list as last asked again, and the tickets new to it held behind "N baru".
  fresh: [],
  held: [],
  hasMore: false,
  version: null,
  counts: { order: 0, pickup: 0, close: 0 },
  pollTimer: null,
  loadedAt: 0,
  // The cards' clocks, ticked by one timer (see `tick`).
  clocks: [],
  tickTimer: null,
  // The server's clock minus this device's, when they differ by more than a little.
  skew: 0,
  team: null,
  teamMessage: null,
  // The Tim page's time targets: the group shown and its settings as the server gave them.
  slaGroup: '',
  slaTimes: null,
  // The Booking page (FO and admins): whether this account may open it, the status shown,
  // the search, and the list and counts as the server gave them.
  worksBookings: false,
  bookingStatus: 'pending',
  bookingQuery: '',
  bookings: [],
  bookingCounts: { pending: 0, paid: 0, cancelled: 0 },
  // The front desk's day and the free-room grid, as the server gave them.
  desk: null,
  grid: null,
  // The ticket view: the ticket shown (its number, and as the server gave it) and where
  // the list was scrolled when it was opened.
  ticketNo: null,
  ticket: null,
  ticketReturnScroll: 0,
  // The Laporan page: the group shown ('' for all) and the report as the server gave it.
  reportGroup: '',
  report: null,
  // The Toko page: the shop as the server gave it, each section's and product's last word
  // (`shop.js`'s `showNote`), and the stock shown masked, by product code.
  shop: null,
  shopNotes: {},
  shopMasked: {},
};

export const $ = (id) => document.getElementById(id);

/// A page's filters as it opens: no search or filter; Order and Pickup most urgent first
/// (the stage's due time), Close newest first.
export function freshFilters(status) {
  return {
    query: '', group: '', transaksi: '', from: '', to: '',
    sort: status === 'close' ? 'newest' : 'urgent', lateOnly: false,
  };
}

/// The filters of the page shown.
export function pageFilters() {
  return state.filters[state.status];
}
