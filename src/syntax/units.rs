//! Units of quantities: what each means, and what people write by mistake.

use super::ast::Dimension;

/// A known unit: its dimension and the factor to the normalised base
/// (nanoseconds, percent, bytes, events per second, bytes per second).
pub struct Unit {
    pub text: &'static str,
    pub dimension: Dimension,
    pub factor: f64,
}

const fn unit(text: &'static str, dimension: Dimension, factor: f64) -> Unit {
    Unit {
        text,
        dimension,
        factor,
    }
}

use Dimension::*;

/// Every unit of the language.
pub const UNITS: &[Unit] = &[
    unit("ns", Duration, 1.0),
    unit("us", Duration, 1e3),
    unit("ms", Duration, 1e6),
    unit("s", Duration, 1e9),
    unit("m", Duration, 60e9),
    unit("h", Duration, 3600e9),
    unit("%", Percent, 1.0),
    unit("B", Size, 1.0),
    unit("KB", Size, 1e3),
    unit("MB", Size, 1e6),
    unit("GB", Size, 1e9),
    unit("TB", Size, 1e12),
    unit("KiB", Size, 1024.0),
    unit("MiB", Size, 1048576.0),
    unit("GiB", Size, 1073741824.0),
    unit("TiB", Size, 1099511627776.0),
    unit("/s", Rate, 1.0),
    unit("/m", Rate, 1.0 / 60.0),
    unit("bps", Bandwidth, 1.0 / 8.0),
    unit("Kbps", Bandwidth, 1e3 / 8.0),
    unit("Mbps", Bandwidth, 1e6 / 8.0),
    unit("Gbps", Bandwidth, 1e9 / 8.0),
    unit("B/s", Bandwidth, 1.0),
    unit("KB/s", Bandwidth, 1e3),
    unit("MB/s", Bandwidth, 1e6),
    unit("GB/s", Bandwidth, 1e9),
    unit("KiB/s", Bandwidth, 1024.0),
    unit("MiB/s", Bandwidth, 1048576.0),
    unit("GiB/s", Bandwidth, 1073741824.0),
];

/// Spellings from other tools (YAML configs, Go, Kubernetes) and what we write instead.
const ALIASES: &[(&str, &str)] = &[
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("S", "s"),
    ("min", "m"),
    ("mins", "m"),
    ("minute", "m"),
    ("minutes", "m"),
    ("hr", "h"),
    ("hrs", "h"),
    ("hour", "h"),
    ("hours", "h"),
    ("msec", "ms"),
    ("msecs", "ms"),
    ("millis", "ms"),
    ("µs", "us"),
    ("usec", "us"),
    ("nsec", "ns"),
    ("K", "KiB"),
    ("Ki", "KiB"),
    ("M", "MiB"),
    ("Mi", "MiB"),
    ("G", "GiB"),
    ("Gi", "GiB"),
    ("T", "TiB"),
    ("Ti", "TiB"),
    ("k", "KB"),
    ("kb", "KB"),
    ("kB", "KB"),
    ("mb", "MB"),
    ("gb", "GB"),
    ("b", "B"),
    ("kbps", "Kbps"),
    ("mbps", "Mbps"),
    ("gbps", "Gbps"),
    ("rps", "/s"),
    ("qps", "/s"),
    ("pct", "%"),
    ("percent", "%"),
];

pub fn lookup(text: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.text == text)
}

/// What the user probably meant by an unknown unit.
pub fn suggest(text: &str) -> Option<&'static str> {
    if let Some((_, to)) = ALIASES.iter().find(|(from, _)| *from == text) {
        return Some(to);
    }
    crate::diag::suggest::closest(text, UNITS.iter().map(|u| u.text))
}

/// The units of one dimension, for help texts.
pub fn units_of(dimension: Dimension) -> Vec<&'static str> {
    UNITS
        .iter()
        .filter(|u| u.dimension == dimension)
        .map(|u| u.text)
        .collect()
}
