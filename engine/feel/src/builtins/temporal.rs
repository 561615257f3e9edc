//! Temporal built-ins: `now`, `today` (both from `Env::now`, never the system clock),
//! `day of week`, `day of year`, `week of year`, `month of year`.

use super::arg;
use crate::eval::Evaluator;
use crate::temporal::{Date, DateTime, Zone};
use crate::value::Value;

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Dispatches temporal built-ins; `None` when `name` is not one of them.
pub fn call(ev: &Evaluator<'_, '_>, name: &str, a: &[Value]) -> Option<Value> {
    let date = match arg(a, 0) {
        Value::Date(d) => Some(d.0),
        Value::DateTime(dt) => Some(dt.dt.date()),
        _ => None,
    };
    let r = match name {
        "now" => {
            let now = &ev.env.now;
            let zone = match now.time_zone().iana_name() {
                Some(n) if n != "UTC" => Zone::Named(n.to_string()),
                _ => Zone::Offset(now.offset().seconds()),
            };
            Some(Value::DateTime(DateTime {
                dt: now.datetime(),
                zone: Some(zone),
            }))
        }
        "today" => Some(Value::Date(Date(ev.env.now.date()))),
        "day of week" => date.and_then(|d| {
            let i = usize::try_from(d.weekday().to_monday_zero_offset()).ok()?;
            DAYS.get(i).map(|s| Value::String((*s).to_string()))
        }),
        "day of year" => date.map(|d| Value::int(i64::from(d.day_of_year()))),
        "week of year" => date.map(|d| Value::int(i64::from(d.iso_week_date().week()))),
        "month of year" => date.and_then(|d| {
            let i = usize::try_from(d.month() - 1).ok()?;
            MONTHS.get(i).map(|s| Value::String((*s).to_string()))
        }),
        _ => return None,
    };
    Some(r.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn calendar_functions() {
        assert_eq!(show("week of year(date(2026, 1, 1))"), "1");
        assert_eq!(show("day of year(date(2026, 2, 1))"), "32");
        assert_eq!(show("month of year(date(2026, 2, 1))"), "\"February\"");
        assert_eq!(show("today()"), "2026-03-15");
    }
}
