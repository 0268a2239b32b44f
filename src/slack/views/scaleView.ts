import type { ModalView } from "@slack/types";
import { MAX_REPLICAS } from "../../domain/deploymentSpec.js";
import type { DeploymentRecord } from "../../domain/deployment.js";
import { mrkdwn, plainText } from "../messages/text.js";

export const SCALE_CALLBACK_ID = "deployment-scale";
export const SCALE_BLOCK_ID = "replicas";
export const SCALE_ACTION_ID = "scale:replicas";

/** The Scale modal: the number of replicas, with the bounds it must stay within. */
export function buildScaleView(deployment: DeploymentRecord, privateMetadata: string): ModalView {
  const { minReplicas, maxReplicas, autoscalingEnabled } = deployment.spec.scaling;
  const note = autoscalingEnabled
    ? `Auto-scaling is on: it keeps *${deployment.name}* between ${minReplicas} and ${maxReplicas} replicas. Edit the deployment to change the bounds or turn it off.`
    : `Between ${minReplicas} and ${maxReplicas} (the deployment's min/max), or 0 to shut every instance down (asks to confirm).`;
  return {
    type: "modal",
    callback_id: SCALE_CALLBACK_ID,
    title: plainText("Scale Deployment"),
    submit: plainText("Apply"),
    close: plainText("Cancel"),
    private_metadata: privateMetadata,
    blocks: [
      { type: "section", text: mrkdwn(`*${deployment.name}* runs ${deployment.replicas} replica${deployment.replicas === 1 ? "" : "s"} now.`) },
      {
        type: "input",
        block_id: SCALE_BLOCK_ID,
        label: plainText("Replicas"),
        hint: plainText("Number of instances"),
        element: {
          type: "number_input",
          action_id: SCALE_ACTION_ID,
          is_decimal_allowed: false,
          min_value: "0",
          max_value: String(MAX_REPLICAS),
          initial_value: String(Math.min(deployment.replicas, MAX_REPLICAS)),
        },
      },
      { type: "context", elements: [mrkdwn(note)] },
    ],
  };
}
