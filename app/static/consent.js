// The consent's rules the browser can check before sending (the server checks the same, and
// says so in words without this script): at least one purpose ticked, and the custody
// holders' consent unless the young person (15 or over) consented alone. Each rule is a
// `required` on the boxes, so the form's own check (and validity.js's words) say what is
// missing. Listens on the fieldset: before a form's own listeners (recorder.js) hear it.
const fieldset = document.querySelector("fieldset.consent");

if (fieldset) {
  const purposes = [...fieldset.querySelectorAll("input[data-purpose]")];
  const custody = fieldset.querySelector("#consent_custody");
  const alone = fieldset.querySelector("input[name=consent_given_by][value=young_person]");

  const update = () => {
    const none = !purposes.some((box) => box.checked);
    purposes.forEach((box) => {
      box.required = none;
    });
    if (custody) custody.required = !(alone && alone.checked);
  };

  fieldset.addEventListener("input", update);
  fieldset.addEventListener("change", update);
  update();
}
