import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

/**
 * Prisma 6.19 with the JS schema engine: works offline (no native engine download).
 * The CLI's introspection reads pg_catalog columns of types (name, char, regproc...) that
 * adapter-pg refuses (prisma/orm#27403), so the adapter used by the CLI alone reports them as text.
 */
const CATALOG_TYPES_AS_TEXT = new Set([18, 19, 22, 24, 30, 194, 2205, 2206]);
const TEXT = 25;
const NAME_ARRAY = 1003;
const TEXT_ARRAY = 1009;

interface FieldLike {
  dataTypeID: number;
}

function remapCatalogFields(result: unknown): unknown {
  const fields = (result as { fields?: FieldLike[] } | undefined)?.fields;
  for (const field of fields ?? []) {
    if (CATALOG_TYPES_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = TEXT;
    else if (field.dataTypeID === NAME_ARRAY) field.dataTypeID = TEXT_ARRAY;
  }
  return result;
}

class CatalogTolerantClient extends pg.Client {}
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
CatalogTolerantClient.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const last = args.at(-1);
  if (typeof last === "function") {
    const callback = last as (error: unknown, result: unknown) => void;
    args[args.length - 1] = (error: unknown, result: unknown) => callback(error, remapCatalogFields(result));
    return originalQuery.apply(this, args);
  }
  const returned = originalQuery.apply(this, args);
  return returned instanceof Promise ? returned.then(remapCatalogFields) : returned;
} as typeof pg.Client.prototype.query;

/**
 * Connection settings as separate fields, not a connection string: `migrate dev` derives its
 * shadow database by overriding `database`, which a connection string would silently win over.
 */
function poolConfig(url: string | undefined): pg.PoolConfig {
  if (!url) return {};
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({ ...poolConfig(process.env.DATABASE_URL), Client: CatalogTolerantClient }),
});
