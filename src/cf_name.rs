//! How Cloud Foundry compares names: case-insensitively. The Cloud Controller stores the names
//! of organizations, spaces, apps and service instances in case-insensitive columns
//! (`case_insensitive: true` in `db/migrations/20130131184954_new_initial_schema.rb` and
//! `20141210194308_add_name_col_v3_apps.rb`: `citext` on PostgreSQL, a `_ci` collation on
//! MySQL), so `C2-Staging` and `c2-staging` are one app in a space, a second one is refused,
//! and the `names=` filter of every list matches either. archcheck compares these names the
//! same way everywhere (model against observed, capture against environment, API answers
//! against the space asked for), so a case difference is neither a false CRITICAL nor a missed
//! binding, and two model names that differ only in case are one CF name.

use std::borrow::Cow;

/// The form two CF names share when CF takes them as one (lower case).
pub(crate) fn key(name: &str) -> Cow<'_, str> {
    if name.chars().any(char::is_uppercase) {
        Cow::Owned(name.to_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Whether CF takes `a` and `b` as the same name.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a == b || key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_are_the_same_name() {
        assert!(same("C2-Staging-Worker", "c2-staging-worker"));
        assert!(same("Ünïcode-App", "ünïcode-app"));
        assert!(!same("c2-staging", "c2-staging-worker"));
        assert!(matches!(key("already-lower"), Cow::Borrowed(_)));
    }
}
