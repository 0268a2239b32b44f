import { RequestDataError, classifyFailure, refusedValue } from "../domain/failureClass.js";

/**
 * PostgreSQL refuses an out-of-range number without naming its column; the write that sent it
 * knows its fields. Names the field whose value was refused, so that the user hears which one.
 * Other errors are returned unchanged.
 */
export function withRefusedField(error: unknown, data: Record<string, unknown>): unknown {
  const failure = classifyFailure(error);
  if (failure.kind !== "invalid") return error;
  const field = failure.field ?? Object.keys(data).find((key) => refusedValue(error) !== null && String(data[key]) === refusedValue(error));
  return field ? new RequestDataError(field, failure.why, { cause: error }) : error;
}
