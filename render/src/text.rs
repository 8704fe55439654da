//! Making hostile strings from AWS safe to show: escaping, eliding, neutralising.
//! Every name, tag and description is attacker-controllable (anyone who can tag a
//! resource can put markup or a formula in it).

/// Longest label shown in a diagram or table cell; longer text is elided with "…".
pub const MAX_LABEL_CHARS: usize = 64;
/// Longest cell written to CSV/XLSX; longer text is cut with a visible marker.
pub const MAX_CELL_CHARS: usize = 1024;

/// Escapes text for XML/SVG/HTML content and attribute values, and drops characters
/// XML 1.0 forbids (most C0 controls) so the output always parses.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    xml_escape_into(&mut out, s);
    out
}

/// `xml_escape(s)` appended to `out`.
pub fn xml_escape_into(out: &mut String, s: &str) {
    // Byte by byte, copying the runs between replacements: every character handled below
    // is ASCII or U+FFFE/U+FFFF (EF BF BE/BF; 0xEF only ever leads a 3-byte character),
    // so a run never splits a character. Char by char it was ~1 % of the 100k package.
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let (replacement, width) = match b[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&#39;", 1),
            b'\t' | b'\n' | b'\r' => (" ", 1),
            0..=0x1F => ("", 1),
            0xEF if matches!(b.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        i += width;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// Removes bidirectional-override and other invisible formatting characters that
/// can make a label read differently from what it is (e.g. RTL override).
pub fn strip_bidi(s: &str) -> String {
    // Every character removed below is outside ASCII: most strings pass through whole.
    if s.is_ascii() {
        return s.to_string();
    }
    s.chars().filter(|&c| !is_invisible_format(c)).collect()
}

/// The characters `strip_bidi` removes.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}')
}

/// Replaces control characters with visible stand-ins, so a tag carrying ESC or BEL
/// cannot drive the terminal of someone who `cat`s a CSV: C0 controls become their
/// Unicode control pictures (ESC → ␛, NUL → ␀, LF → ␊), DEL becomes ␡ and C1 controls
/// a `\u0085`-style escape. Real AWS strings have none (tag values allow no controls),
/// so ordinary text passes through untouched.
pub fn visible_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c as u32 {
            n @ 0..=0x1F => out.push(char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}')),
            0x7F => out.push('\u{2421}'),
            n @ 0x80..=0x9F => out.push_str(&format!("\\u{n:04x}")),
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Shortens to at most `max` characters, marking the cut with "…" so it is visible.
pub fn elide(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

/// A label safe to place in SVG/HTML text: bidi controls removed, elided, escaped.
pub fn label(s: &str, max: usize) -> String {
    xml_escape(&elide(&strip_bidi(s), max))
}

/// Neutralises spreadsheet formula injection as OWASP recommends: a cell starting
/// with = + - @ (or tab/CR), also after leading control characters (shown as control
/// pictures, e.g. "␊=cmd"), is prefixed with a single quote so it is read as text.
/// Also caps absurd lengths visibly.
pub fn spreadsheet_safe(s: &str) -> String {
    let capped = if s.chars().count() > MAX_CELL_CHARS {
        let mut t: String = s.chars().take(MAX_CELL_CHARS).collect();
        t.push_str("…[truncated]");
        t
    } else {
        s.to_string()
    };
    let is_control_picture = |c: char| ('\u{2400}'..='\u{2421}').contains(&c);
    let first_visible = capped.chars().find(|c| !c.is_control() && !is_control_picture(*c));
    let starts_with_control = capped.chars().next().is_some_and(|c| c.is_control() || is_control_picture(c));
    match (capped.chars().next(), first_visible) {
        (Some('=' | '+' | '-' | '@' | '\t' | '\r'), _) => format!("'{capped}"),
        (_, Some('=' | '+' | '-' | '@')) if starts_with_control => format!("'{capped}"),
        _ => capped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The escaping as first written, one character at a time: the reference.
    fn xml_escape_by_char(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\t' | '\n' | '\r' => out.push(' '),
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
                c => out.push(c),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn xml_escape_matches_escaping_each_character(
            s in "([<>&\"'\t\r\n\u{0}-\u{1f}]|[\u{fffd}-\u{ffff}]|[a\u{ef}\u{bf}\u{7f}\u{efbf}\u{1f600}]|.){0,40}"
        ) {
            prop_assert_eq!(xml_escape(&s), xml_escape_by_char(&s));
        }
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(xml_escape("<script>&\"'\u{0007}"), "&lt;script&gt;&amp;&quot;&#39;");
        // The two non-characters go; their neighbours (U+FFFD, U+EFBF…) stay.
        assert_eq!(xml_escape("a\u{FFFE}b\u{FFFF}c\u{FFFD}\u{EFBF}\u{FFBF}"), "abc\u{FFFD}\u{EFBF}\u{FFBF}");
    }

    #[test]
    fn elides_visibly() {
        let long = "x".repeat(10_000);
        let e = elide(&long, 10);
        assert_eq!(e.chars().count(), 10);
        assert!(e.ends_with('…'));
        assert_eq!(elide("short", 10), "short");
    }

    #[test]
    fn strips_rtl_override() {
        assert_eq!(strip_bidi("abc\u{202E}gpj.exe"), "abcgpj.exe");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible_controls("a\u{1b}[31mred\u{7}\u{0}"), "a␛[31mred␇␀");
        assert_eq!(visible_controls("del\u{7f} c1\u{85}"), "del␡ c1\\u0085");
        assert!(matches!(visible_controls("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn formulas_after_leading_controls_are_neutralised() {
        for bad in ["\n=cmd|' /C calc'!A0", "\u{0}+1", "\u{1b}@SUM(A1)"] {
            let shown = spreadsheet_safe(&visible_controls(bad));
            assert!(shown.starts_with('\''), "{bad:?} → {shown:?}");
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
    }

    #[test]
    fn neutralises_formulas() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(spreadsheet_safe("web-1"), "web-1");
        assert!(spreadsheet_safe(&"a".repeat(5000)).ends_with("…[truncated]"));
    }
}
