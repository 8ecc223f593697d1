/**
 * A small TypeScript highlighter shared by the exported pages (tools/html_page.ts) and the
 * in-page code editor (web/page.ts), so a Try it cell looks the same before and after a
 * reader starts editing it.
 *
 * @module
 */

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const TS_KEYWORDS = new Set(
  ("abstract as async await break case catch class const continue debugger declare default " +
    "delete do else enum export extends finally for from function get if implements import in " +
    "instanceof interface keyof let new of private protected public readonly return satisfies " +
    "set static super switch this throw try type typeof var void while with yield").split(" "),
);
const TS_LITERALS = new Set(["true", "false", "null", "undefined", "NaN", "Infinity"]);
const TS_TOKEN = new RegExp(
  [
    String.raw`(\/\/[^\n]*|\/\*[\s\S]*?\*\/)`, // 1 comment
    String.raw`("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|` + "`(?:\\\\[\\s\\S]|[^`\\\\])*`)", // 2 string
    String.raw`(\b(?:0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)n?\b)`, // 3 number
    String.raw`([A-Za-z_$][\w$]*)`, // 4 word
  ].join("|"),
  "g",
);

/**
 * Highlights TypeScript for HTML: comments, strings, numbers, keywords and literals become
 * spans with `tok-*` classes; everything is escaped. A lexer, not a parser: good enough to
 * read by, and the text itself is never altered.
 *
 * @example
 * ```ts
 * highlightTypeScript("const x = 1;");
 * // '<span class="tok-keyword">const</span> x = <span class="tok-number">1</span>;'
 * ```
 */
export function highlightTypeScript(code: string): string {
  let html = "";
  let last = 0;
  for (const match of code.matchAll(TS_TOKEN)) {
    html += escapeHtml(code.slice(last, match.index));
    last = match.index + match[0].length;
    const [text, comment, string, number, word] = match;
    let kind = "";
    if (comment !== undefined) kind = "comment";
    else if (string !== undefined) kind = "string";
    else if (number !== undefined) kind = "number";
    else if (word !== undefined && TS_KEYWORDS.has(word)) kind = "keyword";
    else if (word !== undefined && TS_LITERALS.has(word)) kind = "literal";
    html += kind ? `<span class="tok-${kind}">${escapeHtml(text)}</span>` : escapeHtml(text);
  }
  return html + escapeHtml(code.slice(last));
}
