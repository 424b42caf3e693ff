//! Parsing: the contract's examples parse, and malformed input gives precise errors.

use chaosc::diag::SourceId;
use chaosc::syntax::parse;

#[path = "support/fixtures.rs"]
mod fixtures;

fn examples() -> Vec<(String, String)> {
    fixtures::examples()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), text)
        })
        .collect()
}

#[test]
fn examples_parse() {
    for (name, text) in examples() {
        let parsed = parse(&text, SourceId(0));
        assert!(
            parsed.diagnostics.is_empty(),
            "{name}: {:#?}",
            parsed.diagnostics
        );
        assert!(parsed.file.is_some(), "{name}");
    }
}

#[test]
fn language_md_example_parses() {
    let text = include_str!("fixtures/language-overview.chaos");
    let parsed = parse(text, SourceId(0));
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let file = parsed.file.unwrap();
    assert_eq!(file.items.len(), 17);
}
