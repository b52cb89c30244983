// The live_sync benchmark's simulated room (run by bench/live_sync_bench.py, Node >= 20 with
// --experimental-websocket): one presenter and N followers, each a real WebSocket client of
// the live channel. Every follower runs the page's own correction code (app/static/
// livesync.js, an ES module: imported) against a simulated <video>, the way the page
// (live.js) drives the real one: on every state, every 100 ms and at an announced start.
//
// Each follower has a clock of its own (off the server's by up to +-5 s: the offset estimate
// must find it), a one-way network delay each way (2-40 ms, plus up to 8 ms jitter, never
// reordering), seeks that take 60-250 ms, play() 20-60 ms, a media clock up to 0.25 % fast or
// slow, and some a buffering stall after the first seek. It records where its player is
// every 50 ms, stamped with the true (shared machine) clock, so that the Python side can
// compare it with the presenter's state.
//
// Input: a JSON file (argv[3]); output: one JSON object on stdout.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const L = await import(pathToFileURL(process.argv[2]).href);
const input = JSON.parse(readFileSync(process.argv[3], "utf8"));

let seed = input.seed || 7;
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647; }
function between(a, b) { return a + rnd() * (b - a); }

// One connection with simulated one-way delays in both directions (in order, as TCP is).
function Link(cookie, delay, onMessage, onOpen) {
  const self = this;
  let inAt = 0, outAt = 0;
  self.seq = 0;
  self.ws = new WebSocket(input.url, { headers: { cookie: cookie, origin: input.origin } });
  self.ws.onopen = onOpen;
  self.ws.onmessage = function (e) {
    inAt = Math.max(inAt, Date.now() + delay.down + rnd() * delay.jitter);
    const m = JSON.parse(e.data);
    setTimeout(function () { onMessage(m); }, inAt - Date.now());
  };
  self.ws.onerror = function (e) { console.error("websocket error", e.message || e); };
  self.send = function (message) {
    self.seq += 1; message.seq = self.seq;
    const text = JSON.stringify(message);
    outAt = Math.max(outAt, Date.now() + delay.up + rnd() * delay.jitter);
    setTimeout(function () { if (self.ws.readyState === 1) self.ws.send(text); }, outAt - Date.now());
  };
}

// A simulated <video>: currentTime, paused, playbackRate, seeking; advanced by the loop below.
function Player(skew, stall) {
  this.pos = 0; this.paused = true; this.rate = 1; this.skew = skew;
  this.busyUntil = 0; this.seekStarted = 0; this.seekDone = 0; this.stall = stall;
  this.stallFrom = null;
}
Player.prototype.seek = function (to, now) {
  this.pos = to; this.seekStarted = now;
  this.busyUntil = now + between(60, 250); this.seekDone = this.busyUntil;
};
Player.prototype.seeking = function (now) { return now < this.seekDone; };
Player.prototype.advance = function (now, dt) {
  if (this.stall && this.stallFrom !== null && now >= this.stallFrom &&
      now < this.stallFrom + this.stall) return; // buffering: the media clock stands still
  if (!this.paused && now >= this.busyUntil) this.pos += (dt / 1000) * this.rate * this.skew;
};

function Follower(n, spec) {
  const f = this;
  f.n = n; f.clockError = spec.clock_error;
  f.player = new Player(1 + spec.skew, spec.stall_ms);
  f.samples = []; f.clock = []; f.offset = 0; f.state = null; f.states = [];
  f.seekCost = 0.15; f.startTimer = null; f.welcome = false; f.seeks = 0; f.playing = 0;
  f.now = function () { return Date.now() + f.clockError; }; // this client's own clock
  f.link = new Link(spec.cookie, spec.delay, function (m) { f.receive(m); }, function () {
    for (let i = 0; i < 6; i++) setTimeout(function () { f.link.send({ type: "ping", t0: f.now() }); }, i * 150);
  });
}
Follower.prototype.receive = function (m) {
  if (m.type === "pong") {
    this.clock.push({ t0: m.t0, server: m.server_time, t1: this.now() });
    if (this.clock.length > 8) this.clock.shift();
    this.offset = L.estimateOffset(this.clock).offset;
  } else if (m.type === "welcome" || m.type === "state") {
    this.welcome = true;
    if (m.type === "state") this.states.push({ t: Date.now(), version: m.state.version });
    // The stall (if any) begins 300 ms after this follower hears of the first seek in play.
    if (m.type === "state" && m.state.playing && ++this.playing === 2 && this.player.stall) {
      this.player.stallFrom = Date.now() + 300;
    }
    this.state = m.state;
    this.tick();
  }
};
// The page's tick(), on the simulated player.
Follower.prototype.tick = function () {
  if (!this.state) return;
  const now = Date.now(), p = this.player;
  if (p.seekStarted && now >= p.seekDone) { // "seeked": learn how long this player's seeks take
    this.seekCost = 0.7 * this.seekCost + 0.3 * Math.min(1, (p.seekDone - p.seekStarted) / 1000);
    p.seekStarted = 0;
  }
  const c = L.correct(this.state, this.now() + this.offset, p.pos, this.seekCost);
  if (c.seek !== null && !p.seeking(now)) { p.seek(c.seek, now); this.seeks++; }
  p.rate = c.rate;
  if (c.play && p.paused) { p.paused = false; p.busyUntil = Math.max(p.busyUntil, now + between(20, 60)); }
  if (!c.play && !p.paused) p.paused = true;
  clearTimeout(this.startTimer);
  const self = this;
  if (c.startIn !== undefined) this.startTimer = setTimeout(function () { self.tick(); }, c.startIn);
};

function Presenter(spec) {
  const pr = this;
  pr.state = null; pr.sent = []; pr.welcomed = false; pr.refused = []; pr.states = [];
  pr.link = new Link(spec.cookie, { up: 0, down: 0, jitter: 0 }, function (m) {
    if (m.type === "welcome") { pr.welcomed = true; pr.state = m.state; pr.you = m.you; }
    if (m.type === "state") { pr.state = m.state; pr.states.push({ server_time: m.server_time, by: m.by, state: m.state }); }
    if (m.type === "refused") pr.refused.push(m);
  }, function () {});
}
// What the presenter's player shows now (it follows its own state too; loopback, no delay).
Presenter.prototype.position = function () {
  return Math.round(L.expected(this.state, Date.now()) * 1000) / 1000;
};
Presenter.prototype.run = function (step) {
  const m = { type: step.type };
  if (step.type === "play") m.position = step.position !== undefined ? step.position : this.position();
  if (step.type === "seek") m.position = step.position;
  if (step.type === "pause") m.position = this.position();
  if (step.type === "rate") m.rate = step.rate;
  this.sent.push({ t: Date.now(), message: m });
  this.link.send(m);
};

function waitFor(predicate, timeout, what) {
  return new Promise(function (resolve, reject) {
    const until = Date.now() + timeout;
    (function check() {
      if (predicate()) return resolve();
      if (Date.now() > until) return reject(new Error("timed out waiting for " + what));
      setTimeout(check, 20);
    })();
  });
}

async function main() {
  const presenter = new Presenter(input.presenter);
  await waitFor(function () { return presenter.welcomed; }, 15000, "the presenter's welcome");
  const followers = input.followers.map(function (spec, n) { return new Follower(n, spec); });
  await waitFor(function () {
    return followers.every(function (f) { return f.welcome && f.clock.length >= 6; });
  }, 30000, "every follower's welcome and clock samples");
  const joined = Date.now();

  // The media clocks and the samples: every 10 ms advance, every 50 ms record.
  let last = Date.now(), nextSample = last;
  const loop = setInterval(function () {
    const now = Date.now(), dt = now - last;
    last = now;
    followers.forEach(function (f) { f.player.advance(now, dt); });
    if (now >= nextSample) {
      nextSample += 50;
      followers.forEach(function (f) {
        f.samples.push([now, Math.round(f.player.pos * 1e6) / 1e6, f.player.paused ? 0 : 1]);
      });
    }
  }, 10);
  const ticks = followers.map(function (f) { return setInterval(function () { f.tick(); }, 100); });
  const pings = followers.map(function (f) {
    return setInterval(function () { f.link.send({ type: "ping", t0: f.now() }); }, 15000);
  });

  const start = Date.now();
  for (const step of input.script) {
    await new Promise(function (r) { setTimeout(r, Math.max(0, start + step.at * 1000 - Date.now())); });
    presenter.run(step);
  }
  await new Promise(function (r) { setTimeout(r, Math.max(0, start + input.end * 1000 - Date.now())); });
  clearInterval(loop);
  ticks.concat(pings).forEach(clearInterval);
  [presenter].concat(followers).forEach(function (x) { x.link.ws.close(); });
  process.stdout.write(JSON.stringify({
    joined: joined,
    started: start,
    sent: presenter.sent,
    states: presenter.states,
    refused: presenter.refused,
    followers: followers.map(function (f) {
      const est = L.estimateOffset(f.clock);
      return {
        clock_error: f.clockError,
        offset_error_ms: est.offset + f.clockError,
        rtt_ms: est.rtt,
        stall_ms: f.player.stall || 0,
        skew: f.player.skew - 1,
        seeks: f.seeks,
        states: f.states,
        samples: f.samples,
      };
    }),
  }));
  setTimeout(function () { process.exit(0); }, 200);
}
main().catch(function (e) { console.error(e.stack || String(e)); process.exit(1); });
