/**
 * Slack's documented Block Kit limits as pure checks, so the Slack recorder can refuse what real
 * Slack refuses. A payload that passes here may still be odd, but one that Slack would reject for a
 * documented limit must not pass: tests that go green locally must not fail in a real workspace.
 *
 * Messages mimic Slack's own: "[ERROR] <what> [json-pointer:/view/title/text]". Slack's counts are
 * "less than N+1 characters" for a limit of N, which is kept so error texts look like production logs.
 *
 * Inputs are `unknown` on purpose: the recorder hands over whatever JSON the app sent.
 */

type Obj = Record<string, unknown>;

/** Which error code Slack answers with for a message payload problem. */
export type MessageIssueCode = "invalid_blocks" | "no_text" | "msg_too_long";

export interface Issue {
  pointer: string;
  message: string;
  code: MessageIssueCode;
}

export type Surface = "modal" | "home" | "message";

export const LIMITS = {
  viewTitle: 24,
  viewButton: 24,
  viewBlocks: 100,
  messageBlocks: 50,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputLength: 3000,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  selectOptions: 100,
  selectOptionGroups: 100,
  optionGroupLabel: 75,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  choiceOptions: 10,
  overflowOptions: 5,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageUrl: 3000,
  altText: 2000,
  imageTitle: 2000,
  markdownBlockText: 12000,
  messageText: 40000,
} as const;

const KNOWN_BLOCK_TYPES = new Set([
  "actions",
  "alert",
  "call",
  "card",
  "carousel",
  "container",
  "context",
  "context_actions",
  "data_table",
  "divider",
  "file",
  "header",
  "image",
  "input",
  "markdown",
  "plan",
  "rich_text",
  "section",
  "table",
  "task_card",
  "video",
]);

const SELECT_TYPES = [
  "static_select",
  "external_select",
  "users_select",
  "conversations_select",
  "channels_select",
] as const;
const MULTI_SELECT_TYPES = [
  "multi_static_select",
  "multi_external_select",
  "multi_users_select",
  "multi_conversations_select",
  "multi_channels_select",
] as const;

// Where each interactive element may appear, per Slack's block reference ("Works with").
const INPUT_ELEMENTS = new Set<string>([
  "checkboxes",
  "datepicker",
  "datetimepicker",
  "email_text_input",
  "file_input",
  "number_input",
  "plain_text_input",
  "radio_buttons",
  "rich_text_input",
  "timepicker",
  "url_text_input",
  ...SELECT_TYPES,
  ...MULTI_SELECT_TYPES,
]);
const ACTIONS_ELEMENTS = new Set<string>([
  "button",
  "checkboxes",
  "datepicker",
  "datetimepicker",
  "overflow",
  "radio_buttons",
  "rich_text_input",
  "timepicker",
  "workflow_button",
  ...SELECT_TYPES,
  ...MULTI_SELECT_TYPES,
]);
const ACCESSORY_ELEMENTS = new Set<string>([
  "button",
  "checkboxes",
  "datepicker",
  "image",
  "overflow",
  "radio_buttons",
  "timepicker",
  "workflow_button",
  ...SELECT_TYPES,
  ...MULTI_SELECT_TYPES,
]);

class Collector {
  readonly issues: Issue[] = [];
  add(pointer: string, message: string, code: MessageIssueCode = "invalid_blocks"): void {
    this.issues.push({ pointer, message, code });
  }
}

/** Formats an issue the way Slack puts it in `response_metadata.messages`. */
export function formatIssue(issue: Pick<Issue, "pointer" | "message">): string {
  return `[ERROR] ${issue.message} [json-pointer:${issue.pointer}]`;
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapePointer(key: string | number): string {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

function at(pointer: string, key: string | number): string {
  return `${pointer}/${escapePointer(key)}`;
}

/** Slack counts characters, not UTF-16 code units, so an emoji is one. */
function charCount(text: string): number {
  return [...text].length;
}

function tooLong(max: number): string {
  return `must be less than ${max + 1} characters`;
}

interface StringRule {
  required?: boolean;
  max?: number;
  nonEmpty?: boolean;
}

function checkString(c: Collector, parent: Obj, key: string, pointer: string, rule: StringRule): string | undefined {
  const value = parent[key];
  const p = at(pointer, key);
  if (value === undefined || value === null) {
    if (rule.required) c.add(p, `missing required field: ${key}`);
    return undefined;
  }
  if (typeof value !== "string") {
    c.add(p, "must provide a string");
    return undefined;
  }
  if (rule.nonEmpty && value.length === 0) c.add(p, "must be more than 0 characters");
  if (rule.max !== undefined && charCount(value) > rule.max) c.add(p, tooLong(rule.max));
  return value;
}

function checkBoolean(c: Collector, parent: Obj, key: string, pointer: string, required = false): void {
  const value = parent[key];
  if (value === undefined) {
    if (required) c.add(at(pointer, key), `missing required field: ${key}`);
    return;
  }
  if (typeof value !== "boolean") c.add(at(pointer, key), "must provide a boolean");
}

interface TextRule {
  max: number;
  plainOnly?: boolean;
  required?: boolean;
  key: string;
}

/** A text composition object (`{ type: "plain_text" | "mrkdwn", text }`) at parent[key]. */
function checkTextObject(c: Collector, parent: Obj, pointer: string, rule: TextRule): void {
  const value = parent[rule.key];
  const p = at(pointer, rule.key);
  if (value === undefined || value === null) {
    if (rule.required) c.add(p, `missing required field: ${rule.key}`);
    return;
  }
  checkTextValue(c, value, p, rule);
}

function checkTextValue(c: Collector, value: unknown, p: string, rule: Omit<TextRule, "key" | "required">): void {
  if (!isObj(value)) {
    c.add(p, "must provide an object");
    return;
  }
  const type = value["type"];
  if (type !== "plain_text" && type !== "mrkdwn") {
    c.add(at(p, "type"), "must be a valid enum value");
  } else if (rule.plainOnly && type !== "plain_text") {
    c.add(at(p, "type"), "must be a valid enum value (only plain_text is allowed here)");
  }
  checkString(c, value, "text", p, { required: true, nonEmpty: true, max: rule.max });
  const allowed = type === "mrkdwn" ? ["type", "text", "verbatim"] : ["type", "text", "emoji"];
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) c.add(at(p, key), `invalid additional property: ${key}`);
  }
  if (value["emoji"] !== undefined && typeof value["emoji"] !== "boolean") c.add(at(p, "emoji"), "must provide a boolean");
  if (value["verbatim"] !== undefined && typeof value["verbatim"] !== "boolean") {
    c.add(at(p, "verbatim"), "must provide a boolean");
  }
}

function checkBlockId(c: Collector, block: Obj, pointer: string, seen: Set<string>): void {
  const id = checkString(c, block, "block_id", pointer, { max: LIMITS.blockId, nonEmpty: true });
  if (id === undefined) return;
  if (seen.has(id)) c.add(at(pointer, "block_id"), `duplicate block_id: ${id}`);
  seen.add(id);
}

function checkActionId(c: Collector, element: Obj, pointer: string, seen: Set<string>): void {
  const id = checkString(c, element, "action_id", pointer, { max: LIMITS.actionId, nonEmpty: true });
  if (id === undefined) return;
  if (seen.has(id)) c.add(at(pointer, "action_id"), `duplicate action_id: ${id}`);
  seen.add(id);
}

function checkUrl(c: Collector, parent: Obj, key: string, pointer: string, required = false): void {
  const url = checkString(c, parent, key, pointer, { required, nonEmpty: true, max: LIMITS.url });
  if (url !== undefined && url.length > 0 && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(url)) {
    c.add(at(pointer, key), "must be a valid url");
  }
}

function checkConfirm(c: Collector, parent: Obj, pointer: string): void {
  const confirm = parent["confirm"];
  if (confirm === undefined) return;
  const p = at(pointer, "confirm");
  if (!isObj(confirm)) {
    c.add(p, "must provide an object");
    return;
  }
  checkTextObject(c, confirm, p, { key: "title", max: LIMITS.confirmTitle, plainOnly: true, required: true });
  checkTextObject(c, confirm, p, { key: "text", max: LIMITS.confirmText, required: true });
  checkTextObject(c, confirm, p, { key: "confirm", max: LIMITS.confirmButton, plainOnly: true, required: true });
  checkTextObject(c, confirm, p, { key: "deny", max: LIMITS.confirmButton, plainOnly: true, required: true });
  checkStyle(c, confirm, p);
  for (const key of Object.keys(confirm)) {
    if (!["title", "text", "confirm", "deny", "style"].includes(key)) {
      c.add(at(p, key), `invalid additional property: ${key}`);
    }
  }
}

function checkStyle(c: Collector, parent: Obj, pointer: string): void {
  const style = parent["style"];
  if (style !== undefined && style !== "primary" && style !== "danger") {
    c.add(at(pointer, "style"), "must be a valid enum value");
  }
}

function checkPlaceholder(c: Collector, element: Obj, pointer: string): void {
  checkTextObject(c, element, pointer, { key: "placeholder", max: LIMITS.placeholder, plainOnly: true });
}

interface OptionRule {
  mrkdwnAllowed: boolean;
  urlAllowed: boolean;
}

/** Validates option objects and returns the well-formed ones, for initial_option(s) matching. */
function checkOptionList(
  c: Collector,
  options: unknown,
  pointer: string,
  rule: OptionRule,
  seenValues: Set<string>,
): Obj[] {
  if (!Array.isArray(options)) {
    c.add(pointer, "must provide an array");
    return [];
  }
  const result: Obj[] = [];
  options.forEach((option: unknown, i) => {
    const p = at(pointer, i);
    if (!isObj(option)) {
      c.add(p, "must provide an object");
      return;
    }
    checkTextObject(c, option, p, { key: "text", max: LIMITS.optionText, plainOnly: !rule.mrkdwnAllowed, required: true });
    const value = checkString(c, option, "value", p, { required: true, max: LIMITS.optionValue });
    if (value !== undefined) {
      if (seenValues.has(value)) c.add(at(p, "value"), `duplicate option value: ${value}`);
      seenValues.add(value);
    }
    checkTextObject(c, option, p, {
      key: "description",
      max: LIMITS.optionDescription,
      plainOnly: !rule.mrkdwnAllowed,
    });
    if (rule.urlAllowed) checkUrl(c, option, "url", p);
    const allowed = ["text", "value", "description", ...(rule.urlAllowed ? ["url"] : [])];
    for (const key of Object.keys(option)) {
      if (!allowed.includes(key)) c.add(at(p, key), `invalid additional property: ${key}`);
    }
    result.push(option);
  });
  return result;
}

/** Slack treats a plain_text object without `emoji` as `emoji: true`, so both spellings match. */
function normalizeForCompare(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeForCompare);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const key of Object.keys(value).sort()) {
    if (key === "emoji" && value["type"] === "plain_text" && value[key] === true) continue;
    out[key] = normalizeForCompare(value[key]);
  }
  return out;
}

export function sameOption(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalizeForCompare(a)) === JSON.stringify(normalizeForCompare(b));
}

function checkInitialOption(c: Collector, element: Obj, pointer: string, options: Obj[]): void {
  const initial = element["initial_option"];
  if (initial === undefined) return;
  const p = at(pointer, "initial_option");
  if (!isObj(initial)) {
    c.add(p, "must provide an object");
    return;
  }
  if (!options.some((o) => sameOption(o, initial))) c.add(p, "must match one of the provided options");
}

function checkInitialOptions(c: Collector, element: Obj, pointer: string, options: Obj[]): void {
  const initial = element["initial_options"];
  if (initial === undefined) return;
  const p = at(pointer, "initial_options");
  if (!Array.isArray(initial)) {
    c.add(p, "must provide an array");
    return;
  }
  initial.forEach((option: unknown, i) => {
    if (!options.some((o) => sameOption(o, option))) c.add(at(p, i), "must match one of the provided options");
  });
}

function checkStaticSelect(c: Collector, element: Obj, pointer: string, multi: boolean): void {
  checkPlaceholder(c, element, pointer);
  const hasOptions = element["options"] !== undefined;
  const hasGroups = element["option_groups"] !== undefined;
  const seenValues = new Set<string>();
  let all: Obj[] = [];
  if (hasOptions === hasGroups) {
    c.add(pointer, "must provide exactly one of options or option_groups");
  }
  if (hasOptions) {
    const options = element["options"];
    if (Array.isArray(options) && options.length > LIMITS.selectOptions) {
      c.add(at(pointer, "options"), `no more than ${LIMITS.selectOptions} items allowed`);
    }
    all = checkOptionList(c, options, at(pointer, "options"), { mrkdwnAllowed: false, urlAllowed: false }, seenValues);
  } else if (hasGroups) {
    const groups = element["option_groups"];
    const gp = at(pointer, "option_groups");
    if (!Array.isArray(groups)) {
      c.add(gp, "must provide an array");
    } else {
      if (groups.length > LIMITS.selectOptionGroups) {
        c.add(gp, `no more than ${LIMITS.selectOptionGroups} items allowed`);
      }
      groups.forEach((group: unknown, i) => {
        const p = at(gp, i);
        if (!isObj(group)) {
          c.add(p, "must provide an object");
          return;
        }
        checkTextObject(c, group, p, { key: "label", max: LIMITS.optionGroupLabel, plainOnly: true, required: true });
        const options = group["options"];
        if (Array.isArray(options) && options.length > LIMITS.selectOptions) {
          c.add(at(p, "options"), `no more than ${LIMITS.selectOptions} items allowed`);
        }
        all.push(
          ...checkOptionList(c, options, at(p, "options"), { mrkdwnAllowed: false, urlAllowed: false }, seenValues),
        );
      });
    }
  }
  if (multi) {
    checkInitialOptions(c, element, pointer, all);
    checkPositiveInt(c, element, "max_selected_items", pointer, 1);
  } else {
    checkInitialOption(c, element, pointer, all);
  }
}

function checkPositiveInt(c: Collector, parent: Obj, key: string, pointer: string, min: number, max?: number): number | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  const p = at(pointer, key);
  if (typeof value !== "number" || !Number.isInteger(value)) {
    c.add(p, "must provide an integer");
    return undefined;
  }
  if (value < min) c.add(p, `must be greater than or equal to ${min}`);
  if (max !== undefined && value > max) c.add(p, `must be less than or equal to ${max}`);
  return value;
}

function checkChoiceList(c: Collector, element: Obj, pointer: string, multi: boolean): void {
  const options = element["options"];
  const p = at(pointer, "options");
  if (options === undefined) {
    c.add(p, "missing required field: options");
    return;
  }
  if (Array.isArray(options)) {
    if (options.length === 0) c.add(p, "must provide at least 1 item");
    if (options.length > LIMITS.choiceOptions) c.add(p, `no more than ${LIMITS.choiceOptions} items allowed`);
  }
  const all = checkOptionList(c, options, p, { mrkdwnAllowed: true, urlAllowed: false }, new Set());
  if (multi) checkInitialOptions(c, element, pointer, all);
  else checkInitialOption(c, element, pointer, all);
}

function checkNumberString(
  c: Collector,
  element: Obj,
  key: string,
  pointer: string,
  decimalAllowed: boolean,
): number | undefined {
  const value = element[key];
  if (value === undefined) return undefined;
  const p = at(pointer, key);
  if (typeof value !== "string") {
    c.add(p, "must provide a string");
    return undefined;
  }
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(n)) {
    c.add(p, "must be a valid number");
    return undefined;
  }
  if (!decimalAllowed && !/^[-+]?\d+$/.test(trimmed)) {
    c.add(p, "must be an integer when is_decimal_allowed is false");
    return undefined;
  }
  return n;
}

function checkNumberInput(c: Collector, element: Obj, pointer: string): void {
  checkPlaceholder(c, element, pointer);
  const decimal = element["is_decimal_allowed"];
  if (decimal === undefined) c.add(at(pointer, "is_decimal_allowed"), "missing required field: is_decimal_allowed");
  else if (typeof decimal !== "boolean") c.add(at(pointer, "is_decimal_allowed"), "must provide a boolean");
  const decimalAllowed = decimal === true;
  const initial = checkNumberString(c, element, "initial_value", pointer, decimalAllowed);
  const min = checkNumberString(c, element, "min_value", pointer, decimalAllowed);
  const max = checkNumberString(c, element, "max_value", pointer, decimalAllowed);
  if (min !== undefined && max !== undefined && min > max) {
    c.add(at(pointer, "min_value"), "must be less than or equal to max_value");
  }
  if (initial !== undefined) {
    if (min !== undefined && initial < min) c.add(at(pointer, "initial_value"), "must be greater than or equal to min_value");
    if (max !== undefined && initial > max) c.add(at(pointer, "initial_value"), "must be less than or equal to max_value");
  }
}

function checkPlainTextInput(c: Collector, element: Obj, pointer: string): void {
  checkPlaceholder(c, element, pointer);
  checkBoolean(c, element, "multiline", pointer);
  const min = checkPositiveInt(c, element, "min_length", pointer, 0, LIMITS.plainTextInputLength);
  const max = checkPositiveInt(c, element, "max_length", pointer, 1, LIMITS.plainTextInputLength);
  if (min !== undefined && max !== undefined && min > max) {
    c.add(at(pointer, "min_length"), "must be less than or equal to max_length");
  }
  const initial = checkString(c, element, "initial_value", pointer, {});
  if (initial !== undefined) {
    const limit = max ?? LIMITS.plainTextInputLength;
    if (charCount(initial) > limit) c.add(at(pointer, "initial_value"), tooLong(limit));
  }
}

function checkImageElement(c: Collector, element: Obj, pointer: string): void {
  if (element["slack_file"] === undefined) checkUrl(c, element, "image_url", pointer, true);
  else checkUrl(c, element, "image_url", pointer);
  checkString(c, element, "alt_text", pointer, { required: true, nonEmpty: true, max: LIMITS.altText });
}

const KNOWN_ELEMENT_TYPES = new Set<string>([
  ...INPUT_ELEMENTS,
  ...ACTIONS_ELEMENTS,
  ...ACCESSORY_ELEMENTS,
  "feedback_buttons",
  "icon_button",
]);

/** Elements that carry an action_id (everything interactive; images don't). */
function checkElement(
  c: Collector,
  element: unknown,
  pointer: string,
  allowed: ReadonlySet<string>,
  actionIds: Set<string>,
): void {
  if (!isObj(element)) {
    c.add(pointer, "must provide an object");
    return;
  }
  const type = element["type"];
  if (typeof type !== "string" || !KNOWN_ELEMENT_TYPES.has(type)) {
    c.add(at(pointer, "type"), "must be a valid enum value");
    return;
  }
  if (!allowed.has(type)) {
    c.add(at(pointer, "type"), `element type ${type} is not allowed here`);
    return;
  }
  if (type !== "image") checkActionId(c, element, pointer, actionIds);
  checkBoolean(c, element, "focus_on_load", pointer);

  switch (type) {
    case "button":
      checkTextObject(c, element, pointer, { key: "text", max: LIMITS.buttonText, plainOnly: true, required: true });
      checkString(c, element, "value", pointer, { max: LIMITS.buttonValue });
      checkUrl(c, element, "url", pointer);
      checkString(c, element, "accessibility_label", pointer, { max: LIMITS.accessibilityLabel });
      checkStyle(c, element, pointer);
      checkConfirm(c, element, pointer);
      break;
    case "static_select":
    case "multi_static_select":
      checkStaticSelect(c, element, pointer, type === "multi_static_select");
      checkConfirm(c, element, pointer);
      break;
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
    case "multi_external_select":
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select":
      checkPlaceholder(c, element, pointer);
      checkConfirm(c, element, pointer);
      break;
    case "checkboxes":
      checkChoiceList(c, element, pointer, true);
      checkConfirm(c, element, pointer);
      break;
    case "radio_buttons":
      checkChoiceList(c, element, pointer, false);
      checkConfirm(c, element, pointer);
      break;
    case "overflow": {
      const options = element["options"];
      const p = at(pointer, "options");
      if (options === undefined) c.add(p, "missing required field: options");
      else {
        if (Array.isArray(options) && options.length > LIMITS.overflowOptions) {
          c.add(p, `no more than ${LIMITS.overflowOptions} items allowed`);
        }
        checkOptionList(c, options, p, { mrkdwnAllowed: false, urlAllowed: true }, new Set());
      }
      checkConfirm(c, element, pointer);
      break;
    }
    case "plain_text_input":
      checkPlainTextInput(c, element, pointer);
      break;
    case "number_input":
      checkNumberInput(c, element, pointer);
      break;
    case "email_text_input":
    case "url_text_input":
      checkPlaceholder(c, element, pointer);
      checkString(c, element, "initial_value", pointer, {});
      break;
    case "datepicker": {
      checkPlaceholder(c, element, pointer);
      const date = checkString(c, element, "initial_date", pointer, {});
      if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        c.add(at(pointer, "initial_date"), "must be in YYYY-MM-DD format");
      }
      checkConfirm(c, element, pointer);
      break;
    }
    case "timepicker": {
      checkPlaceholder(c, element, pointer);
      const time = checkString(c, element, "initial_time", pointer, {});
      if (time !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) {
        c.add(at(pointer, "initial_time"), "must be in HH:mm format");
      }
      checkConfirm(c, element, pointer);
      break;
    }
    case "image":
      checkImageElement(c, element, pointer);
      break;
    default:
      break;
  }
}

function checkSection(c: Collector, block: Obj, p: string): void {
  const hasText = block["text"] !== undefined;
  const fields = block["fields"];
  if (!hasText && fields === undefined) c.add(p, "must provide either text or fields");
  checkTextObject(c, block, p, { key: "text", max: LIMITS.sectionText });
  if (fields !== undefined) {
    const fp = at(p, "fields");
    if (!Array.isArray(fields)) c.add(fp, "must provide an array");
    else {
      if (fields.length > LIMITS.sectionFields) c.add(fp, `no more than ${LIMITS.sectionFields} items allowed`);
      if (fields.length === 0) c.add(fp, "must provide at least 1 item");
      fields.forEach((field: unknown, i) => checkTextValue(c, field, at(fp, i), { max: LIMITS.sectionField }));
    }
  }
  if (block["accessory"] !== undefined) {
    checkElement(c, block["accessory"], at(p, "accessory"), ACCESSORY_ELEMENTS, new Set());
  }
  checkBoolean(c, block, "expand", p);
}

function checkContext(c: Collector, block: Obj, p: string): void {
  const elements = block["elements"];
  const ep = at(p, "elements");
  if (!Array.isArray(elements)) {
    c.add(ep, elements === undefined ? "missing required field: elements" : "must provide an array");
    return;
  }
  if (elements.length === 0) c.add(ep, "must provide at least 1 item");
  if (elements.length > LIMITS.contextElements) c.add(ep, `no more than ${LIMITS.contextElements} items allowed`);
  elements.forEach((element: unknown, i) => {
    const elp = at(ep, i);
    if (isObj(element) && element["type"] === "image") checkImageElement(c, element, elp);
    else checkTextValue(c, element, elp, { max: LIMITS.sectionText });
  });
}

function checkActions(c: Collector, block: Obj, p: string): void {
  const elements = block["elements"];
  const ep = at(p, "elements");
  if (!Array.isArray(elements)) {
    c.add(ep, elements === undefined ? "missing required field: elements" : "must provide an array");
    return;
  }
  if (elements.length === 0) c.add(ep, "must provide at least 1 item");
  if (elements.length > LIMITS.actionsElements) c.add(ep, `no more than ${LIMITS.actionsElements} items allowed`);
  const actionIds = new Set<string>();
  elements.forEach((element: unknown, i) => checkElement(c, element, at(ep, i), ACTIONS_ELEMENTS, actionIds));
}

function checkInput(c: Collector, block: Obj, p: string): void {
  checkTextObject(c, block, p, { key: "label", max: LIMITS.inputLabel, plainOnly: true, required: true });
  checkTextObject(c, block, p, { key: "hint", max: LIMITS.inputHint, plainOnly: true });
  checkBoolean(c, block, "optional", p);
  checkBoolean(c, block, "dispatch_action", p);
  if (block["elements"] !== undefined) {
    c.add(at(p, "elements"), "invalid additional property: elements (an input block takes exactly one element)");
  }
  const element = block["element"];
  if (element === undefined) {
    c.add(at(p, "element"), "missing required field: element");
    return;
  }
  if (Array.isArray(element)) {
    c.add(at(p, "element"), "must provide an object (an input block takes exactly one element)");
    return;
  }
  checkElement(c, element, at(p, "element"), INPUT_ELEMENTS, new Set());
}

function checkImageBlock(c: Collector, block: Obj, p: string): void {
  checkImageElement(c, block, p);
  checkTextObject(c, block, p, { key: "title", max: LIMITS.imageTitle, plainOnly: true });
}

function checkBlocks(c: Collector, blocks: unknown, pointer: string, surface: Surface): void {
  if (!Array.isArray(blocks)) {
    c.add(pointer, "must provide an array");
    return;
  }
  const max = surface === "message" ? LIMITS.messageBlocks : LIMITS.viewBlocks;
  if (blocks.length > max) c.add(pointer, `no more than ${max} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const p = at(pointer, i);
    if (!isObj(block)) {
      c.add(p, "must provide an object");
      return;
    }
    const type = block["type"];
    if (typeof type !== "string" || !KNOWN_BLOCK_TYPES.has(type)) {
      c.add(at(p, "type"), `must be a valid enum value${typeof type === "string" ? ` (unknown block type: ${type})` : ""}`);
      return;
    }
    checkBlockId(c, block, p, blockIds);
    switch (type) {
      case "section":
        checkSection(c, block, p);
        break;
      case "header":
        checkTextObject(c, block, p, { key: "text", max: LIMITS.headerText, plainOnly: true, required: true });
        break;
      case "context":
        checkContext(c, block, p);
        break;
      case "actions":
        checkActions(c, block, p);
        break;
      case "input":
        checkInput(c, block, p);
        break;
      case "image":
        checkImageBlock(c, block, p);
        break;
      case "markdown":
        checkString(c, block, "text", p, { required: true, nonEmpty: true, max: LIMITS.markdownBlockText });
        break;
      case "rich_text":
        if (!Array.isArray(block["elements"])) c.add(at(p, "elements"), "must provide an array");
        break;
      default:
        break;
    }
  });
}

function hasInputBlock(blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.some((b: unknown) => isObj(b) && b["type"] === "input");
}

/**
 * Issues with a view as sent to views.open / views.push / views.update (surface "modal") or
 * views.publish (surface "home"). Pointers are rooted at `/view`, as in Slack's answers.
 */
export function viewIssues(view: unknown, surface: Exclude<Surface, "message"> = "modal"): Issue[] {
  const c = new Collector();
  const p = "/view";
  if (!isObj(view)) {
    c.add(p, "must provide an object");
    return c.issues;
  }
  if (view["type"] !== surface) c.add(at(p, "type"), `must be a valid enum value (expected "${surface}")`);
  if (surface === "modal") {
    checkTextObject(c, view, p, { key: "title", max: LIMITS.viewTitle, plainOnly: true, required: true });
    checkTextObject(c, view, p, { key: "close", max: LIMITS.viewButton, plainOnly: true });
    checkTextObject(c, view, p, { key: "submit", max: LIMITS.viewButton, plainOnly: true });
    if (view["submit"] === undefined && hasInputBlock(view["blocks"])) {
      c.add(at(p, "submit"), "must provide submit when the view has input blocks");
    }
    checkBoolean(c, view, "clear_on_close", p);
    checkBoolean(c, view, "notify_on_close", p);
  }
  if (view["blocks"] === undefined) c.add(at(p, "blocks"), "missing required field: blocks");
  else checkBlocks(c, view["blocks"], at(p, "blocks"), surface);
  checkString(c, view, "private_metadata", p, { max: LIMITS.privateMetadata });
  checkString(c, view, "callback_id", p, { max: LIMITS.callbackId });
  checkString(c, view, "external_id", p, { max: LIMITS.externalId });
  return c.issues;
}

export function validateView(view: unknown, surface: Exclude<Surface, "message"> = "modal"): string[] {
  return viewIssues(view, surface).map(formatIssue);
}

/**
 * Issues with a message payload (chat.postMessage / chat.update / chat.postEphemeral / response_url).
 * `code` tells which Slack error applies: `no_text`, `msg_too_long` or `invalid_blocks`.
 * `requireContent` is false for chat.update-style partial edits, where omitting both keeps the old ones.
 */
export function messageIssues(blocks: unknown, text?: unknown, options: { requireContent?: boolean } = {}): Issue[] {
  const c = new Collector();
  const requireContent = options.requireContent ?? true;
  const hasText = typeof text === "string" && text.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (requireContent && !hasText && !hasBlocks) {
    c.add("/text", "must provide text or blocks", "no_text");
  }
  if (text !== undefined && text !== null) {
    if (typeof text !== "string") c.add("/text", "must provide a string", "invalid_blocks");
    else if (charCount(text) > LIMITS.messageText) c.add("/text", tooLong(LIMITS.messageText), "msg_too_long");
  }
  if (blocks !== undefined && blocks !== null) checkBlocks(c, blocks, "/blocks", "message");
  return c.issues;
}

export function validateMessageBlocks(blocks: unknown, text?: unknown): string[] {
  return messageIssues(blocks, text).map(formatIssue);
}
