// Tangkap Mini App: login, then the Order / Pickup / Close pages.
// Every string from the server is put into the page with textContent, never as HTML.
'use strict';

const tgApp = window.Telegram && window.Telegram.WebApp;
// Inside Telegram only when the client handed us signed launch data.
const tg = tgApp && tgApp.initData ? tgApp : null;

const TEXTS = {
  id: {
    logout: 'Keluar', login_title: 'Masuk', login_name: 'Username atau ID Telegram',
    password: 'Password', login_button: 'Masuk', open_bot: 'Buka bot untuk /daftar',
    tab_order: 'Order', tab_pickup: 'Pickup', tab_close: 'Close',
    search: 'Cari tiket, Order_ID, keterangan, nama', more: 'Muat lebih banyak', cancel: 'Batal',
    yes_close: 'Ya, close', pickup: 'Pickup', close: 'Close',
    all_groups: 'Semua grup', group_filter: 'Grup',
    intro_telegram: 'Masuk sebagai {name} (Telegram). Masukkan password Anda.',
    intro_browser: 'Masuk dengan username atau ID Telegram dan password.',
    browser_off: 'Login lewat browser dimatikan. Buka aplikasi ini dari bot di Telegram.',
    missing_fields: 'Isi login dan password.', missing_password: 'Isi password.',
    title_unregistered: 'Belum terdaftar', title_pending: 'Menunggu persetujuan',
    title_disabled: 'Akun nonaktif', title_rejected: 'Pendaftaran ditolak',
    standing_unregistered: 'Akun Telegram Anda belum terdaftar di Tangkap. Buka bot dan kirim /daftar untuk mendaftar, lalu buka aplikasi ini lagi.',
    standing_pending: 'Pendaftaran Anda sudah diterima dan sedang menunggu persetujuan admin. Bot akan memberi kabar di chat pribadi begitu akun Anda disetujui.',
    standing_disabled: 'Akun Anda dinonaktifkan, jadi Anda tidak bisa masuk. Hubungi admin tim Anda bila ini keliru.',
    standing_rejected: 'Pendaftaran Anda ditolak, jadi Anda tidak bisa masuk. Hubungi admin tim Anda bila ini keliru.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaksi', f_keterangan: 'Keterangan',
    f_ticket: 'No_Tiket', f_requester: 'Diminta oleh', f_picked: 'Di-pickup oleh', f_closed: 'Di-close oleh',
    empty_order: 'Belum ada order baru.', empty_pickup: 'Tidak ada order yang sedang di-pickup.',
    empty_close: 'Belum ada order yang di-close.', empty_search: 'Tidak ada yang cocok dengan "{q}".',
    confirm_close: 'Close tiket {ticket} ({order_id})? Grup akan diberi tahu bahwa permintaan ini sudah selesai.',
    picked_ok: 'Tiket {ticket} di-pickup.', closed_ok: 'Tiket {ticket} di-close.',
    undo: 'Batalkan', held_new: '{n} baru ↑', undone_ok: 'Pickup tiket {ticket} dibatalkan. Tiket kembali ke Order.',
    team_tab: 'Tim', team_title: 'Tim', back_to_board: '‹ Order',
    team_intro: 'Akun staf: setujui pendaftaran, nonaktifkan atau aktifkan akun, dan atur peran.',
    team_gone: 'Halaman Tim hanya untuk owner dan admin.',
    audit_title: 'Riwayat perubahan', audit_empty: 'Belum ada perubahan.', no_accounts: 'Belum ada akun.',
    role_owner: 'Owner', role_admin: 'Admin', role_staff: 'Staf',
    state_pending: 'Menunggu', state_active: 'Aktif', state_disabled: 'Nonaktif', state_rejected: 'Ditolak',
    a_telegram: 'Telegram', a_groups: 'Grup', a_last_login: 'Login terakhir', a_created: 'Terdaftar',
    a_role: 'Peran', never: 'Belum pernah', no_groups: '—',
    act_approve: 'Setujui', act_reject: 'Tolak', act_disable: 'Nonaktifkan', act_enable: 'Aktifkan',
    did_approve: 'menyetujui', did_reject: 'menolak', did_disable: 'menonaktifkan', did_enable: 'mengaktifkan',
    did_role: 'mengubah peran',
    confirm_reject: 'Tolak pendaftaran {name}? Ia tidak akan bisa masuk.',
    confirm_disable: 'Nonaktifkan akun {name}? Sesinya berakhir dan ia tidak bisa masuk sampai diaktifkan lagi.',
    yes_reject: 'Ya, tolak', yes_disable: 'Ya, nonaktifkan',
    done_approve: '{name} disetujui.', done_reject: '{name} ditolak.', done_disable: '{name} dinonaktifkan.',
    done_enable: '{name} diaktifkan.', done_role: 'Peran {name} sekarang {role}.',
    network: 'Tidak bisa terhubung ke server. Periksa koneksi Anda lalu coba lagi.',
    not_logged_in: 'Silakan masuk terlebih dahulu.',
    session_expired: 'Sesi Anda sudah berakhir. Silakan masuk lagi.',
    telegram_mismatch: 'Sesi ini milik akun Telegram lain. Silakan masuk lagi.',
    init_data_invalid: 'Data dari Telegram tidak valid. Buka aplikasi ini dari bot.',
    init_data_expired: 'Data dari Telegram sudah kedaluwarsa. Tutup dan buka lagi aplikasi ini.',
    not_registered: 'Akun Telegram Anda belum terdaftar. Kirim /daftar ke bot untuk mendaftar.',
    pending: 'Akun Anda masih menunggu persetujuan admin.',
    disabled: 'Akun Anda dinonaktifkan. Hubungi admin tim Anda.',
    rejected: 'Pendaftaran Anda ditolak. Hubungi admin tim Anda.',
    wrong_credentials: 'Login atau password salah.',
    internal: 'Terjadi kesalahan di server. Coba lagi sebentar lagi.',
    h_clock: 'Waktu', sort_label: 'Urutan', sort_urgent: 'Paling mendesak', sort_newest: 'Terbaru',
    late_only: 'Hanya yang terlambat', empty_late: 'Tidak ada tiket yang terlambat.',
    // Filters, search and export: each page keeps its own, shown as chips.
    sort_oldest: 'Terlama', filters_more: 'Filter & ekspor', filter_transaksi: 'Transaksi',
    filter_from: 'Dari tanggal', filter_to: 'Sampai tanggal', filter_apply: 'Terapkan',
    filter_bad_range: 'Tanggal "dari" jatuh setelah tanggal "sampai".',
    chip_search: 'Cari: {v}', chip_group: 'Grup: {v}', chip_transaksi: 'Transaksi: {v}',
    chip_days: 'Tanggal: {v}', chip_sort: 'Urutan: {v}', chip_remove: 'Hapus filter {v}',
    export_label: 'Ekspor', export_busy: 'Menyiapkan {format}…',
    export_range: 'Tanpa tanggal, ekspor memuat 30 hari terakhir.',
    span_under_minute: '<1 mnt', span_minutes: '{m} mnt', span_hours: '{h} jam', span_hours_minutes: '{h} jam {m} mnt',
    span_days: '{d} hari', span_days_hours: '{d} hari {h} jam',
    age: 'Umur {span}', sla_left: 'Sisa {span}', sla_late: 'Terlambat {span}',
    due_pickup: 'Batas Pickup {time}', due_close: 'Batas Close {time}',
    sla_title: 'Target waktu',
    sla_intro: 'Berapa lama tiket boleh menunggu Pickup dan Close. Waktunya dihitung hanya pada jam kerja grup.',
    sla_group: 'Grup', sla_pickup: 'Target Pickup', sla_close: 'Target Close',
    sla_default: 'bawaan: {value}', sla_none: 'tanpa target',
    sla_targets_hint: 'Kosongkan untuk memakai bawaan, isi 0 untuk tanpa target. Tulis seperti 30 menit, 4 jam, 1 jam 30 menit (atau 30m, 4h).',
    sla_warn_hint: 'Pengingat dikirim {warn} sebelum batas.',
    sla_zone: 'Zona waktu', sla_hours: 'Jam kerja', sla_from: 'dari', sla_to: 'sampai',
    sla_hours_hint: 'Tidak ada hari yang dicentang: buka 24 jam setiap hari. Sampai 00:00 berarti sampai tengah malam.',
    sla_save: 'Simpan', sla_saved: 'Tersimpan untuk {group}. {n} tiket terbuka dihitung ulang waktunya.',
    sla_saved_one: 'Tersimpan untuk {group}. 1 tiket terbuka dihitung ulang waktunya.',
    sla_no_groups: 'Belum ada grup. Sebuah grup muncul di sini setelah bot menerima pesan di sana.',
    sla_always_open: 'buka 24 jam', sla_default_short: 'bawaan',
    day_mon: 'Senin', day_tue: 'Selasa', day_wed: 'Rabu', day_thu: 'Kamis', day_fri: 'Jumat', day_sat: 'Sabtu', day_sun: 'Minggu',
    dy_mon: 'Sen', dy_tue: 'Sel', dy_wed: 'Rab', dy_thu: 'Kam', dy_fri: 'Jum', dy_sat: 'Sab', dy_sun: 'Min',
    did_group_settings: 'mengubah target waktu',
    did_room_type_rooms: 'mengubah jumlah kamar', did_room_type_added: 'menambah tipe kamar',
    did_room_type_price: 'mengubah harga kamar',
    booking_tab: 'Booking', booking_title: 'Booking', bk_pending: 'Pending', bk_paid: 'Lunas',
    bk_cancelled: 'Batal', bk_search: 'Cari no resi atau nama tamu',
    bk_guest: 'Tamu', bk_room: 'Kamar', bk_stay: 'Menginap', bk_via: 'Lewat', bk_hold: 'Batas waktu',
    bk_decided: 'Diputuskan oleh', bk_nights: '{n} malam', bk_paid_button: 'Lunas', bk_cancel_button: 'Batal',
    bk_confirm_paid: 'Tandai {receipt} ({guest}) lunas? Tamu akan diberi tahu booking-nya dikonfirmasi.',
    bk_confirm_cancel: 'Batalkan {receipt} ({guest})? Kamarnya kembali tersedia dan tamu diberi tahu.',
    bk_yes_paid: 'Ya, lunas', bk_yes_cancel: 'Ya, batalkan',
    bk_revert_button: 'Kembalikan ke pending', bk_yes_revert: 'Ya, kembalikan',
    bk_confirm_revert: 'Kembalikan {receipt} ({guest}) ke PENDING? Untuk Lunas yang salah tandai; tamu tidak diberi tahu.',
    bk_reverted_ok: '{receipt} kembali PENDING.',
    bk_paid_ok: '{receipt} lunas.', bk_cancelled_ok: '{receipt} dibatalkan.',
    bk_empty_pending: 'Tidak ada booking yang menunggu pembayaran.', bk_empty_paid: 'Belum ada booking yang lunas.',
    bk_empty_cancelled: 'Tidak ada booking yang dibatalkan.', bk_empty_search: 'Tidak ada booking yang cocok dengan "{q}".',
    bk_left: 'sisa {time}', bk_expired: 'waktu habis', bk_erased: '(dihapus)',
    bookings_gone: 'Halaman Booking hanya untuk FO dan admin.',
    bk_price: 'Harga', bk_contact: 'Kontak', bk_contact_telegram: 'Chat di Telegram',
    bk_room_no_short: 'kamar {room}', bk_checked_in: 'Check-in', bk_checked_out: 'Check-out',
    bk_state_pending: 'Belum lunas', bk_state_paid: 'Lunas', bk_state_in_house: 'Menginap',
    bk_state_due_out: 'Pulang hari ini', bk_state_out: 'Sudah check-out',
    bk_check_in: 'Check-in', bk_check_out: 'Check-out',
    bk_confirm_check_in: 'Check-in {receipt} ({guest})?', bk_room_no: 'Nomor kamar (boleh kosong)',
    bk_yes_check_in: 'Ya, check-in', bk_checked_in_ok: '{receipt} ({guest}) check-in.',
    bk_checked_in_room: '{receipt} ({guest}) check-in di kamar {room}.',
    bk_confirm_check_out: 'Check-out {receipt} ({guest})? Malam yang tersisa kembali tersedia.',
    bk_yes_check_out: 'Ya, check-out', bk_checked_out_ok: '{receipt} ({guest}) check-out.',
    desk_title: 'Hari ini', desk_arrivals: 'Tiba', desk_in_house: 'Menginap', desk_departures: 'Pulang',
    desk_empty_arrivals: 'Tidak ada tamu yang tiba hari ini.', desk_empty_in_house: 'Tidak ada tamu lain yang menginap.',
    desk_empty_departures: 'Tidak ada tamu yang pulang hari ini.',
    grid_title: 'Kamar kosong, {n} malam', grid_hint: 'Angka: kamar kosong per malam. Merah: penuh.',
    grid_type: 'Tipe', grid_cell: '{type}, {day}: {free} dari {rooms} kamar kosong', grid_cell_full: '{type}, {day}: penuh',
    rt_title: 'Tipe kamar', rt_intro: 'Jumlah kamar dan harga per malam tiap tipe. 0 kamar menutup tipe itu untuk booking baru; harga baru berlaku untuk booking berikutnya.',
    rt_new_name: 'Tipe baru', rt_rooms: 'Kamar', rt_price: 'Harga/malam (Rp)', rt_add: 'Tambah', rt_save: 'Simpan',
    rt_saved: '{name}: {rooms} kamar, {price}/malam.', rt_added: '{name} ditambahkan.',
    bs_title: 'Pengaturan booking',
    bs_intro: 'Berlaku untuk booking berikutnya; booking yang sudah ditahan tetap dengan batas waktunya.',
    bs_hotel_name: 'Nama hotel', bs_hold: 'Waktu tahan', bs_warn_before: 'Peringatan sebelum habis',
    bs_durations_hint: 'Tulis seperti 2 jam, 90 menit atau 1 jam 30 menit; peringatan 0: tanpa peringatan.',
    bs_staff_chat: 'Chat FO', bs_staff_chat_none: 'Tanpa chat FO (owner dan admin diberi tahu pribadi)',
    bs_staff_chat_unknown: 'Grup {id} (tidak dikenal bot)',
    bs_book_ahead_days: 'Booking paling jauh (hari)', bs_payment_text: 'Teks pembayaran',
    bs_save: 'Simpan pengaturan', bs_saved: 'Pengaturan booking tersimpan.',
    did_booking_setting: 'mengubah pengaturan booking',
    // The ticket view: one ticket, its timeline, notes and reopen.
    tk_back: '‹ Kembali', tk_title: 'Tiket {ticket}', tk_group: 'Grup', tk_timeline: 'Riwayat',
    tk_ev_created: 'Permintaan dari {by}', tk_ev_picked_up: 'Di-pickup oleh {by}',
    tk_ev_closed: 'Di-close oleh {by}', tk_ev_reopened: 'Dibuka kembali oleh {by}',
    tk_ev_pickup_undone: 'Pickup dibatalkan oleh {by}',
    tk_photo_loading: 'Memuat foto…', tk_photo_alt: 'Foto permintaan tiket {ticket}',
    tk_photo_failed: 'Foto tidak bisa dimuat. Coba buka tiket ini lagi.',
    tk_photo_gone: 'Foto ini sudah tidak tersedia di Telegram.',
    tk_photo_too_large: 'Foto terlalu besar untuk ditampilkan.',
    tk_photo_unsupported: 'Berkas ini bukan gambar yang bisa ditampilkan.',
    tk_telegram_busy: 'Telegram sedang sibuk. Coba buka tiket ini lagi sebentar lagi.',
    tk_ev_note: 'Catatan dari {by}', tk_ev_message: 'Pesan ke {to}: {message}',
    tk_ev_reminder: 'Pengingat ke {to}: {message}', tk_to_group: 'grup',
    tk_msg_feedback_1: 'Feedback 1 (tiket diterima)', tk_msg_feedback_2: 'Feedback 2 (di-pickup)',
    tk_msg_feedback_3: 'Feedback 3 (selesai)', tk_msg_reopened: 'tiket dibuka kembali',
    tk_msg_linked: 'permintaan lain dengan Order_ID yang sama diarahkan ke tiket ini',
    tk_msg_pickup_warning: 'Pickup hampir lewat batas', tk_msg_pickup_breach: 'Pickup lewat batas',
    tk_msg_close_warning: 'Close hampir lewat batas', tk_msg_close_breach: 'Close lewat batas',
    tk_delivery_queued: 'Dalam antrean', tk_delivery_sent: 'Terkirim', tk_delivery_failed: 'Gagal',
    tk_sent_at: 'Terkirim {time}', tk_reason: 'Alasan: {reason}',
    tk_failed_reason: 'Alasan: {error}', tk_retrying: 'Dicoba lagi setelah: {error}',
    tk_notes: 'Catatan internal', tk_notes_hint: 'Hanya untuk tim; tidak pernah dikirim ke grup.',
    tk_no_notes: 'Belum ada catatan.', tk_note_placeholder: 'Tulis catatan untuk tim…',
    tk_note_add: 'Tambah catatan', tk_note_added: 'Catatan disimpan.', tk_note_empty: 'Tulis catatannya dulu.',
    tk_reopen: 'Buka kembali',
    tk_reopen_intro: 'Tiket kembali ke Order dan grup diberi tahu, sebagai balasan ke permintaannya.',
    tk_reopen_reason: 'Alasan', tk_reopen_yes: 'Ya, buka kembali', tk_reopen_need_reason: 'Tulis alasannya.',
    tk_reopened_ok: 'Tiket {ticket} dibuka kembali.', tk_gone: 'Tiket ini tidak ditemukan.',
    // Laporan
    report_tab: 'Laporan', report_title: 'Laporan', report_group: 'Grup',
    report_days: 'Tiket per hari ({n} hari terakhir, {zone})', report_chart_label: 'Grafik tiket baru per hari',
    report_new_on: '{day}: {n} tiket baru', report_met: 'Tepat waktu',
    report_met_pickup: 'Pickup sesuai target', report_met_close: 'Close sesuai target',
    report_met_value: '{share}% ({met} dari {total})', report_met_none: 'belum ada tiket bertarget',
    report_staff: 'Waktu per staf', report_groups: 'Waktu per grup', report_backlog: 'Tiket terbuka menurut umur',
    report_name: 'Nama', report_group_col: 'Grup', report_pickup_median: 'Pickup median', report_pickup_p90: 'Pickup p90',
    report_close_median: 'Close median', report_close_p90: 'Close p90', report_count: 'Jumlah',
    report_age: 'Umur', report_waiting_pickup: 'Menunggu Pickup', report_waiting_close: 'Menunggu Close',
    age_lt_1h: '< 1 jam', age_1h_4h: '1–4 jam', age_4h_24h: '4–24 jam', age_gt_1d: '> 1 hari',
    report_no_times: 'Belum ada Pickup atau Close dalam periode ini.', report_loading: 'Memuat laporan…',
    report_precision: 'Median dan p90 dihitung dari kelompok durasi: selisih paling banyak ±{p}%. Pickup dihitung dari /moban, Close dari Pickup.',
    report_gone: 'Halaman Laporan hanya untuk owner dan admin.',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', login_name: 'Username or Telegram ID',
    password: 'Password', login_button: 'Log in', open_bot: 'Open the bot to /daftar',
    tab_order: 'Order', tab_pickup: 'Pickup', tab_close: 'Close',
    search: 'Search ticket, Order_ID, note, name', more: 'Load more', cancel: 'Cancel',
    yes_close: 'Yes, close', pickup: 'Pick up', close: 'Close',
    all_groups: 'All groups', group_filter: 'Group',
    intro_telegram: 'Logging in as {name} (Telegram). Enter your password.',
    intro_browser: 'Log in with your username or Telegram ID and password.',
    browser_off: 'Browser login is turned off. Open this app from the bot in Telegram.',
    missing_fields: 'Enter your login and password.', missing_password: 'Enter your password.',
    title_unregistered: 'Not registered', title_pending: 'Waiting for approval',
    title_disabled: 'Account disabled', title_rejected: 'Registration rejected',
    standing_unregistered: 'Your Telegram account is not registered with Tangkap. Open the bot and send /daftar to register, then open this app again.',
    standing_pending: 'Your registration was received and is waiting for an admin to approve it. The bot will tell you in your private chat as soon as your account is approved.',
    standing_disabled: 'Your account is disabled, so you cannot log in. Contact your team admin if this is a mistake.',
    standing_rejected: 'Your registration was rejected, so you cannot log in. Contact your team admin if this is a mistake.',
    f_no: 'No', f_order_id: 'Order_ID', f_transaksi: 'Transaction', f_keterangan: 'Note',
    f_ticket: 'Ticket', f_requester: 'Requested by', f_picked: 'Picked up by', f_closed: 'Closed by',
    empty_order: 'No new orders yet.', empty_pickup: 'No orders being worked on.',
    empty_close: 'No closed orders yet.', empty_search: 'Nothing matches "{q}".',
    confirm_close: 'Close ticket {ticket} ({order_id})? The group will be told the request is resolved.',
    picked_ok: 'Ticket {ticket} picked up.', closed_ok: 'Ticket {ticket} closed.',
    undo: 'Undo', held_new: '{n} new ↑', undone_ok: 'Pickup of ticket {ticket} undone. The ticket is back on Order.',
    team_tab: 'Team', team_title: 'Team', back_to_board: '‹ Orders',
    team_intro: 'Staff accounts: approve registrations, disable or enable accounts, and set roles.',
    team_gone: 'The Team page is for owners and admins only.',
    audit_title: 'Change history', audit_empty: 'No changes yet.', no_accounts: 'No accounts yet.',
    role_owner: 'Owner', role_admin: 'Admin', role_staff: 'Staff',
    state_pending: 'Waiting', state_active: 'Active', state_disabled: 'Disabled', state_rejected: 'Rejected',
    a_telegram: 'Telegram', a_groups: 'Groups', a_last_login: 'Last login', a_created: 'Registered',
    a_role: 'Role', never: 'Never', no_groups: '—',
    act_approve: 'Approve', act_reject: 'Reject', act_disable: 'Disable', act_enable: 'Enable',
    did_approve: 'approved', did_reject: 'rejected', did_disable: 'disabled', did_enable: 'enabled',
    did_role: 'changed the role of',
    confirm_reject: 'Reject the registration of {name}? They will not be able to log in.',
    confirm_disable: 'Disable the account of {name}? Their session ends and they cannot log in until enabled again.',
    yes_reject: 'Yes, reject', yes_disable: 'Yes, disable',
    done_approve: '{name} approved.', done_reject: '{name} rejected.', done_disable: '{name} disabled.',
    done_enable: '{name} enabled.', done_role: '{name} is now {role}.',
    network: 'Cannot reach the server. Check your connection and try again.',
    not_logged_in: 'Please log in first.',
    session_expired: 'Your session has ended. Please log in again.',
    telegram_mismatch: 'This session belongs to another Telegram account. Please log in again.',
    init_data_invalid: 'The data from Telegram is not valid. Open this app from the bot.',
    init_data_expired: 'The data from Telegram has expired. Close and reopen this app.',
    not_registered: 'Your Telegram account is not registered. Send /daftar to the bot to register.',
    pending: 'Your account is still waiting for an admin to approve it.',
    disabled: 'Your account is disabled. Contact your team admin.',
    rejected: 'Your registration was rejected. Contact your team admin.',
    wrong_credentials: 'Wrong login or password.',
    internal: 'Something went wrong on the server. Please try again shortly.',
    locked: 'Too many failed attempts. Login is locked until {until} (about {seconds} seconds).',
    wrong_credentials_left: 'Wrong login or password. {left} more tries before login is locked for a while.',
    busy: 'The server is checking many logins right now. Please try again in a moment.',
    refused_not_allowed: 'Only active owners and admins manage accounts.',
    refused_owner_only: 'Only an owner makes or unmakes admins and owners.',
    refused_last_owner: 'The last active owner cannot be demoted or disabled.',
    refused_own_account: 'You cannot change your own account.',
    refused_not_applicable: 'This account is {state}, so this change does not apply.',
    h_clock: 'Time', sort_label: 'Sort', sort_urgent: 'Most urgent', sort_newest: 'Newest',
    late_only: 'Late only', empty_late: 'No late tickets.',
    // Filters, search and export: each page keeps its own, shown as chips.
    sort_oldest: 'Oldest', filters_more: 'Filters & export', filter_transaksi: 'Transaksi',
    filter_from: 'From date', filter_to: 'To date', filter_apply: 'Apply',
    filter_bad_range: 'The "from" date is after the "to" date.',
    chip_search: 'Search: {v}', chip_group: 'Group: {v}', chip_transaksi: 'Transaksi: {v}',
    chip_days: 'Dates: {v}', chip_sort: 'Sort: {v}', chip_remove: 'Remove filter {v}',
    export_label: 'Export', export_busy: 'Preparing {format}…',
    export_range: 'Without dates, the export holds the last 30 days.',
    span_under_minute: '<1 min', span_minutes: '{m} min', span_hours: '{h} h', span_hours_minutes: '{h} h {m} min',
    span_days: '{d} d', span_days_hours: '{d} d {h} h',
    age: 'Age {span}', sla_left: '{span} left', sla_late: '{span} late',
    due_pickup: 'Pickup due {time}', due_close: 'Close due {time}',
    sla_title: 'Time targets',
    sla_intro: 'How long a ticket may wait for Pickup and for Close. Only the group\'s business hours count.',
    sla_group: 'Group', sla_pickup: 'Pickup target', sla_close: 'Close target',
    sla_default: 'default: {value}', sla_none: 'no target',
    sla_targets_hint: 'Leave empty for the default, 0 for no target. Write e.g. 30 minutes, 4 hours, 1 hour 30 minutes (or 30m, 4h).',
    sla_warn_hint: 'A reminder goes {warn} before a target runs out.',
    sla_zone: 'Time zone', sla_hours: 'Business hours', sla_from: 'from', sla_to: 'to',
    sla_hours_hint: 'No day ticked: open around the clock. Until 00:00 means until midnight.',
    sla_save: 'Save', sla_saved: 'Saved for {group}. {n} open tickets re-timed.',
    sla_saved_one: 'Saved for {group}. 1 open ticket re-timed.',
    sla_no_groups: 'No groups yet. A group shows here once the bot has received a message there.',
    sla_always_open: 'always open', sla_default_short: 'default',
    day_mon: 'Monday', day_tue: 'Tuesday', day_wed: 'Wednesday', day_thu: 'Thursday', day_fri: 'Friday', day_sat: 'Saturday', day_sun: 'Sunday',
    dy_mon: 'Mon', dy_tue: 'Tue', dy_wed: 'Wed', dy_thu: 'Thu', dy_fri: 'Fri', dy_sat: 'Sat', dy_sun: 'Sun',
    did_group_settings: 'changed the time targets',
    did_room_type_rooms: 'changed the rooms of', did_room_type_added: 'added the room type',
    did_room_type_price: 'changed the price of',
    booking_tab: 'Bookings', booking_title: 'Bookings', bk_pending: 'Pending', bk_paid: 'Paid',
    bk_cancelled: 'Cancelled', bk_search: 'Search receipt or guest name',
    bk_guest: 'Guest', bk_room: 'Room', bk_stay: 'Stay', bk_via: 'Via', bk_hold: 'Hold until',
    bk_decided: 'Decided by', bk_nights: '{n} nights', bk_paid_button: 'Paid', bk_cancel_button: 'Cancel',
    bk_confirm_paid: 'Mark {receipt} ({guest}) paid? The guest will be told the booking is confirmed.',
    bk_confirm_cancel: 'Cancel {receipt} ({guest})? The room becomes free and the guest is told.',
    bk_yes_paid: 'Yes, paid', bk_yes_cancel: 'Yes, cancel',
    bk_revert_button: 'Back to pending', bk_yes_revert: 'Yes, put it back',
    bk_confirm_revert: 'Put {receipt} ({guest}) back to pending? For a payment marked by mistake; the guest is not told.',
    bk_reverted_ok: '{receipt} is pending again.',
    bk_paid_ok: '{receipt} paid.', bk_cancelled_ok: '{receipt} cancelled.',
    bk_empty_pending: 'No bookings waiting for payment.', bk_empty_paid: 'No paid bookings yet.',
    bk_empty_cancelled: 'No cancelled bookings.', bk_empty_search: 'No booking matches "{q}".',
    bk_left: '{time} left', bk_expired: 'hold over', bk_erased: '(erased)',
    bookings_gone: 'The Bookings page is for front-office staff and admins only.',
    bk_price: 'Price', bk_contact: 'Contact', bk_contact_telegram: 'Chat in Telegram',
    bk_room_no_short: 'room {room}', bk_checked_in: 'Checked in', bk_checked_out: 'Checked out',
    bk_state_pending: 'Not paid', bk_state_paid: 'Paid', bk_state_in_house: 'In house',
    bk_state_due_out: 'Leaving today', bk_state_out: 'Checked out',
    bk_check_in: 'Check in', bk_check_out: 'Check out',
    bk_confirm_check_in: 'Check in {receipt} ({guest})?', bk_room_no: 'Room number (optional)',
    bk_yes_check_in: 'Yes, check in', bk_checked_in_ok: '{receipt} ({guest}) checked in.',
    bk_checked_in_room: '{receipt} ({guest}) checked in to room {room}.',
    bk_confirm_check_out: 'Check out {receipt} ({guest})? The nights left become free again.',
    bk_yes_check_out: 'Yes, check out', bk_checked_out_ok: '{receipt} ({guest}) checked out.',
    desk_title: 'Today', desk_arrivals: 'Arriving', desk_in_house: 'In house', desk_departures: 'Leaving',
    desk_empty_arrivals: 'Nobody arrives today.', desk_empty_in_house: 'Nobody else is in house.',
    desk_empty_departures: 'Nobody leaves today.',
    grid_title: 'Rooms free, {n} nights', grid_hint: 'Numbers: rooms free each night. Red: full.',
    grid_type: 'Type', grid_cell: '{type}, {day}: {free} of {rooms} rooms free', grid_cell_full: '{type}, {day}: full',
    rt_title: 'Room types', rt_intro: 'Rooms and price per night of each type. 0 rooms closes a type to new bookings; a new price applies to bookings made from now on.',
    rt_new_name: 'New type', rt_rooms: 'Rooms', rt_price: 'Price/night (Rp)', rt_add: 'Add', rt_save: 'Save',
    rt_saved: '{name}: {rooms} rooms, {price}/night.', rt_added: '{name} added.',
    bs_title: 'Booking settings',
    bs_intro: 'These apply to bookings made from now on; rooms already held keep their deadline.',
    bs_hotel_name: 'Hotel name', bs_hold: 'Hold', bs_warn_before: 'Warning before the end',
    bs_durations_hint: 'Write e.g. 2 hours, 90 minutes or 1 hour 30 minutes; a warning of 0: no warning.',
    bs_staff_chat: 'FO chat', bs_staff_chat_none: 'No FO chat (owners and admins are told privately)',
    bs_staff_chat_unknown: 'Group {id} (unknown to the bot)',
    bs_book_ahead_days: 'Book ahead (days)', bs_payment_text: 'Payment text',
    bs_save: 'Save settings', bs_saved: 'Booking settings saved.',
    did_booking_setting: 'changed a booking setting',
    // The ticket view: one ticket, its timeline, notes and reopen.
    tk_back: '‹ Back', tk_title: 'Ticket {ticket}', tk_group: 'Group', tk_timeline: 'History',
    tk_ev_created: 'Request from {by}', tk_ev_picked_up: 'Picked up by {by}',
    tk_ev_closed: 'Closed by {by}', tk_ev_reopened: 'Reopened by {by}',
    tk_ev_pickup_undone: 'Pickup undone by {by}',
    tk_photo_loading: 'Loading the photo…', tk_photo_alt: 'Photo of the request of ticket {ticket}',
    tk_photo_failed: 'The photo could not be loaded. Try opening this ticket again.',
    tk_photo_gone: 'This photo is no longer available on Telegram.',
    tk_photo_too_large: 'The photo is too large to show.',
    tk_photo_unsupported: 'This file is not an image that can be shown.',
    tk_telegram_busy: 'Telegram is busy. Try opening this ticket again in a moment.',
    tk_ev_note: 'Note by {by}', tk_ev_message: 'Message to {to}: {message}',
    tk_ev_reminder: 'Reminder to {to}: {message}', tk_to_group: 'the group',
    tk_msg_feedback_1: 'Feedback 1 (ticket received)', tk_msg_feedback_2: 'Feedback 2 (picked up)',
    tk_msg_feedback_3: 'Feedback 3 (resolved)', tk_msg_reopened: 'ticket reopened',
    tk_msg_linked: 'another request with the same Order_ID pointed to this ticket',
    tk_msg_pickup_warning: 'Pickup due soon', tk_msg_pickup_breach: 'Pickup overdue',
    tk_msg_close_warning: 'Close due soon', tk_msg_close_breach: 'Close overdue',
    tk_delivery_queued: 'Queued', tk_delivery_sent: 'Sent', tk_delivery_failed: 'Failed',
    tk_sent_at: 'Sent {time}', tk_reason: 'Reason: {reason}',
    tk_failed_reason: 'Reason: {error}', tk_retrying: 'Retrying after: {error}',
    tk_notes: 'Internal notes', tk_notes_hint: 'For the team only; never sent to the group.',
    tk_no_notes: 'No notes yet.', tk_note_placeholder: 'Write a note for the team…',
    tk_note_add: 'Add note', tk_note_added: 'Note saved.', tk_note_empty: 'Write the note first.',
    tk_reopen: 'Reopen',
    tk_reopen_intro: 'The ticket goes back to Order and the group is told, as a reply to its request.',
    tk_reopen_reason: 'Reason', tk_reopen_yes: 'Yes, reopen', tk_reopen_need_reason: 'Write the reason.',
    tk_reopened_ok: 'Ticket {ticket} reopened.', tk_gone: 'This ticket was not found.',
    // Laporan
    report_tab: 'Reports', report_title: 'Reports', report_group: 'Group',
    report_days: 'Tickets per day (last {n} days, {zone})', report_chart_label: 'Chart of new tickets per day',
    report_new_on: '{day}: {n} new tickets', report_met: 'On time',
    report_met_pickup: 'Pickup within target', report_met_close: 'Close within target',
    report_met_value: '{share}% ({met} of {total})', report_met_none: 'no tickets with a target yet',
    report_staff: 'Times per staff member', report_groups: 'Times per group', report_backlog: 'Open tickets by age',
    report_name: 'Name', report_group_col: 'Group', report_pickup_median: 'Pickup median', report_pickup_p90: 'Pickup p90',
    report_close_median: 'Close median', report_close_p90: 'Close p90', report_count: 'Count',
    report_age: 'Age', report_waiting_pickup: 'Waiting for Pickup', report_waiting_close: 'Waiting for Close',
    age_lt_1h: '< 1 h', age_1h_4h: '1–4 h', age_4h_24h: '4–24 h', age_gt_1d: '> 1 day',
    report_no_times: 'No Pickup or Close in this period yet.', report_loading: 'Loading the report…',
    report_precision: 'Medians and p90s are read from duration buckets: at most ±{p}% off. Pickup is timed from the /moban, Close from the Pickup.',
    report_gone: 'The Reports page is for owners and admins only.',
  },
};

const SESSION_KEY = 'tangkap.session';

const state = {
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
};

const $ = (id) => document.getElementById(id);

/// A page's filters as it opens: no search or filter; Order and Pickup most urgent first
/// (the stage's due time), Close newest first.
function freshFilters(status) {
  return {
    query: '', group: '', transaksi: '', from: '', to: '',
    sort: status === 'close' ? 'newest' : 'urgent', lateOnly: false,
  };
}

/// The filters of the page shown.
function pageFilters() {
  return state.filters[state.status];
}

function t(key, values) {
  const text = TEXTS[state.lang][key] ?? TEXTS.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values?.[name] ?? ''));
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// --- Telegram integration ------------------------------------------------------------

function applyTheme() {
  if (!tg) return;
  const root = document.documentElement;
  root.classList.add('tg');
  root.classList.toggle('dark', tg.colorScheme === 'dark');
  const names = {
    bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
    button_color: '--button', button_text_color: '--button-text',
    secondary_bg_color: '--secondary-bg', section_bg_color: '--section-bg',
    destructive_text_color: '--destructive',
  };
  for (const [param, variable] of Object.entries(names)) {
    const value = tg.themeParams?.[param];
    if (typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(value)) root.style.setProperty(variable, value);
  }
}

function haptic(kind) {
  try { tg?.HapticFeedback?.notificationOccurred(kind); } catch (_) { /* older clients */ }
}

function openBotChat() {
  const url = `https://t.me/${state.config.bot_username || ''}`;
  if (tg?.openTelegramLink) tg.openTelegramLink(url); else window.open(url, '_blank', 'noopener');
}

function updateBackButton() {
  if (!tg?.BackButton) return;
  const show = Boolean(state.user) && (state.view !== 'board' || state.status !== 'order' || Boolean(pageFilters().query));
  if (show) tg.BackButton.show(); else tg.BackButton.hide();
}

// --- talking to the server -------------------------------------------------------------

class ApiFailure extends Error {
  // `field`: the form field the server refused, when it names one.
  constructor(code, message, status, field) {
    super(message); this.code = code; this.status = status; this.field = field;
  }
}

/// Who is asking: the session, and inside Telegram its signed launch data.
function authHeaders() {
  const headers = {};
  if (state.token) headers['X-Session-Token'] = state.token;
  if (tg) headers.Authorization = `tma ${tg.initData}`;
  return headers;
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    throw new ApiFailure('network', t('network'), 0);
  }
  noteServerDate(response.headers.get('Date'));
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (_) { /* not JSON: a proxy error page */ }
  if (!response.ok) {
    const code = data?.error || (response.status >= 500 ? 'internal' : 'network');
    const seconds = response.headers.get('Retry-After');
    // Conflicts and refusals name people and states: the server's sentence is the one to show.
    const refusal = code === 'refused' && TEXTS.en[`refused_${data?.reason}`] ? `refused_${data.reason}` : null;
    let message;
    if (state.lang === 'id') message = data?.message || t(code);
    else if (refusal) message = t(refusal, { state: wordFor('state', data.state).toLowerCase() });
    else if (['conflict', 'refused', 'bad_request'].includes(code) || !TEXTS.en[code]) message = data?.message || t(code);
    else if (code === 'wrong_credentials' && data?.tries_left) message = t('wrong_credentials_left', { left: data.tries_left });
    else message = t(code, { seconds, until: data?.until });
    throw new ApiFailure(code, message, response.status, data?.field);
  }
  return data;
}

/// Due times come from the server's clock: a phone whose clock is off by minutes would
/// otherwise call a ticket late too early or too late. `Date` has whole seconds.
function noteServerDate(header) {
  const server = Date.parse(header || '');
  if (!Number.isFinite(server)) return;
  const skew = server + 500 - Date.now();
  state.skew = Math.abs(skew) > 2000 ? skew : 0;
}

function now() {
  return Date.now() + state.skew;
}

function showBanner(message, kind = 'error') {
  const banner = $('banner');
  banner.textContent = message;
  banner.className = kind === 'info' ? 'info' : '';
  banner.hidden = false;
  clearTimeout(showBanner.timer);
  showBanner.timer = setTimeout(() => { banner.hidden = true; }, kind === 'info' ? 2500 : 6000);
}

const SESSION_ENDED = ['not_logged_in', 'session_expired', 'telegram_mismatch'];

function handleFailure(failure) {
  if (SESSION_ENDED.includes(failure.code)) {
    forgetSession();
    enterLogin(failure.message);
    return;
  }
  haptic('error');
  showBanner(failure.message || t('network'));
}

function forgetSession() {
  state.token = null;
  state.user = null;
  state.team = null;
  state.teamSeen = null;
  localStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(SESSION_KEY); // where older versions kept it
  clearInterval(state.pollTimer);
  clearTimeout(state.tickTimer);
  state.clocks = [];
  state.slaTimes = null;
}

// --- login ------------------------------------------------------------------------------

/// Inside Telegram, asks where this Telegram account stands before offering the password.
async function checkStanding() {
  if (!tg) return;
  try {
    state.standing = await api('/login/telegram');
    state.standingError = '';
  } catch (failure) {
    state.standing = null;
    state.standingError = failure.message;
  }
}

async function enterLogin(message) {
  await checkStanding();
  showLogin(message || state.standingError);
}

function showLogin(message) {
  $('board-view').hidden = true;
  $('team-view').hidden = true;
  $('ticket-view').hidden = true;
  $('team-tab').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  state.user = null;
  updateBackButton();
  const standing = tg ? state.standing?.state : null;
  // Only an active account (or one whose standing could not be asked) gets a password field.
  const blocked = ['unregistered', 'pending', 'disabled', 'rejected'].includes(standing) ? standing : null;
  const title = $('login-view').querySelector('h2');
  title.textContent = blocked ? t(`title_${blocked}`) : t('login_title');
  const notice = $('login-standing');
  notice.hidden = !blocked;
  notice.className = blocked ? `standing ${blocked}` : 'standing';
  notice.textContent = blocked ? t(`standing_${blocked}`) : '';
  $('login-view').dataset.standing = standing || '';
  $('open-bot').hidden = blocked !== 'unregistered';
  $('login-intro').hidden = Boolean(blocked);
  $('login-password-field').hidden = Boolean(blocked);
  $('login-name-field').hidden = Boolean(tg);
  $('login-error').hidden = Boolean(blocked) && !message;
  if (blocked) {
    $('login-submit').hidden = true;
    tg?.MainButton.hide();
    if (blocked === 'unregistered') $('open-bot').focus();
    return;
  }
  if (tg) {
    const user = tg.initDataUnsafe?.user;
    const name = state.standing?.name || [user?.first_name, user?.last_name].filter(Boolean).join(' ');
    $('login-intro').textContent = t('intro_telegram', { name });
    $('login-submit').hidden = true;
    tg.MainButton.setText(t('login_button'));
    tg.MainButton.show();
  } else {
    const allowed = state.config.browser_login;
    $('login-submit').hidden = false;
    $('login-intro').textContent = allowed ? t('intro_browser') : t('browser_off');
    for (const input of $('login-form').querySelectorAll('input, button[type=submit]')) input.disabled = !allowed;
  }
  (tg ? $('login-password') : $('login-name')).focus();
}

async function submitLogin(event) {
  event?.preventDefault();
  if ($('login-view').hidden || $('login-password-field').hidden) return;
  const password = $('login-password').value;
  const login = $('login-name').value.trim();
  if (!password || (!tg && !login)) {
    $('login-error').textContent = tg ? t('missing_password') : t('missing_fields');
    haptic('error');
    return;
  }
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  tg?.MainButton.showProgress?.();
  try {
    const session = tg
      ? await api('/login/telegram', { method: 'POST', body: { password } })
      : await api('/login', { method: 'POST', body: { login, password } });
    state.token = session.token;
    localStorage.setItem(SESSION_KEY, session.token);
    $('login-password').value = '';
    haptic('success');
    await showBoard(session.user);
  } catch (failure) {
    haptic('error');
    const standing = { not_registered: 'unregistered', pending: 'pending', disabled: 'disabled', rejected: 'rejected' }[failure.code];
    if (tg && standing) {
      // The account stands elsewhere than when the page asked: say so instead of the field.
      state.standing = { state: standing, name: state.standing?.name ?? null };
      $('login-password').value = '';
      showLogin('');
    } else {
      $('login-error').textContent = failure.message;
      $('open-bot').hidden = failure.code !== 'not_registered';
    }
  } finally {
    $('login-submit').disabled = false;
    tg?.MainButton.hideProgress?.();
  }
}

async function logout() {
  try { await api('/logout', { method: 'POST' }); } catch (_) { /* the session ends here anyway */ }
  forgetSession();
  await enterLogin('');
}

// --- the board ----------------------------------------------------------------------------

async function showBoard(user) {
  state.user = user;
  tg?.MainButton.hide();
  $('login-view').hidden = true;
  $('logout').hidden = false;
  $('who').textContent = `${user.name} (@${user.username})`;
  $('team-tab').hidden = !user.manages_team;
  $('report-tab').hidden = !user.sees_reports;
  showView('board');
  const found = findBookings();
  if (!(await loadGroups())) return;
  // A direct link carries the ticket as start_param; a reminder's button in a private
  // chat, as ?ticket= in the address; /cek_pembayaran's button asks for the Booking page
  // with ?page=bookings.
  const params = new URLSearchParams(location.search);
  const ticket = tg?.initDataUnsafe?.start_param || params.get('ticket');
  if (params.get('page') === 'bookings' || ticket === 'bookings') {
    await found;
    if (state.worksBookings) await openBookings();
    else await load();
  } else if (ticket && /^[0-9A-Za-z]{1,16}$/.test(ticket)) await openTicket(ticket);
  else await load();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(poll, 4000);
}

function showView(view) {
  state.view = view;
  $('board-view').hidden = view !== 'board';
  $('team-view').hidden = view !== 'team';
  $('booking-view').hidden = view !== 'bookings';
  $('ticket-view').hidden = view !== 'ticket';
  $('report-view').hidden = view !== 'reports';
  $('report-tab').setAttribute('aria-pressed', String(view === 'reports'));
  $('team-tab').setAttribute('aria-pressed', String(view === 'team'));
  $('booking-tab').setAttribute('aria-pressed', String(view === 'bookings'));
  updateBackButton();
}

/// The groups this account may see, for the filter; false when the session has ended.
async function loadGroups() {
  try {
    state.groups = (await api('/groups')).groups;
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return false; }
    state.groups = [];
  }
  for (const filters of Object.values(state.filters)) {
    if (!state.groups.some((g) => String(g.chat_id) === filters.group)) filters.group = '';
  }
  renderGroupFilter();
  return true;
}

function renderGroupFilter() {
  const select = $('group-filter');
  const all = element('option', '', t('all_groups'));
  all.value = '';
  all.dataset.i18n = 'all_groups';
  select.replaceChildren(all, ...state.groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  select.value = pageFilters().group;
  select.hidden = state.groups.length === 0;
}

/// Opened from a group's "Buka tiket" button: show that ticket on whichever page it is.
async function openTicket(ticket) {
  for (const status of ['order', 'pickup', 'close']) {
    const page = await api(`/orders?status=${status}&q=${encodeURIComponent(ticket)}&limit=1`);
    if (page.orders.length) { state.status = status; break; }
  }
  state.filters[state.status] = { ...freshFilters(state.status), query: ticket };
  showFilters();
  await load();
}

function summaryPath() {
  const { group } = pageFilters();
  return group ? `/summary?group=${encodeURIComponent(group)}` : '/summary';
}

/// The list's query as the page's filters, sort and late switch make it.
function listParams() {
  const params = filterParams();
  params.set('sort', pageFilters().sort);
  if (state.status !== 'close' && pageFilters().lateOnly) params.set('late', '1');
  return params;
}

async function load({ append = false } = {}) {
  // Only the newest request may draw: an older answer arriving late (after a tab switch,
  // say) would otherwise show the wrong page.
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  const params = listParams();
  params.set('limit', '50');
  if (append && state.next) params.set('after', state.next);
  try {
    const [page, summary] = await Promise.all([api(`/orders?${params}`), api(summaryPath())]);
    if (request !== state.loadSeq) return;
    state.orders = append ? state.orders.concat(page.orders) : page.orders;
    if (!append) state.held = [];
    state.hasMore = page.has_more;
    state.next = page.next;
    state.version = summary.version;
    state.counts = summary.counts;
    state.loadedAt = Date.now();
    render();
  } catch (failure) {
    handleFailure(failure);
  }
}

/// Brings the list up to date without moving it under the reader. The pages already
/// loaded are asked again: a card still on this page is redrawn in place, one that left it
/// is removed, and tickets new to it above the last card wait behind the "N baru" chip
/// until a tap inserts them (below it they only continue the list), except `insert`, a
/// ticket this page itself brought back (an undone Pickup). The card at the top of the
/// screen keeps its place on the screen.
async function refresh({ insert } = {}) {
  const request = (state.loadSeq = (state.loadSeq || 0) + 1);
  const wanted = Math.max(state.orders.length, 50);
  const params = listParams();
  let fresh = [];
  let page = { has_more: true, next: null };
  try {
    const summary = api(summaryPath());
    while (fresh.length < wanted && page.has_more) {
      params.set('limit', String(Math.min(100, wanted - fresh.length)));
      if (page.next) params.set('after', page.next);
      page = await api(`/orders?${params}`);
      fresh = fresh.concat(page.orders);
    }
    const { version, counts } = await summary;
    if (request !== state.loadSeq) return;
    state.version = version;
    state.counts = counts;
    state.hasMore = page.has_more;
    state.next = page.next;
  } catch (failure) {
    if (request === state.loadSeq) handleFailure(failure);
    return;
  }
  state.loadedAt = Date.now();
  state.fresh = fresh;
  showFresh(new Set(insert === undefined ? [] : [insert]));
}

/// Shows `state.fresh`: the cards shown before and those of `insert` (numbers) where they
/// belong, the rest held above the last of them or appended below it. Cards that did not
/// change are kept as they are; the card at the top of the screen stays in its place.
function showFresh(insert) {
  const shown = new Set(state.orders.map((order) => order.no));
  const stays = (order) => shown.has(order.no) || insert.has(order.no);
  const last = state.fresh.findLastIndex(stays);
  state.held = state.fresh.filter((order, i) => !stays(order) && i < last);
  const listed = state.fresh.filter((order, i) => stays(order) || i > last);
  const anchor = screenAnchor(new Set(listed.filter((order) => shown.has(order.no)).map((order) => order.no)));
  const cards = new Map([...$('orders').children].map((card) => [Number(card.dataset.no), card]));
  const before = new Map(state.orders.map((order) => [order.no, JSON.stringify(order)]));
  $('orders').replaceChildren(...listed.map((order) => (
    before.get(order.no) === JSON.stringify(order) && cards.get(order.no)) || renderOrder(order)));
  state.orders = listed;
  state.clocks = state.clocks.filter((clock) => clock.item.isConnected);
  keepOnScreen(anchor);
  renderCounts();
  renderListEnd();
  tick();
}

/// The first card at the top of the screen among `staying` (numbers), and where it is.
function screenAnchor(staying) {
  for (const card of $('orders').children) {
    const box = card.getBoundingClientRect();
    if (box.bottom > 0 && staying.has(Number(card.dataset.no))) return { card, top: box.top };
  }
  return null;
}

/// Scrolls back what a change above `anchor` moved it by.
function keepOnScreen(anchor) {
  if (!anchor?.card.isConnected) return;
  const moved = anchor.card.getBoundingClientRect().top - anchor.top;
  if (moved) window.scrollBy(0, moved);
}

/// Inserts the tickets held behind the "N baru" chip where they belong, and shows the
/// first of them.
function showHeld() {
  const first = state.held[0];
  showFresh(new Set(state.held.map((order) => order.no)));
  if (first) document.querySelector(`#orders .order[data-no="${first.no}"]`)?.scrollIntoView({ block: 'center' });
}

async function poll() {
  if (document.hidden || !state.token) return;
  if (state.view === 'team') loadTeam({ quiet: true });
  if (state.view === 'bookings') { loadBookings({ quiet: true }); return; }
  if (state.view === 'ticket') { loadTicket({ quiet: true }); return; }
  try {
    const summary = await api(summaryPath());
    state.counts = summary.counts;
    renderCounts();
    // Tickets become late without any change to them: the late alone are asked again now
    // and then.
    const lateOnly = pageFilters().lateOnly && state.status !== 'close' && state.view === 'board';
    if (summary.version !== state.version || (lateOnly && Date.now() - state.loadedAt > 15000)) await refresh();
  } catch (failure) {
    if (failure.code !== 'network') handleFailure(failure);
  }
}

function formatTime(ms) {
  if (!ms) return '';
  const d = new Date(ms + state.config.utc_offset_minutes * 60000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/// `Name (@username)`, or the name alone when there is no username.
function person(name, username) {
  return username ? `${name} (@${username})` : name;
}

function renderCounts() {
  for (const tab of document.querySelectorAll('#board-tabs button')) {
    tab.querySelector('.count').textContent = String(state.counts[tab.dataset.status] ?? 0);
    tab.setAttribute('aria-selected', String(tab.dataset.status === state.status));
  }
  updateBackButton();
}

function field(list, label, value, className) {
  const dt = element('dt', '', label);
  const dd = element('dd', className, value);
  list.append(dt, dd);
}

function renderOrder(order) {
  const item = element('li', `order ${order.status}`);
  item.dataset.no = String(order.no);
  item.dataset.chat = String(order.chat_id);
  listenForTicketOpen(item, order);
  const head = document.createElement('header');
  head.append(element('span', 'ticket', order.ticket_no), element('span', 'no', `#${order.no}`));
  if (order.group_title) {
    const group = element('span', 'group', order.group_title);
    group.title = order.group_title;
    head.append(group);
  }
  head.append(element('span', 'time', formatTime(order.closed_at || order.picked_at || order.created_at)));
  item.append(head);

  // An open ticket's age, and the time left to its stage's target (or how late it is).
  if (order.status !== 'close') {
    const stage = order.status === 'order' ? 'pickup' : 'close';
    const warnAt = order[`${stage}_warn_at`] ?? null;
    const dueAt = order[`${stage}_due_at`] ?? null;
    const clockLine = element('div', 'clock');
    const age = element('span', 'age');
    clockLine.append(age);
    let sla = null;
    item.dataset.due = dueAt === null ? '' : String(dueAt);
    if (dueAt !== null) {
      sla = element('span', 'sla');
      sla.dataset.due = String(dueAt);
      if (warnAt !== null) sla.dataset.warn = String(warnAt);
      const due = t(`due_${stage}`, { time: formatTime(dueAt) });
      sla.title = due;
      clockLine.append(sla);
    }
    item.append(clockLine);
    state.clocks.push({ item, age, sla, since: order.created_at, warnAt, dueAt });
  }

  const details = document.createElement('dl');
  field(details, t('f_order_id'), order.order_id, 'order-id');
  field(details, t('f_transaksi'), order.transaksi, 'transaksi');
  field(details, t('f_keterangan'), order.keterangan, 'keterangan');
  field(details, t('f_requester'), `${order.requester_name} · ${formatTime(order.created_at)}`, 'requester');
  if (order.picked_by) {
    field(details, t('f_picked'), `${person(order.picked_by, order.picked_by_username)} · ${formatTime(order.picked_at)}`, 'picked-by');
  }
  if (order.closed_by) {
    field(details, t('f_closed'), `${person(order.closed_by, order.closed_by_username)} · ${formatTime(order.closed_at)}`, 'closed-by');
  }
  item.append(details);

  if (order.status !== 'close') {
    const action = element('button', 'action', order.status === 'order' ? t('pickup') : t('close'));
    action.type = 'button';
    action.addEventListener('click', () => act(order, action));
    item.append(action);
  }
  return item;
}

function render() {
  // Wide screens lay the page out as a table whose columns follow the page.
  $('board-view').dataset.status = state.status;
  renderCounts();
  renderOptions();
  const list = $('orders');
  state.clocks = [];
  list.replaceChildren(...state.orders.map(renderOrder));
  renderListEnd();
  tick();
}

/// Around the list: the "N baru" chip, why the list is empty, whether more can be loaded.
function renderListEnd() {
  const held = $('held-chip');
  held.hidden = !state.held?.length;
  held.textContent = t('held_new', { n: state.held?.length ?? 0 });
  const empty = $('empty');
  empty.hidden = state.orders.length > 0;
  const { query } = pageFilters();
  const lateOnly = pageFilters().lateOnly && state.status !== 'close';
  empty.textContent = query ? t('empty_search', { q: query })
    : lateOnly ? t('empty_late') : t(`empty_${state.status}`);
  $('more').hidden = !state.hasMore;
}

function renderOptions() {
  const filters = pageFilters();
  // Closed tickets have no stage: no urgency, and none is late.
  const open = state.status !== 'close';
  $('sort-urgent').hidden = !open;
  $('late-only').hidden = !open;
  for (const button of document.querySelectorAll('#board-options [data-sort]')) {
    button.setAttribute('aria-pressed', String(button.dataset.sort === filters.sort));
  }
  $('late-only').setAttribute('aria-pressed', String(filters.lateOnly));
  renderChips();
}

// --- filters, search and export: each page keeps its own, shown as chips ---------------

/// The current page's status and filters as query parameters (the list's and the export's).
function filterParams() {
  const filters = pageFilters();
  const params = new URLSearchParams({ status: state.status });
  if (filters.query) params.set('q', filters.query);
  if (filters.group) params.set('group', filters.group);
  if (filters.transaksi) params.set('transaksi', filters.transaksi);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  return params;
}

/// Changes the current page's filters and lists it again from the first page.
function changeFilters(change) {
  Object.assign(pageFilters(), change);
  state.orders = [];
  showFilters();
  load();
}

/// Puts the current page's filters into the controls (after a switch of page or a chip
/// removed); the chips follow with the options.
function showFilters() {
  const filters = pageFilters();
  $('search').value = filters.query;
  $('group-filter').value = filters.group;
  $('filter-transaksi').value = filters.transaksi;
  $('filter-from').value = filters.from;
  $('filter-to').value = filters.to;
  $('filter-message').textContent = '';
  renderOptions();
}

/// The dates as a chip says them: `2026-01-01 – 2026-01-31`, `≥ 2026-01-01`, `≤ …`.
function daysLabel(from, to) {
  if (from && to) return from === to ? from : `${from} – ${to}`;
  return from ? `≥ ${from}` : `≤ ${to}`;
}

/// One chip per filter in force on this page; tapping a chip removes its filter.
function renderChips() {
  const filters = pageFilters();
  const fresh = freshFilters(state.status);
  const chips = [];
  const chip = (name, label, removal) => {
    const button = element('button', 'filter-chip', label);
    button.type = 'button';
    button.dataset.chip = name;
    button.setAttribute('aria-label', t('chip_remove', { v: label }));
    button.append(element('span', 'remove', '×'));
    button.addEventListener('click', () => changeFilters(removal));
    chips.push(button);
  };
  if (filters.query) chip('q', t('chip_search', { v: filters.query }), { query: '' });
  const group = state.groups.find((g) => String(g.chat_id) === filters.group);
  if (group) chip('group', t('chip_group', { v: group.title }), { group: '' });
  if (filters.transaksi) chip('transaksi', t('chip_transaksi', { v: filters.transaksi }), { transaksi: '' });
  if (filters.from || filters.to) chip('days', t('chip_days', { v: daysLabel(filters.from, filters.to) }), { from: '', to: '' });
  if (filters.sort !== fresh.sort) chip('sort', t('chip_sort', { v: t(`sort_${filters.sort}`) }), { sort: fresh.sort });
  if (filters.lateOnly && state.status !== 'close') chip('late', t('late_only'), { lateOnly: false });
  $('filter-chips').replaceChildren(...chips);
  $('filter-chips').hidden = chips.length === 0;
}

/// The Transaksi and the days from the panel, checked here first: a range that ends before
/// it starts is refused without asking the server.
function applyFilterForm(event) {
  event.preventDefault();
  const [from, to] = [$('filter-from').value, $('filter-to').value];
  if (from && to && from > to) {
    $('filter-message').textContent = t('filter_bad_range');
    return;
  }
  changeFilters({ transaksi: $('filter-transaksi').value.trim(), from, to });
}

/// Today on the team's clock, `YYYY-MM-DD`, moved by `days`.
function teamDay(days = 0) {
  const at = new Date(now() + state.config.utc_offset_minutes * 60000 + days * 86400000);
  return at.toISOString().slice(0, 10);
}

/// Downloads the current page's tickets as `format` (csv or xlsx), with its filters and
/// its days (the last 30 without). The file is fetched with the session, then saved.
async function exportTickets(format, button) {
  const params = filterParams();
  const monthAgo = teamDay(-30);
  if (!params.has('from')) params.set('from', params.has('to') && params.get('to') < monthAgo ? params.get('to') : monthAgo);
  if (!params.has('to')) params.set('to', teamDay());
  const headers = {};
  if (state.token) headers['X-Session-Token'] = state.token;
  if (tg) headers.Authorization = `tma ${tg.initData}`;
  button.disabled = true;
  $('filter-message').textContent = t('export_busy', { format: format.toUpperCase() });
  try {
    const response = await fetch(`api/export.${format}?${params}`, { headers });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new ApiFailure(data?.error || 'internal', data?.message || t('internal'), response.status);
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '')?.[1] || `tangkap.${format}`;
    const link = element('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    $('filter-message').textContent = name;
  } catch (failure) {
    $('filter-message').textContent = '';
    handleFailure(failure instanceof ApiFailure ? failure : new ApiFailure('network', t('network'), 0));
  } finally {
    button.disabled = false;
  }
}

function listenToFilters() {
  $('filter-form').addEventListener('submit', applyFilterForm);
  $('export-csv').addEventListener('click', () => exportTickets('csv', $('export-csv')));
  $('export-xlsx').addEventListener('click', () => exportTickets('xlsx', $('export-xlsx')));
}

/// A stretch of time, short: `<1 mnt`, `12 mnt`, `2 jam 5 mnt`, `3 hari 4 jam`.
function span(ms) {
  const minutes = Math.floor(Math.max(0, ms) / 60000);
  if (minutes < 1) return t('span_under_minute');
  if (minutes < 60) return t('span_minutes', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60 ? t('span_hours_minutes', { h: hours, m: minutes % 60 }) : t('span_hours', { h: hours });
  }
  const days = Math.floor(hours / 24);
  return hours % 24 ? t('span_days_hours', { d: days, h: hours % 24 }) : t('span_days', { d: days });
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/// Brings each card's age and time left up to date: one timer for every card, touching
/// only what changed. It runs every 15 s, and at the moment a card enters its warning
/// window or passes its due time, so the colour changes on time.
function tick() {
  clearTimeout(state.tickTimer);
  state.tickTimer = null;
  if (!state.clocks.length || $('board-view').hidden || document.hidden) return;
  const at = now();
  let next = at + 15000;
  for (const clock of state.clocks) {
    setText(clock.age, t('age', { span: span(at - clock.since) }));
    if (!clock.sla) continue;
    const level = at >= clock.dueAt ? 'late' : clock.warnAt !== null && at >= clock.warnAt ? 'warn' : 'ok';
    if (clock.sla.dataset.sla !== level) {
      clock.sla.dataset.sla = level;
      clock.item.dataset.sla = level;
    }
    setText(clock.sla, level === 'late' ? t('sla_late', { span: span(at - clock.dueAt) }) : t('sla_left', { span: span(clock.dueAt - at) }));
    for (const boundary of [clock.warnAt, clock.dueAt]) {
      if (boundary !== null && boundary > at && boundary < next) next = boundary;
    }
  }
  state.tickTimer = setTimeout(tick, Math.max(200, next - at + 20));
}

/// Asks before something that cannot simply be undone; resolves to the answer.
/// Asks `text`, to be answered `yes` or cancelled; with `label`, also asks for a line
/// under that label. Resolves to the line typed (true without a label), or null.
function dialog(text, yes, label) {
  return new Promise((resolve) => {
    $('confirm-text').textContent = text;
    $('confirm-yes').textContent = yes;
    $('confirm-field').hidden = !label;
    $('confirm-label').textContent = label ?? '';
    $('confirm-input').value = '';
    $('confirm').hidden = false;
    const answer = () => (label ? $('confirm-input').value : true);
    const done = (given) => {
      $('confirm').hidden = true;
      $('confirm-yes').onclick = null;
      $('confirm-no').onclick = null;
      $('confirm-input').onkeydown = null;
      resolve(given);
    };
    $('confirm-yes').onclick = () => done(answer());
    $('confirm-no').onclick = () => done(null);
    $('confirm-input').onkeydown = (event) => {
      if (event.key === 'Enter') { event.preventDefault(); done(answer()); }
    };
    (label ? $('confirm-input') : $('confirm-yes')).focus();
  });
}

async function confirmDialog(text, yes) {
  return (await dialog(text, yes)) !== null;
}

function confirmClose(order) {
  return confirmDialog(t('confirm_close', { ticket: order.ticket_no, order_id: order.order_id }), t('yes_close'));
}

async function act(order, button) {
  const step = order.status === 'order' ? 'pickup' : 'close';
  if (step === 'close' && !(await confirmClose(order))) return;
  button.disabled = true;
  try {
    await api(`/orders/${order.no}/${step}`, { method: 'POST' });
    haptic('success');
    if (step === 'pickup' && state.config.pickup_undo_ms > 0) offerUndo(order);
    else showBanner(t(step === 'pickup' ? 'picked_ok' : 'closed_ok', { ticket: order.ticket_no }), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  // Either way the row has left this page (moved by us, or by whoever was faster).
  await refresh();
}

/// A Pickup asks no confirmation: instead its presser may take it back with "Batalkan"
/// until the server tells the group (`pickup_undo_ms` after pressing).
function offerUndo(order) {
  const toast = $('undo-toast');
  $('undo-text').textContent = t('picked_ok', { ticket: order.ticket_no });
  toast.hidden = false;
  clearTimeout(offerUndo.timer);
  // A little before the server's time is up, so a late tap is not refused.
  offerUndo.timer = setTimeout(() => { toast.hidden = true; }, Math.max(0, state.config.pickup_undo_ms - 500));
  $('undo-button').onclick = async () => {
    clearTimeout(offerUndo.timer);
    toast.hidden = true;
    try {
      await api(`/orders/${order.no}/pickup/undo`, { method: 'POST' });
      haptic('success');
      showBanner(t('undone_ok', { ticket: order.ticket_no }), 'info');
    } catch (failure) {
      handleFailure(failure);
    }
    await refresh({ insert: order.no });
  };
}

function selectStatus(status) {
  state.status = status;
  state.orders = [];
  showFilters();
  load();
}

// --- one ticket: its page, timeline, notes and reopen ------------------------------------------

/// A tap on a card (not on its buttons) opens its ticket; so does Enter on a focused card.
function listenForTicketOpen(item, order) {
  item.tabIndex = 0;
  item.addEventListener('click', (event) => {
    if (event.target.closest('button, a, input, select, textarea')) return;
    // Selecting text to copy it is not a tap.
    if (String(window.getSelection?.() ?? '')) return;
    openTicketView(order.no);
  });
  item.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target === item) openTicketView(order.no);
  });
}

async function openTicketView(no) {
  state.ticketReturnScroll = window.scrollY;
  state.ticketNo = no;
  state.ticket = null;
  state.ticketSeen = null;
  showTicketMessage('note-message', 'done', '');
  showReopenForm(false);
  showView('ticket');
  renderTicket();
  window.scrollTo(0, 0);
  await loadTicket();
}

/// Back to the list as it was left, at the same place.
function closeTicket() {
  state.ticketNo = null;
  showView('board');
  window.scrollTo(0, state.ticketReturnScroll);
  tick();
}

async function loadTicket({ quiet = false } = {}) {
  const no = state.ticketNo;
  if (no === null) return;
  const request = (state.ticketSeq = (state.ticketSeq || 0) + 1);
  try {
    const ticket = await api(`/orders/${encodeURIComponent(no)}`);
    if (request !== state.ticketSeq || state.view !== 'ticket' || state.ticketNo !== no) return;
    // Asked again while the page is open (deliveries change): redrawn only on a change.
    const seen = JSON.stringify(ticket);
    if (quiet && seen === state.ticketSeen) return;
    state.ticketSeen = seen;
    state.ticket = ticket;
    renderTicket();
  } catch (failure) {
    if (request !== state.ticketSeq) return;
    if (failure.code === 'not_found') {
      closeTicket();
      showBanner(t('tk_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

function renderTicket() {
  const ticket = state.ticket;
  $('ticket-title').textContent = ticket ? t('tk_title', { ticket: ticket.ticket_no }) : '';
  $('ticket-card').hidden = !ticket;
  for (const section of document.querySelectorAll('#ticket-view .ticket-section')) section.hidden = !ticket;
  if (!ticket) return;
  $('ticket-view').dataset.status = ticket.status;
  const status = $('ticket-status');
  status.textContent = t(`tab_${ticket.status}`);
  status.dataset.status = ticket.status;
  const group = ticket.group_title ?? String(ticket.chat_id);
  $('ticket-group').textContent = group;
  $('ticket-group').title = group;

  const fields = $('ticket-fields');
  fields.replaceChildren();
  field(fields, t('f_no'), `#${ticket.no}`, 'no');
  field(fields, t('f_ticket'), ticket.ticket_no, 'ticket');
  field(fields, t('f_order_id'), ticket.order_id, 'order-id');
  field(fields, t('f_transaksi'), ticket.transaksi, 'transaksi');
  field(fields, t('f_keterangan'), ticket.keterangan, 'keterangan');
  field(fields, t('tk_group'), group, 'group-title');
  field(fields, t('f_requester'), `${ticket.requester_name} · ${formatTime(ticket.created_at)}`, 'requester');
  if (ticket.picked_by) {
    field(fields, t('f_picked'), `${person(ticket.picked_by, ticket.picked_by_username)} · ${formatTime(ticket.picked_at)}`, 'picked-by');
  }
  if (ticket.closed_by) {
    field(fields, t('f_closed'), `${person(ticket.closed_by, ticket.closed_by_username)} · ${formatTime(ticket.closed_at)}`, 'closed-by');
  }
  const stage = { order: 'pickup', pickup: 'close' }[ticket.status];
  const due = stage ? ticket[`${stage}_due_at`] : null;
  if (due) field(fields, t('sla_title'), t(`due_${stage}`, { time: formatTime(due) }), 'due');

  showTicketPhoto(ticket);
  $('reopen-panel').hidden = !ticket.may_reopen;
  $('ticket-timeline').replaceChildren(...ticket.events.map(renderTimelineEvent));
  $('ticket-notes').replaceChildren(...ticket.notes.map(renderNote));
  $('ticket-no-notes').hidden = ticket.notes.length > 0;
}

/// What happened, in the page's language: "Di-pickup oleh Budi", "Pesan ke Operasional: Feedback 2".
function timelineWords(event) {
  const message = event.message && TEXTS.id[`tk_msg_${event.message}`] ? t(`tk_msg_${event.message}`) : event.message;
  if (event.kind === 'message') return t('tk_ev_message', { to: event.to ?? t('tk_to_group'), message });
  if (event.kind === 'reminder') return t('tk_ev_reminder', { to: event.to ?? '—', message });
  const key = `tk_ev_${event.kind}`;
  return TEXTS.id[key] ? t(key, { by: event.by ?? '—' }) : event.kind;
}

function renderTimelineEvent(event) {
  const item = element('li', 'event');
  item.dataset.kind = event.kind;
  if (event.message) item.dataset.message = event.message;
  const head = element('div', 'event-head');
  head.append(element('span', 'what', timelineWords(event)));
  if (event.delivery) {
    const delivery = event.delivery;
    const badge = element('span', 'delivery', t(`tk_delivery_${delivery.state}`));
    badge.dataset.state = delivery.state;
    if (delivery.sent_at) badge.title = t('tk_sent_at', { time: formatTime(delivery.sent_at) });
    item.dataset.delivery = delivery.state;
    head.append(badge);
  }
  item.append(element('span', 'at', formatTime(event.at)), head);
  if (event.reason) item.append(element('p', 'reason', t('tk_reason', { reason: event.reason })));
  if (event.text) item.append(element('p', 'text', event.text));
  if (event.delivery?.error) {
    const key = event.delivery.state === 'failed' ? 'tk_failed_reason' : 'tk_retrying';
    item.append(element('p', 'delivery-error', t(key, { error: event.delivery.error })));
  }
  return item;
}

function renderNote(note) {
  const item = element('li', 'note');
  const head = element('div', 'note-head');
  head.append(element('span', 'author', note.author), element('span', 'at', formatTime(note.at)));
  item.append(head, element('p', 'text', note.text));
  return item;
}

/// The request's photo, fetched once per ticket opened. It is asked for with the session
/// like any API call, which an <img src> cannot do, and shown from the bytes received.
async function showTicketPhoto(ticket) {
  const box = $('ticket-photo');
  if (state.photoFor === ticket.no && ticket.has_photo) return;
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = null;
  state.photoFor = ticket.has_photo ? ticket.no : null;
  box.hidden = !ticket.has_photo;
  if (!ticket.has_photo) { box.replaceChildren(); return; }
  box.replaceChildren(element('p', 'hint', t('tk_photo_loading')));
  let response = null;
  try {
    response = await fetch(`api/orders/${encodeURIComponent(ticket.no)}/photo`, { headers: authHeaders() });
  } catch (_) { /* shown as not loaded below */ }
  if (state.photoFor !== ticket.no) return;
  if (!response?.ok) {
    let data = null;
    try { data = await response?.json(); } catch (_) { /* not JSON */ }
    const known = data?.error && TEXTS.en[`tk_${data.error}`] ? `tk_${data.error}` : 'tk_photo_failed';
    box.replaceChildren(element('p', 'hint', t(known)));
    return;
  }
  const image = document.createElement('img');
  state.photoUrl = URL.createObjectURL(await response.blob());
  if (state.photoFor !== ticket.no) { URL.revokeObjectURL(state.photoUrl); state.photoUrl = null; return; }
  image.src = state.photoUrl;
  image.alt = t('tk_photo_alt', { ticket: ticket.ticket_no });
  box.replaceChildren(image);
}

function showTicketMessage(id, kind, text) {
  const message = $(id);
  message.hidden = !text;
  message.className = kind === 'error' ? 'error' : 'done';
  message.textContent = text || '';
}

async function addNote(event) {
  event.preventDefault();
  const no = state.ticketNo;
  const text = $('note-text').value;
  if (!text.trim()) {
    showTicketMessage('note-message', 'error', t('tk_note_empty'));
    $('note-text').focus();
    return;
  }
  $('note-submit').disabled = true;
  try {
    await api(`/orders/${encodeURIComponent(no)}/notes`, { method: 'POST', body: { text } });
    haptic('success');
    $('note-text').value = '';
    showTicketMessage('note-message', 'done', t('tk_note_added'));
    await loadTicket();
  } catch (failure) {
    if (failure.code === 'not_found') { closeTicket(); showBanner(t('tk_gone')); return; }
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    showTicketMessage('note-message', 'error', failure.message);
  } finally {
    $('note-submit').disabled = false;
  }
}

function showReopenForm(open) {
  $('reopen-form').hidden = !open;
  $('reopen-open').hidden = open;
  if (!open) showTicketMessage('reopen-message', 'done', '');
  else $('reopen-reason').focus();
}

async function reopenTicket(event) {
  event.preventDefault();
  const ticket = state.ticket;
  if (!ticket) return;
  const reason = $('reopen-reason').value;
  if (!reason.trim()) {
    showTicketMessage('reopen-message', 'error', t('tk_reopen_need_reason'));
    $('reopen-reason').focus();
    return;
  }
  $('reopen-submit').disabled = true;
  try {
    await api(`/orders/${encodeURIComponent(ticket.no)}/reopen`, { method: 'POST', body: { reason } });
    haptic('success');
    $('reopen-reason').value = '';
    showReopenForm(false);
    showBanner(t('tk_reopened_ok', { ticket: ticket.ticket_no }), 'info');
    await loadTicket();
  } catch (failure) {
    if (failure.code === 'not_found') { closeTicket(); showBanner(t('tk_gone')); return; }
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    if (failure.code === 'conflict') {
      // Reopened by someone else meanwhile, say: the ticket as it is now, and why.
      showBanner(failure.message);
      await loadTicket();
    } else showTicketMessage('reopen-message', 'error', failure.message);
  } finally {
    $('reopen-submit').disabled = false;
  }
}

function setUpTicketView() {
  $('ticket-back').addEventListener('click', closeTicket);
  $('note-form').addEventListener('submit', addNote);
  $('reopen-open').addEventListener('click', () => showReopenForm(true));
  $('reopen-cancel').addEventListener('click', () => showReopenForm(false));
  $('reopen-form').addEventListener('submit', reopenTicket);
}

// --- the Booking page (front office and admins) ------------------------------------------------

/// Nights the free-room grid shows.
const GRID_DAYS = 14;

/// Whether this account works bookings: the list answers only those who do (for anyone
/// else, and with bookings off, it does not exist).
async function findBookings() {
  try {
    const answer = await api('/bookings?status=pending');
    state.worksBookings = true;
    state.bookings = answer.bookings;
    state.bookingCounts = answer.counts;
  } catch (_) {
    state.worksBookings = false;
  }
  $('booking-tab').hidden = !state.worksBookings;
}

function bookingsPath() {
  const query = new URLSearchParams({ status: state.bookingStatus });
  if (state.bookingQuery) query.set('q', state.bookingQuery);
  return `/bookings?${query}`;
}

async function openBookings() {
  if (!state.worksBookings) return;
  showView('bookings');
  renderBookings();
  await loadBookings();
}

/// The list of the status shown, the front desk's day and the grid, asked together; the
/// page is redrawn only when one of them changed, so a refresh leaves what is being typed.
async function loadBookings({ quiet = false } = {}) {
  const request = (state.bookingSeq = (state.bookingSeq || 0) + 1);
  try {
    const [answer, desk, grid] = await Promise.all([
      api(bookingsPath()), api('/bookings/today'), api(`/bookings/grid?days=${GRID_DAYS}`),
    ]);
    if (request !== state.bookingSeq || state.view !== 'bookings') return;
    const seen = JSON.stringify([answer, desk, grid]);
    if (quiet && seen === state.bookingsSeen) return;
    state.bookingsSeen = seen;
    state.bookings = answer.bookings;
    state.bookingCounts = answer.counts;
    state.desk = desk;
    state.grid = grid;
    renderDesk();
    renderGrid();
    renderBookings();
    renderRoomTypes(answer.room_types);
    renderBookingSettings(answer.settings, answer.groups);
  } catch (failure) {
    if (failure.code === 'not_found') {
      state.worksBookings = false;
      $('booking-tab').hidden = true;
      showView('board');
      load();
      showBanner(t('bookings_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

function renderBookings() {
  for (const tab of document.querySelectorAll('#booking-tabs button')) {
    const status = tab.dataset.bookingStatus;
    tab.querySelector('.count').textContent = String(state.bookingCounts[status] ?? 0);
    tab.setAttribute('aria-selected', String(status === state.bookingStatus));
  }
  $('bookings').replaceChildren(...state.bookings.map((booking) => renderBooking(booking)));
  const empty = $('bookings-empty');
  empty.hidden = state.bookings.length > 0;
  empty.textContent = state.bookingQuery ? t('bk_empty_search', { q: state.bookingQuery })
    : t(`bk_empty_${state.bookingStatus}`);
  updateBackButton();
}

/// `Rp1.350.000`, as Indonesians write Rupiah (in either language).
function rupiah(amount) {
  return `Rp${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

/// `2026-12-05` → `Sab` (the weekday, short, in the page's language).
function weekdayOf(day) {
  const names = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  return t(`dy_${names[new Date(`${day}T00:00:00Z`).getUTCDay()]}`);
}

/// Where a booking stands at the front desk: not paid, paid, in the house, leaving, gone.
function deskState(booking) {
  if (booking.checked_out_at) return 'out';
  if (booking.checked_in_at) return state.desk?.departures.some((b) => b.id === booking.id) ? 'due_out' : 'in_house';
  return booking.status;
}

/// The guest's contact as a link: their Telegram chat, or a mail to them.
function contactLink(contact) {
  if (contact?.telegram?.startsWith('tg://user?id=')) {
    const link = element('a', 'contact', t('bk_contact_telegram'));
    link.href = contact.telegram;
    return link;
  }
  if (contact?.email) {
    const link = element('a', 'contact', contact.email);
    link.href = `mailto:${contact.email}`;
    return link;
  }
  return null;
}

/// A booking's card: in the list of its status, or at the front desk (`place`: `arrival`,
/// `in_house`, `departure`), with what can be done to it there.
function renderBooking(booking, place = 'list') {
  const item = element('li', `order booking ${booking.status}`);
  item.dataset.id = String(booking.id);
  const head = document.createElement('header');
  head.append(element('span', 'ticket', booking.receipt));
  if (place !== 'list') {
    const standing = deskState(booking);
    const badge = element('span', 'badge desk-state', t(`bk_state_${standing}`));
    badge.dataset.state = standing;
    head.append(badge);
  }
  if (booking.status === 'pending') {
    const left = booking.hold_until - now();
    const clock = element('span', 'sla', left > 0 ? t('bk_left', { time: span(left) }) : t('bk_expired'));
    if (left <= 0) clock.dataset.sla = 'late';
    head.append(clock);
  }
  item.append(head);
  const guest = booking.guest_name ?? t('bk_erased');
  const details = document.createElement('dl');
  field(details, t('bk_guest'), guest, 'guest');
  const room = booking.room_no ? `${booking.room_type} · ${t('bk_room_no_short', { room: booking.room_no })}` : booking.room_type;
  field(details, t('bk_room'), room, 'room');
  field(details, t('bk_stay'), `${booking.check_in} → ${booking.check_out} · ${t('bk_nights', { n: booking.nights })}`, 'stay');
  if (booking.price > 0) {
    field(details, t('bk_price'), `${t('bk_nights', { n: booking.nights })} × ${rupiah(booking.price)} = ${rupiah(booking.total)}`, 'price');
  }
  const contact = contactLink(booking.contact);
  if (contact) {
    details.append(element('dt', '', t('bk_contact')));
    const value = element('dd', 'contact-line');
    value.append(contact);
    details.append(value);
  }
  field(details, t('bk_via'), booking.via === 'web' ? 'Web' : 'Telegram', 'via');
  if (booking.status === 'pending') field(details, t('bk_hold'), formatTime(booking.hold_until), 'hold');
  else if (place === 'list') field(details, t('bk_decided'), `${booking.decided_by ?? ''} · ${formatTime(booking.decided_at)}`, 'decided-by');
  if (booking.checked_in_at) field(details, t('bk_checked_in'), `${booking.checked_in_by ?? ''} · ${formatTime(booking.checked_in_at)}`, 'checked-in');
  if (booking.checked_out_at) field(details, t('bk_checked_out'), `${booking.checked_out_by ?? ''} · ${formatTime(booking.checked_out_at)}`, 'checked-out');
  item.append(details);
  const actions = element('div', 'actions');
  const offer = (action, label, secondary, run) => {
    const button = element('button', secondary ? 'action secondary' : 'action', t(label));
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => run(booking, button));
    actions.append(button);
  };
  if (booking.status === 'pending') {
    offer('cancel', 'bk_cancel_button', true, (b, button) => decideBooking(b, 'cancel', button));
    offer('paid', 'bk_paid_button', false, (b, button) => decideBooking(b, 'paid', button));
  } else if (place === 'list' && mayRevert(booking)) {
    offer('revert', 'bk_revert_button', true, revertPaid);
  } else if (place === 'arrival' && booking.status === 'paid') {
    offer('check_in', 'bk_check_in', false, checkIn);
  } else if (place !== 'list' && booking.checked_in_at && !booking.checked_out_at) {
    offer('check_out', 'bk_check_out', false, checkOut);
  }
  if (actions.childElementCount) item.append(actions);
  return item;
}

/// The front desk's day: arriving, in the house (those leaving today are under leaving
/// only), leaving.
function renderDesk() {
  const desk = state.desk;
  $('desk').hidden = !desk;
  if (!desk) return;
  $('desk-date').textContent = `${weekdayOf(desk.date)} ${shortDay(desk.date)}`;
  const leaving = new Set(desk.departures.map((b) => b.id));
  const lists = {
    arrivals: [desk.arrivals, 'arrival'],
    in_house: [desk.in_house.filter((b) => !leaving.has(b.id)), 'in_house'],
    departures: [desk.departures, 'departure'],
  };
  for (const [name, [bookings, place]] of Object.entries(lists)) {
    const id = name.replace('_', '-');
    $(`desk-${id}`).replaceChildren(...bookings.map((booking) => renderBooking(booking, place)));
    $(`desk-${id}-count`).textContent = String(bookings.length);
    const empty = $(`desk-${id}-empty`);
    empty.hidden = bookings.length > 0;
    empty.textContent = t(`desk_empty_${name}`);
  }
}

/// The rooms free of each type, night by night; a full night stands out. The table scrolls
/// sideways in its own box, the type's name staying in view.
function renderGrid() {
  const grid = state.grid;
  $('grid-panel').hidden = !grid;
  if (!grid) return;
  $('grid-title').textContent = t('grid_title', { n: grid.days.length });
  const headRow = document.createElement('tr');
  headRow.append(element('th', 'type', t('grid_type')));
  for (const day of grid.days) {
    const th = element('th', 'night');
    th.scope = 'col';
    th.dataset.date = day;
    th.append(element('span', 'weekday', weekdayOf(day)), element('span', 'date', shortDay(day)));
    headRow.append(th);
  }
  const head = document.createElement('thead');
  head.append(headRow);
  const body = document.createElement('tbody');
  for (const type of grid.types) {
    const row = document.createElement('tr');
    row.dataset.type = type.name;
    const name = element('th', 'type', type.name);
    name.scope = 'row';
    row.append(name);
    for (const night of type.nights) {
      const full = night.free === 0;
      const cell = element('td', full ? 'full' : '', String(night.free));
      cell.dataset.date = night.date;
      cell.dataset.free = String(night.free);
      cell.title = t(full ? 'grid_cell_full' : 'grid_cell', {
        type: type.name, day: `${weekdayOf(night.date)} ${shortDay(night.date)}`, free: night.free, rooms: type.rooms,
      });
      row.append(cell);
    }
    body.append(row);
  }
  $('grid').replaceChildren(head, body);
}

async function decideBooking(booking, action, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  const sure = await confirmDialog(t(`bk_confirm_${action}`, values), t(action === 'paid' ? 'bk_yes_paid' : 'bk_yes_cancel'));
  if (!sure) return;
  button.disabled = true;
  try {
    await api(`/bookings/${booking.id}/${action}`, { method: 'POST' });
    haptic('success');
    showBanner(t(action === 'paid' ? 'bk_paid_ok' : 'bk_cancelled_ok', values), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  // Either way it has left the Pending list (decided by us, or by whoever was faster).
  await loadBookings();
}

/// How long a booking marked paid may be put back to pending (the server decides; the
/// button is offered meanwhile).
const REVERT_WITHIN_MS = 15 * 60 * 1000;

/// Whether an owner or admin may still put this paid booking back: marked paid within the
/// last 15 minutes and its guest not checked in.
function mayRevert(booking) {
  return booking.status === 'paid' && state.user?.manages_team && !booking.checked_in_at
    && Date.now() - booking.decided_at < REVERT_WITHIN_MS;
}

/// A booking marked paid by mistake goes back to pending; its guest is not told.
async function revertPaid(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  if (!(await confirmDialog(t('bk_confirm_revert', values), t('bk_yes_revert')))) return;
  await deskStep(booking, 'revert', button, undefined, () => t('bk_reverted_ok', values));
}

/// Check-in: asks the room number (it may stay empty), then moves the guest in.
async function checkIn(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  const room = await dialog(t('bk_confirm_check_in', values), t('bk_yes_check_in'), t('bk_room_no'));
  if (room === null) return;
  await deskStep(booking, 'check_in', button, room.trim() ? { room: room.trim() } : {}, (done) => (
    done.room_no ? t('bk_checked_in_room', { ...values, room: done.room_no }) : t('bk_checked_in_ok', values)));
}

async function checkOut(booking, button) {
  const values = { receipt: booking.receipt, guest: booking.guest_name ?? t('bk_erased') };
  if (!(await confirmDialog(t('bk_confirm_check_out', values), t('bk_yes_check_out')))) return;
  await deskStep(booking, 'check_out', button, undefined, () => t('bk_checked_out_ok', values));
}

/// Sends a front-desk step; whoever was faster (or why not) is told by the server.
async function deskStep(booking, step, button, body, said) {
  button.disabled = true;
  try {
    const done = await api(`/bookings/${booking.id}/${step}`, { method: 'POST', body });
    haptic('success');
    showBanner(said(done), 'info');
  } catch (failure) {
    handleFailure(failure);
  }
  await loadBookings();
}

/// Owners and admins set each type's rooms and price per night; redrawn only when the
/// types changed, so that a number being typed survives the page's refreshes.
function renderRoomTypes(types) {
  state.roomTypes = types;
  $('room-types-panel').hidden = !types;
  const seen = JSON.stringify(types ?? null);
  if (!types || seen === state.roomTypesSeen) return;
  state.roomTypesSeen = seen;
  $('room-types').replaceChildren(...types.map((type) => {
    const item = element('li', 'room-type');
    item.dataset.id = String(type.id);
    item.append(element('span', 'name', type.name));
    const rooms = numberField('rooms', type.rooms, 10000, t('rt_rooms'), type.name);
    const price = numberField('price', type.price, 1000000000, t('rt_price'), type.name);
    const save = element('button', 'secondary', t('rt_save'));
    save.type = 'button';
    save.addEventListener('click', () => changeRoomTypes(`/room_types/${type.id}`, 'PUT',
      { rooms: typedNumber(rooms.input.value), price: typedNumber(price.input.value) },
      (changed) => t('rt_saved', { ...changed, price: rupiah(changed.price) }), save));
    // The price as Rupiah under its field, as it is typed.
    const shown = element('small', 'rupiah', rupiah(type.price));
    price.input.addEventListener('input', () => {
      shown.textContent = /^\d+$/.test(price.input.value) ? rupiah(Number(price.input.value)) : '';
    });
    item.append(rooms.label, price.label, save, shown);
    return item;
  }));
}

/// A labelled number input (`name`, starting at `value`) of a room type's row.
function numberField(name, value, max, caption, typeName) {
  const label = element('label', `rt-${name}`);
  label.append(element('span', '', caption));
  const input = element('input');
  input.type = 'number';
  input.name = name;
  input.min = '0';
  input.max = String(max);
  input.inputMode = 'numeric';
  input.value = String(value);
  input.setAttribute('aria-label', `${typeName}: ${caption}`);
  label.append(input);
  return { label, input };
}

/// A whole number as typed, or the text itself so the server says what is wrong with it.
function typedNumber(text) {
  return /^\d+$/.test(text.trim()) ? Number(text) : text;
}

function showRoomTypesMessage(kind, text) {
  const message = $('room-types-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'done';
}

async function changeRoomTypes(path, method, body, said, button) {
  button.disabled = true;
  try {
    const changed = await api(path, { method, body });
    haptic('success');
    state.roomTypesSeen = null;
    showRoomTypesMessage('done', said(changed));
    await loadBookings();
  } catch (failure) {
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) handleFailure(failure);
    else showRoomTypesMessage('error', failure.message);
  }
  button.disabled = false;
}

const BOOKING_SETTINGS = ['hotel_name', 'hold', 'warn_before', 'staff_chat', 'book_ahead_days', 'payment_text'];

/// Owners and admins change the hotel's settings; like the room types, the form is
/// refilled only when the saved settings (or the groups) changed, so that typing survives
/// refreshes. The FO chat is chosen by title among the groups the bot knows; a chat it
/// does not know stays offered by its id.
function renderBookingSettings(settings, groups) {
  $('booking-settings-panel').hidden = !settings;
  const seen = JSON.stringify([settings ?? null, groups ?? null]);
  if (!settings || seen === state.bookingSettingsSeen) return;
  state.bookingSettingsSeen = seen;
  const form = $('booking-settings');
  const current = settings.staff_chat === null ? '' : String(settings.staff_chat);
  const none = element('option', '', t('bs_staff_chat_none'));
  none.value = '';
  none.dataset.i18n = 'bs_staff_chat_none';
  const choices = (groups ?? []).map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  });
  if (current && !choices.some((option) => option.value === current)) {
    const unknown = element('option', '', t('bs_staff_chat_unknown', { id: current }));
    unknown.value = current;
    unknown.dataset.unknownChat = current;
    choices.unshift(unknown);
  }
  form.elements.staff_chat.replaceChildren(none, ...choices);
  for (const name of BOOKING_SETTINGS) {
    const value = settings[name];
    form.elements[name].value = value === null || value === undefined ? '' : String(value);
  }
}

function showBookingSettingsErrors(field, text) {
  const form = $('booking-settings');
  for (const name of BOOKING_SETTINGS) {
    const refused = name === field;
    form.elements[name].setAttribute('aria-invalid', String(refused));
    const error = form.querySelector(`[data-error-for="${name}"]`);
    error.hidden = !refused;
    error.textContent = refused ? text : '';
  }
}

function showBookingSettingsMessage(kind, text) {
  const message = $('booking-settings-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'done';
}

async function saveBookingSettings(event) {
  event.preventDefault();
  const form = $('booking-settings');
  const button = event.submitter || form.querySelector('button[type="submit"]');
  const values = Object.fromEntries(BOOKING_SETTINGS.map((name) => [name, form.elements[name].value]));
  // An empty or odd number is sent as typed, so that the server says what is wrong with it.
  const days = values.book_ahead_days.trim();
  values.book_ahead_days = /^-?\d+$/.test(days) ? Number(days) : days;
  button.disabled = true;
  showBookingSettingsErrors(null, '');
  showBookingSettingsMessage('done', '');
  try {
    const saved = await api('/booking_settings', { method: 'PUT', body: values });
    haptic('success');
    state.bookingSettingsSeen = null;
    renderBookingSettings(saved);
    showBookingSettingsMessage('done', t('bs_saved'));
  } catch (failure) {
    if (failure.code === 'network' || SESSION_ENDED.includes(failure.code)) handleFailure(failure);
    else if (failure.field && BOOKING_SETTINGS.includes(failure.field)) {
      showBookingSettingsErrors(failure.field, failure.message);
      form.elements[failure.field].focus();
    } else showBookingSettingsMessage('error', failure.message);
  }
  button.disabled = false;
}

function selectBookingStatus(status) {
  state.bookingStatus = status;
  state.bookings = [];
  renderBookings();
  loadBookings();
}

// --- the Tim page (owners and admins) --------------------------------------------------------

const ACTION_ORDER = ['approve', 'reject', 'enable', 'disable'];

function wordFor(kind, value) {
  const key = `${kind}_${value}`;
  return TEXTS.id[key] ? t(key) : value;
}

/// "pending → active" or "staff → admin" in the page's language.
function detailWords(detail) {
  return detail.split(' → ').map((part) => {
    if (TEXTS.id[`state_${part}`]) return wordFor('state', part).toLowerCase();
    if (TEXTS.id[`role_${part}`]) return wordFor('role', part).toLowerCase();
    return part;
  }).join(' → ');
}

async function openTeam() {
  if (!state.user?.manages_team) return;
  state.teamMessage = null;
  showView('team');
  renderTeam();
  renderSlaGroups();
  showSlaMessage('done', '');
  if (state.slaTimes) fillSla(state.slaTimes);
  // The groups are asked again: one the bot met since the login is offered too.
  const groups = loadGroups().then((ok) => {
    if (!ok || state.view !== 'team') return;
    renderSlaGroups();
    return loadSla();
  });
  await Promise.all([loadTeam(), groups]);
}

async function loadTeam({ quiet = false } = {}) {
  const request = (state.teamSeq = (state.teamSeq || 0) + 1);
  try {
    const team = await api('/team');
    if (request !== state.teamSeq) return;
    // Polled while the page is open: redrawn only when something changed, so that an
    // open role menu stays open.
    const seen = JSON.stringify(team);
    if (quiet && seen === state.teamSeen) return;
    state.teamSeen = seen;
    state.team = team;
    renderTeam();
  } catch (failure) {
    if (failure.code === 'not_found') {
      // No longer an owner or admin: for them the page does not exist.
      state.user.manages_team = false;
      $('team-tab').hidden = true;
      showView('board');
      showBanner(t('team_gone'));
      return;
    }
    if (quiet && failure.code === 'network') return;
    handleFailure(failure);
  }
}

function renderTeam() {
  const message = $('team-message');
  message.hidden = !state.teamMessage;
  message.textContent = state.teamMessage?.text ?? '';
  message.className = state.teamMessage?.kind === 'error' ? 'error' : 'done';
  const team = state.team;
  if (!team) {
    $('accounts').replaceChildren();
    $('audit').replaceChildren();
    return;
  }
  $('accounts').replaceChildren(...team.accounts.map(renderAccount));
  if (!team.accounts.length) $('accounts').append(element('li', 'hint', t('no_accounts')));
  $('audit').replaceChildren(...team.audit.map(renderAudit));
  $('audit-empty').hidden = team.audit.length > 0;
}

function renderAccount(account) {
  const item = element('li', `account ${account.state}`);
  item.dataset.id = String(account.id);
  item.dataset.username = account.username;
  item.dataset.state = account.state;
  item.dataset.role = account.role;

  const head = document.createElement('header');
  const badges = element('span', 'badges');
  const role = element('span', `badge role role-${account.role}`, wordFor('role', account.role));
  const standing = element('span', `badge state state-${account.state}`, wordFor('state', account.state));
  standing.dataset.state = account.state;
  badges.append(role, standing);
  head.append(element('span', 'name', person(account.name, account.username)), badges);

  const details = document.createElement('dl');
  const handle = account.telegram_username ? ` · @${account.telegram_username}` : '';
  field(details, t('a_telegram'), `${account.telegram_id}${handle}`, 'telegram');
  field(details, t('a_groups'), account.groups.length ? account.groups.join(', ') : t('no_groups'), 'groups');
  field(details, t('a_last_login'), account.last_login_at ? formatTime(account.last_login_at) : t('never'), 'last-login');
  field(details, t('a_created'), formatTime(account.created_at), 'created');
  item.append(head, details);

  const actions = element('div', 'account-actions');
  for (const action of ACTION_ORDER.filter((a) => account.actions.includes(a))) {
    const button = element('button', ['reject', 'disable'].includes(action) ? 'danger' : '', t(`act_${action}`));
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => changeAccount(account, action, item));
    actions.append(button);
  }
  if (account.actions.includes('role') && account.roles.length) {
    const label = element('label', 'role-field');
    const select = element('select', 'role-select');
    select.setAttribute('aria-label', `${t('a_role')}: ${person(account.name, account.username)}`);
    const offered = new Set([account.role, ...account.roles]);
    for (const value of ['owner', 'admin', 'staff'].filter((r) => offered.has(r))) {
      const option = element('option', '', wordFor('role', value));
      option.value = value;
      select.append(option);
    }
    select.value = account.role;
    select.addEventListener('change', () => changeAccount(account, 'role', item, select.value));
    label.append(element('span', 'hint', t('a_role')), select);
    actions.append(label);
  }
  if (actions.childElementCount) item.append(actions);
  return item;
}

function renderAudit(entry) {
  const item = element('li', 'audit-entry');
  item.dataset.action = entry.action;
  item.dataset.detail = entry.detail;
  const line = element('div', 'audit-line');
  line.append(
    element('span', 'actor', entry.actor), ' ',
    element('span', 'action', wordFor('did', entry.action)), ' ',
    element('span', 'target', entry.target),
  );
  const detail = entry.action === 'group_settings' ? settingsWords(entry.detail) : detailWords(entry.detail);
  item.append(element('span', 'at', formatTime(entry.at)), line, element('span', 'detail', detail));
  return item;
}

async function changeAccount(account, action, item, role) {
  const name = person(account.name, account.username);
  if (['reject', 'disable'].includes(action)
      && !(await confirmDialog(t(`confirm_${action}`, { name }), t(`yes_${action}`)))) return;
  for (const control of item.querySelectorAll('button, select')) control.disabled = true;
  try {
    const changed = await api(`/team/${account.id}/${action}`, {
      method: 'POST',
      body: action === 'role' ? { role } : undefined,
    });
    haptic('success');
    state.teamMessage = {
      kind: 'done',
      text: t(`done_${action}`, { name: person(changed.name, changed.username), role: wordFor('role', changed.role) }),
    };
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    state.teamMessage = { kind: 'error', text: failure.message || t('network') };
  }
  renderTeam();
  // Either way, show the accounts as they are now.
  await loadTeam();
}

// --- time targets, on the Tim page -------------------------------------------------------------

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/// The group picker: the groups this account sees; the one shown stays while it exists.
function renderSlaGroups() {
  const select = $('sla-group');
  select.replaceChildren(...state.groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  if (!state.groups.some((g) => String(g.chat_id) === state.slaGroup)) {
    state.slaGroup = state.groups.length ? String(state.groups[0].chat_id) : '';
    state.slaTimes = null;
  }
  select.value = state.slaGroup;
  const none = state.groups.length === 0;
  $('sla-no-groups').hidden = !none;
  $('sla-group-field').hidden = none;
  $('sla-form').hidden = none;
}

function showSlaMessage(kind, text) {
  const message = $('sla-message');
  message.hidden = !text;
  message.className = kind === 'error' ? 'error' : 'done';
  message.textContent = text || '';
}

async function loadSla() {
  if (!state.slaGroup) return;
  const request = (state.slaSeq = (state.slaSeq || 0) + 1);
  $('sla-save').disabled = true;
  try {
    const times = await api(`/groups/${encodeURIComponent(state.slaGroup)}/settings`);
    if (request !== state.slaSeq) return;
    fillSla(times);
  } catch (failure) {
    if (request !== state.slaSeq) return;
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    // No longer an owner or admin: the Tim page's own check takes the page away.
    if (failure.code === 'not_found') await loadTeam({ quiet: true });
    showSlaMessage('error', failure.message || t('network'));
  } finally {
    if (request === state.slaSeq) $('sla-save').disabled = false;
  }
}

/// Shows a group's settings in the form.
function fillSla(times) {
  state.slaTimes = times;
  const settings = times.settings;
  $('sla-pickup').value = settings.pickup ?? '';
  $('sla-close').value = settings.close ?? '';
  $('sla-zone').value = settings.zone;
  $('sla-hours').replaceChildren(...DAYS.flatMap((day) => {
    const windows = settings.hours.filter((w) => w.day === day);
    // A day with no window is offered unticked, at usual office hours.
    if (!windows.length) return [dayRow(day, null)];
    return windows.map((w) => dayRow(day, w));
  }));
  labelSla();
}

/// One day's row: a tick for "open", and from/to. `24:00` (the end of the day) shows as
/// 00:00 in the `to` field, which a time field can show.
function dayRow(day, window) {
  const row = element('li', 'day-row');
  row.dataset.day = day;
  const label = element('label', 'day');
  const open = element('input', 'day-open');
  open.type = 'checkbox';
  open.checked = Boolean(window);
  // Short names: a phone's width holds them beside two time fields (12-hour ones too).
  const name = element('span', '', t(`dy_${day}`));
  name.dataset.i18n = `dy_${day}`;
  label.append(open, name);
  const from = element('input', 'from');
  from.type = 'time';
  from.value = window ? window.from : '08:00';
  const to = element('input', 'to');
  to.type = 'time';
  to.value = window ? (window.to === '24:00' ? '00:00' : window.to) : '17:00';
  const sync = () => {
    from.disabled = !open.checked;
    to.disabled = !open.checked;
    row.classList.toggle('open', open.checked);
  };
  open.addEventListener('change', sync);
  sync();
  row.append(label, from, element('span', 'dash', '–'), to);
  labelDayRow(row);
  return row;
}

function labelDayRow(row) {
  const day = t(`day_${row.dataset.day}`);
  row.querySelector('.day-open').setAttribute('aria-label', day);
  row.querySelector('.day').title = day;
  row.querySelector('.from').setAttribute('aria-label', `${day}: ${t('sla_from')}`);
  row.querySelector('.to').setAttribute('aria-label', `${day}: ${t('sla_to')}`);
}

/// The texts that name the defaults, in the page's language.
function labelSla() {
  for (const row of $('sla-hours').children) labelDayRow(row);
  const defaults = state.slaTimes?.defaults;
  const named = (value) => (value === '0' ? t('sla_none') : value);
  $('sla-pickup').placeholder = defaults ? t('sla_default', { value: named(defaults.pickup) }) : '';
  $('sla-close').placeholder = defaults ? t('sla_default', { value: named(defaults.close) }) : '';
  const warn = defaults?.warn_before;
  $('sla-warn-hint').textContent = warn && warn !== '0' ? t('sla_warn_hint', { warn }) : '';
}

/// The form as the API takes it.
function slaBody() {
  const hours = [];
  for (const row of $('sla-hours').children) {
    if (!row.querySelector('.day-open').checked) continue;
    const to = row.querySelector('.to').value;
    hours.push({ day: row.dataset.day, from: row.querySelector('.from').value, to: to === '00:00' ? '24:00' : to });
  }
  return {
    pickup: $('sla-pickup').value.trim() || null,
    close: $('sla-close').value.trim() || null,
    hours,
    zone: $('sla-zone').value,
  };
}

async function saveSla(event) {
  event.preventDefault();
  if (!state.slaGroup) return;
  const chatId = state.slaGroup;
  showSlaMessage('done', '');
  $('sla-save').disabled = true;
  try {
    const times = await api(`/groups/${encodeURIComponent(chatId)}/settings`, { method: 'PUT', body: slaBody() });
    haptic('success');
    if (state.slaGroup === chatId) fillSla(times);
    const n = times.retimed ?? 0;
    showSlaMessage('done', t(n === 1 ? 'sla_saved_one' : 'sla_saved', { n, group: times.title }));
    loadTeam({ quiet: true });
  } catch (failure) {
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    haptic('error');
    if (failure.code === 'not_found') await loadTeam({ quiet: true });
    showSlaMessage('error', failure.message || t('network'));
  } finally {
    $('sla-save').disabled = false;
  }
}

/// `Gudang: {"pickup":"1h",…}` as the audit log keeps it, told shortly:
/// `Gudang · Pickup 1h · Close bawaan · Sen 08:00–17:00 · WIB`.
function settingsWords(detail) {
  const split = detail.indexOf(': {');
  if (split < 0) return detail;
  let settings;
  try { settings = JSON.parse(detail.slice(split + 2)); } catch (_) { return detail; }
  const target = (value) => (value === null || value === undefined ? t('sla_default_short') : value === '0' ? t('sla_none') : value);
  const hours = Array.isArray(settings.hours) && settings.hours.length
    ? settings.hours.map((w) => `${TEXTS.id[`dy_${w.day}`] ? t(`dy_${w.day}`) : w.day} ${w.from}–${w.to}`).join(', ')
    : t('sla_always_open');
  return [detail.slice(0, split), `Pickup ${target(settings.pickup)}`, `Close ${target(settings.close)}`, hours, settings.zone]
    .join(' · ');
}

// --- Laporan (owners and admins) ---------------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';

function wireReport() {
  $('report-tab').addEventListener('click', () => {
    if (state.view === 'reports') { showView('board'); load(); } else openReport();
  });
  $('report-back').addEventListener('click', () => { showView('board'); load(); });
  $('report-group').addEventListener('change', () => {
    state.reportGroup = $('report-group').value;
    loadReport();
  });
}

async function openReport() {
  if (!state.user?.sees_reports) return;
  showView('reports');
  renderReport();
  await loadReport();
}

async function loadReport() {
  const request = (state.reportSeq = (state.reportSeq || 0) + 1);
  showReportMessage('hint', t('report_loading'));
  const query = state.reportGroup ? `?group=${encodeURIComponent(state.reportGroup)}` : '';
  try {
    const report = await api(`/reports${query}`);
    if (request !== state.reportSeq) return;
    state.report = report;
    showReportMessage('hint', '');
    renderReport();
  } catch (failure) {
    if (request !== state.reportSeq) return;
    if (failure.code === 'not_found' && !state.reportGroup) {
      // No longer an owner or admin: for them the page does not exist.
      state.user.sees_reports = false;
      $('report-tab').hidden = true;
      showView('board');
      showBanner(t('report_gone'));
      return;
    }
    if (failure.code === 'not_found') {
      // The group is gone: back to all groups.
      state.reportGroup = '';
      loadReport();
      return;
    }
    if (SESSION_ENDED.includes(failure.code)) { handleFailure(failure); return; }
    showReportMessage('error', failure.message);
  }
}

function showReportMessage(kind, text) {
  const message = $('report-message');
  message.hidden = !text;
  message.textContent = text;
  message.className = kind === 'error' ? 'error' : 'hint';
}

function renderReport() {
  const report = state.report;
  renderReportGroups(report?.groups ?? []);
  if (!report) return;
  $('report-days-title').textContent = t('report_days', { n: report.per_day.length, zone: report.zone });
  $('report-chart').replaceChildren(reportChart(report.per_day));
  renderReportMet(report);
  const timesHead = [t('report_pickup_median'), t('report_pickup_p90'), t('report_close_median'), t('report_close_p90'), t('report_count')];
  reportTable($('report-staff'), [t('report_name'), ...timesHead],
    report.staff.map((s) => [s.name, ...timesCells(s)]), t('report_no_times'));
  reportTable($('report-groups'), [t('report_group_col'), ...timesHead],
    report.group_times.map((g) => [g.title, ...timesCells(g)]), t('report_no_times'));
  reportTable($('report-backlog'), [t('report_age'), t('report_waiting_pickup'), t('report_waiting_close')],
    report.backlog.map((b) => [t(`age_${b.age}`), String(b.order), String(b.pickup)]));
  $('report-precision').textContent = t('report_precision', { p: report.precision_percent });
}

function renderReportGroups(groups) {
  const select = $('report-group');
  const all = element('option', '', t('all_groups'));
  all.value = '';
  select.replaceChildren(all, ...groups.map((group) => {
    const option = element('option', '', group.title);
    option.value = String(group.chat_id);
    return option;
  }));
  select.value = state.reportGroup;
}

/// Median, p90 of Pickup and Close, and how many steps, as table cells.
function timesCells(row) {
  const time = (ms) => (ms === null || ms === undefined ? '–' : span(ms));
  return [time(row.pickup.median_ms), time(row.pickup.p90_ms), time(row.close.median_ms),
    time(row.close.p90_ms), `${row.pickup.count} / ${row.close.count}`];
}

function reportTable(table, head, rows, empty) {
  const headRow = element('tr');
  headRow.append(...head.map((text) => element('th', '', text)));
  const thead = element('thead');
  thead.append(headRow);
  const tbody = element('tbody');
  for (const cells of rows) {
    const row = element('tr');
    row.append(...cells.map((text) => element('td', '', text)));
    tbody.append(row);
  }
  if (!rows.length && empty) {
    const row = element('tr', 'empty');
    const cell = element('td', '', empty);
    cell.colSpan = head.length;
    row.append(cell);
    tbody.append(row);
  }
  table.replaceChildren(thead, tbody);
}

function renderReportMet(report) {
  const list = $('report-met');
  list.replaceChildren();
  for (const [label, met] of [[t('report_met_pickup'), report.pickup_met], [t('report_met_close'), report.close_met]]) {
    const total = met.met + met.missed;
    const value = met.share === null
      ? t('report_met_none')
      : t('report_met_value', { share: Math.round(met.share * 100), met: met.met, total });
    field(list, label, value);
  }
}

function svgNode(tag, attributes, className) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (className) node.setAttribute('class', className);
  return node;
}

/// New tickets per day as bars, today last; the colours are the theme's (app.css).
function reportChart(days) {
  const barWidth = 10;
  const height = 100;
  const top = 12;
  const bottom = 16;
  const width = days.length * barWidth;
  const most = Math.max(1, ...days.map((d) => d.new));
  const svg = svgNode('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('report_chart_label') });
  svg.append(svgNode('line', { x1: 0, y1: height - bottom, x2: width, y2: height - bottom }, 'axis'));
  days.forEach((day, i) => {
    const tall = ((height - top - bottom) * day.new) / most;
    const bar = svgNode('rect', {
      x: i * barWidth + 1, y: height - bottom - tall, width: barWidth - 2, height: tall, rx: 1.5,
    }, i === days.length - 1 ? 'bar today' : 'bar');
    bar.dataset.day = day.day;
    bar.dataset.new = String(day.new);
    const title = svgNode('title', {});
    title.textContent = t('report_new_on', { day: shortDay(day.day), n: day.new });
    bar.append(title);
    svg.append(bar);
  });
  // The first, middle and last day named under the bars; the most, above.
  for (const i of new Set([0, Math.floor(days.length / 2), days.length - 1])) {
    const label = svgNode('text', {
      x: i * barWidth + barWidth / 2, y: height - 4, 'text-anchor': i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle',
    });
    label.textContent = shortDay(days[i].day);
    svg.append(label);
  }
  const peak = svgNode('text', { x: 0, y: 9 }, 'peak');
  peak.textContent = String(most === 1 && days.every((d) => d.new === 0) ? 0 : most);
  svg.append(peak);
  return svg;
}

/// `2026-12-05` → `5/12`.
function shortDay(day) {
  const [, month, date] = day.split('-');
  return `${Number(date)}/${Number(month)}`;
}

// --- language -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $('lang').textContent = state.lang === 'id' ? 'EN' : 'ID';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  }
  if (!$('login-view').hidden) showLogin($('login-error').textContent);
  if (!$('board-view').hidden) render();
  if (!$('team-view').hidden) {
    renderTeam();
    labelSla();
  }
  if (!$('report-view').hidden) renderReport();
  if (!$('booking-view').hidden) {
    renderDesk();
    renderGrid();
    renderBookings();
    state.roomTypesSeen = null;
    renderRoomTypes(state.roomTypes);
  }
  for (const option of document.querySelectorAll('[data-unknown-chat]')) {
    option.textContent = t('bs_staff_chat_unknown', { id: option.dataset.unknownChat });
  }
  if (!$('ticket-view').hidden) renderTicket();
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  applyTheme();
  tg?.ready();
  tg?.expand();
  tg?.onEvent?.('themeChanged', applyTheme);
  tg?.MainButton.onClick(submitLogin);
  tg?.BackButton?.onClick(() => {
    if (state.view === 'ticket') { closeTicket(); return; }
    if (state.view !== 'board') { showView('board'); load(); return; }
    if (pageFilters().query) changeFilters({ query: '' }); else selectStatus('order');
  });
  $('login-form').addEventListener('submit', submitLogin);
  $('logout').addEventListener('click', logout);
  $('open-bot').addEventListener('click', openBotChat);
  $('more').addEventListener('click', () => load({ append: true }));
  $('held-chip').addEventListener('click', showHeld);
  $('team-tab').addEventListener('click', () => {
    if (state.view === 'team') { showView('board'); load(); } else openTeam();
  });
  $('team-back').addEventListener('click', () => { showView('board'); load(); });
  wireReport();
  $('booking-tab').addEventListener('click', () => {
    if (state.view === 'bookings') { showView('board'); load(); } else openBookings();
  });
  $('booking-back').addEventListener('click', () => { showView('board'); load(); });
  for (const tab of document.querySelectorAll('#booking-tabs button')) {
    tab.addEventListener('click', () => selectBookingStatus(tab.dataset.bookingStatus));
  }
  $('booking-search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.bookingQuery = $('booking-search').value.trim();
    loadBookings();
  });
  $('booking-settings').addEventListener('submit', saveBookingSettings);
  $('room-type-add').addEventListener('submit', (event) => {
    event.preventDefault();
    changeRoomTypes('/room_types', 'POST',
      {
        name: $('room-type-name').value,
        rooms: typedNumber($('room-type-rooms').value),
        price: typedNumber($('room-type-price').value || '0'),
      },
      (added) => { $('room-type-name').value = ''; return t('rt_added', added); },
      event.submitter || $('room-type-add').querySelector('button'));
  });
  $('booking-search').addEventListener('search', () => {
    state.bookingQuery = $('booking-search').value.trim();
    loadBookings();
  });
  $('sla-group').addEventListener('change', () => {
    state.slaGroup = $('sla-group').value;
    showSlaMessage('done', '');
    loadSla();
  });
  $('sla-form').addEventListener('submit', saveSla);
  setUpTicketView();
  for (const button of document.querySelectorAll('#board-options [data-sort]')) {
    button.addEventListener('click', () => {
      if (pageFilters().sort !== button.dataset.sort) changeFilters({ sort: button.dataset.sort });
    });
  }
  $('late-only').addEventListener('click', () => changeFilters({ lateOnly: !pageFilters().lateOnly }));
  listenToFilters();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'id' ? 'en' : 'id';
    localStorage.setItem('tangkap.lang', state.lang);
    applyLanguage();
  });
  for (const tab of document.querySelectorAll('#board-tabs button')) {
    tab.addEventListener('click', () => selectStatus(tab.dataset.status));
  }
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    changeFilters({ query: $('search').value.trim() });
  });
  $('search').addEventListener('search', () => changeFilters({ query: $('search').value.trim() }));
  $('group-filter').addEventListener('change', () => changeFilters({ group: $('group-filter').value }));
  applyLanguage();

  try {
    state.config = await api('/config');
  } catch (failure) {
    showBanner(failure.message);
  }
  if (state.token) {
    try {
      const user = await api('/me');
      await showBoard(user);
      return;
    } catch (failure) {
      // A session that ended, or that belongs to another Telegram account, is forgotten;
      // with the server out of reach it is kept for the next try.
      if (failure.code === 'network') showBanner(failure.message);
      else forgetSession();
    }
  }
  await enterLogin('');
}

start();
