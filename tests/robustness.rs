//! No input makes the parser, the checker or the formatter panic or hang.
//!
//! A bounded, seeded property test. Inputs are random character and token soup,
//! randomly generated well-formed programs (so that the formatter's properties are
//! exercised, not only its refusals), mutations of every real program in the repo
//! (examples, fixtures, stdlib, scenarios, formatter and UI tests), and absurd nesting.
//! Each input goes through [`exercise::exercise`] (also the body of the cargo-fuzz
//! target) on a worker thread with a 2 MiB stack; a panic or a run longer than
//! [`harness::HANG`] fails the test, and the input is written under the target directory.
//!
//! `CHAOSC_FUZZ_SEED=N` replays a seed (printed on failure); `CHAOSC_FUZZ_ITERS=N`
//! scales every loop (default [`harness::DEFAULT_ITERS`], about 10 s in a debug build on 2 cores).

#[path = "support/exercise.rs"]
mod exercise;
#[path = "support/fixtures.rs"]
mod fixtures;

#[path = "support/harness.rs"]
mod harness;
#[path = "support/keywords.rs"]
mod keywords;

use harness::{boundary, floor_boundary, iters, rng_for, seed, Harness};
use std::path::{Path, PathBuf};

/// A harness that runs inputs through [`exercise::exercise`].
fn harness(test: &'static str, seed: u64) -> Harness {
    Harness::new(test, seed, exercise::exercise, "chaos")
}

// ───────────────────────── the vocabulary ─────────────────────────

const IDENTS: &[&str] = &[
    "a",
    "web",
    "db",
    "edge",
    "health",
    "home",
    "x1",
    "_tmp",
    "cpu_stress",
    "latency",
    "container_kill",
    "availability",
    "error_rate",
    "mttr",
    "recovery_time",
    "spawn",
    "proxy",
    "container",
    "http",
    "tcp",
    "int",
    "duration",
    "string",
    "percent",
    "upstream",
    "GET",
    "SIGKILL",
    "chaos",
    "baseline_",
    "ns",
    "common",
    "checks",
    "set",
    "allow_targets",
    "env",
];

const PUNCT: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ":", "=", ".", "..", "<", "<=", ">", ">=", "==", "!=", "-",
    "/", "*", "$", "%", "\\", "\"", "#", "@", ";",
];

const QUANTITIES: &[&str] = &[
    "5s",
    "10%",
    "2MiB",
    "200/s",
    "5Mbps",
    "1m30s",
    "2h15m",
    "250ms",
    "99.95%",
    "64MiB",
    "30/m",
    "1_000",
    "0.25",
    "-3",
    "42",
    "200..299",
    "300..200",
    "p50",
    "p99.9",
    "p101",
    "1GiB",
    "10KB/s",
    "5sec",
    "1s1m",
    "3xyz",
    "7 s",
    "1e9",
    "0",
    "99999999999999999999999",
    "1.",
    ".5",
    "5%%",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"plain\"",
    "\"http://127.0.0.1:${port}/\"",
    "\"${base_url}${health_path}\"",
    "\"${ns.name}\"",
    "\"tab\\there\\nnew \\\"quoted\\\" \\\\ back\"",
    "\"\\u{e9}\\u{1F600}\\u{}\\u{110000}\\u{zz}\"",
    "\"\\$literal\\q\"",
    "\"${\"",
    "\"${}\"",
    "\"${a.b.c}\"",
    "\"unterminated",
    "\"é € 𝄞 ✓\"",
    "\"multi\nline\"",
];

const COMMENTS: &[&str] = &[
    "// line comment\n",
    "/// doc comment\n",
    "//// not a doc\n",
    "/* block */",
    "/* /* nested */ */",
    "/* /* /* three */ */ */",
    "/**/",
    "/*/ tricky */",
    "/* unterminated",
    "/* \" quote in comment */",
    "// é € 𝄞\n",
];

const SPACES: &[&str] = &[" ", "  ", "\n", "\n\n", "\t", "\r\n", ""];

fn token(rng: &mut fastrand::Rng) -> &'static str {
    match rng.u8(0..10) {
        0..=2 => rng.choice(keywords::all()).copied().unwrap_or("at"),
        3..=4 => rng.choice(IDENTS).copied().unwrap_or("a"),
        5..=6 => rng.choice(PUNCT).copied().unwrap_or("("),
        7 => rng.choice(QUANTITIES).copied().unwrap_or("5s"),
        8 => rng.choice(STRINGS).copied().unwrap_or("\"\""),
        _ => rng.choice(COMMENTS).copied().unwrap_or("/**/"),
    }
}

fn random_char(rng: &mut fastrand::Rng) -> char {
    match rng.u8(0..10) {
        0..=4 => rng.char(' '..='~'),
        5 => *rng.choice(&['\n', '\t', '\r', ' ']).unwrap_or(&' '),
        6 => *rng
            .choice(&[
                '"', '\\', '{', '}', '[', ']', '(', ')', '/', '*', '$', '%', '.',
            ])
            .unwrap_or(&'"'),
        7 => *rng
            .choice(&['é', '€', '𝄞', '✓', 'ß', '\u{0}', '\u{FEFF}', '\u{202E}'])
            .unwrap_or(&'é'),
        _ => rng.char(..),
    }
}

// ───────────────────────── (a) soup ─────────────────────────

#[test]
fn char_and_byte_soup() {
    let (mut rng, seed) = rng_for(1);
    let mut h = harness("char_and_byte_soup", seed);
    for _ in 0..iters() * 2 {
        let len = rng.usize(0..300);
        let input: String = if rng.bool() {
            (0..len).map(|_| random_char(&mut rng)).collect()
        } else {
            let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        h.run(input);
    }
}

#[test]
fn token_soup() {
    let (mut rng, seed) = rng_for(2);
    let mut h = harness("token_soup", seed);
    for _ in 0..iters() * 2 {
        let mut input = String::new();
        for _ in 0..rng.usize(0..80) {
            input.push_str(token(&mut rng));
            input.push_str(rng.choice(SPACES).copied().unwrap_or(" "));
        }
        h.run(input);
    }
}

// ───────────────────────── well-formed programs ─────────────────────────

/// Writes random programs that follow the grammar, with random layout and comments.
struct Gen<'r> {
    rng: &'r mut fastrand::Rng,
    out: String,
    depth: usize,
}

impl Gen<'_> {
    fn tok(&mut self, t: &str) {
        if !self.out.is_empty() {
            let sep = match self.rng.u8(0..20) {
                0..=9 => " ",
                10..=13 => "\n",
                14 => "\n\n",
                15 => "\t",
                16 => "   ",
                _ => {
                    let c = self.rng.choice(COMMENTS).copied().unwrap_or("/**/");
                    // An unterminated comment would swallow the rest of the program.
                    if c.starts_with("/*") && !c.ends_with("*/") {
                        " /**/ "
                    } else {
                        c
                    }
                }
            };
            self.out.push_str(sep);
            if !sep.ends_with([' ', '\n', '\t']) {
                self.out.push(' ');
            }
        }
        self.out.push_str(t);
    }

    fn ident(&mut self) {
        let name = self.rng.choice(IDENTS).copied().unwrap_or("a");
        self.tok(name);
    }

    fn string(&mut self) {
        let s = match self.rng.u8(0..8) {
            0 => "\"\"",
            1 => "\"Database Brief Outage\"",
            2 => "\"http://127.0.0.1:${port}/\"",
            3 => "\"${ns.base}/x\"",
            4 => "\"tab\\t nl\\n q\\\" bs\\\\ d\\$ u\\u{e9}\"",
            5 => "\"é € 𝄞 ✓\"",
            6 => "\"a long string that makes the line go well beyond one hundred columns when it is an argument\"",
            _ => "\"multi\nline\"",
        };
        self.tok(s);
    }

    fn duration(&mut self) {
        let d = self
            .rng
            .choice(&["0s", "5s", "250ms", "1m30s", "2h15m", "10us", "30m"]);
        self.tok(d.copied().unwrap_or("5s"));
    }

    fn expr(&mut self) {
        self.depth += 1;
        let deep = self.depth > 4;
        match self.rng.u8(0..12) {
            0 if !deep => {
                self.tok("[");
                let n = self.rng.usize(0..4);
                for i in 0..n {
                    self.expr();
                    if i + 1 < n || self.rng.bool() {
                        self.tok(",");
                    }
                }
                self.tok("]");
            }
            1 if !deep => {
                self.tok("{");
                let n = self.rng.usize(0..3);
                for i in 0..n {
                    self.string();
                    self.tok(":");
                    self.expr();
                    if i + 1 < n || self.rng.bool() {
                        self.tok(",");
                    }
                }
                self.tok("}");
            }
            2 | 3 if !deep => self.call(),
            4 => self.string(),
            5 => {
                let q = self.rng.choice(QUANTITIES[..22].iter().copied());
                self.tok(q.unwrap_or("5s"));
            }
            6 => {
                let b = if self.rng.bool() { "true" } else { "false" };
                self.tok(b);
            }
            7 => {
                let p = self.rng.choice(["p50", "p95", "p99.9", "p100"]);
                self.tok(p.unwrap_or("p50"));
            }
            8 => {
                self.ident();
                if self.rng.u8(0..4) == 0 {
                    self.out.push('.');
                    let name = self.rng.choice(IDENTS).copied().unwrap_or("a");
                    self.out.push_str(name);
                }
            }
            _ => self.duration(),
        }
        self.depth -= 1;
    }

    fn call(&mut self) {
        self.ident();
        self.tok("(");
        let n = self.rng.usize(0..4);
        for i in 0..n {
            if self.rng.bool() {
                self.ident();
                self.tok(":");
            }
            self.expr();
            if i + 1 < n || self.rng.u8(0..4) == 0 {
                self.tok(",");
            }
        }
        self.tok(")");
    }

    fn assertion(&mut self, abort: bool) {
        if !abort && self.rng.u8(0..4) == 0 {
            self.tok("warn");
        }
        self.ident();
        if self.rng.bool() {
            self.tok("(");
            self.ident();
            if self.rng.bool() {
                self.tok(",");
                self.tok("p95");
            }
            self.tok(")");
        }
        let op = self.rng.choice(["<", "<=", ">", ">=", "==", "!="]);
        self.tok(op.unwrap_or("<="));
        self.expr();
        if !abort && self.rng.u8(0..4) == 0 {
            self.tok("during");
            let window = self.rng.choice(["baseline", "chaos", "recovery", "run"]);
            self.tok(window.unwrap_or("run"));
        }
    }

    fn block(&mut self, keyword: &str, entries: impl Fn(&mut Self)) {
        self.tok(keyword);
        self.tok("{");
        for _ in 0..self.rng.usize(0..4) {
            entries(self);
        }
        self.tok("}");
    }

    fn list_of(&mut self, keyword: &str, item: impl Fn(&mut Self)) {
        self.tok(keyword);
        self.tok("[");
        let n = self.rng.usize(0..4);
        for i in 0..n {
            item(self);
            if i + 1 < n || self.rng.u8(0..3) == 0 {
                self.tok(",");
            }
        }
        self.tok("]");
    }

    fn abort(&mut self) {
        self.tok("abort");
        self.tok("when");
        self.assertion(true);
        if self.rng.bool() {
            self.tok("over");
            self.duration();
        }
    }

    fn safety(&mut self) {
        self.block("safety", |g| match g.rng.u8(0..5) {
            0 => {
                g.tok("max_duration");
                g.duration();
            }
            1 => {
                g.tok("cooldown");
                g.duration();
            }
            2 => g.list_of("confirm", Gen::ident),
            3 => g.abort(),
            _ => g.list_of("allow_targets", Gen::string),
        });
    }

    fn decl(&mut self) {
        let kw = self.rng.choice(["target", "probe", "fault", "service"]);
        self.tok(kw.unwrap_or("target"));
        self.ident();
        self.tok("=");
        self.call();
    }

    fn step(&mut self) {
        if self.rng.bool() {
            self.tok("at");
            self.duration();
        } else {
            self.tok("then");
            if self.rng.bool() {
                self.tok("after");
                self.duration();
            }
        }
        if self.rng.bool() {
            self.call();
        } else {
            self.ident();
        }
        if self.rng.bool() {
            self.tok("for");
            self.duration();
        }
        if self.rng.u8(0..3) == 0 {
            self.tok("as");
            self.ident();
        }
    }

    fn body(&mut self) {
        self.tok("{");
        for _ in 0..self.rng.usize(0..7) {
            match self.rng.u8(0..13) {
                0 => {
                    self.tok("description");
                    self.string();
                }
                1 => self.list_of("tags", Gen::ident),
                2 => {
                    self.tok("baseline");
                    self.duration();
                }
                3 => self.block("steady_state", |g| g.assertion(false)),
                4 | 5 => self.block("timeline", Gen::step),
                6 => {
                    self.tok("recover");
                    self.tok("within");
                    self.duration();
                    if self.rng.bool() {
                        self.tok("checks");
                        self.tok("3");
                    }
                }
                7 => self.block("slo", |g| g.assertion(false)),
                8 => self.abort(),
                9 => self.safety(),
                10 => {
                    self.tok("const");
                    self.ident();
                    self.tok("=");
                    self.expr();
                }
                _ => self.decl(),
            }
        }
        self.tok("}");
    }

    fn template_params(&mut self) {
        self.tok("(");
        let n = self.rng.usize(0..4);
        for i in 0..n {
            self.ident();
            self.tok(":");
            self.ident();
            if self.rng.bool() {
                self.tok("=");
                self.expr();
            }
            if i + 1 < n || self.rng.u8(0..3) == 0 {
                self.tok(",");
            }
        }
        self.tok(")");
    }

    fn item(&mut self) {
        if self.rng.u8(0..4) == 0 {
            self.out.push_str("\n/// Documentation of the next item.\n");
        }
        match self.rng.u8(0..12) {
            0 => {
                self.tok("import");
                if self.rng.bool() {
                    self.tok("\"std/faults\"");
                } else {
                    self.tok("\"./common.chaos\"");
                    self.tok("as");
                    self.ident();
                }
            }
            1 => {
                self.tok("param");
                self.ident();
                self.tok(":");
                self.ident();
                if self.rng.bool() {
                    self.tok("=");
                    self.expr();
                }
            }
            2 => {
                self.tok("const");
                self.ident();
                self.tok("=");
                self.expr();
            }
            3 | 4 => self.decl(),
            5 => {
                self.tok("template");
                self.ident();
                self.template_params();
                if self.rng.bool() {
                    self.body();
                } else {
                    self.tok("=");
                    self.call();
                    if self.rng.bool() {
                        self.body();
                    }
                }
            }
            6 | 7 => {
                self.tok("scenario");
                self.string();
                if self.rng.u8(0..3) > 0 {
                    self.body();
                } else {
                    self.tok("=");
                    self.call();
                    if self.rng.bool() {
                        self.body();
                    }
                }
            }
            8 => {
                self.tok("suite");
                self.ident();
                self.tok("{");
                for _ in 0..self.rng.usize(0..4) {
                    match self.rng.u8(0..3) {
                        0 => {
                            self.tok("description");
                            self.string();
                        }
                        1 => self.list_of("scenarios", Gen::string),
                        _ => {
                            self.tok("cooldown");
                            self.duration();
                        }
                    }
                }
                self.tok("}");
            }
            9 => {
                self.tok("environment");
                self.ident();
                self.tok("{");
                for _ in 0..self.rng.usize(0..4) {
                    match self.rng.u8(0..4) {
                        0 => self.block("slo", |g| g.assertion(false)),
                        1 => self.list_of("allow", Gen::string),
                        2 => self.list_of("confirm", Gen::ident),
                        _ => self.block("set", |g| {
                            g.ident();
                            g.tok(":");
                            g.expr();
                            if g.rng.bool() {
                                g.tok(",");
                            }
                        }),
                    }
                }
                self.tok("}");
            }
            10 => self.block("slo", |g| g.assertion(false)),
            _ => self.safety(),
        }
    }
}

fn program(rng: &mut fastrand::Rng) -> String {
    let mut g = Gen {
        rng,
        out: String::new(),
        depth: 0,
    };
    for _ in 0..g.rng.usize(1..8) {
        g.item();
    }
    if g.rng.u8(0..3) == 0 {
        g.out.push_str("\n// trailing comment");
    }
    g.out
}

#[test]
fn generated_programs() {
    let (mut rng, seed) = rng_for(3);
    let mut h = harness("generated_programs", seed);
    let mut parsed_cleanly = 0;
    let n = iters() * 2;
    for _ in 0..n {
        let input = program(&mut rng);
        let parsed = chaosc::syntax::parse(&input, chaosc::diag::SourceId(0));
        if parsed.file.is_some() && parsed.diagnostics.iter().all(|d| !d.is_error()) {
            parsed_cleanly += 1;
        }
        h.run(input);
    }
    // The generator is only useful if most of what it writes is valid: then the
    // formatter's properties are checked, not just its refusal of broken input.
    assert!(
        parsed_cleanly * 10 >= n * 7,
        "only {parsed_cleanly} of {n} generated programs parsed without errors"
    );
}

// ───────────────────────── (b) mutations of real programs ─────────────────────────

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/fixtures"),
        root.join("stdlib"),
        root.join("scenarios"),
        root.join("tests/fmt"),
        root.join("tests/ui"),
    ] {
        files.extend(fixtures::chaos_files(&dir));
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            (!text.trim().is_empty()).then_some((path, text))
        })
        .collect()
}

/// Splits text into pieces that concatenate back to it: runs of blanks, runs of
/// word characters, and single other characters.
fn pieces(text: &str) -> Vec<&str> {
    fn class(c: char) -> u8 {
        if c.is_whitespace() {
            0
        } else if c.is_alphanumeric() || c == '_' {
            1
        } else {
            2
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut last = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if i > start && (k == 2 || last != Some(k)) {
            out.push(&text[start..i]);
            start = i;
        }
        last = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A random character boundary of `s` (0 and `s.len()` included).
fn mutate(rng: &mut fastrand::Rng, text: &str) -> String {
    let parts = pieces(text);
    if parts.is_empty() {
        return token(rng).to_string();
    }
    let i = rng.usize(0..parts.len());
    let j = rng.usize(0..parts.len());
    let join = |parts: &[&str]| parts.concat();
    match rng.u8(0..12) {
        0 => {
            let mut p = parts.clone();
            p.remove(i);
            join(&p)
        }
        1 => {
            let mut p = parts.clone();
            p.insert(i, parts[i]);
            join(&p)
        }
        2 => {
            let mut p = parts.clone();
            p.swap(i, j);
            join(&p)
        }
        3 => {
            let mut p = parts.clone();
            p.insert(i, token(rng));
            join(&p)
        }
        4 => {
            let mut p = parts.clone();
            p[i] = token(rng);
            join(&p)
        }
        5 => {
            // Delete a run of characters.
            let a = boundary(rng, text);
            let b = floor_boundary(text, (a + rng.usize(1..40)).min(text.len()));
            format!("{}{}", &text[..a], &text[b..])
        }
        6 => {
            let a = boundary(rng, text);
            format!("{}{}{}", &text[..a], random_char(rng), &text[a..])
        }
        7 => {
            // Truncate anywhere; inside a multi-byte character either stop before it
            // or keep its first bytes, which lossy decoding turns into U+FFFD.
            let cut = rng.usize(0..=text.len());
            if rng.bool() {
                text[..floor_boundary(text, cut)].to_string()
            } else {
                String::from_utf8_lossy(&text.as_bytes()[..cut]).into_owned()
            }
        }
        8 => {
            // Truncate just inside a string, a comment or an interpolation.
            let marks: Vec<usize> = ["\"", "/*", "//", "${", "\\"]
                .iter()
                .flat_map(|m| text.match_indices(m).map(|(k, _)| k))
                .collect();
            match rng.choice(marks) {
                Some(k) => {
                    let cut = floor_boundary(text, (k + rng.usize(1..6)).min(text.len()));
                    text[..cut].to_string()
                }
                None => text[..boundary(rng, text)].to_string(),
            }
        }
        9 => {
            // Copy a slice elsewhere: duplicate definitions, misplaced entries.
            let a = boundary(rng, text);
            let b = floor_boundary(text, (a + rng.usize(1..400)).min(text.len()));
            let at = boundary(rng, text);
            format!("{}{}{}", &text[..at], &text[a..b], &text[at..])
        }
        10 => {
            // Non-ASCII text in a string or comment, then maybe a cut inside it.
            let mut p = parts.clone();
            p.insert(
                i,
                rng.choice(["\"é€𝄞\"", "/* 𝄞é */", "// ✓€\n", "é"])
                    .unwrap_or("é"),
            );
            let s = join(&p);
            if rng.bool() {
                let bytes = s.as_bytes();
                let cut = rng.usize(0..=bytes.len());
                String::from_utf8_lossy(&bytes[..cut]).into_owned()
            } else {
                s
            }
        }
        _ => {
            // Wrap a slice in brackets or a comment.
            let a = boundary(rng, text);
            let b = floor_boundary(text, (a + rng.usize(0..200)).min(text.len()));
            let (open, close) = rng
                .choice([
                    ("(", ")"),
                    ("[", "]"),
                    ("{", "}"),
                    ("/* ", " */"),
                    ("\"", "\""),
                ])
                .unwrap_or(("(", ")"));
            format!("{}{open}{}{close}{}", &text[..a], &text[a..b], &text[b..])
        }
    }
}

#[test]
fn mutated_programs() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 3,
        "the corpus should hold at least the contract's examples, found {corpus:?}"
    );
    let (mut rng, seed) = rng_for(4);
    let mut h = harness("mutated_programs", seed);
    // Every program unchanged first: they must pass too.
    for (_, text) in &corpus {
        h.run(text.clone());
    }
    for _ in 0..iters() {
        let (_, text) = &corpus[rng.usize(0..corpus.len())];
        let mut input = text.clone();
        for _ in 0..rng.usize(1..5) {
            input = mutate(&mut rng, &input);
        }
        h.run(input);
    }
}

// ───────────────────────── (c) deep nesting and size ─────────────────────────

fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

#[test]
fn deep_nesting() {
    let (mut rng, seed) = rng_for(5);
    let mut h = harness("deep_nesting", seed);
    let limit = chaosc::syntax::comments::MAX_NESTING;
    for depth in [1, limit - 1, limit, limit + 1, 1_000, 5_000] {
        for (open, close) in [
            ("[", "]"),
            ("(", ")"),
            ("{", "}"),
            ("/*", "*/"),
            ("f(", ")"),
        ] {
            // Bare, balanced, unbalanced, and in a place where the grammar accepts them.
            h.run(open.repeat(depth));
            h.run(close.repeat(depth));
            h.run(nested(open, "1", close, depth));
            h.run(nested(open, "", close, depth)[..(open.len() * depth + depth / 2)].to_string());
            h.run(format!("const x = {}", nested(open, "1", close, depth)));
            h.run(format!(
                "scenario \"s\" {{ timeline {{ at 0s f(x: {}) for 1s }} }}",
                nested(open, "1", close, depth)
            ));
            h.run(format!("param p: int = {}", open.repeat(depth)));
        }
        h.run(format!(
            "const x = {}",
            nested("[", "{\"k\": (1)}", "]", depth)
        ));
        h.run(format!(
            "const x = {}",
            nested("[{\"k\": ", "1", "}]", depth)
        ));
        h.run(format!(
            "/* {} */ const x = 1",
            nested("/*", " ", "*/", depth)
        ));
        h.run(format!("const x = \"{}\"", "[".repeat(depth)));
        // `/*/*/` once hid everything after it from the nesting check (see `fuzz/README.md`).
        h.run(format!("/*/*/ const x = {}", nested("[", "1", "]", depth)));
        h.run(format!("/*/*/ const x = {}", "[".repeat(depth)));
        h.run(format!("// {}\nconst x = 1", "(".repeat(depth)));
    }
    // Random mixes of openers, closers, strings and comments.
    for _ in 0..iters() / 3 {
        let mut s = String::new();
        for _ in 0..rng.usize(0..2_000) {
            s.push_str(
                rng.choice([
                    "[", "(", "{", "/*", "]", ")", "}", "*/", "\"", "1", ",", "f", " ",
                ])
                .unwrap_or("["),
            );
        }
        h.run(s);
    }
}

/// 100 000 `[` on a thread with the default 2 MiB stack: refused, not a stack overflow.
#[test]
fn hundred_thousand_brackets() {
    let mut h = harness("hundred_thousand_brackets", seed());
    h.run("[".repeat(100_000));
    h.run(format!("const x = {}", "[".repeat(100_000)));
    h.run(format!(
        "const x = {}1{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    ));
    h.run("/*".repeat(100_000));
    h.run("(".repeat(100_000));
    h.run("{".repeat(100_000));
    // And the parser says why.
    let parsed = chaosc::syntax::parse(&"[".repeat(100_000), chaosc::diag::SourceId(0));
    assert!(parsed.file.is_none());
    assert!(
        parsed.diagnostics.iter().any(|d| d.is_error()),
        "100 000 `[` must be an error"
    );
}

/// Large inputs finish in time too (no quadratic blow-up on pathological shapes).
#[test]
fn large_pathological_inputs() {
    let mut h = harness("large_pathological_inputs", seed());
    let n = 20_000;
    h.run(format!("const x = \"{}", "a".repeat(n)));
    h.run(format!("/* {}", "x".repeat(n)));
    h.run(format!("/* {} */", "/* */ ".repeat(n / 6)));
    h.run("// comment\n".repeat(n / 11));
    h.run("/// doc\n".repeat(n / 8));
    h.run(format!("const x = [{}]", "1, ".repeat(n / 3)));
    h.run(format!("const x = [{}", "1, ".repeat(n / 3)));
    h.run(format!("const x = f({})", "a: 1, ".repeat(n / 6)));
    h.run("const x = 1\n".repeat(n / 12));
    h.run("scenario \"s\" { }\n".repeat(n / 17));
    h.run(format!(
        "scenario \"s\" {{ timeline {{ {} }} }}",
        "at 0s cpu_stress() for 1s\n".repeat(n / 26)
    ));
    h.run(format!("const x = {}", "9".repeat(n)));
    h.run(format!("const x = {}s", "9".repeat(n)));
    h.run(format!("const x = \"{}\"", "${a}".repeat(n / 4)));
    h.run(format!("const x = \"{}\"", "\\u{".repeat(n / 3)));
    h.run(format!("const x = 1{}", "s".repeat(n)));
    h.run(format!("const x = 1{}", "1m".repeat(n / 2)));
    h.run(format!("const x = p{}", "9".repeat(n)));
    h.run(" ".repeat(n));
    h.run("é".repeat(n / 2));
}

// ───────────────────────── keywords ─────────────────────────

/// Reserved words are refused after parsing (`src/syntax/build.rs`), not by the grammar;
/// this pins down that exactly the words of the language are reserved, as whole words only.
#[test]
fn keywords_are_reserved_as_whole_words_only() {
    let parses = |text: &str| {
        let parsed = chaosc::syntax::parse(text, chaosc::diag::SourceId(0));
        parsed.file.is_some() && !parsed.diagnostics.iter().any(|d| d.is_error())
    };
    let reserved = keywords::reserved();
    for &word in &reserved {
        assert!(
            !parses(&format!("const {word} = 1")),
            "`{word}` is reserved"
        );
        for name in [
            format!("{word}_"),
            format!("{word}x"),
            format!("{word}1"),
            format!("_{word}"),
        ] {
            assert!(parses(&format!("const {name} = 1")), "`{name}` is a name");
        }
        // Every proper prefix is a name too (`scenari`, `a`, `wit` …).
        for end in 1..word.len() {
            let prefix = &word[..end];
            if !reserved.contains(&prefix) {
                assert!(
                    parses(&format!("const {prefix} = 1")),
                    "`{prefix}` is a name"
                );
            }
        }
    }
    // Contextual words are names everywhere else.
    for word in [
        "checks",
        "set",
        "allow_targets",
        "format",
        "fort",
        "scenariox",
        "at_",
    ] {
        assert!(parses(&format!("const {word} = 1")), "`{word}` is a name");
    }
}

// ───────────────────────── regressions ─────────────────────────

/// Inputs that once broke a property, found by this test or by `fuzz/`.
#[test]
fn regressions() {
    let mut h = harness("regressions", seed());
    for input in [
        // cargo fuzz: pest took an unterminated inner `/*` back as text, so the grammar saw
        // one whole comment where `comments::scan` saw one running to the end of the file;
        // the formatter then printed that comment and the code after it (not idempotent,
        // and a panic in `fmt::print` when code followed).
        "/*/*/",
        "/*/*/\n",
        "/*/*/ const x = [1]",
        "const x = 1 /* a /* b */",
        // Quadratic: every `\u{` scanned to the end of the string.
        "const x = \"\\u{\\u{\\u{\\u{\"",
    ] {
        h.run(input.to_string());
    }
    // Both sides agree that an unterminated inner comment leaves the outer one open.
    for text in ["/*/*/", "/* /* */", "/*/*/ const x = 1"] {
        let parsed = chaosc::syntax::parse(text, chaosc::diag::SourceId(0));
        assert!(parsed.file.is_none(), "{text:?} is an unterminated comment");
    }
}
