//! Telegram's `parse_mode=HTML` rules, as the fake applies them: only
//! Telegram's tags, properly nested; every `<`, `>`, `&` outside a tag
//! escaped. Returns the text as the user would see it, whose length is what
//! the 4096-character limit counts.

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

/// The visible text of `html`, or the reason Telegram would refuse it.
pub fn visible_text(html: &str) -> Result<String, String> {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or_else(|| "unclosed start tag".to_string())?;
                let inner = &rest[1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim();
                    match open.pop() {
                        Some(top) if top == name => {}
                        _ => return Err(format!("unmatched end tag \"{name}\"")),
                    }
                } else {
                    let name: String = inner.chars().take_while(|c| !c.is_whitespace()).collect();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    open.push(name);
                }
                rest = &rest[end + 1..];
            }
            '>' => return Err("unexpected \">\"".into()),
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 10).ok_or_else(|| "unterminated entity".to_string())?;
                let entity = &rest[1..end];
                let decoded = match entity {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    _ => entity
                        .strip_prefix("#x")
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                        .and_then(Result::ok)
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("unsupported entity \"&{entity};\""))?,
                };
                out.push(decoded);
                rest = &rest[end + 1..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    match open.pop() {
        Some(tag) => Err(format!("can't find end tag corresponding to start tag \"{tag}\"")),
        None => Ok(out),
    }
}

/// Telegram counts message length in UTF-16 code units.
pub fn telegram_len(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_escaped_and_tagged() {
        assert_eq!(visible_text("<b>#7</b> &lt;3 &amp; co").unwrap(), "#7 <3 & co");
        assert_eq!(visible_text("<a href=\"tg://user?id=1\">x</a>").unwrap(), "x");
        assert_eq!(visible_text("&#128512;&#x41;").unwrap(), "\u{1F600}A");
    }

    #[test]
    fn refuses_what_telegram_refuses() {
        for bad in ["<3", "a & b", "<b>open", "<i>x</b>", "<script>x</script>", "x > y", "&nbsp;"] {
            assert!(visible_text(bad).is_err(), "{bad}");
        }
    }
}
