//! What the contract form (`/contracts/new`, `/contracts/<id>`) needs besides the contract itself,
//! so the browser can run the same submit rules the server runs: the admin-kept list of installed
//! apps (安装的应用) and today's date in China (the start of lines taken from a quote).

use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// The contract form's choices and context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractFormChoices {
    /// 安装的应用: the names a contract may pick.
    pub installed_apps: Vec<String>,
    /// Today in China, by the server's clock.
    pub today: NaiveDate,
    /// The largest attachment the server accepts (`MAX_UPLOAD_BYTES`), so a larger file is
    /// refused before it is sent.
    pub max_upload_bytes: u64,
}

/// The form's choices for any signed-in user (they hold nothing private).
#[server(endpoint = "contracts/form_options", input = Json)]
pub async fn contract_form_options() -> Result<ContractFormChoices, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let db = ctx::db()?;
            ctx::require_user().await?;
            let installed_apps = crate::services::contracts::installed_apps(&db).await?;
            Ok(ContractFormChoices {
                installed_apps,
                today: crate::domain::calendar::china_date(chrono::Utc::now()),
                max_upload_bytes: ctx::settings().upload_limit(),
            })
        }
        .await,
    )
}
