//! CF application manifests: written from the model, and existing ones checked against it.
