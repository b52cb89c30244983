// The session planning form: of the share offer's two explanations, show the one for what
// is chosen (a clip or the whole recording); without a choice, or without this script, both.
const media = document.getElementById("media");
const hints = document.querySelectorAll("#share-offer [data-media]");

function showHint() {
  const option = media.selectedOptions[0];
  const kind = option && option.value ? option.dataset.media : null;
  hints.forEach((hint) => {
    hint.hidden = kind !== null && hint.dataset.media !== kind;
  });
}

if (media && hints.length) {
  media.addEventListener("change", showHint);
  showHint();
}
