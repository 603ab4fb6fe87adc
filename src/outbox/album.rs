//! Albums: every waiting member copied in one `copyMessages` call, so they
//! arrive as an album. (`copyMessages` cannot reply; in a plain group the
//! album is found again through the recorded copies.)

use serde_json::json;

use super::deliver::sent;
use super::message::{Envelope, Outbound, Record};
use super::send::{Verdict, backoff};
use super::worker::{DeliveryWorker, Step};
use crate::db::DbError;
use crate::storage::rows::OutboxRow;
use crate::telegram::api::{CALL_TIMEOUT, Sent};

impl DeliveryWorker {
    pub(super) async fn deliver_album(
        &self,
        row: &OutboxRow,
        from_chat_id: i64,
        album: &str,
        thread: Option<i32>,
        record: Record,
    ) -> Result<Step, DbError> {
        let mut members = self.outbox.album_rows(row.chat_id, album).await?;
        if members.is_empty() {
            members.push(row.clone());
        }
        let mut ids: Vec<(i32, OutboxRow)> = Vec::new();
        for member in members {
            if let Ok(Envelope { message: Outbound::Copy { message_id, .. }, .. }) =
                serde_json::from_str(&member.payload)
            {
                ids.push((message_id, member));
            }
        }
        // Telegram wants the ids in increasing order.
        ids.sort_by_key(|(id, _)| *id);
        // Each member counts against the chat's limit.
        if !self.limits.reserve(row.chat_id, ids.len()) {
            return Ok(Step::Waiting);
        }
        let message_ids: Vec<i32> = ids.iter().map(|(id, _)| *id).collect();
        let mut params = json!({ "chat_id": row.chat_id, "from_chat_id": from_chat_id, "message_ids": message_ids });
        if let Some(t) = thread {
            params["message_thread_id"] = t.into();
        }
        match self.api.call::<Vec<Sent>>("copyMessages", &params, CALL_TIMEOUT).await {
            Ok(copies) => {
                self.counted(Verdict::Sent(0));
                let members = ids.iter().zip(copies).map(|((_, member), copy)| sent(member, record, copy.message_id));
                self.recorder.note(members.collect::<Vec<_>>()).await?;
            }
            Err(failure) => match self.counted(self.verdict_of(row.chat_id, failure).await) {
                Verdict::Wait(after) => self.flood_controlled(row, after).await?,
                Verdict::Transient(reason) => {
                    tracing::warn!(chat = row.chat_id, ticket = row.ticket_id, %reason, members = ids.len(), "outbox: album failed, will retry");
                    for (_, member) in &ids {
                        self.outbox.retry(member, backoff(member.attempts), &reason).await?;
                    }
                }
                Verdict::Refused { status, reason } => {
                    tracing::error!(chat = row.chat_id, ticket = row.ticket_id, status, %reason, "outbox: Telegram refused an album");
                    for (_, member) in &ids {
                        self.outbox.failed(member, &reason).await?;
                    }
                }
                // Readdressed: they go to the new chat next round. (A
                // failure is never Sent or Paced.)
                Verdict::Moved | Verdict::Sent(_) | Verdict::Paced => {}
            },
        }
        // The members after this row were in the album: the next claim
        // starts after them.
        Ok(Step::Moved)
    }
}
