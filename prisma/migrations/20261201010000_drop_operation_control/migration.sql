-- Clicks on a running operation are the OperationControlRequest queue (Abort wins), so the single column is unused
ALTER TABLE "Operation" DROP COLUMN "control";
