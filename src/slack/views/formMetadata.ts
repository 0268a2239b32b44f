import { z } from "zod";

/** What a form carries between opening and submission, in the view's private_metadata. */
export const formMetadataSchema = z.object({
  mode: z.literal("create"),
  channelId: z.string().regex(/^[A-Z0-9]+$/),
});
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
