-- AlterTable
ALTER TABLE "Operation" ADD COLUMN     "checkpoint" JSONB,
ADD COLUMN     "control" TEXT;
