//! Telegram's HTML parse mode, as strictly as Telegram applies it: only its tags, every tag
//! closed in order, and `<`, `>`, `&` written as entities. A message our bot escapes
//! wrongly is refused here just as Telegram would refuse it.

const TAGS: [&str; 17] = [
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
    "br",
];

/// Returns the text a reader sees, or Telegram's complaint.
pub fn to_plain_text(html: &str) -> Result<String, String> {
    let mut plain = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or_else(|| "can't parse entities: unclosed start tag".to_owned())?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        Some(top) if top == name => {}
                        _ => {
                            return Err(format!(
                                "can't parse entities: unexpected end tag \"{name}\""
                            ))
                        }
                    }
                } else {
                    let name = tag
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "can't parse entities: unsupported start tag \"{name}\""
                        ));
                    }
                    open.push(name);
                }
            }
            '&' => {
                let end = rest
                    .find(';')
                    .filter(|&e| e <= 10)
                    .ok_or_else(|| "can't parse entities: unescaped &".to_owned())?;
                let decoded = match &rest[1..end] {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    numeric => numeric
                        .strip_prefix('#')
                        .and_then(|n| match n.strip_prefix('x') {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        })
                        .and_then(char::from_u32)
                        .ok_or_else(|| {
                            format!("can't parse entities: unknown entity &{numeric};")
                        })?,
                };
                plain.push(decoded);
                rest = &rest[end + 1..];
            }
            '>' => return Err("can't parse entities: unescaped >".to_owned()),
            c => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    match open.pop() {
        Some(name) => Err(format!(
            "can't parse entities: can't find end tag corresponding to start tag \"{name}\""
        )),
        None => Ok(plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_telegram_html_and_refuses_the_rest() {
        assert_eq!(
            to_plain_text("a <b>b</b> &lt;c&gt; &amp; <tg-spoiler>d</tg-spoiler>").unwrap(),
            "a b <c> & d"
        );
        assert!(to_plain_text("<script>x</script>").is_err());
        assert!(to_plain_text("<b>x").is_err());
        assert!(to_plain_text("<b>x</i>").is_err());
        assert!(to_plain_text("a < b").is_err());
        assert!(to_plain_text("a & b").is_err());
    }
}
