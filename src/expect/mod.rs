//! What a healthy space prints for `cf services` and `cf apps`, in each cf CLI version's
//! exact layout, generated from the model.

use crate::cli::{CfCommand, CliVersion};
use crate::model::Environment;

/// The full text the cf CLI prints for a healthy `env`, first line included.
pub fn expected_output(_env: &Environment, _command: CfCommand, _cli: CliVersion) -> String {
    "(expected output: not built yet)\n".to_owned()
}
