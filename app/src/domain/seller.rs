//! Who sells and how to pay, as the seed's order instructions give them (付款方式). Shown on
//! saved and printed quotes. Until the admin settings exist these are the seed's values.

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
