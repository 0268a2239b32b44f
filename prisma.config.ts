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

/**
 * `migrate dev` creates its shadow database by adding `database` beside this config; pg lets a
 * connection string override separate fields, so the name is moved into the string's path here.
 * Everything else in the string (sslmode, sslrootcert, options...) is kept as it was.
 */
export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export class CatalogTolerantClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    if (typeof config === "object" && config.connectionString !== undefined && config.database !== undefined) {
      const { database, connectionString, ...rest } = config;
      super({ ...rest, connectionString: withDatabase(connectionString, database) });
    } else {
      super(config);
    }
  }
}
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
 * The adapter for the CLI. DATABASE_URL goes to pg exactly as given: rebuilding it from its parts
 * would drop `sslmode` and the other parameters, and a TLS-only server would then refuse the
 * migration or, worse, be sent the password in clear. Without a URL the CLI reports what is missing.
 */
export function cliAdapter(databaseUrl: string | undefined): PrismaPg {
  return new PrismaPg({ ...(databaseUrl === undefined ? {} : { connectionString: databaseUrl }), Client: CatalogTolerantClient });
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => cliAdapter(process.env.DATABASE_URL),
});
