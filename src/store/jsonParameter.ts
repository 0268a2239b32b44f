import { Prisma } from "../generated/prisma/client.js";

/**
 * A JSON column's value as a parameter of a raw statement: SQL NULL for null and undefined (as a
 * typed write stores an absent JSON field), otherwise the value's JSON text cast to jsonb.
 */
export function jsonParameter(value: unknown): Prisma.Sql {
  return value === undefined || value === null ? Prisma.sql`NULL::jsonb` : Prisma.sql`${JSON.stringify(value)}::jsonb`;
}
