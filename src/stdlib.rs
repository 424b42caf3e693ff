//! The standard library: `stdlib/*.chaos`, embedded in the binary, imported as `std/NAME`.

/// Every module: (name as imported after `std/`, source text).
pub const MODULES: &[(&str, &str)] = &[
    ("environments", include_str!("../stdlib/environments.chaos")),
    ("faults", include_str!("../stdlib/faults.chaos")),
    ("slo", include_str!("../stdlib/slo.chaos")),
    ("templates", include_str!("../stdlib/templates.chaos")),
];

/// The source of `std/NAME`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
