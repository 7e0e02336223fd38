//! `api`: serve the GraphQL API, or run an operator command (README, Operator commands).
use std::{process::ExitCode, sync::Arc, time::Duration};

use api::{Config, Server, config::init_tracing, prepare_database, shutdown_signal};
use clap::{Parser, Subcommand};
use pmf_core::{Clock, Email, Slug, SystemClock};

/// mimalloc rather than the system allocator: building and serialising an answer (or a
/// sweep's digests) is tens of thousands of small allocations (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "api",
    version,
    about = "Council performance management: GraphQL API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load demo data into an empty database, and serve (the default).
    Serve,
    /// Create the organisation and an ADMIN user if missing; print a new token last.
    Bootstrap {
        #[arg(long)]
        org_name: String,
        #[arg(long)]
        org_slug: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
    },
    /// Print a new API token for an existing user as the last line.
    Token {
        #[arg(long)]
        org_slug: String,
        #[arg(long)]
        email: String,
        /// A name to recognise the token by when listing or revoking it.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Set a council's single sign-on provider (OpenID Connect: Entra ID, Google, any). The
    /// client secret is read from PMF_SSO_CLIENT_SECRET or, when that is unset, from the
    /// first line of stdin; it is never printed.
    Sso {
        #[arg(long)]
        org_slug: String,
        /// The issuer exactly as in its ID tokens, e.g.
        /// https://login.microsoftonline.com/TENANT-ID/v2.0 or https://accounts.google.com
        #[arg(long, required_unless_present = "clear")]
        issuer: Option<String>,
        #[arg(long, required_unless_present = "clear")]
        client_id: Option<String>,
        /// The sign-in button's words: "Microsoft", "Google".
        #[arg(long, default_value = "your council account")]
        display_name: String,
        /// Entra ID's tenant id, when the issuer does not name it.
        #[arg(long)]
        tenant_id: Option<String>,
        /// Remove the provider instead (people sign in by e-mail).
        #[arg(long)]
        clear: bool,
    },
    /// Print the GraphQL schema (SDL).
    PrintSchema,
    /// Import a workbook (.xlsx, or one sheet as .csv with --sheet) into a council: all or
    /// nothing; every problem is printed and the exit status is 1 when there is one.
    Import {
        #[arg(long)]
        org_slug: String,
        /// The workbook: .xlsx, or .csv for one sheet.
        file: std::path::PathBuf,
        /// Report what would be created and updated; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// For a .csv file: the sheet it holds ("Values", "Indicators", …).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Import comparator data (LG Inform's, as CSV with the header
    /// metric,area_code,area_name,period,value) into a council: re-importing replaces the
    /// values the file names; a file with a bad line is refused whole, every bad line
    /// printed, and the exit status is 1.
    ImportBenchmarks {
        #[arg(long)]
        org_slug: String,
        /// The CSV file.
        file: std::path::PathBuf,
        /// Report what would be added and replaced; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export a council's register in the workbook layout (.xlsx, or one CSV per sheet).
    Export {
        #[arg(long)]
        org_slug: String,
        /// The .xlsx file, or with --format csv the folder for the CSV files.
        #[arg(long)]
        out: std::path::PathBuf,
        /// xlsx (default) or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
    },
    /// Write the empty workbook template (sheets, headers, instructions, drop-downs).
    Template {
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", api::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Template { out }) = &cli.command {
        let written = api::workbook::write::template()
            .map_err(anyhow::Error::from)
            .and_then(|bytes| std::fs::write(out, bytes).map_err(anyhow::Error::from));
        return match written {
            Ok(()) => {
                println!("wrote {}", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}: {e}", out.display());
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(config.log_format);
    let log_format = config.log_format;
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            pmf_process::report_failure(log_format, "api", &format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Serve => {
            let db = prepare_database(&config, clock.as_ref()).await?;
            let server = Server::bind(
                config.listen,
                db,
                clock,
                config.public_url.clone(),
                Duration::from_secs(config.request_timeout_secs),
            )
            .await?
            .with_response_cache(config.response_cache_bytes)
            .with_results_cache(config.results_cache_bytes)
            .with_cost_limits(config.cost_limits)
            .with_upload_limit(config.upload_max_bytes)
            .with_sign_in(config.sign_in.clone())?;
            let addr = server.local_addr();
            tracing::info!(%addr, "listening");
            println!(
                "Listening on http://{addr}  (GraphQL: POST /graphql, GraphiQL: GET /graphql)"
            );
            println!(
                "Get a token: cargo run -p api -- token --org-slug demo --email admin@demo.example"
            );
            println!("  or for a new council: cargo run -p api -- bootstrap --help");
            server.serve(shutdown_signal()).await
        }
        Command::Bootstrap {
            org_name,
            org_slug,
            admin_email,
            admin_name,
        } => {
            let slug = Slug::parse(&org_slug).map_err(|e| anyhow::anyhow!("--org-slug: {e}"))?;
            let email =
                Email::parse(&admin_email).map_err(|e| anyhow::anyhow!("--admin-email: {e}"))?;
            let (org_name, admin_name) = (org_name.trim(), admin_name.trim());
            anyhow::ensure!(!org_name.is_empty(), "--org-name must not be empty");
            anyhow::ensure!(!admin_name.is_empty(), "--admin-name must not be empty");
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            let done = pmf_store::organisations::bootstrap(
                &db,
                org_name,
                &slug,
                &email,
                admin_name,
                clock.now(),
            )
            .await?;
            println!(
                "organisation {} ({}): {}",
                done.organisation.name,
                done.organisation.slug,
                if done.created_organisation {
                    "created"
                } else {
                    "already existed"
                }
            );
            println!(
                "admin {}: {}",
                done.admin.email,
                if done.created_admin {
                    "created"
                } else {
                    "already existed"
                }
            );
            println!("{}", done.token);
            Ok(())
        }
        Command::Token {
            org_slug,
            email,
            name,
        } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            let (user, token) = pmf_store::organisations::issue_token(
                &db,
                org_slug.trim(),
                &email,
                &name,
                clock.now(),
            )
            .await?;
            println!(
                "token for {} ({}) in {}:",
                user.email,
                user.role,
                org_slug.trim()
            );
            println!("{token}");
            Ok(())
        }
        Command::Sso {
            org_slug,
            issuer,
            client_id,
            display_name,
            tenant_id,
            clear,
        } => {
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            let council = pmf_store::organisations::by_slug(&db.conn, org_slug.trim())
                .await?
                .ok_or_else(|| anyhow::anyhow!("--org-slug: no organisation {org_slug:?}"))?;
            let uow = pmf_store::UnitOfWork::begin(&db, council.id, None, clock.now()).await?;
            if clear {
                let cleared = pmf_store::sign_in::clear_single_sign_on(&uow).await?;
                uow.commit().await?;
                println!(
                    "single sign-on for {}: {}",
                    council.slug,
                    if cleared { "removed" } else { "was not set" }
                );
                return Ok(());
            }
            let (issuer, client_id) = (
                issuer.unwrap_or_default().trim().to_string(),
                client_id.unwrap_or_default().trim().to_string(),
            );
            let secret = match std::env::var("PMF_SSO_CLIENT_SECRET") {
                Ok(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim().to_string()
                }
            };
            anyhow::ensure!(
                !secret.is_empty(),
                "no client secret: set PMF_SSO_CLIENT_SECRET or give it on stdin"
            );
            let tenant_id = tenant_id
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
            api::sign_in::ProviderConfig::new(
                issuer.clone(),
                client_id.clone(),
                api::sign_in::ClientSecret::new(secret.clone()),
                display_name.clone(),
                tenant_id.clone(),
            )
            .map_err(|e| anyhow::anyhow!("--issuer: {e}"))?;
            let row = pmf_store::sign_in::set_single_sign_on(
                &uow,
                pmf_store::sign_in::ProviderSetting {
                    display_name,
                    issuer,
                    client_id,
                    client_secret: Some(secret),
                    tenant_id,
                },
            )
            .await?;
            uow.commit().await?;
            println!(
                "single sign-on for {}: {} (client {}), button \"Sign in with {}\"",
                council.slug, row.issuer, row.client_id, row.display_name
            );
            println!(
                "register this redirect URI with the provider: {}/auth/oidc/callback",
                config.public_url.trim_end_matches('/')
            );
            Ok(())
        }
        Command::Import {
            org_slug,
            file,
            dry_run,
            sheet,
        } => {
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            let outcome = api::workbook::import_command(
                &db,
                &config.public_url,
                clock.now(),
                api::workbook::ImportCommand {
                    org_slug: &org_slug,
                    file: &file,
                    dry_run,
                    sheet: sheet.as_deref(),
                },
            )
            .await?;
            for line in &outcome.lines {
                if outcome.ok {
                    println!("{line}");
                } else {
                    eprintln!("{line}");
                }
            }
            anyhow::ensure!(outcome.ok, "nothing was imported");
            Ok(())
        }
        Command::ImportBenchmarks {
            org_slug,
            file,
            dry_run,
        } => {
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            let (ok, lines) =
                api::benchmarks::import_command(&db, clock.now(), &org_slug, &file, dry_run)
                    .await?;
            for line in &lines {
                if ok {
                    println!("{line}");
                } else {
                    eprintln!("{line}");
                }
            }
            anyhow::ensure!(ok, "nothing was imported");
            Ok(())
        }
        Command::Export {
            org_slug,
            out,
            format,
        } => {
            let csv = match format.trim().to_ascii_lowercase().as_str() {
                "xlsx" => false,
                "csv" => true,
                other => anyhow::bail!("--format: {other:?}; write xlsx or csv"),
            };
            let db = pmf_store::Database::connect(&config.database_url).await?;
            db.migrate().await?;
            for path in api::workbook::export_command(&db, &org_slug, &out, csv).await? {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::PrintSchema | Command::Template { .. } => {
            unreachable!("handled before configuration")
        }
    }
}
