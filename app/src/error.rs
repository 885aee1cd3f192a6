//! The one error type every server function returns; the UI shows it in plain words.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do this. Ask an admin of this tenant.")]
    Forbidden,
    #[error("This page or tenant does not exist, or you are not a member of it.")]
    NotFound,
    #[error("The form expired. Reload the page and try again.")]
    CsrfMismatch,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {0} seconds.")]
    TooManyAttempts(u64),
    #[error("The query took too long and was stopped. Narrow the filters or try again later.")]
    Timeout,
    #[error("Something went wrong on the server. It has been logged; try again later.")]
    Internal,
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status code the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::CsrfMismatch => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::TooManyAttempts(_) => 429,
            AppError::Timeout => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => AppError::Transport(e),
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::MissingArg(e) => AppError::Invalid(e),
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<backend::Error> for AppError {
    fn from(e: backend::Error) -> Self {
        use backend::Error as E;
        match e {
            E::Unauthenticated => AppError::Unauthenticated,
            E::Forbidden => AppError::Forbidden,
            E::NotFound => AppError::NotFound,
            E::Invalid(m) => AppError::Invalid(m),
            E::Conflict(m) => AppError::Conflict(m),
            E::TooManyAttempts { retry_after_secs } => AppError::TooManyAttempts(retry_after_secs),
            E::Timeout => {
                tracing::warn!("a query hit the statement timeout");
                AppError::Timeout
            }
            E::Database(_) | E::Internal(_) => {
                tracing::error!(error = %e, "server function failed");
                AppError::Internal
            }
        }
    }
}
