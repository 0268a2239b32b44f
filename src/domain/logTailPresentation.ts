/**
 * How a log tail reaches Slack: a short one inline in a code block, a long one as a file (a
 * section's text is at most 3000 characters, and a wall of log lines buries the channel).
 * The text must already be redacted.
 */

export interface LogSection {
  /** "resnet-prod-blue-5d9c7b-x2x4z / model-server". */
  heading: string;
  text: string;
  /** Why there is no text for this container. */
  unavailable?: string;
}

export type LogTailPresentation =
  | { kind: "inline"; blocksText: string[] }
  | { kind: "file"; fileName: string; content: string; summary: string };

/** Room inside a 3000-character section for the heading and the code fence. */
export const INLINE_LOG_LIMIT = 2_800;
export const INLINE_LOG_MAX_LINES = 40;

export function presentLogTail(deployment: string, sections: readonly LogSection[], now: Date): LogTailPresentation {
  const rendered = sections.map((s) => ({
    heading: s.heading,
    body: s.unavailable !== undefined ? `(${s.unavailable})` : s.text.trimEnd() === "" ? "(no lines in this range)" : s.text.trimEnd(),
  }));
  const lineCount = rendered.reduce((n, s) => n + s.body.split("\n").length, 0);
  const fits = rendered.every((s) => s.body.length + s.heading.length + 10 <= INLINE_LOG_LIMIT) && lineCount <= INLINE_LOG_MAX_LINES;
  if (fits) {
    // A backtick fence inside the log would end the code block early.
    return { kind: "inline", blocksText: rendered.map((s) => `*${s.heading}*\n\`\`\`${s.body.replaceAll("```", "`\u200b``")}\`\`\``) };
  }
  const stamp = now.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return {
    kind: "file",
    fileName: `${deployment}-logs-${stamp}.txt`,
    content: rendered.map((s) => `===== ${s.heading} =====\n${s.body}\n`).join("\n"),
    summary: `${lineCount} log lines from ${rendered.length} container${rendered.length === 1 ? "" : "s"}`,
  };
}
