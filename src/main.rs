//! The `vellum` command: serve (the default), migrate, and admin management.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use vellum::admin::{password, roles, users};
use vellum::clock::{Clock, SystemClock};
use vellum::config::Config;
use vellum::{AppState, InitError};

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
    }
}

fn serve(state: AppState) -> Result<(), InitError> {
    let address = state.config.listen_address();
    let listener = TcpListener::bind(&address)
        .map_err(|e| InitError(format!("cannot listen on {address}: {e}")))?;
    tracing::info!("Vellum listening on http://{address}");
    actix_web::rt::System::new()
        .block_on(async move { vellum::server(state, listener)?.await })
        .map_err(|e| InitError(format!("server stopped: {e}")))
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
