//! Device and network ids: IP addresses (`ip:` + std canonical text) and IMEIs (`imei:` + 15 digits).

use std::net::IpAddr;

use super::{IdError, IdKind, Identifier, digits_only, luhn_digit, luhn_ok, prepare};

/// Normalises an IPv4 or IPv6 address (brackets and a zone-free form accepted).
///
/// ```
/// use datasets::ident::normalize_ip;
/// assert_eq!(normalize_ip("2001:DB8:0:0::1").unwrap().key, "ip:2001:db8::1");
/// ```
pub fn normalize_ip(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Ip)?;
    let s = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(&s);
    let ip: IpAddr = s.parse().map_err(|_| IdError::Malformed { value: raw.to_string(), expected: IdKind::Ip })?;
    Ok(Identifier::new(IdKind::Ip, &ip.to_string()))
}

/// Normalises an IMEI: 15 digits (Luhn flagged), 14 digits (check digit added) or a 16-digit IMEISV (software
/// version dropped, check digit added); spaces, dashes and slashes are ignored.
///
/// ```
/// use datasets::ident::normalize_imei;
/// assert_eq!(normalize_imei("IMEI 35-209900-176148-1").unwrap().key, "imei:352099001761481");
/// ```
pub fn normalize_imei(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Imei)?;
    let digits = digits_only(raw, &s, &[' ', '-', '/'], IdKind::Imei)?;
    let (imei, failed) = match digits.len() {
        15 => (digits.clone(), !luhn_ok(&digits)),
        14 | 16 => {
            let body = &digits[..14];
            (format!("{body}{}", luhn_digit(body)), false)
        }
        n => {
            return Err(IdError::DigitCount {
                value: raw.to_string(),
                found: n,
                allowed: "14 to 16",
                expected: IdKind::Imei,
            });
        }
    };
    let mut id = Identifier::new(IdKind::Imei, &imei);
    id.luhn_failed = failed;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips() {
        for (raw, want) in [
            ("192.168.1.10", "ip:192.168.1.10"),
            ("ip:192.168.1.10", "ip:192.168.1.10"),
            ("１９２．１６８．１．１０", "ip:192.168.1.10"),
            ("[::1]", "ip:::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "ip:2001:db8::1"),
            ("ip:2001:db8::1", "ip:2001:db8::1"),
        ] {
            assert_eq!(normalize_ip(raw).map(|i| i.key).as_deref(), Ok(want), "{raw}");
        }
        for raw in ["256.1.1.1", "1.2.3", "192.168.01.1", "abc"] {
            assert!(matches!(normalize_ip(raw), Err(IdError::Malformed { .. })), "{raw}");
        }
    }

    #[test]
    fn imeis() {
        for raw in [
            "352099001761481",
            "35-209900-176148-1",
            "IMEI 35 209900 176148 1",
            "35209900176148",
            "3520990017614823",
            "imei:352099001761481",
            "串号：352099001761481",
        ] {
            let id = normalize_imei(raw).unwrap();
            assert_eq!((id.key.as_str(), id.luhn_failed), ("imei:352099001761481", false), "{raw}");
        }
        assert!(normalize_imei("352099001761482").unwrap().luhn_failed);
        assert!(matches!(normalize_imei("3520990017"), Err(IdError::DigitCount { found: 10, .. })));
        assert!(matches!(normalize_imei("35209900176148a"), Err(IdError::BadChar { ch: 'a', .. })));
    }
}
