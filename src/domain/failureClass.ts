/**
 * What kind of failure an error is, decided once from what the error carries (codes from the
 * database driver, Prisma, Node's sockets, Redis, Slack): an outage of a dependency (retry, and
 * say which one is away), a refusal of the request's own data (say which field and why), or a
 * repeated submission (already recorded). Pure: it reads the error's shape, it imports no client.
 */
export type Failure =
  | { kind: "outage"; dependency: "database" | "queue" | "slack" | "cluster" }
  | { kind: "duplicate"; field: string | null }
  | { kind: "invalid"; field: string | null; why: string }
  | { kind: "unknown" };

/** What the driver adapter says of a database error: its kind, and PostgreSQL's SQLSTATE. */
interface AdapterCause {
  kind?: unknown;
  code?: unknown;
  constraint?: { fields?: unknown };
  column?: unknown;
  message?: unknown;
}

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  meta?: {
    target?: unknown;
    column_name?: unknown;
    field_name?: unknown;
    driverAdapterError?: { cause?: AdapterCause };
  };
  cause?: unknown;
}

/** Prisma's codes for a database that cannot be reached or answered in time. */
const DATABASE_OUTAGE_CODES = new Set(["P1001", "P1002", "P1008", "P1011", "P1017", "P2024", "P2028"]);
/** PostgreSQL's SQLSTATEs for the same: connection exceptions, a cancelled (timed-out) statement, an idle transaction ended, shutdown. */
const POSTGRES_OUTAGE_STATES = /^(08\d{3}|57014|57P01|57P02|57P03|25P03|53300)$/;
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const ADAPTER_OUTAGE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TransactionAlreadyClosed", "TooManyConnections"]);

function shapeOf(error: unknown): ErrorShape {
  return error !== null && typeof error === "object" ? (error as ErrorShape) : { message: String(error) };
}

/** A refusal of the request's own data, with the field it concerns (raised where the field is known). */
export class RequestDataError extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(`${field} ${why}`, options);
    this.name = "RequestDataError";
  }
}

function unquoted(value: string): string {
  return value.replace(/^"(.*)"$/, "$1");
}

function firstField(value: unknown): string | null {
  if (Array.isArray(value)) return typeof value[0] === "string" ? unquoted(value[0]) : null;
  if (typeof value !== "string" || value === "") return null;
  const name = unquoted(value);
  // Prisma names a constraint "Table_field_key": the field is what the user can act on.
  const match = /^[A-Za-z]+_(.+)_key$/.exec(name);
  return match?.[1] ?? name;
}

/** The value a database refused, as its message quotes it (`value "…" is out of range`). */
export function refusedValue(error: unknown): string | null {
  const adapter = shapeOf(error).meta?.driverAdapterError?.cause;
  const text = `${typeof adapter?.message === "string" ? adapter.message : ""} ${String((adapter as { cause?: unknown } | undefined)?.cause ?? "")}`;
  return /value "([^"]*)"/.exec(text)?.[1] ?? null;
}

export function classifyFailure(error: unknown): Failure {
  if (error instanceof RequestDataError) return { kind: "invalid", field: error.field, why: error.why };
  const shape = shapeOf(error);
  const code = typeof shape.code === "string" ? shape.code : "";
  const name = typeof shape.name === "string" ? shape.name : "";
  const message = typeof shape.message === "string" ? shape.message : "";
  // Prisma wraps the driver adapter's error in its own, except where it raises it as is (starting a transaction).
  const adapter = shape.meta?.driverAdapterError?.cause ?? (name === "DriverAdapterError" ? (shapeOf(shape.cause) as AdapterCause) : undefined);
  const adapterKind = typeof adapter?.kind === "string" ? adapter.kind : "";
  const sqlState = typeof adapter?.code === "string" ? adapter.code : code;

  if (DATABASE_OUTAGE_CODES.has(code) || POSTGRES_OUTAGE_STATES.test(sqlState) || ADAPTER_OUTAGE_KINDS.has(adapterKind)) return { kind: "outage", dependency: "database" };
  // node-postgres refuses a statement itself on a connection it saw end ("… is not queryable").
  if (/Connection terminated|Can't reach database server|timeout exceeded when trying to connect|statement timeout|is not queryable/i.test(message)) return { kind: "outage", dependency: "database" };
  if (code === "P2002" || adapterKind === "UniqueConstraintViolation") {
    return { kind: "duplicate", field: firstField(adapter?.constraint?.fields ?? shape.meta?.target) };
  }
  if (code === "P2000" || adapterKind === "LengthMismatch") return { kind: "invalid", field: firstField(adapter?.column ?? shape.meta?.column_name), why: "is too long" };
  if (code === "P2020" || code === "P2033" || sqlState === "22003" || adapterKind === "ValueOutOfRange") {
    return { kind: "invalid", field: firstField(adapter?.column ?? shape.meta?.field_name ?? shape.meta?.column_name), why: "is out of range (too large a number)" };
  }
  if (code === "P2011" || adapterKind === "NullConstraintViolation") return { kind: "invalid", field: firstField(shape.meta?.target), why: "is required" };
  if (code === "P2003" || adapterKind === "ForeignKeyConstraintViolation") return { kind: "invalid", field: firstField(shape.meta?.field_name), why: "names something that no longer exists" };
  if (name === "PrismaClientValidationError" || name === "ZodError") {
    const argument = /Argument `([^`]+)`/.exec(message)?.[1] ?? null;
    return { kind: "invalid", field: argument, why: "has a value deploybot cannot store" };
  }
  if (SOCKET_CODES.has(code) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(message)) {
    if (/6379|redis/i.test(message)) return { kind: "outage", dependency: "queue" };
    if (/5432/.test(message)) return { kind: "outage", dependency: "database" };
    return { kind: "outage", dependency: /slack/i.test(message) ? "slack" : "cluster" };
  }
  if (/redis|Connection is closed/i.test(message)) return { kind: "outage", dependency: "queue" };
  if (code === "slack_webapi_request_error" || name === "RequestError" || /slack_webapi_request_error|request timed out/i.test(`${code} ${message}`)) return { kind: "outage", dependency: "slack" };
  return { kind: "unknown" };
}
