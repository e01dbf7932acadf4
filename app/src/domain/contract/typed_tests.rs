//! The typed draft: the save rules' one parse gives what is stored, and pricing from it gives the
//! same answer as pricing the text.

use super::*;
use crate::domain::price_book::{AccountKind, PriceBook};
use crate::domain::quote::OrderType;
use proptest::prelude::*;

const CORP: &str = "WW69C04360D53DA8B7";

fn draft(order_type: Option<OrderType>, existing: (&str, &str), lines: Vec<DraftLine>) -> ContractDraft {
    ContractDraft {
        end_customer: "  雪碧算术 ".into(),
        corp_id: format!(" {CORP} "),
        order_type,
        existing_basic: existing.0.into(),
        existing_interop: existing.1.into(),
        lines,
        source_order: SourceOrder::External { order_number: " CRM-1 ".into(), service_end: "2025-07-14".into() },
        ..ContractDraft::default()
    }
}

fn line(kind: Option<AccountKind>, quantity: &str, start: &str, end: &str, negotiated: &str) -> DraftLine {
    DraftLine {
        kind,
        quantity: quantity.into(),
        service_start: start.into(),
        service_end: end.into(),
        invoice: Some(true),
        negotiated_amount: negotiated.into(),
        description: " kept as typed ".into(),
    }
}

#[test]
fn a_savable_draft_comes_back_as_typed_values() {
    let d = draft(
        Some(OrderType::New),
        ("", "3"),
        vec![line(Some(AccountKind::Basic), "1,000", "2024-07-15", "2025-07-14", ""), DraftLine::default()],
    );
    let t = validate_save(&d).expect("savable");
    assert_eq!(t.end_customer, "雪碧算术");
    assert_eq!(t.corp_id_text(), CORP.to_lowercase());
    assert_eq!((t.existing_basic, t.existing_interop), (None, Some(3)));
    assert_eq!(
        t.source,
        TypedSource::External {
            order_number: "CRM-1".into(),
            service_end: chrono::NaiveDate::from_ymd_opt(2025, 7, 14)
        }
    );
    assert_eq!(t.lines[0].quantity, Some(1000));
    assert_eq!(t.lines[0].description, " kept as typed ");
    assert_eq!(t.lines[1], TypedLine { description: String::new(), ..t_blank() });
    assert_eq!(t.price(&PriceBook::default_2022(), None), price_draft(&d, &PriceBook::default_2022(), None).ok());
    assert!(t.price(&PriceBook::default_2022(), None).is_none(), "a blank line cannot be priced");
}

fn t_blank() -> TypedLine {
    TypedLine {
        kind: None,
        quantity: None,
        service_start: None,
        service_end: None,
        invoice: None,
        negotiated_amount: None,
        description: String::new(),
    }
}

#[test]
fn an_unsavable_draft_gives_its_problems_and_no_values() {
    let d = draft(None, ("x", ""), vec![line(None, "1.5", "2024-13-01", "", "")]);
    let problems = validate_save(&d).unwrap_err();
    assert_eq!(problems, save_problems(&d));
    assert!(problems.len() >= 3, "{problems:#?}");
}

fn text_of(choices: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(choices).prop_map(str::to_owned)
}

fn any_line() -> impl Strategy<Value = DraftLine> {
    (
        proptest::option::of(prop_oneof![Just(AccountKind::Basic), Just(AccountKind::Interop)]),
        text_of(&["", "1", "0", "8", "1,000", "12000", "2000000", "1.00", "abc", "５"]),
        text_of(&["", "2024-07-15", "2024-01-31", "2025-02-29", "x"]),
        text_of(&["", "2025-07-14", "2024-08-14", "2030-01-01", "2024-07-01"]),
        text_of(&["", "20000.00", "-1", "0", "abc"]),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(kind, q, s, e, n, invoice)| DraftLine { invoice, ..line(kind, &q, &s, &e, &n) })
}

proptest! {
    #[test]
    fn typed_pricing_agrees_with_pricing_the_text(
        order_type in proptest::option::of(prop_oneof![Just(OrderType::New), Just(OrderType::Addon), Just(OrderType::Renewal)]),
        basic in text_of(&["", "0", "5", "999", "2000000", "x"]),
        interop in text_of(&["", "0", "9", "10001"]),
        lines in proptest::collection::vec(any_line(), 0..4),
    ) {
        let d = draft(order_type, (&basic, &interop), lines);
        let book = PriceBook::default_2022();
        if let Ok(t) = validate_save(&d) {
            prop_assert_eq!(t.price(&book, None), price_draft(&d, &book, None).ok());
        }
    }
}
