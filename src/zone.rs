//! The learner's time zone as a value: a fixed UTC offset, an IANA zone (daylight-saving rules
//! included) or the system's zone. Offsets are computed per instant, so a date printed in July and
//! one printed in January each get the offset that applied then.
//!
//! Pure: it reads no environment and no clock. Resolving `system` (the `TZ` variable, else the
//! operating system's zone) is chrono's `Local`, which the face chooses.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};

/// A time zone: what the `timezone` setting names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset such as `+09:00`.
    Fixed(FixedOffset),
    /// An IANA zone such as `Europe/Berlin`.
    Named(chrono_tz::Tz),
    /// The system's zone (`TZ`, else the operating system's setting, else UTC).
    System,
}

/// A `timezone` value that is neither `system`, `±HH:MM` nor an IANA name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a time zone: use an offset such as +09:00 or -05:30, an IANA name such as Europe/Berlin, or \"system\""
)]
pub struct ZoneError(pub String);

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone::Fixed(Utc.fix())
    }

    /// The UTC offset in force at instant `t`.
    pub fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Fixed(o) => *o,
            Zone::Named(tz) => tz.offset_from_utc_datetime(&t.naive_utc()).fix(),
            Zone::System => chrono::Local.offset_from_utc_datetime(&t.naive_utc()).fix(),
        }
    }

    /// `t` in this zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset_at(t))
    }

    /// The instant a local wall-clock time names. In a daylight-saving gap the time after the gap
    /// is used; in an overlap, the earlier of the two instants.
    pub fn instant(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        fn pick<T: TimeZone>(r: LocalResult<DateTime<T>>) -> Option<DateTime<Utc>> {
            match r {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
                LocalResult::None => None,
            }
        }
        let exact = match self {
            Zone::Fixed(o) => pick(o.from_local_datetime(&local)),
            Zone::Named(tz) => pick(tz.from_local_datetime(&local)),
            Zone::System => pick(chrono::Local.from_local_datetime(&local)),
        };
        // A gap (spring forward) is at most a few hours: the first valid time after it.
        exact.or_else(|| {
            (1..=8).find_map(|quarter| {
                let later = local + chrono::Duration::minutes(15 * quarter);
                match self {
                    Zone::Fixed(o) => pick(o.from_local_datetime(&later)),
                    Zone::Named(tz) => pick(tz.from_local_datetime(&later)),
                    Zone::System => pick(chrono::Local.from_local_datetime(&later)),
                }
            })
        })
    }
}

impl FromStr for Zone {
    type Err = ZoneError;

    fn from_str(s: &str) -> Result<Zone, ZoneError> {
        let v = s.trim();
        if v.eq_ignore_ascii_case("system") {
            return Ok(Zone::System);
        }
        if v.eq_ignore_ascii_case("utc") || v == "Z" {
            return Ok(Zone::utc());
        }
        if let Some(offset) = parse_offset(v) {
            return Ok(Zone::Fixed(offset));
        }
        v.parse::<chrono_tz::Tz>()
            .map(Zone::Named)
            .map_err(|_| ZoneError(v.to_owned()))
    }
}

/// `±HH:MM` (or `±HHMM`, `±HH`) as an offset; hours up to 14.
pub fn parse_offset(v: &str) -> Option<FixedOffset> {
    let (sign, rest) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(o) => write!(f, "{o}"),
            Zone::Named(tz) => write!(f, "{}", tz.name()),
            Zone::System => write!(f, "system"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_offsets_names_and_system() {
        assert_eq!("+09:00".parse::<Zone>().unwrap().to_string(), "+09:00");
        assert_eq!("-0530".parse::<Zone>().unwrap().to_string(), "-05:30");
        assert_eq!(
            "Europe/Berlin".parse::<Zone>().unwrap().to_string(),
            "Europe/Berlin"
        );
        assert_eq!("SYSTEM".parse::<Zone>().unwrap(), Zone::System);
        assert!("+15:00".parse::<Zone>().is_err());
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("09:00".parse::<Zone>().is_err());
    }

    #[test]
    fn named_zones_follow_daylight_saving_per_instant() {
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            berlin.offset_at(at("2026-01-15T12:00:00Z")).local_minus_utc(),
            3600
        );
        assert_eq!(
            berlin.offset_at(at("2026-07-15T12:00:00Z")).local_minus_utc(),
            7200
        );
    }

    #[test]
    fn a_local_time_in_a_gap_moves_past_it() {
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        // 2026-03-29 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00).
        let gap = chrono::NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(berlin.instant(gap), Some(at("2026-03-29T01:00:00Z")));
    }
}
