//! Integration tests: cf_text.
