// The timeline's items (one marker per thread) as the page knows them: from the page's
// #markers data, then from every save here and every thread that changes elsewhere. Each
// change fires "change", and the timeline, the transcript's marks and the counts redraw.
import { clockTenths } from "../clock.js";

const WORDS = 80; // the first words a marker carries (app/feedback/recording_view.py)

function firstWords(text) {
  const words = (text || "").replace(/\s+/g, " ").trim();
  return words.length > WORDS ? words.slice(0, WORDS) + "…" : words;
}

export class Markers extends EventTarget {
  /** `data` is the page's #markers: {items, names}; `labels` the page's words (#i18n). */
  constructor(data, labels) {
    super();
    this.items = data.items;
    this.names = data.names; // criterion id: its name in the reader's language
    this.labels = labels;
  }

  get length() {
    return this.items.length;
  }

  byId(id) {
    const wanted = parseInt(id, 10);
    return this.items.find((m) => m.id === wanted) || null;
  }

  /** Every marker by its start (then id), for drawing and for next/previous. */
  inOrder() {
    return this.items.sort((a, b) => a.start - b.start || a.id - b.id);
  }

  draftsBy(author) {
    return this.items.filter((m) => m.draft && m.author === author).length;
  }

  /** Put `m` in place of the marker with its id (or add it). */
  put(m) {
    this.items = this.items.filter((x) => x.id !== m.id);
    this.items.push(m);
    this.changed();
  }

  remove(id) {
    const gone = parseInt(id, 10);
    this.items = this.items.filter((x) => x.id !== gone);
    this.changed();
  }

  /** A saved item as the API answers it (app/feedback/schemas.py's FeedbackPublic). */
  putItem(item) {
    const lang = document.documentElement.lang;
    item.criteria.forEach((c) => {
      this.names[c.id] = lang === "en" ? c.name_en : c.name_da;
    });
    this.put({
      id: item.id, start: item.start_seconds, end: item.end_seconds, kind: item.kind,
      draft: item.draft, author: item.author_id,
      criteria: item.criteria.map((c) => c.id),
      words: firstWords(item.text),
    });
  }

  /** A thread's first item as the server renders it (templates/feedback/_thread.html). */
  putThread(article) {
    const d = article.dataset;
    this.put({
      id: parseInt(d.id, 10), start: parseFloat(d.start),
      end: d.end ? parseFloat(d.end) : null,
      kind: d.kind || null, draft: d.state === "draft",
      author: d.author ? parseInt(d.author, 10) : null,
      criteria: d.criteria ? d.criteria.split(",").map(Number) : [],
      words: firstWords((article.querySelector(".fb-text") || {}).textContent),
    });
  }

  /** All of `author`'s drafts are published. */
  publishedBy(author) {
    this.items.forEach((m) => {
      if (m.author === author) m.draft = false;
    });
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  kindName(m) {
    return m.kind ? this.labels.kinds[m.kind] : "";
  }

  /** A marker in words: its time, kind, criteria and first words. */
  describe(m) {
    const when = clockTenths(m.start) + (m.end !== null ? "–" + clockTenths(m.end) : "");
    const names = m.criteria.map((id) => this.names[id]).join(", ");
    const kind = this.kindName(m) + (m.draft ? " (" + this.labels.draft + ")" : "");
    return [when, kind, names, m.words].filter(Boolean).join(" · ");
  }
}
