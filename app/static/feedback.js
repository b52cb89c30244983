// Feedback on the recording page (and on a session's): the timeline's markers, feedback at
// a moment (key F), keys between markers, filters, threads that change in place, and the
// transcript's marks. Lists come from the server as HTML fragments (one way a thread looks);
// these modules only fetch them, and draw the markers from the page's #markers data.
// This file reads the page and wires the parts (feedback/*.js) together.
import { sendJSON } from "./api.js";
import { watchThreads } from "./feedback/actions.js";
import { showDrafts, showTotals } from "./feedback/drafts.js";
import { keeps, query, readFilters, watchFilters } from "./feedback/filters.js";
import { createForm } from "./feedback/form.js";
import { watchKeys } from "./feedback/keys.js";
import { Markers } from "./feedback/markers.js";
import { announce, followRoom } from "./feedback/room.js";
import { setupTabs } from "./feedback/tabs.js";
import { createThreads } from "./feedback/threads.js";
import { createTimeline } from "./feedback/timeline.js";
import { createTranscriptMarks } from "./feedback/transcript_marks.js";
import { seekTo } from "./seek.js";

const json = (id) => JSON.parse(document.getElementById(id).textContent);

function start(player, list) {
  const rid = list.dataset.recording;
  // A clip's session page names the clip's own routes; the recording page, the recording's.
  const apiBase = list.dataset.api || `/api/v1/recordings/${rid}/feedback`;
  const threadsBase = list.dataset.threads || `/recordings/${rid}/feedback/threads`;
  const me = parseInt(list.dataset.me, 10);
  const labels = json("i18n");
  const markers = new Markers(json("markers"), labels);
  const duration = parseFloat(document.getElementById("timeline").dataset.duration) || 0;
  const status = document.getElementById("feedback-status");
  const filterForm = document.getElementById("fb-filters");

  const filters = () => readFilters(filterForm);
  const send = (method, path, body) => sendJSON(method, apiBase + path, body);
  const seek = (t) => {
    seekTo(player, Math.min(Math.max(0, t), duration || t));
  };
  const say = (text, isError) => {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  };

  const showTab = setupTabs();
  const threads = createThreads({ list, base: threadsBase });
  const reloadList = () => threads.reload(query(filters()));
  // Seek to an item, show it in the list; `focusItem` moves focus there too.
  const open = (m, focusItem) => {
    if (!m) return;
    seek(m.start);
    showTab("feedback");
    threads.choose(m.id, focusItem);
  };
  const form = createForm({
    player, labels, send, showTab, say,
    saved: (item) => {
      markers.putItem(item);
      threads.refresh(item.id);
      announce(item.id, item.draft);
    },
  });
  // "Give feedback here" on a question in the conversation panel (insight.js): the form at
  // its time, with the criterion that fits it ticked.
  document.addEventListener("feedback:at", (event) => {
    form.open({ start: event.detail.start });
    if (event.detail.criterion !== null) form.tick(event.detail.criterion);
  });
  const timeline = createTimeline({
    player, markers, filters, keeps, seek, open, say,
    openRange: (a, b) => form.open({ start: a, end: b }),
  });
  const marks = createTranscriptMarks({ markers, filters, keeps, open });
  const draw = () => {
    timeline.draw();
    marks.draw();
  };
  markers.addEventListener("change", () => {
    draw();
    showTotals(markers, me);
  });
  watchFilters(filterForm, (q) => {
    draw();
    // The list is filtered where it is rendered: fetch it again under the new filters.
    threads.reload(q);
  });
  watchThreads({ list, labels, markers, threads, form, send, announce, seek, reloadList, say });
  followRoom({ markers, threads });
  watchKeys({ player, form, timeline });

  draw();
  showDrafts(markers, me);
  const more = document.getElementById("more-threads");
  if (more) threads.loadRest(more, query(filters()));
  // A link to a moment (?t=…&item=…), e.g. from a notification.
  const params = new URLSearchParams(location.search);
  const at = parseFloat(params.get("t"));
  if (isNaN(at)) return;
  // Before play nothing is loaded (preload="none"): the player starts there when played.
  seek(at);
  const item = markers.byId(params.get("item"));
  const reply = !item && params.get("item") && document.getElementById("fb-" + params.get("item"));
  if (item) open(item, true);
  else if (reply) {
    showTab("feedback");
    reply.classList.add("chosen");
    reply.scrollIntoView({ block: "nearest" });
  }
}

const player = document.getElementById("player");
const list = document.getElementById("feedback-list");
if (player && list && document.getElementById("feedback-form")) start(player, list);
