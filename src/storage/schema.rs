//! Diesel's view of the tables in `migrations/`. Written by hand, once for
//! both backends: every column uses a SQL type both PostgreSQL and SQLite map
//! to the same Rust type. `ticketbot doctor` checks a live database against
//! `doctor::EXPECTED_COLUMNS`, which must agree with this file.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Nullable<Text>,
        first_name -> Text,
        last_name -> Nullable<Text>,
        language_code -> Nullable<Text>,
        banned_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ban_notified_at -> Nullable<Timestamp>,
        blocked_bot_at -> Nullable<Timestamp>,
        burst_started_at -> Nullable<Timestamp>,
        burst_count -> Integer,
        slowed_at -> Nullable<Timestamp>,
        tickets_slowed_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff (user_id) {
        user_id -> BigInt,
        username -> Nullable<Text>,
        display_name -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    daily_ticket_counters (day) {
        day -> Date,
        last_value -> Integer,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        day -> Date,
        number -> Integer,
        user_id -> BigInt,
        status -> Text,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        assignee_id -> Nullable<BigInt>,
        first_response_at -> Nullable<Timestamp>,
        support_message_id -> Nullable<Integer>,
        support_thread_id -> Nullable<Integer>,
        support_chat_id -> Nullable<BigInt>,
        waiting_since -> Nullable<Timestamp>,
        last_response_at -> Nullable<Timestamp>,
        first_responder_id -> Nullable<BigInt>,
        reminded_at -> Nullable<Timestamp>,
        away_notified_at -> Nullable<Timestamp>,
        texts_removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        kind -> Text,
        staff_id -> Nullable<BigInt>,
        at -> Timestamp,
    }
}

diesel::table! {
    ticket_ratings (ticket_id) {
        ticket_id -> BigInt,
        user_id -> BigInt,
        score -> Integer,
        comment -> Nullable<Text>,
        rated_at -> Timestamp,
        commented_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    snippets (name) {
        name -> Text,
        body -> Text,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    support_chat_moves (from_chat_id) {
        from_chat_id -> BigInt,
        to_chat_id -> BigInt,
        moved_at -> Timestamp,
    }
}

diesel::table! {
    ticket_messages (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        direction -> Text,
        sender_id -> BigInt,
        user_chat_id -> BigInt,
        user_message_id -> Nullable<Integer>,
        support_chat_id -> Nullable<BigInt>,
        support_message_id -> Nullable<Integer>,
        kind -> Text,
        text -> Nullable<Text>,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        unsent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inbox_updates (update_id) {
        update_id -> BigInt,
        chat_id -> Nullable<BigInt>,
        payload -> Text,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> BigInt,
        chat_id -> BigInt,
        payload -> Text,
        ticket_id -> Nullable<BigInt>,
        ticket_message_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        not_before -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
        sent_message_id -> Nullable<Integer>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        digest_message_id -> Nullable<Integer>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        display_name -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    web_login_links (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_telegram_logins (hash) {
        hash -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Who answered which ticket, and when last (`statistics::answered_by_staff`).
    ticket_answers (ticket_id, staff_id) {
        ticket_id -> BigInt,
        staff_id -> BigInt,
        last_answer_at -> Timestamp,
    }
}

diesel::table! {
    /// A finished day's figures, cleared by triggers when what they hold
    /// changes (`stats_days`, migration 000022).
    stats_days (day) {
        day -> Date,
        zone -> Text,
        figures -> Nullable<Text>,
    }
}

diesel::joinable!(tickets -> users (user_id));
diesel::joinable!(tickets -> staff (assignee_id));
diesel::joinable!(ticket_messages -> tickets (ticket_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(ticket_ratings -> tickets (ticket_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    staff,
    daily_ticket_counters,
    tickets,
    ticket_messages,
    outbox_messages,
    support_chat_moves,
    ticket_events,
    ticket_ratings,
    snippets
);
