//! The few types the front end, the plan and the runtime share, below all three: the
//! front end (`syntax`, `check`) depends on neither the plan nor the runtime, so what
//! it has in common with them lives here. Nothing here depends on the rest of the crate.

pub mod bytes;
pub mod comparison;
pub mod release;
pub mod text;

pub use bytes::Bytes;
pub use text::Text;
