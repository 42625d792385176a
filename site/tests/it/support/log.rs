//! The log of the whole test binary, captured in memory (one global subscriber per binary), so that
//! tests can check what reached it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// What the binary's tests logged so far.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Fails if any of `secrets` is in a line not logged by the user pool. The pool writes the codes
    /// it "sends" to its log on purpose (its outbox); Hallpass and the site must log none.
    pub fn assert_none_outside_the_pool(&self, secrets: &[&str]) {
        let text = self.text();
        // The pool's outbox lines carry some of them: proof that this capture sees the lines a leak
        // would be in.
        assert!(
            text.lines()
                .filter(|l| l.contains(" userpool::"))
                .any(|l| secrets.iter().any(|s| l.contains(s))),
            "the capture holds the pool's outbox lines"
        );
        for line in text.lines().filter(|l| !l.contains(" userpool::")) {
            for s in secrets {
                assert!(!shows(line, s), "a secret in a log line: {line}");
            }
        }
    }
}

/// Installs the capturing subscriber (once per binary) and returns the capture.
pub fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
            captured
        })
        .clone()
}

/// Whether log `line` shows `secret`. A code (digits only) counts only as a whole number: six
/// digits inside a longer one (`elapsed_secs=0.000139801`) are a timing's, not the code.
pub fn shows(line: &str, secret: &str) -> bool {
    if !secret.bytes().all(|b| b.is_ascii_digit()) {
        return line.contains(secret);
    }
    let digit_at = |i: usize| line.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    line.match_indices(secret)
        .any(|(i, _)| !(digit_at(i + secret.len()) || (i > 0 && digit_at(i - 1))))
}

#[test]
fn a_code_counts_as_a_whole_number_only() {
    assert!(shows("verify code=139801 ok", "139801"));
    assert!(shows("139801", "139801"));
    assert!(!shows("elapsed_secs=0.000139801", "139801"));
    assert!(!shows("id 91398012", "139801"));
    assert!(shows("password=Passw0rd!x", "Passw0rd!x"));
}
