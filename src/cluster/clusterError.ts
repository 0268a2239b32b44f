import { ApiException } from "@kubernetes/client-node";

/**
 * Every failure talking to Kubernetes, in one shape the job runner can act on: `retryable` says
 * whether the same request may succeed later (cluster unreachable, timeouts, throttling, 5xx), and
 * the message names the object so it can be shown in Slack as is.
 */
export class ClusterError extends Error {
  override readonly name = "ClusterError";
  /** HTTP status from the API server; undefined when it could not be reached at all. */
  readonly code: number | undefined;
  /** The API `Status.reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...), or a network error code. */
  readonly reason: string | undefined;
  readonly retryable: boolean;

  constructor(
    message: string,
    details: { code: number | undefined; reason: string | undefined; retryable: boolean; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.reason = details.reason;
    this.retryable = details.retryable;
  }
}

/** What the failed request was about, for the message: "Deployment resnet-prod in ml-dev". */
export interface ClusterErrorSubject {
  kind?: string;
  name?: string;
  namespace?: string;
  /** Used instead of kind/name when the request was not about one object ("listing objects in ml-dev"). */
  description?: string;
}

interface ApiStatusBody {
  message?: string;
  reason?: string;
  details?: { kind?: string; name?: string };
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function isRetryableStatus(code: number): boolean {
  return code === 408 || code === 429 || code >= 500;
}

function describe(subject: ClusterErrorSubject): string {
  if (subject.description !== undefined) return subject.description;
  const what = [subject.kind, subject.name].filter((part) => part !== undefined && part !== "").join(" ");
  return subject.namespace === undefined ? what : `${what} in ${subject.namespace}`;
}

/** ApiException.body is the response text; a Kubernetes `Status` when the API server answered. */
function parseStatusBody(body: unknown): ApiStatusBody | undefined {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() === "" ? undefined : { message: body.trim() };
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const details = typeof record.details === "object" && record.details !== null ? (record.details as Record<string, unknown>) : {};
  return {
    message: typeof record.message === "string" ? record.message : undefined,
    reason: typeof record.reason === "string" ? record.reason : undefined,
    details: {
      kind: typeof details.kind === "string" ? details.kind : undefined,
      name: typeof details.name === "string" ? details.name : undefined,
    },
  };
}

function fromHttpStatus(code: number, body: unknown, subject: ClusterErrorSubject, cause: unknown): ClusterError {
  const status = parseStatusBody(body);
  const reason = status?.reason ?? defaultReason(code);
  const what = describe(subject);
  let detail = status?.message ?? `HTTP ${code}`;
  // The API server's wording ('namespaces "ml-dev" not found') reads as if the object were missing.
  if (code === 404 && status?.details?.kind === "namespaces") {
    detail = `namespace ${status.details.name ?? subject.namespace ?? "?"} does not exist`;
  }
  const message = isRetryableStatus(code)
    ? `Kubernetes could not handle ${what} (HTTP ${code}): ${detail}`
    : `Kubernetes refused ${what}: ${detail}`;
  return new ClusterError(message, { code, reason, retryable: isRetryableStatus(code), cause });
}

function defaultReason(code: number): string | undefined {
  const reasons: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return reasons[code];
}

function errorCode(error: Error): string | undefined {
  const withCode = error as Error & { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof withCode.code === "string") return withCode.code;
  if (typeof withCode.errno === "string") return withCode.errno;
  if (withCode.cause instanceof Error) return errorCode(withCode.cause);
  return undefined;
}

/**
 * Maps whatever client-node threw (ApiException, a node-fetch network error, an abort, a Watch
 * error carrying `statusCode`) to a ClusterError. An existing ClusterError passes through.
 */
export function toClusterError(error: unknown, subject: ClusterErrorSubject): ClusterError {
  if (error instanceof ClusterError) return error;
  if (error instanceof ApiException) return fromHttpStatus(error.code, error.body, subject, error);
  if (!(error instanceof Error)) {
    return new ClusterError(`Kubernetes request for ${describe(subject)} failed: ${String(error)}`, {
      code: undefined,
      reason: undefined,
      retryable: false,
      cause: error,
    });
  }
  const statusCode = (error as Error & { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number") return fromHttpStatus(statusCode, undefined, subject, error);

  if (error.name === "AbortError" || error.name === "TimeoutError") {
    return new ClusterError(`Kubernetes API did not answer in time for ${describe(subject)}`, {
      code: undefined,
      reason: "Timeout",
      retryable: true,
      cause: error,
    });
  }
  const code = errorCode(error);
  const isNetwork =
    (code !== undefined && NETWORK_ERROR_CODES.has(code)) ||
    error.name === "FetchError" ||
    /socket hang up|network|premature close/i.test(error.message);
  if (isNetwork) {
    return new ClusterError(`Kubernetes API is unreachable (${code ?? error.message}) for ${describe(subject)}`, {
      code: undefined,
      reason: code ?? "Unreachable",
      retryable: true,
      cause: error,
    });
  }
  return new ClusterError(`Kubernetes request for ${describe(subject)} failed: ${error.message}`, {
    code: undefined,
    reason: undefined,
    retryable: false,
    cause: error,
  });
}
