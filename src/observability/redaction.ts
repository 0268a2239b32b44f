/**
 * Keeps credentials out of log lines, whatever shape they arrive in.
 *
 * pino's own `redact.paths` only knows exact, case-sensitive paths, and Bolt and the Slack
 * WebClient hand their loggers pre-formatted strings. So redaction here works on two levels:
 * - by key: any property whose name looks like a credential (`token`, `X-Slack-Signature`,
 *   `signingSecret`, `HF_TOKEN`, `apiKey`, `Authorization`, `cookie`...), at any depth, any case;
 * - by value: inside every string, tokens with a recognisable shape (Slack `xox?-`/`xapp-`,
 *   `Bearer …`), `name=value` pairs whose name looks like a credential, JSON `"token":"…"` pairs,
 *   URLs with a password (`postgres://user:pass@host`), and any value the bot knows is secret.
 */

export const REDACTED = "[redacted]";

/** How deep an object is walked; deeper values are replaced rather than logged unchecked. */
const MAX_DEPTH = 8;
/** Arrays longer than this are cut: logs are not the place for them, and it bounds the walk. */
const MAX_ARRAY_ITEMS = 100;

/**
 * Key names (compared lowercase, without `-`, `_` and `.`) that always hold a credential, and
 * suffixes that make any key one (`HF_TOKEN`, `clientSecret`, `x-api-key`).
 */
const SECRET_KEY_PARTS = ["token", "secret", "password", "passwd", "authorization", "apikey", "signing", "signature", "cookie", "credential", "privatekey", "accesskey"];
/** `HF_API_KEY`, `x-api-key`, `DB_PWD`: a separator before the suffix, so that `key` alone (a Secret's key name) is not one. */
const SECRET_KEY_SUFFIX = /[_-](?:key|pwd)$/i;
/**
 * Exact keys that contain one of the parts above but hold no credential: Bolt's flag, and the
 * parts of a secret reference (`secret:<secretName>/<secretKey>`), which name a Secret, not its value.
 */
const SAFE_KEYS = new Set(["tokenVerificationEnabled", "secretName", "secretKey", "secretKeyRef"]);

function normalizedKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, "");
}

/** Whether a property or variable named `key` holds a credential. */
export function isSecretKey(key: string): boolean {
  if (SAFE_KEYS.has(key)) return false;
  const normalized = normalizedKey(key);
  return SECRET_KEY_PARTS.some((part) => normalized.includes(part)) || SECRET_KEY_SUFFIX.test(key);
}

/** A credential-looking name inside text: `HF_TOKEN`, `password`, `client_secret`, `x-api-key`. */
const SECRET_NAME_IN_TEXT = String.raw`[A-Za-z0-9_.-]*(?:token|secret|password|passwd|pwd|api[_-]?key|_key|-key|authorization|cookie|signing[a-z_]*)`;

interface Pattern {
  regex: RegExp;
  replace: string | ((match: string, ...groups: string[]) => string);
}

// Order matters: specific shapes first, so the generic name=value rule sees already-redacted text.
const VALUE_PATTERNS: Pattern[] = [
  // Slack tokens: bot, user, app-level, refresh, config tokens.
  { regex: /\bxox[abposre]-[A-Za-z0-9-]+/g, replace: REDACTED },
  { regex: /\bxapp-[A-Za-z0-9-]+/g, replace: REDACTED },
  // HTTP authorization schemes. "Basic" only after "Authorization", so that "Basic Information" stays.
  { regex: /\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{4,}/g, replace: `$1 ${REDACTED}` },
  { regex: /\b(authorization:?\s*Basic)\s+[A-Za-z0-9+/=]{4,}/gi, replace: `$1 ${REDACTED}` },
  // A password in a URL's userinfo: keep the scheme, user and host, which are useful and not secret.
  { regex: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):([^\s@/"'<>]+)@/gi, replace: `$1:${REDACTED}@` },
  // response_url and incoming webhooks: whoever holds the URL may post into the channel.
  { regex: /(https:\/\/hooks\.slack\.com\/(?:commands|actions|services|triggers))\/[^\s"'<>\\]+/g, replace: `$1/${REDACTED}` },
  // JSON pairs `"token":"…"` inside strings that were JSON-encoded before they reached the logger.
  {
    regex: new RegExp(String.raw`("(${SECRET_NAME_IN_TEXT})\\?"\s*:\s*\\?")((?:[^"\\]|\\[^"])*)(\\?")`, "gi"),
    replace: (match: string, prefix: string, name: string, value: string, suffix: string) =>
      isSecretKey(name) && value !== "" && value !== REDACTED ? `${prefix}${REDACTED}${suffix}` : match,
  },
  // name=value (env lines, query strings, `password: x`), except secret references, which are not values.
  {
    regex: new RegExp(String.raw`\b(${SECRET_NAME_IN_TEXT})(\s*=\s*|:\s+)(?!secret:)(?!\[redacted\])([^\s"'&,;\\]+)`, "gi"),
    replace: (match: string, name: string, separator: string) => (isSecretKey(name) ? `${name}${separator}${REDACTED}` : match),
  },
];

export interface Redactor {
  /** Redacts credentials inside one string. */
  text(value: string): string;
  /** A redacted copy of any value: objects walked to a bounded depth, cycles cut, errors flattened. */
  value(value: unknown): unknown;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `knownSecrets` are values the bot holds (its tokens, the signing secret, database and Redis
 * passwords): they are removed wherever they appear, whatever their shape. Very short values are
 * ignored: replacing every "abc" in every log line would hide more than it protects.
 */
export function createRedactor(knownSecrets: readonly (string | undefined)[] = []): Redactor {
  const secrets = [...new Set(knownSecrets.filter((secret): secret is string => typeof secret === "string" && secret.length >= 6))];
  // Longest first, so that a secret containing another is replaced whole.
  secrets.sort((a, b) => b.length - a.length);
  const known = secrets.length > 0 ? new RegExp(secrets.map(escapeRegExp).join("|"), "g") : undefined;

  const text = (input: string): string => {
    let output = known ? input.replace(known, REDACTED) : input;
    for (const pattern of VALUE_PATTERNS) {
      pattern.regex.lastIndex = 0;
      output = typeof pattern.replace === "string" ? output.replace(pattern.regex, pattern.replace) : output.replace(pattern.regex, pattern.replace);
    }
    return output;
  };

  const walk = (input: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof input === "string") return text(input);
    if (input === null || typeof input !== "object") return typeof input === "function" || typeof input === "symbol" ? undefined : input;
    if (seen.has(input)) return "[circular]";
    if (depth >= MAX_DEPTH) return "[too deep]";
    seen.add(input);
    try {
      if (Array.isArray(input)) {
        const items = input.slice(0, MAX_ARRAY_ITEMS).map((item) => walk(item, depth + 1, seen));
        if (input.length > MAX_ARRAY_ITEMS) items.push(`[${input.length - MAX_ARRAY_ITEMS} more]`);
        return items;
      }
      if (input instanceof Date) return input.toISOString();
      if (Buffer.isBuffer(input)) return `[${input.length} bytes]`;
      const output: Record<string, unknown> = {};
      if (input instanceof Error) {
        // pino's error serializer would read these non-enumerable fields after us, unredacted.
        output.type = input.constructor.name;
        output.message = text(input.message);
        if (input.stack) output.stack = text(input.stack);
        if (input.cause !== undefined) output.cause = walk(input.cause, depth + 1, seen);
      }
      const record = input as Record<string, unknown>;
      const envLike = isEnvironmentVariable(record);
      for (const key of Object.keys(record)) {
        const item = record[key];
        if (isSecretKey(key) && item !== undefined && item !== null && item !== "" && typeof item !== "boolean" && typeof item !== "number") {
          output[key] = REDACTED;
        } else if (envLike && key === "value") {
          // An environment variable's value is whatever someone typed: never log it.
          output[key] = REDACTED;
        } else {
          output[key] = walk(item, depth + 1, seen);
        }
      }
      return output;
    } finally {
      seen.delete(input);
    }
  };

  return { text, value: (input) => walk(input, 0, new WeakSet()) };
}

/** `{ name, value }` with an environment-variable name: a Kubernetes container env entry or a spec's plain variable. */
function isEnvironmentVariable(record: Record<string, unknown>): boolean {
  return typeof record.name === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(record.name) && typeof record.value === "string" && (record.kind === "plain" || Object.keys(record).every((key) => key === "name" || key === "value" || key === "kind"));
}

/** The secret values of the bot's configuration, to redact wherever they show up. */
export function secretsOfConfig(config: {
  slack: { botToken: string; signingSecret: string; appToken?: string };
  databaseUrl: string;
  redisUrl: string;
  monitoring?: { alerts: { alertmanagerToken: string | undefined } };
}): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken ?? "",
    config.monitoring?.alerts.alertmanagerToken ?? "",
    ...secretValuesOfUrl(config.databaseUrl),
    ...secretValuesOfUrl(config.redisUrl),
  ].filter((value) => value !== "");
}

function secretValuesOfUrl(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const password = new URL(url).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
