// Seeking a player that has loaded nothing yet. Players ask for no media before someone
// plays them (preload="none": the audit log's "played" means played), and a browser forgets
// a position set before the media's first bytes come. So the position is kept here and set
// again once the media has loaded: when someone plays it, or a live room shows a frame.
const wanted = new WeakMap();

export function seekTo(player, t) {
  if (player.readyState >= 1) {
    player.currentTime = t;
    return;
  }
  if (!wanted.has(player)) {
    player.addEventListener(
      "loadedmetadata",
      () => {
        const at = wanted.get(player);
        wanted.delete(player);
        if (at !== undefined) player.currentTime = at;
      },
      { once: true },
    );
  }
  wanted.set(player, t);
  player.currentTime = t; // read back as t until then
  // Nothing loaded means no `seeked`: the playhead and the transcript follow this instead.
  player.dispatchEvent(new Event("timeupdate"));
}
