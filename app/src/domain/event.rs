//! What happened, as the outbox records it: the events a change writes in its own transaction for
//! the side effects that follow it (in-app notifications now; a WeCom robot message or a WeCom
//! license order later).
//!
//! An event is stored as its [`Event::kind`] (a stable code, never renamed) and its JSON
//! ([`Event::to_json`]), which carries the kind too. A new side effect is a new handler for
//! existing kinds; a new event is a new variant with a new code. Neither changes the table.
//! Readers ignore fields they do not know, so a field can be added to a variant without breaking a
//! process that still runs the older code.

use serde::{Deserialize, Serialize};

/// What every contract event says: which contract, who acted, and who is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub contract_id: i64,
    /// `QYWXHT-<n>`; `None` for a contract never submitted.
    pub document_number: Option<String>,
    /// 最终用户, as it was when the event was written.
    pub end_customer: String,
    /// The user who made the change; `None` for the system (or a customer without an account).
    pub actor_user_id: Option<i64>,
    /// The users to notify, decided by the writer inside its transaction (the handler does not
    /// work out again who should hear of it: by then the flow or the owner may have changed).
    pub notify: Vec<i64>,
}

/// Something that happened to a contract. The JSON is internally tagged with `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Event {
    /// 提交审批: the owner submitted the contract (it is now at level 1).
    #[serde(rename = "contract.submitted")]
    ContractSubmitted { header: Header },
    /// The contract reached `level` of its flow: that level's approvers' turn.
    #[serde(rename = "contract.level_reached")]
    LevelReached { header: Header, level: u32 },
    /// 已通过: the last level approved.
    #[serde(rename = "contract.approved")]
    ContractApproved { header: Header },
    /// 已驳回 at `level`, with the approver's reason.
    #[serde(rename = "contract.rejected")]
    ContractRejected { header: Header, level: u32, reason: String },
    /// 已撤回 by its owner while pending.
    #[serde(rename = "contract.withdrawn")]
    ContractWithdrawn {
        header: Header,
        #[serde(default)]
        comment: String,
    },
    /// 已作废.
    #[serde(rename = "contract.cancelled")]
    ContractCancelled {
        header: Header,
        #[serde(default)]
        comment: String,
    },
    /// 已开通: the licenses were opened in WeCom.
    #[serde(rename = "contract.fulfilled")]
    ContractFulfilled { header: Header },
    /// 续期提醒: the licenses' API expiry date is `days_left` days away; the reminder of the
    /// `threshold` (30 or 7 days) before it, sent once.
    #[serde(rename = "contract.renewal_due")]
    RenewalDue { header: Header, expiry: chrono::NaiveDate, days_left: u32, threshold: u32 },
    /// The WeCom license job stopped on an error it cannot get past alone; `reason` in words
    /// (Chinese / English). The owner and the admins are told.
    #[serde(rename = "wecom.job_stopped")]
    WecomJobStopped { header: Header, reason: String },
    /// The WeCom license job finished: `activated` userids activated or renewed, `failed` refused.
    #[serde(rename = "wecom.job_finished")]
    WecomJobFinished { header: Header, activated: u32, failed: u32 },
    /// The WeCom license job `job_id` has a step to run (due when the row is). Nobody is told: only
    /// the job's handler takes it ([`JOB_STEP`], not in [`KINDS`]).
    #[serde(rename = "wecom.job_step")]
    WecomJobStep { header: Header, job_id: i64 },
}

/// The kind of [`Event::WecomJobStep`]: work for the WeCom job's handler, never a notification.
pub const JOB_STEP: &str = "wecom.job_step";

/// Every kind code people are told of, in the order of the variants ([`JOB_STEP`] is not one).
pub const KINDS: [&str; 10] = [
    "contract.submitted",
    "contract.level_reached",
    "contract.approved",
    "contract.rejected",
    "contract.withdrawn",
    "contract.cancelled",
    "contract.fulfilled",
    "contract.renewal_due",
    "wecom.job_stopped",
    "wecom.job_finished",
];

impl Event {
    /// The stable code of this kind of event (stored in the outbox's `kind` column, and the JSON
    /// tag). Never rename one: rows written under the old code would find no handler.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ContractSubmitted { .. } => KINDS[0],
            Event::LevelReached { .. } => KINDS[1],
            Event::ContractApproved { .. } => KINDS[2],
            Event::ContractRejected { .. } => KINDS[3],
            Event::ContractWithdrawn { .. } => KINDS[4],
            Event::ContractCancelled { .. } => KINDS[5],
            Event::ContractFulfilled { .. } => KINDS[6],
            Event::RenewalDue { .. } => KINDS[7],
            Event::WecomJobStopped { .. } => KINDS[8],
            Event::WecomJobFinished { .. } => KINDS[9],
            Event::WecomJobStep { .. } => JOB_STEP,
        }
    }

    pub fn header(&self) -> &Header {
        match self {
            Event::ContractSubmitted { header }
            | Event::LevelReached { header, .. }
            | Event::ContractApproved { header }
            | Event::ContractRejected { header, .. }
            | Event::ContractWithdrawn { header, .. }
            | Event::ContractCancelled { header, .. }
            | Event::ContractFulfilled { header }
            | Event::RenewalDue { header, .. }
            | Event::WecomJobStopped { header, .. }
            | Event::WecomJobFinished { header, .. }
            | Event::WecomJobStep { header, .. } => header,
        }
    }

    /// The approval level the event is about, if any.
    pub fn level(&self) -> Option<u32> {
        match self {
            Event::LevelReached { level, .. } | Event::ContractRejected { level, .. } => Some(*level),
            _ => None,
        }
    }

    /// The words that come with the event: the text a person wrote with the change (a reject
    /// reason, a comment), or for a renewal reminder the expiry date (`2027-12-31`); may be empty.
    pub fn text(&self) -> String {
        match self {
            Event::ContractRejected { reason, .. } => reason.clone(),
            Event::ContractWithdrawn { comment, .. } | Event::ContractCancelled { comment, .. } => comment.clone(),
            Event::RenewalDue { expiry, .. } => expiry.to_string(),
            Event::WecomJobStopped { reason, .. } => reason.clone(),
            Event::WecomJobFinished { activated, failed, .. } => format!("{activated}/{failed}"),
            _ => String::new(),
        }
    }

    /// The JSON stored as the outbox row's payload.
    pub fn to_json(&self) -> String {
        // A derived `Serialize` of strings and integers into a `String` cannot fail.
        serde_json::to_string(self).expect("an event serialises")
    }

    /// Reads a stored payload back.
    pub fn from_json(json: &str) -> Result<Event, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A numbered contract's header that tells two users (shared with other modules' tests).
    pub(crate) fn header() -> Header {
        Header {
            contract_id: 7,
            document_number: Some("QYWXHT-12".into()),
            end_customer: "某某科技".into(),
            actor_user_id: Some(3),
            notify: vec![4, 5],
        }
    }

    fn every_kind() -> Vec<Event> {
        let header = header;
        vec![
            Event::ContractSubmitted { header: header() },
            Event::LevelReached { header: header(), level: 2 },
            Event::ContractApproved { header: header() },
            Event::ContractRejected { header: header(), level: 1, reason: "金额不符".into() },
            Event::ContractWithdrawn { header: header(), comment: "改期".into() },
            Event::ContractCancelled { header: header(), comment: String::new() },
            Event::ContractFulfilled { header: header() },
            Event::RenewalDue {
                header: header(),
                expiry: chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                days_left: 29,
                threshold: 30,
            },
            Event::WecomJobStopped { header: header(), reason: "订单无效（701005）".into() },
            Event::WecomJobFinished { header: header(), activated: 7, failed: 1 },
        ]
    }

    #[test]
    fn the_job_step_is_work_not_news() {
        let step = Event::WecomJobStep { header: header(), job_id: 3 };
        assert_eq!(step.kind(), JOB_STEP);
        assert!(!KINDS.contains(&JOB_STEP));
        assert_eq!(Event::from_json(&step.to_json()).unwrap(), step);
    }

    #[test]
    fn the_json_tag_is_the_kind_and_round_trips() {
        let events = every_kind();
        assert_eq!(events.iter().map(Event::kind).collect::<Vec<_>>(), KINDS);
        for event in events {
            let json = event.to_json();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(value["kind"], event.kind(), "{json}");
            assert_eq!(Event::from_json(&json).unwrap(), event);
        }
    }

    #[test]
    fn the_stored_shape_is_stable() {
        let json = Event::ContractRejected { header: header(), level: 1, reason: "金额不符".into() }.to_json();
        assert_eq!(
            json,
            r#"{"kind":"contract.rejected","header":{"contract_id":7,"document_number":"QYWXHT-12","end_customer":"某某科技","actor_user_id":3,"notify":[4,5]},"level":1,"reason":"金额不符"}"#
        );
    }

    #[test]
    fn unknown_fields_are_ignored_and_unknown_kinds_refused() {
        let newer = r#"{"kind":"contract.approved","header":{"contract_id":1,"document_number":null,"end_customer":"x","actor_user_id":null,"notify":[],"wecom_corp":"ww1"},"extra":true}"#;
        let event = Event::from_json(newer).unwrap();
        assert_eq!(event.kind(), "contract.approved");
        assert_eq!(event.header().contract_id, 1);
        assert!(Event::from_json(r#"{"kind":"contract.teleported","header":{}}"#).is_err());
    }

    #[test]
    fn text_and_level() {
        let events = every_kind();
        assert_eq!(
            events.iter().map(Event::text).collect::<Vec<_>>(),
            ["", "", "", "金额不符", "改期", "", "", "2027-12-31", "订单无效（701005）", "7/1"]
        );
        assert_eq!(
            events.iter().map(Event::level).collect::<Vec<_>>(),
            [None, Some(2), None, Some(1), None, None, None, None, None, None]
        );
    }
}
