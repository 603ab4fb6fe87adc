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

/// Characters Telegram counts for an HTML text of ours: tags cost nothing,
/// an entity costs one, and length is in UTF-16 code units.
pub fn visible_len(html: &str) -> usize {
    let mut len = 0;
    let mut chars = html.chars();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            '&' => {
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                }
                len += 1;
            }
            c => len += c.len_utf16(),
        }
    }
    len
}

/// The tags Telegram's HTML takes.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

/// Whether Telegram takes `html` (`parse_mode=HTML`): only its tags,
/// each closed in order, and only the entities it knows. Checks an
/// operator's texts at start, before a user could meet a 400.
pub fn check(html: &str) -> Result<(), String> {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("a \"<\" opens no tag: write &lt; for the character")?;
                let inner = &rest[1..end];
                match inner.strip_prefix('/') {
                    Some(name) if open.pop() == Some(name.trim()) => {}
                    Some(name) => return Err(format!("</{}> closes no open tag", name.trim())),
                    None => {
                        let name = inner.split_whitespace().next().unwrap_or_default();
                        if !TAGS.contains(&name) {
                            return Err(format!("<{name}> is not a tag Telegram knows (write &lt; for \"<\")"));
                        }
                        open.push(name);
                    }
                }
                rest = &rest[end + 1..];
            }
            '>' => return Err("a lone \">\": write &gt;".into()),
            '&' => {
                let end = rest.find(';').filter(|end| *end <= 10).ok_or("a lone \"&\": write &amp;")?;
                let entity = &rest[1..end];
                let numeric = entity.strip_prefix("#x").map(|h| u32::from_str_radix(h, 16).is_ok());
                let known = matches!(entity, "lt" | "gt" | "amp" | "quot")
                    || numeric.or_else(|| entity.strip_prefix('#').map(|d| d.parse::<u32>().is_ok())).unwrap_or(false);
                if !known {
                    return Err(format!("&{entity}; is not an entity Telegram knows"));
                }
                rest = &rest[end + 1..];
            }
            c => rest = &rest[c.len_utf8()..],
        }
    }
    match open.pop() {
        Some(tag) => Err(format!("<{tag}> is never closed")),
        None => Ok(()),
    }
}

/// Telegram's limit for a text message, counted after entity parsing.
pub const MESSAGE_LIMIT: usize = 4096;

/// Packs lines (each valid HTML on its own) into as few messages as fit the
/// limit, so a long list or history is split, never cut or refused. A line
/// longer than the limit on its own (which our texts never build) is cut.
pub fn pack(lines: &[String], limit: usize) -> Vec<String> {
    let mut messages = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in lines {
        let len = visible_len(line);
        if !current.is_empty() && current_len + 1 + len > limit {
            messages.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if !current.is_empty() {
            current.push('\n');
            current_len += 1;
        }
        current.push_str(line);
        current_len += len;
    }
    if !current.is_empty() {
        messages.push(current);
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_telegram::visible_text;

    #[test]
    fn check_takes_what_telegram_takes_and_names_what_it_refuses() {
        for good in ["<b>#7</b> &lt;3 &amp; &#38; &#x26;", "<a href=\"tg://user?id=1\">A</a>", "plain"] {
            assert_eq!(check(good), Ok(()), "{good}");
            assert!(visible_text(good).is_ok());
        }
        for (bad, says) in [
            ("<b>open", "<b> is never closed"),
            ("a < b", "opens no tag"),
            ("</i>", "</i> closes no open tag"),
            ("<b><i></b></i>", "</b> closes no open tag"),
            ("<div>x</div>", "<div> is not a tag"),
            ("Tom & Jerry", "a lone \"&\""),
            ("&nbsp;", "&nbsp; is not an entity"),
            ("1 > 0", "a lone \">\""),
        ] {
            let refused = check(bad).unwrap_err();
            assert!(refused.contains(says), "{bad}: {refused}");
            assert!(visible_text(bad).is_err(), "the fake Bot API refuses {bad} too");
        }
    }

    #[test]
    fn escaped_text_parses_back_to_itself() {
        for s in ["<3", "a & b", "<b>not bold</b>", "\"quoted\"", &"<&>".repeat(1365)] {
            assert_eq!(visible_text(&escape(s)).unwrap(), s);
        }
    }

    #[test]
    fn visible_len_matches_telegram() {
        for html in ["<b>#7</b> &lt;3 &amp; co", "plain", "\u{1F600} emoji", &escape(&"<&>".repeat(100))] {
            let visible = visible_text(html).unwrap();
            assert_eq!(visible_len(html), visible.encode_utf16().count(), "{html}");
        }
    }

    #[test]
    fn pack_splits_without_cutting() {
        let lines: Vec<String> = (0..500).map(|i| format!("<b>#{i}</b> {}", escape(&"<&>".repeat(10)))).collect();
        let messages = pack(&lines, MESSAGE_LIMIT);
        assert!(messages.len() > 1);
        for m in &messages {
            let visible = visible_text(m).expect("each message is valid HTML");
            assert!(visible.encode_utf16().count() <= MESSAGE_LIMIT);
        }
        assert_eq!(messages.join("\n"), lines.join("\n"), "nothing lost or reordered");
    }

    #[test]
    fn user_link_escapes_the_name() {
        let link = user_link(42, "<3 & co");
        assert_eq!(visible_text(&link).unwrap(), "<3 & co");
        assert!(link.starts_with("<a href=\"tg://user?id=42\">"));
    }
}
