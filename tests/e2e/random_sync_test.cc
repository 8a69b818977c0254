// The randomized convergence test, over a hostile network (promises 2 and 3,
// docs/architecture.md, which describes the checker).
//
// Each seed starts the real plan-service binary on a fresh store and three
// agents in this process, each with its own RocksDB and a clock up to ten
// minutes off. Their transport drops requests, loses answers, sends requests
// twice, replays old pushes late (out of order), and cuts push and pull
// streams part way. The agents make random edits of every replicated kind
// (organisations, the plan, strands, activities, actions, progress updates,
// conflicts), including deletes of parents and edits in the middle of texts
// and of sets, go offline and online, and sync in random orders; the service
// is killed with SIGKILL and restarted between rounds. Then the network
// heals, every agent syncs, and:
//   - every agent holds exactly the service's state, conflicts included;
//   - every change an agent made reached the service once, with an outcome;
//   - no edit is lost: each is the field's final value, a candidate of a
//     conflict, merged into the final text or set, or superseded by an edit
//     made after seeing it; an edit the service answered as changing nothing
//     (sequence 0) must have changed nothing against the service's value at
//     the time it was decided, read from the service's change log;
//   - every accepted create exists, and every accepted delete stands.
// SYNC_SEEDS sets how many seeds run (default 200); SYNC_SEED fixes the
// first.
#ifndef PLAN_SERVICE_BINARY
#error "PLAN_SERVICE_BINARY must name the plan-service binary"
#endif

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libplan/merge/field_merge.h"
#include "libplan/merge/set_merge.h"
#include "libplan/merge/text_merge.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/rpc/sync_client.h"
#include "libplan/service/plan_resources.h"
#include "libplan/storage/store.h"
#include "libplan/sync/apply.h"
#include "libplan/sync/replica.h"
#include "libplan/sync/sync_transport.h"
#include "libplan/util/log.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace plan {
namespace {

using prevent::plan::test_support::PlanServiceProcess;
using prevent::plan::test_support::ReadFileTail;
using prevent::plan::test_support::TempDir;

constexpr char kPlan[] = "plans/p";
constexpr char kStrand[] = "plans/p/strands/prepare";
constexpr const char* kOrganisations[] = {
    "organisations/police", "organisations/council", "organisations/entrust"};
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// What a replica holds of the plan and the organisations: name -> (resource
// bytes, deleted). Conflicts are resources of the plan or of an
// organisation, so they are compared too.
using State = std::map<std::string, std::pair<std::string, bool>>;

State StateOf(Store& store) {
  State state;
  std::unique_ptr<ReadView> view = store.NewReadView();
  for (Kind kind : kReplicatedKinds) {
    const std::string prefix = IsPlanless(kind)      ? "organisations/"
                               : kind == Kind::kPlan ? kPlan
                                                     : absl::StrCat(kPlan, "/");
    EXPECT_TRUE(view->Scan(Cf::kEntities, EntityKeyPrefix(kind, prefix), "",
                           [&](absl::string_view key, absl::string_view value) {
                             storage::Entity entity;
                             entity.ParseFromArray(
                                 value.data(), static_cast<int>(value.size()));
                             state[std::string(NameOfEntityKey(key))] = {
                                 entity.resource(), entity.deleted()};
                             return true;
                           })
                    .ok());
  }
  return state;
}

// One store with the standard methods over it.
struct Node {
  Node(const std::string& path, bool replica, const std::string& organisation,
       HybridClock::PhysicalClock physical)
      : clock(std::move(physical), absl::Seconds(30)) {
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open({.path = path});
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (opened.ok()) store = *std::move(opened);
    PlanResourcesOptions options;
    options.replica = replica;
    options.default_organisation = organisation;
    resources = std::make_unique<PlanResources>(store.get(), &clock, options);
  }
  std::unique_ptr<Store> store;
  HybridClock clock;
  std::unique_ptr<PlanResources> resources;
};

// What the test saw of the service's answers, in the order it saw them. The
// service decides changes one at a time and numbers what it logs in that
// order, so an accepted change that logged nothing (sequence 0) was decided
// after every sequence seen before its answer and before the first new one
// seen after it. The checker reads the field's value at the service
// between those bounds from the change log.
struct Observations {
  struct Unlogged {
    v1::Change change;  // as pushed
    uint64_t after = 0;
    uint64_t before = kNever;
  };

  void Answered(const v1::PushRequest& request,
                const v1::PushResponse& response) {
    std::map<std::string, const v1::Change*> changes;
    for (const v1::Change& change : request.changes()) {
      changes[change.change_id()] = &change;
    }
    for (const v1::ChangeResult& result : response.results()) {
      ++outcomes[result.outcome()];
      if (result.outcome() == v1::ChangeResult::DUPLICATE) continue;
      if (result.sequence() > 0) {
        for (size_t i : open) unlogged[i].before = result.sequence();
        open.clear();
        seen = std::max(seen, result.sequence());
        continue;
      }
      auto change = changes.find(result.change_id());
      if (change == changes.end() ||
          (result.outcome() != v1::ChangeResult::APPLIED &&
           result.outcome() != v1::ChangeResult::MERGED)) {
        continue;
      }
      open.push_back(unlogged.size());
      unlogged.push_back({*change->second, seen});
    }
  }
  void Pulled(uint64_t high_water_mark) {
    seen = std::max(seen, high_water_mark);
  }

  uint64_t seen = 0;  // every change logged up to it has been decided
  std::vector<Unlogged> unlogged;
  std::vector<size_t> open;  // unlogged whose `before` is not known yet
  std::map<v1::ChangeResult::Outcome, int> outcomes;
  std::map<std::string, int> faults;  // by kind, for the summary
};

// A transport that, while hostile, drops requests before they are sent,
// loses answers, sends pushes twice, replays an earlier push late, and cuts
// push, pull and snapshot streams after a random number of messages. What it
// lets through goes to `inner`, and every answer it sees is recorded in
// `seen`. An agent pulls while it pushes, from another thread, so `gen` and
// `seen` are used only under `mu`, which every agent's transport shares. A
// pull's high-water mark raises `seen->seen` only while no push of this
// transport is in flight: a push decided after the pull read it may have
// been answered before it.
class HostileTransport final : public SyncTransport {
 public:
  HostileTransport(SyncTransport* inner, std::mt19937* gen, Observations* seen,
                   absl::Mutex* mu)
      : inner_(inner), gen_(gen), seen_(seen), mu_(mu) {}

  void set_hostile(bool hostile) {
    absl::MutexLock lock(mu_);
    hostile_ = hostile;
  }
  bool hostile() const {
    absl::MutexLock lock(mu_);
    return hostile_;
  }

  absl::StatusOr<v1::PushResponse> Push(const v1::PushRequest& r) override {
    Pushing pushing(this);
    ReplayOne();
    if (Fault("push dropped", 10)) return absl::UnavailableError("dropped");
    Remember(r);
    absl::StatusOr<v1::PushResponse> answer = inner_->Push(r);
    if (!answer.ok()) return answer;
    Answered(r, *answer);
    if (Fault("push sent twice", 10)) {
      answer = inner_->Push(r);
      if (!answer.ok()) return answer;
      Answered(r, *answer);
    }
    if (Fault("push answer lost", 10)) return absl::UnavailableError("lost");
    return answer;
  }

  absl::Status PushRun(
      int ahead, absl::FunctionRef<bool(v1::PushRequest*)> next,
      absl::FunctionRef<absl::Status(v1::PushRequest&, v1::PushResponse&)>
          answered) override {
    Pushing pushing(this);
    ReplayOne();
    if (Fault("push stream refused", 10)) {
      return absl::UnavailableError("dropped");
    }
    // Cut after this many answers: the requests sent ahead of them may or
    // may not have been applied, and the answer cut off is lost.
    const int cut = CutAfter("push stream cut");
    int answers = 0;
    return inner_->PushRun(
        ahead,
        [&](v1::PushRequest* request) {
          if (!next(request)) return false;
          Remember(*request);
          return true;
        },
        [&](v1::PushRequest& request, v1::PushResponse& response) {
          Answered(request, response);
          if (answers++ == cut) return absl::UnavailableError("stream cut");
          return answered(request, response);
        });
  }

  absl::Status Pull(
      const v1::PullRequest& request,
      absl::FunctionRef<absl::Status(v1::PullResponse*)> on_batch) override {
    if (Fault("pull refused", 10)) return absl::UnavailableError("dropped");
    const int cut = CutAfter("pull stream cut");
    int batches = 0;
    return inner_->Pull(request, [&](v1::PullResponse* batch) {
      if (batches++ == cut) return absl::UnavailableError("stream cut");
      {
        absl::MutexLock lock(mu_);
        if (pushing_ == 0) seen_->Pulled(batch->high_water_mark());
      }
      return on_batch(batch);
    });
  }

  void set_follow_deadline(absl::Time deadline) override {
    inner_->set_follow_deadline(deadline);
  }

  absl::Status GetSnapshot(
      const v1::GetSnapshotRequest& request,
      absl::FunctionRef<absl::Status(v1::SnapshotChunk*)> on_chunk) override {
    const int cut = CutAfter("snapshot stream cut");
    int chunks = 0;
    return inner_->GetSnapshot(request, [&](v1::SnapshotChunk* chunk) {
      if (chunks++ == cut) return absl::UnavailableError("stream cut");
      return on_chunk(chunk);
    });
  }

 private:
  // Counts a push in flight for its scope.
  class Pushing {
   public:
    explicit Pushing(HostileTransport* t) : t_(t) {
      absl::MutexLock lock(t_->mu_);
      ++t_->pushing_;
    }
    ~Pushing() {
      absl::MutexLock lock(t_->mu_);
      --t_->pushing_;
    }

   private:
    HostileTransport* const t_;
  };

  // True, while hostile, one time in `one_in`; counts it under `what`.
  bool Fault(const char* what, int one_in) {
    absl::MutexLock lock(mu_);
    if (!hostile_ || (*gen_)() % one_in != 0) return false;
    ++seen_->faults[what];
    return true;
  }
  // After how many messages to cut a stream (one stream in four, while
  // hostile); INT_MAX for never.
  int CutAfter(const char* what) {
    if (!Fault(what, 4)) return std::numeric_limits<int>::max();
    absl::MutexLock lock(mu_);
    return static_cast<int>((*gen_)() % 3);
  }
  void Remember(const v1::PushRequest& request) {
    absl::MutexLock lock(mu_);
    if (sent_.size() < 50) sent_.push_back(request);
  }
  void Answered(const v1::PushRequest& request,
                const v1::PushResponse& response) {
    absl::MutexLock lock(mu_);
    seen_->Answered(request, response);
  }
  // An earlier push arrives again, late: after the ones that followed it.
  void ReplayOne() {
    if (!Fault("old push replayed", 8)) return;
    v1::PushRequest old;
    {
      absl::MutexLock lock(mu_);
      if (sent_.empty()) return;
      old = sent_[(*gen_)() % sent_.size()];
    }
    absl::StatusOr<v1::PushResponse> answer = inner_->Push(old);
    if (answer.ok()) Answered(old, *answer);
  }

  SyncTransport* const inner_;
  std::mt19937* const gen_;
  Observations* const seen_;
  absl::Mutex* const mu_;
  bool hostile_ ABSL_GUARDED_BY(mu_) = true;
  int pushing_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<v1::PushRequest> sent_ ABSL_GUARDED_BY(mu_);
};

// A partner's agent: its replica, and its transport to the current service
// process (made again each time the service restarts).
struct Agent {
  Agent(const std::string& path, const std::string& organisation,
        absl::Duration clock_offset, int push_batch)
      : node(path, /*replica=*/true, organisation,
             [clock_offset] {
               return absl::ToUnixMillis(absl::Now() + clock_offset);
             }),
        replica(node.store.get(), &node.clock,
                {.organisation = organisation,
                 .plans = {kPlan},
                 .push_batch = push_batch}),
        organisation(organisation) {}

  void Connect(const PlanServiceProcess& service, std::mt19937* gen,
               Observations* seen, absl::Mutex* mu) {
    const bool hostile = transport == nullptr || transport->hostile();
    transport.reset();
    grpc_transport =
        std::make_unique<GrpcSyncTransport>(service.NewChannel(), organisation);
    transport =
        std::make_unique<HostileTransport>(grpc_transport.get(), gen, seen, mu);
    transport->set_hostile(hostile);
  }

  absl::StatusOr<v1::SyncNowResponse> Sync() {
    return replica.Sync(*transport);
  }

  Node node;
  Replica replica;
  const std::string organisation;
  std::unique_ptr<GrpcSyncTransport> grpc_transport;
  std::unique_ptr<HostileTransport> transport;
  bool online = true;
  std::set<std::string> recorded;  // change ids already in the test's list
};

// A change an agent made, as the test recorded it when it was made.
struct Made {
  v1::Change change;
  size_t agent = 0;
  int step = 0;
  uint64_t seen = 0;  // the agent's cursor when it was made
  // For a text edit: the unique word it inserted, or the one it removed.
  std::string inserted;
  std::string removed;
};

// The service's change log, by target, in sequence order.
using ChangeLog = std::map<std::string, std::vector<v1::Change>>;

ChangeLog ReadLog(Store& store) {
  ChangeLog log;
  EXPECT_TRUE(store.NewReadView()
                  ->Scan(Cf::kChanges, "", "",
                         [&](absl::string_view, absl::string_view value) {
                           v1::Change change;
                           EXPECT_TRUE(change.ParseFromArray(
                               value.data(), static_cast<int>(value.size())));
                           log[change.target()].push_back(change);
                           return true;
                         })
                  .ok());
  return log;
}

// Whether an edit of `field` (of a resource of type `type`) from
// `edit.base()` to `edit.value()` changes nothing when the service holds
// `current` (value bytes): it sets the value already there, leaves the field
// as its editor saw it, or, for a text or a set, merges three ways into
// exactly what is there. Written from the merge rules (docs/architecture.md,
// "Merging") with the text and set merges alone, not with MergeField, so that
// a fault in MergeField's decisions cannot hide from the check.
bool ChangesNothing(const google::protobuf::Message& type,
                    const google::protobuf::FieldDescriptor& field,
                    const std::string& current, const v1::FieldChange& edit) {
  if (edit.value() == current || edit.value() == edit.base()) return true;
  const auto parse = [&](const std::string& bytes) {
    std::unique_ptr<google::protobuf::Message> message(type.New());
    EXPECT_TRUE(message->ParseFromString(bytes));
    return message;
  };
  const auto base = parse(edit.base());
  const auto ours = parse(edit.value());
  const auto theirs = parse(current);
  const google::protobuf::Reflection& reflection = *type.GetReflection();
  switch (KindOfField(field)) {
    case FieldKind::kText: {
      const std::optional<std::string> merged =
          MergeText(reflection.GetString(*base, &field),
                    reflection.GetString(*theirs, &field),
                    reflection.GetString(*ours, &field));
      return merged.has_value() &&
             *merged == reflection.GetString(*theirs, &field);
    }
    case FieldKind::kSet: {
      if (field.type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
        return false;  // the test edits only sets of names
      }
      const auto elements = [&](const google::protobuf::Message& message) {
        std::vector<std::string> out;
        for (int i = 0; i < reflection.FieldSize(message, &field); ++i) {
          out.push_back(reflection.GetRepeatedString(message, &field, i));
        }
        return out;
      };
      const std::vector<std::string> merged =
          MergeSets(elements(*base), elements(*theirs), elements(*ours));
      const std::vector<std::string> there = elements(*theirs);
      return std::set<std::string>(merged.begin(), merged.end()) ==
             std::set<std::string>(there.begin(), there.end());
    }
    case FieldKind::kScalar:
      break;
  }
  return false;
}

// Whether `field` of a change pushed as `incoming` leaves the service's
// value as it is (ChangesNothing) at some point of the log between `after`
// and `before`.
bool ChangesNothingBetween(const std::vector<v1::Change>& history,
                           const v1::Change& incoming,
                           const v1::FieldChange& field, uint64_t after,
                           uint64_t before) {
  const ResourceName name = *ResourceName::Parse(incoming.target());
  const std::unique_ptr<google::protobuf::Message> type =
      NewResource(name.kind());
  const google::protobuf::FieldDescriptor* descriptor =
      type->GetDescriptor()->FindFieldByName(field.field());
  if (descriptor == nullptr) return false;
  std::string current;  // the field's value bytes at the point reached
  const auto no_op_here = [&] {
    return ChangesNothing(*type, *descriptor, current, field);
  };
  bool reached = false;  // whether the state now is one in the bounds
  for (const v1::Change& logged : history) {
    if (logged.sequence() > after && !reached) {
      reached = true;
      if (no_op_here()) return true;
    }
    if (logged.sequence() >= before) break;
    for (const v1::FieldChange& written : logged.fields()) {
      if (written.field() != field.field()) continue;
      current = written.value();
    }
    if (reached && no_op_here()) return true;
  }
  return !reached && no_op_here();
}

// The values `field` took in `history`, one line each, for a failure.
std::string FieldHistory(const std::vector<v1::Change>& history,
                         const std::string& field) {
  std::string out;
  for (const v1::Change& logged : history) {
    for (const v1::FieldChange& written : logged.fields()) {
      if (written.field() != field) continue;
      const std::unique_ptr<google::protobuf::Message> value =
          NewResource(ResourceName::Parse(logged.target())->kind());
      (void)value->ParseFromString(written.value());
      absl::StrAppend(&out, "  ", logged.sequence(), " ", logged.change_id(),
                      " ", v1::Change::Operation_Name(logged.operation()), ": ",
                      value->ShortDebugString(), "\n");
    }
    if (logged.fields().empty()) {
      absl::StrAppend(&out, "  ", logged.sequence(), " ", logged.change_id(),
                      " ", v1::Change::Operation_Name(logged.operation()),
                      "\n");
    }
  }
  return out;
}

class RandomSyncTest : public ::testing::Test {
 protected:
  void SetUp() override { SetLoggingEnabled(false); }

  // The seed plan, written to the service's store before it first starts:
  // three organisations, a strand, two activities and three actions.
  static void Seed(const std::string& path) {
    Node node(path, /*replica=*/false, "organisations/county",
              [] { return absl::ToUnixMillis(absl::Now()); });
    const Actor actor;
    const auto create = [&](Kind kind, absl::string_view parent,
                            absl::string_view id,
                            const google::protobuf::Message& resource) {
      std::unique_ptr<google::protobuf::Message> out = NewResource(kind);
      const absl::Status created =
          node.resources->Create(kind, parent, id, resource, actor, out.get());
      ASSERT_TRUE(created.ok()) << created;
    };
    for (const char* organisation : kOrganisations) {
      v1::Organisation org;
      org.set_display_name(absl::StrCat("The ", organisation));
      create(Kind::kOrganisation, "",
             absl::StripPrefix(organisation, "organisations/"), org);
    }
    v1::Plan plan;
    plan.set_title("Prevent action plan");
    create(Kind::kPlan, "", "p", plan);
    v1::Strand strand;
    strand.set_title("Prepare");
    strand.set_description("Reduce the impact of a terrorist attack.");
    create(Kind::kStrand, kPlan, "prepare", strand);
    for (const char* id : {"channel", "training"}) {
      v1::Activity activity;
      activity.set_title(absl::StrCat("Activity ", id));
      activity.set_strand(kStrand);
      activity.add_lead_organisations(kOrganisations[0]);
      create(Kind::kActivity, kPlan, id, activity);
    }
    for (const auto& [activity, id] :
         {std::pair<const char*, const char*>{"channel", "refer"},
          {"channel", "review"},
          {"training", "wrap"}}) {
      v1::Action action;
      action.set_description(
          "Refer any individuals with extremist ideologies to the Prevent "
          "Team and review referrals at the panel.");
      action.set_rag(v1::AMBER);
      create(Kind::kAction, absl::StrCat(kPlan, "/activities/", activity), id,
             action);
    }
  }

  void StartService() {
    service_.reset();
    PlanServiceProcess::Options options;
    options.binary = PLAN_SERVICE_BINARY;
    options.data_dir = dir_->Subpath("service");
    options.log_path = dir_->Subpath("service.log");
    // Merging, not roles, is tested here: every partner may edit anything.
    options.extra_args = {absl::StrCat("--admin_organisations=",
                                       absl::StrJoin(kOrganisations, ","))};
    absl::StatusOr<PlanServiceProcess> started =
        PlanServiceProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    service_.emplace(*std::move(started));
  }

  void RestartService() {
    const absl::Status killed = service_->KillHard();
    ASSERT_TRUE(killed.ok()) << killed << ServiceLog();
    ASSERT_NO_FATAL_FAILURE(StartService());
    for (auto& agent : agents_) agent->Connect(*service_, &gen_, &seen_, &mu_);
    ++seen_.faults["service killed and restarted"];
  }

  std::string ServiceLog() const {
    return absl::StrCat("\n--- tail of service.log ---\n",
                        ReadFileTail(dir_->Subpath("service.log")));
  }

  void RunSeed(uint32_t seed);
  void RandomStep(int step);
  void Record(size_t who, int step, const std::string& inserted,
              const std::string& removed);
  void Converge();
  void CheckNothingLost(Node& service);

  // The names of `kind` under `parent` that agent `who` holds: the live
  // ones, or with `deleted` the deleted ones.
  std::vector<std::string> Names(size_t who, Kind kind,
                                 const std::string& parent,
                                 bool deleted = false) {
    ListRequest list;
    list.parent = parent;
    list.page_size = 1000;
    list.show_deleted = deleted;
    std::vector<std::unique_ptr<google::protobuf::Message>> items;
    std::string token;
    (void)agents_[who]->node.resources->List(
        kind, list, {},
        [&] {
          items.push_back(NewResource(kind));
          return items.back().get();
        },
        &token);
    std::vector<std::string> names;
    for (const auto& item : items) {
      const google::protobuf::Reflection& reflection = *item->GetReflection();
      const google::protobuf::Descriptor& type = *item->GetDescriptor();
      const google::protobuf::FieldDescriptor* delete_time =
          type.FindFieldByName("delete_time");  // conflicts have none
      if ((delete_time != nullptr && reflection.HasField(*item, delete_time)) !=
          deleted) {
        continue;
      }
      names.push_back(
          reflection.GetString(*item, type.FindFieldByName("name")));
    }
    return names;
  }
  std::string Pick(const std::vector<std::string>& names) {
    return names.empty() ? "" : names[gen_() % names.size()];
  }

  // The edits of `field` of `target` the agents made, one line each.
  std::string MadeOf(const std::string& target, const std::string& field) {
    std::string out;
    for (const Made& made : made_) {
      for (const v1::FieldChange& f : made.change.fields()) {
        if (made.change.target() != target || f.field() != field) continue;
        absl::StrAppend(&out, "  ", made.change.change_id(), " by agent ",
                        made.agent, " at step ", made.step, " having seen ",
                        made.seen, ", based on ", f.base_sequence(), "\n");
      }
    }
    return out;
  }

  uint32_t seed_ = 0;
  // The random steps, and the transports' faults (which an agent's pulling
  // thread draws too, under mu_).
  std::mt19937 gen_;
  absl::Mutex mu_;
  std::optional<TempDir> dir_;
  std::optional<PlanServiceProcess> service_;
  std::vector<std::unique_ptr<Agent>> agents_;
  Observations seen_;
  std::vector<Made> made_;
  // Totals over every seed, for the summary.
  std::map<v1::ChangeResult::Outcome, int> outcomes_;
  std::map<std::string, int> faults_;
  int unlogged_checked_ = 0;
  // Conflicts kept with an organisation, and how many of them were settled.
  int organisation_conflicts_ = 0;
  int organisation_conflicts_settled_ = 0;
};

// Records the changes agent `who` has made since the last call.
void RandomSyncTest::Record(size_t who, int step, const std::string& inserted,
                            const std::string& removed) {
  Agent& agent = *agents_[who];
  const uint64_t cursor = agent.replica.Status().cursor();
  EXPECT_TRUE(
      agent.node.store->NewReadView()
          ->Scan(Cf::kOutbox, "", "",
                 [&](absl::string_view, absl::string_view value) {
                   v1::Change change;
                   EXPECT_TRUE(change.ParseFromArray(
                       value.data(), static_cast<int>(value.size())));
                   if (agent.recorded.insert(change.change_id()).second) {
                     made_.push_back(
                         {change, who, step, cursor, inserted, removed});
                   }
                   return true;
                 })
          .ok());
}

void RandomSyncTest::RandomStep(int step) {
  const size_t who = gen_() % agents_.size();
  Agent& agent = *agents_[who];
  PlanResources& resources = *agent.node.resources;
  const Actor actor;
  const std::vector<std::string> activities =
      Names(who, Kind::kActivity, kPlan);
  std::vector<std::string> actions;
  for (const std::string& activity : activities) {
    for (std::string& action : Names(who, Kind::kAction, activity)) {
      actions.push_back(std::move(action));
    }
  }
  const auto update = [&](Kind kind, const google::protobuf::Message& fields,
                          const std::string& path) {
    google::protobuf::FieldMask mask;
    mask.add_paths(path);
    std::unique_ptr<google::protobuf::Message> out = NewResource(kind);
    (void)resources.Update(kind, fields, mask, actor, out.get());
  };
  std::string inserted;
  std::string removed;
  switch (gen_() % 14) {
    case 0: {  // a scalar edit
      const std::string target = Pick(actions);
      if (target.empty()) break;
      v1::Action action;
      action.set_name(target);
      action.set_rag(static_cast<v1::Rag>(1 + gen_() % 4));
      update(Kind::kAction, action, "rag");
      break;
    }
    case 1:
    case 2: {  // a text edit: a word inserted, or an inserted word removed
      const std::string target = Pick(actions);
      v1::Action action;
      if (target.empty() ||
          !resources.Get(Kind::kAction, target, actor, &action).ok()) {
        break;
      }
      std::vector<std::string> words =
          absl::StrSplit(action.description(), ' ');
      std::vector<size_t> ours;  // words this test inserted
      for (size_t i = 0; i < words.size(); ++i) {
        if (absl::StartsWith(words[i], "w-")) ours.push_back(i);
      }
      if (!ours.empty() && gen_() % 3 == 0) {
        const size_t at = ours[gen_() % ours.size()];
        removed = words[at];
        words.erase(words.begin() + static_cast<std::ptrdiff_t>(at));
      } else {
        inserted = absl::StrCat("w-", seed_, "-", step);
        words.insert(words.begin() + static_cast<std::ptrdiff_t>(
                                         gen_() % (words.size() + 1)),
                     inserted);
      }
      action.set_description(absl::StrJoin(words, " "));
      update(Kind::kAction, action, "description");
      break;
    }
    case 3: {  // a set edit: a lead organisation added or removed
      const std::string target = Pick(activities);
      v1::Activity activity;
      if (target.empty() ||
          !resources.Get(Kind::kActivity, target, actor, &activity).ok()) {
        break;
      }
      const std::string organisation = kOrganisations[gen_() % 3];
      auto* leads = activity.mutable_lead_organisations();
      auto it = std::find(leads->begin(), leads->end(), organisation);
      if (it == leads->end()) {
        leads->Add(std::string(organisation));
      } else {
        leads->erase(it);
      }
      update(Kind::kActivity, activity, "lead_organisations");
      break;
    }
    case 4: {  // another kind's field: an activity, the strand, the plan, an
               // organisation
      const std::string text = absl::StrCat("Edited ", seed_, "-", step);
      switch (gen_() % 4) {
        case 0: {
          v1::Activity activity;
          activity.set_name(Pick(activities));
          activity.set_title(text);
          if (!activity.name().empty()) {
            update(Kind::kActivity, activity, "title");
          }
          break;
        }
        case 1: {
          v1::Strand strand;
          strand.set_name(kStrand);
          strand.set_title(text);
          update(Kind::kStrand, strand, "title");
          break;
        }
        case 2: {
          v1::Plan plan;
          plan.set_name(kPlan);
          plan.set_title(text);
          update(Kind::kPlan, plan, "title");
          break;
        }
        default: {
          v1::Organisation organisation;
          organisation.set_name(kOrganisations[gen_() % 3]);
          organisation.set_display_name(text);
          update(Kind::kOrganisation, organisation, "display_name");
        }
      }
      break;
    }
    case 5: {  // a create: an action, or an activity
      if (gen_() % 3 == 0) {
        v1::Activity activity;
        activity.set_title(absl::StrCat("Activity ", step));
        activity.set_strand(kStrand);
        v1::Activity out;
        (void)resources.Create(Kind::kActivity, kPlan, "", activity, actor,
                               &out);
      } else if (const std::string parent = Pick(activities); !parent.empty()) {
        v1::Action action;
        action.set_description(absl::StrCat("Action ", step));
        v1::Action out;
        (void)resources.Create(Kind::kAction, parent, "", action, actor, &out);
      }
      break;
    }
    case 6: {  // a delete: of an action, or of a parent (an activity, the
               // strand); or an undelete
      const uint32_t what = gen_() % 12;
      if (what < 4) {
        if (const std::string target = Pick(actions); !target.empty()) {
          v1::Action out;
          (void)resources.Delete(Kind::kAction, target, "", actor, &out);
        }
      } else if (what < 6) {
        if (const std::string target = Pick(activities); !target.empty()) {
          v1::Activity out;
          (void)resources.Delete(Kind::kActivity, target, "", actor, &out);
        }
      } else if (what == 6) {
        v1::Strand out;
        (void)resources.Delete(Kind::kStrand, kStrand, "", actor, &out);
      } else if (what < 9) {
        // Undelete what this agent holds deleted, of any of those kinds.
        std::vector<std::pair<Kind, std::string>> deleted;
        for (const auto& [kind, parent] :
             {std::pair<Kind, std::string>{Kind::kStrand, kPlan},
              {Kind::kActivity, kPlan},
              {Kind::kAction, absl::StrCat(kPlan, "/activities/-")}}) {
          for (std::string& name : Names(who, kind, parent, true)) {
            deleted.emplace_back(kind, std::move(name));
          }
        }
        if (!deleted.empty()) {
          const auto& [kind, name] = deleted[gen_() % deleted.size()];
          std::unique_ptr<google::protobuf::Message> out = NewResource(kind);
          (void)resources.Undelete(kind, name, actor, out.get());
        }
      }
      break;
    }
    case 7: {  // a progress update
      const std::string target = Pick(actions);
      if (target.empty()) break;
      v1::ProgressUpdate progress;
      progress.set_note(absl::StrCat("Update ", step));
      v1::ProgressUpdate out;
      (void)resources.Create(Kind::kProgressUpdate, target, "", progress, actor,
                             &out);
      break;
    }
    case 8: {  // a conflict settled: a candidate chosen
      // The plan's, or an organisation's.
      std::vector<std::string> open = Names(who, Kind::kConflict, kPlan);
      for (const char* organisation : kOrganisations) {
        for (std::string& name :
             Names(who, Kind::kOrganisationConflict, organisation)) {
          open.push_back(std::move(name));
        }
      }
      const std::string target = Pick(open);
      v1::Conflict conflict;
      if (target.empty() ||
          !resources.Get(ConflictKindOf(target), target, actor, &conflict)
               .ok() ||
          conflict.state() != v1::Conflict::OPEN) {
        break;
      }
      v1::ResolveConflictRequest request;
      request.set_name(target);
      request.set_candidate(
          static_cast<int32_t>(gen_() % conflict.candidates_size()));
      v1::Conflict out;
      (void)resources.ResolveConflict(request, actor, &out);
      break;
    }
    case 9:  // offline, or back online
      agent.online = !agent.online;
      break;
    case 10:  // the service crashes and comes back
      if (gen_() % 4 == 0) RestartService();
      break;
    default:
      if (agent.online) {
        // A sync the network breaks fails, and the next one carries on.
        (void)agent.Sync();
      }
  }
  Record(who, step, inserted, removed);
}

// The network heals; every agent syncs twice over, and all must equal the
// service.
void RandomSyncTest::Converge() {
  for (auto& agent : agents_) agent->transport->set_hostile(false);
  for (int round = 0; round < 2; ++round) {
    for (auto& agent : agents_) {
      absl::StatusOr<v1::SyncNowResponse> synced = agent->Sync();
      ASSERT_TRUE(synced.ok()) << synced.status() << ServiceLog();
    }
  }
  for (auto& agent : agents_) EXPECT_EQ(agent->replica.pending_changes(), 0);
}

void RandomSyncTest::CheckNothingLost(Node& service) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>>
      candidates;
  // The values conflicts keep, other than deletes, by target and field.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> texts;
  std::vector<v1::Conflict> conflicts;
  // The plan's, and each organisation's.
  std::vector<std::string> parents = {kPlan};
  parents.insert(parents.end(), std::begin(kOrganisations),
                 std::end(kOrganisations));
  for (const std::string& parent : parents) {
    ListRequest list;
    list.parent = parent;
    std::string token;
    list.page_size = 1000;
    EXPECT_TRUE(service.resources
                    ->List(
                        ConflictKindOf(parent), list, {},
                        [&] {
                          conflicts.emplace_back();
                          return &conflicts.back();
                        },
                        &token)
                    .ok());
    EXPECT_TRUE(token.empty()) << parent;
  }
  std::set<std::string> in_a_conflict;  // every candidate's change id
  for (const v1::Conflict& conflict : conflicts) {
    if (ConflictKindOf(conflict.name()) == Kind::kOrganisationConflict) {
      ++organisation_conflicts_;
      if (conflict.state() == v1::Conflict::RESOLVED) {
        ++organisation_conflicts_settled_;
      }
    }
    for (const auto& candidate : conflict.candidates()) {
      in_a_conflict.insert(candidate.change_id());
      candidates[{conflict.target(), conflict.field()}].insert(
          candidate.change_id());
      if (!candidate.deletes()) {
        texts[{conflict.target(), conflict.field()}].push_back(
            candidate.display_value());
      }
    }
  }
  const ChangeLog log = ReadLog(*service.store);
  std::unique_ptr<ReadView> view = service.store->NewReadView();
  // Changes answered as changing nothing, by change id.
  std::map<std::string, std::vector<const Observations::Unlogged*>> unlogged;
  for (const Observations::Unlogged& u : seen_.unlogged) {
    unlogged[u.change.change_id()].push_back(&u);
  }
  const auto history = [&](const std::string& target) {
    auto it = log.find(target);
    return it == log.end() ? std::vector<v1::Change>() : it->second;
  };

  for (const Made& made : made_) {
    const v1::Change& change = made.change;
    SCOPED_TRACE(absl::StrCat("change ", change.change_id(), " (",
                              v1::Change::Operation_Name(change.operation()),
                              " of ", change.target(), ")"));
    absl::StatusOr<std::optional<std::string>> answer =
        view->Get(Cf::kApplied, change.change_id());
    ASSERT_TRUE(answer.ok() && answer->has_value())
        << "never reached the service";
    v1::ChangeResult result;
    ASSERT_TRUE(result.ParseFromString(**answer));
    if (result.outcome() == v1::ChangeResult::REJECTED) {
      EXPECT_FALSE(result.reason().empty());
      continue;
    }
    const ResourceName name = *ResourceName::Parse(change.target());
    absl::StatusOr<std::optional<storage::Entity>> entity =
        view->GetEntity(name);
    ASSERT_TRUE(entity.ok() && entity->has_value())
        << "accepted, but not at the service";
    // A change that logged nothing must have changed nothing then.
    if (result.sequence() == 0 &&
        result.outcome() != v1::ChangeResult::CONFLICT) {
      auto decisions = unlogged.find(change.change_id());
      if (decisions != unlogged.end()) {
        ++unlogged_checked_;
        for (const Observations::Unlogged* u : decisions->second) {
          for (const v1::FieldChange& field : u->change.fields()) {
            EXPECT_TRUE(ChangesNothingBetween(history(change.target()),
                                              u->change, field, u->after,
                                              u->before))
                << "answered "
                << v1::ChangeResult::Outcome_Name(result.outcome())
                << " with nothing logged, but its " << field.field()
                << " differs from the service's value when it was decided "
                << "(after sequence " << u->after << ", before " << u->before
                << "); pushed " << u->change.ShortDebugString()
                << "; the field's history:\n"
                << FieldHistory(history(change.target()), field.field());
          }
        }
      }
    }
    if (change.operation() == v1::Change::DELETE) {
      if (result.sequence() == 0) continue;
      bool undeleted = false;
      for (const v1::Change& later : history(change.target())) {
        undeleted |= later.sequence() > result.sequence() &&
                     later.operation() == v1::Change::UNDELETE;
      }
      EXPECT_TRUE((*entity)->deleted() || undeleted)
          << "an accepted delete does not stand";
      continue;
    }
    if (change.operation() != v1::Change::UPDATE) continue;
    // Two settlements of one conflict that chose differently open a
    // conflict on the field it was about, with this one as a candidate.
    if (IsConflict(name.kind()) &&
        result.outcome() == v1::ChangeResult::CONFLICT &&
        in_a_conflict.count(change.change_id())) {
      continue;
    }
    // No edit lost, field by field.
    std::unique_ptr<google::protobuf::Message> final_resource =
        NewResource(name.kind());
    ASSERT_TRUE(final_resource->ParseFromString((*entity)->resource()));
    for (const v1::FieldChange& field : change.fields()) {
      if (field.value() == field.base()) continue;  // not edited
      const std::pair<std::string, std::string> key = {change.target(),
                                                       field.field()};
      if (candidates[key].count(change.change_id())) continue;
      auto version = (*entity)->field_versions().find(field.field());
      if (version != (*entity)->field_versions().end() &&
          version->second.change_id() == change.change_id()) {
        continue;  // the final value
      }
      if (result.sequence() == 0) continue;  // changed nothing: checked above
      // Text merges keep every clean edit: an inserted word is in the
      // final text, a removed one is not; or a conflict keeps a text that
      // has it, or does not.
      const std::string final_text =
          field.field() == "description"
              ? dynamic_cast<const v1::Action&>(*final_resource).description()
              : "";
      const auto has = [](const std::string& text, const std::string& word) {
        return absl::StrCat(" ", text, " ")
                   .find(absl::StrCat(" ", word, " ")) != std::string::npos;
      };
      const auto kept = [&](const std::string& word, bool in) {
        if (has(final_text, word) == in) return true;
        for (const std::string& text : texts[key]) {
          if (has(text, word) == in) return true;
        }
        return false;
      };
      if (!made.inserted.empty() && kept(made.inserted, true)) continue;
      if (!made.removed.empty() && kept(made.removed, false)) continue;
      // Sets merge element by element: an element this edit added is there,
      // one it removed is not, unless another edit that had not seen it did
      // the opposite to that element.
      if (field.field() == "lead_organisations") {
        const auto leads = [](const std::string& bytes) {
          v1::Activity activity;
          EXPECT_TRUE(activity.ParseFromString(bytes));
          return std::set<std::string>(activity.lead_organisations().begin(),
                                       activity.lead_organisations().end());
        };
        const std::set<std::string> before = leads(field.base());
        const std::set<std::string> after = leads(field.value());
        const std::set<std::string> final_set = leads(FieldValueBytes(
            *final_resource, *final_resource->GetDescriptor()->FindFieldByName(
                                 "lead_organisations")));
        // Whether an edit that had not seen this one put `o` in (or took it
        // out of) the set.
        const auto concurrently = [&](const std::string& o, bool in) {
          for (const Made& other : made_) {
            if (other.change.target() != change.target() ||
                other.seen >= result.sequence() || &other == &made) {
              continue;
            }
            for (const v1::FieldChange& f : other.change.fields()) {
              if (f.field() != field.field()) continue;
              if (leads(f.value()).count(o) == (in ? 1u : 0u) &&
                  leads(f.base()).count(o) == (in ? 0u : 1u)) {
                return true;
              }
            }
          }
          return false;
        };
        bool kept = true;
        for (const std::string& o : after) {
          if (!before.count(o)) {
            kept &= final_set.count(o) > 0 || concurrently(o, false);
          }
        }
        for (const std::string& o : before) {
          if (!after.count(o)) {
            kept &= final_set.count(o) == 0 || concurrently(o, true);
          }
        }
        if (kept) continue;
      }
      // Superseded: a later edit of the field made after seeing this one,
      // at another agent after pulling it, or at the same agent.
      bool superseded = false;
      for (const Made& later : made_) {
        if (later.change.target() != change.target()) continue;
        bool same_field = false;
        for (const v1::FieldChange& f : later.change.fields()) {
          same_field |= f.field() == field.field() && f.value() != f.base();
        }
        superseded |= same_field &&
                      (later.seen >= result.sequence() ||
                       (later.agent == made.agent && later.step > made.step));
      }
      for (const v1::Conflict& conflict : conflicts) {
        superseded |= conflict.target() == change.target() &&
                      conflict.field() == field.field() &&
                      conflict.state() != v1::Conflict::OPEN;
      }
      EXPECT_TRUE(superseded)
          << "its " << field.field()
          << " is in neither the state nor a conflict: "
          << v1::ChangeResult::Outcome_Name(result.outcome()) << " at "
          << result.sequence()
          << (made.inserted.empty() ? "" : "; it inserted ") << made.inserted
          << (made.removed.empty() ? "" : "; it removed ") << made.removed
          << (final_text.empty() ? "" : "; the text is now \"") << final_text
          << "\"; the field is now from "
          << (version == (*entity)->field_versions().end()
                  ? std::string("nothing")
                  : version->second.change_id())
          << "; it was based on sequence " << field.base_sequence()
          << "; the field's history:\n"
          << FieldHistory(history(change.target()), field.field())
          << "edits made of it:\n"
          << MadeOf(change.target(), field.field());
    }
  }
}

void RandomSyncTest::RunSeed(uint32_t seed) {
  seed_ = seed;
  gen_.seed(seed);
  seen_ = Observations();
  made_.clear();
  agents_.clear();
  absl::StatusOr<TempDir> dir = TempDir::Create("random-sync-test");
  ASSERT_TRUE(dir.ok()) << dir.status();
  dir_.emplace(*std::move(dir));
  ASSERT_NO_FATAL_FAILURE(Seed(dir_->Subpath("service")));
  ASSERT_NO_FATAL_FAILURE(StartService());
  for (const char* organisation : kOrganisations) {
    // Clocks up to ten minutes either way; small pushes too, so that a sync
    // of several pipelines them and a cut stream leaves some unanswered.
    const absl::Duration offset =
        absl::Seconds(static_cast<int>(gen_() % 1201) - 600);
    agents_.push_back(std::make_unique<Agent>(
        dir_->Subpath(absl::StrCat("agent-", agents_.size())), organisation,
        offset, /*push_batch=*/1 + static_cast<int>(gen_() % 3)));
    agents_.back()->Connect(*service_, &gen_, &seen_, &mu_);
    agents_.back()->transport->set_hostile(false);
    absl::StatusOr<v1::SyncNowResponse> first = agents_.back()->Sync();
    ASSERT_TRUE(first.ok()) << first.status() << ServiceLog();
    agents_.back()->transport->set_hostile(true);
  }
  for (int step = 0; step < 60 && !HasFailure(); ++step) {
    ASSERT_NO_FATAL_FAILURE(RandomStep(step));
  }
  ASSERT_NO_FATAL_FAILURE(Converge());
  // The service's store is read in this process once the service is gone
  // (killed: what it acknowledged must already be on disk).
  ASSERT_TRUE(service_->KillHard().ok()) << ServiceLog();
  service_.reset();
  Node service(dir_->Subpath("service"), /*replica=*/false, "",
               [] { return absl::ToUnixMillis(absl::Now()); });
  const State expected = StateOf(*service.store);
  for (auto& agent : agents_) {
    const State actual = StateOf(*agent->node.store);
    EXPECT_EQ(actual.size(), expected.size());
    for (const auto& [name, value] : expected) {
      auto it = actual.find(name);
      ASSERT_NE(it, actual.end()) << name << " missing at an agent";
      EXPECT_EQ(it->second, value) << name << " differs at an agent";
    }
  }
  ASSERT_NO_FATAL_FAILURE(CheckNothingLost(service));
  for (const auto& [outcome, n] : seen_.outcomes) outcomes_[outcome] += n;
  for (const auto& [fault, n] : seen_.faults) faults_[fault] += n;
  agents_.clear();
}

TEST_F(RandomSyncTest, HostileNetworksConvergeAndLoseNothing) {
  const char* seeds_env = std::getenv("SYNC_SEEDS");
  const int seeds = seeds_env != nullptr ? std::atoi(seeds_env) : 200;
  const char* seed_env = std::getenv("SYNC_SEED");
  const uint32_t first =
      seed_env != nullptr
          ? static_cast<uint32_t>(std::strtoul(seed_env, nullptr, 10))
          : std::random_device()();
  std::cout << "SYNC_SEED=" << first << " seeds=" << seeds << std::endl;
  const absl::Time started = absl::Now();
  for (int run = 0; run < seeds && !HasFailure(); ++run) {
    SCOPED_TRACE(absl::StrCat("SYNC_SEED=", first + run));
    RunSeed(first + run);
    if (HasFailure() && dir_.has_value()) {
      dir_->Keep();
      std::cerr << "SYNC_SEED=" << first + run << ": data and logs kept in "
                << dir_->path() << "\n";
    }
    if ((run + 1) % 100 == 0 && run + 1 < seeds) {
      std::cerr << "random_sync_test: " << run + 1 << " of " << seeds
                << " seeds passed in "
                << absl::FormatDuration(
                       absl::Trunc(absl::Now() - started, absl::Seconds(1)))
                << std::endl;
    }
  }
  std::cout << "seeds=" << seeds << " in "
            << absl::FormatDuration(absl::Now() - started) << "\noutcomes:";
  for (const auto& [outcome, n] : outcomes_) {
    std::cout << " " << v1::ChangeResult::Outcome_Name(outcome) << "=" << n;
  }
  std::cout << "\nchanges answered as no-ops and checked against the log: "
            << unlogged_checked_
            << "\nconflicts of organisations: " << organisation_conflicts_
            << ", of which settled " << organisation_conflicts_settled_
            << "\nfaults:";
  for (const auto& [fault, n] : faults_) std::cout << " " << fault << "=" << n;
  std::cout << std::endl;
  // Over many seeds every path of the merge runs.
  if (seeds >= 20 && !HasFailure()) {
    for (auto outcome :
         {v1::ChangeResult::APPLIED, v1::ChangeResult::MERGED,
          v1::ChangeResult::CONFLICT, v1::ChangeResult::DUPLICATE}) {
      EXPECT_GT(outcomes_[outcome], 0)
          << v1::ChangeResult::Outcome_Name(outcome) << " never happened";
    }
  }
}

}  // namespace
}  // namespace plan
