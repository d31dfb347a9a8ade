//! The page: one HTML file with its CSS, SVG and a little JS inline, nothing fetched. Every string
//! from the user (names, paths, error messages) goes through [`esc`]; the table's data is one
//! JSON blob the script renders a page of rows at a time.

/// `s` escaped for HTML text and attribute values (double-quoted).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `json` made safe inside `<script type="application/json">`: no `</script` or `<!--` can end
/// or confuse the element (`<` only occurs inside JSON strings, where `\u003c` means the same).
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The page's style: light and dark colours (`prefers-color-scheme`), laptop-width layout.
pub const CSS: &str = include_str!("page.css");

/// Renders the table from `#data` (rows: index, input, status, error, metrics…, outputs…, ms),
/// sortable by any column, filterable by status, a page at a time. It marks the page
/// (`#js-ok`) only when it ran to the end without an exception.
pub const JS: &str = include_str!("page.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<img src="x" onerror='y'>&"#),
            "&lt;img src=&quot;x&quot; onerror=&#39;y&#39;&gt;&amp;"
        );
        assert_eq!(esc("naïve ünïcode"), "naïve ünïcode");
        assert_eq!(
            script_json(r#"{"a":"</script><!--"}"#),
            r#"{"a":"\u003c/script>\u003c!--"}"#
        );
    }
}
