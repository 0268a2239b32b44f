import type { Database } from "./database.js";
import { isUniqueViolation } from "./uniqueViolation.js";

export type ApprovalDecision = "approved" | "rejected";

export interface ApprovalRecord {
  reviewerId: string;
  decision: ApprovalDecision;
  reason: string | null;
  createdAt: Date;
}

/** Reviewers' decisions on change requests. The unique (operation, reviewer) pair means one decision each. */
export class ApprovalRepository {
  constructor(private readonly db: Database) {}

  /** Records a decision; false when this reviewer already decided (a double click, two tabs). */
  async record(operationId: string, reviewerId: string, decision: ApprovalDecision, reason: string | null): Promise<boolean> {
    try {
      await this.db.approval.create({ data: { operationId, reviewerId, decision, reason } });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async forOperation(operationId: string): Promise<ApprovalRecord[]> {
    const rows = await this.db.approval.findMany({ where: { operationId }, orderBy: { createdAt: "asc" } });
    return rows.map((row) => ({
      reviewerId: row.reviewerId,
      decision: row.decision === "rejected" ? "rejected" : "approved",
      reason: row.reason,
      createdAt: row.createdAt,
    }));
  }
}
