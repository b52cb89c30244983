// Watching a session together: how this player follows the presenter's state over the live
// channel. Pure (no DOM): Node runs the same correction in the tests and the benchmark
// (tests/test_live_sync.py, bench/live_sync_followers.js); live.js wires it to the page.

// s of drift corrected by a seek; below it, by the playback rate. Beyond the targets' worst
// (250 ms) a seek is quicker: at 5 % a nudge closes only 50 ms a second (bench/live_sync).
export const SEEK_ABOVE = 0.25;
export const DEAD_BAND = 0.012; // s: closer than this, play at the presenter's rate
export const GAIN = 1.0; // rate change per second of drift: the drift halves in about 0.7 s
export const MIN_NUDGE = 0.95; // keep the nudged rate near 1 so that speech still sounds natural
export const MAX_NUDGE = 1.05;
export const PAUSE_EXACT = 0.001; // s: on pause, every player stops at the presenter's frame

// NTP-style: the sample with the lowest round trip has the least room for asymmetry.
// A sample is {t0, server, t1}: local send time, server time, local receive time (ms).
export function estimateOffset(samples) {
  let best = null;
  samples.forEach((s) => {
    const rtt = s.t1 - s.t0;
    if (rtt >= 0 && (best === null || rtt < best.rtt)) {
      best = { rtt, offset: s.server - (s.t0 + s.t1) / 2 };
    }
  });
  return best; // server time = local time + offset
}

// Where the presenter's media is at server time `now` (ms), in seconds.
export function expected(state, now) {
  if (!state.playing || now <= state.at) return state.position;
  return state.position + ((now - state.at) / 1000) * state.rate;
}

// What a player at `position` should do now: {seek: s or null, play: bool, rate}.
// `seekCost` (s) is how long this player's seeks take: a seek while playing aims ahead.
export function correct(state, now, position, seekCost) {
  const out = { seek: null, play: false, rate: state.rate };
  if (!state.playing) {
    if (Math.abs(position - state.position) > PAUSE_EXACT) out.seek = state.position;
    return out;
  }
  if (now < state.at) {
    // a play announced ahead: stand ready at its position
    if (Math.abs(position - state.position) > 0.02) out.seek = state.position;
    out.startIn = state.at - now;
    return out;
  }
  const target = expected(state, now);
  const drift = position - target;
  out.play = true;
  if (Math.abs(drift) > SEEK_ABOVE) {
    out.seek = target + (seekCost || 0) * state.rate;
  } else if (Math.abs(drift) > DEAD_BAND) {
    const nudge = Math.min(MAX_NUDGE, Math.max(MIN_NUDGE, 1 - drift * GAIN));
    out.rate = state.rate * nudge;
  }
  return out;
}

// Reconnecting: 0.5 s, 1 s, 2 s ... at most 15 s, with jitter so a room does not return at once.
export function backoff(attempt, random) {
  return Math.min(15000, 500 * Math.pow(2, attempt)) * (0.75 + 0.5 * (random || 0.5));
}
