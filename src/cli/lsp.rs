//! `chaosc lsp`: the language server, for editors.

use super::files::FsLoader;
use super::{Globals, EXIT_OK, EXIT_USAGE};
use clap::Args;

pub const EXAMPLES: &str = "\
Examples:
  chaosc lsp                    serve one editor on stdin/stdout (the editor starts it)

The editor starts `chaosc lsp` itself; editors/README.md says how for VS Code, Neovim,
Helix and Emacs.";

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Talk over stdin/stdout (the only transport, and the default; accepted because
    /// some clients pass it)
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: &LspArgs, globals: &Globals) -> i32 {
    match serve_stdio() {
        Ok(()) => EXIT_OK,
        Err(error) => {
            super::error_line(globals, &format!("the language server stopped: {error}"));
            EXIT_USAGE
        }
    }
}

/// Serves one editor on stdin/stdout until it says `exit`.
fn serve_stdio() -> Result<(), crate::lsp::Error> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    crate::lsp::serve(&connection, Box::new(FsLoader))?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}
