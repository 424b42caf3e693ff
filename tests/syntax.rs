//! Parsing: the shared examples parse, and malformed input gives precise errors.

use chaosc::diag::SourceId;
use chaosc::syntax::parse;

fn examples() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/examples");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "chaos") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    out
}

#[test]
fn shared_examples_parse() {
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
