// How planctl shows resources: aligned tables and `field: value` lines for
// people, JSON (proto3 JSON mapping) for scripts.
#ifndef PLANCTL_OUTPUT_H_
#define PLANCTL_OUTPUT_H_

#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "prevent/plan/v1/report_service.pb.h"

namespace planctl {

// One resource: `field: value` lines (empty fields left out), or JSON.
std::string RenderResource(const google::protobuf::Message& resource,
                           bool json);

// A list of resources of one type: a table with the columns that matter for
// that type (long text shortened), or a JSON object {"<field>": [...]}.
std::string RenderList(
    const std::vector<std::unique_ptr<google::protobuf::Message>>& resources,
    const std::string& list_field, bool json);

// Reports for people: counts per strand or district as tables, then the
// overdue actions; and the changes since a date, one line each.
std::string RenderPlanSummary(const prevent::plan::v1::PlanSummary& summary);
std::string RenderCountySummary(
    const prevent::plan::v1::CountySummary& summary);
std::string RenderChanges(
    const prevent::plan::v1::ListChangesResponse& changes);

// Any message as JSON, for responses that are not resources.
std::string RenderJson(const google::protobuf::Message& message);

}  // namespace planctl

#endif  // PLANCTL_OUTPUT_H_
