//! Kubernetes names and label values derived from what the user wrote: deterministic,
//! valid, and unique where they must be.

/// Longest DNS-1123 label (object names, label values).
pub const MAX_NAME: usize = 63;

/// Template names are shorter: Chaos Mesh names each workflow node after its template
/// plus a suffix, and that name must still be a valid object name.
pub const MAX_TEMPLATE: usize = 48;

/// A short, stable fingerprint (FNV-1a, 32 bits) that keeps shortened names distinct.
pub fn fingerprint(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// `text` as a DNS-1123 label of at most `max` characters: lowercase letters, digits
/// and `-`, starting and ending with a letter or digit. When it had to be shortened (or
/// nothing was left), a fingerprint of the original keeps two long texts apart; texts
/// that only differ in punctuation are kept apart by [`Names`].
pub fn dns_label(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-').to_string();
    if !trimmed.is_empty() && trimmed.len() <= max {
        return trimmed;
    }
    let hash = fingerprint(text);
    let keep = max.saturating_sub(hash.len() + 1);
    let head = trimmed[..trimmed.len().min(keep)].trim_end_matches('-');
    if head.is_empty() {
        format!("x-{hash}")
    } else {
        format!("{head}-{hash}")
    }
}

/// `text` as a label value (at most 63 of `A-Z a-z 0-9 . _ -`, alphanumeric at both
/// ends), with a fingerprint when it had to be shortened; the exact text is an
/// annotation.
pub fn label_value(text: &str) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let replaced: String = text
        .chars()
        .map(|c| if valid(c) { c } else { '-' })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if !trimmed.is_empty() && trimmed.len() <= MAX_NAME {
        return trimmed.to_string();
    }
    let hash = fingerprint(text);
    let keep = MAX_NAME - hash.len() - 1;
    let head =
        trimmed[..trimmed.len().min(keep)].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if head.is_empty() {
        hash
    } else {
        format!("{head}-{hash}")
    }
}

/// Hands out names that are unique within one scope (a workflow's templates, or the
/// workflows of one export).
#[derive(Default)]
pub struct Names {
    taken: Vec<String>,
}

impl Names {
    /// A fresh DNS-1123 name for `wanted`, at most `max` characters.
    pub fn take(&mut self, wanted: &str, max: usize) -> String {
        let base = dns_label(wanted, max);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            let suffix = format!("-{n}");
            let head = base[..base.len().min(max - suffix.len())].trim_end_matches('-');
            name = format!("{head}{suffix}");
            n += 1;
        }
        self.taken.push(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dns_label(s: &str, max: usize) -> bool {
        !s.is_empty()
            && s.len() <= max
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    }

    #[test]
    fn names_are_valid_deterministic_and_distinct() {
        let long = "a very long scenario name that goes on and on past sixty three characters";
        for text in [
            "Kill the DB",
            "kill-the-db",
            "Ünïcode ☃",
            "---",
            "",
            long,
            "x".repeat(80).as_str(),
        ] {
            let name = dns_label(text, MAX_NAME);
            assert!(is_dns_label(&name, MAX_NAME), "{text:?} → {name:?}");
            assert_eq!(name, dns_label(text, MAX_NAME));
        }
        assert_eq!(dns_label("kill-the-db", MAX_NAME), "kill-the-db");
        assert_eq!(dns_label("Kill the DB", MAX_NAME), "kill-the-db");
        assert_ne!(
            dns_label(long, MAX_NAME),
            dns_label(&format!("{long}!"), MAX_NAME)
        );
        let mut names = Names::default();
        let a = names.take("web", MAX_TEMPLATE);
        let b = names.take("web", MAX_TEMPLATE);
        assert_ne!(a, b);
        assert!(is_dns_label(&b, MAX_TEMPLATE));
    }

    #[test]
    fn label_values_are_valid() {
        for text in [
            "scenarios/kubernetes/shop.chaos",
            "Kill the DB",
            "",
            "-x-",
            &"y".repeat(90),
        ] {
            let value = label_value(text);
            assert!(value.len() <= MAX_NAME, "{value}");
            assert!(value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)));
            assert!(value.is_empty() || value.starts_with(|c: char| c.is_ascii_alphanumeric()));
            assert!(value.is_empty() || value.ends_with(|c: char| c.is_ascii_alphanumeric()));
        }
        assert_eq!(label_value("shop.chaos"), "shop.chaos");
    }
}
