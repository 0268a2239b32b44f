-- Alerts and rule overrides of deployments deleted before this migration
DELETE FROM "Alert" WHERE "deploymentId" NOT IN (SELECT "id" FROM "Deployment");
DELETE FROM "AlertRuleOverride" WHERE "deploymentId" NOT IN (SELECT "id" FROM "Deployment");

-- AddForeignKey
ALTER TABLE "AlertRuleOverride" ADD CONSTRAINT "AlertRuleOverride_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
