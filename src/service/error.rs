use crate::domain::TicketRef;

/// Errors of the service layer: the first group are expected outcomes a
/// caller shows to a person; the rest are failures of the machinery.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no such ticket")]
    TicketNotFound,
    #[error("ticket {0} is already closed")]
    AlreadyClosed(TicketRef),
    #[error("ticket {0} is already open")]
    AlreadyOpen(TicketRef),
    #[error("the user already has open ticket {0}")]
    UserHasOpenTicket(TicketRef),

    /// The inbox update was already handled (by an earlier run or another
    /// worker): nothing was changed this time.
    #[error("update already handled")]
    AlreadyHandled,

    #[error("database: {0}")]
    Database(diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            // Only `Effects` roll back on purpose (see storage/units.rs).
            diesel::result::Error::RollbackTransaction => Self::AlreadyHandled,
            e => Self::Database(e),
        }
    }
}

impl ServiceError {
    pub(crate) fn pool(e: impl std::fmt::Display) -> Self {
        Self::Pool(e.to_string())
    }

    /// True for outcomes a person caused and can be told about.
    pub fn is_expected(&self) -> bool {
        !matches!(self, Self::Database(_) | Self::Pool(_))
    }
}
