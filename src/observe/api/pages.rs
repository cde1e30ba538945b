//! [`PageGuard`]: what stops a paginated list that a server keeps going. Every number and link
//! in `pagination` is the server's, so none is trusted to end the list: a `next` link that
//! comes back to a page already read, more pages than `total_pages` announced, more resources
//! than `total_results` announced, an announcement beyond archcheck's caps ([`MAX_PAGES`],
//! [`MAX_RESULTS`]), a `next` link to another origin than the API's, or one that leaves the
//! list asked for (another path, a parameter asked for dropped or changed: what it serves is
//! not what was asked, e.g. not of the spaces asked for) stops the list at once, with what
//! happened. Nothing is allocated from an announced number.
//!
//! Messages name the list by its path (`/v3/apps`), never by a link the server sent: a link may
//! carry anything, the token among it.

use super::resources::Pagination;
use reqwest::Url;
use std::collections::HashMap;

/// The most pages archcheck reads of one list. At `per_page=5000` that is 50 million
/// resources, far beyond any space; a server announcing or sending more is not believed.
pub(crate) const MAX_PAGES: u64 = 10_000;

/// The most resources archcheck reads of one list (a bound on memory whatever the server's
/// page size).
pub(crate) const MAX_RESULTS: u64 = 1_000_000;

/// The pages of one list read so far, and what the first page announced.
#[derive(Debug)]
pub(crate) struct PageGuard {
    /// The list's path, for messages, e.g. `/v3/apps`.
    path: String,
    /// Every page requested, by its [`page_key`], with its number in the order read.
    visited: HashMap<String, u64>,
    /// The first page's URL: what every `next` link must continue.
    first: Url,
    /// Pages read so far.
    pages: u64,
    /// Resources read so far.
    results: u64,
    announced_results: Option<u64>,
    announced_pages: Option<u64>,
}

impl PageGuard {
    /// A guard for the list that starts at `first`.
    pub(crate) fn new(path: &str, first: &Url) -> Self {
        PageGuard {
            path: path.to_owned(),
            visited: HashMap::from([(page_key(first), 1)]),
            first: first.clone(),
            pages: 0,
            results: 0,
            announced_results: None,
            announced_pages: None,
        }
    }

    /// Pages read so far.
    pub(crate) fn pages(&self) -> u64 {
        self.pages
    }

    /// The pages the first page announced, if it did.
    pub(crate) fn announced_pages(&self) -> Option<u64> {
        self.announced_pages
    }

    /// After reading a page with `resources` resources: refused when the announcement or the
    /// count goes past what is believable.
    pub(crate) fn read(&mut self, pagination: &Pagination, resources: usize) -> Result<(), String> {
        self.pages += 1;
        self.results = self.results.saturating_add(resources as u64);
        let path = &self.path;
        // The first announcement stands for the whole list.
        if self.announced_pages.is_none() {
            self.announced_pages = pagination.total_pages;
            if let Some(n) = self.announced_pages.filter(|&n| n > MAX_PAGES) {
                return Err(format!(
                    "the API announced {n} pages of {path}, more than the {MAX_PAGES} archcheck \
                     reads of one list"
                ));
            }
        }
        if self.announced_results.is_none() {
            self.announced_results = pagination.total_results;
            if let Some(n) = self.announced_results.filter(|&n| n > MAX_RESULTS) {
                return Err(format!(
                    "the API announced {n} results of {path}, more than the {MAX_RESULTS} \
                     archcheck reads of one list"
                ));
            }
        }
        if let Some(total) = self.announced_results.filter(|&t| self.results > t) {
            return Err(format!(
                "the API returned more than the {total} {} it announced for {path} ({} by page {})",
                plural(total, "result", "results"),
                self.results,
                self.pages
            ));
        }
        if self.results > MAX_RESULTS {
            return Err(format!(
                "the API returned more than {MAX_RESULTS} results of {path}, the most archcheck \
                 reads of one list"
            ));
        }
        Ok(())
    }

    /// Before following the `next` link of the page just read (already on the API's origin):
    /// refused when it leaves the list asked for, comes back to a page read before, or goes
    /// past the pages announced or the cap.
    pub(crate) fn follow(&mut self, next: &Url) -> Result<(), String> {
        let path = &self.path;
        if let Some(how) = leaves(&self.first, next) {
            return Err(format!(
                "the next link of page {} of {path} does not continue the list asked for: {how}",
                self.pages
            ));
        }
        let key = page_key(next);
        if let Some(&n) = self.visited.get(&key) {
            return Err(format!(
                "the API's pagination looped back to page {n} of {path} (the next link of page {})",
                self.pages
            ));
        }
        if let Some(total) = self.announced_pages.filter(|&t| self.pages >= t) {
            return Err(format!(
                "the API's pagination went on past the {total} {} it announced for {path}",
                plural(total, "page", "pages")
            ));
        }
        if self.pages >= MAX_PAGES {
            return Err(format!(
                "the API's pagination of {path} went on past {MAX_PAGES} pages, the most \
                 archcheck reads of one list"
            ));
        }
        self.visited.insert(key, self.pages + 1);
        Ok(())
    }

    /// At the last page (no `next`): refused when fewer resources came than announced.
    pub(crate) fn finish(&self) -> Result<(), String> {
        match self.announced_results.filter(|&t| self.results < t) {
            Some(total) => Err(format!(
                "the list {} ended after {} of its {total} results",
                self.path, self.results
            )),
            None => Ok(()),
        }
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// How `next` leaves the list that `first` asked for, if it does: another path, or a
/// parameter of `first` (but `page` and `per_page`) missing or with another value. The Cloud
/// Controller's links (`paginated_list_presenter.rb`) carry every parameter asked for, in
/// their own order and encoding, so they are compared decoded. Parameters the link adds are
/// left alone (a filter can only narrow the list, which the announced total catches). The
/// reason names the parameter, never a value the server sent.
fn leaves(first: &Url, next: &Url) -> Option<String> {
    if next.path() != first.path() {
        return Some("it leads to another path".to_owned());
    }
    let params = |url: &Url| -> Vec<(String, String)> {
        url.query_pairs()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let linked = params(next);
    params(first)
        .into_iter()
        .find(|(k, v)| {
            let mut values = linked.iter().filter(|(l, _)| l == k).map(|(_, w)| w);
            values.clone().next().is_none() || values.any(|w| w != v)
        })
        .map(|(k, _)| format!("it drops or changes the parameter `{k}`"))
}

/// What makes a page the same page: the path and the decoded query parameters in any order,
/// `page=1` when no `page` is given (as the Cloud Controller reads it).
fn page_key(url: &Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| k == "page") {
        pairs.push(("page".into(), "1".into()));
    }
    pairs.sort();
    let mut key = url.path().to_owned();
    for (k, v) in pairs {
        // Lengths keep `a=b&c` and `a=b%26c` apart.
        key.push_str(&format!("\n{}:{k}={v}", k.len()));
    }
    key
}

/// The origin of a URL as `scheme://host[:port]`, the only part of a server's link a message
/// shows.
pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::api::resources::Pagination;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn pagination(results: Option<u64>, pages: Option<u64>) -> Pagination {
        Pagination {
            total_results: results,
            total_pages: pages,
            next: None,
        }
    }

    #[test]
    fn the_same_page_in_another_spelling_is_a_loop() {
        let first = url("https://api.example.org/v3/apps?space_guids=s&per_page=5000");
        let mut g = PageGuard::new("/v3/apps", &first);
        g.read(&pagination(Some(2), Some(2)), 1).unwrap();
        g.follow(&url(
            "https://api.example.org/v3/apps?page=2&per_page=5000&space_guids=s",
        ))
        .unwrap();
        g.read(&pagination(Some(2), Some(2)), 1).unwrap();
        let e = g
            .follow(&url(
                "https://api.example.org/v3/apps?per_page=5000&page=1&space_guids=s",
            ))
            .unwrap_err();
        assert_eq!(
            e,
            "the API's pagination looped back to page 1 of /v3/apps (the next link of page 2)"
        );
    }

    #[test]
    fn counts_past_the_announcement_stop_the_list() {
        let first = url("https://api.example.org/v3/apps?page=1");
        let mut g = PageGuard::new("/v3/apps", &first);
        let e = g.read(&pagination(Some(40), Some(1)), 41).unwrap_err();
        assert!(
            e.starts_with("the API returned more than the 40 results it announced for /v3/apps"),
            "{e}"
        );

        let mut g = PageGuard::new("/v3/apps", &first);
        g.read(&pagination(Some(40), Some(1)), 20).unwrap();
        let e = g
            .follow(&url("https://api.example.org/v3/apps?page=2"))
            .unwrap_err();
        assert_eq!(
            e,
            "the API's pagination went on past the 1 page it announced for /v3/apps"
        );

        let mut g = PageGuard::new("/v3/apps", &first);
        g.read(&pagination(Some(40), Some(2)), 20).unwrap();
        assert!(g.finish().unwrap_err().contains("ended after 20 of its 40"));
    }

    #[test]
    fn announcements_beyond_the_caps_are_not_believed() {
        let first = url("https://api.example.org/v3/apps");
        let e = PageGuard::new("/v3/apps", &first)
            .read(&pagination(Some(5), Some(1_000_000_000)), 5)
            .unwrap_err();
        assert!(e.contains("announced 1000000000 pages"), "{e}");
        let e = PageGuard::new("/v3/apps", &first)
            .read(&pagination(Some(u64::MAX), Some(1)), 5)
            .unwrap_err();
        assert!(e.contains("more than the 1000000 archcheck reads"), "{e}");
    }

    /// A server announcing nothing and sending a new page forever is cut off at the caps.
    #[test]
    fn without_announcements_the_caps_hold() {
        let first = url("https://api.example.org/v3/apps");
        let mut g = PageGuard::new("/v3/apps", &first);
        let mut stopped = None;
        for page in 2..=MAX_PAGES + 2 {
            g.read(&pagination(None, None), 1).unwrap();
            if let Err(e) = g.follow(&url(&format!(
                "https://api.example.org/v3/apps?page={page}"
            ))) {
                stopped = Some((page, e));
                break;
            }
        }
        let (page, e) = stopped.expect("the cap stops the list");
        assert_eq!(page, MAX_PAGES + 1);
        assert!(e.contains("went on past 10000 pages"), "{e}");

        let mut g = PageGuard::new("/v3/apps", &first);
        g.read(&pagination(None, None), 5000).unwrap();
        let e = g
            .read(&pagination(None, None), MAX_RESULTS as usize)
            .unwrap_err();
        assert!(e.contains("more than 1000000 results"), "{e}");
    }

    #[test]
    fn a_next_link_must_continue_the_list_asked_for() {
        // As the client spells a value with a comma in it (`filter::escape`), then the list.
        let first = url("https://api.example.org/v3/apps?space_guids=a%252Cb,c&per_page=5000");
        let leave = |next: &str| leaves(&first, &url(next));
        // The Cloud Controller's spelling: sorted, encoded, a parameter added.
        assert_eq!(
            leave(
                "https://api.example.org/v3/apps?order_by=name&page=2&per_page=50&space_guids=a%252Cb%2Cc"
            ),
            None
        );
        assert_eq!(
            leave("https://api.example.org/v3/apps?page=2&per_page=5000").as_deref(),
            Some("it drops or changes the parameter `space_guids`")
        );
        assert_eq!(
            leave("https://api.example.org/v3/apps?page=2&space_guids=a%252Cb%2Cc&space_guids=x")
                .as_deref(),
            Some("it drops or changes the parameter `space_guids`")
        );
        assert_eq!(
            leave("https://api.example.org/v3/routes?page=2&space_guids=a%252Cb%2Cc").as_deref(),
            Some("it leads to another path")
        );
        let mut g = PageGuard::new("/v3/apps", &first);
        g.read(&pagination(None, None), 1).unwrap();
        let e = g
            .follow(&url("https://api.example.org/v3/apps?page=2&space_guids=z"))
            .unwrap_err();
        assert_eq!(
            e,
            "the next link of page 1 of /v3/apps does not continue the list asked for: it drops \
             or changes the parameter `space_guids`"
        );
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            origin(&url("https://u:p@x.example:8443/a?access_token=t")),
            "https://x.example:8443"
        );
        assert_eq!(origin(&url("https://x.example:443/")), "https://x.example");
    }
}
