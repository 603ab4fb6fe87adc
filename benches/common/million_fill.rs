//! Fills a migrated database with a year of a busy desk, in SQL run by the
//! database itself (minutes, not hours): `tickets` tickets spread evenly
//! over the last 365 days up to now, numbered per day from 1, their
//! counters; half as many users (each with two tickets, nine in ten with a
//! username); five staff members; five messages a ticket (user, staff,
//! user, staff or a note, user; a tenth never answered), each of six words
//! drawn from a vocabulary of 50,000 (English and Russian words first,
//! then made-up Latin and Cyrillic ones) by Zipf's law, as people write:
//! a few words are in a third of all messages, most in a few dozen; every
//! ticket's first message quotes an order number of its own. 90 % of the
//! tickets answered, most closed (a tenth of the last half year's and all
//! of the last day's stay open; a user has at most one open ticket, their
//! second), a third assigned, the open unanswered ones waiting for staff,
//! 20 % rated, 5 % reminded. The inbox and outbox hold a row a
//! message for the last 31 days, handled and sent, as `INBOX_RETENTION`'s
//! default would leave them.

/// The words, most frequent first.
pub struct Vocabulary {
    pub words: Vec<String>,
}

/// Words in the vocabulary.
const WORDS: usize = 50_000;

/// The draws a word takes its place from: word `i` is drawn for the
/// values `u` in `[first_u(i), first_u(i + 1))`, out of `0..DRAWS`.
const DRAWS: u64 = 1 << 20;

/// Real words, in the order of their frequency in the made-up chats.
const REAL: &[&str] = &[
    "the",
    "please",
    "не",
    "order",
    "help",
    "помогите",
    "payment",
    "заказ",
    "refund",
    "оплата",
    "login",
    "пароль",
    "password",
    "ошибка",
    "error",
    "доставка",
    "delivery",
    "возврат",
    "account",
    "аккаунт",
    "card",
    "карта",
    "app",
    "приложение",
    "crash",
    "вход",
    "invoice",
    "счёт",
    "shipping",
    "подписка",
    "subscription",
    "код",
    "code",
    "письмо",
    "email",
    "телефон",
    "phone",
    "номер",
    "address",
    "адрес",
    "cancel",
    "отмена",
    "broken",
    "сломался",
    "update",
    "обновление",
    "screen",
    "экран",
    "printer",
    "принтер",
    "battery",
    "батарея",
    "charge",
    "списание",
    "twice",
    "дважды",
    "missing",
    "потерялся",
    "package",
    "посылка",
    "tracking",
    "трек",
    "discount",
    "скидка",
    "coupon",
    "промокод",
    "warranty",
    "гарантия",
    "exchange",
    "обмен",
    "size",
    "размер",
    "color",
    "цвет",
    "blocked",
    "заблокирован",
    "verify",
    "подтвердить",
    "sms",
    "смс",
    "wifi",
    "интернет",
    "slow",
    "медленно",
    "timeout",
    "зависает",
    "bonus",
    "бонус",
    "points",
    "баллы",
    "courier",
    "курьер",
    "late",
    "опоздал",
    "damaged",
    "повреждён",
];

impl Vocabulary {
    pub fn new() -> Self {
        const LATIN: [&str; 15] = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch"];
        const CYRILLIC: [&str; 15] = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ш"];
        const LATIN_VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
        const CYRILLIC_VOWELS: [&str; 5] = ["а", "е", "и", "о", "у"];
        let mut words: Vec<String> = REAL.iter().map(|w| w.to_string()).collect();
        let mut n = 0usize;
        while words.len() < WORDS {
            // Three syllables of 75, the digits of `n / 2` in base 75.
            let (consonants, vowels) = if n % 2 == 0 { (&LATIN, &LATIN_VOWELS) } else { (&CYRILLIC, &CYRILLIC_VOWELS) };
            let mut rest = n / 2;
            let mut word = String::new();
            for _ in 0..3 {
                let syllable = rest % 75;
                rest /= 75;
                word.push_str(consonants[syllable / 5]);
                word.push_str(vowels[syllable % 5]);
            }
            words.push(word);
            n += 1;
        }
        Self { words }
    }

    /// Where word `i`'s draws begin: Zipf's law, word `i` drawn about
    /// `1 / (i + 1)` as often as the first.
    fn first_u(i: usize) -> u64 {
        let share = ((i + 1) as f64).ln() / ((WORDS + 1) as f64).ln();
        (share * DRAWS as f64).ceil() as u64
    }
}

/// Words in a message (its order number aside).
const WORDS_A_MESSAGE: u64 = 6;

#[derive(Clone, Copy, PartialEq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The support chat the outbox rows went to.
const SUPPORT: i64 = -1_001_555_000_444;

/// The statements that fill a database freshly migrated, in order.
pub fn fill_sql(vocabulary: &Vocabulary, tickets: i64, dialect: Dialect) -> Vec<String> {
    let last = tickets - 1;
    let users = (tickets / 2).max(1);
    let series = |to: &str| match dialect {
        Dialect::Sqlite => {
            format!("(WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < {to}) SELECT g FROM s)")
        }
        Dialect::Postgres => format!("(SELECT g FROM generate_series(0::bigint, {to}) g)"),
    };
    // Ticket `g` is opened `g * 365 days / tickets` after a year ago.
    let year = 365 * 86_400i64;
    let (opened, day, plus) = match dialect {
        Dialect::Sqlite => (
            format!("datetime('now', '-365 days', '+' || (g * {year} / {tickets}) || ' seconds')"),
            "date(opened)".to_string(),
            sqlite_plus as fn(&str, &str) -> String,
        ),
        Dialect::Postgres => (
            format!(
                "(now() AT TIME ZONE 'UTC') - interval '365 days' + (g * {year} / {tickets}) * interval '1 second'"
            ),
            "opened::date".to_string(),
            postgres_plus as fn(&str, &str) -> String,
        ),
    };
    let vocabulary_rows = vocabulary
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("({i}, '{w}', {})", Vocabulary::first_u(i)))
        .collect::<Vec<_>>()
        .join(", ");
    // Message `m`'s `j`-th word: a draw hashed from `m * 6 + j`, and the
    // word whose draws hold it.
    let word = |j: u64| {
        format!(
            "(SELECT w FROM bench_vocabulary WHERE first_u <= (((m * {WORDS_A_MESSAGE} + {j}) * 2654435761) % 4294967296) % {DRAWS} \
             ORDER BY first_u DESC LIMIT 1)"
        )
    };
    let text = (0..WORDS_A_MESSAGE).map(word).collect::<Vec<_>>().join(" || ' ' || ");
    let at = plus("t.opened_at", "k * (30 + (t.id - 1) % 120)");
    let recent = tickets - tickets * 31 / 365;
    let closed = plus("opened_at", "600 + (id - 1) % 80000");
    let first = plus("opened_at", "30 + (id - 1) % 120");
    let text_type = if dialect == Dialect::Postgres { "::text" } else { "" };
    let mut statements = vec![
        "CREATE TEMPORARY TABLE bench_vocabulary (i INTEGER PRIMARY KEY, w TEXT NOT NULL, first_u BIGINT NOT NULL)".to_string(),
        format!("INSERT INTO bench_vocabulary VALUES {vocabulary_rows}"),
        "CREATE INDEX bench_vocabulary_draws ON bench_vocabulary (first_u)".to_string(),
        format!(
            "INSERT INTO users (id, username, first_name, created_at, updated_at) \
             SELECT g + 1, CASE WHEN g % 10 = 9 THEN NULL ELSE 'user' || (g + 1) END, 'User ' || (g + 1), {opened}, {opened} \
             FROM {} s",
            series(&(users - 1).to_string())
        ),
        "INSERT INTO staff (user_id, display_name, is_admin, created_at) \
         SELECT 900 + g, 'Agent ' || g, FALSE, CURRENT_TIMESTAMP FROM (SELECT 0 AS g UNION ALL SELECT 1 UNION ALL SELECT 2 \
         UNION ALL SELECT 3 UNION ALL SELECT 4) s"
            .to_string(),
        format!(
            "INSERT INTO tickets (id, day, number, user_id, status, opened_at) \
             SELECT g + 1, {day}, ROW_NUMBER() OVER (PARTITION BY {day} ORDER BY g), g % {users} + 1, \
                    CASE WHEN g >= {users} AND (g % 10 = 0 OR g >= {last} - {tickets} / 365) THEN 'open' ELSE 'closed' END, opened \
             FROM (SELECT g, {opened} AS opened FROM {} s) t",
            series(&last.to_string())
        ),
        format!(
            "UPDATE tickets SET first_response_at = {first}, last_response_at = {first}, first_responder_id = 900 + (id - 1) % 5 \
             WHERE (id - 1) % 10 <> 1"
        ),
        format!("UPDATE tickets SET closed_at = {closed} WHERE status = 'closed'"),
        "UPDATE tickets SET assignee_id = 900 + (id - 1) % 5 WHERE (id - 1) % 3 = 0".to_string(),
        // Waiting, and reminded already: a bot run with FIRST_RESPONSE_SLA
        // set has nothing to remind of.
        "UPDATE tickets SET waiting_since = opened_at, reminded_at = opened_at \
         WHERE status = 'open' AND first_response_at IS NULL"
            .to_string(),
        "INSERT INTO daily_ticket_counters (day, last_value) SELECT day, MAX(number) FROM tickets GROUP BY day".to_string(),
        format!(
            "INSERT INTO ticket_messages (id, ticket_id, direction, sender_id, user_chat_id, kind, text, created_at) \
             SELECT m + 1, id, direction, CASE WHEN direction = 'from_user' THEN user_id ELSE 900 + (id - 1) % 5 END, \
                    user_id, 'text', CASE WHEN k = 0 THEN 'order ' || (1000000 + id){text_type} || ' ' ELSE '' END || {text}, at \
             FROM (SELECT t.id, t.user_id, k.k, (t.id - 1) * 5 + k.k AS m, {at} AS at, \
                          CASE WHEN k.k % 2 = 0 OR (t.id - 1) % 10 = 1 THEN 'from_user' \
                               WHEN k.k = 3 AND (t.id - 1) % 10 = 5 THEN 'note' ELSE 'to_user' END AS direction \
                   FROM tickets t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 \
                   UNION ALL SELECT 4) k) x"
        ),
        // Who answered which ticket, as the bot records each answer.
        "INSERT INTO ticket_answers (ticket_id, staff_id, last_answer_at) \
         SELECT ticket_id, sender_id, MAX(created_at) FROM ticket_messages WHERE direction = 'to_user' \
         GROUP BY ticket_id, sender_id"
            .to_string(),
        format!(
            "INSERT INTO ticket_ratings (ticket_id, user_id, score, rated_at) \
             SELECT id, user_id, 1 + (id - 1) % 5, closed_at FROM tickets WHERE (id - 1) % 5 = 2 AND closed_at IS NOT NULL"
        ),
        format!(
            "INSERT INTO ticket_events (ticket_id, kind, at) \
             SELECT id, 'reminded', {} FROM tickets WHERE (id - 1) % 20 = 3",
            plus("opened_at", "900")
        ),
        format!(
            "INSERT INTO inbox_updates (update_id, chat_id, payload, received_at, processed_at) \
             SELECT id, user_chat_id, '{{}}', created_at, created_at FROM ticket_messages \
             WHERE ticket_id > {recent} AND direction = 'from_user'"
        ),
        format!(
            "INSERT INTO outbox_messages (chat_id, payload, ticket_id, ticket_message_id, created_at, not_before, attempts, \
                                          sent_at, sent_message_id) \
             SELECT CASE WHEN direction = 'to_user' THEN user_chat_id ELSE {SUPPORT} END, '{{}}', ticket_id, id, created_at, \
                    created_at, 1, created_at, id % 1000000 FROM ticket_messages WHERE ticket_id > {recent}"
        ),
    ];
    if dialect == Dialect::Postgres {
        // The index of open tickets' messages (migration 000021) as the bot
        // would have left it, every closed ticket's messages gone from it
        // as it closed: written once, its trigger off while the messages
        // are filled.
        let messages = statements.iter().position(|s| s.starts_with("INSERT INTO ticket_messages ")).unwrap();
        statements.splice(
            messages + 1..messages + 1,
            [
                "ALTER TABLE ticket_messages ENABLE TRIGGER ticket_messages_search_open_message".to_string(),
                "INSERT INTO ticket_messages_search_open (message_id, ticket_id, words) \
                 SELECT m.id, m.ticket_id, to_tsvector('simple', coalesce(m.text, '')) \
                 FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id WHERE t.status = 'open'"
                    .to_string(),
            ],
        );
        statements.insert(
            messages,
            "ALTER TABLE ticket_messages DISABLE TRIGGER ticket_messages_search_open_message".to_string(),
        );
        // The rows above chose their ids; the bot's next ones follow them.
        for table in ["tickets", "ticket_messages"] {
            statements
                .push(format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"));
        }
    }
    statements
}

fn sqlite_plus(at: &str, seconds: &str) -> String {
    format!("datetime({at}, '+' || ({seconds}) || ' seconds')")
}

fn postgres_plus(at: &str, seconds: &str) -> String {
    format!("({at} + ({seconds}) * interval '1 second')")
}
