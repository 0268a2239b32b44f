import { describe, expect, it } from "vitest";
import { LIMITS, validateMessageBlocks, validateView } from "./blockKitLimits.js";

type Obj = Record<string, unknown>;

const x = (n: number): string => "x".repeat(n);
const t = (text: string): Obj => ({ type: "plain_text", text });
const md = (text: string): Obj => ({ type: "mrkdwn", text });
const opt = (value: string, text: Obj = t(value)): Obj => ({ text, value });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function modal(blocks: unknown[] = [], extra: Obj = {}): Obj {
  return { type: "modal", title: t("Deploy"), submit: t("Deploy"), close: t("Cancel"), blocks, ...extra };
}
const input = (element: unknown, extra: Obj = {}): Obj => ({ type: "input", block_id: "in", label: t("Label"), element, ...extra });
const section = (text: unknown, extra: Obj = {}): Obj => ({ type: "section", text, ...extra });
const actions = (elements: unknown[], extra: Obj = {}): Obj => ({ type: "actions", block_id: "act", elements, ...extra });
const button = (extra: Obj = {}): Obj => ({ type: "button", action_id: "btn", text: t("Go"), ...extra });
const select = (extra: Obj = {}): Obj => ({
  type: "static_select",
  action_id: "sel",
  options: [opt("a"), opt("b")],
  ...extra,
});
const textInput = (extra: Obj = {}): Obj => ({ type: "plain_text_input", action_id: "txt", ...extra });
const numberInput = (extra: Obj = {}): Obj => ({ type: "number_input", action_id: "num", is_decimal_allowed: false, ...extra });
const confirm = (extra: Obj = {}): Obj => ({ title: t("Sure?"), text: md("Really"), confirm: t("Yes"), deny: t("No"), ...extra });

interface Case {
  rule: string;
  /** "view" cases go through validateView; "message" ones through validateMessageBlocks(blocks). */
  surface: "view" | "message";
  ok: unknown;
  bad: unknown;
  /** JSON pointer the refusal must name. */
  pointer: string;
}

const viewCases: Case[] = [
  { rule: "modal type", surface: "view", ok: modal(), bad: { ...modal(), type: "dialog" }, pointer: "/view/type" },
  {
    rule: "title required",
    surface: "view",
    ok: modal(),
    bad: { type: "modal", blocks: [] },
    pointer: "/view/title",
  },
  {
    rule: "title <= 24",
    surface: "view",
    ok: modal([], { title: t(x(24)) }),
    bad: modal([], { title: t(x(25)) }),
    pointer: "/view/title/text",
  },
  {
    rule: "title is plain_text",
    surface: "view",
    ok: modal([], { title: t("Deploy") }),
    bad: modal([], { title: md("Deploy") }),
    pointer: "/view/title/type",
  },
  {
    rule: "submit <= 24",
    surface: "view",
    ok: modal([], { submit: t(x(24)) }),
    bad: modal([], { submit: t(x(25)) }),
    pointer: "/view/submit/text",
  },
  {
    rule: "close <= 24",
    surface: "view",
    ok: modal([], { close: t(x(24)) }),
    bad: modal([], { close: t(x(25)) }),
    pointer: "/view/close/text",
  },
  {
    rule: "submit required with input blocks",
    surface: "view",
    ok: { type: "modal", title: t("Deploy"), blocks: [section(md("no inputs, no submit needed"))] },
    bad: { type: "modal", title: t("Deploy"), blocks: [input(textInput())] },
    pointer: "/view/submit",
  },
  {
    rule: "<= 100 blocks in a view",
    surface: "view",
    ok: modal(range(100).map(() => ({ type: "divider" }))),
    bad: modal(range(101).map(() => ({ type: "divider" }))),
    pointer: "/view/blocks",
  },
  {
    rule: "private_metadata <= 3000",
    surface: "view",
    ok: modal([], { private_metadata: x(3000) }),
    bad: modal([], { private_metadata: x(3001) }),
    pointer: "/view/private_metadata",
  },
  {
    rule: "callback_id <= 255",
    surface: "view",
    ok: modal([], { callback_id: x(255) }),
    bad: modal([], { callback_id: x(256) }),
    pointer: "/view/callback_id",
  },
  {
    rule: "block_id unique within a view",
    surface: "view",
    ok: modal([input(textInput(), { block_id: "a" }), input(textInput(), { block_id: "b" })]),
    bad: modal([input(textInput(), { block_id: "a" }), input(textInput(), { block_id: "a" })]),
    pointer: "/view/blocks/1/block_id",
  },
  {
    rule: "input needs exactly one element",
    surface: "view",
    ok: modal([input(textInput())]),
    bad: modal([{ type: "input", block_id: "in", label: t("Label"), elements: [textInput()] }]),
    pointer: "/view/blocks/0/element",
  },
  {
    rule: "input element is an object, not a list",
    surface: "view",
    ok: modal([input(textInput())]),
    bad: modal([input([textInput()])]),
    pointer: "/view/blocks/0/element",
  },
  {
    rule: "input label <= 2000",
    surface: "view",
    ok: modal([input(textInput(), { label: t(x(2000)) })]),
    bad: modal([input(textInput(), { label: t(x(2001)) })]),
    pointer: "/view/blocks/0/label/text",
  },
  {
    rule: "input label is plain_text",
    surface: "view",
    ok: modal([input(textInput(), { label: t("Name") })]),
    bad: modal([input(textInput(), { label: md("*Name*") })]),
    pointer: "/view/blocks/0/label/type",
  },
  {
    rule: "input hint <= 2000",
    surface: "view",
    ok: modal([input(textInput(), { hint: t(x(2000)) })]),
    bad: modal([input(textInput(), { hint: t(x(2001)) })]),
    pointer: "/view/blocks/0/hint/text",
  },
  {
    rule: "placeholder <= 150",
    surface: "view",
    ok: modal([input(textInput({ placeholder: t(x(150)) }))]),
    bad: modal([input(textInput({ placeholder: t(x(151)) }))]),
    pointer: "/view/blocks/0/element/placeholder/text",
  },
  {
    rule: "plain_text_input max_length <= 3000",
    surface: "view",
    ok: modal([input(textInput({ max_length: 3000 }))]),
    bad: modal([input(textInput({ max_length: 3001 }))]),
    pointer: "/view/blocks/0/element/max_length",
  },
  {
    rule: "plain_text_input min_length <= 3000",
    surface: "view",
    ok: modal([input(textInput({ min_length: 3000 }))]),
    bad: modal([input(textInput({ min_length: 3001 }))]),
    pointer: "/view/blocks/0/element/min_length",
  },
  {
    rule: "plain_text_input initial_value within max_length",
    surface: "view",
    ok: modal([input(textInput({ max_length: 5, initial_value: "abcde" }))]),
    bad: modal([input(textInput({ max_length: 5, initial_value: "abcdef" }))]),
    pointer: "/view/blocks/0/element/initial_value",
  },
  {
    rule: "number_input needs is_decimal_allowed",
    surface: "view",
    ok: modal([input(numberInput())]),
    bad: modal([input({ type: "number_input", action_id: "num" })]),
    pointer: "/view/blocks/0/element/is_decimal_allowed",
  },
  {
    rule: "number_input values are strings",
    surface: "view",
    ok: modal([input(numberInput({ initial_value: "3" }))]),
    bad: modal([input(numberInput({ initial_value: 3 }))]),
    pointer: "/view/blocks/0/element/initial_value",
  },
  {
    rule: "number_input values parse as numbers",
    surface: "view",
    ok: modal([input(numberInput({ min_value: "1" }))]),
    bad: modal([input(numberInput({ min_value: "one" }))]),
    pointer: "/view/blocks/0/element/min_value",
  },
  {
    rule: "number_input integers when decimals are not allowed",
    surface: "view",
    ok: modal([input(numberInput({ is_decimal_allowed: true, initial_value: "0.5" }))]),
    bad: modal([input(numberInput({ is_decimal_allowed: false, initial_value: "0.5" }))]),
    pointer: "/view/blocks/0/element/initial_value",
  },
  {
    rule: "number_input initial_value >= min_value",
    surface: "view",
    ok: modal([input(numberInput({ min_value: "1", max_value: "8", initial_value: "1" }))]),
    bad: modal([input(numberInput({ min_value: "1", max_value: "8", initial_value: "0" }))]),
    pointer: "/view/blocks/0/element/initial_value",
  },
  {
    rule: "number_input initial_value <= max_value",
    surface: "view",
    ok: modal([input(numberInput({ min_value: "1", max_value: "8", initial_value: "8" }))]),
    bad: modal([input(numberInput({ min_value: "1", max_value: "8", initial_value: "9" }))]),
    pointer: "/view/blocks/0/element/initial_value",
  },
  {
    rule: "static_select <= 100 options",
    surface: "view",
    ok: modal([input(select({ options: range(100).map((i) => opt(`v${i}`)) }))]),
    bad: modal([input(select({ options: range(101).map((i) => opt(`v${i}`)) }))]),
    pointer: "/view/blocks/0/element/options",
  },
  {
    rule: "static_select needs options or option_groups",
    surface: "view",
    ok: modal([input(select({ options: undefined, option_groups: [{ label: t("G"), options: [opt("a")] }] }))]),
    bad: modal([input({ type: "static_select", action_id: "sel" })]),
    pointer: "/view/blocks/0/element",
  },
  {
    rule: "select option text <= 75",
    surface: "view",
    ok: modal([input(select({ options: [opt("a", t(x(75)))] }))]),
    bad: modal([input(select({ options: [opt("a", t(x(76)))] }))]),
    pointer: "/view/blocks/0/element/options/0/text/text",
  },
  {
    rule: "select option text is plain_text",
    surface: "view",
    ok: modal([input(select({ options: [opt("a", t("A"))] }))]),
    bad: modal([input(select({ options: [opt("a", md("*A*"))] }))]),
    pointer: "/view/blocks/0/element/options/0/text/type",
  },
  {
    rule: "option value <= 150",
    surface: "view",
    ok: modal([input(select({ options: [opt(x(150), t("A"))] }))]),
    bad: modal([input(select({ options: [opt(x(151), t("A"))] }))]),
    pointer: "/view/blocks/0/element/options/0/value",
  },
  {
    rule: "option values unique",
    surface: "view",
    ok: modal([input(select({ options: [opt("a"), opt("b")] }))]),
    bad: modal([input(select({ options: [opt("a"), opt("a", t("again"))] }))]),
    pointer: "/view/blocks/0/element/options/1/value",
  },
  {
    rule: "initial_option is one of the options",
    surface: "view",
    ok: modal([input(select({ initial_option: opt("b") }))]),
    bad: modal([input(select({ initial_option: opt("c") }))]),
    pointer: "/view/blocks/0/element/initial_option",
  },
  {
    rule: "initial_option matches deeply (text too)",
    surface: "view",
    ok: modal([input(select({ initial_option: { text: { type: "plain_text", text: "b", emoji: true }, value: "b" } }))]),
    bad: modal([input(select({ initial_option: opt("b", t("B but different")) }))]),
    pointer: "/view/blocks/0/element/initial_option",
  },
  {
    rule: "multi_static_select initial_options among options",
    surface: "view",
    ok: modal([input(select({ type: "multi_static_select", initial_options: [opt("a")] }))]),
    bad: modal([input(select({ type: "multi_static_select", initial_options: [opt("z")] }))]),
    pointer: "/view/blocks/0/element/initial_options/0",
  },
  {
    rule: "checkboxes <= 10 options",
    surface: "view",
    ok: modal([input({ type: "checkboxes", action_id: "cb", options: range(10).map((i) => opt(`v${i}`)) })]),
    bad: modal([input({ type: "checkboxes", action_id: "cb", options: range(11).map((i) => opt(`v${i}`)) })]),
    pointer: "/view/blocks/0/element/options",
  },
  {
    rule: "checkbox option text <= 75 (mrkdwn allowed)",
    surface: "view",
    ok: modal([input({ type: "checkboxes", action_id: "cb", options: [opt("a", md(x(75)))] })]),
    bad: modal([input({ type: "checkboxes", action_id: "cb", options: [opt("a", md(x(76)))] })]),
    pointer: "/view/blocks/0/element/options/0/text/text",
  },
  {
    rule: "checkboxes initial_options among options",
    surface: "view",
    ok: modal([input({ type: "checkboxes", action_id: "cb", options: [opt("a")], initial_options: [opt("a")] })]),
    bad: modal([input({ type: "checkboxes", action_id: "cb", options: [opt("a")], initial_options: [opt("b")] })]),
    pointer: "/view/blocks/0/element/initial_options/0",
  },
  {
    rule: "radio_buttons <= 10 options",
    surface: "view",
    ok: modal([input({ type: "radio_buttons", action_id: "rb", options: range(10).map((i) => opt(`v${i}`)) })]),
    bad: modal([input({ type: "radio_buttons", action_id: "rb", options: range(11).map((i) => opt(`v${i}`)) })]),
    pointer: "/view/blocks/0/element/options",
  },
  {
    rule: "radio_buttons initial_option among options",
    surface: "view",
    ok: modal([input({ type: "radio_buttons", action_id: "rb", options: [opt("a")], initial_option: opt("a") })]),
    bad: modal([input({ type: "radio_buttons", action_id: "rb", options: [opt("a")], initial_option: opt("b") })]),
    pointer: "/view/blocks/0/element/initial_option",
  },
  {
    rule: "only input elements inside an input block",
    surface: "view",
    ok: modal([input(textInput())]),
    bad: modal([input(button())]),
    pointer: "/view/blocks/0/element/type",
  },
  {
    rule: "unknown element types are refused",
    surface: "view",
    ok: modal([input(textInput())]),
    bad: modal([input({ type: "slider", action_id: "s" })]),
    pointer: "/view/blocks/0/element/type",
  },
];

const messageCases: Case[] = [
  {
    rule: "<= 50 blocks in a message",
    surface: "message",
    ok: range(50).map(() => ({ type: "divider" })),
    bad: range(51).map(() => ({ type: "divider" })),
    pointer: "/blocks",
  },
  {
    rule: "unknown block types are refused",
    surface: "message",
    ok: [{ type: "divider" }],
    bad: [{ type: "banner", text: md("hi") }],
    pointer: "/blocks/0/type",
  },
  {
    rule: "block_id <= 255",
    surface: "message",
    ok: [{ type: "divider", block_id: x(255) }],
    bad: [{ type: "divider", block_id: x(256) }],
    pointer: "/blocks/0/block_id",
  },
  {
    rule: "block_id unique within a message",
    surface: "message",
    ok: [
      { type: "divider", block_id: "a" },
      { type: "divider", block_id: "b" },
    ],
    bad: [
      { type: "divider", block_id: "a" },
      { type: "divider", block_id: "a" },
    ],
    pointer: "/blocks/1/block_id",
  },
  {
    rule: "section text <= 3000",
    surface: "message",
    ok: [section(md(x(3000)))],
    bad: [section(md(x(3001)))],
    pointer: "/blocks/0/text/text",
  },
  {
    rule: "section text counts characters, not UTF-16 units",
    surface: "message",
    ok: [section(md("🚀".repeat(3000)))],
    bad: [section(md("🚀".repeat(3001)))],
    pointer: "/blocks/0/text/text",
  },
  {
    rule: "section fields <= 10",
    surface: "message",
    ok: [section(undefined, { fields: range(10).map(() => md("f")) })],
    bad: [section(undefined, { fields: range(11).map(() => md("f")) })],
    pointer: "/blocks/0/fields",
  },
  {
    rule: "section field <= 2000",
    surface: "message",
    ok: [section(undefined, { fields: [md(x(2000))] })],
    bad: [section(undefined, { fields: [md(x(2001))] })],
    pointer: "/blocks/0/fields/0/text",
  },
  {
    rule: "section needs text or fields",
    surface: "message",
    ok: [section(md("hi"))],
    bad: [{ type: "section" }],
    pointer: "/blocks/0",
  },
  {
    rule: "header text <= 150",
    surface: "message",
    ok: [{ type: "header", text: t(x(150)) }],
    bad: [{ type: "header", text: t(x(151)) }],
    pointer: "/blocks/0/text/text",
  },
  {
    rule: "header text is plain_text",
    surface: "message",
    ok: [{ type: "header", text: t("Deploy") }],
    bad: [{ type: "header", text: md("*Deploy*") }],
    pointer: "/blocks/0/text/type",
  },
  {
    rule: "context <= 10 elements",
    surface: "message",
    ok: [{ type: "context", elements: range(10).map(() => md("c")) }],
    bad: [{ type: "context", elements: range(11).map(() => md("c")) }],
    pointer: "/blocks/0/elements",
  },
  {
    rule: "actions <= 25 elements",
    surface: "message",
    ok: [actions(range(25).map((i) => button({ action_id: `b${i}` })))],
    bad: [actions(range(26).map((i) => button({ action_id: `b${i}` })))],
    pointer: "/blocks/0/elements",
  },
  {
    rule: "action_id <= 255",
    surface: "message",
    ok: [actions([button({ action_id: x(255) })])],
    bad: [actions([button({ action_id: x(256) })])],
    pointer: "/blocks/0/elements/0/action_id",
  },
  {
    rule: "action_id unique within a block (may repeat across blocks)",
    surface: "message",
    ok: [actions([button({ action_id: "same" })], { block_id: "a" }), actions([button({ action_id: "same" })], { block_id: "b" })],
    bad: [actions([button({ action_id: "same" }), button({ action_id: "same" })])],
    pointer: "/blocks/0/elements/1/action_id",
  },
  {
    rule: "plain_text_input is not an actions element",
    surface: "message",
    ok: [actions([button()])],
    bad: [actions([textInput()])],
    pointer: "/blocks/0/elements/0/type",
  },
  {
    rule: "button text <= 75",
    surface: "message",
    ok: [actions([button({ text: t(x(75)) })])],
    bad: [actions([button({ text: t(x(76)) })])],
    pointer: "/blocks/0/elements/0/text/text",
  },
  {
    rule: "button text is plain_text",
    surface: "message",
    ok: [actions([button({ text: t("Go") })])],
    bad: [actions([button({ text: md("*Go*") })])],
    pointer: "/blocks/0/elements/0/text/type",
  },
  {
    rule: "button value <= 2000",
    surface: "message",
    ok: [actions([button({ value: x(2000) })])],
    bad: [actions([button({ value: x(2001) })])],
    pointer: "/blocks/0/elements/0/value",
  },
  {
    rule: "button url <= 3000",
    surface: "message",
    ok: [actions([button({ url: `https://example.com/${x(2980)}` })])],
    bad: [actions([button({ url: `https://example.com/${x(2990)}` })])],
    pointer: "/blocks/0/elements/0/url",
  },
  {
    rule: "button style primary|danger",
    surface: "message",
    ok: [actions([button({ style: "danger" })])],
    bad: [actions([button({ style: "secondary" })])],
    pointer: "/blocks/0/elements/0/style",
  },
  {
    rule: "confirm title <= 100",
    surface: "message",
    ok: [actions([button({ confirm: confirm({ title: t(x(100)) }) })])],
    bad: [actions([button({ confirm: confirm({ title: t(x(101)) }) })])],
    pointer: "/blocks/0/elements/0/confirm/title/text",
  },
  {
    rule: "confirm text <= 300",
    surface: "message",
    ok: [actions([button({ confirm: confirm({ text: md(x(300)) }) })])],
    bad: [actions([button({ confirm: confirm({ text: md(x(301)) }) })])],
    pointer: "/blocks/0/elements/0/confirm/text/text",
  },
  {
    rule: "confirm button <= 30",
    surface: "message",
    ok: [actions([button({ confirm: confirm({ confirm: t(x(30)) }) })])],
    bad: [actions([button({ confirm: confirm({ confirm: t(x(31)) }) })])],
    pointer: "/blocks/0/elements/0/confirm/confirm/text",
  },
  {
    rule: "confirm deny <= 30",
    surface: "message",
    ok: [actions([button({ confirm: confirm({ deny: t(x(30)) }) })])],
    bad: [actions([button({ confirm: confirm({ deny: t(x(31)) }) })])],
    pointer: "/blocks/0/elements/0/confirm/deny/text",
  },
  {
    rule: "select placeholder <= 150",
    surface: "message",
    ok: [actions([select({ placeholder: t(x(150)) })])],
    bad: [actions([select({ placeholder: t(x(151)) })])],
    pointer: "/blocks/0/elements/0/placeholder/text",
  },
  {
    rule: "image block image_url <= 3000",
    surface: "message",
    ok: [{ type: "image", image_url: `https://example.com/${x(2980)}`, alt_text: "chart" }],
    bad: [{ type: "image", image_url: `https://example.com/${x(2990)}`, alt_text: "chart" }],
    pointer: "/blocks/0/image_url",
  },
  {
    rule: "image block alt_text <= 2000",
    surface: "message",
    ok: [{ type: "image", image_url: "https://example.com/a.png", alt_text: x(2000) }],
    bad: [{ type: "image", image_url: "https://example.com/a.png", alt_text: x(2001) }],
    pointer: "/blocks/0/alt_text",
  },
  {
    rule: "image block needs alt_text",
    surface: "message",
    ok: [{ type: "image", image_url: "https://example.com/a.png", alt_text: "a" }],
    bad: [{ type: "image", image_url: "https://example.com/a.png" }],
    pointer: "/blocks/0/alt_text",
  },
  {
    rule: "text objects need a known type",
    surface: "message",
    ok: [section(md("hi"))],
    bad: [section({ type: "markdown", text: "hi" })],
    pointer: "/blocks/0/text/type",
  },
  {
    rule: "text objects need non-empty text",
    surface: "message",
    ok: [section(md("hi"))],
    bad: [section(md(""))],
    pointer: "/blocks/0/text/text",
  },
  {
    rule: "emoji only on plain_text",
    surface: "message",
    ok: [{ type: "header", text: { type: "plain_text", text: "hi", emoji: true } }],
    bad: [section({ type: "mrkdwn", text: "hi", emoji: true })],
    pointer: "/blocks/0/text/emoji",
  },
];

describe("blockKitLimits: each rule accepts the limit and refuses one past it", () => {
  it.each([...viewCases, ...messageCases])("$rule", ({ surface, ok, bad, pointer }) => {
    const check = (payload: unknown): string[] =>
      surface === "view" ? validateView(payload) : validateMessageBlocks(payload);
    expect(check(ok)).toEqual([]);
    const errors = check(bad);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
    for (const e of errors) expect(e).toMatch(/^\[ERROR\] .+ \[json-pointer:\/.*\]$/);
  });
});

describe("blockKitLimits: message-level rules", () => {
  it("accepts text up to 40000 characters and refuses longer", () => {
    expect(validateMessageBlocks(undefined, x(LIMITS.messageText))).toEqual([]);
    expect(validateMessageBlocks(undefined, x(LIMITS.messageText + 1))).toEqual([
      "[ERROR] must be less than 40001 characters [json-pointer:/text]",
    ]);
  });

  it("needs text or blocks", () => {
    expect(validateMessageBlocks(undefined, "hello")).toEqual([]);
    expect(validateMessageBlocks([section(md("hi"))])).toEqual([]);
    expect(validateMessageBlocks(undefined, undefined)).toHaveLength(1);
    expect(validateMessageBlocks([], "")).toHaveLength(1);
  });

  it("words errors the way Slack does", () => {
    expect(validateView(modal([], { title: t(x(25)) }))).toEqual([
      "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
    ]);
  });

  it("accepts a realistic deploy modal", () => {
    const view = modal(
      [
        { type: "header", text: t("New deployment") },
        input(textInput({ placeholder: t("e.g. sentiment-v2"), max_length: 63 }), { block_id: "name" }),
        input(select({ initial_option: opt("a") }), { block_id: "env" }),
        input(numberInput({ min_value: "1", max_value: "10", initial_value: "2" }), { block_id: "replicas" }),
        input({ type: "checkboxes", action_id: "flags", options: [opt("canary", md("*Canary*"))] }, { block_id: "flags", optional: true }),
        { type: "context", elements: [md("Deploys go through review"), { type: "image", image_url: "https://example.com/i.png", alt_text: "i" }] },
        actions([button({ style: "primary", confirm: confirm() })], { block_id: "more" }),
      ],
      { callback_id: "deploy_modal", private_metadata: JSON.stringify({ channel: "C1" }) },
    );
    expect(validateView(view)).toEqual([]);
  });
});
