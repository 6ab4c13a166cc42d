#include "masterdata/entity_importer.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <spdlog/spdlog.h>

#include "common/joining_thread.h"
#include "masterdata/entities.h"
#include "masterdata/import_values.h"
#include "masterdata/record_values.h"

namespace bamort::masterdata {

EntityImporter::EntityImporter(Connection* conn, bool prune, std::string gsid)
    : conn_(conn), prune_(prune), gsid_(std::move(gsid)), collation_(conn) {
  long long v = 0;
  ParseInt(gsid_, &v);
  gsid_number_ = static_cast<uint64_t>(v);
}

Status EntityImporter::Prepare(const MasterDataDocument& doc, CollationKeys* keys, EntityState* e) {
  const EntitySpec& spec = *e->spec;
  e->width = spec.fields.size();
  for (const ReferenceSpec& r : spec.references) {
    e->ref_offset.push_back(e->width);
    e->width += r.json_fields.size();
  }
  if (spec.parent.empty()) {
    auto it = doc.data.find(spec.name);
    if (it != doc.data.end()) {
      e->carried = true;
      e->texts.reserve(it->second.size() * e->width);
      for (size_t i = 0; i < it->second.size(); ++i) BAMORT_RETURN_IF_ERROR(AddRecord(it->second.at(i), i, -1, e));
    }
  } else {
    auto it = doc.data.find(spec.parent);
    if (it != doc.data.end()) {
      e->carried = true;
      for (size_t i = 0; i < it->second.size(); ++i) {
        const JsonValue* children = it->second.at(i).Find(spec.parent_field);
        if (children == nullptr || children->is_null()) continue;
        if (!children->is_array())
          return Status::BadInput(e->file + " record " + std::to_string(i + 1) + ": " + spec.parent_field +
                                  " is not an array");
        for (size_t c = 0; c < children->size(); ++c) {
          if (!children->at(c).is_object())
            return Status::BadInput(e->file + " record " + std::to_string(i + 1) + ": " + spec.parent_field + "[" +
                                    std::to_string(c) + "] is not an object");
          BAMORT_RETURN_IF_ERROR(AddRecord(children->at(c), i, static_cast<long>(c), e));
        }
      }
    }
  }
  e->counts.in_file = e->size();
  // Every string a key or a reference compares: their collation keys come from the server.
  e->collated_slot.assign(e->width, SIZE_MAX);
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    if (spec.fields[f].type != FieldType::kString) continue;
    for (const std::string& k : spec.key)
      if (k == spec.fields[f].json && e->collated_slot[f] == SIZE_MAX) {
        e->collated_slot[f] = e->collated_columns.size();
        e->collated_columns.push_back(f);
      }
  }
  for (size_t c = spec.fields.size(); c < e->width; ++c) {
    e->collated_slot[c] = e->collated_columns.size();
    e->collated_columns.push_back(c);
  }
  for (size_t i = 0; i < e->size(); ++i)
    for (size_t c : e->collated_columns) keys->Want(e->text(i, c));
  BAMORT_RETURN_IF_ERROR(keys->Fetch());
  e->collated.reserve(e->size() * e->collated_columns.size());
  for (size_t i = 0; i < e->size(); ++i)
    for (size_t c : e->collated_columns) e->collated.push_back(keys->Of(e->text(i, c)));
  return Status::Ok();
}

Status EntityImporter::AddRecord(const JsonValue& rec, size_t index, long child, EntityState* e) {
  e->origin.emplace_back(static_cast<uint32_t>(index), static_cast<int32_t>(child));
  size_t record = e->size() - 1;
  e->texts.resize(e->texts.size() + e->width);
  size_t c = record * e->width;
  for (const FieldSpec& f : e->spec->fields) {
    Status s = ScalarText(rec, f.json, f.type, &e->texts[c++]);
    if (!s.ok()) return Status::BadInput(e->Describe(record) + ": " + s.message());
  }
  for (const ReferenceSpec& r : e->spec->references)
    for (const std::string& j : r.json_fields) {
      Status s = ScalarText(rec, j, FieldType::kString, &e->texts[c++]);
      if (!s.ok()) return Status::BadInput(e->Describe(record) + ": " + s.message());
    }
  return Status::Ok();
}

class PreparedQueue {
 public:
  void Publish(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    status_.push_back(std::move(s));
    cv_.notify_all();
  }
  Status WaitFor(size_t index) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return status_.size() > index; });
    return status_[index];
  }
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> status_;
  std::atomic<bool> cancelled_{false};
};

Status EntityImporter::Run(MasterDataDocument* doc, const SourceInfo& info,
                     ImportResult* result) {
  PhaseClock clock(result);
  std::vector<const EntitySpec*> order;
  BAMORT_RETURN_IF_ERROR(ValidateEntities(Entities()));
  BAMORT_RETURN_IF_ERROR(ImportOrder(Entities(), &order));
  for (const EntitySpec* spec : order) {
    auto state = std::make_unique<EntityState>();
    EntityState* e = state.get();
    entities_.push_back(std::move(state));
    by_name_[spec->name] = e;
    e->spec = spec;
    auto f = info.file_of.find(spec->parent.empty() ? spec->name : spec->parent);
    e->file = f != info.file_of.end() ? f->second : spec->name + ".json";
    e->counts.name = spec->name;
    e->counts.table = spec->table;
  }
  // After which entity each array of the document is no longer read.
  std::map<std::string, size_t> last_reader;
  for (size_t k = 0; k < entities_.size(); ++k) {
    const EntitySpec* spec = entities_[k]->spec;
    last_reader[spec->parent.empty() ? spec->name : spec->parent] = k;
  }
  auto prepare = [this, doc, last_reader](size_t k, CollationKeys* keys) {
    Status s = Prepare(*doc, keys, entities_[k].get());
    for (const auto& [name, last] : last_reader) {
      auto it = doc->data.find(name);
      if (last == k && it != doc->data.end()) it->second = JsonValue();
    }
    return s;
  };
  // The pad weight for Trim, asked before the other thread starts.
  BAMORT_RETURN_IF_ERROR(collation_.Fetch());

  // Reading the records into text and asking for their collation keys is client work
  // that needs no row of the import, so a second thread (with its own connection, no
  // transaction) does it for the next entities while this one waits for the server's
  // INSERTs: the two cores are both busy instead of taking turns.
  PreparedQueue prepared;
  std::unique_ptr<Connection> second;
  Status opened = Connection::Open(conn_->config(), &second);
  if (!opened.ok()) {
    // Slower, not wrong: prepare each entity just before it is imported.
    spdlog::warn("no second connection for preparing records ({}); preparing in turn", opened.message());
    for (size_t k = 0; k < entities_.size(); ++k) prepared.Publish(Status::Ok());
    return RunPrepared(&prepared, &clock, [&](size_t k) { return prepare(k, &collation_); });
  }
  JoiningThread preparer([&] {
    CollationKeys keys(second.get());
    Status s;
    for (size_t k = 0; k < entities_.size(); ++k) {
      if (s.ok() && !prepared.cancelled()) s = prepare(k, &keys);
      prepared.Publish(s.ok() && prepared.cancelled() ? Status::Failed("cancelled") : s);
    }
  });
  Status s = RunPrepared(&prepared, &clock, nullptr);
  prepared.Cancel();
  preparer.Join();
  return s;
}

Status EntityImporter::RunPrepared(PreparedQueue* prepared, PhaseClock* clock,
                             const std::function<Status(size_t)>& prepare_inline) {
  std::vector<EntityState*> carried;
  for (size_t k = 0; k < entities_.size(); ++k) {
    EntityState* e = entities_[k].get();
    const EntitySpec* spec = e->spec;
    BAMORT_RETURN_IF_ERROR(prepared->WaitFor(k));
    if (prepare_inline) BAMORT_RETURN_IF_ERROR(prepare_inline(k));
    clock->Lap("prepare");
    if (!e->carried) {
      // Not in the source: the table is left alone; its rows are reported as only in
      // the database.
      Value rows;
      BAMORT_RETURN_IF_ERROR(conn_->QueryValue("SELECT COUNT(*) FROM " + QuoteName(spec->table), &rows));
      long long n = 0;
      ParseInt(rows.value_or("0"), &n);
      e->counts.only_in_database = static_cast<uint64_t>(n);
      clock->Lap("match");
      continue;
    }
    BAMORT_RETURN_IF_ERROR(Resolve(e));
    clock->Lap("resolve");
    BAMORT_RETURN_IF_ERROR(Match(e));
    clock->Lap("match");
    bool has_children = false;
    for (const EntitySpec& c : Entities()) has_children = has_children || c.parent == spec->name;
    BAMORT_RETURN_IF_ERROR(Apply(e, has_children));
    clock->Lap("apply");
    spdlog::info("{}: {} in file, {} inserted, {} updated, {} unchanged, {} only in the database", spec->name,
                 e->counts.in_file, e->counts.inserted, e->counts.updated, e->counts.unchanged,
                 e->counts.only_in_database);
    carried.push_back(e);
  }
  if (prune_)
    for (auto it = carried.rbegin(); it != carried.rend(); ++it) BAMORT_RETURN_IF_ERROR(Prune(*it));
  clock->Lap("prune");
  return Status::Ok();
}

}  // namespace bamort::masterdata

