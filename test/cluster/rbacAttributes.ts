/**
 * What the Kubernetes RBAC authorizer sees for an HTTP request, following kube-apiserver's
 * RequestInfo rules: the verb comes from the method (GET is get/list/watch depending on a name and
 * `?watch`, DELETE without a name is deletecollection), and a request for a Namespace object itself
 * (`/api/v1/namespaces/{name}`) is authorized inside that namespace.
 */

import type { Verb } from "../../src/cluster/clusterPermissions.js";
import type { RecordedRequest } from "../harness/fakeKubeApiServer.js";

export type RbacAttributes =
  | { nonResource: true; path: string }
  | {
      nonResource: false;
      group: string;
      /** `resource` or `resource/subresource`. */
      resource: string;
      namespace: string | undefined;
      name: string | undefined;
      /** Usually one; a server-side apply is authorized as a patch and, when it creates, as a create. */
      verbs: Verb[];
    };

/** Subresources of a Namespace (`/api/v1/namespaces/{name}/status`), not namespaced resources. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

const APPLY_PATCH = "application/apply-patch+yaml";

function verbsOf(request: RecordedRequest, name: string | undefined): Verb[] {
  const watching = request.query.watch === "true" || request.query.watch === "1";
  switch (request.method) {
    case "GET":
      if (watching) return ["watch"];
      return name === undefined ? ["list"] : ["get"];
    case "POST":
      return ["create"];
    case "PUT":
      return ["update"];
    case "PATCH":
      return request.contentType?.startsWith(APPLY_PATCH) === true ? ["patch", "create"] : ["patch"];
    case "DELETE":
      return name === undefined ? ["deletecollection"] : ["delete"];
    default:
      throw new Error(`No RBAC verb for HTTP ${request.method} ${request.path}`);
  }
}

export function rbacAttributes(request: RecordedRequest): RbacAttributes {
  const segments = request.path.split("/").filter((segment) => segment !== "").map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segments[0] === "api" && segments[1] !== undefined) {
    group = "";
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments[2] !== undefined) {
    group = segments[1] ?? "";
    rest = segments.slice(3);
  } else {
    return { nonResource: true, path: request.path };
  }
  if (rest.length === 0) return { nonResource: true, path: request.path };

  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest[1] !== undefined) {
    namespace = rest[1];
    const third = rest[2];
    // `/namespaces/{name}` and its own subresources stay a request for the Namespace object.
    if (third !== undefined && !(group === "" && NAMESPACE_SUBRESOURCES.has(third))) rest = rest.slice(2);
  }
  const [resource = "", name, subresource] = rest;
  return {
    nonResource: false,
    group,
    resource: subresource === undefined ? resource : `${resource}/${subresource}`,
    namespace,
    name,
    verbs: verbsOf(request, name),
  };
}
