import type { InputBlock, KnownBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { defaultFormValues, type FormValues } from "../../src/slack/views/deploymentFormFields.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, visibleBlockIds } from "../../src/slack/views/deploymentFormState.js";
import { buildDeploymentFormView } from "../../src/slack/views/deploymentFormView.js";
import { validateDeploymentSpec } from "../../src/domain/deploymentSpec.js";
import { validateView } from "../harness/blockKitLimits.js";

function view(values: FormValues = defaultFormValues()): ModalView {
  return buildDeploymentFormView({ values, privateMetadata: JSON.stringify({ mode: "create", channelId: "C1" }) });
}

function inputs(modal: ModalView): InputBlock[] {
  return (modal.blocks as KnownBlock[]).filter((block): block is InputBlock => block.type === "input");
}

function input(modal: ModalView, blockId: string): InputBlock {
  const found = inputs(modal).find((block) => block.block_id === blockId);
  if (!found) throw new Error(`no input ${blockId}`);
  return found;
}

describe("Create Deployment modal", () => {
  it("is a view Slack accepts", () => {
    expect(validateView(view())).toEqual([]);
    expect(validateView(view({ ...defaultFormValues(), "resources.gpuCount": "2", "scaling.autoscalingEnabled": true, "loadBalancer.enabled": true }))).toEqual([]);
  });

  it("has the guide's fields with labels, help text, examples and defaults", () => {
    const modal = view();
    expect(modal.title).toMatchObject({ text: "Create Deployment" });
    expect(modal.submit).toMatchObject({ text: "Create Deployment" });
    expect(modal.close).toMatchObject({ text: "Cancel" });
    expect(inputs(modal).map((block) => block.block_id)).toEqual([
      "name",
      "description",
      "modelId",
      "modelVersion",
      "environment",
      "resources.cpuCores",
      "resources.memoryGb",
      "resources.gpuCount",
      "resources.storageGb",
      "resources.networkBandwidthMbps",
      "scaling.minReplicas",
      "scaling.maxReplicas",
      "scaling.targetCpuUtilization",
      "scaling.targetMemoryUtilization",
      "scaling.autoscalingEnabled",
      "loadBalancer.enabled",
    ]);
    expect(input(modal, "name")).toMatchObject({ label: { text: "Deployment Name" }, optional: false, element: { placeholder: { text: "e.g. resnet-prod, bert-api-v1" } } });
    expect(input(modal, "description")).toMatchObject({ optional: true, element: { multiline: true, placeholder: { text: "Deployment purpose and details" } } });
    expect(input(modal, "modelId")).toMatchObject({ hint: { text: "ID of the model to deploy" } });
    expect(input(modal, "modelVersion")).toMatchObject({ hint: { text: "Version of the model to deploy" } });
    expect(input(modal, "environment").element).toMatchObject({
      type: "static_select",
      initial_option: { value: "development" },
      options: [{ text: { text: "Development" } }, { text: { text: "Staging" } }, { text: { text: "Production" } }],
    });
    expect(input(modal, "resources.cpuCores")).toMatchObject({
      label: { text: "CPU Cores" },
      hint: { text: "Number of CPU cores per instance" },
      element: { type: "number_input", is_decimal_allowed: true, placeholder: { text: "e.g. 4, 8, 16" } },
    });
    expect(input(modal, "resources.memoryGb")).toMatchObject({ label: { text: "Memory (GB)" }, element: { placeholder: { text: "e.g. 8, 16, 32" } } });
    expect(input(modal, "resources.gpuCount")).toMatchObject({ optional: true, dispatch_action: true, element: { initial_value: "0", is_decimal_allowed: false } });
    expect(input(modal, "scaling.minReplicas")).toMatchObject({ hint: { text: "Minimum number of instances" }, element: { placeholder: { text: "e.g. 1, 2" } } });
    expect(input(modal, "scaling.maxReplicas")).toMatchObject({ element: { placeholder: { text: "e.g. 10, 20" } } });
    expect(input(modal, "scaling.targetCpuUtilization")).toMatchObject({ hint: { text: "CPU threshold for scaling" }, element: { placeholder: { text: "e.g. 70, 80" } } });
    expect(input(modal, "scaling.targetMemoryUtilization")).toMatchObject({ element: { placeholder: { text: "e.g. 80, 90" } } });
    expect(input(modal, "scaling.autoscalingEnabled")).toMatchObject({ dispatch_action: true, element: { type: "checkboxes", options: [{ text: { text: "Enable Auto-Scaling" } }] } });
    expect(input(modal, "loadBalancer.enabled")).toMatchObject({ dispatch_action: true, element: { options: [{ text: { text: "Enable Load Balancer" } }] } });
    const headers = (modal.blocks as KnownBlock[]).filter((block) => block.type === "header").map((block) => (block.type === "header" ? block.text.text : ""));
    expect(headers).toEqual(["Basic Information", "Resource Configuration", "Scaling Configuration", "Load Balancer"]);
  });

  it("shows GPU type only when GPU count > 0", () => {
    const modal = view({ ...defaultFormValues(), "resources.gpuCount": "2" });
    expect(input(modal, "resources.gpuType").element).toMatchObject({
      type: "static_select",
      options: [{ text: { text: "NVIDIA T4" } }, { text: { text: "NVIDIA V100" } }, { text: { text: "NVIDIA A100" } }],
    });
    expect(inputs(modal).some((block) => block.block_id === "scaling.targetGpuUtilization")).toBe(false);
  });

  it("shows the auto-scaling GPU target when auto-scaling is on and GPUs are requested", () => {
    const modal = view({ ...defaultFormValues(), "resources.gpuCount": "1", "scaling.autoscalingEnabled": true });
    expect(input(modal, "scaling.targetGpuUtilization")).toMatchObject({ label: { text: "Target GPU Utilization (%)" } });
    expect(input(modal, "scaling.autoscalingEnabled").element).toMatchObject({ initial_options: [{ value: "on" }] });
  });

  it("shows the load balancer settings with their defaults when enabled", () => {
    const modal = view({ ...defaultFormValues(), "loadBalancer.enabled": true });
    expect(input(modal, "loadBalancer.algorithm").element).toMatchObject({
      initial_option: { value: "round-robin" },
      options: [{ text: { text: "Round Robin" } }, { text: { text: "Least Connections" } }, { text: { text: "IP Hash" } }],
    });
    expect(input(modal, "loadBalancer.healthCheckPath")).toMatchObject({ label: { text: "Health Check URL" }, element: { initial_value: "/health" } });
    expect(input(modal, "loadBalancer.healthCheckIntervalSeconds")).toMatchObject({ element: { initial_value: "30" } });
    expect(input(modal, "loadBalancer.stickySessions")).toMatchObject({ element: { options: [{ text: { text: "Enable session affinity" } }] } });
  });

  it("keeps what the user typed on re-render, except numbers Slack would refuse", () => {
    const modal = view({ ...defaultFormValues(), name: "resnet", "resources.cpuCores": "500", "scaling.minReplicas": "2" });
    expect(input(modal, "name").element).toMatchObject({ initial_value: "resnet" });
    expect(input(modal, "resources.cpuCores").element).not.toHaveProperty("initial_value");
    expect(input(modal, "scaling.minReplicas").element).toMatchObject({ initial_value: "2" });
    expect(validateView(modal)).toEqual([]);
  });
});

describe("reading a submitted form", () => {
  const state = {
    name: { "deployment-form:name": { type: "plain_text_input", value: "bert-api-v1" } },
    description: { "deployment-form:description": { type: "plain_text_input", value: null } },
    modelId: { "deployment-form:modelId": { type: "plain_text_input", value: "model-001" } },
    modelVersion: { "deployment-form:modelVersion": { type: "plain_text_input", value: "v2.1.0" } },
    environment: { "deployment-form:environment": { type: "static_select", selected_option: { value: "staging" } } },
    "resources.cpuCores": { "deployment-form:resources.cpuCores": { type: "number_input", value: "4" } },
    "resources.memoryGb": { "deployment-form:resources.memoryGb": { type: "number_input", value: "16" } },
    "resources.gpuCount": { "deployment-form:resources.gpuCount": { type: "number_input", value: "0" } },
    "scaling.minReplicas": { "deployment-form:scaling.minReplicas": { type: "number_input", value: "2" } },
    "scaling.maxReplicas": { "deployment-form:scaling.maxReplicas": { type: "number_input", value: "10" } },
    "scaling.targetCpuUtilization": { "deployment-form:scaling.targetCpuUtilization": { type: "number_input", value: "70" } },
    "scaling.targetMemoryUtilization": { "deployment-form:scaling.targetMemoryUtilization": { type: "number_input", value: "80" } },
    "scaling.autoscalingEnabled": { "deployment-form:scaling.autoscalingEnabled": { type: "checkboxes", selected_options: [{ value: "on" }] } },
    "loadBalancer.enabled": { "deployment-form:loadBalancer.enabled": { type: "checkboxes", selected_options: [] } },
  };

  it("turns Slack's view state into a valid spec", () => {
    const values = readFormValues(state);
    expect(values["scaling.autoscalingEnabled"]).toBe(true);
    expect(values["loadBalancer.enabled"]).toBe(false);
    const result = validateDeploymentSpec(formValuesToSpecInput(values));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.spec).toMatchObject({
        name: "bert-api-v1",
        environment: "staging",
        resources: { cpuCores: 4, memoryGb: 16, gpuCount: 0 },
        scaling: { minReplicas: 2, maxReplicas: 10, autoscalingEnabled: true },
        loadBalancer: { enabled: false },
      });
    }
  });

  it("puts errors on the block they belong to, nested ones on their closest visible parent", () => {
    const blocks = visibleBlockIds(readFormValues(state));
    expect(
      inlineErrors(
        [
          { path: "scaling.maxReplicas", message: "too small" },
          { path: "env.0.name", message: "bad env" },
          { path: "scaling.maxReplicas", message: "second error on the same field" },
        ],
        blocks,
      ),
    ).toEqual({ "scaling.maxReplicas": "too small", name: "bad env" });
  });
});
