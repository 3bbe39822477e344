//! Levelled logging to a user sink or, by default, to stderr.

use std::ffi::CStr;
use std::fmt;
use std::sync::Arc;

/// Log levels, from quiet to verbose.
///
/// The one definition of the levels: discriminants (the values C sees as
/// `mywsclient_log_level`), names ([`LogLevel::name`]) and list
/// ([`LogLevel::ALL`]); `ffi::types` mirrors it for cbindgen and converts
/// with exhaustive matches both ways. Never reorder or reuse a discriminant.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Nothing is logged.
    Off = 0,
    /// Errors only.
    Error = 1,
    /// Warnings and errors (the default, unless `MYWSCLIENT_LOG` says otherwise).
    Warn = 2,
    /// Connections, disconnections and reconnections too.
    Info = 3,
    /// Everything.
    Debug = 4,
}

impl LogLevel {
    /// Every level, in the order of their discriminants.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Off,
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
    ];

    /// The level named by `MYWSCLIENT_LOG` (`off|error|warn|info|debug`), else warn.
    pub fn from_env() -> LogLevel {
        std::env::var("MYWSCLIENT_LOG")
            .ok()
            .and_then(|v| LogLevel::parse(&v))
            .unwrap_or(LogLevel::Warn)
    }

    /// The level named by `s` (a name, case-insensitive, a few synonyms
    /// such as `warning` and `trace`, or its number).
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" | "0" => LogLevel::Off,
            "error" | "1" => LogLevel::Error,
            "warn" | "warning" | "2" => LogLevel::Warn,
            "info" | "3" => LogLevel::Info,
            "debug" | "trace" | "4" => LogLevel::Debug,
            _ => return None,
        })
    }

    /// The level with this discriminant (checked: `None` for any other value).
    pub fn from_u32(v: u32) -> Option<LogLevel> {
        LogLevel::try_from(v).ok()
    }

    /// A short, stable, lower-case name, NUL-terminated.
    pub const fn name(self) -> &'static CStr {
        match self {
            LogLevel::Off => c"off",
            LogLevel::Error => c"error",
            LogLevel::Warn => c"warn",
            LogLevel::Info => c"info",
            LogLevel::Debug => c"debug",
        }
    }

    /// [`LogLevel::name`] as a `&str`.
    pub fn as_str(self) -> &'static str {
        self.name().to_str().unwrap_or_default()
    }
}

impl TryFrom<u32> for LogLevel {
    /// The value that names no level.
    type Error = u32;

    /// The level with this discriminant (checked: any other value is an error).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|l| *l as u32 == v).ok_or(v)
    }
}

/// A log sink: receives the level and one line of text.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// A client's logger.
#[derive(Clone)]
pub struct Logger {
    level: LogLevel,
    sink: Option<LogSink>,
}

impl Logger {
    pub fn new(level: LogLevel, sink: Option<LogSink>) -> Logger {
        Logger { level, sink }
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        level != LogLevel::Off && level <= self.level
    }

    pub fn log(&self, level: LogLevel, args: fmt::Arguments<'_>) {
        if !self.enabled(level) {
            return;
        }
        let line = args.to_string();
        match &self.sink {
            Some(sink) => {
                // A panicking sink must not take the I/O thread down.
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(level, &line)));
            }
            None => eprintln!("[mywsclient] {}: {line}", level.as_str()),
        }
    }

    pub fn error(&self, args: fmt::Arguments<'_>) {
        self.log(LogLevel::Error, args)
    }
    pub fn warn(&self, args: fmt::Arguments<'_>) {
        self.log(LogLevel::Warn, args)
    }
    pub fn info(&self, args: fmt::Arguments<'_>) {
        self.log(LogLevel::Info, args)
    }
    pub fn debug(&self, args: fmt::Arguments<'_>) {
        self.log(LogLevel::Debug, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn levels_filter_and_sink_receives() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        let log = Logger::new(
            LogLevel::Warn,
            Some(Arc::new(move |l, s: &str| {
                g.lock().unwrap().push((l, s.to_string()))
            })),
        );
        log.debug(format_args!("hidden"));
        log.warn(format_args!("shown {}", 1));
        log.error(format_args!("also"));
        assert_eq!(
            *got.lock().unwrap(),
            vec![
                (LogLevel::Warn, "shown 1".to_string()),
                (LogLevel::Error, "also".to_string())
            ]
        );
        assert!(!Logger::new(LogLevel::Off, None).enabled(LogLevel::Error));
    }

    #[test]
    fn parse_levels() {
        assert_eq!(LogLevel::parse("DEBUG"), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse("off"), Some(LogLevel::Off));
        assert_eq!(LogLevel::parse("loud"), None);
        assert_eq!(LogLevel::from_u32(9), None);
    }
}
