//! `tangkap demo`: the whole system on one machine without a Telegram token. The fake
//! Telegram from `sim` plays Telegram, the real bot and web server run against it, and a
//! page at `/demo` plays the Telegram client: a group chat, a private chat with the bot,
//! and the Mini App in a phone-sized frame with initData signed by the demo bot's token, so
//! the real verification path runs. Nothing is fetched from the internet.
//!
//! The demo is also a hotel: bookings are on, with an FO chat and the public `/booking`
//! page, whose mail lands in a mailbox the demo page shows ([`DemoMailbox`]) instead of
//! going to an SMTP server: it still goes through the one outbox and its sender.
//!
//! And a shop: two products with a few items each, paid through a fake Pakasir that the
//! page's "Bayar (simulasi)" plays the buyer's bank app for, so the whole QRIS flow runs
//! offline.

mod page;

use std::{
    fs::{File, OpenOptions, TryLockError},
    io::{Read, Seek, Write},
    net::SocketAddr,
    path::Path,
    time::Duration,
};

use anyhow::anyhow;

use rand::{Rng, RngCore};

use crate::{
    app::{self, Running},
    booking::{
        self,
        config::{BookingConfig, HotelSettings, LocationRule, RoomTypeConfig},
        rooms, Guest, NewBooking, Stay,
    },
    config::{BotToken, Secret},
    db::now_ms,
    groups,
    lang::Lang,
    mail::{Delivered, DemoMailbox, MailSettings, MailVia},
    orders::{self, workflow::Transition},
    settings::Config,
    shop::{
        catalogue,
        config::{self, PakasirSettings, ProductConfig, ShopConfig},
        coupons::{self, Coupon, Discount},
    },
    sim::{pakasir::FakePakasir, FakeTelegram, History, MemberStatus, SimPosition, SimUser},
    state::AppState,
    telegram::inbox,
    users::{
        self,
        access::{Registration, RegistrationMode, Scope},
        team, AccountState, DisplayName, NewUser, Password, Role, User, Username,
    },
};

/// The demo's own database, apart from a real one.
pub const DATABASE_FILE: &str = "data/demo.db";
/// What the demo page shows that Telegram and a mail server would keep, and the demo's
/// stand-ins keep in memory: every chat's messages and the mailbox. Saved while the demo
/// runs, so that `--keep` brings its chats back with its database.
pub const CHATS_FILE: &str = "data/demo-chats.json";
/// The demo bot's token. A new one on each start would make the launch data of a Mini App
/// left open across a `--keep` restart "not valid" (it is signed with the token), so
/// `--keep` keeps it too.
pub const TOKEN_FILE: &str = "data/demo-token";
/// How often the chats are saved (when they changed); a demo killed without warning
/// loses at most this much of them.
const SAVE_CHATS_EVERY: Duration = Duration::from_secs(1);
/// Held locked by the running demo, and holding its page's address: a second demo in the
/// same folder would otherwise delete the first one's database under it.
pub const LOCK_FILE: &str = "data/demo.lock";
pub const STAFF_USERNAME: &str = "demo";
pub const STAFF_PASSWORD: &str = "tangkap-demo";
const BOT_USERNAME: &str = "tangkap_demo_bot";
const GROUP_TITLE: &str = "Tim Operasional";
/// A second group, whose tickets the demo's staff member of the first does not see.
const SECOND_GROUP_TITLE: &str = "Tim Gudang";
/// Staff accounts besides the owner's demo login, all with [`STAFF_PASSWORD`]: Siti works
/// the first group, Dewi the second.
pub const STAFF_LOGINS: [(&str, usize); 2] = [("siti", 1), ("dewi", 4)];

/// Requests the demo starts with: two stay new, one is picked up, one is closed. Few
/// enough that the group's Feedback messages and their cards' edits leave room in its 20
/// messages a minute for what the visitor does next.
const SEED_REQUESTS: [&str; 4] = [
    "/moban #INV-2041 #TOPUP #Saldo belum masuk sejak pagi",
    "/moban #INV-2042 #REFUND #Pelanggan minta dana dikembalikan",
    "/moban #INV-2043 #TOPUP #Top up pulsa gagal, saldo terpotong",
    "/moban #INV-2044 #RETUR #Barang diterima rusak",
];
/// Of [`SEED_REQUESTS`], the oldest this many are picked up, and the oldest of them closed.
const SEED_PICKED_UP: usize = 2;

/// The demo hotel.
const HOTEL_NAME: &str = "Hotel Melati";
/// The hotel's front-office group: told of every booking; Budi and Siti are in it.
const FRONT_OFFICE_TITLE: &str = "Front Office";
/// Room types: name, rooms, price per night in Rupiah.
const ROOM_TYPES: [(&str, u32, i64); 3] = [
    ("Standard", 4, 350_000),
    ("Deluxe", 2, 450_000),
    ("Suite", 1, 900_000),
];
const MAIL_FROM: &str = "Hotel Melati <booking@hotel-melati.example>";
/// The demo shop's products (code, name, price) and the items in stock of each.
const SHOP_PRODUCTS: [(&str, &str, i64, [&str; 3]); 2] = [
    (
        "NETFLIX",
        "Netflix Premium 1 Bulan",
        25_000,
        [
            "netflix-demo-01@toko.example | Sandi: Demo#01",
            "netflix-demo-02@toko.example | Sandi: Demo#02",
            "netflix-demo-03@toko.example | Sandi: Demo#03",
        ],
    ),
    (
        "SPOTIFY",
        "Spotify Premium 1 Bulan",
        15_000,
        [
            "SPOTIFY-DEMO-7Q2K-01",
            "SPOTIFY-DEMO-7Q2K-02",
            "SPOTIFY-DEMO-7Q2K-03",
        ],
    ),
];
const PAKASIR_PROJECT: &str = "toko-demo";
/// How long the demo's bookings hold their rooms, as a hotel might set it.
const HOLD: Duration = Duration::from_secs(2 * 3600);
const HOLD_WARNING: Duration = Duration::from_secs(15 * 60);
/// The short hold of one seeded booking, unless [`DemoOptions::short_hold`] says otherwise:
/// long enough to open the page, short enough to watch it run out.
pub const SHORT_HOLD: Duration = Duration::from_secs(60);

/// Where the demo hotel stands (central Jakarta): holds are extended for guests on their
/// way.
pub const HOTEL_AT: (f64, f64) = (-6.2, 106.816);
/// How far from the hotel the demo's guests share their location: within its radius.
const GUEST_KM_AWAY: f64 = 3.0;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Keep `data/demo.db` from the last run instead of starting fresh.
    pub keep: bool,
    /// Where to listen; the configured `TANGKAP_LISTEN` otherwise.
    pub listen: Option<SocketAddr>,
    /// The hold of the seeded booking that runs out soon after the start (its FO warning
    /// comes halfway).
    pub short_hold: Duration,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            keep: false,
            listen: None,
            short_hold: SHORT_HOLD,
        }
    }
}

/// Requests in the second group.
const SECOND_GROUP_REQUESTS: [&str; 2] = [
    "/moban #GDG-301 #STOK #Stok kardus habis",
    "/moban #GDG-302 #KIRIM #Paket tertahan di gudang",
];
/// The second group is a forum: its requests are posted in these topics, one each, and
/// the bot answers each in its own.
const SECOND_GROUP_TOPICS: [&str; 2] = ["Stok", "Pengiriman"];

/// The people of the demo, as the fake Telegram knows them.
#[derive(Clone, Debug)]
pub struct Cast {
    pub group: i64,
    /// A forum, with [`SECOND_GROUP_TOPICS`] (their thread ids in `second_group_topics`).
    pub second_group: i64,
    pub second_group_topics: Vec<i32>,
    /// The hotel's FO chat.
    pub front_office: i64,
    /// People the visitor can act as: Budi (the owner, the demo login), Siti (staff of the
    /// first group, and FO), Andi (who registers in the demo story), Rina (an applicant
    /// waiting for approval), Dewi (staff of the second group only), Ahmad (a hotel guest,
    /// no account) and Bayu (a guest on his way, sharing his live location).
    pub people: Vec<SimUser>,
}

/// A running demo.
pub struct Demo {
    pub running: Running,
    pub fake: FakeTelegram,
    /// The page to open, e.g. `http://127.0.0.1:8080/demo`.
    pub page_url: String,
    /// Saves the chats every [`SAVE_CHATS_EVERY`]; stopped with the demo.
    saver: KeptChats,
    /// Released when the demo is dropped, or its process ends however it ends.
    _lock: FolderLock,
}

impl Demo {
    /// Stops the bot and the web server, and saves the chats a last time.
    pub async fn stop(self) {
        self.running.stop().await;
        self.saver.stop();
    }
}

/// The chats and mailbox as saved in [`CHATS_FILE`].
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct SavedChats {
    chats: History,
    mails: Vec<Delivered>,
}

/// Keeps [`CHATS_FILE`] up to date with the fake's chats and the mailbox.
struct KeptChats {
    fake: FakeTelegram,
    mailbox: DemoMailbox,
    task: tokio::task::JoinHandle<()>,
}

impl KeptChats {
    /// Gives `fake` and `mailbox` what the last run saved, if anything.
    fn restore(fake: &FakeTelegram, mailbox: &DemoMailbox) -> anyhow::Result<()> {
        let saved: SavedChats = match std::fs::read(CHATS_FILE) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read {CHATS_FILE}; the chats start empty");
                SavedChats::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SavedChats::default(),
            Err(e) => return Err(anyhow!("cannot read {CHATS_FILE}: {e}")),
        };
        fake.restore_history(saved.chats);
        mailbox.restore(saved.mails);
        Ok(())
    }

    fn start(fake: FakeTelegram, mailbox: DemoMailbox) -> Self {
        let task = tokio::spawn({
            let (fake, mailbox) = (fake.clone(), mailbox.clone());
            async move {
                let mut saved = Vec::new();
                loop {
                    tokio::time::sleep(SAVE_CHATS_EVERY).await;
                    save(&fake, &mailbox, &mut saved);
                }
            }
        });
        Self {
            fake,
            mailbox,
            task,
        }
    }

    /// Stops saving, after a last save.
    fn stop(self) {
        self.task.abort();
        save(&self.fake, &self.mailbox, &mut Vec::new());
    }
}

/// Writes the chats to [`CHATS_FILE`] if they differ from `saved` (what was last written),
/// through a file beside it renamed over it, so that a kill leaves the old or the new.
fn save(fake: &FakeTelegram, mailbox: &DemoMailbox, saved: &mut Vec<u8>) {
    let now = SavedChats {
        chats: fake.history(),
        mails: mailbox.mails(),
    };
    let Ok(bytes) = serde_json::to_vec(&now) else {
        return;
    };
    if bytes == *saved {
        return;
    }
    let fresh = format!("{CHATS_FILE}.new");
    match std::fs::write(&fresh, &bytes).and_then(|()| std::fs::rename(&fresh, CHATS_FILE)) {
        Ok(()) => *saved = bytes,
        Err(e) => tracing::warn!(error = %e, "cannot save the demo's chats to {CHATS_FILE}"),
    }
}

/// The operating system's lock on [`LOCK_FILE`]: this folder's demo is running.
struct FolderLock(File);

impl FolderLock {
    fn take() -> anyhow::Result<Self> {
        let folder = Path::new(LOCK_FILE).parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .map_err(|e| anyhow!("cannot create the folder {}: {e}", folder.display()))?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(LOCK_FILE)
            .map_err(|e| anyhow!("cannot open {LOCK_FILE}: {e}"))?;
        match file.try_lock() {
            Ok(()) => Ok(Self(file)),
            Err(TryLockError::WouldBlock) => {
                let mut page_url = String::new();
                file.read_to_string(&mut page_url).ok();
                let page_url = page_url.trim();
                let at = if page_url.is_empty() {
                    String::new()
                } else {
                    format!(" at {page_url}")
                };
                anyhow::bail!(
                    "another Tangkap demo is already running in this folder{at}, on \
                     {DATABASE_FILE}. Open that one, stop it first (Ctrl+C), or run this one \
                     from another folder."
                )
            }
            Err(TryLockError::Error(e)) => Err(anyhow!("cannot lock {LOCK_FILE}: {e}")),
        }
    }

    /// Writes where the demo runs, for a second demo to name.
    fn record(&mut self, page_url: &str) -> std::io::Result<()> {
        self.0.set_len(0)?;
        self.0.rewind()?;
        self.0.write_all(page_url.as_bytes())
    }
}

/// Starts the demo and prints where to find it.
pub async fn run(base: Config, options: DemoOptions) -> anyhow::Result<()> {
    let shutdown = app::ShutdownSignal::listen()?;
    let demo = start(base, options).await?;
    println!("Tangkap demo is running. Open {}", demo.page_url);
    println!("  Demo staff login: username {STAFF_USERNAME}, password {STAFF_PASSWORD}");
    println!(
        "  Data: {DATABASE_FILE} and {CHATS_FILE} (fresh on each start; --keep keeps them). Stop with Ctrl+C."
    );
    shutdown.received().await;
    demo.stop().await;
    Ok(())
}

pub async fn start(base: Config, options: DemoOptions) -> anyhow::Result<Demo> {
    let mut lock = FolderLock::take()?;
    // Bound before the configuration is made: the Mini App's buttons must name the real
    // port, and port 0 becomes one only now.
    let address = options.listen.unwrap_or(base.listen);
    let listener = std::net::TcpListener::bind(address)
        .map_err(|e| anyhow!("cannot listen on {address}: {e}; choose another with --listen"))?;
    let listen = listener.local_addr()?;
    let page_url = format!("http://{listen}/demo");
    lock.record(&page_url)
        .map_err(|e| anyhow!("cannot write {LOCK_FILE}: {e}"))?;
    if !options.keep {
        for file in ["", "-wal", "-shm"]
            .map(|suffix| format!("{DATABASE_FILE}{suffix}"))
            .into_iter()
            .chain([CHATS_FILE.to_owned(), TOKEN_FILE.to_owned()])
        {
            if Path::new(&file).exists() {
                std::fs::remove_file(&file)?;
            }
        }
    }
    let token = demo_token()?;
    let mailbox = DemoMailbox::default();
    let fake = FakeTelegram::start(token.expose(), BOT_USERNAME).await?;
    let second_group = fake.forum_group(SECOND_GROUP_TITLE);
    // Opened in the same order at every start, so a kept chat's topics keep their ids.
    let second_group_topics = SECOND_GROUP_TOPICS
        .iter()
        .map(|name| fake.open_topic(second_group, name))
        .collect();
    let cast = Cast {
        group: fake.group(GROUP_TITLE),
        second_group,
        second_group_topics,
        front_office: fake.group(FRONT_OFFICE_TITLE),
        people: vec![
            fake.user("Budi Santoso", Some("budi_demo")),
            fake.user("Siti Rahma", Some("siti")),
            fake.user("Andi Wijaya", Some("andi")),
            fake.user("Rina Kusuma", None),
            fake.user("Dewi Lestari", Some("dewi")),
            fake.user("Ahmad Fauzi", Some("ahmad_tamu")),
            fake.user("Bayu Saputra", None),
        ],
    };
    for person in &cast.people[..4] {
        fake.set_member_status(cast.group, person, MemberStatus::Member);
    }
    fake.set_member_status(cast.second_group, &cast.people[4], MemberStatus::Member);
    for person in &cast.people[..2] {
        fake.set_member_status(cast.front_office, person, MemberStatus::Member);
    }
    for person in &cast.people {
        fake.make_private_chat(person);
    }
    KeptChats::restore(&fake, &mailbox)?;
    let mailbox_for_saver = mailbox.clone();
    let pakasir_key = format!("demo-{:016x}", rand::rng().next_u64());
    let pakasir = FakePakasir::start(PAKASIR_PROJECT, &pakasir_key).await?;
    pakasir.set_webhook(&format!("http://{listen}/pakasir/webhook"));
    let config = Config {
        bot_token: Some(token.clone()),
        api_url: fake.api_url(),
        database_url: format!("sqlite://{DATABASE_FILE}"),
        listen,
        public_url: Some(format!("http://{listen}")),
        webhook_secret: None,
        miniapp_link: None,
        poll_timeout: Duration::from_secs(1),
        // As a real team runs: Andi registers in the demo story and waits until Budi (the
        // owner) approves him from his private chat; Rina is already waiting.
        registration: Registration {
            mode: RegistrationMode::Approval,
            ..base.registration.clone()
        },
        booking: Some(hotel_config(cast.front_office, options.short_hold)),
        // The public booking page's mail is delivered to the demo page, not sent.
        mail: Some(MailSettings {
            via: MailVia::Demo(mailbox.clone()),
            from: MAIL_FROM.into(),
        }),
        shop: Some(shop_config(&pakasir, &pakasir_key)),
        ..base
    };
    let routes = page::routes(
        fake.clone(),
        token,
        cast.clone(),
        mailbox,
        options.short_hold,
        pakasir,
    );
    let running = app::start_on(config, listener, routes).await?;
    let db = running.state.db.clone();
    for group in [cast.group, cast.second_group, cast.front_office] {
        let last = orders::last_message_id(&db, group).await?.unwrap_or(0);
        fake.resume_message_ids(group, last as i32);
    }
    if let Some(last) = inbox::last_update_id(&db).await? {
        fake.resume_update_ids(last);
    }
    seed(&running.state, &fake, &cast).await?;
    seed_bookings(&running.state, &fake, &cast, options.short_hold).await?;
    stock_the_shop(&running.state).await?;
    Ok(Demo {
        page_url,
        running,
        saver: KeptChats::start(fake.clone(), mailbox_for_saver),
        fake,
        _lock: lock,
    })
}

/// The demo hotel's `[booking]`: its room types, FO chat and holds. A guest on the way is
/// given `short_hold` once more, so that the extension and the end after it both come
/// while one watches.
fn hotel_config(front_office: i64, short_hold: Duration) -> BookingConfig {
    BookingConfig {
        settings: HotelSettings {
            hotel_name: HOTEL_NAME.into(),
            hold: HOLD,
            warn_before: HOLD_WARNING,
            staff_chat: Some(front_office),
            ..HotelSettings::default()
        },
        room_types: ROOM_TYPES
            .iter()
            .map(|(name, rooms, price)| RoomTypeConfig {
                name: (*name).into(),
                rooms: *rooms,
                price: *price,
            })
            .collect(),
        location: Some(LocationRule {
            hotel: HOTEL_AT,
            radius_m: 10_000,
            extend_by: short_hold,
            max_extensions: 1,
        }),
        ..BookingConfig::default()
    }
}

/// The demo shop's `[shop]`, paid through the demo's own fake Pakasir.
fn shop_config(pakasir: &FakePakasir, api_key: &str) -> ShopConfig {
    ShopConfig {
        name: "Toko Demo".into(),
        invoice_ttl: config::DEFAULT_INVOICE_TTL,
        fee: config::DEFAULT_FEE,
        snk: "Garansi 1x24 jam sejak produk diterima. Jangan ubah sandi akun.".into(),
        low_stock: 1,
        products: SHOP_PRODUCTS
            .iter()
            .map(|(code, name, price, _)| ProductConfig {
                code: (*code).into(),
                name: (*name).into(),
                price: *price,
                description: String::new(),
                snk: String::new(),
            })
            .collect(),
        pakasir: PakasirSettings {
            project: PAKASIR_PROJECT.into(),
            api_key: Secret::new(api_key),
            url: pakasir.url(),
        },
    }
}

/// Puts the demo items in stock (an item sold in a kept demo stays sold: the same item is
/// never stocked twice), and the coupon `DEMO10` (10 % off) for `/kupon DEMO10`.
async fn stock_the_shop(state: &AppState) -> anyhow::Result<()> {
    let mut tx = state.db.begin().await?;
    for (code, _, _, items) in SHOP_PRODUCTS {
        catalogue::add_stock(&mut tx, code, &items.join("\n")).await?;
    }
    let coupon = Coupon {
        code: "DEMO10".into(),
        discount: Discount::Percent(10),
        min_total: 0,
        max_uses: None,
        expires_at: None,
        active: true,
    };
    // Added once; a kept demo has it already.
    coupons::add(&mut tx, &coupon).await?;
    tx.commit().await?;
    Ok(())
}

/// The token kept in [`TOKEN_FILE`], or a fresh random one of the shape BotFather hands out,
/// then kept there.
fn demo_token() -> anyhow::Result<BotToken> {
    if let Some(kept) = std::fs::read_to_string(TOKEN_FILE)
        .ok()
        .and_then(|kept| BotToken::parse(kept.trim()).ok())
    {
        return Ok(kept);
    }
    let mut secret = [0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let id: u32 = rand::rng().random_range(100_000_000..999_999_999);
    let token = BotToken::parse(&format!("{id}:AA{}", hex::encode(secret)))
        .expect("the demo token has the right shape");
    std::fs::write(TOKEN_FILE, token.expose())
        .map_err(|e| anyhow!("cannot write {TOKEN_FILE}: {e}"))?;
    Ok(token)
}

/// An account made as `/daftar` makes it, unless it exists (a kept database).
async fn account(
    state: &AppState,
    person: &SimUser,
    username: &str,
    role: Role,
    account_state: AccountState,
) -> anyhow::Result<User> {
    let db = &state.db;
    if let Some(user) = users::find_by_username(db, username).await? {
        return Ok(user);
    }
    let mut tx = db.begin().await?;
    let new_user = NewUser {
        name: DisplayName::parse(&person.first_name).map_err(anyhow::Error::msg)?,
        username: Username::parse(username).map_err(anyhow::Error::msg)?,
        telegram_id: person.id,
        telegram_username: person.username.clone(),
        password_hash: Password::parse(STAFF_PASSWORD)
            .map_err(anyhow::Error::msg)?
            .hash(),
        role,
        state: account_state,
    };
    let user = users::register(&mut tx, &new_user).await?;
    if account_state == AccountState::Pending {
        team::request_approval(&mut tx, &user, person.username.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// The accounts (the owner's demo login, a staff member in each group, an applicant
/// waiting in the Tim page) and a few orders in each status, made through the real paths:
/// the requests are posted in the groups and caught by the bot.
async fn seed(state: &AppState, fake: &FakeTelegram, cast: &Cast) -> anyhow::Result<()> {
    let db = &state.db;
    let owner = account(
        state,
        &cast.people[0],
        STAFF_USERNAME,
        Role::Owner,
        AccountState::Active,
    )
    .await?;
    let mut staff = Vec::new();
    for (username, person) in STAFF_LOGINS {
        staff.push(
            account(
                state,
                &cast.people[person],
                username,
                Role::Staff,
                AccountState::Active,
            )
            .await?,
        );
    }
    account(
        state,
        &cast.people[3],
        "rina",
        Role::Staff,
        AccountState::Pending,
    )
    .await?;
    state.new_messages.notify_one();
    if orders::board::counts(db, Scope::Everything, &Default::default(), None).await?
        == Default::default()
    {
        seed_orders(state, fake, cast, &owner).await?;
    }
    // Nobody writes in the FO chat, so the bot has not met it yet; Siti works bookings as
    // its member, which the membership check below asks Telegram about.
    let mut tx = db.begin().await?;
    groups::remember(
        &mut tx,
        &[(
            cast.front_office,
            fake.group_title(cast.front_office).unwrap_or_default(),
        )],
    )
    .await?;
    tx.commit().await?;
    // The Tim page shows each person's groups as Telegram last said; ask now rather than at
    // their first login.
    for person in &staff {
        groups::check_all_for(db, &state.telegram, person).await?;
    }
    Ok(())
}

/// Requests posted in both groups, caught by the bot; some picked up and closed by `owner`.
async fn seed_orders(
    state: &AppState,
    fake: &FakeTelegram,
    cast: &Cast,
    owner: &User,
) -> anyhow::Result<()> {
    let db = &state.db;
    for (i, request) in SEED_REQUESTS.iter().enumerate() {
        fake.send_to_group(cast.group, &cast.people[1 + i % 3], request);
    }
    for (request, &topic) in SECOND_GROUP_REQUESTS.iter().zip(&cast.second_group_topics) {
        fake.send_to_topic(cast.second_group, topic, &cast.people[4], request);
    }
    let expected = (SEED_REQUESTS.len() + SECOND_GROUP_REQUESTS.len()) as i64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while orders::board::counts(db, Scope::Everything, &Default::default(), None)
        .await?
        .order
        < expected
    {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the demo bot did not catch the demo requests"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let oldest_first = orders::board::list(
        db,
        Scope::Everything,
        &orders::board::BoardQuery {
            status: orders::Status::Order,
            filters: orders::board::Filters {
                group: Some(cast.group),
                ..Default::default()
            },
            sort: orders::board::Sort::Newest,
            late_at: None,
            after: None,
            limit: SEED_REQUESTS.len() as i64,
        },
    )
    .await?;
    for (i, order) in oldest_first.iter().rev().enumerate().take(SEED_PICKED_UP) {
        state
            .steps
            .apply(order.no, Transition::Pickup, owner)
            .await?;
        if i == 0 {
            state
                .steps
                .apply(order.no, Transition::Close, owner)
                .await?;
        }
    }
    Ok(())
}

/// A position `km` north of the demo hotel, as a guest's phone gives it.
pub fn near_the_hotel(km: f64, live: bool) -> SimPosition {
    SimPosition {
        latitude: HOTEL_AT.0 + km / 111.195,
        longitude: HOTEL_AT.1,
        horizontal_accuracy: Some(25.0),
        live_period: live.then_some(3600),
    }
}

/// The bookings the demo starts with, held through the real path (each announced in the FO
/// chat), unless a kept database has bookings already: Siti Aminah's from the web form,
/// checking in tomorrow (held until 18:00 then); and Bayu's in Telegram, checking in today
/// with the short hold, who shares his live location 3 km away: at the end of his hold it
/// is extended once, the FO told why, and at the end of that it runs out.
async fn seed_bookings(
    state: &AppState,
    fake: &FakeTelegram,
    cast: &Cast,
    short_hold: Duration,
) -> anyhow::Result<()> {
    let Some(base) = &state.hotel else {
        return Ok(());
    };
    let db = &state.db;
    let mut conn = db.pool().acquire().await?;
    if booking::counts(&mut conn).await? != [0; 3] {
        return Ok(());
    }
    let hotel = &base.load(&mut conn).await?;
    drop(conn);
    let mut short = hotel.clone();
    short.settings.hold = short_hold;
    short.settings.warn_before = short_hold / 2;
    let now = now_ms();
    let today = hotel.today(now);
    let tomorrow = today.next_day().ok_or_else(|| anyhow!("no tomorrow"))?;
    let bayu = &cast.people[6];
    let seeds = [
        (
            "Siti Aminah",
            Guest::Email("siti.aminah@example.com".into()),
            "Deluxe",
            tomorrow,
            2,
            hotel,
        ),
        (
            "Bayu Saputra",
            Guest::Telegram(bayu.id),
            "Standard",
            today,
            1,
            &short,
        ),
    ];
    for (guest_name, guest, room_type, check_in, nights, hotel) in seeds {
        let mut tx = db.begin().await?;
        let room_type = rooms::find_by_name(&mut tx, room_type)
            .await?
            .ok_or_else(|| anyhow!("the demo hotel has no room type {room_type}"))?;
        let new = NewBooking {
            guest_name: guest_name.into(),
            guest,
            room_type_id: room_type.id,
            stay: Stay { check_in, nights },
            lang: Lang::Id,
            request_id: None,
        };
        booking::hold(&mut tx, hotel, &new, now).await?;
        tx.commit().await?;
    }
    state.new_messages.notify_one();
    // Bayu's phone shares his live location, its position moving a little now and then
    // (in the traffic, 3 km away) for as long as his holds can last.
    let shared = fake.send_location(bayu, near_the_hotel(GUEST_KM_AWAY, true));
    let (fake, bayu) = (fake.clone(), bayu.clone());
    let every = (short_hold / 4).clamp(Duration::from_secs(1), Duration::from_secs(15));
    tokio::spawn(async move {
        let moves = (3 * short_hold).as_secs() / every.as_secs().max(1);
        for step in 1..=moves {
            tokio::time::sleep(every).await;
            let km = GUEST_KM_AWAY + 0.01 * (step % 2) as f64;
            fake.move_live_location(&bayu, shared.message_id, near_the_hotel(km, true));
        }
    });
    Ok(())
}
