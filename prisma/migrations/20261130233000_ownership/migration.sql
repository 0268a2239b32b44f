-- AlterTable
ALTER TABLE "Operation" ADD COLUMN "settlingSince" TIMESTAMP(3);
