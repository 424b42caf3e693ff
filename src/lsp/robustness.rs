//! Every feature at many offsets of half-written and mangled files: no panic (without
//! the server's `catch_unwind`, which would hide one).

use super::documents::Documents;
use super::{completion, edits, hover, navigate};
use lsp_types::{Position, Range, Url};
use std::path::{Path, PathBuf};

struct Disk;

impl crate::check::Loader for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

fn chaos_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "chaos"))
        .collect();
    out.sort();
    out
}

/// Runs every request at every `step`-th offset of `text`.
fn exercise(documents: &mut Documents, uri: &Url, text: &str, step: usize) {
    documents.set(uri.clone(), 1, text.to_string());
    let document = documents.get(uri).unwrap();
    navigate::symbols(document);
    edits::format(document);
    let whole = Range::new(Position::new(0, 0), Position::new(u32::MAX, 0));
    edits::actions(document, whole);
    for offset in (0..=text.len()).step_by(step) {
        hover::hover(document, offset);
        completion::complete(document, offset);
        navigate::definition(document, offset);
        navigate::references(documents, document, offset, true);
    }
}

#[test]
fn no_feature_panics_on_partial_or_mangled_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = chaos_files(&root.join("tests/fixtures/examples"));
    files.extend(chaos_files(&root.join("scenarios")));
    files.extend(chaos_files(&root.join("tests/ui")).into_iter().step_by(5));
    assert!(files.len() >= 20, "{files:?}");
    let mut rng = fastrand::Rng::with_seed(15);
    let mut documents = Documents::new(Box::new(Disk));
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let uri = Url::from_file_path(&path).unwrap();
        exercise(&mut documents, &uri, &text, 3);
        // Typed so far: every prefix ending at a few places.
        for _ in 0..6 {
            let mut end = rng.usize(0..=text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            exercise(&mut documents, &uri, &text[..end], 11);
        }
        // Mangled: bytes deleted or a bracket, quote or comment opener inserted.
        for _ in 0..6 {
            let mut mangled = text.clone();
            let mut at = rng.usize(0..=mangled.len());
            while !mangled.is_char_boundary(at) {
                at -= 1;
            }
            let piece = ["{", "}", "(", "\"", "/*", "${", "1m30", "p99.", "é𝄞"][rng.usize(0..9)];
            mangled.insert_str(at, piece);
            exercise(&mut documents, &uri, &mangled, 13);
        }
        documents.close(&uri);
    }
}
