use super::*;
use crate::domain::event::Header;
use crate::domain::event::tests::header;

const BASE: &str = "https://desk.example.com/";

#[test]
fn each_kind_says_what_happened_with_a_link() {
    let cases = [
        (Event::ContractSubmitted { header: header() }, "提交审批"),
        (Event::LevelReached { header: header(), level: 2 }, "第2级待审批"),
        (Event::ContractRejected { header: header(), level: 1, reason: "金额不符".into() }, "第1级驳回"),
        (Event::ContractApproved { header: header() }, "审批通过"),
        (Event::ContractFulfilled { header: header() }, "已开通"),
    ];
    for (event, status) in cases {
        let text = message(&event, BASE, &[]).unwrap();
        assert!(text.contains(status), "{text}");
        assert!(text.contains("> 单号：QYWXHT-12\n> 客户：某某科技\n"), "{text}");
        assert!(text.ends_with("[查看合同](https://desk.example.com/contracts/7)"), "{text}");
    }
    let rejected =
        message(&Event::ContractRejected { header: header(), level: 1, reason: "金额不符".into() }, BASE, &[]);
    assert!(rejected.unwrap().contains("> 原因：金额不符\n"));
    for quiet in [
        Event::ContractWithdrawn { header: header(), comment: String::new() },
        Event::ContractCancelled { header: header(), comment: String::new() },
    ] {
        assert_eq!(message(&quiet, BASE, &[]), None);
    }
    let unnumbered = Header { document_number: None, ..header() };
    assert!(message(&Event::ContractSubmitted { header: unnumbered }, BASE, &[]).unwrap().contains("（未编号）"));
}

#[test]
fn a_levels_turn_mentions_approvers_with_a_userid_and_names_the_others() {
    let recipients = [
        Recipient { display_name: "张三".into(), wecom_userid: Some("zhangsan".into()) },
        Recipient { display_name: "李四".into(), wecom_userid: None },
        Recipient { display_name: "王五".into(), wecom_userid: Some("bad>id<@all".into()) },
    ];
    let text = message(&Event::LevelReached { header: header(), level: 1 }, BASE, &recipients).unwrap();
    assert!(text.contains("请 <@zhangsan> 李四 王五 审批\n"), "{text}");
    assert_eq!(text.matches("<@").count(), 1, "{text}");
    // Others are not asked to act.
    let text = message(&Event::ContractApproved { header: header() }, BASE, &recipients).unwrap();
    assert!(!text.contains("<@"), "{text}");
}

#[test]
fn typed_text_cannot_forge_a_mention_or_break_the_markdown() {
    let nasty = "<@all> [点我](http://evil.example) **粗** `code`\n# 标题\n<font color=\"warning\">x</font>\u{7}";
    let header = Header { end_customer: nasty.into(), ..header() };
    let recipients = [Recipient { display_name: nasty.into(), wecom_userid: None }];
    for event in [
        Event::ContractRejected { header: header.clone(), level: 2, reason: nasty.into() },
        Event::LevelReached { header: header.clone(), level: 2 },
    ] {
        let text = message(&event, BASE, &recipients).unwrap();
        assert!(!text.contains("<@"), "{text}");
        assert!(!text.contains("](http://evil"), "{text}");
        assert!(!text.contains('`') && !text.contains("**") && !text.contains('\u{7}'), "{text}");
        assert!(!text.contains("\n#") || text.starts_with("###"), "{text}");
        assert_eq!(text.matches("<font").count(), 1, "only our own status colour: {text}");
        assert_eq!(text.matches("](").count(), 1, "only our own link: {text}");
    }
}

#[test]
fn a_long_reason_is_cut_to_the_limit_on_a_character_boundary_keeping_the_link() {
    for reason in ["驳".repeat(10_000), "a".repeat(10_000), format!("x{}", "😀".repeat(5_000))] {
        let event = Event::ContractRejected { header: header(), level: 3, reason };
        let text = message(&event, BASE, &[]).unwrap();
        assert!(text.len() <= MAX_BYTES, "{}", text.len());
        assert!(text.len() > MAX_BYTES - 8, "uses the room it has: {}", text.len());
        assert!(text.contains("…（已截断）"));
        assert!(text.ends_with("[查看合同](https://desk.example.com/contracts/7)"));
    }
    let long_customer = Header { end_customer: "客".repeat(5_000), ..header() };
    let text = message(&Event::ContractSubmitted { header: long_customer }, BASE, &[]).unwrap();
    assert!(text.len() <= MAX_BYTES);
}

#[test]
fn userid_shapes_and_boundaries() {
    assert!(mentionable("zhang.san-01@corp_x"));
    for bad in ["", "a b", "a>b", "<@all", &"x".repeat(65)] {
        assert!(!mentionable(bad), "{bad}");
    }
    assert_eq!(floor_char_boundary("驳回", 4), 3);
    assert_eq!(floor_char_boundary("驳回", 99), 6);
}
