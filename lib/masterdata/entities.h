// The master-data entities, declared as data: one EntitySpec per entity (table, natural
// key, references by natural key, columns, file names of format 1.0 and 2.0). Importer,
// exporter and transformers walk these declarations; none has a function per table.
// The import order is a topological sort of the references (ImportOrder); a cycle or a
// reference to an undeclared entity is an error found at start-up (ValidateEntities).
// Everything here is immutable after start-up and safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace bamort::masterdata {

enum class FieldType { kString, kInt, kFloat, kBool };

// A plain value: JSON field <-> column.
struct FieldSpec {
  std::string json;    // field name in the 2.0 record
  std::string column;  // column of the table
  FieldType type = FieldType::kString;
};

// A reference to another entity by that entity's natural key. The record carries the
// key values in json_fields (matched, in order, against the target's match_columns);
// the resolved id goes into column. An empty first key value means "no reference"
// (stored as 0) when optional, and is an error otherwise. copy_columns receive a copy
// of the target's match column (cut to copy_length), as upstream's link tables keep them.
struct ReferenceSpec {
  std::string target;                       // entity name
  std::vector<std::string> json_fields;     // e.g. {"skill_name", "skill_system"}
  std::vector<std::string> match_columns;   // target table columns, e.g. {"name", "game_system"}
  std::string column;                       // e.g. "skill_id"
  bool optional = false;
  std::string copy_column;                  // e.g. "skill_category" (may be empty)
  int copy_length = 0;
};

struct EntitySpec {
  std::string name;        // entity name = key in the 2.0 data object and 2.0 file base name
  std::string table;
  std::string file_v1;     // file name in format 1.0 ("" when 1.0 has no file of its own)
  // Embedded entities live inside their parent's records (2.0: "categories_difficulties"
  // of a skill); parent_column receives the parent's id.
  std::string parent;
  std::string parent_field;
  std::string parent_column;
  std::vector<FieldSpec> fields;          // in export order
  std::vector<ReferenceSpec> references;  // in export order, after the fields
  // The natural key: field json names and/or reference targets' json_fields[0]. Records
  // whose keys are equal under the collation are matched to rows in order (the n-th
  // such record to the n-th row by id), see docs/MASTERDATA.md.
  std::vector<std::string> key;
  bool has_game_system_id = false;  // set from the document's game system
  // Export order: ORDER BY these SQL expressions over the table alias r, then r.id.
  std::vector<std::string> order_by;
};

// The 24 upstream entities.
const std::vector<EntitySpec>& Entities();
const EntitySpec* FindEntity(const std::string& name);

// Every reference and parent names a declared entity, every key part is a field or a
// reference, and the references form no cycle. kFailed naming the problem otherwise.
Status ValidateEntities(const std::vector<EntitySpec>& entities);
// Topological order (referenced entities first; ties keep declaration order).
Status ImportOrder(const std::vector<EntitySpec>& entities, std::vector<const EntitySpec*>* out);

}  // namespace bamort::masterdata
