//! One source for the keywords: the grammar. Every list of them elsewhere (the parser's
//! reserved words, the language reference, the Vim syntax, the TextMate grammar) is
//! checked against it.

#[path = "support/keywords.rs"]
mod keywords;

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn missing<'a>(
    expected: impl IntoIterator<Item = &'a str>,
    found: &BTreeSet<String>,
) -> Vec<&'a str> {
    expected
        .into_iter()
        .filter(|w| !found.contains(*w))
        .collect()
}

#[test]
fn the_contextual_words_are_keywords_of_the_grammar() {
    for word in keywords::contextual() {
        assert!(
            keywords::all().contains(word),
            "`{word}` is not a keyword rule"
        );
    }
}

#[test]
fn the_parser_reserves_exactly_the_reserved_words() {
    let parser: BTreeSet<&str> = chaosc::syntax::KEYWORDS.iter().copied().collect();
    let reserved: BTreeSet<&str> = keywords::reserved().into_iter().collect();
    assert_eq!(
        parser.symmetric_difference(&reserved).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "src/syntax KEYWORDS and the grammar's reserved words differ"
    );
}

#[test]
fn the_language_reference_lists_the_reserved_words() {
    let docs = read("docs/language.md");
    let at = docs
        .find("These words are **reserved**")
        .expect("the list in §2.2");
    let block = docs[at..]
        .split("```")
        .nth(1)
        .expect("a code block after it");
    let listed: BTreeSet<String> = block
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let reserved = keywords::reserved();
    assert_eq!(
        missing(reserved.iter().copied(), &listed),
        Vec::<&str>::new()
    );
    let extra: Vec<&String> = listed
        .iter()
        .filter(|w| !reserved.contains(&w.as_str()))
        .collect();
    assert!(extra.is_empty(), "listed as reserved but not: {extra:?}");
}

#[test]
fn the_vim_syntax_highlights_every_keyword() {
    let vim = read("editors/vim/syntax/chaos.vim");
    let words: BTreeSet<String> = vim
        .lines()
        .filter_map(|l| l.strip_prefix("syn keyword "))
        .flat_map(|l| l.split_whitespace().skip(1))
        .map(str::to_string)
        .collect();
    assert_eq!(
        missing(keywords::all().iter().copied(), &words),
        Vec::<&str>::new()
    );
}

/// The words of the TextMate grammar's keyword rules: the alternatives of each
/// `\b(a|b|c)\b` in the `keywords` and `values` rules (booleans are values).
#[test]
fn the_textmate_grammar_highlights_every_keyword() {
    let grammar: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/chaos.tmLanguage.json")).unwrap();
    let mut words = BTreeSet::new();
    for rule in ["keywords", "values", "windows"] {
        let value = &grammar["repository"][rule];
        let patterns = value["patterns"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![value.clone()]);
        for pattern in patterns {
            let Some(regex) = pattern["match"].as_str() else {
                continue;
            };
            for group in regex.split("\\b(").skip(1) {
                let group = group.trim_start_matches("?:");
                let Some((alternatives, _)) = group.split_once(")\\b") else {
                    continue;
                };
                words.extend(alternatives.split('|').map(str::to_string));
            }
        }
    }
    assert!(words.len() >= 40, "{words:?}");
    assert_eq!(
        missing(keywords::all().iter().copied(), &words),
        Vec::<&str>::new()
    );
}
