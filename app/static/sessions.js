// The session page's clip: the times in its transcript and feedback play the clip from there.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var media = document.querySelector(".clip-viewer");
  if (!player || !media) return;
  media.addEventListener("click", function (e) {
    var button = e.target.closest(".seek");
    if (!button) return;
    player.currentTime = parseFloat(button.dataset.start) || 0;
    player.play();
  });
})();
