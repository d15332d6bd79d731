/**
 * What replaces a secret wherever streamctl writes: journals, plans (`--dry-run`, `scenario
 * plan`), warnings and errors. Three asterisks survive URL encoding unchanged (`*` is in the
 * application/x-www-form-urlencoded safe set), so a redacted query still reads `?token=***`.
 */
export const REDACTED = '***';

/**
 * A URL with its secrets taken out, parsed with the WHATWG URL parser (the one fetch and undici
 * use, so what is redacted is what would be sent):
 * - userinfo (`user:secret@`) is dropped: `postgres://user:secret@host/db` -> `postgres://host/db`;
 * - every query value becomes `***`, names kept: `?token=abc&team=sre` -> `?token=***&team=***`
 *   (a value cannot be known harmless: webhook services put their signing tokens there);
 * - a fragment becomes `#***`.
 * Host, port and path stay, so the reader can still tell which endpoint it was; a secret in the
 * path itself (a chat hook's `/services/T0/B0/<secret>`) cannot be told from a path and is kept.
 * Text that does not parse is cut at its first `?` or `#` and its `...@` userinfo dropped, so a
 * typo in a URL never prints the token that followed it. Pure.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUnparsed(url);
  }
  // `user:pw@host` parses as scheme `user:` with an opaque path: not a URL with parts to keep.
  if (!parsed.href.startsWith(`${parsed.protocol}//`)) return redactUnparsed(url);
  parsed.username = '';
  parsed.password = '';
  if (parsed.search !== '') {
    const redacted = new URLSearchParams();
    for (const [name] of parsed.searchParams) redacted.append(name, REDACTED);
    parsed.search = redacted.toString();
  }
  if (parsed.hash !== '') parsed.hash = REDACTED;
  return parsed.toString().replace(/\/$/, '');
}

function redactUnparsed(text: string): string {
  return text
    .replace(/[?#][\s\S]*$/, (rest) => `${rest[0]}${REDACTED}`)
    .replace(/^([^/?#@]*:\/\/)?[^/?#@]*@/, (_all, scheme: string | undefined) => scheme ?? '');
}

/** `{ Authorization: 'Bearer x' }` -> `{ Authorization: '***' }`: names kept, every value hidden. Pure. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
}

/**
 * The secret parts of a URL and headers, as they could appear in free text (an error message a
 * library built from them): the URL itself, its password, username and query values, and every
 * header value. Parts shorter than 3 characters are left out: replacing `1` or `on` everywhere
 * in a message would destroy it and protect nothing.
 */
export function secretsOf(url: string, headers: Readonly<Record<string, string>> = {}): string[] {
  const secrets = [url, ...Object.values(headers)];
  try {
    const parsed = new URL(url);
    secrets.push(parsed.href, decodeURIComponent(parsed.password), parsed.password, decodeURIComponent(parsed.username), parsed.username);
    for (const value of parsed.searchParams.values()) secrets.push(value, encodeURIComponent(value));
  } catch {
    // Not a URL: the text as a whole is the only secret known.
  }
  return [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of each secret replaced: URLs (found whole) by their redacted
 * form, everything else by `***`. Longest first, so a URL is replaced before the token inside it.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const replacement = /^[a-z][a-z0-9+.-]*:\/\//i.test(secret) ? redactUrl(secret) : REDACTED;
    out = out.split(secret).join(replacement);
  }
  return out;
}
