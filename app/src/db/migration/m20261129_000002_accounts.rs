//! Organisations, users, sessions, sign-in attempts, settings and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organisations")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("name", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("organisation_id"))
                    // Stored lower-case: sign-in ignores case.
                    .col(string_len_uniq("username", 64))
                    .col(string_len("display_name", 100))
                    .col(string_len("role", 16))
                    .col(string_len("password_hash", 255))
                    .col(boolean("active").default(true))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_organisation")
                            .from("users", "organisation_id")
                            .to("organisations", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_users_organisation", "users", &["organisation_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .if_not_exists()
                    // The BLAKE2b hash of the cookie's token: a leaked table does not leak sessions.
                    .col(string_len("id", 64).primary_key())
                    .col(big_integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from("sessions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_sessions_user", "sessions", &["user_id"]).await?;
        index(manager, "idx_sessions_expires", "sessions", &["expires_at"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len("username", 64))
                    .col(string_len("address", 64))
                    .col(boolean("succeeded"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_login_attempts_user", "login_attempts", &["username", "at"]).await?;
        index(manager, "idx_login_attempts_address", "login_attempts", &["address", "at"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("settings")
                    .if_not_exists()
                    .col(string_len("key", 64).primary_key())
                    .col(text("value"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_user_id"))
                    .col(string_len("action", 48))
                    .col(string_len("subject_type", 32))
                    .col(big_integer_null("subject_id"))
                    .col(text("detail"))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_audit_subject", "audit_events", &["subject_type", "subject_id"]).await?;
        index(manager, "idx_audit_at", "audit_events", &["at"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_events", "settings", "login_attempts", "sessions", "users", "organisations"] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

/// Creates a plain (non-unique) index on `cols` of `table`.
pub(super) async fn index(manager: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table.to_owned()).if_not_exists();
    for c in cols {
        idx.col(Alias::new(*c));
    }
    manager.create_index(idx.to_owned()).await
}
