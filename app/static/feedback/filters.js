// The filters (criterion, kind, author, drafts/published): a plain form without JavaScript;
// here they narrow the markers at once and the list is fetched again under them.
const NONE = { criterion: "", kind: "", author: "", state: "" };

/** The filters the form holds now. */
export function readFilters(form) {
  if (!form) return { ...NONE };
  return {
    criterion: form.criterion.value, kind: form.kind.value,
    author: form.author.value, state: form.state.value,
  };
}

/** Whether marker `m` passes the filters `f`. */
export function keeps(m, f) {
  return (!f.criterion || m.criteria.includes(parseInt(f.criterion, 10))) &&
    (!f.kind || m.kind === f.kind) && (!f.author || String(m.author) === f.author) &&
    (!f.state || (f.state === "draft") === m.draft);
}

/** The filters as a query string (without "?"), as the page's own links carry them. */
export function query(f) {
  return Object.keys(f)
    .filter((k) => f[k])
    .map((k) => k + "=" + encodeURIComponent(f[k]))
    .join("&");
}

/** Hide the form's button and call `changed(query)` on each change, the address following. */
export function watchFilters(form, changed) {
  if (!form) return;
  document.getElementById("apply-filters").hidden = true;
  form.addEventListener("change", () => {
    const q = query(readFilters(form));
    history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
    changed(q);
    const filtered = document.getElementById("filtered-count");
    if (filtered) filtered.remove();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
}
