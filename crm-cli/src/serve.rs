//! `crm serve`: the organisation's data behind the authenticated HTTP API of crm-server, and
//! `crm token`: the operator's side of its API tokens.

use crate::db::Target;
use crm_core::SystemClock;
use crm_server::{Limits, OneOrg, Orgs, PgOrgs};
use std::io::Write;
use std::sync::Arc;

type CliError = Box<dyn std::error::Error>;

/// Serves `target` on `listen` until Ctrl-C (or SIGTERM): an SQLite file as its one
/// organisation, a PostgreSQL database as every organisation it holds.
pub fn serve(target: &Target, listen: &str, limits: Limits) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let clock = Arc::new(SystemClock);
    let orgs: Arc<dyn Orgs> = match target.postgres_url() {
        Some(url) => Arc::new(PgOrgs::new(crm_postgres::PgPool::connect(url, 16)?, clock)),
        None => Arc::new(OneOrg::new(
            &target.org,
            Arc::new(target.open(clock, false)?),
        )),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        eprintln!(
            "crm: serving {} on http://{} (API description: /v1/openapi.json); Ctrl-C stops",
            target.describe(),
            listener.local_addr()?
        );
        crm_server::serve(listener, crm_server::app(orgs, limits), shutdown()).await
    })?;
    eprintln!("crm: stopped");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Creates the first administrator of an empty organisation and prints their token.
pub fn bootstrap(target: &Target, admin_name: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let crm = target.open(Arc::new(SystemClock), true)?;
    let admin = crm.bootstrap(admin_name, None)?;
    let issued = crm.issue_token(
        &admin.id,
        &target.org,
        &admin.id,
        "bootstrap",
        crm_server::new_secret()?,
    )?;
    writeln!(out, "administrator {} ({})", admin.id, admin.name)?;
    print_issued(&issued, out)
}

pub fn issue(
    target: &Target,
    actor: &str,
    user: &str,
    label: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let crm = target.open(Arc::new(SystemClock), false)?;
    let issued = crm.issue_token(actor, &target.org, user, label, crm_server::new_secret()?)?;
    print_issued(&issued, out)
}

fn print_issued(issued: &crm_core::auth::IssuedToken, out: &mut dyn Write) -> Result<(), CliError> {
    writeln!(
        out,
        "token {} for user {}; the credential below is shown only now:",
        issued.token.id, issued.token.user_id
    )?;
    writeln!(out, "{}", issued.credential)?;
    Ok(())
}

pub fn revoke(
    target: &Target,
    actor: &str,
    token: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let crm = target.open(Arc::new(SystemClock), false)?;
    let current = crm
        .tokens(actor)?
        .into_iter()
        .find(|t| t.id == token)
        .ok_or_else(|| format!("no API token {token}"))?;
    let revoked = crm.revoke_token(actor, token, current.version)?;
    writeln!(
        out,
        "token {} of user {} revoked",
        revoked.id, revoked.user_id
    )?;
    Ok(())
}

/// `id,user_id,label,created_at,created_by,revoked_at`.
pub fn list(target: &Target, actor: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let crm = target.open(Arc::new(SystemClock), false)?;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "user_id",
        "label",
        "created_at",
        "created_by",
        "revoked_at",
    ])?;
    for t in crm.tokens(actor)? {
        csv.write_record([
            t.id,
            t.user_id,
            t.label,
            t.created_at.to_rfc3339(),
            t.created_by,
            t.revoked_at.map(|r| r.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}
