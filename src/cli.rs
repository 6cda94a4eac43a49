//! The `tangkap` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::{
    app,
    config::Config,
    db::{backup, Db},
    demo::{self, DemoOptions},
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
    /// Write a consistent copy of the SQLite database to FILE, while the bot runs.
    Backup {
        /// The new file to write.
        file: std::path::PathBuf,
    },
    /// Put the copy FILE in place of the SQLite database. Stop the bot first.
    Restore {
        /// A file made by `tangkap backup`.
        file: std::path::PathBuf,
    },
    /// Run everything on this machine without a Telegram token: a simulated Telegram, the
    /// bot, the Mini App and a demo page at /demo. Uses its own database, data/demo.db.
    Demo {
        /// Keep data/demo.db from the last run instead of starting fresh.
        #[arg(long)]
        keep: bool,
        /// Address to listen on (default: TANGKAP_LISTEN, else 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo talks to a person at a terminal: its banner, not routine log lines.
    let default_filter = match cli.command {
        Some(Command::Demo { .. }) => "warn",
        _ => "info,sqlx=warn,tower_http=warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    let result = runtime.block_on(async {
        let config = Config::load()?;
        match cli.command.unwrap_or(Command::Run) {
            Command::Run => run(config).await,
            Command::Demo { keep, listen } => demo::run(config, DemoOptions { keep, listen }).await,
            Command::Backup { file } => {
                let db = Db::connect(&config.database_url).await?;
                backup::backup(&db, &file).await?;
                println!("backup written to {}", file.display());
                Ok(())
            }
            Command::Restore { file } => {
                backup::restore(&file, &config.database_url).await?;
                println!("database restored from {}", file.display());
                Ok(())
            }
            Command::Migrate => {
                let db = Db::connect(&config.database_url).await?;
                db.migrate().await?;
                println!("database is up to date");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tangkap: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let shutdown = ShutdownSignal::listen()?;
    let running = app::start(config).await?;
    shutdown.received().await;
    tracing::info!("stopping: finishing work in flight");
    running.stop().await;
    Ok(())
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
