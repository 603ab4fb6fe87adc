//! Numbers as each language writes them: `1,234.5` in English, `1 234,5`
//! in Russian. fluent-bundle writes a number bare (`1234.5`) whatever the
//! language; each bundle gets the formatter of its language's style. Plural
//! rules need nothing here: fluent-bundle has CLDR's for every language.

use fluent_bundle::FluentValue;
use fluent_bundle::types::FluentNumber;

/// The shapes in use: the decimal mark, and what separates thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberStyle {
    /// `1,234.5`: English, and any language not listed below.
    DotDecimal,
    /// `1 234,5` (a no-break space).
    CommaDecimalSpaceGroups,
    /// `1.234,5`.
    CommaDecimalDotGroups,
}

/// What fluent-bundle calls for each value it writes; `None` leaves it as
/// fluent-bundle writes it (strings, dates).
pub(super) type Formatter = fn(&FluentValue, &intl_memoizer::concurrent::IntlLangMemoizer) -> Option<String>;

impl NumberStyle {
    /// The style of a language (its primary subtag, `ru` of `ru-RU`).
    pub(super) fn of(language: &str) -> Self {
        match language {
            "ru" | "uk" | "be" | "kk" | "bg" | "cs" | "sk" | "pl" | "fr" | "fi" | "sv" | "nb" | "no" | "hu" | "lt"
            | "lv" | "et" => Self::CommaDecimalSpaceGroups,
            "de" | "es" | "it" | "pt" | "nl" | "tr" | "id" | "da" | "el" | "ro" | "hr" | "sr" | "sl" | "vi" => {
                Self::CommaDecimalDotGroups
            }
            _ => Self::DotDecimal,
        }
    }

    pub(super) fn formatter(self) -> Formatter {
        match self {
            Self::DotDecimal => |v, _| number(v).map(|n| write(n, ",", '.')),
            Self::CommaDecimalSpaceGroups => |v, _| number(v).map(|n| write(n, "\u{a0}", ',')),
            Self::CommaDecimalDotGroups => |v, _| number(v).map(|n| write(n, ".", ',')),
        }
    }
}

fn number<'v>(value: &'v FluentValue) -> Option<&'v FluentNumber> {
    match value {
        FluentValue::Number(n) => Some(n),
        _ => None,
    }
}

/// Writes `n` with at most its `maximumFractionDigits` (3 when unset) and
/// at least its `minimumFractionDigits` (0), thousands grouped unless
/// `useGrouping` is off.
fn write(n: &FluentNumber, group: &str, decimal: char) -> String {
    let options = &n.options;
    let min_fraction = options.minimum_fraction_digits.unwrap_or(0);
    let max_fraction = options.maximum_fraction_digits.unwrap_or(3).max(min_fraction);
    let mut digits = format!("{:.*}", max_fraction, n.value.abs());
    if let Some(dot) = digits.find('.') {
        while digits.len() - dot - 1 > min_fraction && digits.ends_with('0') {
            digits.pop();
        }
        if digits.ends_with('.') {
            digits.pop();
        }
    }
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits.as_str(), None),
    };
    let mut out = String::with_capacity(digits.len() + 4);
    if n.value < 0.0 && digits.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        let left = whole.len() - i;
        if i > 0 && left % 3 == 0 && options.use_grouping && whole.len() > 3 {
            out.push_str(group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use fluent_bundle::types::FluentNumberOptions;

    use super::*;

    fn shown(style: NumberStyle, value: f64, fraction: Option<usize>) -> String {
        let options = FluentNumberOptions {
            minimum_fraction_digits: fraction,
            maximum_fraction_digits: fraction,
            ..Default::default()
        };
        let memoizer = intl_memoizer::concurrent::IntlLangMemoizer::new(Default::default());
        style.formatter()(&FluentValue::Number(FluentNumber::new(value, options)), &memoizer).unwrap()
    }

    #[test]
    fn each_style_groups_thousands_and_marks_decimals_its_way() {
        use NumberStyle::*;
        assert_eq!(shown(DotDecimal, 1234567.0, None), "1,234,567");
        assert_eq!(shown(DotDecimal, 999.0, None), "999");
        assert_eq!(shown(DotDecimal, 4.25, Some(1)), "4.2");
        assert_eq!(shown(DotDecimal, 4.0, Some(1)), "4.0");
        assert_eq!(shown(CommaDecimalSpaceGroups, 12345.5, Some(1)), "12\u{a0}345,5");
        assert_eq!(shown(CommaDecimalDotGroups, 1234.0, None), "1.234");
        assert_eq!(shown(DotDecimal, -1.5, None), "-1.5");
        assert_eq!(shown(DotDecimal, -0.0001, None), "0");
        assert_eq!(NumberStyle::of("ru"), CommaDecimalSpaceGroups);
        assert_eq!(NumberStyle::of("en"), DotDecimal);
        assert_eq!(NumberStyle::of("xx"), DotDecimal);
    }
}
