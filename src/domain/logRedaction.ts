/**
 * Redacts secrets from text before it reaches Slack (log tails, the last lines of a crashed
 * container). Two nets: the values of the deployment's secret-backed variables, which the caller
 * knows exactly, and the shapes secrets usually have (tokens with known prefixes, bearer
 * credentials, `password=` style assignments, Authorization headers, JWTs, AWS keys).
 */

export const REDACTED = "[REDACTED]";

/** Shorter values would blank out ordinary words and numbers all over a log. */
const MIN_SECRET_VALUE_LENGTH = 4;

const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack bot/user/... tokens
  /\bxapp-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bsk-[A-Za-z0-9_-]{20,}/g, // OpenAI-style API keys
  /\bhf_[A-Za-z0-9]{20,}/g, // Hugging Face tokens
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
];

/** `Authorization: <anything>` up to the end of the line (Basic, Bearer, custom schemes). */
const AUTHORIZATION_HEADER = /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)[^\r\n"']+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_KEY = "[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)";
/** `password=hunter2`, `"api_key": "abc"`: the key stays, the value goes. */
const ASSIGNMENT = new RegExp(`\\b(${SECRET_KEY})(["']?\\s*[:=]\\s*["']?)([^\\s"'&,;}]+)`, "gi");
/**
 * `--token abc`: a key followed by a space counts only as a command-line flag; in prose ("the
 * token expired") the next word is not a secret.
 */
const FLAG = new RegExp(`(--?${SECRET_KEY})(\\s+)([^\\s-]\\S*)`, "gi");
/** `scheme://user:password@host`. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi;

function escapeForRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function redactSecrets(text: string, secretValues: readonly string[] = []): string {
  let result = text;
  // Longest first, so a value that contains another is removed whole.
  const values = [...new Set(secretValues.filter((v) => v.length >= MIN_SECRET_VALUE_LENGTH))].sort((a, b) => b.length - a.length);
  if (values.length > 0) result = result.replace(new RegExp(values.map(escapeForRegex).join("|"), "g"), REDACTED);
  result = result.replace(AUTHORIZATION_HEADER, (_m, key: string, separator: string) => `${key}${separator}${REDACTED}`);
  result = result.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
  result = result.replace(URL_CREDENTIALS, (_m, prefix: string, _password: string, at: string) => `${prefix}${REDACTED}${at}`);
  for (const pattern of [ASSIGNMENT, FLAG]) {
    result = result.replace(pattern, (whole, key: string, separator: string, value: string) =>
      value.startsWith(REDACTED) ? whole : `${key}${separator}${REDACTED}`,
    );
  }
  return result;
}

