//! URLs: `url:` + lower-case host (no scheme, `www.` or default port) + path + sorted non-tracking query.

use super::{IdError, IdKind, Identifier, UrlProblem, prepare};

/// Query parameters that only track where a click came from (dropped); `utm_*` and `share_*` are dropped too.
const TRACKING: &[&str] = &[
    "spm",
    "from",
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "isappinstalled",
    "scene",
    "vd_source",
    "wxfrom",
    "clicktime",
];

/// Normalises a URL, with or without scheme.
///
/// ```
/// use datasets::ident::normalize_url;
/// let url = normalize_url("https://WWW.Licai-App.top/download/?utm_source=x&id=7").unwrap();
/// assert_eq!(url.key, "url:licai-app.top/download?id=7");
/// ```
pub fn normalize_url(raw: &str) -> Result<Identifier, IdError> {
    let err = |problem| IdError::Url { value: raw.to_string(), problem };
    let s = prepare(raw, IdKind::Url)?;
    if s.contains(char::is_whitespace) {
        return Err(err(UrlProblem::Whitespace));
    }
    let rest = match s.find("://") {
        Some(i) if is_scheme(&s[..i]) => &s[i + 3..],
        _ => s.strip_prefix("//").unwrap_or(&s),
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = split_port(authority).ok_or(err(UrlProblem::BadPort))?;
    let host = canonical_host(host).map_err(err)?;

    let (before_fragment, fragment) = match tail.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (tail, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, q),
        None => (before_fragment, ""),
    };
    let mut key = host;
    if let Some(port) = port {
        key.push(':');
        key.push_str(&port.to_string());
    }
    key.push_str(path.trim_end_matches('/'));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !is_tracking(p)).collect();
    params.sort_unstable();
    if !params.is_empty() {
        key.push('?');
        key.push_str(&params.join("&"));
    }
    if let Some(route) = fragment.filter(|f| f.starts_with('/')) {
        key.push('#');
        key.push_str(route);
    }
    Ok(Identifier::new(IdKind::Url, &key))
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Host and non-default port; `None` when the port is not a number.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (h, after) = inner.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port.filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<u16>().ok()? {
            0 => return None,
            80 | 443 => None,
            n => Some(n),
        },
    };
    Some((host, port))
}

fn canonical_host(host: &str) -> Result<String, UrlProblem> {
    let host = host.trim_end_matches('.').to_lowercase();
    if host.is_empty() {
        return Err(UrlProblem::NoHost);
    }
    if let Ok(ip) = host.parse::<std::net::Ipv6Addr>() {
        return Ok(format!("[{ip}]"));
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(host);
    }
    let mut host = host.as_str();
    while let Some(rest) = host.strip_prefix("www.")
        && rest.contains('.')
    {
        host = rest;
    }
    let host = host.to_string();
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    if !labels.iter().all(label_ok) {
        return Err(UrlProblem::BadHost);
    }
    let tld = labels.last().copied().unwrap_or_default();
    if labels.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(UrlProblem::NoTld);
    }
    Ok(host)
}

fn is_tracking(param: &str) -> bool {
    let name = param.split_once('=').map_or(param, |(n, _)| n).to_ascii_lowercase();
    name.starts_with("utm_") || name.starts_with("share_") || TRACKING.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms_give_one_key() {
        let cases: &[(&str, &[&str])] = &[
            (
                "url:licai-app.top/download?id=7",
                &[
                    "https://WWW.Licai-App.top/download/?utm_source=x&id=7",
                    "http://licai-app.top:80/download?id=7&spm=a.b.c",
                    "licai-app.top/download?from=singlemessage&id=7",
                    "www.licai-app.top/download/?id=7#top",
                    "ｈｔｔｐｓ：／／ｌｉｃａｉ－ａｐｐ．ｔｏｐ／ｄｏｗｎｌｏａｄ？ｉｄ＝７",
                    "链接：licai-app.top/download?id=7&",
                    "url:licai-app.top/download?id=7",
                ],
            ),
            ("url:anxin-lc.top/reg", &["www.anxin-lc.top/reg?utm_source=sms", "HTTPS://anxin-lc.top/reg/"]),
            ("url:www.cn", &["www.www.www.cn"]),
            ("url:a.cn/x?a=1&b=2", &["a.cn/x?b=2&a=1", "https://a.cn:443/x?b=2&utm_medium=q&a=1&share_token=9"]),
            ("url:a.cn:8080/Path/Case", &["http://user:pw@A.CN:8080/Path/Case/"]),
            ("url:h5.fake.vip#/reg?code=9", &["https://h5.fake.vip/#/reg?code=9"]),
            ("url:1.2.3.4/x", &["http://1.2.3.4/x"]),
            ("url:[2001:db8::1]/x", &["http://[2001:DB8:0::1]:443/x"]),
        ];
        for (want, forms) in cases {
            for raw in *forms {
                assert_eq!(normalize_url(raw).map(|i| i.key).as_deref(), Ok(*want), "{raw}");
            }
        }
    }

    #[test]
    fn malformed_urls() {
        let problem = |raw| match normalize_url(raw) {
            Err(IdError::Url { problem, .. }) => Some(problem),
            _ => None,
        };
        assert_eq!(problem("https:///x"), Some(UrlProblem::NoHost));
        assert_eq!(problem("localhost/x"), Some(UrlProblem::NoTld));
        assert_eq!(problem("a b.com"), Some(UrlProblem::Whitespace));
        assert_eq!(problem("a.com:99999/x"), Some(UrlProblem::BadPort));
        assert_eq!(problem("a!.com"), Some(UrlProblem::BadHost));
        assert_eq!(problem("1.2.3"), Some(UrlProblem::NoTld));
    }
}
