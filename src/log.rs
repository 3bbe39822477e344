//! Levelled logging to a user sink or, by default, to stderr.

use std::fmt;
use std::sync::Arc;

/// Log levels. Discriminants are part of the C ABI.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    /// The level named by `MYWSCLIENT_LOG` (`off|error|warn|info|debug`), else warn.
    pub fn from_env() -> LogLevel {
        std::env::var("MYWSCLIENT_LOG")
            .ok()
            .and_then(|v| LogLevel::parse(&v))
            .unwrap_or(LogLevel::Warn)
    }

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

    pub fn from_u32(v: u32) -> Option<LogLevel> {
        Some(match v {
            0 => LogLevel::Off,
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            3 => LogLevel::Info,
            4 => LogLevel::Debug,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
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
