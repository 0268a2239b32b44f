import { Prisma } from "../generated/prisma/client.js";

/**
 * A unique constraint (on `field`, when given) refused the write. With a driver adapter Prisma reports the
 * constraint's fields under `driverAdapterError`; without one, under `target`.
 */
export function isUniqueViolation(error: unknown, field?: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  const meta = error.meta as { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: unknown } } } } | undefined;
  const fields = meta?.driverAdapterError?.cause?.constraint?.fields ?? meta?.target;
  if (field === undefined) return true;
  return Array.isArray(fields) ? fields.includes(field) : String(fields ?? "").includes(field);
}

