//! `keel audit export` and `keel audit verify`.
//!
//! `verify` recomputes every hash; on a database it checks the whole trail, on an export file
//! it picks the check that fits the file: gapless from seq 1 (a full export), gapless from its
//! first record (a time range), or per-instance chains (an export filtered to instances).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use keel_engine::audit::{AuditRecord, Mode, Verifier, export};
use keel_engine::clock::parse_ms;
use keel_engine::{AuditFilter, Engine, EngineConfig};

/// `keel audit` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Export the audit trail as JSON Lines (authoritative) or CSV.
    Export(ExportArgs),
    /// Recompute the hash chains of a database or of an export file.
    Verify(VerifyArgs),
}

/// `keel audit export` arguments.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Database URL.
    #[arg(long, env = "KEEL_DB", default_value = super::DEFAULT_DB)]
    db: String,
    /// `jsonl` or `csv`.
    #[arg(long, default_value = "jsonl")]
    format: String,
    /// Only this instance's records.
    #[arg(long)]
    instance: Option<String>,
    /// From this time (RFC 3339, inclusive).
    #[arg(long)]
    from: Option<String>,
    /// To this time (RFC 3339, exclusive).
    #[arg(long)]
    to: Option<String>,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `keel audit verify` arguments.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A JSON Lines export to verify (instead of a database).
    file: Option<PathBuf>,
    /// Database URL (when no file is given).
    #[arg(long, env = "KEEL_DB", default_value = super::DEFAULT_DB)]
    db: String,
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Export(args) => export_trail(args).await,
        Command::Verify(args) => match args.file {
            Some(file) => verify_file(&file),
            None => verify_db(&args.db).await,
        },
    }
}

fn time_arg(value: Option<&String>, name: &str) -> anyhow::Result<Option<i64>> {
    value
        .map(|v| {
            parse_ms(v).with_context(|| format!("--{name} '{v}' is not an RFC 3339 timestamp"))
        })
        .transpose()
}

async fn export_trail(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let csv = match args.format.as_str() {
        "jsonl" => false,
        "csv" => true,
        other => anyhow::bail!("unknown format '{other}': use jsonl or csv"),
    };
    let filter = AuditFilter {
        instance_id: args.instance.clone(),
        definition_key: None,
        from_ms: time_arg(args.from.as_ref(), "from")?,
        to_ms: time_arg(args.to.as_ref(), "to")?,
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let engine = Engine::open(EngineConfig::new(&args.db)).await?;
    if csv {
        out.write_all(export::CSV_HEADER.as_bytes())?;
    }
    let mut after = 0;
    let mut count = 0u64;
    loop {
        let page = engine.audit_records(&filter, after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for record in &page {
            let line = if csv {
                export::csv_line(record)
            } else {
                export::jsonl_line(record)
            };
            out.write_all(line.as_bytes())?;
            count += 1;
        }
    }
    out.flush()?;
    engine.close().await;
    eprintln!("exported {count} audit records");
    Ok(ExitCode::SUCCESS)
}

async fn verify_db(db: &str) -> anyhow::Result<ExitCode> {
    let engine = Engine::open(EngineConfig::new(db)).await?;
    let result = engine.verify_audit().await;
    engine.close().await;
    match result? {
        Ok(n) => {
            println!("ok: {n} audit records verified, both chains intact");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("broken: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn verify_file(path: &PathBuf) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut records = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditRecord>(&line) {
            Ok(r) => records.push(r),
            Err(e) => {
                println!("broken: line {}: not an audit record: {e}", n + 1);
                return Ok(ExitCode::from(1));
            }
        }
    }
    let contiguous = records.windows(2).all(|w| w[1].seq == w[0].seq + 1);
    let mode = match records.first() {
        Some(first) if contiguous && first.seq == 1 => Mode::Full,
        Some(_) if contiguous => Mode::Range,
        _ => Mode::Instances,
    };
    let mut verifier = Verifier::new(mode);
    for record in &records {
        if let Err(e) = verifier.push(record) {
            println!("broken: {e}");
            return Ok(ExitCode::from(1));
        }
    }
    let how = match mode {
        Mode::Full => "global chain from seq 1 and every instance chain",
        Mode::Range => "a contiguous range of the global chain",
        Mode::Instances => "per-instance chains",
    };
    println!(
        "ok: {} audit records verified ({how}; {} instances)",
        verifier.count(),
        verifier.instance_count()
    );
    Ok(ExitCode::SUCCESS)
}
