//! List filters as the Cloud Controller reads them, and where to split them.
//!
//! A filter such as `space_guids=a,b,c` is one comma-separated list: the Cloud Controller
//! (`BaseMessage.to_array!`) splits it at each comma and the white space after it, then
//! URI-unescapes each value. So [`escape`] escapes `%`, `,` and leading white space of a value
//! (a space name may hold any of them), and the commas between values go into the URL as they
//! are (the client sends `,`, not `%2C`: a GUID then costs 37 bytes of URL, not 39).
//!
//! [`split`] cuts a list into as few filters as keep each URL within [`MAX_URL_BYTES`]:
//! servers in front of the Cloud Controller refuse longer request lines (nginx reads the
//! request line into buffers of 8 KiB by default and answers `414` past that), and 6 KiB
//! leaves room for the method, the protocol and a proxy's own rewriting. At that length one
//! request carries about 160 GUIDs.

/// The longest URL archcheck sends, in bytes.
pub const MAX_URL_BYTES: usize = 6 * 1024;

/// One value of a list filter, escaped so that the Cloud Controller reads it back as it is:
/// `%` as `%25`, `,` as `%2C`, and white space at its start percent-escaped (the split eats
/// white space after a comma).
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut leading = true;
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            ',' => out.push_str("%2C"),
            c if leading && c.is_ascii_whitespace() => out.push_str(&format!("%{:02X}", c as u8)),
            c => out.push(c),
        }
        leading &= c.is_ascii_whitespace();
    }
    out
}

/// The values joined into one filter, each [`escape`]d.
pub(crate) fn join(values: &[String]) -> String {
    values
        .iter()
        .map(|v| escape(v))
        .collect::<Vec<_>>()
        .join(",")
}

/// The bytes a value takes in a URL query once form-encoded (as `url` encodes it: letters,
/// digits and `*-._` as they are, a space as `+`, every other byte as `%XX`).
pub(crate) fn encoded_len(value: &str) -> usize {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_' | b' ') {
                1
            } else {
                3
            }
        })
        .sum()
}

/// The values in groups, in order, each group's filter at most `room` bytes in the URL (a
/// comma between values): as few groups as that allows. A value longer than `room` alone is
/// a group of its own (its URL is too long however it is sent). No values, no groups.
pub(crate) fn split(values: &[String], room: usize) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut used = 0;
    for v in values {
        let len = encoded_len(&escape(v));
        match groups.last_mut() {
            Some(g) if used + 1 + len <= room => {
                g.push(v.clone());
                used += 1 + len;
            }
            _ => {
                groups.push(vec![v.clone()]);
                used = len;
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_the_cloud_controller_unescapes_them() {
        assert_eq!(escape("dev"), "dev");
        assert_eq!(escape("a,b"), "a%2Cb");
        assert_eq!(escape("100%"), "100%25");
        assert_eq!(escape("  x y"), "%20%20x y");
        assert_eq!(
            join(&["a,b".into(), " c".into(), "d".into()]),
            "a%2Cb,%20c,d"
        );
        // What the simulator (as the Cloud Controller) reads back.
        let joined = join(&["a,b".into(), " c".into(), "50%".into()]);
        assert_eq!(crate::sim::query::split_list(&joined), ["a,b", " c", "50%"]);
    }

    #[test]
    fn lists_split_where_the_url_would_grow_too_long() {
        let guids: Vec<String> = (0..400)
            .map(|i| format!("{i:08}-0000-4000-8000-000000000000"))
            .collect();
        let groups = split(&guids, 1000);
        // 36 bytes a GUID, 37 with its comma: 27 fit in 1000.
        assert_eq!(groups[0].len(), 27);
        assert_eq!(groups.concat(), guids, "every value once, in order");
        for g in &groups {
            let len: usize = g.iter().map(|v| encoded_len(v)).sum::<usize>() + g.len() - 1;
            assert!(len <= 1000, "{len}");
        }
        assert!(split(&[], 1000).is_empty());
        assert_eq!(split(&["x".repeat(50)], 10).len(), 1);
        assert_eq!(encoded_len("a,b c%"), 1 + 3 + 1 + 1 + 1 + 3);
    }
}
