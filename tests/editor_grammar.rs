//! The VS Code extension's TextMate grammar on every `.chaos` file of the repository,
//! tokenized by vscode-textmate with vscode-oniguruma (what VS Code itself runs):
//! `editors/vscode/test/grammar.test.js`, run with `node`. Needs `node` and the
//! extension's `node_modules` (`npm ci` in `editors/vscode`); the component is
//! `node-editor` in `CHAOSC_TEST_REQUIRE`.

#[path = "support/components.rs"]
mod components;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `node` with `args` in the extension's folder, killed after a minute.
fn node(extension: &Path, args: &[&str]) -> (bool, String) {
    let mut child = Command::new("node")
        .args(args)
        .current_dir(extension)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("node {args:?} ran for more than two minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (status.success(), text)
}

fn ready(extension: &Path) -> bool {
    let installed = extension.join("node_modules/vscode-textmate").is_dir()
        && extension.join("node_modules/vscode-oniguruma").is_dir();
    components::available(
        "node-editor",
        components::on_path("node") && installed,
        "needs `node` on PATH and `npm ci` in editors/vscode",
    )
}

#[test]
fn the_textmate_grammar_scopes_every_repository_file() {
    let extension = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    if !ready(&extension) {
        return;
    }
    let (ok, output) = node(&extension, &["test/grammar.test.js"]);
    assert!(ok, "{output}");
    assert!(output.contains("files tokenized"), "{output}");
}

#[test]
fn the_extension_client_is_valid_javascript() {
    let extension = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    if !ready(&extension) {
        return;
    }
    let (ok, output) = node(&extension, &["--check", "src/extension.js"]);
    assert!(ok, "{output}");
    // The client library it requires is installed where VS Code will look for it.
    let (ok, output) = node(
        &extension,
        &["-e", "require.resolve('vscode-languageclient/node')"],
    );
    assert!(ok, "{output}");
}
