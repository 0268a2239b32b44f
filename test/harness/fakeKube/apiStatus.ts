/**
 * `Status` bodies exactly as the real API server words them, because client code (and our
 * ClusterError mapping) keys off `reason`, `code` and `details.kind`.
 */

import { qualifiedResourceOf, type ResourceType } from "./resourceCatalog.js";

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface ApiStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export function reasonForCode(code: number): string {
  return REASONS[code] ?? (code >= 500 ? "InternalError" : "Unknown");
}

/** Thrown inside request handling; the router turns it into the HTTP response. */
export class ApiStatusError extends Error {
  constructor(readonly status: ApiStatus) {
    super(status.message);
  }
}

export function failure(code: number, message: string, details?: ApiStatus["details"], reason?: string): ApiStatusError {
  const status: ApiStatus = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: reason ?? reasonForCode(code),
    code,
  };
  if (details !== undefined) status.details = details;
  return new ApiStatusError(status);
}

export function notFound(type: ResourceType, name: string): ApiStatusError {
  return failure(404, `${qualifiedResourceOf(type)} "${name}" not found`, {
    name,
    group: type.group,
    kind: type.plural,
  });
}

export function namespaceNotFound(namespace: string): ApiStatusError {
  return failure(404, `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
}

export function alreadyExists(type: ResourceType, name: string): ApiStatusError {
  return failure(409, `${qualifiedResourceOf(type)} "${name}" already exists`, {
    name,
    group: type.group,
    kind: type.plural,
  }, "AlreadyExists");
}

export function conflict(type: ResourceType, name: string): ApiStatusError {
  return failure(
    409,
    `Operation cannot be fulfilled on ${qualifiedResourceOf(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

export function invalid(type: ResourceType, name: string, causes: StatusCause[]): ApiStatusError {
  const kindQualified = type.group === "" ? type.kind : `${type.kind}.${type.group}`;
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return failure(422, `${kindQualified} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, {
    name,
    group: type.group,
    kind: type.kind,
    causes,
  });
}

export function badRequest(message: string): ApiStatusError {
  return failure(400, message);
}

export function success(type: ResourceType, name: string, uid: string | undefined): ApiStatus {
  const details: NonNullable<ApiStatus["details"]> = { name, group: type.group, kind: type.plural };
  if (uid !== undefined) details.uid = uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}
