//! The `tangkap` command line.

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::{
    app,
    db::{backup, Db},
    demo::{self, DemoOptions},
    lang::Lang,
    ops::{backups, disk, doctor},
    settings::Config,
    shop::{
        catalogue,
        coupons::{self, AddRefused, Coupon, Discount},
    },
    users::{
        self,
        access::{AccountChange, Actor},
        team::{self, Links, TeamError},
        Role,
    },
};

#[derive(Debug, Parser)]
#[command(
    name = "tangkap",
    version,
    about = "Telegram bot and Mini App that catches /moban requests and walks them through Order, Pickup and Close"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot and the web server (the default). Needs TANGKAP_BOT_TOKEN.
    Run,
    /// Apply database migrations to DATABASE_URL and exit.
    Migrate,
    /// Take a backup while the bot runs, as the schedule takes it (TANGKAP_BACKUP_DIR,
    /// encrypted and copied off-site as set), or a plain copy to FILE. Either is read back
    /// whole before it counts. `tangkap backup verify FILE` checks a backup.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(subcommand)]
        check: Option<BackupCheck>,
        /// A new file to write a plain copy to (SQLite file or pg_dump archive).
        file: Option<std::path::PathBuf>,
    },
    /// Put the backup FILE in place of the database. Stop the bot first; on PostgreSQL the
    /// database must exist (it may be empty).
    Restore {
        /// A file made by `tangkap backup`.
        file: std::path::PathBuf,
        /// The age secret key file to decrypt an encrypted backup with.
        #[arg(long)]
        identity: Option<std::path::PathBuf>,
    },
    /// Manage accounts on DATABASE_URL: list them, approve or reject applicants, disable
    /// or enable accounts, change roles. Exits 1 for an unknown user or a refused change.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The shop (`[shop]` in the settings): `tangkap shop stock add CODE FILE`, `tangkap
    /// shop coupon add CODE DISCOUNT`.
    Shop {
        #[command(subcommand)]
        command: ShopCommand,
    },
    /// Check the installation, changing nothing: the token, the webhook, the public URL,
    /// the Mini App's menu button, the database and its migrations, SMTP, the alert chat,
    /// free disk and the clock. One line each: ✅, ❌ with the fix, or ➖ where a check does
    /// not apply. Exits 1 if anything is wrong.
    Doctor {
        /// The language of the report: id (Indonesian) or en.
        #[arg(long, default_value = "id", value_parser = ["id", "en"])]
        lang: String,
        /// Less free disk than this share of its size is a problem.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=100))]
        min_free_percent: u8,
        /// Less free disk than this many gigabytes is a problem.
        #[arg(long, default_value_t = 1.0)]
        min_free_gb: f64,
    },
    /// Run everything on this machine without a Telegram token: a simulated Telegram, the
    /// bot, the Mini App, the hotel's booking page and a demo page at /demo. Uses its own
    /// database, data/demo.db.
    Demo {
        /// Keep data/demo.db from the last run instead of starting fresh.
        #[arg(long)]
        keep: bool,
        /// Address to listen on (default: TANGKAP_LISTEN, else 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// How long the seeded booking that runs out holds its room (its FO warning comes
        /// halfway), e.g. 90s or 5m.
        #[arg(long, default_value = "1m", value_parser = short_hold)]
        short_hold: std::time::Duration,
    },
}

#[derive(Debug, Subcommand)]
enum BackupCheck {
    /// Read the backup FILE back whole and count what it holds; exits 1 if it is unsound.
    Verify {
        file: std::path::PathBuf,
        /// The age secret key file to decrypt an encrypted backup with.
        #[arg(long)]
        identity: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ShopCommand {
    /// A product's stock.
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// Coupons buyers type with /kupon or /beli.
    Coupon {
        #[command(subcommand)]
        command: CouponCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CouponCommand {
    /// Add coupon CODE taking DISCOUNT off a purchase: a percent (10%) or Rupiah (5000).
    /// Exits 1 if a coupon with CODE exists already.
    Add {
        code: String,
        #[arg(value_parser = parse_discount)]
        discount: Discount,
        /// The least subtotal it applies to, in Rupiah.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..=coupons::MOST_MIN_TOTAL))]
        min: i64,
        /// How many invoices may use it (pending or paid); no limit if not given.
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=coupons::MOST_USES))]
        uses: Option<i64>,
        /// The last day it may be used (YYYY-MM-DD, on the shop's clock), to its end.
        #[arg(long, value_parser = parse_day)]
        until: Option<time::Date>,
    },
}

fn parse_discount(text: &str) -> Result<Discount, String> {
    Discount::parse(text).ok_or_else(|| {
        format!(
            "expected a percent from 1% to 100% or an amount of Rupiah such as 5000, not {text:?}"
        )
    })
}

fn parse_day(text: &str) -> Result<time::Date, String> {
    coupons::parse_day(text).ok_or_else(|| format!("expected a day as YYYY-MM-DD, not {text:?}"))
}

#[derive(Debug, Subcommand)]
enum StockCommand {
    /// Add the items of FILE (one a line; empty lines skipped) to product CODE's stock.
    /// An item the product has already is refused, and counted. Exits 1 for an unknown
    /// product.
    Add {
        code: String,
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// A table of every account: username, name, Telegram ID, role, state, last login.
    List,
    /// Let an applicant in (a pending account becomes active).
    Approve { username: String },
    /// Turn an applicant away.
    Reject { username: String },
    /// Stop an account at once: its sessions end.
    Disable { username: String },
    /// Let a disabled or rejected account back in.
    Enable { username: String },
    /// Give an account a role: owner, admin or staff.
    Role { username: String, role: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo talks to a person at a terminal: its banner, not routine log lines.
    let default_filter = match cli.command {
        Some(Command::Demo { .. }) => "warn",
        // The doctor's report is its output; what it finds wrong is in it.
        Some(Command::Doctor { .. }) => "error",
        _ => "info,sqlx=warn,tower_http=warn",
    };
    let json = match std::env::var("TANGKAP_LOG_FORMAT").as_deref() {
        Err(_) | Ok("") | Ok("text") => false,
        Ok("json") => true,
        Ok(other) => {
            eprintln!("error: TANGKAP_LOG_FORMAT is {other:?}; expected text or json");
            return ExitCode::FAILURE;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        // Colour codes only for a person at a terminal, never into files and pipes.
        .with_ansi(std::io::stdout().is_terminal());
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    let result = runtime.block_on(async {
        let config = Config::load()?;
        let done = match cli.command.unwrap_or(Command::Run) {
            Command::Run => run(config).await,
            Command::Demo {
                keep,
                listen,
                short_hold,
            } => {
                let options = DemoOptions {
                    keep,
                    listen,
                    short_hold,
                };
                demo::run(config, options).await
            }
            Command::Backup { check, file } => take_backup(&config, check, file).await,
            Command::Restore { file, identity } => {
                let contents =
                    backups::restore(&file, identity.as_deref(), &config.database_url).await?;
                println!("database restored from {} ({contents})", file.display());
                Ok(())
            }
            Command::User { command } => user(config, command).await,
            Command::Shop {
                command:
                    ShopCommand::Stock {
                        command: StockCommand::Add { code, file },
                    },
            } => add_stock(&config, &code, &file).await,
            Command::Shop {
                command:
                    ShopCommand::Coupon {
                        command:
                            CouponCommand::Add {
                                code,
                                discount,
                                min,
                                uses,
                                until,
                            },
                    },
            } => {
                let coupon = Coupon {
                    code,
                    discount,
                    min_total: min,
                    max_uses: uses,
                    expires_at: until.map(|day| coupons::end_of(day, config.utc_offset)),
                    active: true,
                };
                add_coupon(&config, coupon).await
            }
            Command::Doctor {
                lang,
                min_free_percent,
                min_free_gb,
            } => {
                let options = doctor::Options {
                    lang: Lang::parse(&lang),
                    disk: disk::Floor {
                        bytes: (min_free_gb.max(0.0) * 1e9) as u64,
                        percent: min_free_percent,
                    },
                };
                let report = doctor::examine(&config, &options).await;
                print!("{report}");
                return Ok(match report.healthy() {
                    true => ExitCode::SUCCESS,
                    false => ExitCode::FAILURE,
                });
            }
            Command::Migrate => {
                let db = Db::connect(&config.database_url).await?;
                db.migrate().await?;
                println!("database is up to date");
                Ok(())
            }
        };
        done.map(|()| ExitCode::SUCCESS)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tangkap: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `tangkap backup [FILE]` and `tangkap backup verify FILE`.
async fn take_backup(
    config: &Config,
    check: Option<BackupCheck>,
    file: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    if let Some(BackupCheck::Verify { file, identity }) = check {
        let contents = backups::verify(&file, identity.as_deref()).await?;
        println!("{}: whole ({contents})", file.display());
        return Ok(());
    }
    let db = Db::connect(&config.database_url).await?;
    let taken = match file {
        Some(file) => {
            let taken_at = crate::db::now_ms();
            backup::copy_to(&db, &config.database_url, &file).await?;
            let contents = backup::check(&file).await?;
            let taken = backup::Taken {
                bytes: std::fs::metadata(&file)?.len(),
                file,
                taken_at,
                contents,
                copied_to: None,
            };
            backup::record(&db, &taken).await?;
            taken
        }
        None => backups::take_and_report(&db, config).await?,
    };
    db.close().await;
    println!(
        "backup written to {} ({} bytes; {}){}",
        taken.file.display(),
        taken.bytes,
        taken.contents,
        taken
            .copied_to
            .map(|to| format!(", copied to {to}"))
            .unwrap_or_default()
    );
    Ok(())
}

/// `tangkap shop stock add CODE FILE`, as the admin menu adds stock, audited as the
/// console's.
async fn add_stock(config: &Config, code: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let Some(shop) = &config.shop else {
        anyhow::bail!("the shop is not enabled: set [shop] enabled = true in the settings file");
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let mut tx = db.begin().await?;
    catalogue::seed(&mut tx, &shop.products).await?;
    let Some(added) = catalogue::add_stock(&mut tx, code, &text).await? else {
        anyhow::bail!(
            "no product with code {:?}",
            code.chars().take(40).collect::<String>()
        );
    };
    let detail = format!(
        "{}: {} added, {} duplicates refused, {} too long",
        code.to_ascii_uppercase(),
        added.added,
        added.duplicates,
        added.too_long
    );
    team::record(&mut tx, Actor::Console, "shop_stock_add", None, &detail).await?;
    tx.commit().await?;
    let stock = catalogue::find(&mut *db.pool().acquire().await?, code)
        .await?
        .map_or(0, |product| product.stock);
    db.close().await;
    println!("{detail}; {stock} in stock now");
    Ok(())
}

/// `tangkap shop coupon add …`, audited as the console's.
async fn add_coupon(config: &Config, coupon: Coupon) -> anyhow::Result<()> {
    if config.shop.is_none() {
        anyhow::bail!("the shop is not enabled: set [shop] enabled = true in the settings file");
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let mut tx = db.begin().await?;
    let coupon = match coupons::add_as(&mut tx, Actor::Console, coupon, config.utc_offset).await? {
        Ok(coupon) => coupon,
        Err(AddRefused::BadCode(why)) => anyhow::bail!("coupon code: {why}"),
        Err(AddRefused::BadMinimum) => {
            anyhow::bail!("--min: use 0 to {} Rupiah", coupons::MOST_MIN_TOTAL)
        }
        Err(AddRefused::BadUses) => anyhow::bail!("--uses: use 1 to {}", coupons::MOST_USES),
        Err(AddRefused::Ended) => anyhow::bail!("the coupon's last day is over already"),
        Err(AddRefused::Exists(code)) => anyhow::bail!("a coupon {code} exists already"),
    };
    let detail = coupon.describe(config.utc_offset);
    tx.commit().await?;
    db.close().await;
    println!("{detail}");
    Ok(())
}

/// `tangkap user …`, on the configured database, with an owner's powers (the one running
/// the server holds them) but the same rules: the last owner stays.
async fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let (username, change) = match command {
        UserCommand::List => {
            print!(
                "{}",
                account_table(&team::all(&db).await?, config.utc_offset)
            );
            return Ok(());
        }
        UserCommand::Approve { username } => (username, AccountChange::Approve),
        UserCommand::Reject { username } => (username, AccountChange::Reject),
        UserCommand::Disable { username } => (username, AccountChange::Disable),
        UserCommand::Enable { username } => (username, AccountChange::Enable),
        UserCommand::Role { username, role } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("unknown role {role:?}: use owner, admin or staff")
            })?;
            (username, AccountChange::SetRole(role))
        }
    };
    let target = users::find_by_username(&db, &username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account with username {username:?}"))?;
    let mini_app_url = config.public_url.as_ref().map(|url| format!("{url}/"));
    let links = Links {
        mini_app_url: mini_app_url.as_deref(),
    };
    let mut tx = db.begin().await?;
    let changed = match team::change(&mut tx, Actor::Console, target.id, change, links).await {
        Ok(changed) => changed,
        Err(TeamError::Db(e)) => return Err(e.into()),
        // Refusals are recorded in the audit log, so the transaction is kept.
        Err(refused) => {
            tx.commit().await?;
            match refused {
                TeamError::Refused(refusal) => anyhow::bail!("refused: {refusal}"),
                _ => anyhow::bail!("no account with username {username:?}"),
            }
        }
    };
    tx.commit().await?;
    println!(
        "{}: {} is now {} ({})",
        change.action(),
        changed.username,
        changed.state.as_str(),
        changed.role.as_str()
    );
    Ok(())
}

/// `tangkap user list`: aligned columns, times in the display offset.
fn account_table(accounts: &[(users::User, Option<i64>)], offset: time::UtcOffset) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let mut rows = vec![[
        "USERNAME".to_owned(),
        "NAME".to_owned(),
        "TELEGRAM_ID".to_owned(),
        "ROLE".to_owned(),
        "STATE".to_owned(),
        "LAST_LOGIN".to_owned(),
    ]];
    for (user, last_login) in accounts {
        let last_login = last_login
            .and_then(|ms| {
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
            })
            .and_then(|at| at.to_offset(offset).format(format).ok())
            .unwrap_or_else(|| "-".to_owned());
        rows.push([
            user.username.clone(),
            user.name.clone(),
            user.telegram_id.to_string(),
            user.role.as_str().to_owned(),
            user.state.as_str().to_owned(),
            last_login,
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

async fn run(config: Config) -> anyhow::Result<()> {
    let mut shutdown = std::pin::pin!(app::ShutdownSignal::listen()?.received());
    // Starting may wait for the database; a signal meanwhile ends the wait.
    let running = tokio::select! {
        started = app::start(config) => started?,
        () = &mut shutdown => return Ok(()),
    };
    shutdown.await;
    tracing::info!("stopping: finishing work in flight");
    running.stop().await;
    Ok(())
}

/// `--short-hold`: a duration of 1s to 1h.
fn short_hold(text: &str) -> Result<std::time::Duration, String> {
    match crate::config::duration("--short-hold", text) {
        Ok(hold) if (1..=3600).contains(&hold.as_secs()) => Ok(hold),
        Ok(_) => Err("use 1s to 1h".into()),
        Err(e) => Err(e.to_string()),
    }
}
