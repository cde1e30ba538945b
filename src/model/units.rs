//! Memory and disk sizes with Cloud Foundry's units: `512M`, `1G`, `1024MB`, `2GB`, `1T`.

/// Parses a CF size into megabytes. Units (case-insensitive): M, MB, G, GB, T, TB.
/// Returns `None` for anything `cf push` would refuse.
pub(crate) fn parse_megabytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits_end == 0 {
        return None;
    }
    let number: u64 = t[..digits_end].parse().ok()?;
    let factor = match t[digits_end..].trim().to_ascii_uppercase().as_str() {
        "M" | "MB" => 1,
        "G" | "GB" => 1024,
        "T" | "TB" => 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// What a valid size looks like, for error messages.
pub(crate) const SIZE_HELP: &str =
    "a whole number with a unit M, MB, G, GB, T or TB, e.g. \"512M\" or \"1G\"";

/// Formats megabytes the way the cf CLI prints them (`512M`, `1G`).
pub(crate) fn format_megabytes(mb: u64) -> String {
    if mb >= 1024 && mb.is_multiple_of(1024) {
        format!("{}G", mb / 1024)
    } else {
        format!("{mb}M")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_agree() {
        assert_eq!(parse_megabytes("1G"), Some(1024));
        assert_eq!(parse_megabytes("1024M"), Some(1024));
        assert_eq!(parse_megabytes("1024MB"), Some(1024));
        assert_eq!(parse_megabytes("640m"), Some(640));
        assert_eq!(parse_megabytes("1T"), Some(1024 * 1024));
        assert_eq!(parse_megabytes("1.5G"), None);
        assert_eq!(parse_megabytes("G"), None);
        assert_eq!(parse_megabytes("12"), None);
        assert_eq!(parse_megabytes("99999999999999999999G"), None);
        assert_eq!(format_megabytes(1024), "1G");
        assert_eq!(format_megabytes(640), "640M");
    }
}
