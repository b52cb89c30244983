// The child's page reads its texts aloud from the app's own sound files, never with the
// browser's speech (its voices may send the text to an outside service).
const buttons = document.querySelectorAll("button.read-aloud[data-sound]");

function stopAll() {
  buttons.forEach((other) => {
    const audio = document.getElementById(other.dataset.sound);
    if (audio && !audio.paused) audio.pause();
    other.classList.remove("playing");
  });
}

buttons.forEach((button) => {
  const audio = document.getElementById(button.dataset.sound);
  if (!audio) return;
  audio.addEventListener("ended", () => button.classList.remove("playing"));
  button.addEventListener("click", () => {
    const again = !audio.paused;
    stopAll();
    if (again) return; // a second press stops it
    audio.currentTime = 0;
    button.classList.add("playing");
    audio.play().catch(() => button.classList.remove("playing"));
  });
});
