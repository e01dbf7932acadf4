//! Who sells, as printed on saved quotes: the admin's settings (系统设置), with the seed's values
//! as the defaults (and the demo's bank account). How to pay is `payment_link::PaymentWays`, the one
//! source of the payment page, the contract's 付款 card and saved quotes.

use serde::{Deserialize, Serialize};

/// The seller on a saved or printed quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    /// 联系方式 printed under the name, if set.
    pub contact: Option<String>,
    /// Where customers ask for a negotiated price.
    pub sales_email: String,
}

impl Seller {
    /// From the admin's values; a blank name or email takes the seed's default.
    pub fn from_values(name: Option<&str>, contact: Option<&str>, sales_email: Option<&str>) -> Seller {
        let set = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        Seller {
            name: set(name).unwrap_or_else(|| SELLER_NAME.to_owned()),
            contact: set(contact),
            sales_email: set(sales_email).unwrap_or_else(|| SALES_EMAIL.to_owned()),
        }
    }
}

/// The seller on a printed quote (渠道伙伴 in the seed's contract).
pub const SELLER_NAME: &str = "上海灵当信息科技有限公司";

/// Bank transfer details (对公转账).
pub struct BankAccount {
    pub account_name: &'static str,
    pub account_number: &'static str,
    pub bank: &'static str,
    pub bank_code: &'static str,
}

pub const BANK_TRANSFER: BankAccount = BankAccount {
    account_name: "上海灵当信息科技有限公司",
    account_number: "31001518000050010918",
    bank: "中国建设银行股份有限公司上海黄浦支行",
    bank_code: "105290070006",
};

/// Where customers ask for a negotiated price (10001 accounts and above).
pub const SALES_EMAIL: &str = "sales@example.com";
