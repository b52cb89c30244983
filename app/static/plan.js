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

// A joint reflection is on no recording: its case field is shown instead of the recording's
// list and the share offer. Without this script, both are shown and the server decides.
const kinds = document.querySelectorAll('#plan-form input[name="kind"]');

function showForKind() {
  const checked = document.querySelector('#plan-form input[name="kind"]:checked');
  const kind = checked ? checked.value : "individual";
  document.querySelectorAll("#plan-form [data-for]").forEach((el) => {
    el.hidden = el.dataset.for !== kind;
  });
  document.querySelectorAll("#plan-form [data-not-for]").forEach((el) => {
    el.hidden = el.dataset.notFor === kind;
  });
}

if (kinds.length) {
  kinds.forEach((radio) => radio.addEventListener("change", showForKind));
  showForKind();
}
