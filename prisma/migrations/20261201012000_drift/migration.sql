-- Drift: what the periodic check last found when the live objects differ from the stored spec
CREATE TABLE "DeploymentDrift" (
    "deploymentId" UUID NOT NULL,
    "fields" JSONB NOT NULL,
    "missing" JSONB NOT NULL,
    "specVersion" INTEGER NOT NULL,
    "detectedAt" TIMESTAMP(3) NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "DeploymentDrift_pkey" PRIMARY KEY ("deploymentId")
);

ALTER TABLE "DeploymentDrift" ADD CONSTRAINT "DeploymentDrift_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Missing: the status a deployment returns to when its deleted workloads come back
ALTER TABLE "Deployment" ADD COLUMN "statusBeforeMissing" TEXT;
