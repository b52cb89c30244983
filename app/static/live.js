// Watching a session together, on the session page (templates/live/panel.html): this
// player follows the presenter's state over the live channel, with livesync.js's correction.
import { backoff, correct, estimateOffset, expected } from "./livesync.js";
import { seekTo } from "./seek.js";

// The session page's parts this script uses (the panel's, the player, the feedback form).
const [box, video, present, detachButton, statusLine, feedbackBox] = [
  "live", "player", "live-present", "live-detach", "live-status", "new-feedback",
].map((id) => document.getElementById(id));
const labels = box ? box.dataset : {};

let ws = null, seq = 0, attempt = 0, me = null, state = null, presenter = null;
let offset = 0, detached = false, holding = false, seekCost = 0.15;
let lastRate = 1, seekStarted = 0, startTimer = null, releasedAt = -1e9;
// Our own seek is told from the person's by its target: the position we set (`aim`). The
// presenter's seek or pause sent to the room and not yet back in its state is `announced`:
// until the state has it, the presenter's player is not corrected toward the old state.
let aim = null, announced = null;
const ANNOUNCED_FOR = 2000; // ms: one the room never takes up (lost, refused) stops holding
// The media time of the frame this player shows (requestVideoFrameCallback), or null.
let shown = null;
const samples = [];
// Our own play() and pause() calls, so that their events are not taken for the person's.
const ours = { play: 0, pause: 0 };

function send(message) {
  if (!ws || ws.readyState !== 1) return;
  seq += 1;
  message.seq = seq;
  ws.send(JSON.stringify(message));
}
const serverNow = () => Date.now() + offset;
const ping = () => send({ type: "ping", t0: Date.now() });
function say(text) {
  if (statusLine) statusLine.textContent = text || "";
}

function connect() {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    `/api/v1/sessions/${labels.session}/live`;
  ws = new WebSocket(url);
  seq = 0;
  ws.onopen = () => {
    for (let i = 0; i < 6; i++) setTimeout(ping, i * 150);
  };
  ws.onmessage = (e) => receive(JSON.parse(e.data));
  ws.onclose = (e) => {
    ws = null;
    if (e.code === 4401 || e.code === 4403 || e.code === 4404) {
      say(labels.labelGone);
      return;
    }
    if (e.code === 4429) { // open in too many windows: the server says so, in words
      say(e.reason);
      return;
    }
    say(labels.labelReconnecting);
    setTimeout(connect, backoff(attempt++, Math.random()));
  };
}

function receive(m) {
  if (m.type === "pong") {
    samples.push({ t0: m.t0, server: m.server_time, t1: Date.now() });
    if (samples.length > 8) samples.shift();
    offset = estimateOffset(samples).offset;
  } else if (m.type === "welcome") {
    attempt = 0;
    me = m.you;
    say("");
    follow(m.state); // late join or reconnect: catch up
  } else if (m.type === "state") {
    follow(m.state);
  } else if (m.type === "presence") {
    presenter = m.presenter;
    showPresence(m.people);
  } else if (m.type === "feedback" && m.by !== me) {
    document.dispatchEvent(new CustomEvent("live:feedback", { detail: m }));
  } else if (m.type === "refused" || m.type === "warning") {
    if (m.type === "refused") announced = null; // the room stays where it is: follow it
    say(m.message);
  }
}

function follow(next) {
  state = next;
  presenter = next.presenter;
  if (presenter === me) holding = false; // control passed to us: the room waits on us
  box.classList.toggle("presenting", presenter === me);
  tick();
}

// Our own pause: counted only when it makes a pause event (a paused player fires none), or
// the count would outlive it and swallow the person's next pause.
function pauseOurs() {
  if (video.paused) return;
  ours.pause++;
  video.pause();
}

// Apply the correction. Another player's buffering never reaches here: each follows the
// state, not the others, and a waiting player is simply sought ahead when it resumes.
function tick() {
  if (!state || detached || holding) return;
  if (announced) {
    const waiting = performance.now() - announced.at < ANNOUNCED_FOR;
    if (waiting && Math.abs(state.position - announced.position) > 1e-6) return;
    announced = null;
  }
  const c = correct(state, serverNow(), video.currentTime, seekCost);
  if (c.seek !== null && !video.seeking) {
    seekStarted = performance.now();
    const unloaded = video.readyState === 0;
    seekTo(video, c.seek);
    // The room shows a frame: load the media (the players ask for none before play).
    if (unloaded) video.preload = "auto";
    aim = video.currentTime; // as the player holds it (it may round or clamp)
  }
  if (Math.abs(video.playbackRate - c.rate) > 1e-4) {
    lastRate = c.rate;
    video.playbackRate = c.rate;
  }
  if (c.play && video.paused) {
    ours.play++;
    // Refused (no gesture, no source): no play event comes, so take ours back. Interrupted
    // by our own pause (AbortError): its play event has come or is queued and takes it.
    video.play().catch((e) => {
      if (e.name !== "AbortError") ours.play = Math.max(0, ours.play - 1);
    });
  }
  if (!c.play) pauseOurs();
  clearTimeout(startTimer);
  if (c.startIn !== undefined) startTimer = setTimeout(tick, c.startIn);
}

// What the person does with the player: the presenter's play/pause/seek/speed go to the
// room; a follower's own use of the player means "look alone" until they rejoin.
function watchPlayer() {
  video.addEventListener("play", () => {
    if (ours.play > 0) {
      ours.play--;
      return;
    }
    if (presenter === me) {
      pauseOurs(); // the room starts it; tick() may have paused it already
      send({ type: "play", position: video.currentTime });
    } else if (holding || performance.now() - releasedAt < 1000) tick(); // the form resumed it
    else if (!detached) setDetached(true);
  });
  video.addEventListener("pause", () => {
    if (ours.pause > 0) {
      ours.pause--;
      return;
    }
    if (presenter === me && state && state.playing) {
      const position = pausedAt();
      announced = { position, at: performance.now() };
      send({ type: "pause", position });
    } else if (presenter !== me && !detached && !holding) setDetached(true);
  });
  // `seeking` comes for every seek, before its `seeked`, while currentTime is still the
  // target: a target we did not set is the person's (the seek bar, a transcript line). The
  // presenter's goes to the room at once; from then until the room's state has it, tick()
  // leaves the player alone, so no correction toward the old state can undo it.
  video.addEventListener("seeking", () => {
    const target = video.currentTime;
    if (aim !== null && Math.abs(target - aim) < 0.01) return; // ours
    aim = null;
    seekStarted = 0;
    if (!state || detached) return;
    if (presenter === me) {
      if (announced && Math.abs(announced.position - target) < 1e-6) return;
      announced = { position: target, at: performance.now() };
      send({ type: "seek", position: target });
    } else if (Math.abs(target - expected(state, serverNow())) >= 0.3) setDetached(true);
  });
  video.addEventListener("seeked", () => {
    if (aim !== null && seekStarted) {
      // our seek: learn how long this player's seeks take
      seekCost = 0.7 * seekCost + 0.3 * Math.min(1, (performance.now() - seekStarted) / 1000);
    }
    aim = null;
    seekStarted = 0;
  });
  video.addEventListener("ratechange", () => {
    if (Math.abs(video.playbackRate - lastRate) < 1e-4) return;
    if (presenter === me) send({ type: "rate", rate: video.playbackRate });
  });
}

// Where the presenter's pause stops the room: inside the frame its player shows. A paused
// player may show the frame after the one that covers currentTime (it was painted a little
// early), and a follower sought to currentTime would show the one before; every player
// sought 1 ms into the shown frame shows that frame, the presenter's own included.
function pausedAt() {
  const t = video.currentTime;
  if (shown === null || Math.abs(shown - t) > 0.5) return t;
  return Math.min(shown + 0.001, video.duration || Infinity);
}
function watchFrames() {
  if (!("requestVideoFrameCallback" in video)) return;
  const next = (now, meta) => {
    shown = meta.mediaTime;
    video.requestVideoFrameCallback(next);
  };
  video.requestVideoFrameCallback(next);
}

// Announcements go out at most ten a second (publishing many drafts at once): the server
// allows a person a burst of messages over all their pages, then about fifteen a second.
const announcing = [];
let announcer = null;
function announce(id) {
  if (!announcing.includes(id)) announcing.push(id);
  if (announcer) return;
  announcer = setInterval(() => {
    if (!announcing.length) {
      clearInterval(announcer);
      announcer = null;
      return;
    }
    send({ type: "feedback", feedback_id: announcing.shift() });
  }, 100);
}

function setDetached(on) {
  detached = on;
  send({ type: on ? "detach" : "rejoin" });
  if (detachButton) detachButton.textContent = on ? labels.labelRejoin : labels.labelDetach;
  box.classList.toggle("detached", on);
  if (!on) tick();
}

// Typing feedback pauses one's own player only; the presenter's typing pauses the room.
// A follower holds while the feedback form is open or a text area has focus, and then
// catches up with the room; the form's own pause and resume are not "looking alone".
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
    pauseOurs();
  } else {
    releasedAt = performance.now();
    tick();
  }
}

function showPresence(people) {
  if (!present) return;
  present.textContent = "";
  people.forEach((p) => {
    const li = document.createElement("li");
    li.textContent = p.name;
    li.dataset.user = p.user_id;
    const note = p.user_id === presenter ? labels.labelPresents : p.detached ? labels.labelAlone : "";
    if (note) {
      const s = document.createElement("span");
      s.className = "live-note";
      s.textContent = " (" + note + ")";
      li.appendChild(s);
    }
    if (presenter === me && p.user_id !== me) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "live-handover";
      b.textContent = labels.labelHandover;
      b.addEventListener("click", () => send({ type: "handover", to: p.user_id }));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(b);
    }
    present.appendChild(li);
  });
}

if (box && video) {
  setInterval(tick, 100);
  watchPlayer();
  watchFrames();
  if (detachButton) detachButton.addEventListener("click", () => setDetached(!detached));
  document.addEventListener("focusin", (e) => hold(typing(e.target)));
  document.addEventListener("focusout", (e) => hold(typing(e.relatedTarget)));
  if (feedbackBox) feedbackBox.addEventListener("toggle", () => hold(typing(document.activeElement)));
  // The page's feedback code says it saved an item; the others fetch that one (a draft
  // is its author's alone: no one else hears of it).
  document.addEventListener("feedback:saved", (e) => {
    if (e.detail && e.detail.id && !e.detail.draft) announce(e.detail.id);
  });
  setInterval(ping, 15000); // the clocks drift apart slowly; keep the best recent samples
  connect();
}
