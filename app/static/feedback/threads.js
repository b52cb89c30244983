// The list of threads: server-rendered fragments (templates/feedback/_thread.html, one way
// a thread looks however it arrived), fetched a page at a time, again under new filters,
// and one thread at a time when it changes.
import { getHTML, refusedAs } from "../api.js";

const PAGE = 200;

/** `list` is #feedback-list; `base` the threads' address (the recording's or the clip's). */
export function createThreads({ list, base }) {
  // A refusal (a thread deleted meanwhile, say) is an empty fragment.
  const fragment = (path) => getHTML(base + path).catch(refusedAs(""));
  let loading = 0; // each new list under new filters; older pages still arriving are dropped

  // Pages from `offset` on (under the filters `q`) until a short one.
  function pages(offset, q, mine) {
    return fragment(`?offset=${offset}&limit=${PAGE}` + (q ? "&" + q : "")).then((html) => {
      if (mine !== loading) return; // the filters changed again meanwhile
      list.insertAdjacentHTML("beforeend", html);
      const got = (html.match(/<article /g) || []).length;
      if (got === PAGE) return pages(offset + PAGE, q, mine);
    });
  }

  /** The page came with the first threads (and #more-threads): the rest follow. */
  function loadRest(more, q) {
    pages(parseInt(more.dataset.offset, 10), q, loading).then(() => more.remove());
  }

  /** The whole list again, under the filters `q`. */
  function reload(q) {
    const more = document.getElementById("more-threads");
    if (more) more.remove();
    list.innerHTML = "";
    pages(0, q, ++loading);
  }

  /** The thread that holds item `id` (a reply's is the thread it is in). */
  function threadOf(id) {
    const article = document.getElementById("fb-" + id);
    return article && article.classList.contains("reply") ? article.closest(".fb") : article;
  }

  /** Put the thread holding `id` where it belongs in the time order (or take it away). */
  function refresh(id, quiet) {
    return fragment("/" + id).then((html) => {
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const fresh = holder.querySelector(".fb");
      const old = threadOf(fresh ? fresh.dataset.id : id);
      if (!fresh) {
        if (old) old.remove();
        return;
      }
      if (old) {
        old.replaceWith(fresh);
      } else {
        const start = parseFloat(fresh.dataset.start);
        const after = Array.from(list.querySelectorAll(":scope > .fb"))
          .find((a) => parseFloat(a.dataset.start) > start);
        list.insertBefore(fresh, after || null);
      }
      if (!quiet) fresh.classList.add("chosen");
    });
  }

  /** Mark item `id` chosen and scroll to it; `focusItem` moves focus to its time. */
  function choose(id, focusItem) {
    list.querySelectorAll(".fb.chosen").forEach((a) => a.classList.remove("chosen"));
    const article = document.getElementById("fb-" + id);
    if (!article) return;
    article.classList.add("chosen");
    article.scrollIntoView({ block: "nearest" });
    if (focusItem) article.querySelector(".seek").focus();
  }

  return { loadRest, reload, refresh, threadOf, choose };
}
