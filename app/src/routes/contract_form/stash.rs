//! 获取暂存信息: what was typed into a contract form is kept in the browser's localStorage (per
//! contract, or for the new-contract form) until it is saved, so a reload or a closed tab loses
//! nothing. Browser only; on the server every call is a no-op.

use crate::domain::contract::ContractDraft;
use serde::{Deserialize, Serialize};

/// What is kept: the draft as typed and when (milliseconds since the epoch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stashed {
    pub draft: ContractDraft,
    pub at_ms: i64,
}

/// The localStorage key of a contract's unsaved input (`new` before the first save).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn key(contract_id: Option<i64>) -> String {
    match contract_id {
        Some(id) => format!("wld.contract-draft.{id}"),
        None => "wld.contract-draft.new".to_owned(),
    }
}

#[cfg(target_arch = "wasm32")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The unsaved input kept for this contract, if any.
pub fn load(contract_id: Option<i64>) -> Option<Stashed> {
    #[cfg(target_arch = "wasm32")]
    {
        let text = storage()?.get_item(&key(contract_id)).ok()??;
        serde_json::from_str(&text).ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = contract_id;
        None
    }
}

/// Keeps `draft` as this contract's unsaved input.
pub fn store(contract_id: Option<i64>, draft: &ContractDraft) {
    #[cfg(target_arch = "wasm32")]
    if let (Some(s), Ok(text)) =
        (storage(), serde_json::to_string(&Stashed { draft: draft.clone(), at_ms: js_sys::Date::now() as i64 }))
    {
        // A full storage only loses the backup, never the form.
        let _ = s.set_item(&key(contract_id), &text);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (contract_id, draft);
}

/// Forgets the unsaved input (after it was saved, or when the user discards it).
pub fn clear(contract_id: Option<i64>) {
    #[cfg(target_arch = "wasm32")]
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(contract_id));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = contract_id;
}

/// When the input was kept, as local time `HH:MM` (or the date when not today), for the offer.
pub fn when(at_ms: i64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(at_ms as f64));
        let now = js_sys::Date::new_0();
        if d.get_date() == now.get_date()
            && d.get_month() == now.get_month()
            && d.get_full_year() == now.get_full_year()
        {
            format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
        } else {
            format!(
                "{}-{:02}-{:02} {:02}:{:02}",
                d.get_full_year(),
                d.get_month() + 1,
                d.get_date(),
                d.get_hours(),
                d.get_minutes()
            )
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = at_ms;
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_per_contract() {
        assert_eq!(key(Some(7)), "wld.contract-draft.7");
        assert_eq!(key(None), "wld.contract-draft.new");
    }
}
