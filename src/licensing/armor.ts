/**
 * The text envelope shared by licence files and offline requests: optional `#` comment lines, then
 * `-----BEGIN LICENTIA <LABEL>-----`, a body wrapped at 64 columns, `-----END LICENTIA <LABEL>-----`.
 * 64 columns as in PEM, so the files survive mail clients and terminals that wrap long lines.
 */
export const ARMOR_COLUMNS = 64;

/** Larger than any licence or request we write, small enough that a hostile upload costs nothing. */
export const MAX_ARMORED_CHARS = 256 * 1024;

export function wrap(text: string, columns = ARMOR_COLUMNS): string[] {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += columns) lines.push(text.slice(i, i + columns));
  return lines;
}

export function armor(label: string, body: string, comments: readonly string[] = []): string {
  return [
    ...comments.map(commentLine),
    `-----BEGIN LICENTIA ${label}-----`,
    ...wrap(body),
    `-----END LICENTIA ${label}-----`,
    '',
  ].join('\n');
}

/**
 * A comment is one line whatever it is given: control characters (line breaks included),
 * invisible format characters (bidi overrides) and lone surrogates are shown escaped, so a product
 * name cannot forge an armour line, make a line read differently from what it holds, or make the
 * file invalid UTF-8.
 */
export function commentLine(text: string): string {
  // Testing first is cheaper than a replace with a callback, and almost no line needs one.
  const safe = UNSAFE_IN_COMMENT.test(text)
    ? text.replace(UNSAFE_IN_COMMENT_ALL, (c) => `\\u${c.codePointAt(0)?.toString(16).padStart(4, '0') ?? ''}`)
    : text;
  return safe.length > 0 ? `# ${safe}` : '#';
}

const UNSAFE_IN_COMMENT = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const UNSAFE_IN_COMMENT_ALL = new RegExp(UNSAFE_IN_COMMENT.source, 'gu');

export type DearmorResult = { ok: true; body: string } | { ok: false; reason: string };

/**
 * The body between the armour lines, joined. Blank lines and `#` lines outside the armour are
 * ignored; anything else, a second block, or a body that is not `bodyPattern` is refused.
 */
export function dearmor(text: string, label: string, bodyPattern: RegExp): DearmorResult {
  if (typeof text !== 'string') return { ok: false, reason: 'it is not text' };
  if (text.length > MAX_ARMORED_CHARS)
    return { ok: false, reason: `it is longer than ${MAX_ARMORED_CHARS} characters` };
  const begin = `-----BEGIN LICENTIA ${label}-----`;
  const end = `-----END LICENTIA ${label}-----`;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (!lines.some((line) => line.trim() === begin)) return { ok: false, reason: `it has no ${begin} line` };
  let state: 'before' | 'inside' | 'after' = 'before';
  const body: string[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (state === 'inside') {
      if (line === end) state = 'after';
      else if (line.length > 0) body.push(line);
      continue;
    }
    if (line.length === 0 || line.startsWith('#')) continue;
    if (line === begin) {
      if (state === 'after') return { ok: false, reason: `it holds more than one ${begin} block` };
      state = 'inside';
      continue;
    }
    return { ok: false, reason: `line ${index + 1} is neither a comment nor part of the ${begin} block` };
  }
  if (state === 'inside') return { ok: false, reason: `it has no ${end} line` };
  const joined = body.join('');
  if (joined.length === 0) return { ok: false, reason: 'the block is empty' };
  if (!bodyPattern.test(joined)) return { ok: false, reason: 'the block holds characters that do not belong there' };
  return { ok: true, body: joined };
}
