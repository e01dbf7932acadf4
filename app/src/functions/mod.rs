//! Server functions by area. Each reads like a sentence: get what it needs from context, check
//! the caller may do this, call the domain or db code, map the result.

pub mod price_book;
pub mod quotes;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use leptos::prelude::*;
    use sea_orm::DatabaseConnection;

    /// The database pool the server put into the request's context.
    pub fn db() -> Result<DatabaseConnection, ServerFnError> {
        use_context::<DatabaseConnection>().ok_or_else(|| ServerFnError::new("database not available"))
    }
}
