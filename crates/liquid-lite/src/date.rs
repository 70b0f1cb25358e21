//! The `date` filter's two halves, as `liquid-core` 0.26 has them: reading a date from
//! a string (`model/scalar/datetime.rs`, formats of the `time` crate), and `strftime`
//! (`datetime/strftime.rs`). Calendar arithmetic is done here, in the proleptic
//! Gregorian calendar, for years -9999..=9999 as the `time` crate supports.

use std::fmt::Write as _;

use crate::MAX_STRING_BYTES;
use calendar::{civil_from_days, days_from_civil};

/// A date and time in a fixed UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
    /// Seconds east of UTC.
    offset: i32,
}

fn is_leap(y: i32) -> bool {
    calendar::is_leap(i64::from(y))
}

fn days_in_month(y: i32, m: u8) -> u8 {
    calendar::days_in_month(i64::from(y), m)
}

/// Monday = 1 … Sunday = 7.
fn iso_weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

fn weeks_in_year(y: i32) -> i64 {
    let jan1 = iso_weekday(days_from_civil(i64::from(y), 1, 1));
    if jan1 == 4 || (jan1 == 3 && is_leap(y)) {
        53
    } else {
        52
    }
}

const MIN_YEAR: i64 = -9999;
const MAX_YEAR: i64 = 9999;

impl DateTime {
    fn from_unix(secs: i64, nanosecond: u32) -> Option<DateTime> {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        Some(DateTime {
            year: year as i32,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            nanosecond,
            offset: 0,
        })
    }

    fn days(&self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }

    fn ordinal(&self) -> i64 {
        self.days() - days_from_civil(i64::from(self.year), 1, 1) + 1
    }

    fn unix_timestamp(&self) -> i64 {
        self.days() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset)
    }

    /// (ISO year, ISO week).
    fn iso_week(&self) -> (i32, i64) {
        let week = (self.ordinal() - iso_weekday(self.days()) + 10) / 7;
        if week < 1 {
            (self.year - 1, weeks_in_year(self.year - 1))
        } else if week > weeks_in_year(self.year) {
            (self.year + 1, 1)
        } else {
            (self.year, week)
        }
    }
}

/// Reads a date as `liquid` does: `now`/`today`, a Unix timestamp, or one of six
/// formats with an optional trailing ` +hhmm` offset (UTC when absent).
pub(crate) fn parse(s: &str) -> Option<DateTime> {
    if s.is_empty() {
        return None;
    }
    let lower = s.to_lowercase();
    if matches!(lower.trim(), "now" | "today") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        return DateTime::from_unix(i64::try_from(now.as_secs()).ok()?, now.subsec_nanos());
    }
    if s.parse::<i64>().is_ok() {
        return parse_timestamp(s);
    }
    let b = s.as_bytes();
    let has_offset = b.len() >= 5 && {
        let t = &b[b.len() - 5..];
        matches!(t[0], b'+' | b'-')
            && matches!(t[1], b'0' | b'1')
            && t[2..].iter().all(u8::is_ascii_digit)
    };
    let full = if has_offset {
        s.to_owned()
    } else {
        format!("{s} +0000")
    };
    FORMATS.iter().find_map(|f| Reader::new(&full).read(f))
}

/// `[unix_timestamp]`: an optional sign and 1 to 14 digits, seconds since the epoch.
fn parse_timestamp(s: &str) -> Option<DateTime> {
    let digits = s.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits.len() > 14 || s.len() - digits.len() > 1 {
        return None;
    }
    DateTime::from_unix(s.parse().ok()?, 0)
}

#[derive(Clone, Copy)]
enum Part {
    Lit(&'static str),
    Year,
    Month,
    MonthLong,
    MonthShort,
    Day,
    DayUnpadded,
    WeekdayShort,
    Hour,
    Minute,
    Second,
    Subsecond,
    Offset,
}

use Part::*;

const FORMATS: &[&[Part]] = &[
    &[
        Year,
        Lit("-"),
        Month,
        Lit("-"),
        Day,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit(" "),
        Offset,
    ],
    &[
        Year,
        Lit("-"),
        Month,
        Lit("-"),
        Day,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit("."),
        Subsecond,
        Lit(" "),
        Offset,
    ],
    &[
        Day,
        Lit(" "),
        MonthLong,
        Lit(" "),
        Year,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit(" "),
        Offset,
    ],
    &[
        Day,
        Lit(" "),
        MonthShort,
        Lit(" "),
        Year,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit(" "),
        Offset,
    ],
    &[
        Month,
        Lit("/"),
        Day,
        Lit("/"),
        Year,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit(" "),
        Offset,
    ],
    &[
        WeekdayShort,
        Lit(" "),
        MonthShort,
        Lit(" "),
        DayUnpadded,
        Lit(" "),
        Hour,
        Lit(":"),
        Minute,
        Lit(":"),
        Second,
        Lit(" "),
        Year,
        Lit(" "),
        Offset,
    ],
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

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

struct Reader<'s> {
    b: &'s [u8],
    p: usize,
}

impl<'s> Reader<'s> {
    fn new(s: &'s str) -> Self {
        Reader {
            b: s.as_bytes(),
            p: 0,
        }
    }

    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut n = 0u32;
        let mut count = 0;
        while count < max {
            match self.b.get(self.p) {
                Some(c) if c.is_ascii_digit() => {
                    n = n * 10 + u32::from(c - b'0');
                    self.p += 1;
                    count += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some(n)
    }

    fn sign(&mut self) -> Option<bool> {
        let neg = match self.b.get(self.p) {
            Some(b'+') => false,
            Some(b'-') => true,
            _ => return None,
        };
        self.p += 1;
        Some(neg)
    }

    fn literal(&mut self, lit: &str) -> Option<()> {
        let rest = self.b.get(self.p..)?;
        rest.starts_with(lit.as_bytes())
            .then(|| self.p += lit.len())
    }

    /// A month by name: three letters, then the rest of the long name if asked.
    fn month_name(&mut self, long: bool) -> Option<u8> {
        let rest = self.b.get(self.p..)?;
        let i = MONTHS
            .iter()
            .position(|m| rest.starts_with(&m.as_bytes()[..3]))?;
        let name = if long { MONTHS[i] } else { &MONTHS[i][..3] };
        self.literal(name)?;
        Some(i as u8 + 1)
    }

    fn read(mut self, format: &[Part]) -> Option<DateTime> {
        let (mut year, mut month, mut day) = (None, None, None);
        let (mut hour, mut minute, mut second, mut nano) = (0, 0, 0, 0);
        let mut offset = 0i32;
        for part in format {
            match *part {
                Lit(s) => self.literal(s)?,
                Year => {
                    let neg = self.sign().unwrap_or(false);
                    let y = self.digits(4, 4)? as i32;
                    year = Some(if neg { -y } else { y });
                }
                Month => month = Some(self.digits(2, 2)? as u8),
                MonthLong => month = Some(self.month_name(true)?),
                MonthShort => month = Some(self.month_name(false)?),
                Day => day = Some(self.digits(2, 2)? as u8),
                DayUnpadded => day = Some(self.digits(1, 2)? as u8),
                WeekdayShort => {
                    let rest = self.b.get(self.p..)?;
                    WEEKDAYS
                        .iter()
                        .find(|w| rest.starts_with(&w.as_bytes()[..3]))?;
                    self.p += 3;
                }
                Hour => hour = self.digits(2, 2)?,
                Minute => minute = self.digits(2, 2)?,
                Second => second = self.digits(2, 2)?,
                Subsecond => {
                    let start = self.p;
                    let first_nine = self.digits(1, 9)?;
                    let used = self.p - start;
                    nano = first_nine * 10u32.pow(9 - used as u32);
                    self.digits(0, 23);
                }
                Offset => {
                    let neg = self.sign()?;
                    let h = self.digits(2, 2)? as i32;
                    let m = self.digits(2, 2)? as i32;
                    if h > 25 || m > 59 {
                        return None;
                    }
                    offset = (h * 3600 + m * 60) * if neg { -1 } else { 1 };
                }
            }
        }
        if self.p != self.b.len() || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let (year, month, day) = (year?, month?, day?);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(DateTime {
            year,
            month,
            day,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanosecond: nano,
            offset,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Padding {
    Default,
    Zero,
    Space,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Casing {
    Default,
    Upper,
    Change,
}

fn pad(out: &mut String, n: usize, c: char) -> Result<(), String> {
    if out.len().saturating_add(n) > MAX_STRING_BYTES {
        return Err("padding too wide".to_owned());
    }
    out.extend(std::iter::repeat_n(c, n));
    Ok(())
}

/// `liquid`'s strftime. Differences: an unknown conversion ending in a multi-byte
/// character is copied whole (`liquid` panics), and very wide paddings are refused.
pub(crate) fn strftime(ts: &DateTime, fmt: &str) -> Result<String, String> {
    const NO_SPEC: &str = "no format specifier following '%'";
    let mut out = String::new();
    let chars: Vec<(usize, char)> = fmt.char_indices().collect();
    let mut i = 0;
    let hour12 = match ts.hour {
        0 | 12 => 12,
        h @ 1..=11 => h,
        h => h - 12,
    };
    let weekday = (iso_weekday(ts.days()) - 1) as usize; // Monday = 0
    let month_name = MONTHS[usize::from(ts.month - 1)];
    while i < chars.len() {
        let (fmt_pos, c) = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut use_padding = true;
        let mut style = Padding::Default;
        let mut casing = Casing::Default;
        loop {
            match chars.get(i).map(|x| x.1) {
                Some('-') => use_padding = false,
                Some('_') => style = Padding::Space,
                Some('0') => style = Padding::Zero,
                Some('^') => casing = Casing::Upper,
                Some('#') => casing = Casing::Change,
                None => return Err(NO_SPEC.to_owned()),
                Some(_) => break,
            }
            i += 1;
        }
        let mut width = None;
        if chars[i].1.is_ascii_digit() {
            let start = chars[i].0;
            while chars.get(i).is_some_and(|x| x.1.is_ascii_digit()) {
                i += 1;
            }
            let Some(&(end, _)) = chars.get(i) else {
                return Err(NO_SPEC.to_owned());
            };
            let w: usize = fmt[start..end]
                .parse()
                .map_err(|e| format!("failed to parse padding width: {e}"))?;
            width = Some(w);
        }
        let Some(&(_, mut spec)) = chars.get(i) else {
            return Err(NO_SPEC.to_owned());
        };
        i += 1;
        if spec == 'E' || spec == 'O' {
            let Some(&(_, next)) = chars.get(i) else {
                return Err("no format specifier following '%' with a format modifier".to_owned());
            };
            spec = next;
            i += 1;
        }
        let out_start = out.len();
        enum F {
            Num(i64, usize),
            Alpha(&'static str),
            Done,
            Lit(char),
            Unknown,
        }
        let comp = |out: &mut String, w: usize, style: Padding| -> Result<(), String> {
            if let Some(width) = width {
                let c = if style == Padding::Zero { '0' } else { ' ' };
                pad(out, width.saturating_sub(w), c)?;
            }
            Ok(())
        };
        let (iso_year, iso_week) = ts.iso_week();
        let format = match spec {
            'Y' => F::Num(i64::from(ts.year), 4),
            'C' => F::Num(i64::from(ts.year) / 100, 2),
            'y' => F::Num(i64::from(ts.year) % 100, 2),
            'm' => F::Num(i64::from(ts.month), 2),
            'd' | 'e' => {
                if spec == 'e' && style == Padding::Default {
                    style = Padding::Space;
                }
                F::Num(i64::from(ts.day), 2)
            }
            'w' => F::Num(((weekday + 1) % 7) as i64, 0),
            'u' => F::Num(weekday as i64 + 1, 0),
            'U' => F::Num((ts.ordinal() - ((weekday as i64 + 1) % 7) + 6) / 7, 2),
            'W' => F::Num((ts.ordinal() - weekday as i64 + 6) / 7, 2),
            'G' => F::Num(i64::from(iso_year), 4),
            'g' => F::Num(i64::from(iso_year) % 100, 2),
            'V' => F::Num(iso_week, 2),
            'j' => F::Num(ts.ordinal(), 3),
            'H' | 'k' => {
                if spec == 'k' && style == Padding::Default {
                    style = Padding::Space;
                }
                F::Num(i64::from(ts.hour), 2)
            }
            'I' | 'l' => {
                if spec == 'l' && style == Padding::Default {
                    style = Padding::Space;
                }
                F::Num(i64::from(hour12), 2)
            }
            'M' => F::Num(i64::from(ts.minute), 2),
            'S' => F::Num(i64::from(ts.second), 2),
            's' => F::Num(ts.unix_timestamp(), 0),
            'b' | 'h' => F::Alpha(&month_name[..3]),
            'B' => F::Alpha(month_name),
            'a' => F::Alpha(&WEEKDAYS[weekday][..3]),
            'A' => F::Alpha(WEEKDAYS[weekday]),
            'P' | 'p' => {
                let am = ts.hour < 12;
                let upper = (spec == 'p' && casing != Casing::Change)
                    || (spec == 'P' && casing != Casing::Default);
                casing = Casing::Default;
                F::Alpha(match (upper, am) {
                    (true, true) => "AM",
                    (true, false) => "PM",
                    (false, true) => "am",
                    (false, false) => "pm",
                })
            }
            'F' => {
                comp(&mut out, 10, style)?;
                let _ = write!(out, "{:04}-{:02}-{:02}", ts.year, ts.month, ts.day);
                F::Done
            }
            'v' => {
                casing = Casing::Upper;
                comp(&mut out, 11, style)?;
                let _ = write!(out, "{:>2}-{}-{:04}", ts.day, &month_name[..3], ts.year);
                F::Done
            }
            'R' => {
                comp(&mut out, 5, style)?;
                let _ = write!(out, "{:02}:{:02}", ts.hour, ts.minute);
                F::Done
            }
            'D' | 'x' => {
                comp(&mut out, 8, style)?;
                let _ = write!(out, "{:02}/{:02}/{:02}", ts.month, ts.day, ts.year % 100);
                F::Done
            }
            'T' | 'X' => {
                comp(&mut out, 8, style)?;
                let _ = write!(out, "{:02}:{:02}:{:02}", ts.hour, ts.minute, ts.second);
                F::Done
            }
            'r' => {
                comp(&mut out, 11, style)?;
                let ampm = if ts.hour < 12 { "AM" } else { "PM" };
                let _ = write!(
                    out,
                    "{:02}:{:02}:{:02} {}",
                    hour12, ts.minute, ts.second, ampm
                );
                F::Done
            }
            'c' => {
                comp(&mut out, 24, style)?;
                let _ = write!(
                    out,
                    "{} {} {:>2} {:02}:{:02}:{:02} {:04}",
                    &WEEKDAYS[weekday][..3],
                    &month_name[..3],
                    ts.day,
                    ts.hour,
                    ts.minute,
                    ts.second,
                    ts.year
                );
                F::Done
            }
            '%' => F::Lit('%'),
            'n' => F::Lit('\n'),
            't' => F::Lit('\t'),
            'L' | 'N' => {
                let digits = width.unwrap_or(if spec == 'L' { 3 } else { 9 });
                let value = if digits <= 9 {
                    ts.nanosecond / 10u32.pow(9 - digits as u32)
                } else {
                    ts.nanosecond
                };
                let s = value.to_string();
                out.push_str(&s);
                pad(&mut out, digits.saturating_sub(s.len()), '0')?;
                continue;
            }
            'z' | 'Z' | ':' => {
                let hm_sep = matches!(spec, 'Z' | ':');
                let mut ms_sep = false;
                let ok = if spec == ':' {
                    let next = chars.get(i).map(|x| x.1);
                    i += usize::from(next.is_some());
                    match next {
                        Some('z') => true,
                        Some(':') => {
                            let next = chars.get(i).map(|x| x.1);
                            i += usize::from(next.is_some());
                            ms_sep = next == Some('z');
                            ms_sep
                        }
                        _ => false,
                    }
                } else {
                    true
                };
                if ok {
                    let secs = ts.offset;
                    let size = 5 + usize::from(hm_sep) + if ms_sep { 3 } else { 0 };
                    let w = (width.unwrap_or(0).saturating_sub(size) + 2).max(2);
                    if w > MAX_STRING_BYTES {
                        return Err("padding too wide".to_owned());
                    }
                    let hours = secs / 3600;
                    if style != Padding::Space {
                        let sign = if secs < 0 { '-' } else { '+' };
                        let _ = write!(out, "{sign}{:0>w$}", hours.abs());
                    } else {
                        let _ = write!(out, "{hours: >+w$}");
                    }
                    let sep = if hm_sep { ":" } else { "" };
                    let _ = write!(out, "{sep}{:02}", (secs / 60 % 60).abs());
                    if ms_sep {
                        let _ = write!(out, ":{:02}", (secs % 60).abs());
                    }
                    continue;
                }
                F::Unknown
            }
            _ => F::Unknown,
        };
        match format {
            F::Num(value, default_width) => {
                if use_padding {
                    let mut digits = usize::from(value <= 0);
                    let mut v = value;
                    while v != 0 {
                        v /= 10;
                        digits += 1;
                    }
                    if value < 0 && style != Padding::Space {
                        out.push('-');
                    }
                    let w = width.unwrap_or(default_width + usize::from(value < 0));
                    let c = if style == Padding::Space { ' ' } else { '0' };
                    pad(&mut out, w.saturating_sub(digits), c)?;
                    if value < 0 && style == Padding::Space {
                        out.push('-');
                    }
                } else if value < 0 {
                    out.push('-');
                }
                let _ = write!(out, "{}", value.unsigned_abs());
            }
            F::Alpha(s) => {
                if use_padding {
                    if let Some(w) = width {
                        let c = if style == Padding::Zero { '0' } else { ' ' };
                        pad(&mut out, w.saturating_sub(s.len()), c)?;
                    }
                }
                out.push_str(s);
                if casing != Casing::Default {
                    out[out_start..].make_ascii_uppercase();
                }
            }
            F::Done => {
                if casing != Casing::Default {
                    out[out_start..].make_ascii_uppercase();
                }
            }
            F::Lit(c) => {
                if use_padding {
                    if let Some(w) = width {
                        let p = if style == Padding::Zero { '0' } else { ' ' };
                        pad(&mut out, w.saturating_sub(1), p)?;
                    }
                }
                out.push(c);
            }
            F::Unknown => {
                let end = chars.get(i).map_or(fmt.len(), |x| x.0);
                out.push_str(&fmt[fmt_pos..end]);
            }
        }
        if out.len() > MAX_STRING_BYTES {
            return Err("result too large".to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(date: &str, f: &str) -> String {
        let dt = parse(date).expect("a date");
        strftime(&dt, f).expect("a format")
    }

    #[test]
    fn parses_the_formats() {
        let want = parse("2024-03-05 14:07:09 +0000");
        assert!(want.is_some());
        assert_eq!(parse("2024-03-05 14:07:09"), want);
        assert_eq!(parse("05 March 2024 14:07:09"), want);
        assert_eq!(parse("05 Mar 2024 14:07:09"), want);
        assert_eq!(parse("03/05/2024 14:07:09"), want);
        assert_eq!(parse("Fri Mar 5 14:07:09 2024"), want);
        assert_eq!(parse("1709647629"), want);
        assert!(parse("2024-03-05").is_none());
        assert!(parse("2024-02-30 00:00:00").is_none());
        assert!(parse("2024-03-05 24:00:00").is_none());
        assert!(parse("now").is_some());
    }

    #[test]
    fn formats() {
        let d = "2024-03-05 14:07:09.123456 -0130";
        assert_eq!(fmt(d, "%Y-%m-%d %H:%M:%S"), "2024-03-05 14:07:09");
        assert_eq!(
            fmt(d, "%a %A %b %B %^a %#B"),
            "Tue Tuesday Mar March TUE MARCH"
        );
        assert_eq!(
            fmt(d, "%e|%-d|%_m|%3d|%j|%k|%l|%I %p %P"),
            " 5|5| 3|005|065|14| 2|02 PM pm"
        );
        assert_eq!(fmt(d, "%z %:z %::z %Z"), "-0130 -01:30 -01:30:00 -01:30");
        assert_eq!(fmt(d, "%L %N %6N"), "123 123456000 123456");
        assert_eq!(
            fmt(d, "%F %T %D %R %r %c"),
            "2024-03-05 14:07:09 03/05/24 14:07 02:07:09 PM Tue Mar  5 14:07:09 2024"
        );
        assert_eq!(
            fmt(d, "%s %u %w %U %W %V %G %%"),
            "1709653029 2 2 09 10 10 2024 %"
        );
        assert_eq!(fmt(d, "%Q %-Q 100%%"), "%Q %-Q 100%");
        assert_eq!(fmt(d, "%é"), "%é");
        assert!(strftime(&parse(d).expect("date"), "%").is_err());
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(fmt("2021-01-01 00:00:00", "%G-%V"), "2020-53");
        assert_eq!(fmt("2024-12-30 00:00:00", "%G-%V"), "2025-01");
    }
}
