//! App names: `app:` + width-folded, lower-cased name without quotes, brackets, spaces or an `APP`/`软件`/`平台` suffix.

use super::fold::fold;
use super::{IdError, IdKind, Identifier};

const QUOTES: &[(char, char)] = &[
    ('“', '”'),
    ('"', '"'),
    ('《', '》'),
    ('「', '」'),
    ('【', '】'),
    ('『', '』'),
    ('‘', '’'),
    ('\'', '\''),
    ('〈', '〉'),
    ('(', ')'),
    ('[', ']'),
];

/// Normalises an app name.
///
/// ```
/// use datasets::ident::normalize_app;
/// assert_eq!(normalize_app("“ＸＸ理财”APP").unwrap().key, "app:xx理财");
/// assert_eq!(normalize_app("《安心 理财》软件").unwrap().key, "app:安心理财");
/// ```
pub fn normalize_app(raw: &str) -> Result<Identifier, IdError> {
    // Only the key prefix `app:` is a label: app names often begin with another kind's label word (微信, 支付宝,
    // 手机淘宝, QQ音乐).
    let folded = fold(raw);
    let trimmed = folded.trim();
    let unlabelled = match trimmed.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("app:") => &trimmed[4..],
        _ => trimmed,
    };
    let mut name = unlabelled.trim().to_string();
    loop {
        let before = name.len();
        if let Some(inner) = QUOTES.iter().find_map(|&(open, close)| name.strip_prefix(open)?.strip_suffix(close)) {
            name = inner.trim().to_string();
        }
        if let Some(stem) = strip_suffix(&name) {
            name = stem.trim_end().to_string();
        }
        if name.len() == before {
            break;
        }
    }
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    if name.is_empty() {
        return Err(IdError::Empty { expected: IdKind::App });
    }
    if let Some((at, ch)) = name.char_indices().find(|(_, c)| c.is_control() || matches!(c, ',' | '。' | ':' | ';')) {
        return Err(IdError::BadChar { value: raw.to_string(), ch, at, expected: IdKind::App });
    }
    Ok(Identifier::new(IdKind::App, &name))
}

/// The name without a trailing `软件`/`平台`/`客户端`/`APP`, or `app`/`App` after a space or a non-Latin character
/// (`WhatsApp` keeps its letters).
fn strip_suffix(name: &str) -> Option<&str> {
    for suffix in ["软件", "平台", "客户端", "APP"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return Some(stem);
        }
    }
    let stem = name.get(..name.len().checked_sub(3)?)?;
    if !name[stem.len()..].eq_ignore_ascii_case("app") {
        return None;
    }
    let before = stem.chars().next_back()?;
    (!before.is_ascii_alphanumeric()).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms_give_one_key() {
        let cases: &[(&str, &[&str])] = &[
            (
                "app:xx理财",
                &[
                    "“ＸＸ理财”APP",
                    "XX理财",
                    "xx理财app",
                    "《XX理财》",
                    "「XX 理财」App",
                    "【XX理财】平台",
                    "app:xx理财",
                    "“XX理财APP”",
                ],
            ),
            ("app:安心理财", &["安心理财APP", "《安心理财》软件", "安心理财 客户端", " 安心理财 "]),
            ("app:whatsapp", &["WhatsApp", "“WhatsApp”", "whatsapp"]),
            ("app:金融pro", &["金融Pro APP", "“金融Pro”app", "金融ProAPP", "app:金融pro"]),
            ("app:360借条", &["３６０借条", "“360借条”app"]),
            ("app:微信", &["微信", "《微信》", "微信APP", "app:微信"]),
            ("app:支付宝", &["支付宝", "「支付宝」App"]),
            ("app:手机淘宝", &["手机淘宝"]),
        ];
        for (want, forms) in cases {
            for raw in *forms {
                assert_eq!(normalize_app(raw).map(|i| i.key).as_deref(), Ok(*want), "{raw}");
            }
        }
    }

    #[test]
    fn malformed_apps() {
        assert!(matches!(normalize_app("“”APP"), Err(IdError::Empty { .. })));
        assert!(matches!(normalize_app("  "), Err(IdError::Empty { .. })));
        assert!(matches!(normalize_app("a,b"), Err(IdError::BadChar { ch: ',', .. })));
    }
}
