//! One error type for the back end; the web layer maps it onto HTTP status codes.

/// What went wrong, in terms a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("please sign in")]
    Unauthenticated,
    #[error("you do not have permission to do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts, try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the query ran longer than the configured limit (APISEC_DB_STATEMENT_TIMEOUT_SECS) and was stopped")]
    Timeout,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status code this error stands for.
    pub fn status(&self) -> u16 {
        match self {
            Error::Unauthenticated => 401,
            Error::Forbidden => 403,
            Error::NotFound => 404,
            Error::Invalid(_) => 400,
            Error::Conflict(_) => 409,
            Error::TooManyAttempts { .. } => 429,
            Error::Timeout => 503,
            Error::Database(_) | Error::Internal(_) => 500,
        }
    }
}

impl From<sqlx::Error> for Error {
    /// A statement stopped by the statement timeout (PostgreSQL `query_canceled`) is a
    /// [`Error::Timeout`], so the user gets a clear answer instead of a generic failure.
    fn from(e: sqlx::Error) -> Self {
        let cancelled = e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "57014");
        if cancelled {
            Error::Timeout
        } else {
            Error::Database(e)
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
