// The side pane's panels as tabs beside the player (feedback, transcript, and any further
// panel the page has): arrow keys move between them. Without JavaScript every panel shows,
// one under the other.

/** Set the tabs up; returns show(name), which does nothing on a page without tabs. */
export function setupTabs() {
  const tabs = document.querySelector(".tabs");
  const names = tabs
    ? Array.from(tabs.querySelectorAll("[role=tab]"), (tab) => tab.id.replace("tab-", ""))
    : [];
  function show(name) {
    names.forEach((n) => {
      const tab = document.getElementById("tab-" + n), on = n === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(n + "-panel").hidden = !on;
    });
  }
  if (tabs) {
    tabs.hidden = false;
    document.querySelector(".side-pane").classList.add("tabbed");
    show(names[0]);
    tabs.addEventListener("click", (e) => {
      const tab = e.target.closest("[role=tab]");
      if (tab) show(tab.id.replace("tab-", ""));
    });
    tabs.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      const at = names.findIndex((n) => document.getElementById("tab-" + n).tabIndex === 0);
      const step = e.key === "ArrowRight" ? 1 : -1;
      const next = names[(at + step + names.length) % names.length];
      show(next);
      document.getElementById("tab-" + next).focus();
    });
  }
  return show;
}
