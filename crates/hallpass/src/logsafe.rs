//! The one place where request-derived text (a provider id from the path, an IdP's `error` and
//! `error_description`, a host, an error message that quotes any of them) is made safe to write into
//! a log line or a debug header: every character outside printable ASCII is escaped (`\n`, `\u{1b}`),
//! so a value can never end a log line and forge the next one, and long values are cut.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most characters of one value that reach a log line.
const MAX_CHARS: usize = 500;

/// Formats `self.0` escaped; use it as `%Clean(&value)` in a field or `{}` in a message.
pub(crate) struct Clean<'a>(pub(crate) &'a str);

impl fmt::Display for Clean<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == MAX_CHARS {
                return f.write_str("...");
            }
            match c {
                ' '..='~' if c != '\\' => write!(f, "{c}")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c => write!(f, "\\u{{{:x}}}", c as u32)?,
            }
        }
        Ok(())
    }
}

/// [`Clean`] of anything displayable (an error whose message quotes request text).
pub(crate) fn clean(value: &impl fmt::Display) -> String {
    Clean(&value.to_string()).to_string()
}

/// At most one line per `every`; says how many were left out since.
#[derive(Debug)]
pub(crate) struct Throttle {
    every: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttle {
    pub(crate) const fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new((None, 0)),
        }
    }

    /// `Some(left out since the last line)` when a line may be written at `now`.
    pub(crate) fn allow(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.0.is_some_and(|t| now < t + self.every) {
            s.1 += 1;
            return None;
        }
        let skipped = s.1;
        *s = (Some(now), 0);
        Some(skipped)
    }
}

/// The ERROR line of a request answered 503 because the store is unavailable: at most one every
/// 5 s in the whole process (each instance also warns, as often, naming its store).
pub(crate) fn log_unavailable(cause: &impl std::fmt::Display) {
    static LINES: Throttle = Throttle::new(Duration::from_secs(5));
    if let Some(skipped) = LINES.allow(Instant::now()) {
        tracing::error!(
            "request failed (503, {skipped} more since the last line): {}",
            clean(cause)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_but_printable_ascii_comes_out() {
        let s = clean(&"a\nERROR forged\r\u{1b}[31m\\ é\u{2028}");
        assert_eq!(s, "a\\nERROR forged\\r\\u{1b}[31m\\\\ \\u{e9}\\u{2028}");
        assert!(s.bytes().all(|b| (0x20..0x7f).contains(&b)));
        assert_eq!(clean(&"x".repeat(600)).len(), MAX_CHARS + 3);
    }
}
