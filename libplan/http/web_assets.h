// The web app's files (docs/web.md), built into the binary from
// libplan/http/web by web/embed.cmake: the page at "/", and its stylesheets
// and JavaScript modules under "/assets/". Nothing is read from disk or the
// network at run time.
#ifndef LIBPLAN_HTTP_WEB_ASSETS_H_
#define LIBPLAN_HTTP_WEB_ASSETS_H_

#include <string_view>

#include "absl/types/span.h"

namespace plan {

struct WebAsset {
  std::string_view path;          // "/", "/assets/js/app.js", ...
  std::string_view content_type;  // "text/javascript; charset=utf-8", ...
  std::string_view body;
};

// The file served at `path`, or null.
const WebAsset* FindWebAsset(std::string_view path);

// Every file.
absl::Span<const WebAsset> WebAssets();

}  // namespace plan

#endif  // LIBPLAN_HTTP_WEB_ASSETS_H_
