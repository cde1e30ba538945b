//! Integration tests: docs.
