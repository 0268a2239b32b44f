-- Fencing: each run of an operation gets the next epoch, and every write of a run names it
ALTER TABLE "Operation" ADD COLUMN "runEpoch" INTEGER NOT NULL DEFAULT 0;

-- Controls: every click is kept, in order, with what became of it (applied or superseded)
CREATE TABLE "OperationControlRequest" (
    "id" BIGSERIAL NOT NULL,
    "operationId" UUID NOT NULL,
    "control" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "takenAt" TIMESTAMP(3),
    "outcome" TEXT,
    CONSTRAINT "OperationControlRequest_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "OperationControlRequest_operationId_id_idx" ON "OperationControlRequest"("operationId", "id");

ALTER TABLE "OperationControlRequest" ADD CONSTRAINT "OperationControlRequest_operationId_fkey" FOREIGN KEY ("operationId") REFERENCES "Operation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
