//! `{env}` and `{system}` templates in names and routes.

/// Why a template cannot expand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub message: String,
}

/// Checks a template without expanding it.
pub(crate) fn check(template: &str) -> Result<(), TemplateError> {
    expand(template, "env", "system").map(|_| ())
}

/// Expands `{env}` and `{system}`; any other brace is an error.
pub(crate) fn expand(template: &str, env: &str, system: &str) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find(['{', '}']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if tail.starts_with('}') {
            return Err(TemplateError {
                message: format!("`}}` without a matching `{{` in template `{template}`"),
            });
        }
        let Some(end) = tail.find('}') else {
            return Err(TemplateError {
                message: format!("`{{` without a closing `}}` in template `{template}`"),
            });
        };
        let placeholder = &tail[..=end];
        match placeholder {
            "{env}" => out.push_str(env),
            "{system}" => out.push_str(system),
            other => {
                return Err(TemplateError {
                    message: format!(
                        "unknown placeholder `{other}` in template `{template}`; the placeholders are {{env}} and {{system}}"
                    ),
                });
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_both_placeholders() {
        assert_eq!(
            expand("{system}-{env}-db", "staging", "c2").unwrap(),
            "c2-staging-db"
        );
        assert_eq!(expand("plain", "e", "s").unwrap(), "plain");
    }

    #[test]
    fn rejects_other_placeholders_and_stray_braces() {
        assert!(
            expand("c2-{environment}", "e", "s")
                .unwrap_err()
                .message
                .contains("{environment}")
        );
        assert!(expand("c2-{env", "e", "s").is_err());
        assert!(expand("c2-env}", "e", "s").is_err());
    }
}
