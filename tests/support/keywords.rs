//! The keywords of the language, read from its one source, the grammar
//! (`grammar/chaos.pest`): the word of every `kw_NAME` rule, and `true` and `false` of
//! the `boolean` rule. Which of them are contextual (names everywhere they are not
//! expected) is read from `docs/language.md` §2.2.

#![allow(dead_code)] // each test binary uses some of these

use std::sync::OnceLock;

fn read(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn leak(words: Vec<String>) -> &'static [&'static str] {
    words
        .into_iter()
        .map(|w| &*Box::leak(w.into_boxed_str()))
        .collect::<Vec<&'static str>>()
        .leak()
}

/// Every keyword, in grammar order, `true` and `false` last.
pub fn all() -> &'static [&'static str] {
    static ALL: OnceLock<&'static [&'static str]> = OnceLock::new();
    ALL.get_or_init(|| {
        let grammar = read("grammar/chaos.pest");
        let mut words: Vec<String> = grammar
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("kw_")?;
                let (_, body) = rest.split_once("= @{")?;
                let word = body.trim().strip_prefix('"')?.split('"').next()?;
                Some(word.to_string())
            })
            .collect();
        let boolean = grammar
            .lines()
            .find(|l| l.starts_with("boolean ="))
            .expect("a `boolean` rule in the grammar");
        for word in ["true", "false"] {
            assert!(boolean.contains(&format!("\"{word}\"")), "{boolean}");
            words.push(word.to_string());
        }
        assert!(
            words.len() >= 40,
            "only {} keywords in the grammar",
            words.len()
        );
        leak(words)
    })
}

/// The contextual words: the backticked words of the decision in `docs/language.md`
/// that says which words are contextual.
pub fn contextual() -> &'static [&'static str] {
    static CONTEXTUAL: OnceLock<&'static [&'static str]> = OnceLock::new();
    CONTEXTUAL.get_or_init(|| {
        let docs = read("docs/language.md");
        let decision = docs
            .lines()
            .find(|l| l.contains("are **contextual**"))
            .expect("the decision on contextual words in docs/language.md");
        let before = decision.split("are **contextual**").next().unwrap_or("");
        let words: Vec<String> = before
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        assert!(!words.is_empty(), "{decision}");
        leak(words)
    })
}

/// The reserved words: every keyword that is not contextual.
pub fn reserved() -> Vec<&'static str> {
    all()
        .iter()
        .copied()
        .filter(|w| !contextual().contains(w))
        .collect()
}
