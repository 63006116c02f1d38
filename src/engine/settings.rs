//! The learner's settings (stored in the database; defaults until changed) and the learner clock
//! they define.

use chrono::{DateTime, Utc};

use super::{EngineError, LearnerClock, Notice, Result};
use crate::schedule::{self, Scheduler};
use crate::store::Store;
use crate::zone::Zone;

/// The learner's scheduling and calendar settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Desired retention, 0.90 by default.
    pub retention: f32,
    /// The learner's time zone (`system` by default).
    pub timezone: Zone,
    /// Hour a new day starts.
    pub day_starts_at: u32,
    /// New families per day.
    pub new_per_day: usize,
    /// Reviews per day.
    pub reviews_per_day: usize,
    /// FSRS-6 parameters.
    pub parameters: Vec<f32>,
    /// Lapses after which a family is suspended as a leech.
    pub leech_threshold: i64,
}

/// Every setting: key, description.
pub const KEYS: &[(&str, &str)] = &[
    (
        "desired_retention",
        "probability of recall to schedule for (0.5–0.99; default 0.90)",
    ),
    (
        "timezone",
        "your time zone: an offset such as -07:00, an IANA name such as Europe/Berlin, or \"system\" (default: TZ, else the system's zone)",
    ),
    ("day_starts_at", "hour a new day starts, 0–23 (default 4)"),
    ("new_per_day", "new families introduced per day (default 20)"),
    ("reviews_per_day", "reviews per day (default 200)"),
    (
        "fsrs_parameters",
        "the 21 FSRS-6 parameters, comma-separated (default: FSRS-6 defaults; see `retake sr optimize`)",
    ),
    (
        "leech_threshold",
        "lapses after which a family is suspended as a leech (default 8)",
    ),
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention: 0.90,
            timezone: Zone::System,
            day_starts_at: 4,
            new_per_day: 20,
            reviews_per_day: 200,
            parameters: schedule::default_parameters(),
            leech_threshold: 8,
        }
    }
}

fn known_keys() -> String {
    KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
}

impl Settings {
    /// Reads the stored settings over the defaults. A stored value that is no longer valid is
    /// skipped with a warning (its default applies) so that `config set` can still repair it.
    pub fn load(store: &Store) -> Result<(Settings, Vec<Notice>)> {
        let mut s = Settings::default();
        let mut notices = Vec::new();
        for (key, value) in store.settings()? {
            if let Err(e) = s.apply(&key, &value) {
                notices.push(Notice::warning(format!(
                    "the stored setting {key} = \"{}\" is not valid ({e}); its default is used until you change it with `retake config set {key} VALUE`",
                    value.escape_default()
                )));
            }
        }
        Ok((s, notices))
    }

    /// Applies one `key = value`, validating it.
    pub fn apply(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let v = value.trim();
        match key {
            "desired_retention" => {
                self.retention = v
                    .parse::<f32>()
                    .ok()
                    .filter(|r| (0.5..=0.99).contains(r))
                    .ok_or("must be between 0.5 and 0.99")?;
            }
            "timezone" => self.timezone = v.parse::<Zone>().map_err(|e| e.to_string())?,
            "day_starts_at" => {
                self.day_starts_at = v
                    .parse::<u32>()
                    .ok()
                    .filter(|h| *h < 24)
                    .ok_or("must be an hour, 0–23")?
            }
            "new_per_day" => self.new_per_day = v.parse().map_err(|_| "must be a whole number, 0 or more")?,
            "reviews_per_day" => {
                self.reviews_per_day = v.parse().map_err(|_| "must be a whole number, 0 or more")?
            }
            "leech_threshold" => {
                self.leech_threshold = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or("must be at least 1")?
            }
            "fsrs_parameters" => {
                let p: std::result::Result<Vec<f32>, _> = v
                    .split([',', ' '])
                    .filter(|t| !t.is_empty())
                    .map(str::parse)
                    .collect();
                let p = p.map_err(|_| "must be 21 numbers separated by commas")?;
                Scheduler::new(&p, self.retention)?;
                self.parameters = p;
            }
            _ => return Err(format!("unknown setting (settings: {})", known_keys())),
        }
        Ok(())
    }

    /// A setting's value as text (what `config get` prints and `config set` stores).
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "desired_retention" => format!("{:.2}", self.retention),
            "timezone" => self.timezone.to_string(),
            "day_starts_at" => self.day_starts_at.to_string(),
            "new_per_day" => self.new_per_day.to_string(),
            "reviews_per_day" => self.reviews_per_day.to_string(),
            "fsrs_parameters" => self
                .parameters
                .iter()
                .map(|p| format!("{p:.4}"))
                .collect::<Vec<_>>()
                .join(","),
            "leech_threshold" => self.leech_threshold.to_string(),
            _ => return None,
        })
    }

    /// The learner clock at `now`.
    pub fn clock(&self, now: DateTime<Utc>) -> LearnerClock {
        LearnerClock {
            now,
            zone: self.timezone,
            day_starts_at: self.day_starts_at,
        }
    }

    /// The FSRS scheduler of these settings.
    pub fn scheduler(&self) -> Result<Scheduler> {
        Scheduler::new(&self.parameters, self.retention).map_err(EngineError::Scheduler)
    }
}

/// The settings and the learner clock at `now`, with warnings about stored values.
pub fn learner(store: &Store, now: DateTime<Utc>) -> Result<(Settings, LearnerClock, Vec<Notice>)> {
    let (settings, notices) = Settings::load(store)?;
    let clock = settings.clock(now);
    Ok((settings, clock, notices))
}

/// `config set`: validates and stores a setting; returns its normalised value.
pub fn set(store: &Store, key: &str, value: &str) -> Result<String> {
    if !KEYS.iter().any(|(k, _)| *k == key) {
        return Err(EngineError::UnknownSetting {
            key: key.to_owned(),
            known: known_keys(),
        });
    }
    let (mut settings, _) = Settings::load(store)?;
    settings
        .apply(key, value)
        .map_err(|reason| EngineError::BadSetting {
            key: key.to_owned(),
            reason,
        })?;
    let normal = settings.get(key).unwrap_or_else(|| value.to_owned());
    store.set_setting(key, &normal)?;
    Ok(normal)
}

/// `config get KEY`.
pub fn get(settings: &Settings, key: &str) -> Result<String> {
    settings.get(key).ok_or_else(|| EngineError::UnknownSetting {
        key: key.to_owned(),
        known: known_keys(),
    })
}

/// Stores optimised FSRS parameters.
pub fn save_parameters(store: &Store, parameters: &[f32]) -> Result<()> {
    let text: Vec<String> = parameters.iter().map(ToString::to_string).collect();
    store.set_setting("fsrs_parameters", &text.join(","))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_takes_offsets_iana_names_and_system() -> Result<()> {
        let store = Store::open_in_memory()?;
        assert_eq!(set(&store, "timezone", "+09:00")?, "+09:00");
        assert_eq!(set(&store, "timezone", "Europe/Berlin")?, "Europe/Berlin");
        assert_eq!(Settings::load(&store)?.0.timezone.to_string(), "Europe/Berlin");
        assert_eq!(set(&store, "timezone", "system")?, "system");
        assert!(matches!(
            set(&store, "timezone", "Atlantis/Nowhere"),
            Err(EngineError::BadSetting { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_bad_stored_value_warns_and_can_be_repaired() -> Result<()> {
        let store = Store::open_in_memory()?;
        store.set_setting("desired_retention", "7")?;
        let (settings, notices) = Settings::load(&store)?;
        assert_eq!(settings.retention, 0.90);
        assert_eq!(notices.len(), 1);
        set(&store, "desired_retention", "0.85")?;
        assert!(Settings::load(&store)?.1.is_empty());
        Ok(())
    }

    #[test]
    fn unknown_keys_are_named() {
        let store = Store::open_in_memory().unwrap();
        assert!(matches!(
            set(&store, "colour", "red"),
            Err(EngineError::UnknownSetting { .. })
        ));
    }
}
