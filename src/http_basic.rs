//! HTTP Basic credentials (RFC 7617, `Authorization: Basic BASE64(id:secret)`) and the
//! standard base64 they are written in: read by the simulator's token endpoint and the watch's
//! web configuration, written by the API source's client authentication.

/// Standard base64's alphabet.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The id and secret of an `Authorization` header's value `Basic BASE64(id:secret)` (the
/// scheme in any case); `None` for any other value.
pub(crate) fn credentials(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(decode(rest.trim())?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Standard base64 with padding, as in an HTTP Basic header.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64, padding optional; `None` if not base64.
fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_basic_auth() {
        assert_eq!(encode(b"cf:"), "Y2Y6");
        assert_eq!(encode(b"monitor:s3cret"), "bW9uaXRvcjpzM2NyZXQ=");
        assert_eq!(encode(b"ab"), "YWI=");
    }

    #[test]
    fn base64_both_ways() {
        assert_eq!(decode("Y2Y6").unwrap(), b"cf:");
        assert_eq!(decode("dXNlcjpzZWNyZXQ=").unwrap(), b"user:secret");
        assert!(decode("not base64!").is_none());
    }
}
