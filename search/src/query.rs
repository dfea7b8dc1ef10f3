//! The query language: a hand-written lexer and recursive-descent parser producing [`Expr`], with positioned errors.
//!
//! Syntax: words side by side ([`Expr::Terms`]: ranked, every word wanted, see [`CaseIndex::search`]), `+word`
//! (required), `"phrases"`, `AND`/`&&` (every operand required), `OR`/`||`, `NOT`/`-word`, parentheses, prefix `foo*`,
//! fields `type:` `district:` `community:` `status:` `id:` `ident:` (a canonical key), `date:2026-01-05`,
//! `date:2026-01`, `date:[2026-01-01 TO 2026-03-31]`, `loss:[1000 TO 50000]` (yuan; `*` leaves a side open). A
//! phone, card, URL or IM id written anywhere in the query (outside quotes) becomes an identifier term: it matches
//! the canonical key or the text.
//!
//! [`CaseIndex::search`]: crate::CaseIndex::search

use crate::error::{QueryError, QueryProblem};
use crate::ident::IdentifierExtractor;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// An unquoted word; `prefix` when written `foo*`.
    Word {
        text: String,
        prefix: bool,
    },
    /// A quoted phrase (matched as adjacent characters).
    Phrase(String),
    /// An identifier written in the query: its canonical key and its written form.
    Ident {
        key: String,
        raw: String,
    },
    Filter(Filter),
    /// Terms written side by side without an operator (`冒充 客服 退款`). Each should match; at the top of a query
    /// its bare words and identifiers are *loose*: when fewer than a page of cases match them all, cases matching
    /// most of them follow (see [`Expr::loose_terms`]). Nested in parentheses or an `OR`, every part is required.
    Terms(Vec<Expr>),
    /// `+term`: required even among loose terms.
    Required(Box<Expr>),
    /// Operands joined by an explicit `AND`: every one required.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

/// A field filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    FraudType(String),
    District(String),
    /// Any of these districts (a token's scope): no case of another district.
    AnyDistrict(Vec<String>),
    Community(String),
    /// Case status code.
    Status(String),
    Id(String),
    /// An exact canonical identifier key.
    IdKey(String),
    /// Reported between these epoch seconds, inclusive.
    Date {
        from: Option<i64>,
        to: Option<i64>,
    },
    /// Loss between these amounts in fen, inclusive.
    Loss {
        min: Option<i64>,
        max: Option<i64>,
    },
}

impl Expr {
    /// The loose terms of a query and its fixed parts. Loose: the bare words and identifiers of a top-level
    /// [`Expr::Terms`] (or a query that is one bare word or identifier), which ranked matching may drop. Fixed:
    /// everything else (`+term`, phrases, filters, `NOT`, groups), always required.
    pub fn loose_terms(&self) -> (Vec<&Expr>, Vec<&Expr>) {
        let parts = match self {
            Expr::Terms(parts) => parts.iter().collect(),
            one => vec![one],
        };
        parts.into_iter().partition(|p| matches!(p, Expr::Word { .. } | Expr::Ident { .. }))
    }

    /// A term as the user wrote it (`理财*`, `"安全账户"`, `138 0013 8000`); `None` for filters and operators.
    pub fn written(&self) -> Option<String> {
        match self {
            Expr::Word { text, prefix } => Some(if *prefix { format!("{text}*") } else { text.clone() }),
            Expr::Phrase(text) => Some(format!("\"{text}\"")),
            Expr::Ident { raw, .. } => Some(raw.clone()),
            Expr::Required(inner) => inner.written().map(|w| format!("+{w}")),
            _ => None,
        }
    }

    /// The terms a case must contain for the query to match it, in query order: words, phrases and identifiers
    /// outside `NOT` (those of every `OR` branch included).
    pub fn positive_terms(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.collect_positive(&mut out);
        out
    }

    fn collect_positive<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Expr::Word { .. } | Expr::Phrase(_) | Expr::Ident { .. } => out.push(self),
            Expr::Required(inner) => inner.collect_positive(out),
            Expr::Terms(parts) | Expr::And(parts) | Expr::Or(parts) => {
                parts.iter().for_each(|p| p.collect_positive(out));
            }
            Expr::Filter(_) | Expr::Not(_) => {}
        }
    }
}

const FIELDS: [&str; 8] = ["type", "district", "community", "status", "id", "ident", "date", "loss"];

#[derive(Debug, Clone, PartialEq)]
enum Tk {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Plus,
    Word { text: String, prefix: bool },
    Quoted(String),
    Field(Filter),
    Ident { key: String, raw: String },
}

/// Parses `query`, using `ids` to recognise identifiers in any written form.
pub fn parse(query: &str, ids: &dyn IdentifierExtractor) -> Result<Expr, QueryError> {
    let tokens = lex(query, ids)?;
    if tokens.is_empty() {
        return Err(QueryError { position: 0, problem: QueryProblem::Empty });
    }
    let mut p = Parser { tokens, at: 0, end: query.chars().count() };
    let expr = p.or_expr()?;
    if let Some((pos, _)) = p.tokens.get(p.at) {
        return Err(QueryError { position: *pos, problem: QueryProblem::UnexpectedCloseParen });
    }
    Ok(expr)
}

fn err(position: usize, problem: QueryProblem) -> QueryError {
    QueryError { position, problem }
}

fn lex(query: &str, ids: &dyn IdentifierExtractor) -> Result<Vec<(usize, Tk)>, QueryError> {
    let chars: Vec<(usize, char)> = query.char_indices().collect();
    let char_at = |byte: usize| chars.partition_point(|c| c.0 < byte);
    // Identifier mentions as char ranges.
    let mentions: Vec<(usize, usize, String)> =
        ids.find(query).into_iter().map(|m| (char_at(m.span.start), char_at(m.span.end), m.key)).collect();
    let mention_at = |i: usize| mentions.iter().find(|m| m.0 == i);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some((s, e, key)) = mention_at(i) {
            let raw: String = chars[*s..*e].iter().map(|c| c.1).collect();
            out.push((i, Tk::Ident { key: key.clone(), raw }));
            i = *e;
            continue;
        }
        match c {
            '(' | '（' => {
                out.push((i, Tk::LParen));
                i += 1;
            }
            ')' | '）' => {
                out.push((i, Tk::RParen));
                i += 1;
            }
            '"' | '“' | '”' => {
                let (text, next) = quoted(&chars, i)?;
                out.push((i, Tk::Quoted(text)));
                i = next;
            }
            _ => {
                let start = i;
                let mut word = String::new();
                while i < chars.len() {
                    let c = chars[i].1;
                    if c.is_whitespace() || matches!(c, '(' | ')' | '（' | '）' | '"' | '“' | '”') {
                        break;
                    }
                    if !word.is_empty() && mention_at(i).is_some() {
                        break;
                    }
                    word.push(c);
                    i += 1;
                }
                if word.ends_with(':') && i < chars.len() && mention_at(i).is_some() {
                    // A label such as `tel:` or `电话:` directly before an identifier: the identifier says it all.
                    let field = word.trim_end_matches(':').to_lowercase();
                    if !FIELDS.contains(&field.as_str()) || field == "ident" {
                        continue;
                    }
                }
                match word.as_str() {
                    "AND" | "&&" => out.push((start, Tk::And)),
                    "OR" | "||" => out.push((start, Tk::Or)),
                    "NOT" | "!" => out.push((start, Tk::Not)),
                    _ => {
                        if let Some((name, rest)) = word.split_once(':')
                            && FIELDS.contains(&name.to_lowercase().as_str())
                        {
                            let name = name.to_lowercase();
                            let vpos = start + name.chars().count() + 1;
                            let (filter, next) = field_value(&name, rest, &chars, vpos, i)?;
                            out.push((start, Tk::Field(filter)));
                            i = next;
                        } else if let Some(rest) = word.strip_prefix('-').filter(|r| !r.is_empty()) {
                            out.push((start, Tk::Not));
                            out.push((start + 1, word_token(rest)));
                        } else if let Some(rest) = word.strip_prefix('+').filter(|r| !r.is_empty()) {
                            out.push((start, Tk::Plus));
                            out.push((start + 1, word_token(rest)));
                        } else if word == "+" && matches!(chars.get(i).map(|c| c.1), Some('"' | '“' | '”' | '(' | '（'))
                        {
                            // `+"phrase"`, `+(a OR b)`
                            out.push((start, Tk::Plus));
                        } else {
                            out.push((start, word_token(&word)));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

fn word_token(w: &str) -> Tk {
    match w.strip_suffix('*').filter(|r| !r.is_empty()) {
        Some(stem) => Tk::Word { text: stem.to_string(), prefix: true },
        None => Tk::Word { text: w.to_string(), prefix: false },
    }
}

/// Reads a quoted string starting at `chars[open]`; returns the text and the index after the closing quote.
fn quoted(chars: &[(usize, char)], open: usize) -> Result<(String, usize), QueryError> {
    let mut j = open + 1;
    let mut text = String::new();
    while j < chars.len() {
        let c = chars[j].1;
        if matches!(c, '"' | '“' | '”') {
            return Ok((text, j + 1));
        }
        text.push(c);
        j += 1;
    }
    Err(err(open, QueryProblem::UnterminatedQuote))
}

/// Parses a field's value. `rest` is what followed the colon within the word, starting at char `vpos`; `word_end` is
/// where the word stopped. Returns the filter and where lexing continues.
fn field_value(
    name: &str,
    rest: &str,
    chars: &[(usize, char)],
    vpos: usize,
    word_end: usize,
) -> Result<(Filter, usize), QueryError> {
    // `field:"quoted value"`
    let (value, next) = if rest.is_empty() {
        match chars.get(word_end).map(|c| c.1) {
            Some('"' | '“' | '”') => quoted(chars, word_end)?,
            _ => return Err(err(vpos, QueryProblem::EmptyValue { field: name.to_string() })),
        }
    } else if rest.starts_with('[') {
        // A range may contain spaces: read to the closing bracket.
        let close = (vpos..chars.len())
            .find(|&j| chars[j].1 == ']')
            .ok_or_else(|| err(vpos, QueryProblem::UnterminatedRange))?;
        let inner: String = chars[vpos + 1..close].iter().map(|c| c.1).collect();
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let (lo, hi) = match parts.as_slice() {
            [lo, to, hi] if to.eq_ignore_ascii_case("to") => (*lo, *hi),
            _ => return Err(err(vpos, QueryProblem::BadRange { reason: "expected [FROM TO UPTO]" })),
        };
        let filter = match name {
            "date" => {
                let from = open_or(lo, |v| date_bounds(v).map(|b| b.0)).map_err(|p| err(vpos + 1, p))?;
                let to = open_or(hi, |v| date_bounds(v).map(|b| b.1)).map_err(|p| err(vpos + 1, p))?;
                Filter::Date { from, to }
            }
            "loss" => {
                let min = open_or(lo, yuan_to_fen).map_err(|p| err(vpos + 1, p))?;
                let max = open_or(hi, yuan_to_fen).map_err(|p| err(vpos + 1, p))?;
                Filter::Loss { min, max }
            }
            _ => return Err(err(vpos, QueryProblem::BadRange { reason: "only date: and loss: take ranges" })),
        };
        if let Filter::Date { from: Some(a), to: Some(b) } | Filter::Loss { min: Some(a), max: Some(b) } = filter
            && a > b
        {
            return Err(err(vpos, QueryProblem::BadRange { reason: "the lower bound is above the upper bound" }));
        }
        return Ok((filter, close + 1));
    } else {
        (rest.to_string(), word_end)
    };
    let filter = match name {
        "type" => Filter::FraudType(value),
        "district" => Filter::District(value),
        "community" => Filter::Community(value),
        "status" => Filter::Status(value),
        "id" => Filter::Id(value),
        "ident" => Filter::IdKey(value),
        "date" => {
            let (from, to) = date_bounds(&value).map_err(|p| err(vpos, p))?;
            Filter::Date { from: Some(from), to: Some(to) }
        }
        _ => {
            let fen = yuan_to_fen(&value).map_err(|p| err(vpos, p))?;
            Filter::Loss { min: Some(fen), max: Some(fen) }
        }
    };
    Ok((filter, next))
}

fn open_or(v: &str, f: impl Fn(&str) -> Result<i64, QueryProblem>) -> Result<Option<i64>, QueryProblem> {
    if v == "*" { Ok(None) } else { f(v).map(Some) }
}

/// An amount in yuan (up to two decimals) as fen.
pub fn yuan_to_fen(v: &str) -> Result<i64, QueryProblem> {
    let bad = || QueryProblem::BadAmount { value: v.to_string() };
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty() || frac.len() > 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let int: i64 = int.parse().map_err(|_| bad())?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
    int.checked_mul(100).and_then(|f| f.checked_add(frac)).ok_or_else(bad)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Beijing time is UTC+8.
pub(crate) const BEIJING_OFFSET: i64 = 8 * 3600;

/// The first and last epoch second (Beijing time) of a day `YYYY-MM-DD`, a month `YYYY-MM` or a year `YYYY`
/// (`/` also separates).
pub fn date_bounds(v: &str) -> Result<(i64, i64), QueryProblem> {
    let bad = || QueryProblem::BadDate { value: v.to_string() };
    let parts: Vec<&str> = v.split(['-', '/']).collect();
    let num = |s: &str| -> Result<i64, QueryProblem> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let y = num(parts[0])?;
    if parts[0].len() != 4 {
        return Err(bad());
    }
    let days_in = |y: i64, m: u32| -> u32 {
        match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    };
    let (first, last) = match parts.as_slice() {
        [_] => (days_from_civil(y, 1, 1), days_from_civil(y, 12, 31)),
        [_, m] => {
            let m = u32::try_from(num(m)?).map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            (days_from_civil(y, m, 1), days_from_civil(y, m, days_in(y, m)))
        }
        [_, m, d] => {
            let m = u32::try_from(num(m)?).map_err(|_| bad())?;
            let d = u32::try_from(num(d)?).map_err(|_| bad())?;
            if !(1..=12).contains(&m) || d == 0 || d > days_in(y, m) {
                return Err(bad());
            }
            let day = days_from_civil(y, m, d);
            (day, day)
        }
        _ => return Err(bad()),
    };
    Ok((first * 86_400 - BEIJING_OFFSET, (last + 1) * 86_400 - BEIJING_OFFSET - 1))
}

struct Parser {
    tokens: Vec<(usize, Tk)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tk> {
        self.tokens.get(self.at).map(|t| &t.1)
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.0)
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and_expr()?];
        while self.peek() == Some(&Tk::Or) {
            let at = self.pos();
            self.at += 1;
            if matches!(self.peek(), None | Some(Tk::RParen | Tk::Or | Tk::And)) {
                return Err(err(at, QueryProblem::MissingOperand { operator: "OR" }));
            }
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.unary()?];
        let mut explicit = false;
        loop {
            match self.peek() {
                None | Some(Tk::Or | Tk::RParen) => break,
                Some(Tk::And) => {
                    explicit = true;
                    let at = self.pos();
                    self.at += 1;
                    if matches!(self.peek(), None | Some(Tk::RParen | Tk::Or | Tk::And)) {
                        return Err(err(at, QueryProblem::MissingOperand { operator: "AND" }));
                    }
                }
                Some(_) => {}
            }
            parts.push(self.unary()?);
        }
        Ok(match parts.len() {
            1 => parts.remove(0),
            _ if explicit => Expr::And(parts),
            _ => Expr::Terms(parts),
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let (wrap, operator): (fn(Box<Expr>) -> Expr, _) = match self.peek() {
            Some(Tk::Not) => (Expr::Not, "NOT"),
            Some(Tk::Plus) => (Expr::Required, "+"),
            _ => return self.primary(),
        };
        let at = self.pos();
        self.at += 1;
        if matches!(self.peek(), None | Some(Tk::RParen | Tk::Or | Tk::And)) {
            return Err(err(at, QueryProblem::MissingOperand { operator }));
        }
        Ok(wrap(Box::new(self.unary()?)))
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let at = self.pos();
        let Some((_, tk)) = self.tokens.get(self.at).cloned() else {
            return Err(err(at, QueryProblem::Empty));
        };
        self.at += 1;
        match tk {
            Tk::LParen => {
                if self.peek() == Some(&Tk::RParen) {
                    return Err(err(at, QueryProblem::Empty));
                }
                let inner = self.or_expr()?;
                if self.peek() != Some(&Tk::RParen) {
                    return Err(err(at, QueryProblem::UnbalancedParen));
                }
                self.at += 1;
                Ok(inner)
            }
            Tk::RParen => Err(err(at, QueryProblem::UnexpectedCloseParen)),
            Tk::And => Err(err(at, QueryProblem::MissingOperand { operator: "AND" })),
            Tk::Or => Err(err(at, QueryProblem::MissingOperand { operator: "OR" })),
            Tk::Not => Err(err(at, QueryProblem::MissingOperand { operator: "NOT" })),
            Tk::Plus => Err(err(at, QueryProblem::MissingOperand { operator: "+" })),
            Tk::Word { text, prefix } => Ok(Expr::Word { text, prefix }),
            Tk::Quoted(text) if text.trim().is_empty() => Err(err(at, QueryProblem::EmptyPhrase)),
            Tk::Quoted(text) => Ok(Expr::Phrase(text)),
            Tk::Field(f) => Ok(Expr::Filter(f)),
            Tk::Ident { key, raw } => Ok(Expr::Ident { key, raw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::{IdentExtractor, NoIdentifiers};

    fn p(q: &str) -> Result<Expr, QueryError> {
        parse(q, &IdentExtractor)
    }

    fn w(t: &str) -> Expr {
        Expr::Word { text: t.into(), prefix: false }
    }

    #[test]
    fn operators_and_precedence() {
        assert_eq!(p("刷单 返利").unwrap(), Expr::Terms(vec![w("刷单"), w("返利")]));
        assert_eq!(p("刷单 AND 返利 投资").unwrap(), Expr::And(vec![w("刷单"), w("返利"), w("投资")]));
        assert_eq!(
            p("刷单 OR 杀猪盘 AND 投资").unwrap(),
            Expr::Or(vec![w("刷单"), Expr::And(vec![w("杀猪盘"), w("投资")])])
        );
        assert_eq!(
            p("(刷单 || 跑分) NOT 退款").unwrap(),
            Expr::Terms(vec![Expr::Or(vec![w("刷单"), w("跑分")]), Expr::Not(Box::new(w("退款")))])
        );
        assert_eq!(
            p("+刷单 返利 +\"安全账户\"").unwrap(),
            Expr::Terms(vec![
                Expr::Required(Box::new(w("刷单"))),
                w("返利"),
                Expr::Required(Box::new(Expr::Phrase("安全账户".into())))
            ])
        );
        assert_eq!(p("-退款").unwrap(), Expr::Not(Box::new(w("退款"))));
        assert_eq!(p("理财*").unwrap(), Expr::Word { text: "理财".into(), prefix: true });
        assert_eq!(p("“安全账户”").unwrap(), Expr::Phrase("安全账户".into()));
    }

    #[test]
    fn fields_and_ranges() {
        assert_eq!(
            p("type:investment district:\"城关区\"").unwrap(),
            Expr::Terms(vec![
                Expr::Filter(Filter::FraudType("investment".into())),
                Expr::Filter(Filter::District("城关区".into()))
            ])
        );
        assert_eq!(
            p("loss:[1000 TO 50000.5]").unwrap(),
            Expr::Filter(Filter::Loss { min: Some(100_000), max: Some(5_000_050) })
        );
        let Expr::Filter(Filter::Date { from: Some(a), to: Some(b) }) = p("date:[2026-01-01 TO 2026-03-31]").unwrap()
        else {
            panic!("not a date range")
        };
        // 2026-01-01 00:00 Beijing = 2025-12-31 16:00 UTC.
        assert_eq!(a, 1_767_225_600 - 8 * 3600);
        assert_eq!(b - a + 1, 90 * 86_400);
        assert_eq!(p("loss:[* TO 100]").unwrap(), Expr::Filter(Filter::Loss { min: None, max: Some(10_000) }));
        // An unknown field name is just a word.
        assert_eq!(p("foo:bar").unwrap(), w("foo:bar"));
    }

    #[test]
    fn identifiers_in_any_written_form() {
        for q in ["138 0013 8000", "+86-138-0013-8000", "１３８００１３８０００", "tel:+8613800138000"] {
            assert_eq!(
                p(q).unwrap(),
                Expr::Ident { key: "tel:+8613800138000".into(), raw: q.trim_start_matches("tel:").into() },
                "{q}"
            );
        }
        let e = p("电话 13800138000 刷单").unwrap();
        let Expr::Terms(parts) = e else { panic!("{e:?}") };
        assert!(matches!(&parts[1], Expr::Ident { key, .. } if key == "tel:+8613800138000"));
        // Without an extractor the digits are a word.
        assert_eq!(parse("13800138000", &NoIdentifiers).unwrap(), w("13800138000"));
    }

    #[test]
    fn errors_carry_positions() {
        let cases: [(&str, usize, QueryProblem); 13] = [
            ("刷单 + )", 5, QueryProblem::UnexpectedCloseParen),
            ("", 0, QueryProblem::Empty),
            ("   ", 0, QueryProblem::Empty),
            ("刷单 \"安全账户", 3, QueryProblem::UnterminatedQuote),
            ("(刷单 OR 跑分", 0, QueryProblem::UnbalancedParen),
            ("刷单)", 2, QueryProblem::UnexpectedCloseParen),
            ("刷单 OR", 3, QueryProblem::MissingOperand { operator: "OR" }),
            ("AND 刷单", 0, QueryProblem::MissingOperand { operator: "AND" }),
            ("刷单 NOT", 3, QueryProblem::MissingOperand { operator: "NOT" }),
            ("loss:[1 TO", 5, QueryProblem::UnterminatedRange),
            ("date:2026-13-01", 5, QueryProblem::BadDate { value: "2026-13-01".into() }),
            ("loss:[abc TO 5]", 6, QueryProblem::BadAmount { value: "abc".into() }),
            ("type:", 5, QueryProblem::EmptyValue { field: "type".into() }),
        ];
        for (q, position, problem) in cases {
            assert_eq!(p(q), Err(QueryError { position, problem }), "{q:?}");
        }
        assert!(matches!(
            p("loss:[500 TO 100]"),
            Err(QueryError { position: 5, problem: QueryProblem::BadRange { .. } })
        ));
        assert!(p("\"\"").is_err());
    }

    #[test]
    fn loose_terms_are_the_bare_words_and_identifiers_side_by_side() {
        let written = |parts: Vec<&Expr>| parts.iter().filter_map(|e| e.written()).collect::<Vec<_>>();
        let e = p("冒充 客服 +退款 \"银行卡\" 138 0013 8000 -刷单 type:brushing").unwrap();
        let (loose, fixed) = e.loose_terms();
        assert_eq!(written(loose), ["冒充", "客服", "138 0013 8000"]);
        assert_eq!(written(fixed), ["+退款", "\"银行卡\""]);
        let e = p("理财*").unwrap();
        assert_eq!(written(e.loose_terms().0), ["理财*"]);
        let e = p("冒充 AND 客服").unwrap();
        assert!(e.loose_terms().0.is_empty(), "an explicit AND is strict");
        let e = p("(冒充 客服) OR 退款 -刷单").unwrap();
        assert_eq!(written(e.positive_terms()), ["冒充", "客服", "退款"]);
    }

    #[test]
    fn dates_round_trip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2026, 12, 31), (1999, 3, 1)] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        let (a, b) = date_bounds("2026-02").unwrap();
        assert_eq!(b - a + 1, 28 * 86_400);
        assert!(date_bounds("2026-02-29").is_err());
        assert!(date_bounds("26-01-01").is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for q in ["((((", "))))", "\"", "“", "-", "*", "-*", "a:b:c", "date:[", "loss:[ TO ]", "NOT NOT x", "：", "(“)"]
        {
            let _ = p(q);
        }
    }
}
