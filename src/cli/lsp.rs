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
            let closed = error
                .downcast_ref::<lsp_server::ProtocolError>()
                .is_some_and(|e| e.channel_is_disconnected());
            let why = if closed {
                "its input ended before the editor said `exit`".to_string()
            } else {
                error.to_string()
            };
            super::error_line(globals, &format!("the language server stopped: {why}"));
            EXIT_USAGE
        }
    }
}

/// Serves one editor on stdin/stdout until it says `exit`.
fn serve_stdio() -> Result<(), crate::lsp::Error> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::serve(&connection, Box::new(FsLoader));
    drop(connection);
    // When the input was not the protocol, the reader thread knows why: say that rather
    // than that the channel closed.
    io_threads.join()?;
    served
}
