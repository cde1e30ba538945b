// archcheck watch: keeps the status page up to date without a reload. Every interval it
// fetches this same page and swaps its live part in. When it cannot, or what it shows is
// older than 3 intervals, the title and a banner say so. No inline script, no other origin.
"use strict";
(function () {
  const body = document.body;
  const interval = Math.max(1000, Number(body.dataset.intervalMs) || 60000);
  const staleAfter = Number(body.dataset.staleAfterMs) || 3 * interval;
  const every = Math.min(interval, 10000);
  let updatedAt = Date.now();
  let failure = "";
  let baseTitle = document.title;

  function stamp(ms) {
    return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  function showStale() {
    const banner = document.getElementById("page-stale");
    if (!banner) return;
    const age = Date.now() - updatedAt;
    if (age > staleAfter) {
      banner.hidden = false;
      banner.textContent = "? STALE PAGE: not updated since " + stamp(updatedAt) +
        " (" + Math.round(age / 1000) + " s, more than 3 intervals)" +
        (failure ? ": " + failure : "") + ". What it shows is no evidence.";
      document.title = "STALE · " + baseTitle.replace(/^STALE · /, "");
    } else {
      banner.hidden = true;
      document.title = baseTitle;
    }
  }

  async function update() {
    try {
      const r = await fetch(window.location.pathname + window.location.search, { cache: "no-store", credentials: "same-origin" });
      if (!r.ok) throw new Error("the watch answered " + r.status);
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.getElementById("live");
      const live = document.getElementById("live");
      if (!fresh || !live) throw new Error("the answer is not the status page");
      // Keep open what the reader opened.
      const open = new Set([...live.querySelectorAll("details[open]")].map(d => d.querySelector("summary")?.textContent));
      fresh.querySelectorAll("details").forEach(d => {
        if (open.has(d.querySelector("summary")?.textContent)) d.open = true;
      });
      live.replaceWith(document.adoptNode(fresh));
      baseTitle = doc.title;
      updatedAt = Date.now();
      failure = "";
      body.dataset.updates = String((Number(body.dataset.updates) || 0) + 1);
    } catch (e) {
      failure = "cannot reach archcheck watch (" + (e && e.message ? e.message : e) + ")";
    }
    showStale();
  }

  setInterval(update, every);
  setInterval(showStale, 1000);
})();
