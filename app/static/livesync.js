// Watching a session together: this player follows the presenter's state over the live
// channel. The top half is pure (no DOM): Node runs the same correction in the tests and
// the benchmark. The bottom half wires it to the session page (templates/live/panel.html).
(function (root) {
  "use strict";
  var L = {
    // s of drift corrected by a seek; below it, by the playback rate. Beyond the targets' worst
    // (250 ms) a seek is quicker: at 5 % a nudge closes only 50 ms a second (bench/live_sync).
    SEEK_ABOVE: 0.25,
    DEAD_BAND: 0.012, // s: closer than this, play at the presenter's rate
    GAIN: 1.0, // rate change per second of drift: the drift halves in about 0.7 s
    MIN_NUDGE: 0.95, // keep the nudged rate near 1 so that speech still sounds natural
    MAX_NUDGE: 1.05,
    PAUSE_EXACT: 0.001, // s: on pause, every player stops at the presenter's frame
  };

  // NTP-style: the sample with the lowest round trip has the least room for asymmetry.
  // A sample is {t0, server, t1}: local send time, server time, local receive time (ms).
  L.estimateOffset = function (samples) {
    var best = null;
    samples.forEach(function (s) {
      var rtt = s.t1 - s.t0;
      if (rtt >= 0 && (best === null || rtt < best.rtt)) {
        best = { rtt: rtt, offset: s.server - (s.t0 + s.t1) / 2 };
      }
    });
    return best; // server time = local time + offset
  };

  // Where the presenter's media is at server time `now` (ms), in seconds.
  L.expected = function (state, now) {
    if (!state.playing || now <= state.at) return state.position;
    return state.position + ((now - state.at) / 1000) * state.rate;
  };

  // What a player at `position` should do now: {seek: s or null, play: bool, rate}.
  // `seekCost` (s) is how long this player's seeks take: a seek while playing aims ahead.
  L.correct = function (state, now, position, seekCost) {
    var out = { seek: null, play: false, rate: state.rate };
    if (!state.playing) {
      if (Math.abs(position - state.position) > L.PAUSE_EXACT) out.seek = state.position;
      return out;
    }
    if (now < state.at) { // a play announced ahead: stand ready at its position
      if (Math.abs(position - state.position) > 0.02) out.seek = state.position;
      out.startIn = state.at - now;
      return out;
    }
    var target = L.expected(state, now);
    var drift = position - target;
    out.play = true;
    if (Math.abs(drift) > L.SEEK_ABOVE) {
      out.seek = target + (seekCost || 0) * state.rate;
    } else if (Math.abs(drift) > L.DEAD_BAND) {
      var nudge = Math.min(L.MAX_NUDGE, Math.max(L.MIN_NUDGE, 1 - drift * L.GAIN));
      out.rate = state.rate * nudge;
    }
    return out;
  };

  // Reconnecting: 0.5 s, 1 s, 2 s ... at most 15 s, with jitter so a room does not return at once.
  L.backoff = function (attempt, random) {
    return Math.min(15000, 500 * Math.pow(2, attempt)) * (0.75 + 0.5 * (random || 0.5));
  };

  if (typeof module !== "undefined" && module.exports) module.exports = L;
  if (typeof document === "undefined") return;

  // The page ------------------------------------------------------------------------------
  var box = document.getElementById("live");
  var video = document.getElementById("player");
  if (!box || !video) return;
  root.liveSync = L;
  var present = document.getElementById("live-present");
  var detachButton = document.getElementById("live-detach");
  var statusLine = document.getElementById("live-status");
  var d = box.dataset;
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/api/v1/sessions/" + d.session + "/live";
  var ws = null, seq = 0, attempt = 0, me = null, state = null, presenter = null;
  var samples = [], offset = 0, detached = false, holding = false, seekCost = 0.15;
  var ours = { play: 0, pause: 0 }, lastRate = 1, seekStarted = 0, startTimer = null;

  function send(message) {
    if (!ws || ws.readyState !== 1) return;
    seq += 1; message.seq = seq;
    ws.send(JSON.stringify(message));
  }
  function serverNow() { return Date.now() + offset; }
  function ping() { send({ type: "ping", t0: Date.now() }); }
  function say(text) { if (statusLine) statusLine.textContent = text || ""; }

  function connect() {
    ws = new WebSocket(url); seq = 0;
    ws.onopen = function () { for (var i = 0; i < 6; i++) setTimeout(ping, i * 150); };
    ws.onmessage = function (e) { receive(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      ws = null;
      if (e.code === 4401 || e.code === 4403 || e.code === 4404) { say(d.labelGone); return; }
      say(d.labelReconnecting);
      setTimeout(connect, L.backoff(attempt++, Math.random()));
    };
  }

  function receive(m) {
    if (m.type === "pong") {
      samples.push({ t0: m.t0, server: m.server_time, t1: Date.now() });
      if (samples.length > 8) samples.shift();
      offset = L.estimateOffset(samples).offset;
    } else if (m.type === "welcome") {
      attempt = 0; me = m.you; say(""); follow(m.state); // late join or reconnect: catch up
    } else if (m.type === "state") {
      follow(m.state);
    } else if (m.type === "presence") {
      presenter = m.presenter; showPresence(m.people);
    } else if (m.type === "feedback" && m.by !== me) {
      document.dispatchEvent(new CustomEvent("live:feedback", { detail: m }));
    } else if (m.type === "refused" || m.type === "warning") {
      say(m.message);
    }
  }

  function follow(next) {
    state = next; presenter = next.presenter;
    if (presenter === me) holding = false; // control passed to us: the room waits on us
    box.classList.toggle("presenting", presenter === me);
    tick();
  }

  // Apply the correction. Another player's buffering never reaches here: each follows the
  // state, not the others, and a waiting player is simply sought ahead when it resumes.
  function tick() {
    if (!state || detached || holding) return;
    var c = L.correct(state, serverNow(), video.currentTime, seekCost);
    if (c.seek !== null && !video.seeking) { seekStarted = performance.now(); video.currentTime = c.seek; }
    if (Math.abs(video.playbackRate - c.rate) > 1e-4) { lastRate = c.rate; video.playbackRate = c.rate; }
    if (c.play && video.paused) { ours.play++; video.play().catch(function () { ours.play--; }); }
    if (!c.play && !video.paused) { ours.pause++; video.pause(); }
    clearTimeout(startTimer);
    if (c.startIn !== undefined) startTimer = setTimeout(tick, c.startIn);
  }
  setInterval(tick, 100);

  // What the person does with the player: the presenter's play/pause/seek/speed go to the
  // room; a follower's own use of the player means "look alone" until they rejoin.
  video.addEventListener("play", function () {
    if (ours.play > 0) { ours.play--; return; }
    if (presenter === me) { ours.pause++; video.pause(); send({ type: "play", position: video.currentTime }); }
    else if (holding || performance.now() - releasedAt < 1000) tick(); // the form resumed it
    else if (!detached) setDetached(true);
  });
  video.addEventListener("pause", function () {
    if (ours.pause > 0) { ours.pause--; return; }
    if (presenter === me && state && state.playing) send({ type: "pause", position: video.currentTime });
    else if (presenter !== me && !detached && !holding) setDetached(true);
  });
  video.addEventListener("seeked", function () {
    if (seekStarted) { // our seek: learn how long this player's seeks take
      seekCost = 0.7 * seekCost + 0.3 * Math.min(1, (performance.now() - seekStarted) / 1000);
      seekStarted = 0; return;
    }
    if (!state || detached) return;
    if (Math.abs(video.currentTime - L.expected(state, serverNow())) < 0.3) return;
    if (presenter === me) send({ type: "seek", position: video.currentTime });
    else setDetached(true);
  });
  video.addEventListener("ratechange", function () {
    if (Math.abs(video.playbackRate - lastRate) < 1e-4) return;
    if (presenter === me) send({ type: "rate", rate: video.playbackRate });
  });

  function setDetached(on) {
    detached = on;
    send({ type: on ? "detach" : "rejoin" });
    if (detachButton) detachButton.textContent = on ? d.labelRejoin : d.labelDetach;
    box.classList.toggle("detached", on);
    if (!on) tick();
  }
  if (detachButton) detachButton.addEventListener("click", function () { setDetached(!detached); });

  // Typing feedback pauses one's own player only; the presenter's typing pauses the room.
  // A follower holds while the feedback form is open or a text area has focus, and then
  // catches up with the room; the form's own pause and resume are not "looking alone".
  var releasedAt = -1e9, feedbackBox = document.getElementById("new-feedback");
  function typing(el) {
    return !!((feedbackBox && feedbackBox.open) || (el && el.tagName === "TEXTAREA"));
  }
  function hold(on) {
    if (!state || on === holding) return;
    if (presenter === me) {
      if (on && state.playing) send({ type: "pause", position: video.currentTime });
      return;
    }
    if (detached) return;
    holding = on;
    if (on) {
      if (!video.paused) { ours.pause++; video.pause(); }
    } else {
      releasedAt = performance.now(); tick();
    }
  }
  document.addEventListener("focusin", function (e) { hold(typing(e.target)); });
  document.addEventListener("focusout", function (e) { hold(typing(e.relatedTarget)); });
  if (feedbackBox) feedbackBox.addEventListener("toggle", function () { hold(typing(document.activeElement)); });
  // The page's feedback code says it saved feedback; the others refetch theirs (a draft
  // is its author's alone: no one else hears of it).
  document.addEventListener("feedback:saved", function (e) {
    if (e.detail && e.detail.draft) return;
    send({ type: "feedback", feedback_id: e.detail && e.detail.id });
  });

  function showPresence(people) {
    if (!present) return;
    present.textContent = "";
    people.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.name;
      li.dataset.user = p.user_id;
      var note = p.user_id === presenter ? d.labelPresents : p.detached ? d.labelAlone : "";
      if (note) { var s = document.createElement("span"); s.className = "live-note"; s.textContent = " (" + note + ")"; li.appendChild(s); }
      if (presenter === me && p.user_id !== me) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "live-handover"; b.textContent = d.labelHandover;
        b.addEventListener("click", function () { send({ type: "handover", to: p.user_id }); });
        li.appendChild(document.createTextNode(" ")); li.appendChild(b);
      }
      present.appendChild(li);
    });
  }

  setInterval(ping, 15000); // the clocks drift apart slowly; keep the best recent samples
  connect();
})(typeof window !== "undefined" ? window : globalThis);
