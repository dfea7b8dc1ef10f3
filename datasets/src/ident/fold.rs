//! Width folding (full-width → ASCII, dash variants → `-`) with a map from folded to original byte offsets.

/// The ASCII (or otherwise canonical) form of one character.
pub(crate) fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' => ' ',
        '\u{2010}'..='\u{2014}' | '\u{2212}' | '\u{FE63}' => '-',
        '\u{FFE5}' => '¥',
        _ => c,
    }
}

/// `s` with every character folded.
pub(crate) fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// A folded copy of a text that remembers where each folded byte came from.
pub(crate) struct Folded {
    pub(crate) text: String,
    /// `origin[i]` is the original byte offset of the character that produced folded byte `i`;
    /// `origin[text.len()]` is the original length.
    origin: Vec<usize>,
}

impl Folded {
    pub(crate) fn new(original: &str) -> Folded {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        for (at, c) in original.char_indices() {
            let f = fold_char(c);
            text.push(f);
            origin.extend(std::iter::repeat_n(at, f.len_utf8()));
        }
        origin.push(original.len());
        Folded { text, origin }
    }

    /// The original byte range of the folded byte range `start..end` (both on character boundaries).
    pub(crate) fn original(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        self.origin[start]..self.origin[end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_maps_offsets_back() {
        let s = "电话：０２１－６２３４ｘ";
        let f = Folded::new(s);
        assert_eq!(f.text, "电话:021-6234x");
        let start = f.text.find("021").unwrap();
        let end = f.text.find('x').unwrap();
        assert_eq!(&s[f.original(start, end)], "０２１－６２３４");
        assert_eq!(fold("　—"), " -");
    }
}
