// While a recording is being heard: the lines of its transcript appear as the worker stores
// them (list.js reloads the page once the recording is ready, for the full player).
(function () {
  "use strict";
  var list = document.getElementById("transcript-so-far");
  var pending = document.getElementById("pending");
  var state = pending && pending.querySelector("[data-status]");
  if (!state || (state.dataset.status !== "queued" && state.dataset.status !== "processing")) return;
  var id = pending.dataset.id;
  var headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "da" };

  function clock(t) {
    var s = Math.floor(t), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
  }
  function shown() {
    var items = list ? list.querySelectorAll("li[data-position]") : [];
    return items.length ? parseInt(items[items.length - 1].dataset.position, 10) : -1;
  }
  function add(segments) {
    document.getElementById("so-far").hidden = false;  // the first lines: never a reload
    var last = shown();
    segments.forEach(function (s) {
      if (s.position <= last) return;
      var li = document.createElement("li");
      li.className = "segment";
      li.dataset.position = s.position;
      var time = document.createElement("span");
      time.className = "seek";
      time.textContent = clock(s.start);
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = s.text;
      li.append(time, " ", text);
      list.appendChild(li);
    });
  }
  function poll() {
    fetch("/api/v1/recordings/" + id + "/transcript", { headers: headers, credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.segments.length && body.segments[body.segments.length - 1].position > shown()) {
          add(body.segments);
        }
        if (!body || !body.complete) setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
