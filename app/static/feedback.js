// Feedback on the recording page: the timeline's markers, feedback at a moment (key F),
// keys between markers, filters, threads that change in place, and the transcript's marks.
// Lists come from the server as HTML fragments (one way a thread looks); this script only
// fetches them, and draws the markers from the page's #markers data.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var form = document.getElementById("feedback-form");
  var list = document.getElementById("feedback-list");
  if (!player || !form || !list) return;
  var rid = list.dataset.recording;
  // A clip's session page names the clip's own routes; the recording page, the recording's.
  var apiBase = list.dataset.api || "/api/v1/recordings/" + rid + "/feedback";
  var threadsBase = list.dataset.threads || "/recordings/" + rid + "/feedback/threads";
  var labels = JSON.parse(document.getElementById("i18n").textContent);
  var timelineData = JSON.parse(document.getElementById("markers").textContent);
  var markers = timelineData.items, criterionNames = timelineData.names;
  var timeline = document.getElementById("timeline");
  var duration = parseFloat(timeline.dataset.duration) || 0;
  var track = document.getElementById("track");
  var markerList = document.getElementById("marker-list");
  var tip = document.getElementById("marker-tip");
  var playhead = document.getElementById("playhead");
  var selection = document.getElementById("selection");
  var details = document.getElementById("new-feedback");
  var status = document.getElementById("feedback-status");
  var errorBox = document.getElementById("feedback-error");
  var filterForm = document.getElementById("fb-filters");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=criterion_ids]"));
  var pausedByForm = false, editing = null, drawn = [];
  document.getElementById("timeline-box").hidden = false;
  if (filterForm) document.getElementById("apply-filters").hidden = true;

  // ------------------------------------------------------------------ helpers
  function headers(json) {
    var h = { Accept: json ? "application/json" : "text/html",
      "Accept-Language": document.documentElement.lang || "da" };
    if (json) h["Content-Type"] = "application/json";
    var csrf = document.querySelector("meta[name=csrf-token]");
    if (csrf) h["X-CSRF-Token"] = csrf.content;
    return h;
  }
  function api(method, path, body) {
    return fetch(apiBase + path, {
      method: method, headers: headers(true), credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 204) return { ok: true, data: {} };
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    });
  }
  function fragment(path) {
    return fetch(threadsBase + path, {
      headers: headers(false), credentials: "same-origin"
    }).then(function (res) { return res.ok ? res.text() : ""; });
  }
  function message(data) {
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail) && data.detail.length) return data.detail[0].msg;
    return labels.network;
  }
  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }
  function clock(t) {
    var s = Math.max(0, t), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    var sec = s - h * 3600 - m * 60, whole = Math.floor(sec);
    var out = (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (whole < 10 ? "0" : "") + whole;
    var tenth = Math.round((sec - whole) * 10);
    return tenth > 0 && tenth < 10 ? out + "." + tenth : out;
  }
  function parseClock(text) {
    var parts = text.trim().replace(",", ".").split(":"), total = 0;
    if (!text.trim() || parts.length > 3) return NaN;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+(\.\d+)?$/.test(parts[i])) return NaN;
      total = total * 60 + parseFloat(parts[i]);
    }
    return total;
  }
  function seek(t) {
    player.currentTime = Math.min(Math.max(0, t), duration || t);
  }
  function isTyping(el) {
    if (!el || !el.closest) return false;
    if (el.closest("textarea, select, [contenteditable=true]")) return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(el.type);
  }

  // ------------------------------------------------------------------ filters
  function filters() {
    if (!filterForm) return { criterion: "", kind: "", author: "", state: "" };
    return { criterion: filterForm.criterion.value, kind: filterForm.kind.value,
      author: filterForm.author.value, state: filterForm.state.value };
  }
  function keeps(m, f) {
    return (!f.criterion || m.criteria.indexOf(parseInt(f.criterion, 10)) >= 0) &&
      (!f.kind || m.kind === f.kind) && (!f.author || String(m.author) === f.author) &&
      (!f.state || (f.state === "draft") === m.draft);
  }
  function query(f) {
    var q = [];
    Object.keys(f).forEach(function (k) { if (f[k]) q.push(k + "=" + encodeURIComponent(f[k])); });
    return q.join("&");
  }
  if (filterForm) filterForm.addEventListener("change", function () {
    var f = filters(), q = query(f);
    history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
    draw();
    // The list is filtered where it is rendered: fetch it again under the new filters.
    reload(q);
    var filtered = document.getElementById("filtered-count");
    if (filtered) filtered.remove();
  });
  if (filterForm) filterForm.addEventListener("submit", function (event) { event.preventDefault(); });
  // The whole list again (under the filters `q`), a page at a time.
  var loading = 0;
  function reload(q) {
    var mine = ++loading, offset = 0;
    var more = document.getElementById("more-threads");
    if (more) more.remove();
    list.innerHTML = "";
    (function page() {
      fragment("?offset=" + offset + "&limit=200" + (q ? "&" + q : "")).then(function (html) {
        if (mine !== loading) return;  // the filters changed again meanwhile
        list.insertAdjacentHTML("beforeend", html);
        var got = (html.match(/<article /g) || []).length;
        offset += got;
        if (got === 200) page();
      });
    })();
  }

  // ------------------------------------------------------------------ the timeline
  function kindName(m) { return m.kind ? labels.kinds[m.kind] : ""; }
  function describe(m) {
    var when = clock(m.start) + (m.end !== null ? "–" + clock(m.end) : "");
    var names = m.criteria.map(function (id) { return criterionNames[id]; }).join(", ");
    return [when, kindName(m) + (m.draft ? " (" + labels.draft + ")" : ""), names, m.words]
      .filter(Boolean).join(" · ");
  }
  function draw() {
    var f = filters(), frag = document.createDocumentFragment();
    var focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.marker : null;
    markers.sort(function (a, b) { return a.start - b.start || a.id - b.id; });
    drawn = markers.filter(function (m) { return keeps(m, f); });
    drawn.forEach(function (m, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "marker kind-" + (m.kind || "none") + (m.draft ? " draft" : "") +
        (m.end !== null ? " range" : "");
      b.dataset.marker = m.id;
      b.style.left = (duration ? (m.start / duration) * 100 : 0) + "%";
      if (m.end !== null && duration) b.style.width = ((m.end - m.start) / duration) * 100 + "%";
      b.setAttribute("aria-label", describe(m));
      b.tabIndex = i === 0 ? 0 : -1;
      frag.appendChild(b);
    });
    markerList.textContent = "";
    markerList.appendChild(frag);
    if (focusedId) {
      var again = markerList.querySelector('[data-marker="' + focusedId + '"]');
      if (again) { rove(again); again.focus(); }
    }
    markTranscript(f);
  }
  function rove(button) {
    var old = markerList.querySelector('[tabindex="0"]');
    if (old) old.tabIndex = -1;
    button.tabIndex = 0;
  }
  function showTip(button) {
    var m = byId(button.dataset.marker);
    if (!m) return;
    tip.textContent = describe(m);
    tip.hidden = false;
    var left = button.offsetLeft, width = timeline.clientWidth;
    tip.style.left = Math.min(Math.max(0, left - 80), Math.max(0, width - 260)) + "px";
  }
  function byId(id) {
    id = parseInt(id, 10);
    for (var i = 0; i < markers.length; i++) if (markers[i].id === id) return markers[i];
    return null;
  }
  markerList.addEventListener("mouseover", function (e) {
    var b = e.target.closest(".marker"); if (b) showTip(b);
  });
  markerList.addEventListener("mouseout", function () { tip.hidden = true; });
  markerList.addEventListener("focusin", function (e) {
    var b = e.target.closest(".marker"); if (b) { rove(b); showTip(b); }
  });
  markerList.addEventListener("focusout", function () { tip.hidden = true; });
  markerList.addEventListener("click", function (e) {
    var b = e.target.closest(".marker"); if (b) open(byId(b.dataset.marker), false);
  });
  markerList.addEventListener("keydown", function (e) {
    var b = e.target.closest(".marker");
    if (!b) return;
    var items = Array.prototype.slice.call(markerList.children), i = items.indexOf(b), next = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") next = items[i + 1];
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = items[i - 1];
    else if (e.key === "Home") next = items[0];
    else if (e.key === "End") next = items[items.length - 1];
    if (next) { e.preventDefault(); rove(next); next.focus(); }
  });

  // Seek to an item, show it in the list; `focusItem` moves focus there too.
  function open(m, focusItem) {
    if (!m) return;
    seek(m.start);
    showTab("feedback");
    var article = document.getElementById("fb-" + m.id);
    list.querySelectorAll(".fb.chosen").forEach(function (a) { a.classList.remove("chosen"); });
    if (article) {
      article.classList.add("chosen");
      article.scrollIntoView({ block: "nearest" });
      if (focusItem) article.querySelector(".seek").focus();
    }
  }
  function step(direction) {
    var t = player.currentTime, target = null;
    if (direction > 0) {
      for (var i = 0; i < drawn.length; i++) if (drawn[i].start > t + 0.25) { target = drawn[i]; break; }
    } else {
      for (var j = drawn.length - 1; j >= 0; j--) if (drawn[j].start < t - 0.25) { target = drawn[j]; break; }
    }
    if (target) {
      open(target, false);
      var b = markerList.querySelector('[data-marker="' + target.id + '"]');
      if (b) rove(b);
      say(describe(target));
    }
  }
  document.getElementById("next-marker").addEventListener("click", function () { step(1); });
  document.getElementById("prev-marker").addEventListener("click", function () { step(-1); });

  player.addEventListener("timeupdate", function () {
    playhead.style.left = (duration ? (player.currentTime / duration) * 100 : 0) + "%";
  });

  // Click the track to seek; drag along it to mark a range and give feedback on it.
  var dragFrom = null;
  function timeAt(e) {
    var r = track.getBoundingClientRect();
    return Math.min(Math.max(0, (e.clientX - r.left) / r.width), 1) * duration;
  }
  track.addEventListener("pointerdown", function (e) {
    dragFrom = { x: e.clientX, t: timeAt(e) };
    track.setPointerCapture(e.pointerId);
  });
  track.addEventListener("pointermove", function (e) {
    if (!dragFrom || Math.abs(e.clientX - dragFrom.x) < 5) return;
    var a = Math.min(dragFrom.t, timeAt(e)), b = Math.max(dragFrom.t, timeAt(e));
    selection.hidden = false;
    selection.style.left = (a / duration) * 100 + "%";
    selection.style.width = ((b - a) / duration) * 100 + "%";
  });
  track.addEventListener("pointerup", function (e) {
    if (!dragFrom) return;
    var from = dragFrom; dragFrom = null;
    selection.hidden = true;
    if (Math.abs(e.clientX - from.x) < 5) { seek(timeAt(e)); return; }
    var a = Math.min(from.t, timeAt(e)), b = Math.max(from.t, timeAt(e));
    seek(a);
    openForm({ start: a, end: b });
  });

  // ------------------------------------------------------------------ the transcript's marks
  // Each marker walks only the lines it covers (lines are in time order): a long
  // recording with thousands of items stays quick.
  function markTranscript(f) {
    var lines = Array.prototype.slice.call(document.querySelectorAll("#transcript .segment"));
    if (!lines.length) return;
    var ends = lines.map(function (li) { return parseFloat(li.dataset.end); });
    var slots = lines.map(function (li) {
      var slot = li.querySelector(".seg-feedback");
      if (slot) slot.textContent = "";
      return slot;
    });
    markers.forEach(function (m) {
      if (!keeps(m, f)) return;
      var end = m.end !== null ? m.end : m.start, lo = 0, hi = ends.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (ends[mid] < m.start) lo = mid + 1; else hi = mid; }
      for (var i = lo; i < lines.length && parseFloat(lines[i].dataset.start) <= end; i++) {
        if (!slots[i]) continue;
        var b = document.createElement("button");
        b.type = "button";
        b.className = "fb-mark kind-" + (m.kind || "none") + (m.draft ? " draft" : "");
        b.dataset.marker = m.id;
        b.textContent = kindName(m);
        b.setAttribute("aria-label", describe(m));
        slots[i].appendChild(b);
      }
    });
  }
  // The rest of a long transcript arrives after the page: mark its lines too.
  document.addEventListener("transcript:lines", function () { markTranscript(filters()); });
  var transcript = document.getElementById("transcript");
  if (transcript) transcript.addEventListener("click", function (e) {
    var b = e.target.closest(".fb-mark"); if (b) open(byId(b.dataset.marker), true);
  });

  // ------------------------------------------------------------------ tabs
  var tabs = document.querySelector(".tabs");
  function showTab(name) {
    if (!tabs) return;
    ["feedback", "transcript"].forEach(function (n) {
      var tab = document.getElementById("tab-" + n), on = n === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(n + "-panel").hidden = !on;
    });
  }
  if (tabs) {
    tabs.hidden = false;
    document.querySelector(".side-pane").classList.add("tabbed");
    showTab("feedback");
    tabs.addEventListener("click", function (e) {
      var tab = e.target.closest("[role=tab]");
      if (tab) showTab(tab.id.replace("tab-", ""));
    });
    tabs.addEventListener("keydown", function (e) {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      var next = document.getElementById("tab-feedback").getAttribute("aria-selected") === "true"
        ? "transcript" : "feedback";
      showTab(next);
      document.getElementById("tab-" + next).focus();
    });
  }

  // ------------------------------------------------------------------ the form
  var title = document.getElementById("feedback-form-title");
  var titleText = title.textContent;
  function openForm(opts) {
    if (!details.open || !pausedByForm) {
      pausedByForm = !player.paused;
      if (pausedByForm) player.pause();
    }
    editing = opts.item || null;
    details.open = true;
    showTab("feedback");
    errorBox.hidden = true;
    if (!editing) {
      form.reset();
      form.start.value = clock(opts.start);
      form.end.value = opts.end !== undefined ? clock(opts.end) : "";
    }
    form.publish.closest("label").hidden = !!editing;
    title.textContent = editing ? labels.edit : titleText + " · " + form.start.value;
    say(labels.paused.replace("{t}", form.start.value));
    details.scrollIntoView({ block: "nearest" });
    (boxes[0] || form.kind[0] || form.text).focus();
  }
  function closeForm(resume) {
    details.open = false;
    editing = null;
    title.textContent = titleText;
    if (resume && pausedByForm) {
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () { /* refused: stay paused */ });
    }
    pausedByForm = false;
    document.getElementById("add-feedback").focus();
  }
  document.getElementById("add-feedback").addEventListener("click", function () {
    openForm({ start: player.currentTime });
  });
  details.querySelector("summary").addEventListener("click", function (e) {
    e.preventDefault();
    if (details.open) closeForm(true); else openForm({ start: player.currentTime });
  });
  document.getElementById("cancel-feedback").addEventListener("click", function () { closeForm(true); });
  document.getElementById("mark-in").addEventListener("click", function () { form.start.value = clock(player.currentTime); });
  document.getElementById("mark-out").addEventListener("click", function () { form.end.value = clock(player.currentTime); });

  // Digits tick criteria; "1" waits a moment for a "2" when there is a criterion 12.
  var digits = "", digitTimer = null;
  function tick(number) {
    var box = form.querySelector('input[data-number="' + number + '"]');
    if (!box) return;
    box.checked = !box.checked;
    box.focus();
  }
  function typeDigit(d) {
    clearTimeout(digitTimer);
    digits += d;
    var n = parseInt(digits, 10);
    if (digits.length === 1 && n > 0 && n * 10 <= boxes.length) {
      digitTimer = setTimeout(function () { tick(n); digits = ""; }, 700);
      return;
    }
    tick(n);
    digits = "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var start = parseClock(form.start.value);
    var end = form.end.value.trim() ? parseClock(form.end.value) : null;
    var kind = form.querySelector("input[name=kind]:checked");
    var body = {
      start_seconds: isNaN(start) ? -1 : start, end_seconds: end === null || !isNaN(end) ? end : -1,
      criterion_ids: boxes.filter(function (b) { return b.checked; })
        .map(function (b) { return parseInt(b.value, 10); }),
      text: form.text.value
    };
    if (kind) body.kind = kind.value;
    if (!editing) body.publish = form.publish.checked;
    var button = document.getElementById("save-feedback");
    button.disabled = true;
    var done = editing ? api("PATCH", "/" + editing, body) : api("POST", "", body);
    done.then(function (r) {
      button.disabled = false;
      if (!r.ok) {
        errorBox.textContent = message(r.data);
        errorBox.hidden = false;
        return;
      }
      remember(r.data);
      refresh(r.data.id);
      saved(r.data.id, r.data.draft);
      say(labels.saved);
      closeForm(true);
    }).catch(function () {
      button.disabled = false;
      errorBox.textContent = labels.network;
      errorBox.hidden = false;
    });
  });

  // A saved item's marker, as the server now describes it.
  function remember(item) {
    var lang = document.documentElement.lang;
    var text = (item.text || "").replace(/\s+/g, " ").trim();
    var m = {
      id: item.id, start: item.start_seconds, end: item.end_seconds, kind: item.kind,
      draft: item.draft, author: item.author_id,
      criteria: item.criteria.map(function (c) { return c.id; }),
      words: text.length > 80 ? text.slice(0, 80) + "…" : text
    };
    item.criteria.forEach(function (c) { criterionNames[c.id] = lang === "en" ? c.name_en : c.name_da; });
    markers = markers.filter(function (x) { return x.id !== m.id; });
    markers.push(m);
    draw();
    var empty = document.getElementById("feedback-empty");
    if (empty) empty.remove();
    document.getElementById("feedback-count").textContent = markers.length;
    drafts();
  }
  function drafts() {
    var me = parseInt(list.dataset.me, 10);
    var n = markers.filter(function (m) { return m.draft && m.author === me; }).length;
    var bar = document.getElementById("drafts-bar"), text = document.getElementById("drafts-text");
    bar.hidden = n === 0;
    text.textContent = (n === 1 ? text.dataset.one : text.dataset.other).replace("{n}", n);
  }
  // Put the thread holding `id` where it belongs in the time order (or take it away).
  function refresh(id, quiet) {
    return fragment("/" + id).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector(".fb");
      var rootId = fresh ? fresh.dataset.id : null;
      var old = document.getElementById("fb-" + (rootId || id));
      if (old && old.classList.contains("reply")) old = old.closest(".fb");
      if (!fresh) { if (old) old.remove(); return; }
      if (old) { old.replaceWith(fresh); } else {
        var start = parseFloat(fresh.dataset.start), after = null;
        list.querySelectorAll(":scope > .fb").forEach(function (a) {
          if (!after && parseFloat(a.dataset.start) > start) after = a;
        });
        list.insertBefore(fresh, after);
      }
      if (!quiet) fresh.classList.add("chosen");
    });
  }
  // Others on the session page hear of a save over the live channel (livesync.js).
  // A draft is its author's alone: livesync.js does not announce it.
  function saved(id, draft) {
    document.dispatchEvent(new CustomEvent("feedback:saved",
      { detail: { id: id ? parseInt(id, 10) : null, draft: !!draft } }));
  }
  // Someone else saved: their thread (or, without an id, the whole list) as it now reads,
  // and its marker from the fresh thread's data.
  document.addEventListener("live:feedback", function (e) {
    var id = e.detail && e.detail.feedback_id;
    if (!id) { reload(query(filters())); return; }
    refresh(id, true).then(function () {
      var article = document.getElementById("fb-" + id);
      if (article && article.classList.contains("reply")) article = article.closest(".fb");
      var rootId = article ? parseInt(article.dataset.id, 10) : parseInt(id, 10);
      markers = markers.filter(function (x) { return x.id !== rootId; });
      if (article && !article.classList.contains("deleted")) {
        var text = (article.querySelector(".fb-text") || {}).textContent || "";
        text = text.replace(/\s+/g, " ").trim();
        markers.push({
          id: rootId, start: parseFloat(article.dataset.start),
          end: article.dataset.end ? parseFloat(article.dataset.end) : null,
          kind: article.dataset.kind || null, draft: article.dataset.state === "draft",
          author: article.dataset.author ? parseInt(article.dataset.author, 10) : null,
          criteria: article.dataset.criteria ? article.dataset.criteria.split(",").map(Number) : [],
          words: text.length > 80 ? text.slice(0, 80) + "…" : text
        });
      }
      draw();
      var empty = document.getElementById("feedback-empty");
      if (empty && markers.length) empty.remove();
      document.getElementById("feedback-count").textContent = markers.length;
    });
  });

  // ------------------------------------------------------------------ actions on threads
  // Fetched threads bring their reply and edit forms as templates: in place when opened.
  function formsOf(box) {
    var later = box && box.querySelector(":scope > template.later");
    if (later) later.replaceWith(later.content);
    return box;
  }
  list.addEventListener("toggle", function (e) {
    if (e.target.open) formsOf(e.target);
  }, true);
  list.addEventListener("click", function (e) {
    var seekButton = e.target.closest("button.seek");
    if (seekButton) { seek(parseFloat(seekButton.dataset.start)); return; }
    var summary = e.target.closest(".edit-fb > summary");
    var article = summary && summary.closest(".fb");
    if (summary && !summary.closest(".reply") && article) {
      // An item's own edit opens the full form: moment, kind, criteria and text.
      e.preventDefault();
      var m = byId(article.dataset.id);
      form.reset();
      form.start.value = clock(m.start);
      form.end.value = m.end !== null ? clock(m.end) : "";
      boxes.forEach(function (b) { b.checked = m.criteria.indexOf(parseInt(b.value, 10)) >= 0; });
      form.querySelectorAll("input[name=kind]").forEach(function (r) { r.checked = r.value === m.kind; });
      form.text.value = formsOf(summary.parentNode).querySelector("textarea").value;
      openForm({ item: m.id });
    }
  });
  list.addEventListener("submit", function (event) {
    var f = event.target;
    var id = f.dataset.id;
    if (!id) return;
    event.preventDefault();
    var done;
    if (f.classList.contains("delete-fb")) {
      if (!window.confirm(f.dataset.confirm)) return;
      done = api("DELETE", "/" + id).then(function (r) {
        if (r.ok) {
          var gone = byId(id);
          if (gone && !document.querySelector("#fb-" + id + " .replies")) {
            markers = markers.filter(function (x) { return x !== gone; });
            draw();
            document.getElementById("feedback-count").textContent = markers.length;
            drafts();
          }
          say(labels.deleted);
        }
        return r;
      });
    } else if (f.classList.contains("publish-one")) {
      done = api("POST", "/" + id + "/publish").then(function (r) {
        if (r.ok) { remember(r.data); say(labels.published); }
        return r;
      });
    } else if (f.classList.contains("reply-form")) {
      done = api("POST", "/" + id + "/replies", { text: f.elements.text.value });
    } else {
      done = api("PATCH", "/" + id, { text: f.elements.text.value }).then(function (r) {
        if (r.ok && r.data.parent_id === null) remember(r.data);
        return r;
      });
    }
    done.then(function (r) {
      if (!r.ok) {
        var s = f.querySelector(".save-status");
        if (s) { s.textContent = message(r.data); s.classList.add("error"); } else say(message(r.data), true);
        return;
      }
      var thread = f.closest(".fb");
      refresh(thread ? thread.dataset.id : id);
      saved(thread ? thread.dataset.id : id);
    }).catch(function () { say(labels.network, true); });
  });
  document.getElementById("publish-all").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/publish").then(function (r) {
      if (!r.ok) { say(message(r.data), true); return; }
      var me = parseInt(list.dataset.me, 10);
      markers.forEach(function (m) { if (m.author === me) m.draft = false; });
      draw();
      drafts();
      say(labels.published);
      reload(query(filters()));
      saved(null);
    }).catch(function () { say(labels.network, true); });
  });

  // ------------------------------------------------------------------ keys
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var inForm = details.open && form.contains(e.target);
    if (e.key === "Escape" && details.open) { e.preventDefault(); closeForm(true); return; }
    // Typing in a text field is typing, never a shortcut.
    if (isTyping(e.target)) return;
    if (inForm && /^[0-9]$/.test(e.key)) { e.preventDefault(); typeDigit(e.key); return; }
    var key = e.key.toLowerCase();
    if (key === "f") { e.preventDefault(); openForm({ start: player.currentTime }); }
    else if (key === "n") { e.preventDefault(); step(1); }
    else if (key === "p") { e.preventDefault(); step(-1); }
    else if (key === "i" && details.open) { e.preventDefault(); form.start.value = clock(player.currentTime); }
    else if (key === "o" && details.open) { e.preventDefault(); form.end.value = clock(player.currentTime); }
  });

  // ------------------------------------------------------------------ start
  draw();
  drafts();
  var more = document.getElementById("more-threads");
  if (more) {
    // The page came with the first threads; the rest follow a page at a time.
    var q = query(filters()), PAGE = 200;
    var next = function (offset) {
      fragment("?offset=" + offset + "&limit=" + PAGE + (q ? "&" + q : "")).then(function (html) {
        list.insertAdjacentHTML("beforeend", html);
        var got = (html.match(/<article /g) || []).length;
        if (got === PAGE) next(offset + PAGE); else more.remove();
      });
    };
    next(parseInt(more.dataset.offset, 10));
  }
  // A link to a moment (?t=…&item=…), e.g. from a notification.
  var params = new URLSearchParams(location.search);
  var at = parseFloat(params.get("t"));
  if (!isNaN(at)) {
    var go = function () { seek(at); };
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
    var item = byId(params.get("item"));
    if (item) open(item, true);
    else if (params.get("item")) {
      var reply = document.getElementById("fb-" + params.get("item"));
      if (reply) { showTab("feedback"); reply.classList.add("chosen"); reply.scrollIntoView({ block: "nearest" }); }
    }
  }
})();
