import type { OperationMessageLinks } from "../domain/progress.js";
import type { OperationRepository } from "../store/operationRepository.js";

/** The operation records keep their progress message's id: the Slack publisher reads and writes it here. */
export class OperationMessages implements OperationMessageLinks {
  constructor(private readonly operations: OperationRepository) {}

  async messageTsOf(operationId: string): Promise<string | null> {
    return (await this.operations.get(operationId))?.messageTs ?? null;
  }

  async recordMessage(operationId: string, messageTs: string): Promise<void> {
    await this.operations.setMessage(operationId, { messageTs });
  }
}
