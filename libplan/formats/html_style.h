// The style every HTML page of the product shares (plan export, dashboards):
// the palette, type, the navy banner, the count tiles, and the printed page
// (A4 landscape, marked, numbered), so they read as one family.
// RAG colours carry their word as well (never colour alone) with text
// contrast of at least 4.5:1.
#ifndef LIBPLAN_FORMATS_HTML_STYLE_H_
#define LIBPLAN_FORMATS_HTML_STYLE_H_

#include "absl/strings/string_view.h"

namespace plan {

inline constexpr absl::string_view kHtmlBaseStyle = R"css(
:root {
  --ink: #1b1f24; --muted: #5a6472; --line: #d3d9e0; --navy: #173a5e;
  --tint: #edf2f7; --red: #c9302c; --amber: #f0ad4e; --green: #2e7d32;
  --blue: #1f63a8; --grey: #d9dde3;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: var(--ink); background: #fff; font-size: 14px;
  line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
.wrap { max-width: 1480px; margin: 0 auto; padding: 0 28px; }
.banner { background: var(--navy); color: #fff; border-bottom: 4px solid var(--amber); }
.banner .wrap { padding-top: 18px; padding-bottom: 18px; }
.marking { float: right; font-size: 11px; font-weight: 700; letter-spacing: .12em;
  border: 1px solid rgba(255,255,255,.6); padding: 2px 8px; border-radius: 2px; }
.kicker { margin: 0 0 4px; font-size: 12px; letter-spacing: .08em;
  text-transform: uppercase; color: #c9d6e5; }
h1 { margin: 0 0 10px; font-size: 26px; line-height: 1.2; font-weight: 700; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: #c9d6e5; }
.facts dd { margin: 0; font-weight: 600; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px;
  min-width: 120px; border-top: 4px solid var(--navy); }
.tile .n { font-size: 28px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.tile .l { font-size: 12px; color: var(--muted); }
.tile.alert { border-top-color: var(--red); }
.tile.alert .n { color: var(--red); }
.tile.done { border-top-color: var(--blue); }
@page {
  size: A4 landscape; margin: 12mm;
  @top-center { content: "OFFICIAL"; font: 700 8pt sans-serif; letter-spacing: .1em; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #5a6472; }
}
)css";

}  // namespace plan

#endif  // LIBPLAN_FORMATS_HTML_STYLE_H_
