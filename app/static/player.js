// The recording page: the transcript follows the player, and the player follows clicks.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var list = document.getElementById("transcript");
  if (!player || !list) return;
  var labels = JSON.parse(document.getElementById("i18n").textContent);
  var items = Array.prototype.slice.call(list.querySelectorAll(".segment"));
  var starts = items.map(function (li) { return parseFloat(li.dataset.start); });
  var current = null;

  // The last segment that starts at or before t (binary search: long transcripts stay fast).
  function indexAt(t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function highlight() {
    var i = indexAt(player.currentTime);
    var next = i >= 0 ? items[i] : null;
    if (next && player.currentTime > parseFloat(next.dataset.end) + 1.5) next = null;
    if (next === current) return;
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = next;
    if (current) {
      current.classList.add("current");
      current.setAttribute("aria-current", "true");
      // Keep it in view inside the transcript pane, without moving the page's focus.
      var pane = list.getBoundingClientRect(), row = current.getBoundingClientRect();
      if (row.top < pane.top || row.bottom > pane.bottom) {
        list.scrollTop += row.top - pane.top - pane.height / 3;
      }
    }
  }

  // The page came with the transcript's first screen; the rest follow a page at a time.
  var more = document.getElementById("more-segments");
  function fetchLines(offset) {
    var path = "/recordings/" + list.dataset.recording + "/transcript/lines?offset=" + offset;
    fetch(path, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : ""; })
      .then(function (html) {
        var before = items.length;
        list.insertAdjacentHTML("beforeend", html);
        items = Array.prototype.slice.call(list.querySelectorAll(".segment"));
        starts = items.map(function (li) { return parseFloat(li.dataset.start); });
        highlight();
        document.dispatchEvent(new CustomEvent("transcript:lines"));
        if (items.length > before && items.length < parseInt(more.dataset.total, 10)) {
          fetchLines(items.length);
        } else {
          more.remove();
        }
      }).catch(function () { /* the link to the whole transcript stays */ });
  }
  if (more) fetchLines(parseInt(more.dataset.offset, 10));

  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.seek");
    if (!button) return;
    player.currentTime = parseFloat(button.dataset.start);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: seek only */ });
  });

  // Corrections without leaving the page; the form still posts where JS is off.
  list.addEventListener("submit", function (event) {
    var form = event.target.closest("form.segment-form");
    if (!form) return;
    event.preventDefault();
    var li = form.closest(".segment");
    var speaker = form.elements.speaker.value;
    var body = { text: form.elements.text.value };
    if (speaker) body.speaker = speaker; else body.clear_speaker = true;
    var headers = { "Content-Type": "application/json", Accept: "application/json",
      "Accept-Language": document.documentElement.lang || "da" };
    var csrf = document.querySelector("meta[name=csrf-token]");
    if (csrf) headers["X-CSRF-Token"] = csrf.content;
    var status = form.querySelector(".save-status");
    fetch("/api/v1/recordings/" + list.dataset.recording + "/transcript/segments/" + li.dataset.id, {
      method: "PATCH", headers: headers, body: JSON.stringify(body), credentials: "same-origin"
    }).then(function (res) {
      return res.json().then(function (data) { return { ok: res.ok, data: data }; });
    }).then(function (r) {
      // A refusal reads as an error, never in the success colour.
      status.classList.toggle("error", !r.ok);
      if (!r.ok) {
        status.textContent = typeof r.data.detail === "string" ? r.data.detail : "Fejl / error";
        return;
      }
      li.querySelector(".text").textContent = r.data.text;
      var marker = li.querySelector(".corrected");
      if (r.data.corrected && !marker) {
        marker = document.createElement("span");
        marker.className = "corrected";
        marker.textContent = "(" + labels.corrected + ")";
        li.querySelector(".text").after(marker);
      }
      if (marker && r.data.corrected) marker.title = labels.machine + ": " + r.data.machine_text;
      if (marker && !r.data.corrected) marker.remove();
      var badge = li.querySelector(".speaker");
      badge.hidden = !r.data.speaker;
      badge.textContent = r.data.speaker ? labels[r.data.speaker] : "";
      badge.className = "speaker speaker-" + (r.data.speaker || "none");
      status.textContent = labels.saved;
      // Captions come from the corrected transcript: reload the track.
      var track = player.querySelector("track");
      if (track) { track.src = track.src.split("?")[0] + "?v=" + Date.now(); }
    }).catch(function () {
      status.classList.add("error");
      status.textContent = "Netværksfejl / network error";
    });
  });
})();
