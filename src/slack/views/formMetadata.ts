import { z } from "zod";

/**
 * What a modal carries between opening and submission, in its private_metadata (at most 3000
 * characters): never a spec, only ids and where to report. Validated when it comes back.
 */
const channelId = z.string().regex(/^[A-Z0-9]+$/);
const deploymentName = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);

export const formMetadataSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("create"), channelId }),
  z.object({ mode: z.literal("edit"), channelId, name: deploymentName }),
  z.object({ mode: z.literal("details"), channelId, name: deploymentName }),
  z.object({ mode: z.literal("scale"), channelId, name: deploymentName }),
  z.object({ mode: z.literal("review"), channelId, operationId: z.uuid() }),
  z.object({ mode: z.literal("delete"), channelId, operationId: z.uuid() }),
  z.object({ mode: z.literal("reject"), channelId, operationId: z.uuid() }),
]);
export type FormMetadata = z.infer<typeof formMetadataSchema>;

export function serializeFormMetadata(metadata: FormMetadata): string {
  return JSON.stringify(metadata);
}

export function parseFormMetadata(raw: string | undefined): FormMetadata | null {
  try {
    const result = formMetadataSchema.safeParse(JSON.parse(raw ?? ""));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

export function parseMetadataOf<M extends FormMetadata["mode"]>(raw: string | undefined, mode: M): Extract<FormMetadata, { mode: M }> | null {
  const metadata = parseFormMetadata(raw);
  return metadata && metadata.mode === mode ? (metadata as Extract<FormMetadata, { mode: M }>) : null;
}
