//! A number of bytes, printed one way everywhere: the plan's view (`memory_stress
//! 256 MiB`), the injectors' evidence and refusals (`wrote 1.5 GiB`), the reports.

use std::fmt;

/// A number of bytes. Its `Display` is the one text of a size:
///
/// - a round size in the largest binary unit that fits, with up to two decimals when
///   that is exact: `256 MiB`, `1.5 GiB`, `1.25 GiB`;
/// - otherwise a whole number of a smaller unit, binary or decimal, as long as it stays
///   short (under 10 000): `2000 MiB`, `500 MB`, `1000 KiB`;
/// - otherwise bytes under 10 000: `100 B`, `1500 B`;
/// - otherwise an approximation with one decimal in the largest binary unit that fits:
///   `256.0 MiB` (a measured 256 MiB and 4 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

const BINARY: [(&str, u64); 4] = [
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
];

const DECIMAL: [(&str, u64); 4] = [
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
];

/// A whole number of a smaller unit stays under this.
const SHORT: u64 = 10_000;

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        let largest = BINARY.iter().find(|(_, size)| n >= *size);
        if let Some(&(unit, size)) = largest {
            // Exact with at most two decimals (u128: no overflow near u64::MAX).
            if (u128::from(n) * 100) % u128::from(size) == 0 {
                let hundredths = u128::from(n) * 100 / u128::from(size);
                let (whole, fraction) = (hundredths / 100, hundredths % 100);
                return match fraction {
                    0 => write!(f, "{whole} {unit}"),
                    f10 if f10 % 10 == 0 => write!(f, "{whole}.{} {unit}", f10 / 10),
                    _ => write!(f, "{whole}.{fraction:02} {unit}"),
                };
            }
        }
        for &(unit, size) in BINARY.iter().chain(DECIMAL.iter()) {
            if n >= size && n % size == 0 && n / size < SHORT {
                return write!(f, "{} {unit}", n / size);
            }
        }
        match largest {
            Some(&(unit, size)) if n >= SHORT => {
                write!(f, "{:.1} {unit}", n as f64 / size as f64)
            }
            _ => write!(f, "{n} B"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;

    fn text(n: u64) -> String {
        Bytes(n).to_string()
    }

    #[test]
    fn round_sizes_read_as_written() {
        assert_eq!(text(0), "0 B");
        assert_eq!(text(100), "100 B");
        assert_eq!(text(1 << 10), "1 KiB");
        assert_eq!(text(256 << 20), "256 MiB");
        assert_eq!(text(1 << 30), "1 GiB");
        assert_eq!(text(3 << 29), "1.5 GiB");
        assert_eq!(text(1280 << 20), "1.25 GiB");
        assert_eq!(text(2000 << 20), "2000 MiB");
        assert_eq!(text(500_000_000), "500 MB");
        assert_eq!(text(5_000), "5 KB");
        assert_eq!(text(1_000 << 10), "1000 KiB");
        assert_eq!(text(2 << 40), "2 TiB");
    }

    #[test]
    fn other_sizes_are_approximated_with_one_decimal() {
        assert_eq!(text(1_500), "1500 B");
        assert_eq!(text(9_999), "9999 B");
        assert_eq!(text(1_572_865), "1.5 MiB");
        // A measured resident size: page-aligned, not round.
        assert_eq!(text((256 << 20) + 4096), "256.0 MiB");
        assert_eq!(text(u64::MAX), "16777216.0 TiB");
    }
}
