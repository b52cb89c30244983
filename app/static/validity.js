// A form's own checks (a required field, an e-mail address, a length) speak the page's
// language. The browser words them in its own: a Danish page in an English browser would
// say "Please fill out this field." Each field that fails a check gets the page's words
// (from base.html's #form-words) as its message; typing in it clears them. Without this
// script the browser's words stand, and the server says the same in the page's language.
const source = document.getElementById("form-words");
const words = source ? JSON.parse(source.textContent) : null;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
const DATES = ["date", "time", "datetime-local", "month", "week"];

// A date as the page's language writes it ("6. december 2026").
function day(iso) {
  const lang = document.documentElement.lang || "da";
  return new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(new Date(iso + "T12:00"));
}

function missing(field) {
  if (field.type === "checkbox") return words.checkbox;
  if (field.type === "radio") return words.radio;
  if (field.type === "file") return words.file;
  if (field.tagName === "SELECT") return words.select;
  return words.missing;
}

function message(field) {
  const v = field.validity;
  if (v.valueMissing) return missing(field);
  if (v.badInput) {
    if (field.type === "number") return words.number;
    return DATES.includes(field.type) ? words.date : words.value;
  }
  if (v.typeMismatch) return field.type === "email" ? words.email : words.value;
  if (v.tooShort) return fill(words.tooShort, { min: field.minLength, n: field.value.length });
  if (v.tooLong) return fill(words.tooLong, { max: field.maxLength, n: field.value.length });
  if (v.rangeUnderflow) {
    if (field.type === "date") return fill(words.dateMin, { min: day(field.min) });
    return fill(words.min, { min: field.min });
  }
  if (v.rangeOverflow) {
    if (field.type === "date") return fill(words.dateMax, { max: day(field.max) });
    return fill(words.max, { max: field.max });
  }
  if (v.stepMismatch) return words.step;
  if (v.patternMismatch) return field.title || words.pattern;
  return "";
}

function clear(event) {
  const field = event.target;
  if (!field || typeof field.setCustomValidity !== "function") return;
  field.setCustomValidity("");
  // A radio group's every button got the message: choosing one answers them all.
  if (field.type === "radio" && field.form && field.name) {
    for (const other of field.form.elements.namedItem(field.name) || []) {
      if (other !== field && other.type === "radio") other.setCustomValidity("");
    }
  }
}

if (words) {
  // `invalid` comes before the browser shows its bubble: the message set here is the one shown.
  document.addEventListener(
    "invalid",
    (event) => {
      const field = event.target;
      field.setCustomValidity(""); // the field's own checks decide, not an earlier message
      if (!field.validity.valid) field.setCustomValidity(message(field));
    },
    true,
  );
  document.addEventListener("input", clear, true);
  document.addEventListener("change", clear, true);
}
