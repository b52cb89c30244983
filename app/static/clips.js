// Clips: on the recording page the owner's "Start clip here" / "End clip here" buttons read
// the player's time into the clip form (which posts without this script too), and dragging
// along the timeline while the form is open marks the clip; each clip's state follows its
// cutting job. On a clip's page the time buttons seek, and a clip being cut shows once ready.
(function () {
  "use strict";
  var player = document.getElementById("player");

  function clock(t) {
    var s = Math.max(0, t), m = Math.floor(s / 60), rest = s - m * 60;
    var secs = rest.toFixed(1);
    return m + ":" + (rest < 10 ? "0" : "") + secs;
  }
  function seconds(text) {
    var parts = String(text).trim().replace(",", ".").split(":"), total = 0;
    for (var i = 0; i < parts.length; i++) {
      var n = parseFloat(parts[i]);
      if (isNaN(n)) return NaN;
      total = total * 60 + n;
    }
    return total;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  // ------------------------------------------------------------ the recording page's form
  var form = document.getElementById("clip-form");
  if (form && player) {
    var start = document.getElementById("clip-start"), end = document.getElementById("clip-end");
    var length = document.getElementById("clip-length");
    var showLength = function () {
      var a = seconds(start.value), b = seconds(end.value);
      length.textContent = !isNaN(a) && !isNaN(b) && b > a ? "(" + clock(b - a) + ")" : "";
    };
    [["clip-in", start], ["clip-out", end]].forEach(function (pair) {
      var button = document.getElementById(pair[0]);
      button.hidden = false;
      button.addEventListener("click", function () {
        pair[1].value = clock(player.currentTime);
        showLength();
      });
    });
    start.addEventListener("input", showLength);
    end.addEventListener("input", showLength);
    // Dragging along the timeline (feedback.js draws it) marks the clip while its form is open.
    var track = document.getElementById("track"), details = document.getElementById("clip-new");
    var duration = parseFloat(form.dataset.duration) || 0, from = null;
    var timeAt = function (e) {
      var r = track.getBoundingClientRect();
      return Math.min(Math.max(0, (e.clientX - r.left) / r.width), 1) * duration;
    };
    if (track) {
      track.addEventListener("pointerdown", function (e) { from = { x: e.clientX, t: timeAt(e) }; });
      track.addEventListener("pointerup", function (e) {
        if (!from || !details.open || Math.abs(e.clientX - from.x) < 5) { from = null; return; }
        var a = Math.min(from.t, timeAt(e)), b = Math.max(from.t, timeAt(e));
        from = null;
        start.value = clock(a);
        end.value = clock(b);
        showLength();
      });
    }
  }

  // ------------------------------------------------- a clip's state while it is being cut
  var list = document.getElementById("clip-list");
  function follow(item) {
    getJSON("/api/v1/clips/" + item.dataset.id).then(function (clip) {
      if (!clip) return;
      if (clip.status !== item.dataset.status) {
        var status = item.querySelector(".status");
        item.dataset.status = clip.status;
        status.className = "status status-" + clip.status;
        status.textContent = list.dataset[clip.status] || clip.status;
      }
      if (clip.status === "queued" || clip.status === "processing") {
        setTimeout(function () { follow(item); }, 2000);
      }
    });
  }
  if (list) {
    list.querySelectorAll(".clip-item").forEach(function (item) {
      if (item.dataset.status === "queued" || item.dataset.status === "processing") follow(item);
    });
  }

  // ---------------------------------------------------------------------- the clip page
  var pending = document.getElementById("clip-pending");
  if (pending) {
    var wait = function () {
      getJSON("/api/v1/clips/" + pending.dataset.clip).then(function (clip) {
        if (clip && (clip.status === "ready" || clip.status === "failed")) location.reload();
        else setTimeout(wait, 2000);
      });
    };
    setTimeout(wait, 1000);
  }
  if (player && !form) {
    document.addEventListener("click", function (e) {
      var b = e.target.closest(".seek");
      if (!b) return;
      player.currentTime = parseFloat(b.dataset.start) || 0;
      player.play().catch(function () {});
    });
    // A link to a moment of the clip (?t=…, e.g. from a notification).
    var at = parseFloat(new URLSearchParams(location.search).get("t"));
    if (!isNaN(at)) {
      var go = function () { player.currentTime = at; };
      if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
    }
    var segments = document.querySelectorAll("#transcript .segment");
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      segments.forEach(function (li) {
        var on = t >= parseFloat(li.dataset.start) && t < parseFloat(li.dataset.end);
        li.classList.toggle("current", on);
      });
    });
  }
})();
