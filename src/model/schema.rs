//! The JSON Schema of the model format, printed by `archcheck schema` and committed as
//! `schema/model-v1.schema.json` (kept fresh by the tests).

/// The schema as pretty JSON with a trailing newline; deterministic.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(super::spec::ModelSpec);
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    s.push('\n');
    s
}
