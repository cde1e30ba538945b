//! A simulated Cloud Controller (v3 API and UAA token endpoint) built from a model.
