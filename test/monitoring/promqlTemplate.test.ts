import { describe, expect, it } from "vitest";
import {
  escapeRegex,
  promqlAnyOf,
  promqlDuration,
  promqlNumber,
  promqlPattern,
  promqlText,
  PromqlTemplateError,
  renderPromqlTemplate,
  templatePlaceholders,
} from "../../src/monitoring/promqlTemplate.js";

describe("PromQL templates", () => {
  it("escape a value as a regex literal inside =~ and !~ matchers, and only as a string elsewhere", () => {
    const query = renderPromqlTemplate('m{a="{name}",b=~"{name}-.*",c!~ "{name}"}', { name: promqlText('x.y"z') });
    expect(query).toBe('m{a="x.y\\"z",b=~"x\\\\.y\\"z-.*",c!~ "x\\\\.y\\"z"}');
  });

  it("turn a list into an alternation of literals, refused outside a regex matcher", () => {
    expect(renderPromqlTemplate('m{ns=~"{ns}"}', { ns: promqlAnyOf(["ml-a", "ml.b"]) })).toBe('m{ns=~"(?:ml-a|ml\\\\.b)"}');
    expect(() => renderPromqlTemplate('m{ns="{ns}"}', { ns: promqlAnyOf(["a"]) })).toThrow(PromqlTemplateError);
    expect(renderPromqlTemplate('m{d=~"{d}-x"}', { d: promqlPattern("[a-z]+") })).toBe('m{d=~"[a-z]+-x"}');
  });

  it("write durations and numbers bare, refuse a label value outside quotes, keep unknown placeholders", () => {
    expect(renderPromqlTemplate("histogram_quantile({q}, rate(x[{w}]))", { q: promqlNumber(0.99), w: promqlDuration(299.6) })).toBe(
      "histogram_quantile(0.99, rate(x[300s]))",
    );
    expect(() => renderPromqlTemplate("x + {name}", { name: promqlText("a") })).toThrow(/quoted label matcher/);
    expect(renderPromqlTemplate('m{a="{other}"}', {})).toBe('m{a="{other}"}');
    expect(templatePlaceholders('m{a=~"{namespace}"}[{window}] {window}')).toEqual(["namespace", "window"]);
  });

  it("escape every RE2 metacharacter", () => {
    expect(escapeRegex("a.b*c+d?(e)|[f]{g}^h$\\")).toBe("a\\.b\\*c\\+d\\?\\(e\\)\\|\\[f\\]\\{g\\}\\^h\\$\\\\");
  });
});
