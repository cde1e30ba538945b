//! cf output in another language than English (`cf config --locale de-DE`, or v6 up to 6.33
//! following `LC_ALL`/`LANG`): recognised by its first line, from the cf CLI's own translations
//! (`cf/i18n/resources/*.all.json` of v6.14 to v6.32, and the `cli-i18n` repository that later
//! versions build with), so that it is refused saying what it is, never misread.
//!
//! Only the first lines of `cf services`, `cf apps` and `cf env APP` and the table header's
//! first word are known here; nothing else of a localized capture is read.

use super::Target;
use super::header::Command;

/// One translation of a first line: `{A}` app, `{O}` org, `{S}` space, `{U}` user.
struct FirstLine {
    language: &'static str,
    command: Command,
    template: &'static str,
}

const fn line(language: &'static str, command: Command, template: &'static str) -> FirstLine {
    FirstLine {
        language,
        command,
        template,
    }
}

use Command::{Apps, Env, ServicesV6V7 as Services};

/// Every translation of the three first lines in the cf CLI's resources, by language.
const FIRST_LINES: &[FirstLine] = &[
    // German (v6.20 on).
    line(
        "German",
        Services,
        "Abrufen von Services in Organisation {O} / Bereich {S} als {U}...",
    ),
    line(
        "German",
        Apps,
        "Abrufen von Apps in Organisation {O} / Bereich {S} als {U}...",
    ),
    line(
        "German",
        Env,
        "Abrufen von Umgebungsvariablen für App {A} in Organisation {O} / Bereich {S} als {U}...",
    ),
    // French: v6.14, v6.20-6.32, then cli-i18n (no spaces around `/`).
    line(
        "French",
        Services,
        "Rapporter des services dans l'org {O} / espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Apps,
        "Récupération des applications dans l'org {O} / espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Env,
        "Récupération des variables d'environnement pour l'application {A} de l'org {O} / espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Services,
        "Obtention des services dans l'organisation {O} / l'espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Apps,
        "Obtention des applications dans l'organisation {O} / l'espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Env,
        "Obtention des variables d'environnement pour l'application {A} dans l'organisation {O} / l'espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Services,
        "Obtention des services dans l'organisation {O}/l'espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Apps,
        "Obtention des applications dans l'organisation {O}/l'espace {S} en tant que {U}...",
    ),
    line(
        "French",
        Env,
        "Obtention des variables d'environnement pour l'application {A} dans l'organisation {O}/l'espace {S} en tant que {U}...",
    ),
    // Spanish.
    line(
        "Spanish",
        Services,
        "Getting services in org {O} / space {S} como {U}...",
    ),
    line(
        "Spanish",
        Apps,
        "Obteniendo apps en org {O} / space {S} como {U}...",
    ),
    line(
        "Spanish",
        Env,
        "Obteniendo variables de env para app {A} en org {O} / space {S} como {U}...",
    ),
    line(
        "Spanish",
        Services,
        "Obteniendo servicios en la organización {O} / espacio {S} como {U}...",
    ),
    line(
        "Spanish",
        Apps,
        "Obteniendo apps en la organización {O} / espacio {S} como {U}...",
    ),
    line(
        "Spanish",
        Env,
        "Obteniendo variables de entorno para la aplicación {A} en la organización {O} / espacio {S} como {U}...",
    ),
    line(
        "Spanish",
        Env,
        "Obteniendo variables de entorno para la app {A} en la organización {O} / espacio {S} como {U}...",
    ),
    // Italian.
    line(
        "Italian",
        Services,
        "Richiamo dei servizi nell'organizzazione {O} / spazio {S} come {U} in corso...",
    ),
    line(
        "Italian",
        Apps,
        "Richiamo delle applicazioni nell'organizzazione {O} / spazio {S} come {U} in corso...",
    ),
    line(
        "Italian",
        Env,
        "Richiamo delle variabili di ambiente per l'applicazione {A} nell'organizzazione {O} / spazio {S} come {U} in corso...",
    ),
    // Portuguese (Brazil).
    line(
        "Portuguese",
        Services,
        "Obtendo serviços na org {O} / espaço {S} como {U}...",
    ),
    line(
        "Portuguese",
        Apps,
        "Obtendo apps na org {O} / espaço {S} como {U}...",
    ),
    line(
        "Portuguese",
        Env,
        "Obtendo variáveis de ambiente da app {A} na org {O} / espaço {S} como {U}...",
    ),
    line(
        "Portuguese",
        Services,
        "Obtendo serviços na organização {O} / espaço {S} como {U}...",
    ),
    line(
        "Portuguese",
        Apps,
        "Obtendo apps na organização {O} / espaço {S} como {U}...",
    ),
    line(
        "Portuguese",
        Env,
        "Obtendo variáveis de ambiente para o app {A} na organização {O} / espaço {S} como {U}...",
    ),
    // Japanese.
    line(
        "Japanese",
        Services,
        "{U} として組織 {O} / スペース {S} 内のサービスを取得しています...",
    ),
    line(
        "Japanese",
        Apps,
        "{U} として組織 {O} / スペース {S} 内のアプリを取得しています...",
    ),
    line(
        "Japanese",
        Env,
        "{U} として組織 {O} / スペース {S} 内のアプリ {A} の環境変数を取得しています...",
    ),
    // Korean.
    line(
        "Korean",
        Services,
        "{U}(으)로 {O} 조직/{S} 영역의 서비스를 가져오는 중...",
    ),
    line(
        "Korean",
        Apps,
        "{U}(으)로 {O} 조직/{S} 영역의 앱 가져오는 중...",
    ),
    line(
        "Korean",
        Env,
        "{U}(으)로 {O} 조직/{S} 영역의 {A} 앱에 사용할 환경 변수를 가져오는 중...",
    ),
    // Chinese (simplified, traditional).
    line(
        "Chinese",
        Services,
        "正在以 {U} 身份获取组织 {O}/空间 {S} 中的服务...",
    ),
    line(
        "Chinese",
        Apps,
        "正在以 {U} 身份获取组织 {O}/空间 {S} 中的应用程序...",
    ),
    line(
        "Chinese",
        Env,
        "正在以 {U} 身份获取组织 {O}/空间 {S} 中应用程序 {A} 的环境变量...",
    ),
    line(
        "Chinese",
        Services,
        "正在以 {U} 身分取得組織 {O}/空間 {S} 中的服務...",
    ),
    line(
        "Chinese",
        Services,
        "正在以 {U} 身分，取得組織 {O}/空間 {S} 中的服務...",
    ),
    line(
        "Chinese",
        Apps,
        "正在以 {U} 身分取得組織 {O}/空間 {S} 中的應用程式...",
    ),
    line(
        "Chinese",
        Env,
        "正在以 {U} 身分取得組織 {O}/空間 {S} 中應用程式 {A} 的環境變數...",
    ),
];

/// The translations of the header word `name` (the first column of every table).
const NAME: &[&str] = &[
    "Name", "nom", "nombre", "nome", "名前", "이름", "名称", "名稱",
];

/// A localized first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Localized {
    /// In English, e.g. `German`.
    pub language: &'static str,
    pub command: Command,
    /// The app of `cf env APP`.
    pub app: Option<String>,
    /// The org, space and user it names.
    pub target: Option<Target>,
}

/// Reads a localized first line; `None` when it is no translation the CLI ships.
pub(crate) fn first_line(text: &str) -> Option<Localized> {
    let t = text.trim();
    FIRST_LINES.iter().find_map(|l| {
        let fields = matches(l.template, t)?;
        let get = |k: char| {
            fields
                .iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.to_string())
        };
        let target = match (get('O'), get('S')) {
            (Some(org), Some(space)) if !org.trim().is_empty() && !space.trim().is_empty() => {
                Some(Target {
                    org,
                    space,
                    user: get('U').filter(|u| !u.is_empty()),
                })
            }
            _ => None,
        };
        Some(Localized {
            language: l.language,
            command: l.command,
            app: get('A').filter(|a| !a.is_empty()),
            target,
        })
    })
}

/// Whether `text` is a table header in another language: its first word a translation of
/// `name`, then at least two more columns (2 or more spaces apart).
pub(crate) fn header(text: &str) -> bool {
    let words: Vec<&str> = text
        .split("  ")
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 3 && text.starts_with(words[0]) && NAME.contains(&words[0])
}

/// The refusal of a localized capture.
pub(crate) fn refusal(line: usize, what: &str, language: &str) -> String {
    format!(
        "line {line}: this is {what} in {language} (cf's output follows `cf config --locale`, and up to v6.33 also `LC_ALL`/`LANG`): archcheck reads only cf's English output, so this capture is not read (not supported); capture it again after `cf config --locale en-US`"
    )
}

/// Matches `text` against a template, returning each placeholder's text: literal parts must
/// match exactly; a placeholder takes everything up to the first occurrence of the literal
/// part after it (the last one, up to the literal part that ends `text`).
fn matches(template: &str, text: &str) -> Option<Vec<(char, String)>> {
    let mut literals = Vec::new();
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        literals.push(&rest[..open]);
        names.push(rest[open + 1..].chars().next()?);
        rest = rest.get(open + 3..)?;
    }
    literals.push(rest);
    let mut at = text.strip_prefix(literals[0])?;
    let mut fields = Vec::new();
    for (i, &name) in names.iter().enumerate() {
        let next = literals[i + 1];
        let (value, after) = if i + 1 == names.len() {
            (at.strip_suffix(next)?, "")
        } else {
            let end = at.find(next)?;
            (&at[..end], &at[end + next.len()..])
        };
        fields.push((name, value.to_owned()));
        at = after;
    }
    (!names.is_empty()).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_french_first_lines_name_their_target() {
        let de =
            first_line("Abrufen von Apps in Organisation cap / Bereich staging als u@x.gov...")
                .unwrap();
        assert_eq!((de.language, de.command), ("German", Command::Apps));
        let t = de.target.unwrap();
        assert_eq!((t.org.as_str(), t.space.as_str()), ("cap", "staging"));
        assert_eq!(t.user.as_deref(), Some("u@x.gov"));
        let de = first_line("Abrufen von Umgebungsvariablen für App c2 web in Organisation cap / Bereich staging als u...").unwrap();
        assert_eq!(de.app.as_deref(), Some("c2 web"));
        for fr in [
            "Obtention des services dans l'organisation cap / l'espace staging en tant que u...",
            "Obtention des services dans l'organisation cap/l'espace staging en tant que u...",
        ] {
            let fr = first_line(fr).unwrap();
            assert_eq!((fr.language, fr.command), ("French", Command::ServicesV6V7));
            assert_eq!(fr.target.unwrap().space, "staging");
        }
        let ja = first_line("u として組織 cap / スペース staging 内のアプリを取得しています...")
            .unwrap();
        assert_eq!(ja.target.unwrap().org, "cap");
        assert!(first_line("Getting apps in org cap / space staging as u...").is_none());
        assert!(first_line("Abrufen von Apps").is_none());
    }

    #[test]
    fn localized_headers() {
        assert!(header(
            "Name                Service   Plan   Gebundene Apps   Letzte Operation"
        ));
        assert!(header(
            "nom   service   plan   applications liées   dernière opération"
        ));
        assert!(!header("name   service   plan"));
        assert!(!header("Name only"));
    }
}
