//! A device's replica for JavaScript (the glue's `Replica`): one user's scope in memory, the
//! operations a rep makes offline applied at once and queued, and the sans-I/O steps of a sync
//! (the glue awaits `fetch` between them). The whole replica crosses as one JSON image, which the
//! glue keeps in IndexedDB (or any storage it is given) so it survives a reload.

use crate::{clock, error_text, instant, invalid};
use crm_core::api::Reply;
use crm_core::sync::{PushResponse, Replica as Core, ReplicaImage, Snapshot};
use crm_core::{CrmError, FixedClock, MemoryStore};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Replica {
    inner: Core,
    fixed: Option<Arc<FixedClock>>,
}

/// The server's answer as a JSON value (records are then read from it as the core reads its
/// stored documents, so the module holds one reader per record).
fn value(what: &str, text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| {
        error_text(&CrmError::storage(format!(
            "the server's {what} is unreadable: {e}"
        )))
    })
}

fn read<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, String> {
    T::deserialize(&value(what, text)?).map_err(|e| {
        error_text(&CrmError::storage(format!(
            "the server's {what} is unreadable: {e}"
        )))
    })
}

fn text(reply: crm_core::Result<impl Reply>) -> Result<String, String> {
    reply.and_then(|r| r.to_json()).map_err(|e| error_text(&e))
}

#[wasm_bindgen]
impl Replica {
    /// A new replica of `user_id`'s scope on device `device_id` (empty until its first sync).
    #[wasm_bindgen(constructor)]
    pub fn new(user_id: &str, device_id: &str, now_ms: Option<f64>) -> Result<Replica, String> {
        let (clock, fixed) = clock(now_ms)?;
        let inner = Core::open(MemoryStore::new(), clock, user_id, device_id)
            .map_err(|e| error_text(&e))?;
        Ok(Replica { inner, fixed })
    }

    /// A replica from the image `image` wrote.
    pub fn restore(image: &str, now_ms: Option<f64>) -> Result<Replica, String> {
        let (clock, fixed) = clock(now_ms)?;
        let image = serde_json::from_str(image)
            .and_then(|v: serde_json::Value| ReplicaImage::deserialize(&v))
            .map_err(|e| invalid("image", format!("is not a replica's image: {e}")))?;
        let inner = Core::restore(MemoryStore::new(), clock, image).map_err(|e| error_text(&e))?;
        Ok(Replica { inner, fixed })
    }

    /// The whole replica as JSON text, to keep and `restore`.
    pub fn image(&self) -> Result<String, String> {
        let image = self.inner.image().map_err(|e| error_text(&e))?;
        serde_json::to_string(&image).map_err(|e| error_text(&CrmError::storage(e)))
    }

    #[wasm_bindgen(js_name = userId)]
    pub fn user_id(&self) -> String {
        self.inner.user_id().to_string()
    }

    #[wasm_bindgen(js_name = deviceId)]
    pub fn device_id(&self) -> String {
        self.inner.device_id().to_string()
    }

    /// Runs operation `op` on the replica; `actor` must be empty or the replica's user.
    pub fn call(&self, op: &str, actor: &str, args: &str) -> Result<String, String> {
        if !actor.is_empty() && actor != self.inner.user_id() {
            return Err(invalid(
                "actor",
                format!("this replica acts as {}, not {actor}", self.inner.user_id()),
            ));
        }
        self.inner.call_json(op, args).map_err(|e| error_text(&e))
    }

    pub fn outbox(&self) -> Result<String, String> {
        text(self.inner.outbox())
    }

    pub fn rejections(&self) -> Result<String, String> {
        text(self.inner.rejections())
    }

    #[wasm_bindgen(js_name = dismissRejection)]
    pub fn dismiss_rejection(&self, op_id: f64) -> Result<(), String> {
        if !(op_id >= 1.0 && op_id.fract() == 0.0 && op_id <= 9.007_199_254_740_991e15) {
            return Err(invalid("opId", "an operation id (a whole number from 1)"));
        }
        self.inner
            .dismiss_rejection(op_id as u64)
            .map_err(|e| error_text(&e))
    }

    /// The last server event applied; undefined before the first sync.
    pub fn cursor(&self) -> Result<Option<f64>, String> {
        let cursor = self.inner.cursor().map_err(|e| error_text(&e))?;
        Ok(cursor.map(|c| c as f64))
    }

    #[wasm_bindgen(js_name = applySnapshot)]
    pub fn apply_snapshot(&self, answer: &str) -> Result<(), String> {
        let snapshot: Snapshot = read("snapshot", answer)?;
        self.inner
            .apply_snapshot(snapshot)
            .map_err(|e| error_text(&e))
    }

    /// The body of the next `sync_push` (the core's form), or undefined when nothing is queued.
    #[wasm_bindgen(js_name = pushBody)]
    pub fn push_body(&self) -> Result<Option<String>, String> {
        let ops = self.inner.next_push().map_err(|e| error_text(&e))?;
        if ops.is_empty() {
            return Ok(None);
        }
        let body = serde_json::json!({"device_id": self.inner.device_id(), "ops": ops});
        Ok(Some(body.to_string()))
    }

    /// Applies a `sync_push` answer; the summary in JS spelling.
    #[wasm_bindgen(js_name = applyPush)]
    pub fn apply_push(&self, answer: &str) -> Result<String, String> {
        let response: PushResponse = read("push answer", answer)?;
        text(self.inner.apply_push(&response))
    }

    /// The body of the next `sync_pull`.
    #[wasm_bindgen(js_name = pullBody)]
    pub fn pull_body(&self) -> Result<String, String> {
        let cursor = self
            .inner
            .cursor()
            .map_err(|e| error_text(&e))?
            .unwrap_or(0);
        Ok(serde_json::json!({ "cursor": cursor }).to_string())
    }

    /// Applies a `sync_pull` answer; the summary in JS spelling.
    #[wasm_bindgen(js_name = applyPull)]
    pub fn apply_pull(&self, answer: &str) -> Result<String, String> {
        let page = value("pull answer", answer)?;
        text(
            self.inner
                .apply_pull_value(&page)
                .map(|(summary, _)| summary),
        )
    }

    #[wasm_bindgen(js_name = setNow)]
    pub fn set_now(&self, now_ms: f64) -> Result<(), String> {
        let Some(clock) = &self.fixed else {
            return Err(error_text(&CrmError::InvalidState {
                reason: "this replica runs on the JavaScript clock; pass { now } to fix it".into(),
            }));
        };
        clock.set(instant(now_ms, "now")?);
        Ok(())
    }
}
