//! The loader of the benchmarks: their generated programs import nothing but `std/…`.

use chaosc::check::Loader;
use std::path::Path;

/// Imports of anything but `std/…` are missing.
pub struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{}`: no files in the benchmark", path.display()),
        ))
    }
}
