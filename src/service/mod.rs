//! Business operations over the data layer. The service owns the clock and
//! the ticket time zone, picks the backend, and turns storage outcomes into
//! results callers act on.

pub(crate) mod batch;
mod dispatch;
mod error;
mod mailroom;
mod tickets;

pub use batch::Batch;
pub use error::ServiceError;
pub use mailroom::{DigestCandidate, FetchedUpdate, Mailroom};
pub use tickets::{OpenTicketsPage, TicketService};
