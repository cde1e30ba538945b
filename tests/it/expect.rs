//! Integration tests: expect.
