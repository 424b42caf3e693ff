//! A large file is parsed in pieces split at top-level items, on several threads
//! (`src/syntax/split.rs`): the tree (with its spans), the comments and the
//! diagnostics must be exactly those of parsing the whole file at once, on every
//! `.chaos` file of the repository (syntax-error fixtures included), on all of them
//! joined into one, and on generated files built to trip the split.

use chaosc::diag::SourceId;
use chaosc::syntax::{parse_in_pieces, Parsed};
use std::fmt::Write as _;

#[path = "support/fixtures.rs"]
mod fixtures;

/// Everything a parse gives, spans included (`Span`'s `PartialEq` ignores them, its
/// `Debug` does not).
fn exactly(parsed: &Parsed) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        parsed.file, parsed.comments, parsed.diagnostics
    )
}

/// Parses `text` whole and in 2 to 9 pieces and demands the same result.
fn same_in_pieces(name: &str, text: &str) {
    let whole = exactly(&parse_in_pieces(text, SourceId(0), 1));
    for pieces in 2..=9 {
        let split = exactly(&parse_in_pieces(text, SourceId(0), pieces));
        if split != whole {
            let at = whole
                .bytes()
                .zip(split.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(whole.len().min(split.len()));
            let around = |dump: &str| {
                let bytes = &dump.as_bytes()[at.saturating_sub(200)..(at + 200).min(dump.len())];
                String::from_utf8_lossy(bytes).into_owned()
            };
            panic!(
                "{name}: parsing in {pieces} pieces differs from parsing whole:\n  whole: …{}…\n  split: …{}…",
                around(&whole),
                around(&split)
            );
        }
    }
}

fn repository_files() -> Vec<(String, String)> {
    let root = fixtures::root();
    ["stdlib", "scenarios", "tests"]
        .iter()
        .flat_map(|dir| fixtures::chaos_files(&root.join(dir)))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_repository_file_parses_the_same_in_pieces() {
    let files = repository_files();
    assert!(files.len() > 50, "found only {} files", files.len());
    for (name, text) in &files {
        same_in_pieces(name, text);
    }
}

#[test]
fn all_repository_files_joined_parse_the_same_in_pieces() {
    let mut joined = String::new();
    for (_, text) in repository_files() {
        let parsed = parse_in_pieces(&text, SourceId(0), 1);
        if parsed.file.is_some() {
            // A byte-order mark may only start a file.
            joined.push_str(text.trim_start_matches('\u{FEFF}'));
            joined.push('\n');
        }
    }
    same_in_pieces("all files joined", &joined);
    assert!(
        parse_in_pieces(&joined, SourceId(0), 1).file.is_some(),
        "the joined files parse"
    );
}

/// A file whose item keywords also appear at the start of lines inside strings,
/// comments and blocks, with doc comments, items running over several lines, and
/// problems the tree builder reports (unknown units, reserved words) all along.
fn tricky(items: usize) -> String {
    let mut out = String::from("\u{FEFF}/// The file.\nimport \"std/faults\"\n");
    for n in 0..items {
        let _ = match n % 9 {
            0 => write!(
                out,
                "/// Doc of {n}\n/// on two lines\nconst c{n} = \"a string\nscenario x {{\n\"\n"
            ),
            1 => write!(
                out,
                "/* a block\nscenario \"y{n}\" {{}}\n/* nested\nconst z = 1 */\n*/ const d{n} = 5sec\n"
            ),
            2 => write!(
                out,
                "scenario \"s{n}\" {{\nslo {{\n  availability(p) >= 99%\n}}\nconst inner = 1\ntimeline {{\nat 0s cpu_stress(workers: 1) for 10s\n}}\n}}\n"
            ),
            3 => write!(out, "// line comment\nimport \"./x{n}.chaos\"\nas x{n}\n"),
            4 => write!(
                out,
                "template t{n}(a: int,\nb: duration = 1s) =\nbase(\n1) {{\n}}\n"
            ),
            5 => write!(out, "param p{n}: int\n= 3\nconst for = 1\n"),
            6 => write!(
                out,
                "probe q{n} = http(\"http://127.0.0.1:1/${{x}}\\n\",\nevery: 2s)  // trailing\n\n\n"
            ),
            7 => write!(
                out,
                "safety {{ max_duration 1h }}\nsuite su{n} {{\nscenarios [\"a\",\n\"b\"]\n}}\nslo {{\n}}\n"
            ),
            _ => write!(
                out,
                "environment e{n} {{ set {{ a: 1, b: [1,\n2] }} allow [\"x\"] }}\nfault f{n} = latency(t, delay: 10msec)\n"
            ),
        };
    }
    out
}

#[test]
fn generated_files_parse_the_same_in_pieces() {
    for items in [1, 9, 40, 200] {
        let text = tricky(items);
        same_in_pieces(&format!("tricky({items})"), &text);
        let parsed = parse_in_pieces(&text, SourceId(0), 1);
        assert!(parsed.file.is_some(), "tricky({items}) parses");
        assert!(
            parsed.diagnostics.len() >= items / 9,
            "tricky({items}) has builder diagnostics all along"
        );
        // A syntax error near the end, in the middle and at the start: one E0101, as
        // for the whole file.
        for at in [text.len() * 9 / 10, text.len() / 2, 40] {
            let at = (at..text.len())
                .find(|&i| text[i..].starts_with("\nconst"))
                .unwrap_or(text.len());
            let broken = format!("{}\nconst = = 1{}", &text[..at], &text[at..]);
            same_in_pieces(&format!("tricky({items}) broken at {at}"), &broken);
            let parsed = parse_in_pieces(&broken, SourceId(0), 4);
            assert!(parsed.file.is_none(), "the broken file does not parse");
        }
    }
}

#[test]
fn a_large_file_is_split_and_still_exact() {
    // Large enough for `parse` itself to split it on a machine with several cores.
    let text = tricky(12_000);
    assert!(text.len() > 600_000, "{} bytes", text.len());
    let whole = exactly(&parse_in_pieces(&text, SourceId(0), 1));
    assert_eq!(
        exactly(&chaosc::syntax::parse(&text, SourceId(0))),
        whole,
        "parse (split on every core) and parsing whole differ"
    );
    assert_eq!(exactly(&parse_in_pieces(&text, SourceId(0), 7)), whole);
}
