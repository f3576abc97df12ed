/**
 * The one redaction every message that can carry the DNS repository URL or git's output goes
 * through (log lines, error bodies sent to ACME clients, the startup banner). Pure.
 *
 * Any userinfo in a URL is replaced, whatever it looks like: `https://TOKEN@host` (how GitHub and
 * GitLab tokens are used), `https://user:pass@host`, percent-encoded forms, ssh users. Telling a
 * harmless ssh user from a token is not worth the risk of guessing wrong.
 */

export const REDACTED = "***";

/**
 * `scheme://<userinfo>@` up to the last `@` before the authority ends (a `/`, `?`, `#`, quote or
 * whitespace): a token may itself contain `@` when it was not percent-encoded.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s'"`<>]*@/gi;

/** `text` with the userinfo of every URL in it, and each of `secrets`, replaced by `***`. */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_USERINFO, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (secret !== "") out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * The secret parts of a URL's userinfo, raw and percent-decoded, for `redactCredentials`: git may
 * print them outside a URL (a credential prompt, a decoded username). For `user:pass` only the
 * password is secret; a userinfo without a colon is a token as a whole.
 */
export function userinfoSecrets(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url);
  if (!m) return [];
  const userinfo = m[1] as string;
  const colon = userinfo.indexOf(":");
  const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
  if (secret === "") return [];
  const secrets = [secret];
  try {
    const decoded = decodeURIComponent(secret);
    if (decoded !== secret) secrets.push(decoded);
  } catch {
    // not valid percent-encoding: the raw text is all git can print
  }
  // Longest first, so a secret that contains another is replaced whole.
  return secrets.sort((a, b) => b.length - a.length);
}
