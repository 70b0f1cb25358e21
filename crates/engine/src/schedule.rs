//! Schedule math (docs/api.md §4.3), pure: given a schedule and an instant, the next fire
//! instant strictly after it. Calendar rules are wall-clock times in an IANA zone
//! (jiff with its bundled tz database): a local time that does not exist that day (DST
//! gap) is skipped, one that happens twice (DST fold) fires once, at its first
//! occurrence. Interval rules fire every `every` since the Unix epoch, plus `offset`.
//! Fire times are whole seconds.

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use model::schedule::{Schedule, ScheduleCalendar, ScheduleRange, FIELDS};
use model::violations::Violations;

/// How far ahead a calendar is searched: 8 years covers every real date (a 29 February
/// falls within any 8 consecutive years); a rule with nothing in it never matches.
const SEARCH_DAYS: i64 = 8 * 366;

/// Set bits for the values a field takes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bits(u64);

impl Bits {
    fn has(self, v: i64) -> bool {
        (0..64).contains(&v) && self.0 & (1 << v) != 0
    }

    /// Values in ascending order.
    fn values(self) -> impl Iterator<Item = i64> {
        (0..64).filter(move |v| self.0 & (1u64 << v) != 0)
    }
}

/// One calendar rule, expanded.
#[derive(Clone, Debug, PartialEq)]
struct Calendar {
    second: Bits,
    minute: Bits,
    hour: Bits,
    day_of_month: Bits,
    month: Bits,
    day_of_week: Bits,
}

/// A schedule ready to answer "when next?".
#[derive(Clone, Debug)]
pub struct Plan {
    tz: TimeZone,
    calendars: Vec<Calendar>,
    /// (every, offset) in seconds.
    intervals: Vec<(i64, i64)>,
}

/// Parses `"30s"`, `"15m"`, `"1h30m"`, `"86400s"` into seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a duration: write it like `30s`, `15m` or `1h30m`");
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// Longest interval accepted: a year.
const MAX_EVERY: i64 = 366 * 86400;

fn expand(ranges: &[ScheduleRange], lo: i64, hi: i64, default: Bits) -> Bits {
    let mut bits = 0u64;
    let mut any = false;
    for r in ranges {
        let Some(start) = r.start else { continue };
        any = true;
        let end = r.end.unwrap_or(start).min(hi);
        let step = r.step.unwrap_or(1).max(1);
        let mut v = start.max(lo);
        while v <= end {
            bits |= 1 << v;
            v += step;
        }
    }
    if any {
        Bits(bits)
    } else {
        default
    }
}

fn all(lo: i64, hi: i64) -> Bits {
    Bits((lo..=hi).fold(0, |b, v| b | (1 << v)))
}

fn calendar(c: &ScheduleCalendar) -> Calendar {
    let f = c.fields();
    let zero = Bits(1);
    Calendar {
        second: expand(f[0], FIELDS[0].1, FIELDS[0].2, zero),
        minute: expand(f[1], FIELDS[1].1, FIELDS[1].2, zero),
        hour: expand(f[2], FIELDS[2].1, FIELDS[2].2, zero),
        day_of_month: expand(f[3], 1, 31, all(1, 31)),
        month: expand(f[4], 1, 12, all(1, 12)),
        day_of_week: expand(f[5], 0, 6, all(0, 6)),
    }
}

/// Compiles a schedule whose fields passed `AgentScheduleSpec::validate`; checks the
/// zone, the durations, and that every calendar rule matches some real date.
pub fn compile(s: &Schedule, at: &str, now_ms: i64) -> Result<Plan, Violations> {
    let mut v = Violations::new();
    let tz = match TimeZone::get(s.timezone.trim()) {
        Ok(tz) => tz,
        Err(_) => {
            v.add(
                format!("{at}.timezone"),
                format!(
                    "`{}` is not a known IANA time zone (e.g. `Europe/London`)",
                    s.timezone
                ),
            );
            TimeZone::UTC
        }
    };
    let mut intervals = Vec::new();
    for (i, r) in s.intervals.iter().enumerate() {
        let field = |name: &str| format!("{at}.intervals[{i}].{name}");
        let every = match r.every.as_deref().map(parse_duration) {
            Some(Ok(e)) if e > 0 && e <= MAX_EVERY => e,
            Some(Ok(_)) => {
                v.add(
                    field("every"),
                    "must be a positive duration of at most 366 days",
                );
                continue;
            }
            Some(Err(e)) => {
                v.add(field("every"), e);
                continue;
            }
            None => continue,
        };
        let offset = match r.offset.as_deref().map(parse_duration).transpose() {
            Ok(o) => o.unwrap_or(0),
            Err(e) => {
                v.add(field("offset"), e);
                continue;
            }
        };
        if offset >= every {
            v.add(
                field("offset"),
                format!("must be less than every ({every}s)"),
            );
            continue;
        }
        intervals.push((every, offset));
    }
    let plan = Plan {
        tz,
        calendars: s.calendars.iter().map(calendar).collect(),
        intervals,
    };
    if v.is_empty() {
        for (i, c) in plan.calendars.iter().enumerate() {
            if plan.calendar_next(c, now_ms).is_none() {
                v.add(
                    format!("{at}.calendars[{i}]"),
                    "never matches a real date within 8 years (e.g. February 30, or the 31st of a 30-day month): check dayOfMonth, month and dayOfWeek",
                );
            }
        }
    }
    v.finish(plan)
}

impl Plan {
    /// The first fire instant strictly after `after_ms`, if any.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let calendars = self
            .calendars
            .iter()
            .filter_map(|c| self.calendar_next(c, after_ms));
        let intervals = self.intervals.iter().map(|&(every, offset)| {
            let t = after_ms.div_euclid(1000);
            ((t - offset).div_euclid(every) + 1) * every * 1000 + offset * 1000
        });
        calendars.chain(intervals).min()
    }

    /// The next `n` fire instants after `after_ms`.
    pub fn upcoming(&self, after_ms: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut t = after_ms;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }

    /// The instant a local time names: `None` in a DST gap; the first occurrence in
    /// a fold, or the last one when `latest` (used to prune whole hours and minutes).
    fn instant(&self, dt: DateTime, latest: bool) -> Option<i64> {
        let amb = self.tz.to_ambiguous_timestamp(dt);
        let ts = match amb.offset() {
            AmbiguousOffset::Unambiguous { .. } => amb.compatible().ok()?,
            AmbiguousOffset::Gap { .. } if latest => amb.later().ok()?,
            AmbiguousOffset::Gap { .. } => return None,
            AmbiguousOffset::Fold { .. } if latest => amb.later().ok()?,
            AmbiguousOffset::Fold { .. } => amb.earlier().ok()?,
        };
        Some(ts.as_millisecond())
    }

    fn calendar_next(&self, c: &Calendar, after_ms: i64) -> Option<i64> {
        let start = Timestamp::from_millisecond(after_ms).ok()?;
        let mut date: Date = self.tz.to_datetime(start).date();
        for day in 0..SEARCH_DAYS {
            if day > 0 {
                date = date.tomorrow().ok()?;
            }
            if !c.month.has(date.month() as i64)
                || !c.day_of_month.has(date.day() as i64)
                || !c
                    .day_of_week
                    .has(date.weekday().to_sunday_zero_offset() as i64)
            {
                continue;
            }
            let first_day = day == 0;
            for h in c.hour.values() {
                let at = |m: i64, s: i64| date.at(h as i8, m as i8, s as i8, 0);
                if first_day
                    && self
                        .instant(at(59, 59), true)
                        .is_some_and(|t| t <= after_ms)
                {
                    continue;
                }
                for m in c.minute.values() {
                    if first_day && self.instant(at(m, 59), true).is_some_and(|t| t <= after_ms) {
                        continue;
                    }
                    for s in c.second.values() {
                        match self.instant(at(m, s), false) {
                            Some(t) if t > after_ms => return Some(t),
                            _ => {}
                        }
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
