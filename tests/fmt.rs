//! The formatter: canonical files are fixed points, rewrite pairs, and on every
//! `.chaos` file of the repository (also with comments sprinkled in at random
//! places) formatting keeps the syntax tree and the comments and is idempotent.

use chaosc::diag::SourceId;
use chaosc::fmt::{format, WIDTH};
use chaosc::syntax::parse;
use std::path::{Path, PathBuf};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::chaos_files;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether `text` parses without errors.
fn parses(text: &str) -> bool {
    let parsed = parse(text, SourceId(0));
    parsed.file.is_some() && !parsed.diagnostics.iter().any(|d| d.is_error())
}

/// Formats `text` and checks the formatter's promises; returns the output.
fn check_formatting(name: &str, text: &str) -> String {
    let before = parse(text, SourceId(0));
    let out = match format(text) {
        Ok(out) => out,
        Err(d) => panic!("{name}: does not format: {d:#?}"),
    };
    let after = parse(&out, SourceId(0));
    assert!(
        after.file.is_some() && !after.diagnostics.iter().any(|d| d.is_error()),
        "{name}: the output does not parse: {:#?}\n--- input\n{text}\n--- output\n{out}",
        after.diagnostics
    );
    assert!(
        before.file == after.file,
        "{name}: formatting changed the syntax tree\n--- input\n{text}\n--- output\n{out}"
    );
    let texts = |p: &chaosc::syntax::Parsed| -> Vec<String> {
        p.comments.iter().map(|c| c.text.clone()).collect()
    };
    assert_eq!(
        texts(&before),
        texts(&after),
        "{name}: comments lost, added or reordered\n--- input\n{text}\n--- output\n{out}"
    );
    let again = format(&out).unwrap();
    assert!(
        again == out,
        "{name}: not idempotent\n--- input\n{text}\n--- first\n{out}\n--- second\n{again}"
    );
    // Block comments are kept verbatim, blanks at their line ends too.
    let verbatim_blanks = before
        .comments
        .iter()
        .any(|c| c.text.contains(" \r\n") || c.text.contains(" \n") || c.text.contains("\t\n"));
    assert!(
        verbatim_blanks || !out.contains(" \n"),
        "{name}: trailing blanks\n{out}"
    );
    assert!(!out.contains("\n\n\n"), "{name}: two blank lines\n{out}");
    assert!(!out.starts_with('\n'), "{name}: leading blank line\n{out}");
    assert!(
        out.is_empty() || (out.ends_with('\n') && !out.ends_with("\n\n")),
        "{name}: the output must end with exactly one newline\n{out:?}"
    );
    out
}

/// Every `.chaos` file of the repository (the contract's examples are under
/// `tests/fixtures/examples/`) that parses; syntax-error fixtures are left out.
fn repository_files() -> Vec<(String, String)> {
    let root = Path::new(ROOT);
    let mut files = Vec::new();
    for dir in ["stdlib", "scenarios", "tests"] {
        files.extend(chaos_files(&root.join(dir)));
    }
    files
        .into_iter()
        .map(|p| {
            let text = read(&p);
            (p.display().to_string(), text)
        })
        .filter(|(_, text)| parses(text))
        .collect()
}

#[test]
fn every_chaos_file_of_the_repository_formats_safely() {
    let files = repository_files();
    assert!(files.len() >= 4, "found only {} files", files.len());
    for (name, text) in &files {
        check_formatting(name, text);
    }
}

/// `ARCHITECTURE.md`: the sources the project ships are kept formatted.
#[test]
fn stdlib_and_scenarios_are_in_canonical_form() {
    let root = Path::new(ROOT);
    let mut files = chaos_files(&root.join("stdlib"));
    files.extend(chaos_files(&root.join("scenarios")));
    for path in files {
        let text = read(&path);
        let out = check_formatting(&path.display().to_string(), &text);
        assert!(
            out == text,
            "{} is not formatted; canonical form:\n{out}",
            path.display()
        );
    }
}

#[test]
fn canonical_files_are_fixed_points() {
    let files = chaos_files(&Path::new(ROOT).join("tests/fmt/canonical"));
    assert!(files.len() >= 3, "canonical fixtures missing");
    for path in files {
        let text = read(&path);
        let name = path.display().to_string();
        let out = check_formatting(&name, &text);
        if out != text {
            panic!("{name}: not canonical; formatted:\n{out}");
        }
    }
}

#[test]
fn rewrites_give_the_expected_output() {
    let dir = Path::new(ROOT).join("tests/fmt/rewrite");
    let inputs: Vec<PathBuf> = chaos_files(&dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".in.chaos"))
        .collect();
    assert!(inputs.len() >= 4, "rewrite fixtures missing");
    for input in inputs {
        let expected_path =
            PathBuf::from(input.to_string_lossy().replace(".in.chaos", ".out.chaos"));
        let expected = read(&expected_path);
        let name = input.display().to_string();
        let out = check_formatting(&name, &read(&input));
        if out != expected {
            panic!("{name}: unexpected output:\n{out}\n--- expected\n{expected}");
        }
        assert_eq!(
            format(&expected).unwrap(),
            expected,
            "{}",
            expected_path.display()
        );
    }
}

// ───────────────────────── comments in odd places ─────────────────────────

/// Byte offsets where a comment may be inserted without changing the program:
/// blanks and the sides of punctuation, outside strings and comments.
fn insertion_points(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut points = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    let punct = |b: u8| b"()[]{},:".contains(&b);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let mut level = 0;
            while i < bytes.len() {
                if text[i..].starts_with("/*") {
                    level += 1;
                    i += 2;
                } else if text[i..].starts_with("*/") {
                    level -= 1;
                    i += 2;
                    if level == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if b.is_ascii_whitespace() || punct(b) || (i > 0 && punct(bytes[i - 1])) {
            points.push(i);
        }
        if b == b'"' {
            in_string = true;
        }
        i += 1;
    }
    points.push(bytes.len());
    points
}

/// `text` with `count` comments (and some blanks) inserted at random places.
fn sprinkle_comments(text: &str, rng: &mut fastrand::Rng, count: usize) -> String {
    let points = insertion_points(text);
    let mut chosen: Vec<usize> = (0..count)
        .map(|_| points[rng.usize(..points.len())])
        .collect();
    chosen.sort_unstable();
    let mut out = String::with_capacity(text.len() + count * 16);
    let mut last = 0;
    for (n, at) in chosen.into_iter().enumerate() {
        out.push_str(&text[last..at]);
        let comment = match rng.usize(..10) {
            // Blanks too: line breaks and blank lines where there were none.
            7 => "\n\n\n".to_string(),
            8 => "\n   ".to_string(),
            9 => " \t ".to_string(),
            0 => format!("/* c{n} */"),
            1 => format!(" // c{n}\n"),
            2 => format!("\n// c{n}\n"),
            3 => format!("\n/// d{n}\n"),
            4 => format!("\n\n/* c{n}\n   two lines */\n\n"),
            5 => format!(" /* c{n} */ "),
            _ => format!("\n\n// c{n}\n\n"),
        };
        out.push_str(&comment);
        last = at;
    }
    out.push_str(&text[last..]);
    out
}

#[test]
fn comments_anywhere_are_kept_and_formatting_stays_idempotent() {
    let files = repository_files();
    // A fixed budget of mutated files, whatever the number of files; more (or
    // another seed) on demand: CHAOSC_FMT_FUZZ=MUTATIONS[:SEED].
    let setting = std::env::var("CHAOSC_FMT_FUZZ").unwrap_or_default();
    let mut parts = setting.split(':').map(|s| s.parse::<u64>().ok());
    let mutations = parts.next().flatten().unwrap_or(200);
    let seed = parts.next().flatten().unwrap_or(0x5eed);
    let mut rng = fastrand::Rng::with_seed(seed);
    for round in 0..mutations {
        let (name, text) = &files[rng.usize(..files.len())];
        let count = 1 + rng.usize(..12);
        let mut mutated = sprinkle_comments(text, &mut rng, count);
        if round % 5 == 4 {
            mutated = mutated.replace('\n', "\r\n");
        }
        assert!(
            parses(&mutated),
            "{name}: the mutation broke the file:\n{mutated}"
        );
        check_formatting(&format!("{name} (mutation {round})"), &mutated);
    }
}

/// A large file is printed in runs of items on several threads (`src/fmt/print.rs`):
/// the output must be exactly that of printing in one go, on every file of the
/// repository, with comments sprinkled in, and on all of them joined into one.
#[test]
fn formatting_in_runs_equals_formatting_in_one_go() {
    let files = repository_files();
    let mut rng = fastrand::Rng::with_seed(0x7275_6e73);
    let mut joined = String::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    for (name, text) in &files {
        joined.push_str(text);
        joined.push('\n');
        texts.push((name.clone(), text.clone()));
        for round in 0..4 {
            let count = 1 + rng.usize(..12);
            let mutated = sprinkle_comments(text, &mut rng, count);
            texts.push((format!("{name} (mutation {round})"), mutated));
        }
    }
    texts.push(("all files joined".into(), joined));
    for (name, text) in &texts {
        let one_go = format!("{:?}", chaosc::fmt::format_on(text, 1));
        for threads in [2, 3, 5, 8] {
            let runs = format!("{:?}", chaosc::fmt::format_on(text, threads));
            assert!(
                runs == one_go,
                "{name}: formatting on {threads} threads differs from formatting in one go"
            );
        }
    }
}

// ───────────────────────── specific rules ─────────────────────────

fn fmt_ok(text: &str) -> String {
    check_formatting("inline", text)
}

#[test]
fn a_call_stays_on_one_line_up_to_the_width_and_breaks_after() {
    // `const x = f("…")` is 15 columns plus the string's content.
    let exact = format!("const x = f(\"{}\")\n", "a".repeat(WIDTH - 15));
    assert_eq!(exact.trim_end().len(), WIDTH);
    assert_eq!(fmt_ok(&exact), exact);
    let over = format!("const x = f(\"{}\")\n", "a".repeat(WIDTH - 14));
    assert_eq!(
        fmt_ok(&over),
        format!("const x = f(\n  \"{}\",\n)\n", "a".repeat(WIDTH - 14))
    );
}

#[test]
fn a_line_comment_before_a_comma_formats_the_same_in_both_passes() {
    // Reduced from a `tests/robustness.rs` failure: the `//` comment sat between the
    // list's `]` and the comma after it (`…]// note` then `, x`). The first pass
    // printed `…], // note` with the list flat, not counting the comma (nor a
    // space after `/* c */` that is not printed before a comma: one column too
    // many); the second pass, with the comment after the comma, counted it and
    // broke the list. The comma and the comment now count wherever they came from.
    let a = "a".repeat(84);
    let text = format!("const c = f(\n  [{a} /* c */, b]// note\n, x)\n");
    assert_eq!(
        fmt_ok(&text),
        format!("const c = f(\n  [\n    {a} /* c */,\n    b,\n  ], // note\n  x,\n)\n")
    );
    // Without the block comment: "  [a…, b], // note" is the length of `a` plus 16.
    for (n, flat) in [(WIDTH - 16, true), (WIDTH - 15, false)] {
        let a = "a".repeat(n);
        let list = if flat {
            format!("[{a}, b]")
        } else {
            format!("[\n    {a},\n    b,\n  ]")
        };
        let expected = format!("const c = f(\n  {list}, // note\n  x,\n)\n");
        for text in [
            format!("const c = f([{a}, b]// note\n, x)\n"),
            format!("const c = f([{a}, b], // note\nx)\n"),
        ] {
            assert_eq!(fmt_ok(&text), expected, "{text}");
        }
    }
}

#[test]
fn a_line_comment_at_the_end_of_a_line_counts_toward_the_width() {
    // `const x = f("…") // note` is 23 columns plus the string's content.
    let fits = format!("const x = f(\"{}\") // note\n", "a".repeat(WIDTH - 23));
    assert_eq!(fits.trim_end().len(), WIDTH);
    assert_eq!(fmt_ok(&fits), fits);
    let over = format!("const x = f(\"{}\") // note\n", "a".repeat(WIDTH - 22));
    assert_eq!(
        fmt_ok(&over),
        format!(
            "const x = f(\n  \"{}\",\n) // note\n",
            "a".repeat(WIDTH - 22)
        )
    );
}

#[test]
fn nested_groups_break_from_the_outside_in() {
    let inner = (0..8)
        .map(|i| format!("\"item{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text =
        format!("service s = spawn([{inner}], ready: \"http://127.0.0.1:8000/\", cwd: \"/srv\")\n");
    assert_eq!(
        fmt_ok(&text),
        format!("service s = spawn(\n  [{inner}],\n  ready: \"http://127.0.0.1:8000/\",\n  cwd: \"/srv\",\n)\n")
    );
}

#[test]
fn syntax_errors_come_back_as_diagnostics() {
    let errors = format("scenario \"x\" {\n  timeline {\n").unwrap_err();
    assert!(!errors.is_empty());
    assert!(errors.iter().any(|d| d.is_error()));
    assert!(
        format("const d = 30sec").is_err(),
        "an unknown unit is an error"
    );
}

#[test]
fn strings_are_printed_with_canonical_escapes() {
    assert_eq!(
        fmt_ok(r#"const s = "\u{22}q\u{5c}\u{9}\u{a}\u{24}{x} $ \$ ${a}\u{7}é\u{e9}""#),
        "const s = \"\\\"q\\\\\\t\\n\\${x} $ $ ${a}\\u{7}éé\"\n"
    );
    assert_eq!(
        fmt_ok("const s = \"${ ns.name }\""),
        "const s = \"${ns.name}\"\n"
    );
}

#[test]
fn numbers_and_quantities_keep_their_spelling() {
    let text =
        "const a = [1_000, 007, 0.50, -3, 1m30s, 1_500ms, 99.95%, p99.9, 200..299, 1KiB/s]\n";
    assert_eq!(fmt_ok(text), text);
}

#[test]
fn empty_files_and_files_of_comments() {
    assert_eq!(fmt_ok(""), "");
    assert_eq!(fmt_ok("\n\n  \n"), "");
    assert_eq!(fmt_ok("\n\n// a\n\n\n\n// b   \n\n"), "// a\n\n// b\n");
    assert_eq!(fmt_ok("/* a */ /* b */"), "/* a */\n/* b */\n");
}

#[test]
fn carriage_returns_are_normalised() {
    assert_eq!(
        fmt_ok("const a = 1 // one\r\n\r\n\r\nconst b = 2\r\n"),
        "const a = 1 // one\n\nconst b = 2\n"
    );
}

#[test]
fn doc_comments_stay_attached_to_their_item() {
    let text =
        "const a = 1\n/// about b\n/// more\nconst b = 2\nconst c = 3 /// about d\nconst d = 4\n";
    assert_eq!(fmt_ok(text), text);
    let text = "scenario \"a\" {}\n/// about b\n\n/// more\nscenario \"b\" {}\n";
    assert_eq!(
        fmt_ok(text),
        "scenario \"a\" {}\n\n/// about b\n\n/// more\nscenario \"b\" {}\n"
    );
}

#[test]
fn comments_before_a_closing_brace_stay_inside() {
    assert_eq!(
        fmt_ok("slo { mttr <= 1s\n// end\n}"),
        "slo {\n  mttr <= 1s\n  // end\n}\n"
    );
    assert_eq!(fmt_ok("slo { // only\n}"), "slo { // only\n}\n");
    assert_eq!(fmt_ok("slo {\n// only\n}"), "slo {\n  // only\n}\n");
}

#[test]
fn a_comment_between_offset_and_fault_is_kept_on_its_own_line() {
    let text = "scenario \"s\" { timeline { at 0s\n// why\nkill() } }";
    assert_eq!(
        fmt_ok(text),
        "scenario \"s\" {\n  timeline {\n    at 0s\n    // why\n    kill()\n  }\n}\n"
    );
}

// ───────────────────────── width on generated values ─────────────────────────

/// A random value: short leaves, lists, maps and calls nested up to `depth`.
fn random_value(rng: &mut fastrand::Rng, depth: usize) -> String {
    let leaf = |rng: &mut fastrand::Rng| -> String {
        match rng.usize(..5) {
            0 => format!("{}", rng.u32(..100_000)),
            1 => format!("{}ms", rng.u32(..10_000)),
            2 => format!("\"{}\"", "x".repeat(rng.usize(..16))),
            3 => format!("name_{}", rng.u32(..1000)),
            _ => "p99.9".to_string(),
        }
    };
    if depth == 0 || rng.usize(..3) == 0 {
        return leaf(rng);
    }
    let n = rng.usize(..7);
    let items: Vec<String> = (0..n).map(|_| random_value(rng, depth - 1)).collect();
    match rng.usize(..3) {
        0 => format!("[{}]", items.join(", ")),
        1 => {
            let pairs: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, v)| format!("\"k{i}\": {v}"))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
        _ => {
            let args: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i % 2 == 0 {
                        v.clone()
                    } else {
                        format!("arg{i}: {v}")
                    }
                })
                .collect();
            format!("f{}({})", rng.u32(..100), args.join(", "))
        }
    }
}

#[test]
fn generated_values_fit_in_the_width_and_format_stably() {
    let mut rng = fastrand::Rng::with_seed(42);
    for round in 0..60 {
        let mut text = String::new();
        for i in 0..6 {
            let value = random_value(&mut rng, 4);
            match rng.usize(..3) {
                0 => text.push_str(&format!("const c{i} = {value}\n")),
                1 => text.push_str(&format!("target t{i} = kind({value}, extra: {value})\n")),
                _ => text.push_str(&format!(
                    "scenario \"s{i}\" {{ timeline {{ at 0s latency({value}) for 10s as step{i} }} }}\n"
                )),
            }
        }
        let out = check_formatting(&format!("generated {round}"), &text);
        for line in out.lines() {
            assert!(
                line.chars().count() <= WIDTH,
                "round {round}: line over {WIDTH} columns: {line}\n{out}"
            );
        }
        // With a `//` comment at the end of every line, which counts toward the width.
        let noted = text.replace('\n', " // note\n");
        let out = check_formatting(&format!("generated {round} with line comments"), &noted);
        for line in out.lines() {
            assert!(
                line.chars().count() <= WIDTH,
                "round {round}: line over {WIDTH} columns: {line}\n{out}"
            );
        }
        // And with comments in the nested values.
        let count = 1 + rng.usize(..8);
        let commented = sprinkle_comments(&text, &mut rng, count);
        check_formatting(&format!("generated {round} with comments"), &commented);
    }
}

#[test]
fn deeply_nested_values_format() {
    let depth = 43;
    let text = format!("const deep = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(text.trim_end().len(), 13 + 2 * depth + 1);
    assert_eq!(fmt_ok(&text), text, "fits on one line");
    let depth = 60;
    let text = format!(
        "const deep = {}\"{}\"{}\n",
        "[".repeat(depth),
        "x".repeat(60),
        "]".repeat(depth)
    );
    let out = fmt_ok(&text);
    assert_eq!(out.lines().count(), 2 * depth + 1);
}

/// Random edits of real files: whatever still parses formats safely, and what
/// does not parse gives diagnostics (never a panic).
#[test]
fn random_edits_never_panic() {
    let files = repository_files();
    // More on demand: CHAOSC_FMT_EDITS=EDITS[:SEED].
    let setting = std::env::var("CHAOSC_FMT_EDITS").unwrap_or_default();
    let mut parts = setting.split(':').map(|s| s.parse::<u64>().ok());
    let edits = parts.next().flatten().unwrap_or(300);
    let mut rng = fastrand::Rng::with_seed(parts.next().flatten().unwrap_or(7));
    let alphabet: Vec<char> = " \n,:()[]{}=\"/*$\\x0_.-%".chars().collect();
    let mut formatted = 0;
    for round in 0..edits {
        let (name, text) = &files[rng.usize(..files.len())];
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..1 + rng.usize(..3) {
            let at = rng.usize(..=chars.len());
            match rng.usize(..3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, alphabet[rng.usize(..alphabet.len())]),
                _ if at < chars.len() => {
                    let c = chars[at];
                    chars.insert(at, c);
                }
                _ => {}
            }
        }
        let edited: String = chars.into_iter().collect();
        match format(&edited) {
            Ok(_) => {
                formatted += 1;
                check_formatting(&format!("{name} (edit {round})"), &edited);
            }
            Err(diagnostics) => assert!(!diagnostics.is_empty(), "{name}: Err without diagnostics"),
        }
    }
    assert!(formatted > 10, "too few edits still parse: {formatted}");
}
