//! Export formats. JSON Lines is authoritative (each line is the canonical encoding of one
//! record, so it verifies on its own); CSV is for people and spreadsheets.

use super::canonical;
use super::record::AuditRecord;

/// The CSV header line (with trailing newline).
pub const CSV_HEADER: &str = "seq,at,instance_id,instance_seq,element_id,kind,actor_type,actor_id,actor_name,data,prev_hash,instance_prev_hash,hash\n";

/// One JSON Lines line (with trailing newline).
pub fn jsonl_line(record: &AuditRecord) -> String {
    let mut line = record.to_line();
    line.push('\n');
    line
}

/// One CSV line (RFC 4180 quoting, with trailing newline).
pub fn csv_line(record: &AuditRecord) -> String {
    let fields = [
        record.seq.to_string(),
        record.at.clone(),
        record.instance_id.clone().unwrap_or_default(),
        record
            .instance_seq
            .map(|s| s.to_string())
            .unwrap_or_default(),
        record.element_id.clone().unwrap_or_default(),
        record.kind.clone(),
        record.actor.kind.clone(),
        record.actor.id.clone(),
        record.actor.name.clone().unwrap_or_default(),
        canonical::to_string(&record.data),
        record.prev_hash.clone(),
        record.instance_prev_hash.clone().unwrap_or_default(),
        record.hash.clone(),
    ];
    let mut line = fields
        .iter()
        .map(|f| quote(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

fn quote(field: &str) -> String {
    // A leading = + - @ would make spreadsheets evaluate the cell; quote-prefix it (CSV injection).
    let field = if field.starts_with(['=', '+', '-', '@'])
        && !field.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses_formulas() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(quote("plain"), "plain");
    }
}
