// Times in a recording as people read and type them: 1:05, 1:02:03, the same in every
// language; a tenth with the page's decimal sign, 1:05,5 in Danish and 1:05.5 in English.
// clock() and clockTenths() are the server's own (the `clock` and `clock_tenths` filters,
// app/core/templates.py); parseClock() reads what app/feedback/forms.py's parse_time reads.

const pad = (n) => (n < 10 ? "0" : "") + n;

/** A position in whole seconds, as the server shows it: 2:03, 1:02:03. */
export function clock(seconds) {
  const total = Math.floor(Math.max(0, Number(seconds) || 0));
  const hours = Math.floor(total / 3600), minutes = Math.floor(total / 60) % 60;
  const secs = pad(total % 60);
  return hours ? `${hours}:${pad(minutes)}:${secs}` : `${minutes}:${secs}`;
}

/** The decimal sign of the page's language (<html lang>): "," in Danish, "." in English. */
export function decimalSign(lang = document.documentElement.lang || "da") {
  try {
    const parts = new Intl.NumberFormat(lang).formatToParts(0.5);
    return parts.find((part) => part.type === "decimal").value;
  } catch {
    return lang.startsWith("en") ? "." : ",";
  }
}

/**
 * A position to the tenth of a second, for times a person types and the server reads back:
 * 1:05,5 (Danish; 1:05.5 in English), and 1:05 when the tenth is 0 (`always`: 1:05,0, the
 * clip form's times).
 */
export function clockTenths(seconds, { always = false } = {}) {
  const tenths = Math.round(Math.max(0, Number(seconds) || 0) * 10);
  const whole = clock(Math.floor(tenths / 10)), tenth = tenths % 10;
  return tenth || always ? `${whole}${decimalSign()}${tenth}` : whole;
}

const NUMBER = /^\s*(\d+\.?\d*|\.\d+)\s*$/;

/** '1:05', '1:05.5', '0:01:05', '65' or '1:05,5' in seconds; NaN for anything else. */
export function parseClock(text) {
  const parts = String(text).trim().replace(/,/g, ".").split(":");
  if (parts.length > 3 || !parts.every((part) => NUMBER.test(part))) return NaN;
  return parts.reduce((total, part) => total * 60 + parseFloat(part), 0);
}
