//! Fuzzes the contract rules: any JSON the browser could send as a draft, with any userid-sheet
//! facts, through save validation, submit validation, submission and line pricing.
//!
//! Input: 4 bytes of sheet facts (presence, basic, interop, total counts), then a JSON draft.
//! Checked beyond "never panics": every problem has a code and both messages; save problems are a
//! subset of submit problems; a successful submission has no error problems and a total that is
//! the sum of its lines.
#![no_main]

use app::domain::PriceBook;
use app::domain::contract::{ContractDraft, SheetFacts, SubmitContext, price_draft, save_problems, submit, validate_save, validate_submit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((facts, json)) = data.split_first_chunk::<4>() else { return };
    let Ok(draft) = serde_json::from_slice::<ContractDraft>(json) else { return };
    let sheet = (facts[0] & 1 == 1).then(|| SheetFacts {
        corp_ids: Vec::new(),
        basic_userids: u32::from(facts[1]),
        interop_userids: u32::from(facts[2]),
        total_userids: u32::from(facts[3]),
        untyped_userids: u32::from(facts[3]).saturating_sub(u32::from(facts[1]) + u32::from(facts[2])),
        overlapping_userids: u32::from(facts[1].min(facts[2])),
    });
    let book = PriceBook::default_2022();
    let apps = vec!["灵当CRM".to_owned(), "其他".to_owned()];
    let ctx = SubmitContext { book: &book, installed_apps: &apps, sheet: sheet.as_ref() };

    let saved = save_problems(&draft);
    let submitted = validate_submit(&draft, &ctx);
    for p in saved.iter().chain(&submitted) {
        assert!(!p.code.is_empty() && !p.zh.is_empty() && !p.en.is_empty(), "{p:?}");
    }
    for p in &saved {
        assert!(submitted.contains(p), "save problem missing at submit: {p:?}");
    }
    let priced = price_draft(&draft, &book, sheet.as_ref()).ok();
    // Storing and pricing work from the one parse of the save rules: same answer as the text.
    if let Ok(typed) = validate_save(&draft) {
        assert_eq!(typed.price(&book, sheet.as_ref()), priced, "typed pricing differs");
    }
    if let Ok(s) = submit(&draft, &ctx) {
        assert!(!submitted.iter().any(|p| p.is_error()), "submitted despite errors");
        assert!(s.warnings.iter().all(|p| !p.is_error()));
    }
});
