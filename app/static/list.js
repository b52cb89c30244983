// Keeps recording states current while work goes on, without reloading the page.
(function () {
  "use strict";
  var labels = JSON.parse(document.getElementById("i18n").textContent);
  var pending = document.getElementById("pending");
  var rows = document.querySelectorAll("tr[data-id]");
  if (!pending && !rows.length) return;

  function busy(status) { return status === "queued" || status === "processing"; }

  function statusHtml(r) {
    var span = document.createElement("span");
    span.className = "status status-" + r.status;
    span.dataset.status = r.status;
    var text = labels[r.status] || r.status;
    if (r.status === "processing") {
      var pct = Math.round(r.progress * 100);
      text += " " + pct + " %" + (r.stage && labels[r.stage] ? ", " + labels[r.stage] : "");
      span.textContent = text;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = pct; bar.setAttribute("aria-hidden", "true");
      span.appendChild(bar);
    } else {
      if (r.status === "queued" && (r.stage === "retrying" || r.stage === "waiting")) {
        text += " (" + labels[r.stage] + ")";
      }
      span.textContent = text;
      if (r.status === "failed" && r.failure_reason) {
        var reason = document.createElement("span");
        reason.className = "reason";
        reason.textContent = r.failure_reason;
        span.appendChild(reason);
      }
    }
    return span;
  }

  function poll() {
    var url = pending ? "/api/v1/recordings/" + pending.dataset.id : "/api/v1/recordings";
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (body) {
        var list = pending ? [body] : body.data;
        var anyBusy = false;
        list.forEach(function (r) {
          if (busy(r.status)) anyBusy = true;
          if (pending) {
            if (!busy(r.status)) { window.location.reload(); return; }
          }
          var cell = document.querySelector('[data-id="' + r.id + '"] .status-cell');
          if (cell) { cell.replaceChildren(statusHtml(r)); }
        });
        var hint = document.getElementById("live-hint");
        if (hint) hint.hidden = !anyBusy;
        if (anyBusy) setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  var start = pending ? busy(pending.querySelector("[data-status]") &&
    pending.querySelector("[data-status]").dataset.status) : Array.prototype.some.call(rows, function (row) {
      var s = row.querySelector("[data-status]");
      return s && busy(s.dataset.status);
    });
  if (start) setTimeout(poll, 1500);
})();
