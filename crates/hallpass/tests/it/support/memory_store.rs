//! An app's own [`SessionStore`], as the README's custom-store section describes: sessions in a map
//! under random ids. `set_down(true)` makes every call fail as a store that does not answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use hallpass::{BoxFuture, SessionStore, SessionToken, StoreError};

#[derive(Clone, Default)]
pub struct MemoryStore {
    sessions: Arc<Mutex<HashMap<String, SessionToken>>>,
    down: Arc<AtomicBool>,
}

impl MemoryStore {
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn len(&self) -> usize {
        self.sessions.lock().unwrap().len()
    }

    fn check(&self) -> Result<(), StoreError> {
        match self.down.load(Ordering::SeqCst) {
            true => Err(StoreError::Backend("the memory store is down".into())),
            false => Ok(()),
        }
    }
}

impl SessionStore for MemoryStore {
    fn load<'a>(
        &'a self,
        value: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<SessionToken, StoreError>> {
        Box::pin(async move {
            self.check()?;
            let map = self.sessions.lock().unwrap();
            let token = map.get(value).cloned().ok_or(StoreError::NotFound)?;
            if token.exp < now {
                return Err(StoreError::Expired);
            }
            Ok(token)
        })
    }

    fn save<'a>(&'a self, token: &'a SessionToken) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(async move {
            self.check()?;
            let id = uuid::Uuid::new_v4().simple().to_string();
            self.sessions
                .lock()
                .unwrap()
                .insert(id.clone(), token.clone());
            Ok(id)
        })
    }

    fn delete<'a>(&'a self, value: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check()?;
            self.sessions.lock().unwrap().remove(value);
            Ok(())
        })
    }
}
