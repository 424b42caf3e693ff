//! "Did you mean" suggestions.

/// The candidate closest to `word`, if it is close enough to be a likely slip.
///
/// Uses Damerau–Levenshtein distance with a threshold that grows with the word's
/// length (one edit for short words, up to a third of the length), and also accepts
/// a case-only difference.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(1);
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    let mut prefixed: Option<&'a str> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        // An abbreviation (`prod` for `production`) is a likely slip too.
        if word.len() >= 3
            && candidate.to_ascii_lowercase().starts_with(&lower)
            && prefixed.is_none()
        {
            prefixed = Some(candidate);
        }
        let distance = if candidate.to_ascii_lowercase() == lower {
            0
        } else {
            strsim::damerau_levenshtein(word, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c).or(prefixed)
}

/// `did you mean `x`?` for a help line, when a close candidate exists.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_names() {
        let names = ["health", "edge", "database"];
        assert_eq!(closest("helth", names), Some("health"));
        assert_eq!(closest("Edge", names), Some("edge"));
        assert_eq!(closest("databse", names), Some("database"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("data", names), Some("database"));
    }

    #[test]
    fn short_words_need_one_edit() {
        assert_eq!(closest("ms", ["s", "m"]), Some("s"));
        assert_eq!(closest("xy", ["ab"]), None);
    }
}
