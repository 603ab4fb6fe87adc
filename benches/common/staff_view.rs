//! What staff see in the support chat, read back by the benchmarks and the
//! tests: the ticket numbers a text names. Shared through `#[path]`.

/// The ticket numbers a support-chat text shows, as staff read it: a
/// card's `#7`, a digest's `/ticket_20261121_7` (any day).
pub fn numbers_named(text: &str) -> Vec<i32> {
    let mut numbers = Vec::new();
    for marker in ["#", "/ticket_"] {
        for (at, _) in text.match_indices(marker) {
            let mut rest = &text[at + marker.len()..];
            if marker == "/ticket_" {
                // Skip the day: `20261121_`.
                let day: String = rest.chars().take_while(char::is_ascii_digit).collect();
                match rest[day.len()..].strip_prefix('_') {
                    Some(after) => rest = after,
                    None => continue,
                }
            }
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                numbers.push(n);
            }
        }
    }
    numbers
}
