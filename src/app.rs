//! Wiring: the tasks that make up a running Tangkap (HTTP server, update intake, update
//! processor, outbox sender, timers, scheduled backups, and the owners' monitor when alerts
//! are on) around one
//! [`AppState`], started and stopped together.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use teloxide::{
    payloads::{GetMe, SetMyCommands},
    types::Me,
};
use tokio::{
    net::TcpListener,
    signal::unix::{signal, Signal, SignalKind},
    sync::Notify,
    task::JoinSet,
};
use tokio_util::sync::CancellationToken;

use crate::{
    booking::{self, web::Confirmations, HotelBase},
    bot::{self, BotIdentity},
    config::ConfigError,
    db::{instance::Instance, Conn, Db, DbError},
    groups,
    mail::{MailError, Mailer},
    metrics::Metrics,
    ops::{
        backups::{self, BackupTimer},
        monitor::{self, Monitor},
    },
    orders::{
        card::GroupFeatures,
        photos::PhotoStore,
        reminders::Reminders,
        workflow::{self, StepQueue},
    },
    reports::{self, digest::Digest},
    settings::{Config, Intake},
    shop::{self, gateway::GatewayWorker, Shop},
    state::AppState,
    telegram::{
        api::BotApi,
        polling::{self, retry_until_ok},
        sender::{Bots, Sender},
        ALLOWED_UPDATES,
    },
    timers::{self, Due, Fire},
    web::{self, server::Plain, tls::TlsError},
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot send mail: {0}")]
    Mail(#[from] MailError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot serve HTTPS: {0}")]
    Tls(#[from] TlsError),
}

/// A started Tangkap; [`Running::stop`] shuts it down cleanly.
pub struct Running {
    pub http_addr: SocketAddr,
    /// Where HTTPS is served (`TANGKAP_TLS_LISTEN`), when it is.
    pub https_addr: Option<SocketAddr>,
    /// Where `/metrics` is served on an address of its own (`TANGKAP_METRICS_LISTEN`).
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    /// This run, whose clean stop [`Running::stop`] records.
    instance: Instance,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl Config {
    /// The daily rekap, when `digest_at` is set (it needs the staff chat); with the hotel's
    /// occupancy when bookings are on.
    pub fn digest(&self) -> Option<Digest> {
        Some(Digest {
            staff_chat: self.staff_chat?,
            at: self.digest_at?,
            offset: self.utc_offset,
            hotel: self.hotel(),
        })
    }
}

/// Opens the database (migrating it), binds the HTTP port and starts every task.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let listener =
        std::net::TcpListener::bind(config.listen).map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    start_on(config, listener, axum::Router::new()).await
}

/// Like [`start`], serving HTTP on `listener` (bound already, so that its address can go
/// into the configuration first, as the public URL) instead of binding `config.listen`,
/// with `extra` routes beside the app's own (the demo's page).
pub async fn start_on(
    config: Config,
    listener: std::net::TcpListener,
    extra: axum::Router,
) -> Result<Running, StartError> {
    let token = config.bot_token.clone().ok_or(ConfigError::MissingToken)?;
    let listen_error = |source| StartError::Listen {
        addr: config.listen,
        source,
    };
    let http_addr = listener.local_addr().map_err(listen_error)?;
    listener.set_nonblocking(true).map_err(listen_error)?;
    let listener = TcpListener::from_std(listener).map_err(listen_error)?;
    let metrics_listener = match config.metrics.listen {
        Some(addr) => {
            let bound = async {
                let listener = TcpListener::bind(addr).await?;
                let bound = listener.local_addr()?;
                Ok((listener, bound))
            };
            Some(
                bound
                    .await
                    .map_err(|source| StartError::Listen { addr, source })?,
            )
        }
        None => None,
    };
    // A certificate file that cannot be used stops the start here, before anything else.
    let https = match &config.tls.certificate {
        Some(source) => {
            let addr = config.tls.listen;
            let listen_error = |source| StartError::Listen { addr, source };
            let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
            let bound = listener.local_addr().map_err(listen_error)?;
            let (transport, keeper) = web::tls::start(source, &config.acme_cache())?;
            Some((listener, bound, transport, keeper))
        }
        None => None,
    };
    let db = Db::connect_patiently(&config.database_url).await?;
    db.migrate().await?;

    let api = BotApi::new(&config.api_url, &token);
    let mailer = config.mail.as_ref().map(Mailer::new).transpose()?;
    let signals = bot::IntakeSignals {
        new_updates: Arc::new(Notify::new()),
        new_messages: Arc::new(Notify::new()),
    };
    let step_rules = config.step_rules();
    let hotel = config.hotel();
    if let Some(hotel) = &hotel {
        hotel
            .sync_from_config(&db)
            .await
            .map_err(DbError::Connect)?;
    }
    let shop = match &config.shop {
        Some(shop_config) => {
            let mut tx = db.begin().await.map_err(DbError::Connect)?;
            shop::catalogue::seed(&mut tx, &shop_config.products)
                .await
                .map_err(DbError::Connect)?;
            tx.commit().await.map_err(DbError::Connect)?;
            Some(Shop::new(
                shop_config.clone(),
                config.utc_offset,
                config.alert_chat,
            ))
        }
        None => None,
    };
    let photo_dir = config.photo_dir();
    let metrics = Metrics::new(&config.metrics);
    let state = AppState {
        db: db.clone(),
        config: Arc::new(config),
        ingest: bot::Intake::start(db.clone(), signals.clone()),
        steps: StepQueue::start(db.clone(), step_rules.clone()),
        new_updates: signals.new_updates,
        new_messages: signals.new_messages,
        identity: Arc::new(OnceLock::new()),
        telegram: api.clone(),
        photos: PhotoStore::new(api.clone(), photo_dir),
        confirmations: hotel
            .as_ref()
            .filter(|hotel| hotel.has_web_page())
            .map(|hotel| Confirmations::start(db.clone(), hotel.clone())),
        hotel,
        shop,
        metrics: metrics.clone(),
    };
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();

    let router = web::router(state.clone()).merge(extra);
    // Behind a proxy every connection comes from the proxy's address.
    let per_client =
        (!state.config.trust_forwarded_for).then_some(state.config.http.max_connections_per_client);
    let https_addr = https.map(|(listener, addr, transport, keeper)| {
        tasks.spawn(keeper.keep(shutdown.clone()));
        tasks.spawn(web::server::serve(
            listener,
            transport,
            router.clone(),
            state.config.http,
            per_client,
            shutdown.clone(),
        ));
        addr
    });
    tasks.spawn(web::server::serve(
        listener,
        Plain,
        router,
        state.config.http,
        per_client,
        shutdown.clone(),
    ));
    let metrics_addr = metrics_listener.map(|(listener, addr)| {
        tasks.spawn(web::server::serve(
            listener,
            Plain,
            web::metrics::own_router(state.clone()),
            state.config.http,
            per_client,
            shutdown.clone(),
        ));
        addr
    });
    tasks.spawn(metrics.clone().keep(shutdown.clone()));

    let (instance, presence) = Instance::join(&db).await.map_err(DbError::Connect)?;
    tasks.spawn(presence.keep(shutdown.clone()));
    // The runs before this one that did not stop cleanly, told to the owners.
    for stop in instance.arrive(&db).await.map_err(DbError::Connect)? {
        monitor::report_unclean_stop(&db, stop)
            .await
            .map_err(DbError::Connect)?;
    }
    let alert_api = state
        .config
        .alert_bot_token
        .as_ref()
        .map(|token| BotApi::new(&state.config.api_url, token));
    tasks.spawn(
        Sender::new(
            db.clone(),
            Bots {
                main: api.clone(),
                alerts: alert_api,
            },
            mailer,
            instance,
            state.new_messages.clone(),
            metrics.clone(),
        )
        .run(shutdown.clone()),
    );
    tasks.spawn(intake(state.clone(), api.clone(), shutdown.clone()));
    if let Some(shop) = &state.shop {
        let worker = GatewayWorker {
            db: db.clone(),
            shop: shop.clone(),
            new_messages: state.new_messages.clone(),
        };
        tasks.spawn(worker.run(shutdown.clone()));
    }
    tasks.spawn(groups::run_refresher(
        db.clone(),
        api.clone(),
        state.config.membership_refresh,
        shutdown.clone(),
    ));
    let digest = state.config.digest();
    reports::digest::schedule(&db, digest.as_ref())
        .await
        .map_err(DbError::Connect)?;
    reports::schedule_window(&db)
        .await
        .map_err(DbError::Connect)?;
    backups::schedule(&db, state.config.backups.every)
        .await
        .map_err(DbError::Connect)?;
    let backup_timer =
        match backups::Worker::new(db.clone(), state.config.clone(), state.new_messages.clone()) {
            Some((worker, timer)) => {
                tasks.spawn(worker.run(shutdown.clone()));
                Some(timer)
            }
            None => None,
        };
    tasks.spawn(timers::run(
        db.clone(),
        AppTimers {
            reminders: Reminders {
                staff_chat: state.config.staff_chat,
                mini_app_url: state.mini_app_url(),
                mini_app_link: state.config.miniapp_link.clone(),
                digest_every: state.config.reminder_digest,
                new_messages: state.new_messages.clone(),
            },
            hotel: state.hotel.clone(),
            digest,
            group: step_rules.group,
            backups: backup_timer,
            shop: state.shop.clone(),
        },
        metrics,
        shutdown.clone(),
    ));
    if state.config.alert_chat.is_some() {
        let monitor = Monitor {
            db: db.clone(),
            config: state.config.clone(),
            api: api.clone(),
            instance,
            new_messages: state.new_messages.clone(),
        };
        tasks.spawn(monitor.run(shutdown.clone()));
    }
    tasks.spawn(bot_tasks(state.clone(), api, shutdown.clone()));

    tracing::info!(%http_addr, intake = ?state.config.intake(), "Tangkap is running");
    if let Some(addr) = https_addr {
        tracing::info!(%addr, "HTTPS served");
    }
    if let Some(addr) = metrics_addr {
        tracing::info!(%addr, "metrics served at /metrics");
    }
    Ok(Running {
        http_addr,
        https_addr,
        metrics_addr,
        state,
        instance,
        shutdown,
        tasks,
    })
}

/// What each timer does: tickets' reminders and Pickups told after their undo time,
/// bookings' holds; the engine is one.
struct AppTimers {
    reminders: Reminders,
    /// None when bookings are off: a booking's timer left from before does nothing.
    hotel: Option<HotelBase>,
    /// The daily rekap; None when off (its timer is removed at start).
    digest: Option<Digest>,
    /// What a group sees of a Pickup told after its undo time.
    group: GroupFeatures,
    /// The backup schedule; None when off (its timer is removed at start).
    backups: Option<BackupTimer>,
    /// None when the shop is off: an invoice's timer left from before does nothing.
    shop: Option<Shop>,
}

impl Fire for AppTimers {
    async fn fire(&self, tx: &mut Conn, due: &[Due]) -> Result<(), sqlx::Error> {
        let (mut digest_due, mut window_due, mut backup_due) = (false, false, false);
        let (mut told, mut reminders, mut bookings) = (Vec::new(), Vec::new(), Vec::new());
        let mut invoices_due = Vec::new();
        for timer in due {
            match timer.kind.as_str() {
                reports::digest::TIMER => digest_due = true,
                reports::WINDOW_TIMER => window_due = true,
                backups::TIMER => backup_due = true,
                workflow::PICKUP_TOLD => told.push(timer.entity),
                shop::invoices::EXPIRY => invoices_due.push(timer.entity),
                kind if booking::expiry::is_booking_timer(kind) => bookings.push(timer.clone()),
                _ => reminders.push(timer.clone()),
            }
        }
        if let (Some(digest), true) = (&self.digest, digest_due) {
            digest.fire(tx).await?;
        }
        if window_due {
            reports::roll_window(tx, crate::db::now_ms()).await?;
        }
        if let (Some(backups), true) = (&self.backups, backup_due) {
            backups.fire(tx).await?;
        }
        if !told.is_empty() {
            workflow::tell_picked_up(tx, &told, &self.group).await?;
        }
        if !reminders.is_empty() {
            self.reminders.fire(tx, &reminders).await?;
        }
        if self.shop.is_some() && !invoices_due.is_empty() {
            shop::invoices::expiry_due(tx, &invoices_due).await?;
        }
        match &self.hotel {
            Some(hotel) if !bookings.is_empty() => {
                let hotel = hotel.load(tx).await?;
                booking::expiry::fire(tx, &hotel, &bookings).await
            }
            _ => Ok(()),
        }
    }

    fn fired(&self) {
        self.reminders.fired();
        if let Some(shop) = &self.shop {
            shop.wake.notify_one();
        }
        if let Some(backups) = &self.backups {
            backups.committed();
        }
    }
}

impl Running {
    /// Stops intake, lets in-flight work finish, waits for every task, and records the
    /// clean stop.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
        if let Err(e) = self.instance.leave(&self.state.db).await {
            tracing::warn!(error = %e, "cannot record the clean stop");
        }
        self.state.db.close().await;
    }

    /// A token that stops this instance when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// SIGINT or SIGTERM, listened for from the moment it is made, so that a signal sent
/// while the program is still starting stops it cleanly instead of killing it.
pub struct ShutdownSignal {
    interrupt: Signal,
    terminate: Signal,
}

impl ShutdownSignal {
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves once either signal has arrived.
    pub async fn received(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

async fn intake(state: AppState, api: BotApi, shutdown: CancellationToken) {
    let config = &state.config;
    match config.intake() {
        Intake::Polling => {
            polling::run(
                state.db.clone(),
                api,
                config.poll_timeout,
                state.new_updates.clone(),
                shutdown,
            )
            .await
        }
        Intake::Webhook => {
            let url = config.webhook_url().unwrap_or_default();
            let secret = config
                .webhook_secret
                .as_ref()
                .map(|s| s.expose())
                .unwrap_or_default();
            let body = serde_json::json!({
                "url": url,
                "secret_token": secret,
                "allowed_updates": ALLOWED_UPDATES,
                "drop_pending_updates": false,
            });
            let set = retry_until_ok(&shutdown, "setWebhook", || {
                api.call_method::<bool>("setWebhook", &body, Duration::from_secs(10))
            })
            .await;
            if set.is_some() {
                tracing::info!("webhook set; Telegram will post updates to {url}");
            }
        }
    }
}

/// Learns who the bot is, publishes its commands, then processes updates.
async fn bot_tasks(state: AppState, api: BotApi, shutdown: CancellationToken) {
    let get_me = GetMe::new();
    let Some(me): Option<Me> = retry_until_ok(&shutdown, "getMe", || api.call(&get_me)).await
    else {
        return;
    };
    let identity = BotIdentity {
        id: me.user.id.0 as i64,
        username: me.user.username.clone().unwrap_or_default(),
    };
    tracing::info!(bot = %identity.username, "connected to Telegram");
    state.identity.set(identity.clone()).ok();
    let mut context =
        bot::BotContext::new(&state.config, identity, state.hotel.clone(), api.clone());
    context.shop = state.shop.clone();
    let bookings = state.hotel.is_some();
    let publish = {
        let (api, shutdown) = (api.clone(), shutdown.clone());
        async move {
            for (scope, language, commands) in bot::published_commands(bookings) {
                let mut payload = SetMyCommands::new(commands);
                payload.scope = Some(scope);
                payload.language_code = language.map(str::to_owned);
                if retry_until_ok(&shutdown, "setMyCommands", || api.call(&payload))
                    .await
                    .is_none()
                {
                    return;
                }
            }
        }
    };
    state.ingest.process_with(context.clone());
    let process = bot::run_processor(
        state.db.clone(),
        context,
        state.new_updates.clone(),
        state.new_messages.clone(),
        state.ingest.processed(),
        shutdown,
    );
    tokio::join!(publish, process);
}
