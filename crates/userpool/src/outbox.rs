//! The outbox: every message the pool would send (a sign-up code, a reset code, a temporary
//! password, an e-mail one-time code). No mail leaves the machine; instead each message goes
//! to the log, to the `--codes-file` (one tab-separated line each) and to a bounded list in
//! memory, shown newest first at `GET /_outbox` and `GET /_outbox.json`. `UserPool::deliver`
//! is the one way to send; this is the one place that shows codes and passwords on purpose.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::error::Error;

/// How many messages the in-memory outbox keeps; older ones drop off.
pub const OUTBOX_CAPACITY: usize = 500;

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A sign-up confirmation code.
    Confirm,
    /// A password-reset code.
    Reset,
    /// The temporary password of a user made by `AdminCreateUser`.
    TemporaryPassword,
    /// A one-time sign-in code (`EMAIL_OTP`).
    EmailOtp,
}

impl MessageKind {
    /// The name used in the codes file and the JSON (`confirm`, `reset`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Confirm => "confirm",
            MessageKind::Reset => "reset",
            MessageKind::TemporaryPassword => "temporary_password",
            MessageKind::EmailOtp => "email_otp",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            MessageKind::Confirm => "confirmation code",
            MessageKind::Reset => "password reset code",
            MessageKind::TemporaryPassword => "temporary password",
            MessageKind::EmailOtp => "sign-in code",
        }
    }
}

/// A message to "send".
#[derive(Debug, Clone)]
pub struct Message {
    /// The pool that sends it.
    pub pool_id: String,
    /// The recipient's e-mail address.
    pub to: String,
    /// What it carries.
    pub kind: MessageKind,
    /// The code or temporary password itself.
    pub code_or_password: String,
    /// The subject a custom message trigger gave.
    pub subject: Option<String>,
    /// The text a custom message trigger gave, its code filled in.
    pub message: Option<String>,
}

/// A message as kept in the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    /// When it was sent, epoch seconds by the pool's clock.
    pub sent_at: i64,
    /// The pool that sent it.
    pub pool_id: String,
    /// The recipient.
    pub to: String,
    /// What it carries.
    pub kind: MessageKind,
    /// The code or temporary password.
    pub code_or_password: String,
    /// The subject a custom message trigger gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text a custom message trigger gave, its code filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The outbox's state: the codes file and the newest messages.
#[derive(Debug)]
pub(crate) struct Outbox {
    codes_file: Option<PathBuf>,
    codes_file_lock: tokio::sync::Mutex<()>,
    recent: Mutex<VecDeque<SentMessage>>,
}

impl Outbox {
    pub(crate) fn new(codes_file: Option<PathBuf>) -> Self {
        Outbox {
            codes_file,
            codes_file_lock: tokio::sync::Mutex::new(()),
            recent: Mutex::new(VecDeque::with_capacity(OUTBOX_CAPACITY)),
        }
    }

    fn push(&self, m: SentMessage) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == OUTBOX_CAPACITY {
            recent.pop_front();
        }
        recent.push_back(m);
    }

    /// The messages, newest first.
    pub(crate) fn newest_first(&self) -> Vec<SentMessage> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.iter().rev().cloned().collect()
    }

    /// "Sends" a message at `now`: a log line, a line in the codes file, an entry in the
    /// outbox.
    pub(crate) async fn deliver(&self, m: Message, now: i64) -> Result<(), Error> {
        // The one deliberate log of a secret: no mail leaves the machine, this is the mail.
        tracing::info!(
            pool = %m.pool_id.escape_debug(),
            to = %m.to.escape_debug(),
            code = %m.code_or_password.escape_debug(),
            "{}",
            m.kind.describe()
        );
        if let Some(path) = &self.codes_file {
            let _guard = self.codes_file_lock.lock().await;
            let line = format!(
                "{now}\t{}\t{}\t{}\t{}\n",
                m.pool_id,
                m.to,
                m.kind.as_str(),
                m.code_or_password
            );
            let mut f = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await?;
            f.write_all(line.as_bytes()).await?;
            // tokio's file writes go through a blocking thread: without the flush the line may
            // land after the reply that told the user a code was sent.
            f.flush().await?;
        }
        self.push(SentMessage {
            sent_at: now,
            pool_id: m.pool_id,
            to: m.to,
            kind: m.kind,
            code_or_password: m.code_or_password,
            subject: m.subject,
            message: m.message,
        });
        Ok(())
    }
}
