/**
 * The one text normalisation that dedupe and decontamination share: Unicode NFKC, lower case,
 * punctuation (Unicode category P) replaced by spaces, whitespace collapsed to single spaces,
 * trimmed. Punctuation becomes a space rather than nothing so that "word,word" is two words.
 */
const PUNCTUATION = /\p{P}+/gu;
const WHITESPACE = /\s+/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** ASCII codes that belong to words: neither punctuation nor whitespace, by the same classes. */
export const WORD_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD_CHAR[c] = /[\p{P}\s]/u.test(String.fromCharCode(c)) ? 0 : 1;

export function normalizeText(text: string): string {
  if (NON_ASCII.test(text)) return text.normalize("NFKC").toLowerCase().replace(PUNCTUATION, " ").replace(WHITESPACE, " ").trim();
  // ASCII text is its own NFKC form. One pass keeps runs of words joined by single spaces
  // whole and cuts only at punctuation or other whitespace, about twice as fast as the regexes.
  const lower = text.toLowerCase();
  const n = lower.length;
  let out = "";
  let start = -1;
  let i = 0;
  while (i < n) {
    if (WORD_CHAR[lower.charCodeAt(i)] === 1) {
      if (start < 0) start = i;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && WORD_CHAR[lower.charCodeAt(j)] === 0) j++;
    if (j === i + 1 && start >= 0 && j < n && lower.charCodeAt(i) === 32) {
      i = j;
      continue;
    }
    if (start >= 0) out = out.length === 0 ? lower.slice(start, i) : out + " " + lower.slice(start, i);
    start = -1;
    i = j;
  }
  if (start >= 0) out = out.length === 0 ? lower.slice(start) : out + " " + lower.slice(start);
  return out;
}

