//! Order contracts (企业微信接口合同), their lines, approval flows and steps, and the document
//! number sequence. Money is integer fen (like the price book); timestamps are UTC.

use super::m20261129_000002_accounts::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

// The values this migration seeds, as they were when it was written. A migration is history: it
// uses none of the runtime's code or constants (`db::contracts::CONTRACT_SEQUENCE`,
// `db::settings::INSTALLED_APPS_KEY` name the same rows today), so changing those never rewrites it.
const DEFAULT_FLOW_NAME: &str = "默认三级审批";
const CONTRACT_SEQUENCE: &str = "contract";
const INSTALLED_APPS_KEY: &str = "installed_apps";

fn fk(name: &str, from: (&str, &str), to: (&str, &str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0.to_owned(), from.1.to_owned())
        .to(to.0.to_owned(), to.1.to_owned())
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("approval_flows")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("name", 100))
                    .col(boolean("is_default").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("approval_levels")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("flow_id"))
                    .col(integer("level"))
                    .col(string_len("name", 100))
                    .col(big_integer_null("default_approver_user_id"))
                    .foreign_key(
                        &mut fk("fk_approval_levels_flow", ("approval_levels", "flow_id"), ("approval_flows", "id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_approval_levels_approver",
                        ("approval_levels", "default_approver_user_id"),
                        ("users", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        unique(manager, "uq_approval_levels_flow_level", "approval_levels", &["flow_id", "level"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("approval_level_candidates")
                    .if_not_exists()
                    .col(big_integer("level_id"))
                    .col(big_integer("user_id"))
                    .primary_key(Index::create().col("level_id").col("user_id"))
                    .foreign_key(
                        &mut fk(
                            "fk_candidates_level",
                            ("approval_level_candidates", "level_id"),
                            ("approval_levels", "id"),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(
                        &mut fk("fk_candidates_user", ("approval_level_candidates", "user_id"), ("users", "id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("contracts")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    // NULL until the first submission; a unique index allows many NULLs on both DBs.
                    .col(string_len_null("document_number", 32))
                    .col(big_integer("organisation_id"))
                    .col(big_integer("owner_user_id"))
                    .col(big_integer("created_by"))
                    .col(string_len("status", 16))
                    .col(integer_null("status_level"))
                    .col(big_integer("version"))
                    // Which approval round the contract is in: each submission starts a new one.
                    .col(integer("approval_round").default(0))
                    .col(string_len("end_customer", 200))
                    // Lower-case, as typed otherwise (a draft may hold an incomplete one).
                    .col(string_len("corp_id", 100))
                    .col(string_len("corp_name", 200))
                    .col(string_len_null("crm_type", 16))
                    .col(text("lease_url"))
                    .col(string_len_null("payment_method", 16))
                    .col(string_len_null("order_type", 16))
                    .col(boolean_null("auto_activation"))
                    .col(boolean_null("userid_count_matches"))
                    .col(boolean_null("order_quantity_matches"))
                    .col(string_len("installed_app", 200))
                    .col(date_null("api_expiry_date"))
                    .col(text("remark"))
                    // none | contract | external
                    .col(string_len("source_kind", 16))
                    .col(big_integer_null("source_contract_id"))
                    .col(string_len_null("source_order_number", 100))
                    .col(date_null("source_service_end"))
                    .col(big_integer_null("existing_basic"))
                    .col(big_integer_null("existing_interop"))
                    .col(big_integer_null("payment_voucher_id"))
                    .col(big_integer_null("userid_sheet_id"))
                    .col(big_integer_null("subtotal_fen"))
                    .col(big_integer_null("tax_fen"))
                    .col(big_integer_null("total_fen"))
                    .col(boolean_null("invoice"))
                    .col(string_len_null("price_book_version", 40))
                    .col(big_integer_null("flow_id"))
                    .col(string_len_null("wecom_order_id", 100))
                    .col(date_null("activation_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .foreign_key(&mut fk(
                        "fk_contracts_organisation",
                        ("contracts", "organisation_id"),
                        ("organisations", "id"),
                    ))
                    .foreign_key(&mut fk("fk_contracts_owner", ("contracts", "owner_user_id"), ("users", "id")))
                    .foreign_key(&mut fk("fk_contracts_creator", ("contracts", "created_by"), ("users", "id")))
                    .foreign_key(&mut fk("fk_contracts_flow", ("contracts", "flow_id"), ("approval_flows", "id")))
                    .to_owned(),
            )
            .await?;
        unique(manager, "uq_contracts_document_number", "contracts", &["document_number"]).await?;
        index(manager, "idx_contracts_status", "contracts", &["status", "status_level"]).await?;
        index(manager, "idx_contracts_owner", "contracts", &["owner_user_id"]).await?;
        index(manager, "idx_contracts_organisation", "contracts", &["organisation_id"]).await?;
        index(manager, "idx_contracts_corp_id", "contracts", &["corp_id"]).await?;
        index(manager, "idx_contracts_created_at", "contracts", &["created_at"]).await?;
        index(manager, "idx_contracts_updated_at", "contracts", &["updated_at", "id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("contract_lines")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_id"))
                    .col(integer("position"))
                    .col(string_len_null("kind", 16))
                    .col(big_integer_null("quantity"))
                    .col(date_null("service_start"))
                    .col(date_null("service_end"))
                    .col(integer_null("months"))
                    .col(boolean_null("invoice"))
                    .col(big_integer_null("amount_fen"))
                    .col(big_integer_null("tax_fen"))
                    .col(big_integer_null("total_fen"))
                    .col(big_integer_null("negotiated_amount_fen"))
                    .col(text("description"))
                    .foreign_key(
                        &mut fk("fk_contract_lines_contract", ("contract_lines", "contract_id"), ("contracts", "id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        unique(manager, "uq_contract_lines_position", "contract_lines", &["contract_id", "position"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("contract_approvers")
                    .if_not_exists()
                    .col(big_integer("contract_id"))
                    .col(integer("level"))
                    .col(big_integer("approver_user_id"))
                    .primary_key(Index::create().col("contract_id").col("level"))
                    .foreign_key(
                        &mut fk(
                            "fk_contract_approvers_contract",
                            ("contract_approvers", "contract_id"),
                            ("contracts", "id"),
                        )
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_contract_approvers_user",
                        ("contract_approvers", "approver_user_id"),
                        ("users", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_contract_approvers_user", "contract_approvers", &["approver_user_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("approval_steps")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_id"))
                    .col(integer("round"))
                    .col(integer("level"))
                    .col(big_integer("approver_user_id"))
                    // approve | reject
                    .col(string_len("decision", 16))
                    .col(text("comment"))
                    .col(timestamp_with_time_zone("decided_at"))
                    .foreign_key(
                        &mut fk("fk_approval_steps_contract", ("approval_steps", "contract_id"), ("contracts", "id"))
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .foreign_key(&mut fk(
                        "fk_approval_steps_user",
                        ("approval_steps", "approver_user_id"),
                        ("users", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        // Two approvals of the same level in the same round cannot both be stored.
        unique(manager, "uq_approval_steps_level", "approval_steps", &["contract_id", "round", "level"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("document_sequences")
                    .if_not_exists()
                    .col(string_len("name", 32).primary_key())
                    .col(big_integer("next_value"))
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO document_sequences (name, next_value) VALUES ('{CONTRACT_SEQUENCE}', 1)"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO approval_flows (name, is_default) VALUES ('{DEFAULT_FLOW_NAME}', TRUE)"
        ))
        .await?;
        for (level, name) in [(1, "第一级审批"), (2, "第二级审批"), (3, "第三级审批")] {
            db.execute_unprepared(&format!(
                "INSERT INTO approval_levels (flow_id, level, name) \
                 SELECT id, {level}, '{name}' FROM approval_flows WHERE name = '{DEFAULT_FLOW_NAME}'"
            ))
            .await?;
        }
        // The admin-kept list of apps a contract may name (安装的应用); admins edit it later.
        let apps = Query::insert()
            .into_table("settings")
            .columns(["key", "value", "updated_at"])
            .values_panic([INSTALLED_APPS_KEY.into(), r#"["灵当CRM"]"#.into(), chrono::Utc::now().into()])
            .to_owned();
        manager.exec_stmt(apps).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "document_sequences",
            "approval_steps",
            "contract_approvers",
            "contract_lines",
            "contracts",
            "approval_level_candidates",
            "approval_levels",
            "approval_flows",
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

async fn unique(manager: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table.to_owned()).unique().if_not_exists();
    for c in cols {
        idx.col(Alias::new(*c));
    }
    manager.create_index(idx.to_owned()).await
}
