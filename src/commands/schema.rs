//! `archcheck schema`: the JSON Schema of the model format.

pub(crate) fn run() -> anyhow::Result<u8> {
    super::write_output(None, crate::model::schema::schema_json().as_bytes())?;
    Ok(0)
}
