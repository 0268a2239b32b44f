/**
 * What a destructive operation will do, in the guide's words, for its confirmation message.
 */
export const STOP_CONSEQUENCES = [
  "All instances will shut down",
  "Endpoint will become unavailable",
  "The configuration is kept: `/deploy start NAME` resumes it with its previous configuration",
];

export const DELETE_WARNING = [
  "Shut down all instances",
  "Remove the endpoint",
  "Delete deployment configuration",
];

export const DELETE_CHECKLIST = [
  "Stop sending traffic to the endpoint",
  "Update client applications",
  "Export logs if needed",
  "Verify you have the correct deployment",
];

export function withName(lines: readonly string[], name: string): string[] {
  return lines.map((line) => line.replaceAll("NAME", name));
}
