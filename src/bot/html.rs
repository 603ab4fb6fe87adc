//! Telegram HTML for text the bot composes. Everything a user or staff
//! member wrote (names, usernames, messages) goes through `escape`: Telegram
//! answers 400 to a stray `<`, `>` or `&` (a user named `<3` once broke the
//! desk this grew from).

/// Escapes text for `parse_mode=HTML`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A link that opens the user's profile, named as they call themselves.
pub fn user_link(user_id: i64, name: &str) -> String {
    format!("<a href=\"tg://user?id={user_id}\">{}</a>", escape(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_telegram::visible_text;

    #[test]
    fn escaped_text_parses_back_to_itself() {
        for s in ["<3", "a & b", "<b>not bold</b>", "\"quoted\"", &"<&>".repeat(1365)] {
            assert_eq!(visible_text(&escape(s)).unwrap(), s);
        }
    }

    #[test]
    fn user_link_escapes_the_name() {
        let link = user_link(42, "<3 & co");
        assert_eq!(visible_text(&link).unwrap(), "<3 & co");
        assert!(link.starts_with("<a href=\"tg://user?id=42\">"));
    }
}
