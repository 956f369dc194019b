//! The `vellum` command: serve (the default), migrate, and admin management.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use vellum::admin::{password, roles, users};
use vellum::clock::iso;
use vellum::clock::{Clock, SystemClock};
use vellum::config::Config;
use vellum::tokens::service::{Actor, TokenError};
use vellum::tokens::{Kind, LIFESPANS, TokenDraft, TokenType, import, rules};
use vellum::{AppState, InitError};

/// mimalloc instead of glibc's malloc for Rust's allocations (SQLite keeps glibc's); both are
/// tuned by `vellum::configure_malloc`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "vellum",
    version,
    about = "A Strapi-compatible content API server"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Content API, the Admin API and the panel (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage content-API tokens (for scripts and infrastructure as code).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (the only time it is shown, unless tokens are viewable).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// read-only, full-access or custom.
        #[arg(long = "type", default_value = "read-only")]
        token_type: String,
        /// An action of a custom token, e.g. api::article.article.find (repeat for more).
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// 7d, 30d or 90d; unlimited when absent.
        #[arg(long)]
        lifespan: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Give a token a new secret and print it; the old one stops working at once, or after
    /// --grace-period seconds.
    Regenerate {
        id: i32,
        #[arg(long = "grace-period", value_name = "SECONDS")]
        grace_period: Option<u32>,
    },
    /// Delete a token.
    Delete { id: i32 },
    /// Import tokens exported from Strapi; list Strapi's salt in API_TOKEN_SALT_PREVIOUS so that
    /// their keys keep working.
    Import {
        #[arg(long = "from-strapi", value_name = "JSON")]
        from_strapi: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account.
    Create {
        #[arg(long)]
        email: String,
        /// The password (or set VELLUM_ADMIN_PASSWORD, which keeps it out of `ps`).
        #[arg(long, env = "VELLUM_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Admin")]
        firstname: String,
        #[arg(long)]
        lastname: Option<String>,
        #[arg(long, value_enum, default_value_t = RoleArg::SuperAdmin)]
        role: RoleArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    SuperAdmin,
    Editor,
    Author,
}

fn main() -> ExitCode {
    vellum::configure_malloc();
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: cannot read .env: {error}");
        return ExitCode::FAILURE;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), InitError> {
    let config = Config::from_env().map_err(|e| InitError(e.to_string()))?;
    let state = AppState::init(config, Arc::new(SystemClock))?;
    match command {
        Command::Serve => serve(state),
        Command::Migrate => {
            println!("database is up to date");
            Ok(())
        }
        Command::Admin(AdminCommand::Create {
            email,
            password: plain,
            firstname,
            lastname,
            role,
        }) => create_admin(&state, email, plain, firstname, lastname, role),
        Command::Token(command) => token_command(&state, command),
    }
}

fn token_command(state: &AppState, command: TokenCommand) -> Result<(), InitError> {
    let mut conn = state
        .pool
        .get()
        .map_err(|e| InitError(format!("cannot use the database: {e}")))?;
    let now = SystemClock.now();
    // Every change is the token service's, recorded in the audit log with the actor `cli`.
    let change = state.change(Actor::cli(), now);
    // A broken rule names the option it came from.
    let token_error = |e: TokenError| match e {
        TokenError::Invalid { field, message } => {
            let option = if field == "gracePeriod" {
                "grace-period"
            } else {
                field
            };
            InitError(format!("--{option}: {message}"))
        }
        other => InitError(other.to_string()),
    };
    // The command line manages content tokens only: an admin token's id names none.
    let content_token = |conn: &mut vellum::db::DbConnection, id: i32| {
        state
            .tokens
            .find_of_kind(conn, id, Kind::Content)
            .map_err(|e| InitError(format!("database: {e}")))?
            .ok_or_else(|| InitError(format!("there is no token {id}")))
    };
    match command {
        TokenCommand::Create {
            name,
            description,
            token_type,
            permissions,
            lifespan,
        } => {
            let token_type = TokenType::parse(&token_type).ok_or_else(|| {
                InitError("--type must be read-only, full-access or custom".into())
            })?;
            let lifespan = match lifespan.as_deref() {
                None => None,
                Some("7d") => Some(LIFESPANS[0]),
                Some("30d") => Some(LIFESPANS[1]),
                Some("90d") => Some(LIFESPANS[2]),
                Some(other) => {
                    return Err(InitError(format!(
                        "--lifespan must be 7d, 30d or 90d, not {other}"
                    )));
                }
            };
            // The token service checks the draft by the admin routes' rules, in their words.
            let draft = TokenDraft {
                owner: None,
                name: rules::trimmed(&name),
                description: rules::trimmed(&description),
                token_type,
                permissions: (!permissions.is_empty()).then(|| permissions.into_iter().collect()),
                lifespan,
                expires_at: None,
                policy: Default::default(),
            };
            let (record, token) = state
                .tokens
                .create(&mut conn, &change, draft, &state.content().actions())
                .map_err(token_error)?;
            eprintln!(
                "created token {} (id {}); it is shown once:",
                record.name, record.id
            );
            println!("{}", token.expose());
        }
        TokenCommand::List => {
            let records = state
                .tokens
                .list(&mut conn, Kind::Content)
                .map_err(|e| InitError(format!("database: {e}")))?;
            println!(
                "{:>5}  {:<30} {:<12} {:<25} {:<25}",
                "id", "name", "type", "expires", "last used"
            );
            for record in records {
                println!(
                    "{:>5}  {:<30} {:<12} {:<25} {:<25}",
                    record.id,
                    record.name,
                    record.token_type.as_str(),
                    record.expires_at.map(iso).unwrap_or_else(|| "never".into()),
                    record
                        .last_used_at
                        .map(iso)
                        .unwrap_or_else(|| "never".into()),
                );
            }
        }
        TokenCommand::Regenerate { id, grace_period } => {
            let grace = grace_period.map(|s| chrono::Duration::seconds(i64::from(s)));
            let record = content_token(&mut conn, id)?;
            let token = state
                .tokens
                .regenerate(&mut conn, &change, &record, grace)
                .map_err(token_error)?;
            eprintln!("token {id} regenerated; the old secret no longer works. It is shown once:");
            println!("{}", token.expose());
        }
        TokenCommand::Delete { id } => {
            let record = content_token(&mut conn, id)?;
            state
                .tokens
                .delete(&mut conn, &change, &record)
                .map_err(token_error)?;
            println!("token {id} deleted");
        }
        TokenCommand::Import { from_strapi } => {
            let text = std::fs::read_to_string(&from_strapi)
                .map_err(|e| InitError(format!("cannot read {}: {e}", from_strapi.display())))?;
            let document: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                InitError(format!("{}: not valid JSON: {e}", from_strapi.display()))
            })?;
            let imported = import::parse(&document)
                .map_err(|e| InitError(format!("{}: {e}", from_strapi.display())))?;
            let mut failed = 0;
            for (name, outcome) in import::store_all(&mut conn, imported, now) {
                match outcome {
                    Ok(()) => println!("imported {name}"),
                    Err(TokenError::NameTaken) => {
                        failed += 1;
                        println!("skipped {name}: name already taken");
                    }
                    Err(error) => return Err(token_error(error)),
                }
            }
            if state.config.api_token_salt_previous.is_empty() {
                eprintln!(
                    "note: set API_TOKEN_SALT_PREVIOUS to Strapi's salt, or these keys will not work"
                );
            }
            if failed > 0 {
                return Err(InitError(format!("{failed} token(s) not imported")));
            }
        }
    }
    Ok(())
}

fn serve(state: AppState) -> Result<(), InitError> {
    let address = state.config.listen_address();
    let listener = TcpListener::bind(&address)
        .map_err(|e| InitError(format!("cannot listen on {address}: {e}")))?;
    tracing::info!(
        "Vellum listening on http://{address} (the admin panel: http://{address}/admin)"
    );
    let served = state.clone();
    let outcome = actix_web::rt::System::new()
        .block_on(async move { vellum::server(served, listener)?.await })
        .map_err(|e| InitError(format!("server stopped: {e}")));
    // Token uses recorded since the last background write are not lost at shutdown.
    if let Ok(mut conn) = state.pool.get()
        && let Err(error) = state.tokens.flush_all_usage(&mut conn)
    {
        tracing::warn!(error = %error, "could not record the last token uses");
    }
    outcome
}

fn create_admin(
    state: &AppState,
    email: String,
    plain: String,
    firstname: String,
    lastname: Option<String>,
    role: RoleArg,
) -> Result<(), InitError> {
    let failures = password::rule_failures(&plain);
    if !failures.is_empty() {
        return Err(InitError(failures.join("; ")));
    }
    let admin = users::NewAdmin {
        firstname,
        lastname,
        email: users::normalize_email(&email),
        password_hash: password::hash(&plain).map_err(InitError)?,
    };
    let role_code = match role {
        RoleArg::SuperAdmin => roles::SUPER_ADMIN,
        RoleArg::Editor => roles::EDITOR,
        RoleArg::Author => roles::AUTHOR,
    };
    let mut conn = state
        .pool
        .get()
        .map_err(|e| InitError(format!("cannot use the database: {e}")))?;
    let (user, _) = users::create(&mut conn, admin, role_code, SystemClock.now())
        .map_err(|e| InitError(e.to_string()))?;
    println!("created admin {} (id {})", user.email, user.id);
    Ok(())
}
