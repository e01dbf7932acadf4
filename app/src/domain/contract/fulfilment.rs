//! 开通 fulfilment: what an admin records once a contract is approved — the WeCom order ID
//! (企业微信订单号), the activation date (开通日期) and, when known, the API expiry date
//! (企业微信API接口到期日). The fulfilment card checks it as it is typed; the server checks it again
//! with this same function before it records anything.

use crate::domain::period::parse_date_field;
use crate::domain::problem::Problem;
use chrono::NaiveDate;

/// Field paths of the fulfilment card (the server's problems use the same ones).
pub mod paths {
    pub const WECOM_ORDER_ID: &str = "wecom_order_id";
    pub const ACTIVATION_DATE: &str = "activation_date";
    pub const API_EXPIRY_DATE: &str = "api_expiry_date";
}

/// A WeCom order ID is at most this many characters.
pub const MAX_WECOM_ORDER_ID: usize = 100;

/// A checked fulfilment, ready to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fulfilment {
    /// Trimmed.
    pub wecom_order_id: String,
    pub activation_date: NaiveDate,
    /// Blank keeps the expiry date the contract already has.
    pub api_expiry_date: Option<NaiveDate>,
}

/// Checks the three fulfilment fields as typed; every problem at once, each naming its field.
pub fn check_fulfilment(
    wecom_order_id: &str,
    activation_date: &str,
    api_expiry_date: &str,
) -> Result<Fulfilment, Vec<Problem>> {
    let mut problems = Vec::new();
    let order = wecom_order_id.trim();
    if order.is_empty() {
        problems.push(Problem::error(
            paths::WECOM_ORDER_ID,
            "required",
            "请填写企业微信订单号",
            "Enter the WeCom order ID",
        ));
    } else if order.chars().count() > MAX_WECOM_ORDER_ID || order.chars().any(char::is_control) {
        problems.push(Problem::error(
            paths::WECOM_ORDER_ID,
            "invalid",
            format!("企业微信订单号最多{MAX_WECOM_ORDER_ID}个字符，且不能含控制字符"),
            format!("The WeCom order ID is at most {MAX_WECOM_ORDER_ID} characters, without control characters"),
        ));
    }
    let activation = parse_date_field(paths::ACTIVATION_DATE, activation_date, "开通日期", "activation date")
        .map_err(|p| problems.push(p))
        .ok();
    let expiry = if api_expiry_date.trim().is_empty() {
        None
    } else {
        parse_date_field(paths::API_EXPIRY_DATE, api_expiry_date, "企业微信API接口到期日", "API expiry date")
            .map_err(|p| problems.push(p))
            .ok()
    };
    if let (Some(a), Some(e)) = (activation, expiry) {
        if e < a {
            problems.push(Problem::error(
                paths::API_EXPIRY_DATE,
                "before_activation",
                format!("企业微信API接口到期日（{e}）不能早于开通日期（{a}）"),
                format!("The API expiry date ({e}) cannot be before the activation date ({a})"),
            ));
        }
    }
    match activation {
        Some(activation_date) if problems.is_empty() => {
            Ok(Fulfilment { wecom_order_id: order.to_owned(), activation_date, api_expiry_date: expiry })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(r: Result<Fulfilment, Vec<Problem>>) -> Vec<(String, String)> {
        r.unwrap_err().into_iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn a_complete_fulfilment_is_trimmed_and_parsed() {
        let f = check_fulfilment("  WX-2027-0001 ", "2027/1/2", "2027-12-31").unwrap();
        assert_eq!(f.wecom_order_id, "WX-2027-0001");
        assert_eq!(f.activation_date, NaiveDate::from_ymd_opt(2027, 1, 2).unwrap());
        assert_eq!(f.api_expiry_date, NaiveDate::from_ymd_opt(2027, 12, 31));
        assert_eq!(check_fulfilment("W1", "2027-01-02", " ").unwrap().api_expiry_date, None);
    }

    #[test]
    fn every_problem_names_its_field() {
        assert_eq!(
            codes(check_fulfilment(" ", "", "2027-02-30")),
            [
                ("wecom_order_id".into(), "required".into()),
                ("activation_date".into(), "required".into()),
                ("api_expiry_date".into(), "date_invalid".into()),
            ]
        );
        let long = "W".repeat(MAX_WECOM_ORDER_ID + 1);
        assert_eq!(codes(check_fulfilment(&long, "2027-01-02", "")), [("wecom_order_id".into(), "invalid".into())]);
        assert_eq!(codes(check_fulfilment("W\u{7}1", "2027-01-02", "")), [("wecom_order_id".into(), "invalid".into())]);
        assert!(check_fulfilment(&"订".repeat(MAX_WECOM_ORDER_ID), "2027-01-02", "").is_ok());
    }

    #[test]
    fn the_expiry_date_cannot_come_before_activation() {
        let problems = check_fulfilment("W1", "2027-01-02", "2027-01-01").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "api_expiry_date");
        assert_eq!(problems[0].code, "before_activation");
        assert!(problems[0].message(crate::domain::problem::Lang::Zh).contains("不能早于开通日期"));
        assert!(check_fulfilment("W1", "2027-01-02", "2027-01-02").is_ok());
    }
}
