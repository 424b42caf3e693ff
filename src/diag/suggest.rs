//! "Did you mean" suggestions.

/// The longest word, in bytes, that [`closest`] looks for a candidate for.
pub const LONGEST: usize = 64;

/// The candidate closest to `word`, if it is close enough to be a likely slip.
///
/// Uses Damerau–Levenshtein distance with a threshold that grows with the word's
/// length (one edit for short words, up to a third of the length), and also accepts
/// a case-only difference. Linear in the candidates and cheap per candidate: one
/// whose length differs by more than the threshold cannot be close (the distance is at
/// least the difference in length) and is only looked at as an abbreviation, without
/// allocating; so a file with thousands of unknown names among thousands of known ones
/// does not pay a quadratic number of distance computations. Words longer than
/// [`LONGEST`] get no suggestion: nobody mistypes a name that long, and the distance
/// costs the product of the two lengths.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if word.len() > LONGEST {
        return None;
    }
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut prefixed: Option<&'a str> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        // An abbreviation (`prod` for `production`) is a likely slip too.
        if prefixed.is_none()
            && word.len() >= 3
            && candidate
                .get(..word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word))
        {
            prefixed = Some(candidate);
        }
        if candidate.len().abs_diff(word.len()) > limit * 4
            || candidate.chars().count().abs_diff(length) > limit
        {
            continue;
        }
        let distance = if candidate.eq_ignore_ascii_case(word) {
            0
        } else {
            strsim::damerau_levenshtein(word, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
            if distance == 0 {
                break;
            }
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
    fn words_longer_than_the_cap_get_no_suggestion() {
        let long = "a".repeat(LONGEST + 1);
        let near = format!("{long}b");
        assert_eq!(closest(&long, [near.as_str()]), None);
        let at_cap = "a".repeat(LONGEST);
        let near = format!("{}b", "a".repeat(LONGEST - 1));
        assert_eq!(closest(&at_cap, [near.as_str()]), Some(near.as_str()));
    }

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
    fn far_lengths_are_skipped_but_abbreviations_still_found() {
        let many: Vec<String> = (0..20_000).map(|i| format!("probe_number_{i}")).collect();
        let started = std::time::Instant::now();
        for _ in 0..100 {
            assert_eq!(closest("hom", many.iter().map(String::as_str)), None);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            closest("prod", ["staging", "production"]),
            Some("production")
        );
        assert_eq!(closest("PRODUCTION", ["production"]), Some("production"));
    }

    #[test]
    fn short_words_need_one_edit() {
        assert_eq!(closest("ms", ["s", "m"]), Some("s"));
        assert_eq!(closest("xy", ["ab"]), None);
    }
}
