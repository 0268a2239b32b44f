-- Alerts: per-deployment rule overrides, the state of every alert (one row per deployment and
-- rule, or per Alertmanager fingerprint) with the Slack message that shows it, and where alerts
-- go (a channel per deployment or per environment). Rows are keyed by the deployment's id
-- without a foreign key: a deleted deployment's rows are skipped by the evaluation (it only
-- reads existing deployments), and the audit history keeps outliving deployments as elsewhere.

CREATE TABLE "AlertRuleOverride" (
    "deploymentId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "fireAt" DOUBLE PRECISION,
    "forSeconds" INTEGER,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AlertRuleOverride_pkey" PRIMARY KEY ("deploymentId", "kind")
);

CREATE TABLE "Alert" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "deploymentId" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "since" TIMESTAMP(3),
    "firedAt" TIMESTAMP(3),
    "value" DOUBLE PRECISION,
    "summary" TEXT,
    "channelId" TEXT,
    "messageTs" TEXT,
    "silencedUntil" TIMESTAMP(3),
    "silencedBy" TEXT,
    "ackedBy" TEXT,
    "ackedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Alert_key_key" ON "Alert"("key");
CREATE INDEX "Alert_deploymentId_idx" ON "Alert"("deploymentId");

CREATE TABLE "AlertRoute" (
    "scope" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AlertRoute_pkey" PRIMARY KEY ("scope")
);
